"""The ways in: /start with or without a link, /help, free text, and what nobody routes.

These decide between the young person's and the staff's use cases, so the channel
adapters only pass on what arrived.
"""

from __future__ import annotations

from bot.services.facilitation import FacilitationService
from bot.services.links import parse_start_payload
from bot.services.player import Person
from bot.services.roles import RoleService
from bot.services.routing import command
from bot.services.views import Outcome
from bot.services.young_people import YoungPeople


class Entry:
    def __init__(
        self, young: YoungPeople, roles: RoleService, facilitation: FacilitationService
    ) -> None:
        self.young = young
        self.roles = roles
        self.facilitation = facilitation

    @command("start", menu=1)
    async def start(self, person: Person, words: list[str]) -> Outcome:
        """/start, or a link: `c-<code>` joins a class, `i-<token>` redeems an invitation."""
        link = parse_start_payload(words[0] if words else None)
        if link is None:
            return await self.young.onboarding.start(person)
        if link.kind == "class":
            return await self.young.onboarding.join_class(person, link.value)
        return await self.roles.redeem(person, link.value, self.young.onboarding.membership)

    @command("help", menu=5)
    async def help(self, person: Person) -> Outcome:
        """The help card, and each staff role's commands for staff."""
        outcome = await self.young.account.help(person)
        extra = await self.roles.staff_help(person)
        if extra:
            outcome = Outcome.say(f"{outcome.messages[0].text}\n\n{extra}")
        return outcome

    async def typed(self, person: Person, text: str | None, message_id: int | None) -> Outcome:
        """Free text, stickers, photos…: never read or stored, always answered with help.

        The one exception: a youth worker in facilitator mode types hand counts, which are
        read as numbers only."""
        outcome = await self.facilitation.hand_counts(person, text) if text else None
        return outcome or await self.young.account.help(person, typed_message=message_id)

    async def unknown_command(self, person: Person) -> Outcome:
        return await self.young.account.unknown_command(person)

    async def old_button(self, person: Person) -> Outcome:
        """In a group, only the note to whoever pressed: the lesson's messages stay as
        they are, whatever a pupil's modified client sends."""
        outcome = await self.young.account.old_button(person)
        return Outcome(notice=outcome.notice) if person.group else outcome
