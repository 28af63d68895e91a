"""Open the SQLCipher-encrypted database through aiosqlite and bring its schema up to date."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import sqlcipher3

from bot.storage.errors import (
    DatabaseKeyError,
    PseudonymKeyError,
    SchemaVersionError,
    StorageError,
    StorageUnavailable,
    moved_away,
)
from bot.storage.keys import KEY_CHECK_SETTING, MOVED_SETTING, KeyCheck
from bot.storage.migrations import Migration, migration_files

log = logging.getLogger("bystander")

KEY_BYTES = 32
BUSY_TIMEOUT_MS = 5000

# Failures of the disk or file system, which an operator fixes, with what to check.
_UNAVAILABLE_HINTS = {
    sqlcipher3.SQLITE_FULL: "the disk is full; free some space",
    sqlcipher3.SQLITE_READONLY: "the database is read-only; check file and folder permissions",
    sqlcipher3.SQLITE_PERM: "access denied; check file and folder permissions",
    sqlcipher3.SQLITE_CANTOPEN: "cannot open the database file; check the path and permissions",
    sqlcipher3.SQLITE_IOERR: "disk I/O error; check the disk",
    sqlcipher3.SQLITE_BUSY: "the database is locked by another process",
    sqlcipher3.SQLITE_CORRUPT: "the database file is damaged; restore it from a backup",
}


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn disk and file system failures into StorageUnavailable; let bugs through."""
    try:
        yield
    except sqlcipher3.DatabaseError as error:
        # sqlite_errorcode is the extended code; its low byte is the primary one.
        code = getattr(error, "sqlite_errorcode", None)  # absent on misuse errors: bugs
        hint = _UNAVAILABLE_HINTS.get(code & 0xFF) if code is not None else None
        if hint is None:
            raise
        raise StorageUnavailable(f"storage unavailable at {path}: {hint} ({error})") from error


async def open_database(
    path: Path, key: bytes, *, read_only: bool = False, key_check: KeyCheck | None = None
) -> aiosqlite.Connection:
    """Open (or create) the encrypted database, check the key and apply pending migrations;
    or, `read_only`, open a connection that can only read (and migrates nothing).

    With `key_check`, a database made with another pseudonym secret is refused before
    anything is written; one without a recorded check (new, or from before checks) gets it.
    """
    with storage_errors(path):
        # Unlocked first, so a wrong key fails before aiosqlite starts its thread for it.
        connection = await asyncio.to_thread(connect, path, key)
        db = aiosqlite.Connection(lambda: connection, iter_chunk_size=64)
        await db
        try:
            await _configure(db)
            if read_only:
                await db.execute("PRAGMA query_only = ON")
            else:
                if key_check is not None:
                    _refuse_other_key(path, key_check, await _recorded_key_check(db))
                await migrate(db)
                if key_check is not None:
                    await _record_key_check(db, path, key_check)
                    await _refuse_moved(db, path)
        except BaseException:
            await db.close()
            raise
    return db


async def migrate(db: aiosqlite.Connection) -> None:
    """Apply the migrations newer than the database, each in its own transaction."""
    migrations = load_migrations()
    current = await _scalar(db, "PRAGMA user_version")
    if current > len(migrations):
        raise SchemaVersionError(
            f"the database has schema version {current} but this code knows only up to "
            f"{len(migrations)}; run a newer version of the bot"
        )
    pending = migrations[current:]
    if pending:
        log.info(
            "updating the database schema from version %d to %d: %d migration(s)",
            current, len(migrations), len(pending),
        )  # fmt: skip
    for number, migration in enumerate(pending, 1):
        log.info("applying migration %s (%d of %d)", migration.name, number, len(pending))
        started = time.monotonic()
        # executescript would commit an open transaction first, so the script carries its own
        # (migration files therefore never BEGIN or COMMIT themselves).
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n"
            f"PRAGMA user_version = {migration.version};\nCOMMIT;"
        )
        try:
            await db.executescript(script)
        except BaseException:
            if db.in_transaction:
                await db.rollback()
            log.error("migration %s failed; the database is left at version %d", migration.name,
                      migration.version - 1)  # fmt: skip
            raise
        log.info("migration %s done in %.1f s", migration.name, time.monotonic() - started)


