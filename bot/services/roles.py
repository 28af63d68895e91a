"""Staff roles: admins invite youth workers, evaluators and researchers, youth workers
invite their mentors, people redeem invitations, admins list and revoke roles; /help shows
each role's commands."""

from __future__ import annotations

from datetime import date, timedelta

from bot.engine import callback_data as cb
from bot.services.links import (
    INVITE_PREFIX,
    deep_link,
    new_invite_token,
    token_hash,
)
from bot.services.plaintext import plain_text
from bot.services.presenter import escape
from bot.services.routing import Audience, action, button, command
from bot.services.staff import MAX_CLASS_NAME, ROLE_WORDS, StaffDesk, utc_today
from bot.services.views import Button, Outcome, column
from bot.storage.records import EVALUATOR, MENTOR, RESEARCHER, YOUTH_WORKER


class RoleService(StaffDesk):
    """Invitations, roles and the staff part of /help."""

    async def staff_help(self, person) -> str | None:
        """Extra /help lines for staff, one paragraph per role, or None for everyone else."""
        roles = await self.roles_of(person)
        if not roles:
            return None
        language = await self._language(person)
        return "\n".join(self.t(language, f"staff.help_{a}") for a in Audience if a in roles)

    @command("invite", Audience.ADMIN, Audience.YOUTH_WORKER, menu=40)
    async def invite(self, person, args: list[str]) -> Outcome:
        """Admins invite youth workers, evaluators and researchers; a youth worker invites
        their mentors."""
        language = await self._language(person)
        roles = await self.roles_of(person)
        role = ROLE_WORDS.get(args[0].lower()) if args else None
        label = plain_text(" ".join(args[1:]), MAX_CLASS_NAME)
        if role == MENTOR and YOUTH_WORKER not in roles:
            # A mentor leads the classes of the youth worker who invited them: one an admin
            # invited would lead nobody's.
            return Outcome.say(self.t(language, "staff.invite_mentor_by_admin"))
        may_invite = {MENTOR} if YOUTH_WORKER in roles else set()
        if Audience.ADMIN in roles:
            may_invite |= {YOUTH_WORKER, EVALUATOR, RESEARCHER}
        if role not in may_invite or not label:
            usage = "staff.invite_usage" if Audience.ADMIN in roles else "staff.invite_usage_mentor"
            return Outcome.say(self.t(language, usage))
        inviter = person.pseudonym if role == MENTOR else None
        link, expires = await self.create_invitation(role, label, inviter)
        created = self.t(
            language,
            "staff.invite_created",
            role=self.t(language, f"role.{role}"),
            label=escape(label),
            link=link,
            expires=expires.isoformat(),
        )
        if role == MENTOR:
            created += "\n\n" + self.t(language, "staff.invite_mentor_age")
        return Outcome.say(created)

    async def create_invitation(
        self, role: str, label: str, invited_by: str | None = None
    ) -> tuple[str, date]:
        """Also used by `bystander invite` on the server. `invited_by`: the youth worker
        whose mentor the invitation makes."""
        token = new_invite_token()
        expires = utc_today() + timedelta(days=self.settings.invite_days)
        await self.classes.create_invitation(token_hash(token), role, label, expires, invited_by)
        return deep_link(await self.bot_username(), INVITE_PREFIX + token), expires

    async def redeem(self, person, token: str, membership) -> Outcome:
        language = await self._language(person)
        if await membership.too_many_wrong_codes(person.pseudonym):
            return Outcome.say(self.t(language, "class.too_many_tries"))
        grant = await self.classes.redeem_invitation(token_hash(token), person.pseudonym)
        if grant == "conflict":
            return Outcome.say(self.t(language, "staff.invite_conflict"))
        if grant is None:
            await membership.note_wrong_code(person.pseudonym)
            return Outcome.say(self.t(language, "staff.invite_invalid"))
        return Outcome.say(
            self.t(language, f"staff.welcome_{grant.role}", label=escape(grant.label))
        )

    @command("roles", Audience.ADMIN, menu=41)
    async def list_roles(self, person) -> Outcome:
        language = await self._language(person)
        grants = await self.classes.active_roles()
        if not grants:
            return Outcome.say(self.t(language, "staff.no_roles"))
        lines = [self.t(language, "staff.roles_heading")]
        buttons = []
        for grant in grants:
            role = self.t(language, f"role.{grant.role}")
            if grant.inviter_label:
                role = self.t(language, "staff.mentor_of", label=escape(grant.inviter_label))
            lines.append(f"• {escape(grant.label)} – {role} ({grant.granted_on})")
            label = self.t(language, "staff.revoke", label=grant.label)
            buttons.append(Button(label, action(self.revoke, str(grant.id))))
        return Outcome.say("\n".join(lines), column(*buttons))

    @button("rv")
    async def revoke(self, person, grant_id: str) -> Outcome:
        language = await self._language(person)
        number = cb.number(grant_id)
        if person.pseudonym not in self.settings.admins or number is None:
            return self._stale(language)
        await self.classes.revoke_role(number)
        refreshed = await self.list_roles(person)
        return Outcome(refreshed.messages, edit=True, notice=self.t(language, "staff.revoked"))
