"""First contact: the welcome, age band and consent, a class link, changing saving and
the language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine.ages import AgeBand
from bot.services.player import Person, PlayerDesk, Session
from bot.services.presenter import escape as _e
from bot.services.routing import action, button, command
from bot.services.views import Button, Keyboard, Message, Outcome, column
from bot.storage.ports import PlayerStore
from bot.storage.records import CONSENT_NO_SAVE, CONSENT_SAVE, Profile

if TYPE_CHECKING:  # play imports this module's base, PlayerDesk
    from bot.services.play import PlayService


class Onboarding(PlayerDesk):
    def __init__(self, *args: object, play: PlayService, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.play = play  # the menu comes after the welcome

    async def start(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        return await self.play.menu(person, greeting=True)

    async def join_class(self, person: Person, code: str) -> Outcome:
        """A student opened a class link: welcome them to the class, then play as usual."""
        session = await self._session(person)
        user = person.pseudonym
        if self.membership is None or await self.membership.too_many_wrong_codes(user):
            return Outcome.say(self.t(session, "class.too_many_tries"))
        found = await self.membership.find_open_class(code)
        if found is None:
            await self.membership.note_wrong_code(user)
            return Outcome.say(self.t(session, "class.unknown_code"))
        await self.membership.remember(user, found.id)
        await self.membership.settle(user, saved=session.saved)
        welcome = Message(self.t(session, "class.welcome", name=_e(found.name)))
        rest = await self.start(person)
        return Outcome([welcome, *rest.messages])

    @button("age")
    async def choose_age(self, person: Person, band: str, language: str) -> Outcome:
        session = await self._session(person, language)
        if band not in set(AgeBand):
            return self._stale(session)
        if AgeBand(band) is AgeBand.UP_TO_15:
            return await self._set_consent(session, band, CONSENT_NO_SAVE, "consent.too_young")
        return Outcome.say(
            self.t(session, "consent.question"),
            self._consent_buttons(session, band, "consent.no_save"),
            close_buttons=True,
        )

    def _consent_buttons(self, session: Session, band: str, no_save_key: str) -> Keyboard:
        return column(
            self._button(
                session, "consent.save", self.choose_consent, band, CONSENT_SAVE, session.language
            ),
            self._button(
                session, no_save_key, self.choose_consent, band, CONSENT_NO_SAVE, session.language
            ),
        )

    @button("consent")
    async def choose_consent(
        self, person: Person, band: str, consent: str, language: str
    ) -> Outcome:
        session = await self._session(person, language)
        if band not in set(AgeBand) or consent not in (CONSENT_SAVE, CONSENT_NO_SAVE):
            return self._stale(session)
        if AgeBand(band) is AgeBand.UP_TO_15:
            consent = CONSENT_NO_SAVE
        confirmation = "consent.saved" if consent == CONSENT_SAVE else "consent.not_saved"
        return await self._set_consent(session, band, consent, confirmation)

    async def _set_consent(self, session: Session, band: str, consent: str, key: str) -> Outcome:
        pseudonym = session.person.pseudonym
        run = await session.store.get_active_run(pseudonym)
        profile = Profile(pseudonym, session.language, band, consent)
        if consent == CONSENT_SAVE:
            await self.ephemeral.delete_user(pseudonym)
            await self.store.save_profile(profile)
            if self.membership:
                await self.membership.settle(pseudonym, saved=True)
        else:
            await self.store.delete_user(pseudonym)  # saying no later removes what was saved
            await self.ephemeral.save_profile(profile)
        moved = self._backend(consent) is not session.store
        if run is not None and moved:
            await self._backend(consent).start_run(pseudonym, run)
        session = await self._session(session.person)
        return self._with_menu(session, self.t(session, key), await self._menu_keyboard(session))

    def _backend(self, consent: str) -> PlayerStore:
        return self.store if consent == CONSENT_SAVE else self.ephemeral

    @button("saving")
    async def saving_prompt(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        buttons = self._consent_buttons(session, session.profile.age_band, "consent.no_save_delete")
        return Outcome.say(self.t(session, "consent.change"), buttons)

    @command("language", menu=6)
    @button("langs")  # also from the welcome, before anything is stored
    async def language_prompt(self, person: Person) -> Outcome:
        session = await self._session(person)
        locales = self.presenter.locales
        buttons = [
            Button(locales.names[code], action(self.choose_language, code))
            for code in locales.languages
        ]
        if locales.drafts and await self.roles_of(person):  # staff preview the drafts
            buttons += [
                Button(
                    self.t(session, "language.draft", name=locales.names[code]),
                    action(self.choose_language, code),
                )
                for code in locales.drafts
            ]
        return Outcome.say(self.t(session, "language.question"), column(*buttons))

    @button("lang")
    async def choose_language(self, person: Person, code: str) -> Outcome:
        session = await self._session(person)
        if not await self.may_read(person, code):
            return self._stale(session)
        if session.profile is None:
            return self._welcome(await self._session(person, code))
        await session.store.save_profile(
            Profile(person.pseudonym, code, session.profile.age_band, session.profile.consent)
        )
        session = await self._session(person)
        return Outcome.say(self.t(session, "language.changed"), close_buttons=True)
