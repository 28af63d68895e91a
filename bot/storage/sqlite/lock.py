"""Who is using the database: the bot and the server commands share it; restore and rekey,
which replace it or its key, need it to themselves.

An advisory lock (flock) on a file beside the database: the kernel drops it when its
process ends, so a crashed bot never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.storage.errors import DatabaseInUse, StorageUnavailable


def lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.lock")


class DatabaseLock:
    """Held shared while a store is open, exclusively while the database is replaced."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._fd: int | None = None

    def acquire(self, *, exclusive: bool) -> None:
        path = lock_path(self._database)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageUnavailable(f"cannot open {path}: {error.strerror}") from error
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseInUse(self._refusal(exclusive)) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None

    def _refusal(self, exclusive: bool) -> str:
        if exclusive:
            return (
                f"the database {self._database} is in use by the running bot or another "
                "bystander command: stop the bot first (e.g. systemctl stop bystander)"
            )
        return (
            f"the database {self._database} is being restored or rekeyed by another bystander "
            "command: start again when it has finished"
        )
