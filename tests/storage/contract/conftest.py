"""Fixtures of the storage contract suite: each port's tests run against every backend that
implements it. A new backend (PostgreSQL) is one more name in BACKENDS and one more branch
in `open_backend`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage.addresses import ChatKeys
from bot.storage.memory.store import EphemeralStore
from bot.storage.ports import PlayerStore, Storage
from bot.storage.postgres.classes import PostgresClassStore
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.store import SqlCipherStore

from ..conftest import KEY, Clock

# The backends that implement every port, keeping what they are given (PostgreSQL's tests
# carry the `postgres` marker, as those asking for its cluster directly do).
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PLAYER_BACKENDS = [*BACKENDS, "memory"]  # and the memory store, which has PlayerStore only
SECRET = bytes(range(32, 64))


def open_backend(name: str, folder: Path, clock: Clock, postgres_url: str = "") -> Storage:
    """The backend's ports, not yet opened: SQLite in `folder`, PostgreSQL at `postgres_url`."""
    if name == "postgres":
        store = PostgresStore(postgres_url, today=lambda: clock.day)
        # Ports the PostgreSQL backend does not implement yet are absent.
        return Storage(store, store, PostgresClassStore(store), *[None] * 4)  # type: ignore[arg-type]
    if name == "sqlite":
        store = SqlCipherStore(folder / "bystander.db", KEY, today=lambda: clock.day)
        evaluation = SqlCipherEvaluationStore(store)
        lessons = SqlCipherLessonStore(store, ChatKeys(SECRET))
        return Storage(store, store, SqlCipherClassStore(store), lessons, *[evaluation] * 3)
    raise ValueError(f"unknown backend {name}")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def postgres_url_for(request: pytest.FixtureRequest) -> str:
    """A new database for the test when it runs on PostgreSQL (the cluster starts only then)."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else ""


@pytest.fixture(params=BACKENDS)
async def storage(request, tmp_path: Path, clock: Clock) -> AsyncIterator[Storage]:
    """Every port of a backend that keeps what it is given, opened."""
    opened = open_backend(request.param, tmp_path, clock, postgres_url_for(request))
    await opened.lifecycle.initialize()
    yield opened
    await opened.lifecycle.close()


@pytest.fixture(params=PLAYER_BACKENDS)
async def players(request, tmp_path: Path, clock: Clock) -> AsyncIterator[PlayerStore]:
    """A PlayerStore of any backend, the memory store of unsaved play included."""
    if request.param == "memory":
        yield EphemeralStore()
        return
    opened = open_backend(request.param, tmp_path, clock, postgres_url_for(request))
    await opened.lifecycle.initialize()
    yield opened.players
    await opened.lifecycle.close()
