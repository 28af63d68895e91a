"""The young person's use cases: first contact, consent, playing, resuming, help and their data.

Every method takes a `Person` and returns an `Outcome` to show. State is read from the
store on each call and written before the outcome is returned, so an acknowledged
choice is on disk and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.engine import engine
from bot.engine.ages import AgeBand, is_for
from bot.engine.engine import Run
from bot.engine.help import help_card
from bot.engine.measures import Wave
from bot.engine.model import Scenario, Strategy
from bot.services.ephemeral import EphemeralStore
from bot.services.membership import Membership
from bot.services.play_session import PlaySession
from bot.services.presenter import Presenter
from bot.services.presenter import escape as _e
from bot.services.routing import action, button, command
from bot.services.survey import (
    ACTED,
    OFFER,
    OPPORTUNITIES,
    OPPORTUNITY,
    QUESTION,
    SKIP_ALL,
    SurveyService,
)
from bot.services.views import Button, Erase, Keyboard, Message, Outcome, column
from bot.storage.evaluation import FollowUpState, SurveyState
from bot.storage.lessons import GroupChat
from bot.storage.records import CONSENT_NO_SAVE, CONSENT_SAVE, Profile
from bot.storage.store import Store


@dataclass(frozen=True)
class Person:
    """Who is talking: the pseudonym and the language their Telegram app uses.

    `chat_id` is only ever used, sealed, for a reminder the person asked for; it is never
    stored in clear or logged. In a group, `group` is where they spoke (the chat and its
    topic), and `as_group` says they posted anonymously as the group itself, so the bot
    cannot know who they are.
    """

    pseudonym: str
    telegram_language: str | None = None
    chat_id: int | None = field(default=None, repr=False, compare=False)
    group: GroupChat | None = field(default=None, repr=False, compare=False)
    as_group: bool = False


@dataclass
class _Session:
    person: Person
    profile: Profile | None
    store: Store
    language: str

    @property
    def saved(self) -> bool:
        return self.profile is not None and self.profile.consent == CONSENT_SAVE

    @property
    def band(self) -> AgeBand:
        return AgeBand(self.profile.age_band) if self.profile else AgeBand.UNSAID


class PlayerService:
    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        ephemeral: EphemeralStore,
        membership: Membership | None = None,
        survey: SurveyService | None = None,
        retention_months: int = 12,
        min_group: int = 5,
    ) -> None:
        self.catalog = catalog
        self.retention_months = retention_months  # stated in /privacy
        self.min_group = min_group  # K, stated in /privacy
        self.presenter = Presenter(catalog.locales, catalog.help)
        self.stories = PlaySession(self.presenter)
        self.store = store
        self.ephemeral = ephemeral
        self.membership = membership
        self.survey = survey

    # -- sessions -------------------------------------------------------------

    async def _session(self, person: Person, language: str | None = None) -> _Session:
        """Load who this is; `language` overrides (a choice made before anything was stored)."""
        profile = await self.store.get_profile(person.pseudonym)
        store: Store = self.store
        if profile is None:
            profile = await self.ephemeral.get_profile(person.pseudonym)
            store = self.ephemeral
        locales = self.presenter.locales
        if language in locales.languages:
            chosen = language
        else:
            chosen = profile.language if profile else locales.pick(person.telegram_language)
        return _Session(person, profile, store, chosen)

    def t(self, session: _Session, key: str, **values: object) -> str:
        return self.presenter.t(session.language, key, **values)

    def _button(self, session: _Session, key: str, use_case: Callable, *args: str) -> Button:
        return Button(self.t(session, key), action(use_case, *args))

    # -- first contact ----------------------------------------------------------

    async def start(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        return await self.menu(person, greeting=True)

    async def join_class(self, person: Person, code: str) -> Outcome:
        """A student opened a class link: welcome them to the class, then play as usual."""
        session = await self._session(person)
        user = person.pseudonym
        if self.membership is None or self.membership.too_many_wrong_codes(user):
            return Outcome.say(self.t(session, "class.too_many_tries"))
        found = await self.membership.find_open_class(code)
        if found is None:
            self.membership.note_wrong_code(user)
            return Outcome.say(self.t(session, "class.unknown_code"))
        self.membership.remember(user, found.id)
        await self.membership.settle(user, saved=session.saved)
        welcome = Message(self.t(session, "class.welcome", name=_e(found.name)))
        rest = await self.start(person)
        return Outcome([welcome, *rest.messages])

    def _welcome(self, session: _Session) -> Outcome:
        # Nothing is stored before consent, so the buttons carry the language along.
        bands = [
            self._button(session, f"age.{band}", self.choose_age, band, session.language)
            for band in AgeBand
        ]
        return Outcome.say(self.t(session, "start.welcome"), column(*bands))

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

    def _consent_buttons(self, session: _Session, band: str, no_save_key: str) -> Keyboard:
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

    async def _set_consent(self, session: _Session, band: str, consent: str, key: str) -> Outcome:
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

    def _backend(self, consent: str) -> Store:
        return self.store if consent == CONSENT_SAVE else self.ephemeral

    @button("saving")
    async def saving_prompt(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        buttons = self._consent_buttons(session, session.profile.age_band, "consent.no_save_delete")
        return Outcome.say(self.t(session, "consent.change"), buttons)

    # -- menu and scenarios -----------------------------------------------------

    @command("scenarios", menu=2)
    @button("menu")
    async def menu(self, person: Person, *, greeting: bool = False) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        key = "menu.welcome_back" if greeting else "menu.title"
        return Outcome.say(self._menu_title(session, key), await self._menu_keyboard(session))

    def _with_menu(self, session: _Session, text: str, keyboard: Keyboard) -> Outcome:
        title = self._menu_title(session, "menu.title")
        return Outcome([Message(text), Message(title, keyboard)], close_buttons=True)

    def _menu_title(self, session: _Session, key: str) -> str:
        """The menu's heading; when no scenario is for the player's age, why the menu is empty."""
        return self.t(session, key if self._offered(session) else "menu.none_for_age")

    def _offered(self, session: _Session) -> list[Scenario]:
        """The scenarios for the player's age band (bot/engine/ages.py); a class's
        assignments too must fit it, so nobody is shown a story written for older players."""
        return [s for s in self.catalog.scenarios.values() if is_for(s.age, session.band)]

    async def _menu_keyboard(self, session: _Session) -> Keyboard:
        buttons: list[Button] = []
        active = await self._active_scenario(session)
        if active is not None:
            title = active.title.get(session.language)
            buttons.append(
                Button(self.t(session, "menu.continue", title=title), action(self.resume))
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
            buttons.append(Button(label, action(self.intro, scenario.id)))
        return column(*buttons)

    async def _lesson_scenario(self, session: _Session) -> str | None:
        if self.membership is None:
            return None
        return await self.membership.lesson_scenario(session.person.pseudonym, session.saved)

    async def _assigned(self, session: _Session) -> list[str]:
        if self.membership is None:
            return []
        return await self.membership.assigned(session.person.pseudonym, session.saved)

    async def _active_scenario(self, session: _Session) -> Scenario | None:
        stored = await session.store.get_active_run(session.person.pseudonym)
        return self.catalog.scenarios.get(stored["scenario"]) if stored else None

    async def _playable(
        self, person: Person, scenario_id: str
    ) -> tuple[_Session, Scenario | None, Outcome | None]:
        """The session and scenario, or the outcome to show instead (welcome, gone, or
        a kind word when the scenario is not for the player's age: a forged button)."""
        session = await self._session(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        if session.profile is None:
            return session, None, self._welcome(session)
        if scenario is None:
            return session, None, await self._gone(session)
        if not is_for(scenario.age, session.band):
            return session, None, await self._not_for_age(session, scenario)
        return session, scenario, None

    @button("sc")
    async def intro(self, person: Person, scenario_id: str) -> Outcome:
        session, scenario, instead = await self._playable(person, scenario_id)
        if instead:
            return instead
        text = self.presenter.scenario_intro(scenario, session.language)
        start = self._button(session, "play.start", self.begin, scenario.id)
        back = self._button(session, "menu.back", self.menu)
        return Outcome.say(text, column(start, back), close_buttons=True)

    @button("go")
    async def begin(self, person: Person, scenario_id: str) -> Outcome:
        session, scenario, instead = await self._playable(person, scenario_id)
        if instead:
            return instead
        if await self._survey_asks(session, scenario.id, Wave.BEFORE):
            question = self.survey.question(session.language, Wave.BEFORE, scenario.id, 0)
            return Outcome([question], close_buttons=True)
        return await self._start_run(session, scenario)

    async def _start_run(self, session: _Session, scenario: Scenario) -> Outcome:
        run = self.stories.start(scenario)
        await self._record_start(session, run)
        return Outcome(
            [self._step_message(session, scenario, run, heading=True)], close_buttons=True
        )

    async def _record_start(self, session: _Session, run: Run) -> None:
        person = session.person
        class_id = None
        if self.membership and session.saved:
            class_id = await self.membership.class_for_run(person.pseudonym, run.scenario_id)
        await session.store.start_run(person.pseudonym, run.to_json(), class_id)

    def _step_message(
        self,
        session: _Session,
        scenario: Scenario,
        run: Run,
        *,
        heading: bool,
        after: str = "",
        marked: str | None = None,
    ) -> Message:
        """A step with its choices, and a button for each hard word it or the feedback just
        read (`after`) uses. The choice `marked` is the one made there the time before."""
        step = self.stories.step(scenario, run)
        language = session.language
        labels = [choice.label.get(language) for choice in step.choices]
        buttons = [
            Button(
                self.t(session, "replay.marked", label=label) if choice.id == marked else label,
                cb.answer(run.run_id, step.id, choice.id),
            )
            for label, choice in zip(labels, step.choices, strict=True)
        ]
        buttons += self._glossary_buttons(session, [step.text.get(language), *labels], after)
        return Message(self.stories.step_text(step, language, heading=heading), column(*buttons))

    def _glossary_buttons(self, session: _Session, story: list[str], after: str) -> list[Button]:
        """A 📖 button for each hard word the story uses, then the feedback just read."""
        language = session.language
        return [
            Button(
                self.t(session, "glossary.button", word=self.presenter.glossary_word(t, language)),
                action(self.explain, t),
            )
            for t in self.presenter.glossary_terms(story, after, language)
        ]

    @button("gl")
    async def explain(self, person: Person, term: str) -> Outcome:
        """What a hard word means; the step's buttons stay, so the story goes on."""
        session = await self._session(person)
        entry = self.presenter.glossary_entry(term, session.language)
        return Outcome.say(entry) if entry else self._stale(session)

    # -- answering ---------------------------------------------------------------

    @button(cb.ANSWER)
    async def answer(self, person: Person, run_id: str, step_id: str, choice_id: str) -> Outcome:
        session = await self._session(person)
        loaded = await self._load_run(session)
        if loaded is None:
            return self._stale(session)
        scenario, run = loaded
        try:
            turn = self.stories.choose(
                scenario, run, choice_id, session.language, session.band,
                run_id=run_id, step_id=step_id,
            )  # fmt: skip
        except engine.ScenarioChanged:
            return await self.resume(person)  # edited meanwhile: explain and continue safely
        except (engine.StaleAnswer, engine.UnknownChoice, engine.RunFinished):
            return self._stale(session)
        record = self.stories.record(scenario, run, turn.answer)
        await session.store.save_progress(person.pseudonym, run.to_json(), record, run.finished)
        if not turn.finished:
            step = self._step_message(
                session, scenario, run, heading=turn.heading, after=turn.feedback
            )
            return Outcome([Message(turn.feedback), step], close_buttons=True)
        debrief = self._debrief(session, scenario, run, turn.debrief, turn.feedback)
        messages = [Message(turn.feedback), debrief]
        if run.replay_of is None and await self._survey_asks(session, scenario.id, Wave.AFTER):
            messages.append(self.survey.question(session.language, Wave.AFTER, scenario.id, 0))
        return Outcome(messages, close_buttons=True)

    # -- the evaluation questionnaire ---------------------------------------------------

    async def _survey_asks(self, session: _Session, scenario_id: str, wave: Wave) -> bool:
        if self.survey is None or not session.saved:
            return False
        state = await self.survey.state(session.person.pseudonym, scenario_id)
        return self.survey.asks(state, wave)

    async def _survey_state(self, session: _Session, scenario_id: str) -> SurveyState | None:
        """The questionnaire state, or None when no questionnaire button can be valid here:
        nobody is asked who does not save, and only about scenarios that exist for their age."""
        scenario = self.catalog.scenarios.get(scenario_id)
        asked = scenario is not None and is_for(scenario.age, session.band)
        if self.survey is None or not session.saved or not asked:
            return None
        return await self.survey.state(session.person.pseudonym, scenario_id)

    # Every questionnaire and follow-up button is checked against where the person really
    # is (bot.services.survey): a forged or old one gets the kind notice and writes nothing.

    @button(QUESTION)
    async def survey_answer(
        self, person: Person, wave: str, scenario_id: str, index: str, value: str
    ) -> Outcome:
        session = await self._session(person)
        parsed = self.survey.parse(wave, index, value) if self.survey else None
        state = await self._survey_state(session, scenario_id) if parsed else None
        if state is None or not self.survey.accepts(state, parsed[0], parsed[1]):
            return self._stale(session)
        wave_, number, answer = parsed
        await self.survey.record(person.pseudonym, scenario_id, wave_, number, answer)
        if not self.survey.is_last(number):
            question = self.survey.question(session.language, wave_, scenario_id, number + 1)
            return Outcome([question], close_buttons=True)
        return await self._after_wave(session, wave_, scenario_id)

    @button(SKIP_ALL)
    async def survey_skip_all(self, person: Person, wave: str, scenario_id: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if wave in set(Wave) else None
        if state is None or not self.survey.accepts(state, Wave(wave), None):
            return self._stale(session)
        await self.survey.skip_rest(person.pseudonym, scenario_id, Wave(wave), state)
        return await self._after_wave(session, Wave(wave), scenario_id)

    async def _after_wave(self, session: _Session, wave: Wave, scenario_id: str) -> Outcome:
        if wave is Wave.BEFORE:
            scenario = self.catalog.scenarios.get(scenario_id)
            return (
                await self._start_run(session, scenario) if scenario else await self._gone(session)
            )
        offer = None
        if wave is Wave.AFTER:
            state = await self.survey.state(session.person.pseudonym, scenario_id)
            if self.survey.may_offer(state, self._follow_up_limit):
                offer = self.survey.offer(scenario_id, session.language)
        return Outcome([offer or Message(self.t(session, "survey.thanks"))], close_buttons=True)

    @property
    def _follow_up_limit(self) -> int:
        """At most one reminder per scenario, so never more than there are scenarios."""
        return len(self.catalog.scenarios)

    @button(OFFER)
    async def follow_up_offer(self, person: Person, scenario_id: str, answer: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if answer in ("yes", "no") else None
        if state is None or not self.survey.may_offer(state, self._follow_up_limit):
            return self._stale(session)
        if answer == "yes" and person.chat_id is not None:
            await self.survey.accept_offer(
                person.pseudonym, scenario_id, person.chat_id, self._follow_up_limit
            )
            key = "survey.remind_set"
        else:
            key = "survey.remind_declined"
        return Outcome.say(
            self.t(session, key, days=self.survey.follow_up_days), close_buttons=True
        )

    @button(OPPORTUNITY)
    async def follow_up_opportunity(
        self, person: Person, follow_up_id: str, answer: str
    ) -> Outcome:
        session, follow_up = await self._follow_up(person, follow_up_id)
        if follow_up is None or follow_up.opportunity is not None or answer not in OPPORTUNITIES:
            return self._stale(session)
        await self.survey.evaluation.answer_follow_up(
            person.pseudonym, follow_up.id, "opportunity", answer
        )
        if answer == "yes":
            message = self.survey.acted_question(follow_up.id, session.language)
        else:
            message = self.survey.question(
                session.language, Wave.FOLLOW_UP, follow_up.scenario_id, 0
            )
        return Outcome([message], close_buttons=True)

    @button(ACTED)
    async def follow_up_acted(self, person: Person, follow_up_id: str, strategy: str) -> Outcome:
        session, follow_up = await self._follow_up(person, follow_up_id)
        if (
            follow_up is None
            or follow_up.opportunity != "yes"
            or follow_up.acted is not None
            or strategy not in set(Strategy)
        ):
            return self._stale(session)
        await self.survey.evaluation.answer_follow_up(
            person.pseudonym, follow_up.id, "acted", strategy
        )
        question = self.survey.question(session.language, Wave.FOLLOW_UP, follow_up.scenario_id, 0)
        return Outcome([question], close_buttons=True)

    async def _follow_up(
        self, person: Person, follow_up_id: str
    ) -> tuple[_Session, FollowUpState | None]:
        """The person's sent follow-up with this id, if there is one."""
        session = await self._session(person)
        number = cb.number(follow_up_id)
        if self.survey is None or not session.saved or number is None:
            return session, None
        return session, await self.survey.evaluation.sent_follow_up(person.pseudonym, number)

    def _debrief(
        self, session: _Session, scenario: Scenario, run: Run, text: str, after: str
    ) -> Message:
        again = self._button(session, "play.again", self.begin, scenario.id)
        other = self._button(session, "play.other", self.menu)
        replay = self._button(session, "play.replay", self.replay_steps, run.run_id)
        words = self._glossary_buttons(session, [text], after)
        return Message(text, column(again, other, replay, *words))

    # -- replays: "what else could I have done?" ------------------------------------

    @button("rw")  # rw:<finished run id>
    async def replay_steps(self, person: Person, run_id: str) -> Outcome:
        """The steps of the finished run, each with the choice made there, to go back to."""
        session = await self._session(person)
        finished = await self._finished_run(session, run_id)
        if finished is None:
            return self._stale(session)
        scenario, run = finished
        buttons = [
            Button(
                self.t(
                    session,
                    "replay.step",
                    number=n + 1,
                    choice=t.choice.label.get(session.language),
                ),
                action(self.replay, run.run_id, str(n)),
            )
            for n, t in enumerate(engine.taken(scenario, run))
        ]
        return Outcome.say(self.t(session, "replay.pick"), column(*buttons))

    @button("rb")  # rb:<finished run id>:<index of the step in its path>
    async def replay(self, person: Person, run_id: str, index: str) -> Outcome:
        """Go back to a step of the finished run and choose again: a new run, a replay."""
        session = await self._session(person)
        finished = await self._finished_run(session, run_id)
        number = cb.number(index)
        if finished is None or number is None:
            return self._stale(session)
        scenario, run = finished
        try:
            replay = engine.branch(scenario, run, number)
        except engine.NotReplayable:  # a step the run did not pass
            return self._stale(session)
        await self._record_start(session, replay)
        intro = Message(self.t(session, "replay.intro", number=number + 1))
        earlier = run.path[number][1]
        step = self._step_message(session, scenario, replay, heading=True, marked=earlier)
        return Outcome([intro, step], close_buttons=True)

    async def _finished_run(self, session: _Session, run_id: str) -> tuple[Scenario, Run] | None:
        """The person's last finished run, when a replay button names it and it can still be
        replayed: its scenario is unchanged since and for the person's age."""
        if session.profile is None:
            return None
        stored = await session.store.get_finished_run(session.person.pseudonym)
        if stored is None:
            return None
        run = Run.from_json(stored)
        scenario = self.catalog.scenarios.get(run.scenario_id)
        if (
            run.run_id != run_id
            or scenario is None
            or scenario.version != run.version
            or not is_for(scenario.age, session.band)
        ):
            return None
        return scenario, run

    async def _load_run(self, session: _Session) -> tuple[Scenario, Run] | None:
        stored = await session.store.get_active_run(session.person.pseudonym)
        if stored is None:
            return None
        run = Run.from_json(stored)
        scenario = self.catalog.scenarios.get(run.scenario_id)
        return (scenario, run) if scenario is not None else None

    @command("resume", menu=3)
    @button("resume")
    async def resume(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        stored = await session.store.get_active_run(person.pseudonym)
        if stored is None:
            return Outcome.say(
                self.t(session, "resume.nothing"), await self._menu_keyboard(session)
            )
        run = Run.from_json(stored)
        scenario = self.catalog.scenarios.get(run.scenario_id)
        if scenario is None:
            await session.store.clear_active_run(person.pseudonym)
            return await self._gone(session)
        resumed = engine.resume(scenario, run)
        messages = []
        if resumed.version_changed:
            key = "resume.updated_same_step" if resumed.kept_position else "resume.updated_restart"
            messages.append(Message(self.t(session, key)))
            await session.store.start_run(person.pseudonym, resumed.run.to_json())
        messages.append(self._step_message(session, scenario, resumed.run, heading=True))
        return Outcome(messages, close_buttons=True)

    @command("stop", menu=4)
    async def stop(self, person: Person) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        if await session.store.get_active_run(person.pseudonym) is None:
            return Outcome.say(self.t(session, "stop.nothing"), await self._menu_keyboard(session))
        await session.store.clear_active_run(person.pseudonym)
        key = "stop.done_saved" if session.store is self.store else "stop.done"
        return self._with_menu(session, self.t(session, key), await self._menu_keyboard(session))

    async def _gone(self, session: _Session) -> Outcome:
        return Outcome.say(
            self.t(session, "play.gone"), await self._menu_keyboard(session), close_buttons=True
        )

    async def _not_for_age(self, session: _Session, scenario: Scenario) -> Outcome:
        text = self.t(session, "play.not_for_age", min=scenario.age.min, max=scenario.age.max)
        return Outcome.say(text, await self._menu_keyboard(session), close_buttons=True)

    async def old_button(self, person: Person) -> Outcome:
        """A button that is old, forged or no longer anyone's: a kind notice, nothing done."""
        return self._stale(await self._session(person))

    def _stale(self, session: _Session) -> Outcome:
        return Outcome(notice=self.t(session, "play.old_button"), close_buttons=True)

    # -- help, language, privacy and data -----------------------------------------

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

    @command("language", menu=6)
    async def language_prompt(self, person: Person) -> Outcome:
        session = await self._session(person)
        locales = self.presenter.locales
        buttons = [
            Button(locales.names[code], action(self.choose_language, code))
            for code in locales.languages
        ]
        return Outcome.say(self.t(session, "language.question"), column(*buttons))

    @button("lang")
    async def choose_language(self, person: Person, code: str) -> Outcome:
        session = await self._session(person)
        if code not in self.presenter.locales.languages:
            return self._stale(session)
        if session.profile is None:
            return self._welcome(await self._session(person, code))
        await session.store.save_profile(
            Profile(person.pseudonym, code, session.profile.age_band, session.profile.consent)
        )
        session = await self._session(person)
        return Outcome.say(self.t(session, "language.changed"), close_buttons=True)

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
        change = (self._button(session, "mydata.change_saving", self.saving_prompt),)
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

    def _title(self, scenario_id: str, session: _Session) -> str:
        scenario = self.catalog.scenarios.get(scenario_id)
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
