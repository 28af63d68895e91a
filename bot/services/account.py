"""Help, privacy and a young person's own data: the help card (also for anything typed),
removing what they typed, /privacy, /mydata, /delete and the language."""

from __future__ import annotations

from bot.engine import callback_data as cb
from bot.engine.help import help_card
from bot.services import onboarding
from bot.services.player import Person, PlayerDesk, Session
from bot.services.routing import button, command
from bot.services.views import Erase, Message, Outcome, column


class Account(PlayerDesk):
    async def help(self, person: Person, *, typed_message: int | None = None) -> Outcome:
        """The help card; `typed_message` is the id of what the person typed, when the card
        answers it. Then it may be a disclosure: the card says how to remove it from the
        phone, with a button that does, and leaves out the commands (the menu lists them)."""
        session = await self._session(person)
        card = self.presenter.help_card(
            help_card(self.catalog.help, session.band), session.language
        )
        if typed_message is None:
            intro, commands = self.t(session, "help.intro"), self.t(session, "help.commands")
            return Outcome.say(f"{intro}\n\n{card}\n\n{commands}")
        text = f"{self.t(session, 'help.typed')}\n\n{card}\n\n{self.t(session, 'help.remove_hint')}"
        remove = self._button(session, "help.remove_button", self.remove_typed, str(typed_message))
        return Outcome.say(text, column(remove))

    @button("rmt")
    async def remove_typed(self, person: Person, message_id: str) -> Outcome:
        """Ask the channel to delete what the person typed; it shows `help.remove_failed`
        if it cannot (too old, already deleted)."""
        session = await self._session(person)
        number = cb.number(message_id)
        if not number:
            return self._stale(session)
        failed = Message(self.t(session, "help.remove_failed"))
        return Outcome.say(
            self.t(session, "help.removed"), close_buttons=True, erase=Erase(number, failed)
        )

    async def unknown_command(self, person: Person) -> Outcome:
        session = await self._session(person)
        return Outcome.say(self.t(session, "unknown.command"))

    @command("privacy", menu=7)
    async def privacy(self, person: Person) -> Outcome:
        session = await self._session(person)
        return Outcome.say(
            self.t(session, "privacy.text", months=self.retention_months, k=self.min_group)
        )

    @command("mydata", menu=8)
    async def my_data(self, person: Person) -> Outcome:
        session = await self._session(person)
        data = await self.store.describe_user(person.pseudonym)
        change = (
            self._button(session, "mydata.change_saving", onboarding.Onboarding.saving_prompt),
        )
        if data is None:
            key = "mydata.nothing" if session.profile is None else "mydata.not_saved"
            return Outcome.say(self.t(session, key), column(*change) if session.profile else ())
        titles = ", ".join(self._title(s, session) for s in data.scenarios) or "–"
        text = self.t(
            session,
            "mydata.saved",
            language_name=self.presenter.locales.names.get(data.profile.language, "?"),
            age_band=self.t(session, f"age.{data.profile.age_band}"),
            started=data.runs_started,
            finished=data.runs_finished,
            choices=data.choices,
            scenarios=titles,
            first=data.first_activity.isoformat(),
            last=data.last_activity.isoformat(),
        )
        return Outcome.say(
            text,
            column(*change, self._button(session, "delete.button", self._delete_button, "ask")),
        )

    def _title(self, scenario_id: str, session: Session) -> str:
        scenario = self._scenarios(session).get(scenario_id)
        return scenario.title.get(session.language) if scenario else scenario_id

    @command("delete", menu=9)
    async def delete_prompt(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return Outcome.say(self.t(session, "mydata.nothing"))
        yes = self._button(session, "delete.confirm", self._delete_button, "yes")
        no = self._button(session, "delete.cancel", self.keep)
        return Outcome.say(self.t(session, "delete.question"), column(yes, no))

    async def delete(self, person: Person) -> Outcome:
        await self.store.delete_user(person.pseudonym)
        await self.ephemeral.delete_user(person.pseudonym)
        if self.membership:
            await self.membership.forget(person.pseudonym)
        session = await self._session(person)
        return Outcome.say(self.t(session, "delete.done"), close_buttons=True)

    @button("del")
    async def _delete_button(self, person: Person, step: str) -> Outcome:
        return await (self.delete(person) if step == "yes" else self.delete_prompt(person))

    @button("keep")
    async def keep(self, person: Person) -> Outcome:
        session = await self._session(person)
        return Outcome.say(self.t(session, "delete.kept"), close_buttons=True)
