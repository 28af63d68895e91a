"""What Membership keeps of people who play without saving, in this process's memory only
(bot.storage.ports.UnsavedMemory): forgotten on restart, bounded like memory-only play."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot import bounded
from bot.bounded import BoundedDict


class LocalUnsavedMemory:
    def __init__(
        self,
        window_s: float,
        max_people: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """A class is kept as long as an unsaved player is, wrong codes for `window_s`."""
        size = max_people or bounded.MAX_PEOPLE
        self._clock = clock
        self._window_s = window_s
        self.classes: BoundedDict[str, int] = BoundedDict(size, bounded.MAX_IDLE_S, clock)
        self.wrong: BoundedDict[str, deque[float]] = BoundedDict(size, window_s, clock)

    async def remember_class(self, user: str, class_id: int) -> None:
        self.classes[user] = class_id

    async def recall_class(self, user: str) -> int | None:
        return self.classes.get(user)

    async def forget_class(self, user: str) -> None:
        self.classes.pop(user)

    async def note_wrong_code(self, user: str) -> None:
        attempts = self.wrong.get(user)
        if attempts is None:
            attempts = self.wrong[user] = deque()
        attempts.append(self._clock())

    async def wrong_codes(self, user: str) -> int:
        attempts = self.wrong.get(user)
        if attempts is None:
            return 0
        while attempts and attempts[0] < self._clock() - self._window_s:
            attempts.popleft()
        if not attempts:
            self.wrong.pop(user)  # forget people whose wrong tries have expired
        return len(attempts)
