"""Class play in a Telegram group: the room votes on each step in a native anonymous poll,
reads the feedback for every option together, discusses, and the story follows the most
chosen option (a tie, or another path to talk about, is the leader's choice).

Only the lesson's leaders act: a youth worker for their own classes, a mentor for the
classes of the youth worker who invited them (`StaffDesk._led`), recognised by who sent
the command or pressed the button. Everyone else who presses gets a kind notice.

What is kept is what a show of hands keeps: a poll's totals, per class (never a vote, never
who voted: anonymous polls reach the bot as totals only). The bot reads no group message
but the commands meant for it.

Telegram is reached through `GroupChannel`, so this service knows no Telegram: a poll
closed by Telegram arrives without a chat, and the poll's stored link finds its lesson.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.bounded import BoundedDict
from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.engine.ages import is_for, joins_itself
from bot.engine.engine import Run
from bot.engine.measures import SCALE_POINTS
from bot.engine.model import Scenario, Step
from bot.services.class_questions import (
    AFTER,
    BEFORE,
    asks_after,
    class_items,
    next_item,
    poll_question,
    scale_labels,
)
from bot.services.play_state import DONE, FOLLOW, VOTES, PlayState
from bot.services.player import Person
from bot.services.presenter import escape
from bot.services.routing import Chats, action, button, command
from bot.services.staff import MAX_HANDS, StaffDesk, StaffSettings, utc_today
from bot.services.views import Button, Keyboard, Message, Outcome, column
from bot.storage.ports import LessonStore, StaffStore
from bot.storage.records import (
    GROUP,
    POLL,
    YOUTH_WORKER,
    ClassPoll,
    ClassRecord,
    GroupChat,
    Lesson,
    Play,
)

GROUP_PLAY_AGE = 16  # Telegram's own age limit in the EU: younger classes play in the room
POLL_OPTION_LIMIT = 100  # Telegram's limit for a poll option
POLL_QUESTION_LIMIT = 300  # and for its question
REFUSAL_PAUSE_S = 60
REFUSED_GROUPS = 10_000


class ChatGone(Exception):
    """The bot can no longer post in the group (it was removed, or the group is gone)."""


@dataclass(frozen=True)
class PollPosted:
    poll_id: str
    message_id: int


class GroupChannel(Protocol):
    """What group play needs of the channel; bot/telegram/group_channel.py is Telegram's."""

    async def post(self, chat: GroupChat, message: Message) -> int: ...
    async def post_poll(
        self, chat: GroupChat, question: str, options: Sequence[str], open_seconds: int
    ) -> PollPosted: ...
    async def stop_poll(self, chat: GroupChat, message_id: int) -> list[int] | None: ...


@dataclass(frozen=True)
class GroupSettings:
    poll_seconds: int = 180  # how long a poll stays open unless the leader closes it first
    lesson_hours: float = 3  # a lesson left open ends by itself after this long


