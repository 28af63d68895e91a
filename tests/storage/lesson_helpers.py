"""What the lesson and mentor storage tests share: a clock for days and moments, stores
on one database file, and a look at every stored value."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.addresses import ChatKeys
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY, raw_connect

SECRET = bytes(range(100, 132))


@dataclass
class Moment:
    now: datetime = field(default_factory=lambda: datetime(2025, 3, 14, 9, 0, tzinfo=UTC))


@dataclass
class Stores:
    store: SqlCipherStore
    lessons: SqlCipherLessonStore
    classes: SqlCipherClassStore
    moment: Moment


@asynccontextmanager
async def opened(path: Path, moment: Moment) -> AsyncIterator[Stores]:
    """A store on `path` as the bot opens it, with lessons and classes over it."""
    store = SqlCipherStore(path, KEY, today=lambda: moment.now.date(), now=lambda: moment.now)
    await store.initialize()
    try:
        yield Stores(
            store, SqlCipherLessonStore(store, ChatKeys(SECRET)), SqlCipherClassStore(store), moment
        )
    finally:
        await store.close()


def rows_holding(path: Path, value: str) -> dict[str, int]:
    """Per table, the rows that hold `value` in any column (a pseudonym, a chat id)."""
    connection = raw_connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        found = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            match = " OR ".join(f"CAST({c} AS TEXT) = :v" for c in columns)
            count = connection.execute(
                f"SELECT count(*) FROM {table} WHERE {match}", {"v": value}
            ).fetchone()[0]
            if count:
                found[table] = count
        return found
    finally:
        connection.close()


def count(path: Path, table: str) -> int:
    connection = raw_connect(path)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()
