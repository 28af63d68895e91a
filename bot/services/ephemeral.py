"""Memory-only storage for people who play without saving.

It keeps just enough to play (language, age band, the run in progress) and forgets it
all on restart. Choices are never kept: the person said no to saving.
"""

from __future__ import annotations

from bot.storage.records import ChoiceRecord, Profile, UserData
from bot.storage.store import RunState


class EphemeralStore:
    def __init__(self) -> None:
        self._profiles: dict[str, Profile] = {}
        self._runs: dict[str, RunState] = {}

    async def initialize(self) -> None:
        return None

    async def close(self) -> None:
        self._profiles.clear()
        self._runs.clear()

    async def get_profile(self, user: str) -> Profile | None:
        return self._profiles.get(user)

    async def save_profile(self, profile: Profile) -> None:
        self._profiles[profile.user] = profile

    async def get_active_run(self, user: str) -> RunState | None:
        return self._runs.get(user)

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        self._runs[user] = run

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        if finished:
            self._runs.pop(user, None)
        else:
            self._runs[user] = run

    async def clear_active_run(self, user: str) -> None:
        self._runs.pop(user, None)

    async def describe_user(self, user: str) -> UserData | None:
        return None  # nothing is stored

    async def delete_user(self, user: str) -> int:
        removed = (self._profiles.pop(user, None) is not None) + (
            self._runs.pop(user, None) is not None
        )
        return int(removed)
