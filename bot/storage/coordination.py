"""Coordination for one bot process (the SQLite file): nothing to coordinate with, and no
second bot process allowed (bot.storage.postgres.coordination coordinates several).

Within the process, bot/telegram/ordering.py already handles each conversation's updates
one at a time, and each job runs on one schedule. A second `bystander run` on the same file
would handle the same people's taps beside it unchecked, so it is refused: an exclusive
advisory lock (flock) on a file beside the database, which the kernel drops when the
process ends."""

from __future__ import annotations

import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.storage.errors import DatabaseInUse, StorageUnavailable


class SingleProcess:
    def __init__(self, database: Path | None = None) -> None:
        self._database = database  # None: nothing to guard (tests of a bare runtime)
        self._fd: int | None = None

    async def open(self) -> None:
        if self._database is None:
            return
        path = self._database.with_name(f"{self._database.name}.bot")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageUnavailable(f"cannot open {path}: {error.strerror}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(
                f"another bot process is running on {self._database}: one bot per SQLite "
                'file; several workers need PostgreSQL (docs/operations.md, "Several workers")'
            ) from None
        self._fd = fd

    async def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None

    @asynccontextmanager
    async def turn(self, conversation: int) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def job(self, name: str, every: timedelta) -> AsyncIterator[bool]:
        yield True
