"""Fixtures of the storage contract suite: each port's tests run against every backend that
implements it. A new backend (PostgreSQL) is one more name in BACKENDS and one more branch
in `open_backend`, which builds its ports and its `Rows`.

Tests reach a backend through its ports only. `Rows` is the one look behind them, for what
no port shows: that nothing is left behind, and that a dry run changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from psycopg import AsyncConnection

from bot.services.membership import WRONG_CODE_WINDOW_S
from bot.storage.addresses import ChatKeys
from bot.storage.memory.membership import LocalUnsavedMemory
from bot.storage.memory.store import EphemeralStore
from bot.storage.ports import PlayerStore, Storage, UnsavedMemory
from bot.storage.postgres.classes import PostgresClassStore
from bot.storage.postgres.lessons import PostgresLessonStore
from bot.storage.postgres.reports import PostgresReportStore
from bot.storage.postgres.retention import PostgresRetentionStore
from bot.storage.postgres.store import PostgresStore
from bot.storage.postgres.survey import PostgresSurveyStore
from bot.storage.postgres.unsaved import PostgresUnsavedMemory, PostgresUnsavedStore
from bot.storage.postgres.web import PostgresWebStore
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.store import SqlCipherStore
from bot.storage.sqlite.web import SqlCipherWebStore

from ..conftest import KEY

# The backends, each implementing every port and keeping what it is given. PostgreSQL's
# tests carry the `postgres` marker, as those asking for its cluster directly do.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# And the stores of unsaved play: in memory, and in PostgreSQL for several workers.
UNSAVED_BACKENDS = ["memory", pytest.param("postgres-unsaved", marks=pytest.mark.postgres)]
UNSAVED_NAMES = ("memory", "postgres-unsaved")
PLAYER_BACKENDS = [*BACKENDS, *UNSAVED_BACKENDS]  # PlayerStore only
SECRET = bytes(range(32, 64))


class Clock:
    """The backend's clock: `now` for lessons, its day for everything else."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)

    @property
    def day(self) -> date:
        return self.now.date()

    @day.setter
    def day(self, day: date) -> None:
        self.now = datetime.combine(day, self.now.timetz())


class Rows(Protocol):
    """What a test may see of a backend's rows. Every backend implements it."""

    async def holding(self, value: str) -> dict[str, int]:
        """Per table (or whatever the backend keeps rows in), how many rows hold `value`
        in a column of their own: a pseudonym, a chat id, an invitation's token."""

    async def everything(self) -> dict[str, list[str]]:
        """Every row kept, per table, as sorted texts."""

    async def smallest_folded_group(self) -> int | None:
        """The fewest people any aggregate row that retention folded describes, together
        with the rows it adds up with in a report (None: nothing folded)."""


@dataclass(frozen=True)
class Backend:
    name: str
    storage: Storage
    rows: Rows
    postgres_url: str = ""  # where a PostgreSQL backend keeps its data


def open_backend(name: str, folder: Path, clock: Clock, postgres_url: str = "") -> Backend:
    """The backend's ports over the data kept for `folder` (SQLite) or at `postgres_url`,
    not yet initialized: called twice with one place, two handles (as two processes) on the
    same data."""
    if name == "postgres":
        store = PostgresStore(postgres_url, today=lambda: clock.day, now=lambda: clock.now)
        storage = Storage(
            store, store, PostgresClassStore(store), PostgresLessonStore(store, ChatKeys(SECRET)),
            PostgresSurveyStore(store), PostgresReportStore(store), PostgresRetentionStore(store),
            PostgresWebStore(store),
        )  # fmt: skip
        return Backend(name, storage, PostgresRows(postgres_url), postgres_url)
    if name == "sqlite":
        store = SqlCipherStore(
            folder / "bystander.db", KEY, today=lambda: clock.day, now=lambda: clock.now
        )
        evaluation = SqlCipherEvaluationStore(store)
        lessons = SqlCipherLessonStore(store, ChatKeys(SECRET))
        classes = SqlCipherClassStore(store)
        web = SqlCipherWebStore(store)
        storage = Storage(store, store, classes, lessons, *[evaluation] * 3, web)
        return Backend(name, storage, SqliteRows(store))
    raise ValueError(f"unknown backend {name}")


