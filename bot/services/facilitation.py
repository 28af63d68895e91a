"""Facilitator mode: a youth worker (or a mentor they invited) plays a scenario for a class
in the room, on their own phone, and types how many hands went up for each option. Only
class-level counts are kept. A mentor sees what the room sees: the story and the counts
typed, never the class's answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.content.catalog import Catalog
from bot.engine.ages import is_for
from bot.engine.engine import Run
from bot.engine.model import Scenario
from bot.services import lessons as lesson_use_cases  # each links to the other
from bot.services import projector
from bot.services.class_questions import (
    AFTER,
    BEFORE,
    asks_after,
    class_items,
    next_item,
    question,
    scale_labels,
)
from bot.services.classes import ClassService
from bot.services.play_state import COUNTS, DONE, FOLLOW, PlayState
from bot.services.presenter import escape
from bot.services.routing import Audience, action, button, command
from bot.services.staff import MAX_HANDS, StaffDesk, StaffSettings, share_line, utc_today
from bot.services.views import Button, Keyboard, Message, Outcome, column
from bot.storage.ports import LessonStore, StaffStore
from bot.storage.records import (
    HANDS,
    ROOM,
    YOUTH_WORKER,
    ClassQuestions,
    ClassRecord,
    Lesson,
    Play,
)


class FacilitationService(StaffDesk):
    """Leading a scenario for a class by hand counts."""

    def __init__(
        self,
        catalog: Catalog,
        classes: StaffStore,
        settings: StaffSettings,
        admin: ClassService,
        lessons: LessonStore,
        lesson_hours: int,
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.class_admin = admin  # the assignments page, when a class has none yet
        self.lessons = lessons
        self.lesson_hours = lesson_hours

    async def _room(self, person) -> Lesson | None:
        """The person's lesson in the room, while they may still lead its class; None for
        anyone else."""
        # Typed text of everyone passes here: the cheap question (a lesson?) goes first.
        led = await self.lessons.open_lessons_led_by(person.pseudonym)
        room = next((lesson for lesson in led if lesson.mode == ROOM), None)
        if room is None or await self._led(person, str(room.class_id)) is None:
            return None
        return room

    async def _facilitation(self, person) -> Play | None:
        """The play in progress of the person's lesson in the room."""
        room = await self._room(person)
        return await self.lessons.play_of_lesson(room.id) if room else None

    @command("facilitate", Audience.YOUTH_WORKER, Audience.MENTOR, menu=22)
    async def facilitate(self, person) -> Outcome:
        language = await self._language(person)
        records = [r for r in await self._leadable(person) if r.is_open(utc_today())]
        if not records:
            mentor = not await self.has_role(person, YOUTH_WORKER)
            return Outcome.say(self.t(language, "facilitate.no_class" if mentor else "class.none"))
        buttons = [Button(r.name, action(self.facilitate_class, str(r.id))) for r in records]
        return Outcome.say(self.t(language, "facilitate.pick_class"), column(*buttons))

    @button("fc")
    async def facilitate_class(self, person, class_id: str) -> Outcome:
        record = await self._led(person, class_id)
        language = await self._language(person)
        if record is None or not record.is_open(utc_today()):
            return self._stale(language)
        scenarios = self._assigned_scenarios(await self.classes.assigned(record.id))
        if not scenarios and record.owner != person.pseudonym:
            # Assigning is the youth worker's: a mentor is asked to turn to them.
            return Outcome.say(self.t(language, "facilitate.nothing_assigned"), close_buttons=True)
        if not scenarios:
            return Outcome(
                [await self.class_admin.assign_message(record, language)], close_buttons=True
            )
        buttons = [
            Button(
                self._scenario_label(s, record.age, language),
                action(self.facilitate_start, class_id, s.id),
            )
            for s in self._by_fit(scenarios, record.age, language)
        ]
        text = self.t(language, "facilitate.pick_scenario")
        items = class_items(self.catalog.measures)
        if items and await self._going(person, record) is None:
            # Before the lesson's first scenario: the class may answer its questions first.
            before = Button(
                self.t(language, "class_questions.before"), action(self.before, class_id)
            )
            buttons.insert(0, before)
            text = f"{self.t(language, 'class_questions.offer_before', n=len(items))}\n\n{text}"
        return Outcome.say(text, column(*buttons), close_buttons=True)

    @button("fs")
    async def facilitate_start(self, person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._led(person, class_id)
        language = await self._language(person)
        scenario = await self._assigned_to(record, scenario_id)
        if scenario is None:
            return self._stale(language)
        run = self.stories.start(scenario)
        state = PlayState(run, COUNTS).to_json()
        lesson = await self._room_lesson(person, record)
        await self.lessons.ask_class_questions(lesson.id, None)  # a scenario ends them
        await self.lessons.start_play(
            lesson.id, record.id, person.pseudonym, scenario.id, scenario.version, state, HANDS
        )
        intro = self.t(language, "facilitate.started", name=escape(record.name))
        if not is_for(scenario.age, record.age):
            # Allowed: the youth worker knows the group; the warning says what they chose.
            warning = self._unfit_warning(scenario, record.age, language, "facilitate.unfit")
            intro = f"{warning}\n\n{intro}"
        # The room may follow on the classroom's screen; a mentor gets the link here too.
        screen = Button(
            self.t(language, "class.projector_button"),
            action(projector.ProjectorService.open, class_id),
        )
        return Outcome(
            [
                Message(intro, column(screen)),
                self._count_prompt(scenario, run, language, heading=True),
            ],
            close_buttons=True,
        )

    async def _going(self, person, record: ClassRecord) -> Lesson | None:
        """The person's lesson in the room with this class going on, if any."""
        going = await self.lessons.open_lesson_of_class(record.id)
        if going is not None and going.mode == ROOM and going.leader == person.pseudonym:
            return going
        return None

    async def _room_lesson(self, person, record: ClassRecord) -> Lesson:
        """The person's lesson in the room with this class: the one going on, or a new one
        (which ends any other lesson of the class)."""
        going = await self._going(person, record)
        if going is not None:
            return going
        ends_at = datetime.now(UTC) + timedelta(hours=self.lesson_hours)
        return await self.lessons.start_lesson(
            record.id, person.pseudonym, ROOM, None, ends_at, None
        )

    def _count_prompt(
        self, scenario: Scenario, run: Run, language: str, *, heading: bool
    ) -> Message:
        step = self.stories.step(scenario, run)
        options = "\n".join(
            f"{n}. {escape(c.label.get(language))}" for n, c in enumerate(step.choices, 1)
        )
        ask = self.t(
            language,
            "facilitate.enter_counts",
            n=len(step.choices),
            example=" ".join(str(n + 2) for n in range(len(step.choices))),
        )
        text = self.stories.step_text(step, language, heading=heading)
        return Message(f"{text}\n\n{options}\n\n{ask}")

    async def hand_counts(self, person, text: str) -> Outcome | None:
        """Typed hand counts during a facilitated session or the class questions; None when
        none is waiting."""
        room = await self._room(person)
        if room is None:
            return None
        questions = await self.lessons.class_questions(room.id)
        if questions.asking is not None:
            return await self._class_counts(person, room, questions, text)
        facilitation = await self.lessons.play_of_lesson(room.id)
        state = PlayState.of(facilitation) if facilitation else None
        if state is None or state.awaiting != COUNTS:
            return None
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(facilitation.scenario_id)
        run = state.run
        if scenario is None or scenario.version != run.version:
            return Outcome.say(self.t(language, "play.gone"))
        step = self.stories.step(scenario, run)
        counts = _parse_counts(text, len(step.choices))
        if counts is None:
            return Outcome.say(
                self.t(
                    language,
                    "facilitate.bad_counts",
                    n=len(step.choices),
                    example=" ".join("3" for _ in step.choices),
                )
            )
        # The counts stay with the step until the story moves on: the projector shows them.
        following = PlayState(run, FOLLOW, counts=counts).to_json()
        totals = self.stories.totals(step, counts)
        if not await self.lessons.save_play(
            facilitation.id, following, facilitation.revision, totals
        ):
            return None  # a second, simultaneous message with counts: the first one counts
        lines = [self.t(language, "facilitate.counted", n=sum(counts))]
        lines += [
            share_line(c.label.get(language), hands, sum(counts))
            for c, hands in zip(step.choices, counts, strict=True)
        ]
        lines.append(self.t(language, "facilitate.which"))
        return Outcome.say(
            "\n".join(lines),
            self._follow_buttons(step, counts, self.follow, facilitation.id, language),
        )

    @button("ff")
    async def follow(self, person, facilitation_id: str, index: str) -> Outcome:
        language = await self._language(person)
        facilitation = await self._facilitation(person)
        state = PlayState.of(facilitation) if facilitation else None
        if (
            state is None
            or str(facilitation.id) != facilitation_id
            or state.awaiting != FOLLOW
            or not index.isdigit()
        ):
            return self._stale(language)
        scenario = self.catalog.scenarios.get(facilitation.scenario_id)
        run = state.run
        step = self.stories.step(scenario, run) if scenario else None
        if step is None or int(index) >= len(step.choices):
            return self._stale(language)
        record = await self.classes.get_class(facilitation.class_id)
        turn = self.stories.choose(scenario, run, step.choices[int(index)].id, language, record.age)
        after = PlayState(run, DONE if run.finished else COUNTS).to_json()
        if not await self.lessons.save_play(
            facilitation.id, after, facilitation.revision, finished=run.finished
        ):
            return self._stale(language)
        feedback = Message(turn.feedback)
        if turn.finished:
            lesson_id = str(facilitation.lesson_id)
            end = Button(
                self.t(language, "lesson.end_button"),
                action(lesson_use_cases.LessonService.end, lesson_id),
            )
            mentor = record.owner != person.pseudonym  # facilitate.done points to /class
            key = "facilitate.done_mentor" if mentor else "facilitate.done"
            after = await self.after_button(facilitation.lesson_id, language)
            done = Message(self.t(language, key), column(*after, end))
            return Outcome([feedback, Message(turn.debrief), done], close_buttons=True)
        next_prompt = self._count_prompt(scenario, run, language, heading=turn.heading)
        return Outcome([feedback, next_prompt], close_buttons=True)

    # -- the class questions (bot.services.class_questions) ----------------------------------

    @button("qb")
    async def before(self, person, class_id: str) -> Outcome:
        """The class answers its questions before the lesson's first scenario."""
        record = await self._led(person, class_id)
        language = await self._language(person)
        if (
            record is None
            or not record.is_open(utc_today())
            or not class_items(self.catalog.measures)
            or await self._going(person, record) is not None
        ):
            return self._stale(language)
        lesson = await self._room_lesson(person, record)
        return await self._ask(person, lesson, BEFORE, language)

    async def after_button(self, lesson_id: int | None, language: str) -> list[Button]:
        """The button that asks the class its questions again at the end of the lesson."""
        if lesson_id is None or not await asks_after(
            self.lessons, self.catalog.measures, lesson_id
        ):
            return []
        return [
            Button(self.t(language, "class_questions.after"), action(self.after, str(lesson_id)))
        ]

    @button("qa")
    async def after(self, person, lesson_id: str) -> Outcome:
        """The class answers its questions again; the lesson ends after the last one."""
        language = await self._language(person)
        lesson = await self._room_lesson_of(person, lesson_id)
        if lesson is None or not await self.after_button(lesson.id, language):
            return self._stale(language)
        return await self._ask(person, lesson, AFTER, language)

    @button("qs")
    async def skip(self, person, lesson_id: str, wave: str) -> Outcome:
        """No more class questions now: on to the scenarios, or (at the end) the lesson ends."""
        language = await self._language(person)
        lesson = await self._room_lesson_of(person, lesson_id)
        if lesson is None:
            return self._stale(language)
        asking = (await self.lessons.class_questions(lesson.id)).asking
        if asking != wave or not await self.lessons.ask_class_questions(lesson.id, None):
            return self._stale(language)
        return await self._questions_done(person, lesson, wave, language)

    async def _room_lesson_of(self, person, lesson_id: str) -> Lesson | None:
        """The lesson of this button, if it is the person's open lesson in the room."""
        room = await self._room(person)
        return room if room is not None and str(room.id) == lesson_id else None

    @button("qn")
    async def next_question(self, person, lesson_id: str, wave: str) -> Outcome:
        """The leader asks the next class item once the room has talked about the last."""
        language = await self._language(person)
        lesson = await self._room_lesson_of(person, lesson_id)
        questions = await self.lessons.class_questions(lesson.id) if lesson else None
        if questions is None or questions.asking != wave or questions.item is not None:
            return self._stale(language)
        return await self._ask(person, lesson, wave, language, intro=False)

    async def _ask(
        self, person, lesson: Lesson, wave: str, language: str, *, intro: bool = True
    ) -> Outcome:
        """The next class item not answered at this wave, or the end of the questions."""
        questions = await self.lessons.class_questions(lesson.id)
        asked = next_item(self.catalog.measures, questions, wave)
        if asked is None:  # the questionnaire changed meanwhile: nothing left to ask
            await self.lessons.ask_class_questions(lesson.id, None)
            return await self._questions_done(person, lesson, wave, language)
        number, item = asked
        if not await self.lessons.ask_class_questions(lesson.id, wave, item.id):
            return self._stale(language)
        labels = scale_labels(item, language)
        options = "\n".join(f"{n}. {escape(label)}" for n, label in enumerate(labels, 1))
        of = len(class_items(self.catalog.measures))
        heading = self.t(language, "class_questions.item", n=number, of=of)
        ask = self.t(language, "facilitate.enter_counts", n=len(labels), example="2 3 5 8 4")
        skip = Button(
            self.t(language, "class_questions.skip"), action(self.skip, str(lesson.id), wave)
        )
        text = f"{heading}\n{question(item, language)}\n\n{options}\n\n{ask}"
        prompt = Message(text, column(skip))
        how = [Message(self.t(language, "class_questions.how_hands"))] if intro else []
        return Outcome([*how, prompt], close_buttons=True)

    async def _class_counts(
        self, person, lesson: Lesson, questions: ClassQuestions, text: str
    ) -> Outcome | None:
        """Typed hand counts of the class item asked. Between items nothing is counted, so a
        message sent twice counts once (the second is told to go on with the buttons)."""
        language = await self._language(person)
        wave = questions.asking
        if questions.item is None:
            text = self.t(language, "class_questions.between")
            return Outcome.say(text, self._between(lesson, wave, language))
        item = self.catalog.measures.item(questions.item)
        if item is None:  # the questionnaire changed meanwhile
            return await self._ask(person, lesson, wave, language, intro=False)
        points = len(item.block.scale.labels)
        counts = _parse_counts(text, points)
        if counts is None:
            example = " ".join("3" for _ in range(points))
            return Outcome.say(self.t(language, "facilitate.bad_counts", n=points, example=example))
        if not await self.lessons.record_class_answers(lesson.id, wave, item.id, counts, HANDS):
            return None  # counted by another worker meanwhile
        await self.lessons.ask_class_questions(lesson.id, wave)  # between items
        counted = self.t(language, "class_questions.counted", n=sum(counts))
        questions = await self.lessons.class_questions(lesson.id)
        if next_item(self.catalog.measures, questions, wave) is None:
            await self.lessons.ask_class_questions(lesson.id, None)
            return await self._questions_done(person, lesson, wave, language, Message(counted))
        return Outcome.say(counted, self._between(lesson, wave, language))

    def _between(self, lesson: Lesson, wave: str, language: str) -> Keyboard:
        """Between two class items: the next one when the room is ready, or no more."""
        lesson_id = str(lesson.id)
        next_one = action(self.next_question, lesson_id, wave)
        return column(
            Button(self.t(language, "class_questions.next"), next_one),
            Button(self.t(language, "class_questions.skip"), action(self.skip, lesson_id, wave)),
        )

    async def _questions_done(
        self, person, lesson: Lesson, wave: str, language: str, *before: Message
    ) -> Outcome:
        """After the class questions: the scenarios (at the start), or the lesson's end."""
        if wave == AFTER:
            await self.lessons.end_lesson(lesson.id)
            done = Message(self.t(language, "class_questions.done_after"))
            return Outcome([*before, done], close_buttons=True)
        thanks = Message(self.t(language, "class_questions.done_before"))
        scenarios = await self.facilitate_class(person, str(lesson.class_id))
        return Outcome([*before, thanks, *scenarios.messages], close_buttons=True)


_NUMBERS = re.compile(r"\d+")


def _parse_counts(text: str, expected: int) -> list[int] | None:
    if re.search(r"[^\d\s,;]", text):
        return None
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if len(numbers) != expected or any(n > MAX_HANDS for n in numbers):
        return None
    return numbers
