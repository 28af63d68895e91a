"""Coordination for one bot process (the SQLite file): nothing to coordinate with
(bot.storage.postgres.coordination coordinates several).

Within the process, bot/telegram/ordering.py already handles each conversation's updates
one at a time, and each job runs on one schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta


class SingleProcess:
    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    @asynccontextmanager
    async def turn(self, conversation: int) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def job(self, name: str, every: timedelta) -> AsyncIterator[bool]:
        yield True
