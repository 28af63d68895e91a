"""Memory-only storage for people who play without saving (bot.storage.ports.PlayerStore).

It keeps just enough to play (language, age band, the run in progress and the last
finished one, which a replay starts from) and forgets it all on restart, for people who
have not used the bot for `bounded.MAX_IDLE_S`, and for the people who used it least
recently once `bounded.MAX_PEOPLE` are kept. Someone who is forgotten starts over: an old
button gets the kind "that button is old" notice, and /start or /resume greets them as
new. Choices are never kept: the person said no to saving.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import bounded
from bot.bounded import BoundedDict
from bot.storage.ports import RunState
from bot.storage.records import ChoiceRecord, Profile, UserData


@dataclass
class _Remembered:
    profile: Profile | None = None
    run: RunState | None = None
    finished: RunState | None = None


class EphemeralStore:
    def __init__(
        self,
        max_people: int | None = None,
        max_idle_s: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._people: BoundedDict[str, _Remembered] = BoundedDict(
            max_people or bounded.MAX_PEOPLE,
            max_idle_s or bounded.MAX_IDLE_S,
            clock or time.monotonic,
        )

    def __len__(self) -> int:
        """How many people are remembered now."""
        return len(self._people)

    async def initialize(self) -> None:
        return None

    async def close(self) -> None:
        self._people.clear()

    def _remembered(self, user: str) -> _Remembered:
        found = self._people.get(user)
        if found is None:
            found = self._people[user] = _Remembered()
        return found

    async def get_profile(self, user: str) -> Profile | None:
        found = self._people.get(user)
        return found.profile if found else None

    async def save_profile(self, profile: Profile) -> None:
        self._remembered(profile.user).profile = profile

    async def get_active_run(self, user: str) -> RunState | None:
        found = self._people.get(user)
        return found.run if found else None

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        self._remembered(user).run = run

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        remembered = self._remembered(user)
        remembered.run = None if finished else run
        if finished:
            remembered.finished = run

    async def clear_active_run(self, user: str) -> None:
        found = self._people.get(user)
        if found is not None:
            found.run = None

    async def get_finished_run(self, user: str) -> RunState | None:
        found = self._people.get(user)
        return found.finished if found else None

    async def describe_user(self, user: str) -> UserData | None:
        return None  # nothing is stored

    async def delete_user(self, user: str) -> int:
        found = self._people.pop(user)
        if found is None:
            return 0
        return sum(kept is not None for kept in (found.profile, found.run, found.finished))