class SqliteRows:
    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store

    async def _tables(self) -> dict[str, list[str]]:
        async with self.store.reading() as db:
            names = [row[0] for row in await db.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
            return {
                name: [row[1] for row in await db.execute_fetchall(f"PRAGMA table_info({name})")]
                for name in names
            }

    async def holding(self, value: str) -> dict[str, int]:
        found = {}
        async with self.store.reading() as db:
            for table, columns in (await self._tables()).items():
                match = " OR ".join(f"CAST({column} AS TEXT) = :v" for column in columns)
                [(count,)] = await db.execute_fetchall(
                    f"SELECT count(*) FROM {table} WHERE {match}", {"v": value}
                )
                if count:
                    found[table] = count
        return found

    async def everything(self) -> dict[str, list[str]]:
        async with self.store.reading() as db:
            return {
                table: sorted(map(repr, await db.execute_fetchall(f"SELECT * FROM {table}")))
                for table in await self._tables()
            }

    async def smallest_folded_group(self) -> int | None:
        async with self.store.reading() as db:
            [(smallest,)] = await db.execute_fetchall(
                "SELECT min(people) FROM ("
                " SELECT sum(participants) AS people FROM choice_aggregates GROUP BY month,"
                "  scenario_id, step_id, choice_id, strategy, assessment, phase, class_id,"
                "  age_band, first_play"
                " UNION ALL SELECT sum(participants) FROM run_aggregates"
                "  GROUP BY month, scenario_id, class_id, age_band"
                " UNION ALL SELECT count(*) FROM measure_pair_archive"
                "  GROUP BY month, scenario_id, item_id, comparison)"
            )
        return smallest


class PostgresRows:
    """The rows of a PostgreSQL backend, read on a connection of their own."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _query(self, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
        async with await AsyncConnection.connect(self.url, autocommit=True) as db:
            cursor = await db.execute(sql, parameters)
            return await cursor.fetchall()

    async def _tables(self) -> dict[str, list[str]]:
        columns: dict[str, list[str]] = {}
        for table, column in await self._query(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ):
            columns.setdefault(table, []).append(column)
        return columns

    async def holding(self, value: str) -> dict[str, int]:
        # Every column, as SQLite's: a chat id kept in a number column counts too.
        found = {}
        for table, columns in (await self._tables()).items():
            match = " OR ".join(f"{column}::text = %(v)s" for column in columns)
            [(count,)] = await self._query(
                f"SELECT count(*) FROM {table} WHERE {match}", {"v": value}
            )
            if count:
                found[table] = count
        return found

    async def everything(self) -> dict[str, list[str]]:
        return {
            table: sorted(row for (row,) in await self._query(f"SELECT t::text FROM {table} t"))
            for table in await self._tables()
        }

    async def smallest_folded_group(self) -> int | None:
        [(smallest,)] = await self._query(
            "SELECT min(people) FROM ("
            " SELECT sum(participants) AS people FROM choice_aggregates GROUP BY month,"
            "  scenario_id, step_id, choice_id, strategy, assessment, phase, class_id,"
            "  age_band, first_play"
            " UNION ALL SELECT sum(participants) FROM run_aggregates"
            "  GROUP BY month, scenario_id, class_id, age_band"
            " UNION ALL SELECT count(*) FROM measure_pair_archive"
            "  GROUP BY month, scenario_id, item_id, comparison) AS folded"
        )
        return smallest


@pytest.fixture
def clock() -> Clock:
    return Clock()


def postgres_url_for(request: pytest.FixtureRequest) -> str:
    """A new database for the test when it runs on PostgreSQL (the cluster starts only then)."""
    on_postgres = request.param.startswith("postgres")
    return request.getfixturevalue("postgres_url") if on_postgres else ""


@pytest.fixture(params=BACKENDS)
async def backend(request, tmp_path: Path, clock: Clock) -> AsyncIterator[Backend]:
    """A backend that keeps what it is given, opened."""
    opened = open_backend(request.param, tmp_path, clock, postgres_url_for(request))
    await opened.storage.lifecycle.initialize()
    yield opened
    await opened.storage.lifecycle.close()


@pytest.fixture
def storage(backend: Backend) -> Storage:
    """Every port of a backend that keeps what it is given, opened."""
    return backend.storage


@pytest.fixture
def rows(backend: Backend) -> Rows:
    return backend.rows


@pytest.fixture
async def second_process(backend: Backend, tmp_path: Path, clock: Clock) -> AsyncIterator[Storage]:
    """Another handle on the data of `storage`, as a second process of the bot has."""
    opened = open_backend(backend.name, tmp_path, clock, backend.postgres_url)
    await opened.storage.lifecycle.initialize()
    yield opened.storage
    await opened.storage.lifecycle.close()


@pytest.fixture(params=PLAYER_BACKENDS)
async def players(request, tmp_path: Path, clock: Clock) -> AsyncIterator[PlayerStore]:
    """A PlayerStore of any backend, the stores of unsaved play included."""
    if request.param in UNSAVED_NAMES:
        async with unsaved_play(request, clock) as (unsaved, _):
            yield unsaved
        return
    opened = open_backend(request.param, tmp_path, clock, postgres_url_for(request))
    await opened.storage.lifecycle.initialize()
    yield opened.storage.players
    await opened.storage.lifecycle.close()


@pytest.fixture(params=UNSAVED_BACKENDS)
async def unsaved_players(request, clock: Clock) -> AsyncIterator[PlayerStore]:
    """The PlayerStore of unsaved play, in memory or in PostgreSQL, on the test's clock."""
    async with unsaved_play(request, clock) as (unsaved, _):
        yield unsaved


@pytest.fixture(params=UNSAVED_BACKENDS)
async def unsaved_memory(request, clock: Clock) -> AsyncIterator[UnsavedMemory]:
    """The UnsavedMemory of class membership, in memory or in PostgreSQL."""
    async with unsaved_play(request, clock) as (_, memory):
        yield memory


@asynccontextmanager
async def unsaved_play(
    request: pytest.FixtureRequest, clock: Clock
) -> AsyncIterator[tuple[PlayerStore, UnsavedMemory]]:
    if request.param == "memory":

        def seconds() -> float:
            return clock.now.timestamp()

        yield EphemeralStore(clock=seconds), LocalUnsavedMemory(WRONG_CODE_WINDOW_S, clock=seconds)
        return
    async with unsaved_on_postgres(postgres_url_for(request), clock) as worker:
        yield worker.players, worker.memory


@dataclass(frozen=True)
class UnsavedWorker:
    """Unsaved play in PostgreSQL as one worker has it, with the rows of its database."""

    players: PostgresUnsavedStore
    memory: PostgresUnsavedMemory
    rows: PostgresRows


@asynccontextmanager
async def unsaved_on_postgres(
    url: str, clock: Clock, secret: bytes = SECRET
) -> AsyncIterator[UnsavedWorker]:
    """A worker's stores of unsaved play: a second one on the same `url` is another worker."""

    def now() -> datetime:
        return clock.now

    store = PostgresStore(url, now=now)
    await store.initialize()
    try:
        yield UnsavedWorker(
            PostgresUnsavedStore(store, secret, now),
            PostgresUnsavedMemory(store, secret, WRONG_CODE_WINDOW_S, now),
            PostgresRows(url),
        )
    finally:
        await store.close()
