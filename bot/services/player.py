"""What every use case of a young person's chat shares: who is talking (`Person`, their
`Session`), texts in their language, the welcome, the scenario menu and the kind answers
to old buttons.

The use cases themselves are capabilities of their own on `PlayerDesk`: first contact and
consent (bot.services.onboarding), playing (bot.services.play), the questionnaire
(bot.services.questionnaire), and help, privacy and their data (bot.services.account).
Every use case takes a `Person` and returns an `Outcome` to show. State is read from the
store on each call and written before the outcome is returned, so an acknowledged choice
is on disk and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.content.catalog import Catalog
from bot.engine.ages import AgeBand, is_for
from bot.engine.model import Scenario
from bot.services.membership import Membership
from bot.services.play_session import PlaySession
from bot.services.presenter import Presenter
from bot.services.routing import action
from bot.services.survey import (
    SurveyService,
)
from bot.services.views import Button, Keyboard, Message, Outcome, column
from bot.storage.ports import PlayerStore
from bot.storage.records import CONSENT_SAVE, GroupChat, Lesson, Profile, SurveyState


@dataclass(frozen=True)
class Person:
    """Who is talking: the pseudonym and the language their Telegram app uses.

    `chat_id` is only ever used, sealed, for a reminder the person asked for or the end
    questions of their lesson's round; it is never stored in clear or logged. In a group,
    `group` is where they spoke (the chat and its topic), and `as_group` says they posted
    anonymously as the group itself, so the bot cannot know who they are.
    """

    pseudonym: str
    telegram_language: str | None = None
    chat_id: int | None = field(default=None, repr=False, compare=False)
    group: GroupChat | None = field(default=None, repr=False, compare=False)
    as_group: bool = False


@dataclass
class Session:
    person: Person
    profile: Profile | None
    store: PlayerStore
    language: str
    preview: bool = False  # a draft language, which only staff may choose: drafts shown

    @property
    def saved(self) -> bool:
        return self.profile is not None and self.profile.consent == CONSENT_SAVE

    @property
    def band(self) -> AgeBand:
        return AgeBand(self.profile.age_band) if self.profile else AgeBand.UNSAID


RolesOf = Callable[[Person], Awaitable[frozenset[str]]]


async def no_roles(person: Person) -> frozenset[str]:
    return frozenset()


class PlayerDesk:
    """Shared by the young person's capabilities; holds no use case of its own."""

    def __init__(
        self,
        catalog: Catalog,
        store: PlayerStore,
        ephemeral: PlayerStore,
        membership: Membership | None = None,
        survey: SurveyService | None = None,
        retention_months: int = 12,
        min_group: int = 5,
        roles_of: RolesOf = no_roles,
    ) -> None:
        self.catalog = catalog
        self.roles_of = roles_of  # staff (anyone with a role) may preview draft languages
        self.retention_months = retention_months  # stated in /privacy
        self.min_group = min_group  # K, stated in /privacy
        self.presenter = Presenter(catalog.locales, catalog.help)
        self.stories = PlaySession(self.presenter)
        self.store = store
        self.ephemeral = ephemeral
        self.membership = membership
        self.survey = survey

    async def _session(self, person: Person, language: str | None = None) -> Session:
        """Load who this is; `language` overrides (a choice made before anything was stored)."""
        profile = await self.store.get_profile(person.pseudonym)
        store: PlayerStore = self.store
        if profile is None:
            profile = await self.ephemeral.get_profile(person.pseudonym)
            store = self.ephemeral
        if language is not None and await self.may_read(person, language):
            chosen = language
        elif profile is not None and await self.may_read(person, profile.language):
            chosen = profile.language
        else:  # a language no longer offered (the setting changed) is as one never offered
            chosen = self.presenter.locales.pick(person.telegram_language)
        preview = not self.presenter.locales.is_offered(chosen)
        return Session(person, profile, store, chosen, preview)

    async def may_read(self, person: Person, language: str) -> bool:
        """An offered language, or a draft one for staff (a role is looked up only then)."""
        locales = self.presenter.locales
        if locales.is_offered(language):
            return True
        return language in locales.drafts and bool(await self.roles_of(person))

    def t(self, session: Session, key: str, **values: object) -> str:
        return self.presenter.t(session.language, key, **values)

    def _button(self, session: Session, key: str, use_case: Callable, *args: str) -> Button:
        return Button(self.t(session, key), action(use_case, *args))

    def _welcome(self, session: Session) -> Outcome:
        # Nothing is stored before consent, so the buttons carry the language along.
        bands = [
            self._button(
                session, f"age.{band}", onboarding.Onboarding.choose_age, band, session.language
            )
            for band in AgeBand
        ]
        keyboard = column(*bands, *self._languages(session))
        return Outcome.say(self.t(session, "start.welcome"), keyboard)

    def _languages(self, session: Session) -> list[Button]:
        """Every other language, named in itself, on the first screen: Telegram's apps do not
        come in every language (not in Somali), so its language code cannot always say."""
        locales = self.presenter.locales
        others = [locales.names[code] for code in locales.languages if code != session.language]
        if not others:
            return []
        label = self.t(session, "start.other_languages", names=" · ".join(others))
        return [Button(label, action(onboarding.Onboarding.language_prompt))]

    def _with_menu(self, session: Session, text: str, keyboard: Keyboard) -> Outcome:
        title = self._menu_title(session, "menu.title")
        return Outcome([Message(text), Message(title, keyboard)], close_buttons=True)

    def _menu_title(self, session: Session, key: str) -> str:
        """The menu's heading; when no scenario is for the player's age, why the menu is empty."""
        return self.t(session, key if self._offered(session) else "menu.none_for_age")

    def _offered(self, session: Session) -> list[Scenario]:
        """The scenarios for the player's age band (bot/engine/ages.py); a class's
        assignments too must fit it, so nobody is shown a story written for older players."""
        return [s for s in self._scenarios(session).values() if is_for(s.age, session.band)]

    def _scenarios(self, session: Session) -> Mapping[str, Scenario]:
        """The scenarios as this person reads them: staff who chose a draft language
        preview its draft translations; everyone else gets the offered ones."""
        return self.catalog.previews if session.preview else self.catalog.scenarios

    async def _menu_keyboard(self, session: Session) -> Keyboard:
        buttons: list[Button] = []
        active = await self._active_scenario(session)
        if active is not None:
            title = active.title.get(session.language)
            buttons.append(
                Button(
                    self.t(session, "menu.continue", title=title), action(play.PlayService.resume)
                )
            )
        assigned = await self._assigned(session)
        lesson = await self._lesson_scenario(session)
        ordered = sorted(
            self._offered(session),
            key=lambda s: (s.id != lesson, s.id not in assigned, s.title.get(session.language)),
        )
        for scenario in ordered:
            key = "menu.item"
            if scenario.id in assigned:
                key = "menu.lesson_item" if scenario.id == lesson else "menu.assigned_item"
            title = scenario.title.get(session.language)
            label = self.t(session, key, title=title, minutes=scenario.minutes)
            buttons.append(Button(label, action(play.PlayService.intro, scenario.id)))
        return column(*buttons)

    async def _lesson_scenario(self, session: Session) -> str | None:
        lesson = await self._phones_lesson(session)
        return lesson.scenario_id if lesson else None

    async def _phones_lesson(self, session: Session) -> Lesson | None:
        if self.membership is None:
            return None
        return await self.membership.phones_lesson(session.person.pseudonym, session.saved)

    async def _assigned(self, session: Session) -> list[str]:
        if self.membership is None:
            return []
        return await self.membership.assigned(session.person.pseudonym, session.saved)

    async def _active_scenario(self, session: Session) -> Scenario | None:
        stored = await session.store.get_active_run(session.person.pseudonym)
        return self._scenarios(session).get(stored["scenario"]) if stored else None

    async def _gone(self, session: Session) -> Outcome:
        return Outcome.say(
            self.t(session, "play.gone"), await self._menu_keyboard(session), close_buttons=True
        )

    async def _not_for_age(self, session: Session, scenario: Scenario) -> Outcome:
        text = self.t(session, "play.not_for_age", min=scenario.age.min, max=scenario.age.max)
        return Outcome.say(text, await self._menu_keyboard(session), close_buttons=True)

    async def old_button(self, person: Person) -> Outcome:
        """A button that is old, forged or no longer anyone's: a kind notice, nothing done."""
        return self._stale(await self._session(person))

    def _stale(self, session: Session) -> Outcome:
        return Outcome(notice=self.t(session, "play.old_button"), close_buttons=True)

    async def _survey_state(self, session: Session, scenario_id: str) -> SurveyState | None:
        """The questionnaire state, or None when no questionnaire button can be valid here:
        nobody is asked who does not save, and only about scenarios that exist for their age."""
        scenario = self._scenarios(session).get(scenario_id)
        asked = scenario is not None and is_for(scenario.age, session.band)
        if self.survey is None or not session.saved or not asked:
            return None
        return await self.survey.state(session.person.pseudonym, scenario_id)


# The capabilities build on PlayerDesk, and its welcome and menu link to their use cases:
# imported last, as modules, so either side may be imported first.
from bot.services import onboarding, play  # noqa: E402
