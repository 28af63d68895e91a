"""Playing: the menu, a scenario's intro, each step and its feedback, the debrief, hard
words, resuming and stopping, and "what else could I have done?" replays."""

from __future__ import annotations

from bot.engine import callback_data as cb
from bot.engine import engine
from bot.engine.ages import is_for
from bot.engine.engine import Run
from bot.engine.measures import Wave
from bot.engine.model import Scenario
from bot.services.player import Person, PlayerDesk, Session
from bot.services.routing import action, button, command
from bot.services.views import Button, Message, Outcome, column


class PlayService(PlayerDesk):
    @command("scenarios", menu=2)
    @button("menu")
    async def menu(self, person: Person, *, greeting: bool = False) -> Outcome:
        session = await self._session(person)
        if session.profile is None:
            return self._welcome(session)
        key = "menu.welcome_back" if greeting else "menu.title"
        return Outcome.say(self._menu_title(session, key), await self._menu_keyboard(session))

    async def _playable(
        self, person: Person, scenario_id: str
    ) -> tuple[Session, Scenario | None, Outcome | None]:
        """The session and scenario, or the outcome to show instead (welcome, gone, or
        a kind word when the scenario is not for the player's age: a forged button)."""
        session = await self._session(person)
        scenario = self._scenarios(session).get(scenario_id)
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
        if await self._starts_round(session, scenario.id):
            question = self.survey.question(session.language, Wave.BEFORE, scenario.id, 0)
            return Outcome([question], close_buttons=True)
        return await self.start_run(session, scenario)

    async def start_run(self, session: Session, scenario: Scenario) -> Outcome:
        run = self.stories.start(scenario)
        await self._record_start(session, run)
        return Outcome(
            [self._step_message(session, scenario, run, heading=True)], close_buttons=True
        )

    async def _record_start(self, session: Session, run: Run) -> None:
        person = session.person
        class_id = None
        if self.membership and session.saved:
            class_id = await self.membership.class_for_run(person.pseudonym, run.scenario_id)
        await session.store.start_run(person.pseudonym, run.to_json(), class_id)

    def _step_message(
        self,
        session: Session,
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

    def _glossary_buttons(self, session: Session, story: list[str], after: str) -> list[Button]:
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
        round_ended = await self._solo_round_ended(session) if run.replay_of is None else None
        if round_ended is not None:
            messages.append(self.survey.question(session.language, Wave.AFTER, round_ended, 0))
        return Outcome(messages, close_buttons=True)

    async def _starts_round(self, session: Session, scenario_id: str) -> bool:
        """Whether the questions of a round's start (T1) come before this scenario."""
        if self.survey is None or not session.saved:
            return False
        lesson = await self._phones_lesson(session)
        state = await self.survey.state(session.person.pseudonym, scenario_id)
        in_lesson = lesson is not None and lesson.scenario_id == scenario_id
        return self.survey.asks_before(state, in_lesson)

    async def _solo_round_ended(self, session: Session) -> str | None:
        """The solo round whose end questions (T2) come now, after its last scenario; never
        during a lesson, whose own end questions come at its end."""
        if self.survey is None or not session.saved or await self._phones_lesson(session):
            return None
        return await self.survey.solo_round_to_end(session.person.pseudonym)

    def _debrief(
        self, session: Session, scenario: Scenario, run: Run, text: str, after: str
    ) -> Message:
        again = self._button(session, "play.again", self.begin, scenario.id)
        other = self._button(session, "play.other", self.menu)
        replay = self._button(session, "play.replay", self.replay_steps, run.run_id)
        words = self._glossary_buttons(session, [text], after)
        return Message(text, column(again, other, replay, *words))

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

    async def _finished_run(self, session: Session, run_id: str) -> tuple[Scenario, Run] | None:
        """The person's last finished run, when a replay button names it and it can still be
        replayed: its scenario is unchanged since and for the person's age."""
        if session.profile is None:
            return None
        stored = await session.store.get_finished_run(session.person.pseudonym)
        if stored is None:
            return None
        run = Run.from_json(stored)
        scenario = self._scenarios(session).get(run.scenario_id)
        if (
            run.run_id != run_id
            or scenario is None
            or scenario.version != run.version
            or not is_for(scenario.age, session.band)
        ):
            return None
        return scenario, run

    async def _load_run(self, session: Session) -> tuple[Scenario, Run] | None:
        stored = await session.store.get_active_run(session.person.pseudonym)
        if stored is None:
            return None
        run = Run.from_json(stored)
        scenario = self._scenarios(session).get(run.scenario_id)
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
        scenario = self._scenarios(session).get(run.scenario_id)
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