def load_migrations() -> list[Migration]:
    """The SQL files in bot/storage/sqlite/migrations."""
    return migration_files("bot.storage.sqlite")


def refuse_if_moved(path: Path, key: bytes) -> None:
    """For commands that open the file directly (backup, init, check, migrate-db): a file
    `bystander migrate-db` copied elsewhere is not to be used again."""
    with contextlib.closing(connect(path, key)) as db, storage_errors(path):
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone():
            return
        row = db.execute("SELECT value FROM settings WHERE key = ?", (MOVED_SETTING,)).fetchone()
    if row:
        raise moved_away(f"the database {path}", row[0])


def connect(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A plain connection to the encrypted database, unlocked with `key` (and checked)."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"the database key must be {KEY_BYTES} bytes")
    # isolation_level=None: transactions are begun and ended explicitly, never implicitly.
    # check_same_thread=False: open_database hands it to aiosqlite's thread, which then
    # is the only one to use it.
    db = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _unlock(db, path, key)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        db.close()
        raise
    return db


def _unlock(db: sqlcipher3.Connection, path: Path, key: bytes) -> None:
    # The key must be the first statement; a raw key (x'…') skips the slow key derivation.
    db.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    if not db.execute("PRAGMA cipher_version").fetchone():
        raise StorageError("sqlcipher3 is not built with SQLCipher; refusing to store plain data")
    # A wrong key makes SQLCipher write three lines of its own to stderr; the operator gets
    # the one below instead. The log level is process-wide: it is put back at once.
    (level,) = db.execute("PRAGMA cipher_log_level").fetchone()
    db.execute("PRAGMA cipher_log_level = NONE")
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as error:
        if error.sqlite_errorcode != sqlcipher3.SQLITE_NOTADB:
            raise
        raise DatabaseKeyError(
            f"cannot decrypt {path}: the database key is wrong or the file is not a SQLCipher "
            "database"
        ) from None
    finally:
        if isinstance(level, str) and level.isalpha():
            db.execute(f"PRAGMA cipher_log_level = {level}")


async def _recorded_key_check(db: aiosqlite.Connection) -> str | None:
    # Before migration 002 there is no settings table, and so no check yet.
    if not await _scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'settings'"):
        return None
    async with db.execute("SELECT value FROM settings WHERE key = ?", (KEY_CHECK_SETTING,)) as c:
        row = await c.fetchone()
    return row[0] if row else None


async def _refuse_moved(db: aiosqlite.Connection, path: Path) -> None:
    async with db.execute("SELECT value FROM settings WHERE key = ?", (MOVED_SETTING,)) as c:
        row = await c.fetchone()
    if row:
        raise moved_away(f"the database {path}", row[0])


def _refuse_other_key(path: Path, key_check: KeyCheck, recorded: str | None) -> None:
    if recorded is not None and not hmac.compare_digest(recorded, key_check.value):
        raise PseudonymKeyError(
            f"{key_check.source} does not belong to the database {path}: restore the key "
            "from your backup"
        )


async def _record_key_check(db: aiosqlite.Connection, path: Path, key_check: KeyCheck) -> None:
    """Record the check when there is none; another process starting at the same moment may
    have recorded its own, so what is stored is compared once more."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        await db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (KEY_CHECK_SETTING, key_check.value),
        )
        recorded = await _recorded_key_check(db)
        await db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            await db.rollback()
        raise
    _refuse_other_key(path, key_check, recorded)


async def _configure(db: aiosqlite.Connection) -> None:
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",  # the bot acknowledges a choice only once it survives a crash
        "foreign_keys = ON",
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        "secure_delete = ON",  # deleted users' rows are overwritten, not just unlinked
    ):
        await db.execute(f"PRAGMA {pragma}")


async def _scalar(db: aiosqlite.Connection, sql: str) -> Any:
    async with db.execute(sql) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None
