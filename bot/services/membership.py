"""Which class a student belongs to, and which scenarios their classes assigned.

Saved users' memberships are stored; for those who play without saving (or before they
answered the consent question) membership is kept like the rest of their state, in an
UnsavedMemory: this process's memory, or PostgreSQL when several workers share it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.ages import joins_itself
from bot.storage.ports import ClassStore, LessonStore, UnsavedMemory
from bot.storage.records import PHONES, ClassRecord, Lesson

WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW_S = 600  # the window the UnsavedMemory is built with


class Membership:
    def __init__(
        self, classes: ClassStore, memory: UnsavedMemory, lessons: LessonStore | None = None
    ) -> None:
        self.classes = classes
        self.memory = memory
        self.lessons = lessons

    async def too_many_wrong_codes(self, user: str) -> bool:
        return await self.memory.wrong_codes(user) >= WRONG_CODE_LIMIT

    async def note_wrong_code(self, user: str) -> None:
        await self.memory.note_wrong_code(user)

    async def find_open_class(self, code: str) -> ClassRecord | None:
        """The open class of a join code; not one too young to join itself (its age may have
        changed after its link was shared)."""
        found = await self.classes.class_by_code(code)
        joinable = found and found.is_open(_today()) and joins_itself(found.age)
        return found if joinable else None

    async def remember(self, user: str, class_id: int) -> None:
        await self.memory.remember_class(user, class_id)

    async def settle(self, user: str, saved: bool) -> None:
        """After the consent answer: store a remembered membership, or keep remembering it."""
        class_id = await self.memory.recall_class(user)
        if class_id is not None and saved:
            await self.classes.join_class(class_id, user)
            await self.memory.forget_class(user)

    async def forget(self, user: str) -> None:
        await self.memory.forget_class(user)

    async def open_classes(self, user: str, saved: bool) -> list[ClassRecord]:
        found = await self.classes.member_classes(user) if saved else []
        class_id = await self.memory.recall_class(user)
        if class_id is not None:
            remembered = await self.classes.get_class(class_id)
            found = [remembered, *found] if remembered else found
        return [c for c in found if c.is_open(_today())]

    async def assigned(self, user: str, saved: bool) -> list[str]:
        ids: list[str] = []
        for record in await self.open_classes(user, saved):
            ids += [s for s in await self.classes.assigned(record.id) if s not in ids]
        return ids

    async def phones_lesson(self, user: str, saved: bool) -> Lesson | None:
        """A lesson going on now in one of the person's classes, where the students play its
        scenario on their own phones."""
        if self.lessons is None:
            return None
        for record in await self.open_classes(user, saved):
            lesson = await self.lessons.open_lesson_of_class(record.id)
            if lesson is not None and lesson.mode == PHONES and lesson.scenario_id:
                return lesson
        return None

    async def class_for_run(self, user: str, scenario_id: str) -> int | None:
        """The most recently joined open class that assigned this scenario."""
        for record in await self.open_classes(user, saved=True):
            if scenario_id in await self.classes.assigned(record.id):
                return record.id
        return None


def _today():
    return datetime.now(UTC).date()
