import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from bot.storage import DatabaseKeyError, SchemaVersionError
from bot.storage.sqlite import database
from bot.storage.sqlite.database import Migration, load_migrations, open_database

from .conftest import KEY, raw_connect

OTHER_KEY = bytes(32)


async def create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await open_database(path, KEY)
    await db.close()


def user_version(path: Path) -> int:
    connection = raw_connect(path)
    try:
        return connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


def tables(path: Path) -> set[str]:
    connection = raw_connect(path)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
    finally:
        connection.close()


def with_extra(sql: str) -> list[Migration]:
    real = load_migrations()
    return [*real, Migration(len(real) + 1, "999_test.sql", sql)]


async def test_the_file_on_disk_is_encrypted(db_path: Path) -> None:
    await create(db_path)

    assert not db_path.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db_path).execute("SELECT * FROM sqlite_master").fetchall()


async def test_a_wrong_key_is_refused_and_the_file_left_alone(db_path: Path) -> None:
    await create(db_path)
    before = db_path.read_bytes()

    with pytest.raises(DatabaseKeyError, match="cannot decrypt"):
        await open_database(db_path, OTHER_KEY)

    assert db_path.read_bytes() == before
    assert user_version(db_path) == len(load_migrations())


async def test_an_unencrypted_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir()
    sqlite3.connect(db_path).execute("CREATE TABLE t (x)").connection.close()

    with pytest.raises(DatabaseKeyError):
        await open_database(db_path, KEY)


async def test_durability_settings(db_path: Path) -> None:
    db_path.parent.mkdir()
    db = await open_database(db_path, KEY)
    try:
        settings = {}
        for name in ("journal_mode", "synchronous", "foreign_keys", "secure_delete"):
            async with db.execute(f"PRAGMA {name}") as cursor:
                settings[name] = (await cursor.fetchone())[0]
    finally:
        await db.close()
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "secure_delete": 1,
    }


async def test_migrations_create_the_schema(db_path: Path) -> None:
    await create(db_path)
    assert user_version(db_path) == len(load_migrations()) >= 1
    assert {"users", "runs", "choices", "active_runs"} <= tables(db_path)


async def test_each_migration_runs_once(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = with_extra("CREATE TABLE probe (n INTEGER);\nINSERT INTO probe VALUES (1);")
    monkeypatch.setattr(database, "load_migrations", lambda: extra)

    await create(db_path)
    await create(db_path)

    connection = raw_connect(db_path)
    assert connection.execute("SELECT count(*) FROM probe").fetchone() == (1,)
    connection.close()
    assert user_version(db_path) == len(extra)


async def test_a_failing_migration_changes_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create(db_path)
    broken = with_extra("CREATE TABLE half (n INTEGER);\nINSERT INTO missing VALUES (1);")
    monkeypatch.setattr(database, "load_migrations", lambda: broken)

    with pytest.raises(sqlcipher3.OperationalError, match="missing"):
        await create(db_path)

    assert "half" not in tables(db_path)
    assert user_version(db_path) == len(broken) - 1


async def test_a_newer_database_is_refused(db_path: Path) -> None:
    await create(db_path)
    newer = len(load_migrations()) + 1
    connection = raw_connect(db_path)
    connection.execute(f"PRAGMA user_version = {newer}")
    connection.close()

    with pytest.raises(SchemaVersionError, match=f"schema version {newer}"):
        await open_database(db_path, KEY)


def test_migration_files_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert migrations[0].name == "001_initial.sql"
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
