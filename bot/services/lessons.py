"""Lessons: a youth worker (or their mentor) plays with a class for a while, in one of
three ways – the students on their own phones, in the room with hand counts (facilitator
mode), or in the class's Telegram group (bot.services.group_play).

A lesson ends when its leader ends it, when another lesson of the class starts, or by
itself after `lesson_hours`. Later features hang off it: the questionnaire's "end of
session" measure and the projector page's link. It is stored like any other class data
(bot/storage/sqlite/lessons.py) and goes with its class.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.engine.ages import is_for, joins_itself
from bot.services import facilitation, projector  # each links to the other: as modules
from bot.services.class_questions import asks_after
from bot.services.group_play import GROUP_PLAY_AGE
from bot.services.player import Person
from bot.services.presenter import escape
from bot.services.routing import Audience, action, button, command
from bot.services.staff import StaffDesk, StaffSettings, utc_today
from bot.services.views import Button, Outcome, column
from bot.storage.ports import LessonStore, StaffStore
from bot.storage.records import PHONES, ROOM, YOUTH_WORKER, Lesson


class LessonService(StaffDesk):
    def __init__(
        self,
        catalog: Catalog,
        classes: StaffStore,
        settings: StaffSettings,
        lessons: LessonStore,
        lesson_hours: int,
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.lessons = lessons
        self.lesson_hours = lesson_hours

    @command("lesson", Audience.YOUTH_WORKER, Audience.MENTOR, menu=23)
    async def lesson(self, person: Person) -> Outcome:
        """/lesson in the private chat: which class, then how the class plays."""
        language = await self._language(person)
        records = [r for r in await self._leadable(person) if r.is_open(utc_today())]
        if not records:
            return Outcome.say(self.t(language, "class.none"))
        buttons = [Button(r.name, action(self.ways, str(r.id))) for r in records]
        return Outcome.say(self.t(language, "lesson.pick_class"), column(*buttons))

    @button("lw")
    async def ways(self, person: Person, class_id: str) -> Outcome:
        """The ways this class can play: own phones (youth workers, classes old enough to
        join), in the room, or in the class's group (16 and older)."""
        record = await self._led(person, class_id)
        language = await self._language(person)
        if record is None or not record.is_open(utc_today()):
            return self._stale(language)
        buttons = []
        if joins_itself(record.age) and await self.has_role(person, YOUTH_WORKER):
            buttons.append(Button(self.t(language, "lesson.phones"), action(self.phones, class_id)))
        room = action(facilitation.FacilitationService.facilitate_class, class_id)
        buttons.append(Button(self.t(language, "lesson.room"), room))
        if record.age.ages.min >= GROUP_PLAY_AGE:
            buttons.append(Button(self.t(language, "lesson.group"), action(self.in_group)))
        text = self.t(language, "lesson.how", name=escape(record.name))
        return Outcome.say(text, column(*buttons), close_buttons=True)

    @button("lg")
    async def in_group(self, person: Person) -> Outcome:
        """How to start a lesson in the class's group: it starts there, not here."""
        language = await self._language(person)
        return Outcome.say(self.t(language, "lesson.group_how"), close_buttons=True)

    @button("lp")
    async def phones(self, person: Person, class_id: str) -> Outcome:
        record = await self._led(person, class_id)
        language = await self._language(person)
        if record is None or not await self.has_role(person, YOUTH_WORKER):
            return self._stale(language)
        assigned = self._assigned_scenarios(await self.classes.assigned(record.id))
        scenarios = [s for s in assigned if is_for(s.age, record.age)]
        if not scenarios:
            return Outcome.say(self.t(language, "group.nothing_assigned"), close_buttons=True)
        buttons = [
            Button(s.title.get(language), action(self.start_on_phones, class_id, s.id))
            for s in scenarios
        ]
        return Outcome.say(self.t(language, "lesson.pick_scenario"), column(*buttons))

    @button("ls")
    async def start_on_phones(self, person: Person, class_id: str, scenario_id: str) -> Outcome:
        """The students find the lesson's scenario first in their menu, until it ends."""
        record = await self._led(person, class_id)
        language = await self._language(person)
        scenario = await self._assigned_to(record, scenario_id)
        if scenario is None or not await self.has_role(person, YOUTH_WORKER):
            return self._stale(language)
        ends_at = datetime.now(UTC) + timedelta(hours=self.lesson_hours)
        lesson = await self.lessons.start_lesson(
            record.id, person.pseudonym, PHONES, scenario.id, ends_at, None
        )
        end = Button(self.t(language, "lesson.end_button"), action(self.end, str(lesson.id)))
        screen = Button(
            self.t(language, "class.projector_button"),
            action(projector.ProjectorService.open, class_id),
        )
        text = self.t(
            language,
            "lesson.started_phones",
            title=escape(scenario.title.get(language)),
            name=escape(record.name),
            hours=self.lesson_hours,
        )
        return Outcome.say(text, column(screen, end), close_buttons=True)

    @button("le")
    async def end(self, person: Person, lesson_id: str) -> Outcome:
        language = await self._language(person)
        lesson = await self._private_lesson(person, lesson_id)
        if lesson is None:
            return self._stale(language)
        offer = await self._offer_after(lesson, language)
        return offer or await self.end_now(person, lesson_id)

    @button("ln")
    async def end_now(self, person: Person, lesson_id: str) -> Outcome:
        """End the lesson, without (or after) the class questions at its end."""
        language = await self._language(person)
        lesson = await self._private_lesson(person, lesson_id)
        if lesson is None:
            return self._stale(language)
        if not await self.lessons.end_lesson(lesson.id):
            return Outcome(notice=self.t(language, "lesson.already_ended"), close_buttons=True)
        return Outcome.say(self.t(language, _ended_key([lesson])), close_buttons=True)

    async def _private_lesson(self, person: Person, lesson_id: str) -> Lesson | None:
        """The lesson of this button, if the person may lead it here (a group's lesson ends
        in its group)."""
        number = cb.number(lesson_id)
        lesson = await self.lessons.get_lesson(number) if number is not None else None
        if lesson is None or lesson.chat is not None:
            return None
        return lesson if await self._led(person, str(lesson.class_id)) else None

    async def _offer_after(self, lesson: Lesson, language: str) -> Outcome | None:
        """A room that answered the class questions at the start is asked them again before
        its lesson ends, or may end it without them."""
        if (
            lesson.mode != ROOM
            or not lesson.is_open(self.lessons.now())
            or not await asks_after(self.lessons, self.catalog.measures, lesson.id)
        ):
            return None
        lesson_id = str(lesson.id)
        again = Button(
            self.t(language, "class_questions.after"),
            action(facilitation.FacilitationService.after, lesson_id),
        )
        anyway = Button(
            self.t(language, "class_questions.end_anyway"), action(self.end_now, lesson_id)
        )
        text = self.t(language, "class_questions.offer_after")
        return Outcome.say(text, column(again, anyway), close_buttons=True)

    @command("endlesson", Audience.YOUTH_WORKER, Audience.MENTOR, menu=24)
    async def end_command(self, person: Person) -> Outcome:
        """/endlesson in the private chat: the person's lessons on phones and in the room
        end (a group's lesson is ended in its group); a room that answered the class
        questions at the start is first offered them again."""
        language = await self._language(person)
        ended: list[Lesson] = []
        offer = None
        for lesson in await self.lessons.open_lessons_led_by(person.pseudonym):
            if lesson.chat is not None:
                continue
            offer = offer or await self._offer_after(lesson, language)
            if offer is None and await self.lessons.end_lesson(lesson.id):
                ended.append(lesson)
        if offer is not None:
            return offer
        return Outcome.say(self.t(language, _ended_key(ended) if ended else "lesson.none"))


def _ended_key(ended: list[Lesson]) -> str:
    """A lesson on phones sends its students the end questions: the leader is told."""
    return "lesson.ended_phones" if any(x.mode == PHONES for x in ended) else "lesson.ended"
