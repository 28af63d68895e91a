"""Workers taking turns through PostgreSQL (bot/storage/postgres/coordination.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
import pytest

from bot.storage.postgres.coordination import PostgresCoordination
from bot.storage.postgres.store import PostgresStore

SECRET = bytes(range(32))
PERSON = 5_550_123
DAY = timedelta(days=1)


@pytest.fixture
async def workers(postgres_url: str) -> AsyncIterator[list[PostgresCoordination]]:
    store = PostgresStore(postgres_url)  # the schema, with its settings table
    await store.initialize()
    await store.close()
    coordinations = [PostgresCoordination(postgres_url, SECRET) for _ in range(2)]
    for coordination in coordinations:
        await coordination.open()
    yield coordinations
    for coordination in coordinations:
        await coordination.close()


async def test_a_conversation_waits_for_its_turn_held_by_another_worker(workers) -> None:
    first, second = workers
    handled: list[str] = []
    async with first.turn(PERSON):
        waiting = asyncio.create_task(_handle(second, PERSON, handled, "second"))
        await _handle(second, PERSON + 1, handled, "someone else")  # not held up
        handled.append("first")
        assert not waiting.done()
    await waiting
    assert handled == ["someone else", "first", "second"]


async def _handle(worker: PostgresCoordination, person: int, log: list[str], name: str) -> None:
    async with worker.turn(person):
        log.append(name)


async def test_a_worker_that_dies_leaves_no_turn_held(workers) -> None:
    first, second = workers
    async with first.turn(PERSON):
        waiting = asyncio.create_task(_handle(second, PERSON, [], "second"))
        await first.close()  # the process ends: PostgreSQL ends its session
        await asyncio.wait_for(waiting, timeout=30)


async def test_the_lock_shows_no_telegram_id(workers, postgres_url: str) -> None:
    first, _ = workers
    async with first.turn(PERSON), await psycopg.AsyncConnection.connect(postgres_url) as db:
        cursor = await db.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory'"
        )
        [(key,)] = await cursor.fetchall()
    assert key != PERSON and str(PERSON) not in str(key)
    other_secret = PostgresCoordination(postgres_url, bytes(32))
    assert first.turn_key(PERSON) != other_secret.turn_key(PERSON), "keyed with the secret"


async def test_a_job_runs_in_one_worker_and_once_a_period(workers) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def run(worker: PostgresCoordination) -> bool:
        async with worker.job("maintenance", DAY) as mine:
            if mine:
                started.set()
                await release.wait()
            return mine

    running = asyncio.create_task(run(workers[0]))
    await started.wait()
    assert await run(workers[1]) is False, "the other worker is running it"
    release.set()
    assert await running is True
    assert [await run(w) for w in workers] == [False, False], "done for today"


async def test_a_failed_job_is_not_counted_as_run(workers) -> None:
    with pytest.raises(RuntimeError):
        async with workers[0].job("maintenance", DAY) as mine:
            assert mine
            raise RuntimeError("the disk is full")
    async with workers[1].job("maintenance", DAY) as mine:
        assert mine, "tried again"


async def test_without_the_database_turns_go_on_and_jobs_wait(caplog) -> None:
    caplog.set_level(logging.WARNING)
    gone = PostgresCoordination("postgresql://bot:pw@127.0.0.1:1/bystander", SECRET)
    async with gone.turn(PERSON):
        pass  # the update is handled; its own writes will say the database is unavailable
    async with gone.job("reminders", timedelta(0)) as mine:
        assert mine is False
    assert "unavailable" in caplog.text and "pw" not in caplog.text
