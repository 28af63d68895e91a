"""The PostgreSQL backend's schema and lifecycle: versioned migrations applied once however
many workers start at once, the same tables as the SQLCipher database, and the refusals an
operator meets in one line (a newer schema, no bot database, another pseudonym secret, an
unreachable server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from psycopg import AsyncConnection

from bot.storage.errors import (
    NoDatabase,
    PseudonymKeyError,
    SchemaVersionError,
    StorageUnavailable,
)
from bot.storage.keys import KeyCheck
from bot.storage.migrations import Migration
from bot.storage.postgres import database
from bot.storage.postgres.database import load_migrations
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqlCipherStore

from ..conftest import KEY, profile, raw_connect

USER = "a" * 64
# Columns PostgreSQL names or adds differently: `user` is a reserved word there, and rows
# SQLite orders or merges by rowid have an id of their own.
RENAMED = {"user": "pseudonym"}
ROW_IDS = {"runs", "choice_aggregates", "run_aggregates", "measure_pair_archive",
           "facilitated_aggregates"}  # fmt: skip
# Unsaved play, which one SQLite process keeps in memory (migration 002_unsaved_play.sql).
POSTGRES_ONLY = {"unsaved_play", "unsaved_classes", "unsaved_wrong_codes"}


async def query(url: str, sql: str) -> list[tuple]:
    async with await AsyncConnection.connect(url, autocommit=True) as db:
        return await (await db.execute(sql)).fetchall()


async def postgres_columns(url: str) -> dict[str, set[str]]:
    rows = await query(
        url,
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name != 'schema_version'",
    )
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


async def sqlite_columns(folder: Path) -> dict[str, set[str]]:
    store = SqlCipherStore(folder / "bystander.db", KEY)
    await store.initialize()
    await store.close()
    connection = raw_connect(folder / "bystander.db")
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]  # fmt: skip
        return {
            name: {RENAMED.get(row[1], row[1]) for row in connection.execute(
                f"PRAGMA table_info({name})")} | ({"id"} if name in ROW_IDS else set())
            for name in names
        }  # fmt: skip
    finally:
        connection.close()


async def versions(url: str) -> list[int]:
    return [row[0] for row in await query(url, "SELECT version FROM schema_version ORDER BY 1")]


async def test_the_schema_has_every_table_and_column_of_the_sqlcipher_database(
    postgres_url: str, tmp_path: Path
) -> None:
    store = PostgresStore(postgres_url)
    await store.initialize()
    await store.close()
    shared = await postgres_columns(postgres_url)
    assert set(shared) >= POSTGRES_ONLY
    assert {t: c for t, c in shared.items() if t not in POSTGRES_ONLY} == await sqlite_columns(
        tmp_path
    )


async def test_workers_starting_at_once_migrate_once_and_all_open(postgres_url: str) -> None:
    workers = [PostgresStore(postgres_url) for _ in range(4)]
    await asyncio.gather(*(worker.initialize() for worker in workers))
    try:
        assert all(worker.is_open for worker in workers)
        assert await versions(postgres_url) == [m.version for m in load_migrations()]
        await workers[0].save_profile(profile(USER))
        assert await workers[3].get_profile(USER) == profile(USER)
    finally:
        await asyncio.gather(*(worker.close() for worker in workers))


async def test_reopening_keeps_the_data_and_a_closed_store_refuses(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    with pytest.raises(RuntimeError, match="not initialized"):
        await store.get_profile(USER)
    await store.initialize()
    await store.save_profile(profile(USER))
    await store.close()
    assert not store.is_open
    with pytest.raises(RuntimeError, match="not initialized"):
        await store.get_profile(USER)

    await store.initialize()
    assert await store.get_profile(USER) == profile(USER)
    await store.close()


async def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    await store.initialize()
    await store.close()
    newer = len(load_migrations()) + 1
    await query(postgres_url, f"INSERT INTO schema_version VALUES ({newer}, 'x') RETURNING 1")

    with pytest.raises(SchemaVersionError, match=f"schema version {newer} but this code knows"):
        await store.initialize()
    assert not store.is_open


async def test_a_failing_migration_changes_nothing(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = load_migrations()
    half = "CREATE TABLE half (n int); SELECT no_such_function();"
    broken = [*real, Migration(len(real) + 1, "999_broken.sql", half)]
    monkeypatch.setattr(database, "load_migrations", lambda: broken)
    with pytest.raises(Exception, match="no_such_function"):
        await PostgresStore(postgres_url).initialize()
    assert await postgres_columns(postgres_url) == {}  # not even the first migration stayed

    monkeypatch.setattr(database, "load_migrations", lambda: real)
    store = PostgresStore(postgres_url)
    await store.initialize()
    await store.close()
    assert await versions(postgres_url) == [m.version for m in real]


async def test_a_database_the_bot_never_set_up_is_refused_when_told_not_to_create(
    postgres_url: str,
) -> None:
    with pytest.raises(NoDatabase, match="holds no bot database"):
        await PostgresStore(postgres_url, create=False).initialize()
    assert await postgres_columns(postgres_url) == {}


async def test_another_pseudonym_secret_is_refused(postgres_url: str) -> None:
    ours = KeyCheck("check-of-our-secret", "the pseudonym key in /keys")
    store = PostgresStore(postgres_url, key_check=ours)
    await store.initialize()
    await store.close()
    await store.initialize()  # the same secret again
    await store.close()

    theirs = KeyCheck("check-of-another-secret", "the pseudonym key in /other")
    with pytest.raises(PseudonymKeyError, match="the pseudonym key in /other does not belong"):
        await PostgresStore(postgres_url, key_check=theirs).initialize()


async def test_an_unreachable_server_is_one_line_without_the_password(
    postgres_url: str,
) -> None:
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    wrong = f"postgresql://postgres:s3cret@127.0.0.1:{port}/no_such_database"
    with pytest.raises(StorageUnavailable) as refused:
        await PostgresStore(wrong).initialize()
    message = str(refused.value)
    assert message.startswith(f"PostgreSQL at 127.0.0.1:{port}/no_such_database is unavailable")
    assert "does not exist" in message
    assert "\n" not in message and "s3cret" not in message
