"""Which class a student belongs to, and which scenarios their classes assigned.

Saved users' memberships are stored; for those who play without saving (or before they
answered the consent question) membership lives in memory only, like the rest of their
state.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from bot import bounded
from bot.bounded import BoundedDict
from bot.engine.ages import joins_itself
from bot.storage.ports import ClassStore, LessonStore
from bot.storage.records import PHONES, ClassRecord

WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW_S = 600


class Membership:
    def __init__(
        self,
        classes: ClassStore,
        lessons: LessonStore | None = None,
        max_people: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Both memories are bounded like memory-only play (bot.storage.memory.store): a class
        link is kept as long as an unsaved player is, and wrong codes for their window."""
        self.classes = classes
        self.lessons = lessons
        self._clock = clock
        size = max_people or bounded.MAX_PEOPLE
        # pseudonym -> class id, memory only
        self._unsaved: BoundedDict[str, int] = BoundedDict(size, bounded.MAX_IDLE_S, clock)
        self._wrong: BoundedDict[str, deque[float]] = BoundedDict(size, WRONG_CODE_WINDOW_S, clock)

    def too_many_wrong_codes(self, user: str) -> bool:
        attempts = self._wrong.get(user)
        if attempts is None:
            return False
        while attempts and attempts[0] < self._clock() - WRONG_CODE_WINDOW_S:
            attempts.popleft()
        if not attempts:
            self._wrong.pop(user)  # forget people whose wrong tries have expired
            return False
        return len(attempts) >= WRONG_CODE_LIMIT

    def note_wrong_code(self, user: str) -> None:
        attempts = self._wrong.get(user)
        if attempts is None:
            attempts = self._wrong[user] = deque()
        attempts.append(self._clock())

    async def find_open_class(self, code: str) -> ClassRecord | None:
        """The open class of a join code; not one too young to join itself (its age may have
        changed after its link was shared)."""
        found = await self.classes.class_by_code(code)
        joinable = found and found.is_open(_today()) and joins_itself(found.age)
        return found if joinable else None

    def remember(self, user: str, class_id: int) -> None:
        self._unsaved[user] = class_id

    async def settle(self, user: str, saved: bool) -> None:
        """After the consent answer: store a remembered membership, or keep it in memory."""
        class_id = self._unsaved.get(user)
        if class_id is not None and saved:
            await self.classes.join_class(class_id, user)
            self._unsaved.pop(user)

    async def forget(self, user: str) -> None:
        self._unsaved.pop(user, None)

    async def open_classes(self, user: str, saved: bool) -> list[ClassRecord]:
        found = await self.classes.member_classes(user) if saved else []
        class_id = self._unsaved.get(user)
        if class_id is not None:
            remembered = await self.classes.get_class(class_id)
            found = [remembered, *found] if remembered else found
        return [c for c in found if c.is_open(_today())]

    async def assigned(self, user: str, saved: bool) -> list[str]:
        ids: list[str] = []
        for record in await self.open_classes(user, saved):
            ids += [s for s in await self.classes.assigned(record.id) if s not in ids]
        return ids

    async def lesson_scenario(self, user: str, saved: bool) -> str | None:
        """The scenario of a lesson going on now in one of the person's classes, where the
        students play on their own phones."""
        if self.lessons is None:
            return None
        for record in await self.open_classes(user, saved):
            lesson = await self.lessons.open_lesson_of_class(record.id)
            if lesson is not None and lesson.mode == PHONES and lesson.scenario_id:
                return lesson.scenario_id
        return None

    async def class_for_run(self, user: str, scenario_id: str) -> int | None:
        """The most recently joined open class that assigned this scenario."""
        for record in await self.open_classes(user, saved=True):
            if scenario_id in await self.classes.assigned(record.id):
                return record.id
        return None


def _today():
    return datetime.now(UTC).date()