class GroupPlayService(StaffDesk):
    def __init__(
        self,
        catalog: Catalog,
        classes: StaffStore,
        settings: StaffSettings,
        lessons: LessonStore,
        group: GroupSettings,
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.lessons = lessons
        self.group = group
        self.channel: GroupChannel | None = None  # set by the channel adapter at start-up
        # Groups told "leaders only" in the last minute (memory only, bounded).
        self._refused: BoundedDict[tuple[int, str], bool] = BoundedDict(
            REFUSED_GROUPS, REFUSAL_PAUSE_S
        )

    # -- starting -------------------------------------------------------------------------

    @command("lesson", chats=Chats.GROUP, menu=1)
    async def lesson(self, person: Person) -> Outcome:
        """/lesson in a group: its leader picks the class, then the scenario."""
        language = await self._language(person)
        refused = await self._refusal(person, language)
        if refused:
            return refused
        records = [r for r in await self._classes_led(person) if r.is_open(utc_today())]
        fitting = [r for r in records if r.age.ages.min >= GROUP_PLAY_AGE]
        if not fitting:
            mentor = not await self.has_role(person, YOUTH_WORKER)
            none = "facilitate.no_class" if mentor else "class.none"
            key = "group.too_young" if records else none
            return Outcome.say(self.t(language, key, age=GROUP_PLAY_AGE))
        buttons = [Button(r.name, action(self.pick_class, str(r.id))) for r in fitting]
        return Outcome.say(self.t(language, "group.pick_class"), column(*buttons))

    async def _refusal(self, person: Person, language: str) -> Outcome | None:
        """A kind word for someone who may not lead here: posting anonymously as the group,
        or not staff at all (which reveals nothing a pupil could not see in the docs). Said
        at most once a minute in a group: pupils typing /lesson must not use up the group's
        20 messages a minute that the lesson needs."""
        if person.as_group:
            key = "group.post_as_yourself"
        elif not await self._classes_led(person):
            key = "group.leaders_only"
        else:
            return None
        said = (person.group.chat_id, key)
        if self._refused.get(said) is not None:
            return Outcome()
        self._refused[said] = True
        return Outcome.say(self.t(language, key))

    async def _group_class(self, person: Person, class_id: str) -> ClassRecord | None:
        """A class this person may lead in this group now: open, and old enough for group
        play (checked again at each button: a class's age or state may change meanwhile)."""
        record = await self._led(person, class_id)
        if record is None or person.group is None or not record.is_open(utc_today()):
            return None
        return record if record.age.ages.min >= GROUP_PLAY_AGE else None

    async def _classes_led(self, person: Person) -> list[ClassRecord]:
        if person.group is None:
            return []
        return [r for r in await self._leadable(person) if joins_itself(r.age)]

    @button("gc", Chats.GROUP)
    async def pick_class(self, person: Person, class_id: str) -> Outcome:
        record = await self._group_class(person, class_id)
        language = await self._language(person)
        if record is None:
            return await self._not_yours(person, language)
        assigned = self._assigned_scenarios(await self.classes.assigned(record.id))
        scenarios = [s for s in assigned if is_for(s.age, record.age)]
        if not scenarios:
            return Outcome.say(self.t(language, "group.nothing_assigned"), close_buttons=True)
        text, buttons = self._scenario_choice(record, scenarios, language)
        items = class_items(self.catalog.measures)
        going = await self._lesson_here(person)
        if items and (going is None or going.class_id != record.id):
            # Before the lesson's first scenario: the class may answer its questions first.
            before = Button(
                self.t(language, "class_questions.before"), action(self.before, class_id)
            )
            buttons = ((before,), *buttons)
            text = f"{self.t(language, 'class_questions.offer_before', n=len(items))}\n\n{text}"
        return Outcome.say(text, buttons, edit=True)  # one message fewer (20/min)

    def _scenario_choice(
        self, record: ClassRecord, scenarios: list[Scenario], language: str
    ) -> tuple[str, Keyboard]:
        buttons = [
            Button(s.title.get(language), action(self.begin, str(record.id), s.id))
            for s in scenarios
        ]
        return self.t(language, "group.pick_scenario", name=escape(record.name)), column(*buttons)

    @button("gs", Chats.GROUP)
    async def begin(self, person: Person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._group_class(person, class_id)
        language = await self._language(person)
        if record is None:
            return await self._not_yours(person, language)
        scenario = await self._assigned_to(record, scenario_id)
        if scenario is None:
            return self._stale(language)
        going = await self._lesson_here(person)
        if going is not None and going.leader != person.pseudonym:
            # Another leader's lesson here is theirs to end, not silently replaced.
            return Outcome(notice=self.t(language, "group.lesson_going"))
        if going is not None and going.class_id == record.id:
            lesson = going  # the class answered its questions first: the same lesson goes on
            await self.lessons.ask_class_questions(lesson.id, None)  # a scenario ends them
        else:
            lesson = await self._start_lesson(person, record, scenario.id)
        run = self.stories.start(scenario)
        play = await self.lessons.start_play(
            lesson.id, record.id, person.pseudonym, scenario.id, scenario.version,
            PlayState(run, VOTES).to_json(), POLL,
        )  # fmt: skip
        intro = self.t(
            language,
            "group.started",
            title=escape(scenario.title.get(language)),
            content_note=escape(scenario.content_note.get(language)),
        )
        await self._post_step(lesson, play, scenario, run, language, heading=True, intro=intro)
        return Outcome(close_buttons=True)

    async def _start_lesson(
        self, person: Person, record: ClassRecord, scenario_id: str | None
    ) -> Lesson:
        ends_at = self.lessons.now() + timedelta(hours=self.group.lesson_hours)
        return await self.lessons.start_lesson(
            record.id, person.pseudonym, GROUP, scenario_id, ends_at, person.group
        )

    # -- the class questions as anonymous polls (bot.services.class_questions) --------------

    @button("gq", Chats.GROUP)
    async def before(self, person: Person, class_id: str) -> Outcome:
        """The class answers its questions before the lesson's first scenario."""
        record = await self._group_class(person, class_id)
        language = await self._language(person)
        if record is None:
            return await self._not_yours(person, language)
        going = await self._lesson_here(person)
        if going is not None and going.leader != person.pseudonym:
            return Outcome(notice=self.t(language, "group.lesson_going"))
        if not class_items(self.catalog.measures) or (going and going.class_id == record.id):
            return self._stale(language)
        lesson = await self._start_lesson(person, record, None)
        await self._post_class_polls(lesson, BEFORE, language)
        return Outcome(close_buttons=True)

    @button("gt", Chats.GROUP)
    async def after(self, person: Person, lesson_id: str) -> Outcome:
        """The class answers its questions again; the lesson ends when their polls close."""
        lesson, language, instead = await self._leading_lesson(person, lesson_id)
        if instead is not None:
            return instead
        if not await asks_after(self.lessons, self.catalog.measures, lesson.id):
            return self._stale(language)
        await self._post_class_polls(lesson, AFTER, language)
        return Outcome(close_buttons=True)

    async def _post_class_polls(self, lesson: Lesson, wave: str, language: str) -> None:
        """How to answer with the leader's close button, then one anonymous poll per class
        item, each closing after `poll_seconds` like a step's."""
        if not await self.lessons.ask_class_questions(lesson.id, wave):
            return  # asked already (a second tap)
        close = Button(
            self.t(language, "class_questions.close_polls"),
            action(self.close_class_polls, str(lesson.id), wave),
        )
        await self._post(
            lesson.chat, Message(self.t(language, "class_questions.how_polls"), column(close))
        )
        for item in class_items(self.catalog.measures):
            question_text = poll_question(item, language)
            options = [_option(label) for label in scale_labels(item, language)]
            posted = await self._channel(lesson.chat).post_poll(
                lesson.chat, _question_text(question_text), options, self.group.poll_seconds
            )
            await self.lessons.link_class_poll(
                posted.poll_id, lesson.id, wave, item.id, posted.message_id
            )

    @button("gk", Chats.GROUP)
    async def close_class_polls(self, person: Person, lesson_id: str, wave: str) -> Outcome:
        """The leader closes the class polls; Telegram's final totals are kept."""
        lesson, language, instead = await self._leading_lesson(person, lesson_id)
        if instead is not None:
            return instead
        polls = [p for p in await self.lessons.open_class_polls(lesson.id) if p.wave == wave]
        if not polls:
            return self._stale(language)
        for poll in polls:
            counts = await self._channel(lesson.chat).stop_poll(lesson.chat, poll.message_id)
            if counts is not None:
                await self._class_votes_in(poll, lesson, counts)
        return Outcome(close_buttons=True)

    async def _class_votes_in(self, poll: ClassPoll, lesson: Lesson, counts: list[int]) -> None:
        """Keep a class poll's totals once; when the wave's last poll is in, the lesson goes
        on to its scenarios (T1) or ends (T2)."""
        if len(counts) != SCALE_POINTS or not lesson.is_open(self.lessons.now()):
            return
        counts = [min(n, MAX_HANDS) for n in counts]
        await self.lessons.close_class_poll(poll.poll_id)
        if not await self.lessons.record_class_answers(
            lesson.id, poll.wave, poll.item_id, counts, POLL
        ):
            return  # the other closing came first
        questions = await self.lessons.class_questions(lesson.id)
        if next_item(self.catalog.measures, questions, poll.wave) is not None:
            return
        if not await self.lessons.ask_class_questions(lesson.id, None):
            return  # another poll's closing came first
        language = await self._lesson_language(lesson)
        if poll.wave == AFTER:
            await self._finish(lesson, "class_questions.done_after")
            return
        record = await self.classes.get_class(lesson.class_id)
        assigned = self._assigned_scenarios(await self.classes.assigned(record.id))
        scenarios = [s for s in assigned if is_for(s.age, record.age)]
        text, buttons = self._scenario_choice(record, scenarios, language)
        thanks = self.t(language, "class_questions.done_before")
        await self._post(lesson.chat, Message(f"{thanks}\n\n{text}", buttons))

    # -- a step and its poll ----------------------------------------------------------------

    async def _post_step(
        self, lesson: Lesson, play: Play, scenario: Scenario, run: Run, language: str, *,
        heading: bool, intro: str | None = None,
    ) -> None:  # fmt: skip
        """The step's story with the leader's close button, then its anonymous poll: two
        messages a step, and the discussion a third, to stay under 20 a minute."""
        step = self.stories.step(scenario, run)
        story = self.stories.step_text(step, language, heading=heading)
        text = "\n\n".join(p for p in (intro, story, self.t(language, "group.vote")) if p)
        close = Button(self.t(language, "group.close_poll"), action(self.close, str(play.id)))
        await self._post(lesson.chat, Message(text, column(close)))
        options = [_option(c.label.get(language)) for c in step.choices]
        question = self.t(language, "group.poll_question")
        posted = await self._channel(lesson.chat).post_poll(
            lesson.chat, question, options, self.group.poll_seconds
        )
        await self.lessons.link_poll(posted.poll_id, play.id, step.id, posted.message_id)
        state = PlayState(run, VOTES, posted.poll_id, posted.message_id)
        if not await self.lessons.save_play(play.id, state.to_json(), play.revision):
            # The play moved on meanwhile (the lesson ended): this poll belongs to nothing.
            await self._channel(lesson.chat).stop_poll(lesson.chat, posted.message_id)

    @button("gx", Chats.GROUP)
    async def close(self, person: Person, play_id: str) -> Outcome:
        """The leader closes the poll; Telegram's final totals then lead on."""
        play, lesson, language, instead = await self._leading(person, play_id)
        if instead is not None:
            return instead
        state = PlayState.of(play)
        if state.awaiting != VOTES or state.poll_message is None:
            return self._stale(language)
        counts = await self._channel(lesson.chat).stop_poll(lesson.chat, state.poll_message)
        if counts is not None:
            await self._votes_in(play, lesson, state.poll_id, counts)
        return Outcome(close_buttons=True)

    async def poll_closed(self, poll_id: str, counts: list[int]) -> None:
        """Telegram closed a poll (its time ran out, or the leader's close came back)."""
        class_poll = await self.lessons.class_poll(poll_id)
        if class_poll is not None:
            lesson = await self.lessons.get_lesson(class_poll.lesson_id)
            if lesson is not None and lesson.chat is not None:
                await self._class_votes_in(class_poll, lesson, counts)
            return
        link = await self.lessons.poll(poll_id)
        if link is None or link.lesson_id is None:
            return  # not a poll of a lesson, or its lesson is gone
        play = await self.lessons.get_play(link.play_id)
        lesson = await self.lessons.get_lesson(link.lesson_id)
        if (
            play is None
            or lesson is None
            or lesson.chat is None
            or not lesson.is_open(self.lessons.now())
        ):
            return
        await self._votes_in(play, lesson, poll_id, counts)

    async def _votes_in(
        self, play: Play, lesson: Lesson, poll_id: str | None, counts: list[int]
    ) -> None:
        """Keep the totals, show the feedback of every option and a question for the room,
        and let the leader pick the path. Acts once, however many closings arrive, and only
        for the poll of the step the story is at: a late or repeated update of an earlier
        poll changes nothing."""
        state = PlayState.of(play)
        scenario = self.catalog.scenarios.get(play.scenario_id)
        if (
            state.awaiting != VOTES
            or poll_id is None
            or poll_id != state.poll_id
            or scenario is None
            or scenario.version != play.version
        ):
            return
        step = self.stories.step(scenario, state.run)
        if len(counts) != len(step.choices):
            return
        # Telegram's totals have no ceiling of their own (hand counts do): the same one.
        counts = [min(n, MAX_HANDS) for n in counts]
        following = PlayState(state.run, FOLLOW, counts=counts)
        totals = self.stories.totals(step, counts)
        if not await self.lessons.save_play(play.id, following.to_json(), play.revision, totals):
            return  # the other closing came first
        if state.poll_id:
            await self.lessons.close_poll(state.poll_id)
        language = await self._lesson_language(lesson)
        await self._post(
            lesson.chat, self._discussion(scenario, step, state.run, counts, play, language)
        )

    def _discussion(
        self, scenario: Scenario, step: Step, state_run: Run, counts: list[int], play: Play,
        language: str,
    ) -> Message:  # fmt: skip
        """Every option's feedback, one question for the room (the phase's own at its first
        step, then one about why people choose differently: never the same one twice in a
        row), and the leader's buttons to pick the path."""
        lines = [self.t(language, "group.feedback_heading")]
        for choice in step.choices:
            lines.append(
                self.t(
                    language,
                    "group.option_feedback",
                    label=escape(choice.label.get(language)),
                    verdict=self.t(language, f"assessment.{choice.assessment}"),
                    strategy=self.presenter.strategy_name(choice.strategy, language),
                    feedback=escape(choice.feedback.get(language)),
                )
            )
        lines.append(self.t(language, self.stories.discussion_key(scenario, step, state_run)))
        most = len(self.stories.most_chosen(step, counts))
        key = {0: "group.no_votes", 1: "group.follow_most"}.get(most, "group.follow_tie")
        lines.append(self.t(language, key))
        buttons = self._follow_buttons(step, counts, self.follow, play.id, language)
        return Message("\n\n".join(lines), buttons)

    @button("gf", Chats.GROUP)
    async def follow(self, person: Person, play_id: str, index: str) -> Outcome:
        """The leader picks the path: the next step and its poll, or the debrief."""
        play, lesson, language, instead = await self._leading(person, play_id)
        if instead is not None:
            return instead
        state = PlayState.of(play)
        scenario = self.catalog.scenarios.get(play.scenario_id)
        if state.awaiting != FOLLOW or scenario is None or not index.isdigit():
            return self._stale(language)
        step = self.stories.step(scenario, state.run)
        if int(index) >= len(step.choices):
            return self._stale(language)
        record = await self.classes.get_class(play.class_id)
        chosen = step.choices[int(index)]
        turn = self.stories.choose(scenario, state.run, chosen.id, language, record.age, room=True)
        after = PlayState(state.run, VOTES if not turn.finished else DONE)
        if not await self.lessons.save_play(
            play.id, after.to_json(), play.revision, finished=turn.finished
        ):
            return self._stale(language)
        moved = await self.lessons.get_play(play.id)
        if turn.finished:
            end = Button(self.t(language, "group.end_button"), action(self.end, str(lesson.id)))
            after = await self._after_buttons(lesson, language)
            await self._post(lesson.chat, Message(turn.debrief))
            done = Message(self.t(language, "group.done"), column(*after, end))
            await self._post(lesson.chat, done)
        else:
            await self._post_step(
                lesson, moved, scenario, state.run, language, heading=turn.heading
            )
        # Added to the discussion message, where the choice was made.
        following = self.t(language, "group.following", label=escape(chosen.label.get(language)))
        return Outcome.say(following, close_buttons=True)

    # -- ending -----------------------------------------------------------------------------

    @command("endlesson", chats=Chats.GROUP, menu=2)
    async def end_command(self, person: Person) -> Outcome:
        language = await self._language(person)
        lesson = await self._lesson_here(person)
        if lesson is None:
            refused = await self._refusal(person, language)
            return refused or Outcome.say(self.t(language, "group.no_lesson"))
        after = await self._after_buttons(lesson, language)
        if after and await self._led(person, str(lesson.class_id)) is not None:
            anyway = Button(
                self.t(language, "class_questions.end_anyway"), action(self.end, str(lesson.id))
            )
            text = self.t(language, "class_questions.offer_after")
            return Outcome.say(text, column(*after, anyway))
        return await self.end(person, str(lesson.id))

    async def _after_buttons(self, lesson: Lesson, language: str) -> list[Button]:
        """The class questions again at the end, for a class that answered them at the start."""
        if not await asks_after(self.lessons, self.catalog.measures, lesson.id):
            return []
        return [
            Button(self.t(language, "class_questions.after"), action(self.after, str(lesson.id)))
        ]

    @button("ge", Chats.GROUP)
    async def end(self, person: Person, lesson_id: str) -> Outcome:
        language = await self._language(person)
        number = cb.number(lesson_id)
        lesson = await self.lessons.get_lesson(number) if number is not None else None
        if lesson is None or await self._led(person, str(lesson.class_id)) is None:
            return await self._not_yours(person, language)
        await self._finish(lesson, "group.ended")
        return Outcome(close_buttons=True)

    async def end_due_lessons(self) -> int:
        """End the lessons whose time ran out, saying so in their groups (a job)."""
        due = await self.lessons.lessons_due_to_end(self.lessons.now())
        for lesson in due:
            here = await self.lessons.open_lesson_in_chat(*lesson.chat) if lesson.chat else None
            # A new lesson may have started here since this one's time ran out: it ends
            # without a word, and its poll, if one was left open, is not counted.
            await self._finish(lesson, None if here else "group.ended_by_time")
        return len(due)

    async def _finish(self, lesson: Lesson, key: str | None) -> None:
        play = await self.lessons.play_of_lesson(lesson.id)
        if not await self.lessons.end_lesson(lesson.id) or lesson.chat is None:
            return
        language = await self._lesson_language(lesson)
        try:
            poll_message = PlayState.of(play).poll_message if play else None
            if poll_message is not None:
                await self._channel(lesson.chat).stop_poll(lesson.chat, poll_message)
            for poll in await self.lessons.open_class_polls(lesson.id):
                await self._channel(lesson.chat).stop_poll(lesson.chat, poll.message_id)
            if key is not None:
                await self._post(lesson.chat, Message(self.t(language, key)))
        except ChatGone:
            pass  # the bot was removed meanwhile: the lesson has ended all the same

    async def bot_added(self, chat: GroupChat, language: str | None) -> None:
        """The bot was added to a group: say what it does and how a lesson starts."""
        chosen = self.presenter.locales.pick(language)
        await self._post(chat, Message(self.t(chosen, "group.hello", age=GROUP_PLAY_AGE)))

    async def bot_removed(self, chat_id: int) -> int:
        """The bot was removed from a group: every lesson there ends (nothing is posted)."""
        return await self.lessons.end_lessons_in_chat(chat_id)

    # -- helpers ----------------------------------------------------------------------------

    async def _leading(
        self, person: Person, play_id: str
    ) -> tuple[Play | None, Lesson | None, str, Outcome | None]:
        """The play, its lesson, the language, and what to answer instead when `person`
        does not lead it here now: a pupil that only leaders may, a leader of a lesson that
        is over that the button is old."""
        language = await self._language(person)
        number = cb.number(play_id)
        play = await self.lessons.get_play(number) if number is not None else None
        lesson = await self.lessons.get_lesson(play.lesson_id) if play and play.lesson_id else None
        if lesson is None or lesson.chat is None:
            return None, None, language, self._stale(language)
        if await self._led(person, str(lesson.class_id)) is None:
            return None, None, language, await self._not_yours(person, language)
        if not lesson.is_open(self.lessons.now()):
            return None, None, language, self._stale(language)
        return play, lesson, language, None

    async def _leading_lesson(
        self, person: Person, lesson_id: str
    ) -> tuple[Lesson | None, str, Outcome | None]:
        """The open group lesson of this button and the language, or what to answer instead
        when `person` does not lead it (as `_leading`)."""
        language = await self._language(person)
        number = cb.number(lesson_id)
        lesson = await self.lessons.get_lesson(number) if number is not None else None
        if lesson is None or lesson.chat is None:
            return None, language, self._stale(language)
        if await self._led(person, str(lesson.class_id)) is None:
            return None, language, await self._not_yours(person, language)
        if not lesson.is_open(self.lessons.now()):
            return None, language, self._stale(language)
        return lesson, language, None

    async def _lesson_here(self, person: Person) -> Lesson | None:
        if person.group is None:
            return None
        return await self.lessons.open_lesson_in_chat(person.group.chat_id, person.group.thread_id)

    async def _not_yours(self, person: Person, language: str) -> Outcome:
        """A button only a lesson's leader may press, pressed by someone else."""
        if person.as_group:
            return Outcome(notice=self.t(language, "group.post_as_yourself"))
        return Outcome(notice=self.t(language, "group.leaders_only"))

    async def _lesson_language(self, lesson: Lesson) -> str:
        """A group reads the language of the lesson's leader, when young people are offered it
        (a leader may preview a draft language in their own chat)."""
        return self.presenter.locales.for_everyone(await self.classes.language_of(lesson.leader))

    async def _post(self, chat: GroupChat, message: Message) -> int:
        try:
            return await self._channel(chat).post(chat, message)
        except ChatGone:
            await self.lessons.end_lessons_in_chat(chat.chat_id)
            raise

    def _channel(self, chat: GroupChat | None) -> GroupChannel:
        if self.channel is None or chat is None:
            raise ChatGone("no channel to the group")
        return self.channel


def _question_text(text: str) -> str:
    return text if len(text) <= POLL_QUESTION_LIMIT else text[: POLL_QUESTION_LIMIT - 1] + "…"


def _option(label: str) -> str:
    return label if len(label) <= POLL_OPTION_LIMIT else label[: POLL_OPTION_LIMIT - 1] + "…"
