"""The real PostgreSQL the tests run against (tests/pgcluster.py), and what the PostgreSQL
backend will rely on: connections working at once see each other's committed writes, and a
transaction-scoped advisory lock serialises transactions on one key, which is how several
workers will take turns on one conversation."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from pgcluster import BINDIR_VARIABLE, PostgresCluster
from psycopg import AsyncConnection

CONVERSATION = 4242  # an advisory lock key, as a worker would derive one from a pseudonym
OTHER_CONVERSATION = 4343
PATIENCE = 10.0  # seconds: a bound for waiting on a condition, never a pause


async def tables(connection: AsyncConnection) -> list[str]:
    cursor = await connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return [name for (name,) in await cursor.fetchall()]


async def value(connection: AsyncConnection, query: str, *parameters: object) -> object:
    row = await (await connection.execute(query, parameters or None)).fetchone()
    assert row is not None
    return row[0]


async def test_a_new_database_is_empty_and_its_own(
    postgres_url: str, postgres_cluster: PostgresCluster
) -> None:
    other = postgres_cluster.new_database()
    async with (
        await AsyncConnection.connect(postgres_url, autocommit=True) as mine,
        await AsyncConnection.connect(other, autocommit=True) as theirs,
    ):
        assert await tables(mine) == [] and await tables(theirs) == []
        await mine.execute("CREATE TABLE notes (body text)")
        assert await tables(mine) == ["notes"]
        assert await tables(theirs) == []
        postgres_cluster.drop_database(other)  # while `theirs` is still connected
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        await AsyncConnection.connect(other)


async def test_two_connections_write_at_once_and_read_each_others_commits(
    postgres_url: str,
) -> None:
    async with (
        await AsyncConnection.connect(postgres_url, autocommit=True) as first,
        await AsyncConnection.connect(postgres_url, autocommit=True) as second,
    ):
        await first.execute("CREATE TABLE choices (writer text, n int)")
        async with first.transaction():
            await first.execute("INSERT INTO choices VALUES ('first', 0)")
            assert await value(second, "SELECT count(*) FROM choices") == 0  # not committed
        assert await value(second, "SELECT count(*) FROM choices") == 1

        async def write(connection: AsyncConnection, writer: str) -> None:
            async with connection.transaction():
                for n in range(1, 101):
                    await connection.execute("INSERT INTO choices VALUES (%s, %s)", (writer, n))

        await asyncio.gather(write(first, "first"), write(second, "second"))
        for connection in (first, second):
            cursor = await connection.execute(
                "SELECT writer, count(*), sum(n) FROM choices GROUP BY writer ORDER BY writer"
            )
            assert await cursor.fetchall() == [("first", 101, 5050), ("second", 100, 5050)]


async def take_a_turn(connection: AsyncConnection, key: int) -> int:
    """What a worker does for one update: lock the conversation, read, write; the lock goes
    with the transaction. Returns the count it read."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
        seen = await value(connection, "SELECT n FROM turns")
        await connection.execute("UPDATE turns SET n = %s", (seen + 1,))
        return seen


async def blocked_by(watcher: AsyncConnection, waiting: AsyncConnection) -> list[int]:
    cursor = await watcher.execute("SELECT pg_blocking_pids(%s)", (waiting.info.backend_pid,))
    row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def test_an_advisory_transaction_lock_makes_two_transactions_take_turns(
    postgres_url: str,
) -> None:
    async with (
        await AsyncConnection.connect(postgres_url, autocommit=True) as first,
        await AsyncConnection.connect(postgres_url, autocommit=True) as second,
        await AsyncConnection.connect(postgres_url, autocommit=True) as watcher,
    ):
        await watcher.execute("CREATE TABLE turns (n int)")
        await watcher.execute("INSERT INTO turns VALUES (0)")
        async with first.transaction():
            await first.execute("SELECT pg_advisory_xact_lock(%s)", (CONVERSATION,))
            seen = await value(first, "SELECT n FROM turns")
            second_turn = asyncio.create_task(take_a_turn(second, CONVERSATION))
            async with asyncio.timeout(PATIENCE):
                while await blocked_by(watcher, second) != [first.info.backend_pid]:
                    await asyncio.sleep(0.01)
            async with watcher.transaction():  # another conversation need not wait
                try_lock = "SELECT pg_try_advisory_xact_lock(%s)"
                assert await value(watcher, try_lock, OTHER_CONVERSATION) is True
                assert await value(watcher, try_lock, CONVERSATION) is False
            await first.execute("UPDATE turns SET n = %s", (seen + 1,))
            assert not second_turn.done()
        # The commit released the lock: the second transaction read what the first wrote.
        async with asyncio.timeout(PATIENCE):
            assert await second_turn == 1
        assert await value(watcher, "SELECT n FROM turns") == 2


def pytest_run(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """This file's first test in a pytest of its own, with no PostgreSQL to be found."""
    argv = [sys.executable, "-m", "pytest", __file__, "-k", "is_empty_and_its_own", "-rs",
            "-p", "no:cacheprovider"]  # fmt: skip
    environment = {**environment, BINDIR_VARIABLE: "/nonexistent"}
    return subprocess.run(argv, cwd=Path(__file__).parents[3], env=environment,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_without_postgresql_a_developer_is_told_how_to_get_it_and_ci_fails() -> None:
    developer = {k: v for k, v in os.environ.items() if k != "CI"}
    locally = pytest_run(developer)
    assert locally.returncode == 0, locally.stdout
    assert "1 skipped" in locally.stdout
    assert "PostgreSQL is not installed: apt-get install postgresql" in locally.stdout

    in_ci = pytest_run({**developer, "CI": "true"})
    assert in_ci.returncode == 1, in_ci.stdout
    assert "1 error" in in_ci.stdout and "skipped" not in in_ci.stdout
    assert "PostgreSQL is not installed" in in_ci.stdout
