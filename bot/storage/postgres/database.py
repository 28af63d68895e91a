"""Reach the PostgreSQL database and bring its schema up to date.

Several bot processes may start at once against one database: the schema is migrated by
whichever takes the migration lock first, in one transaction, and the others find it done.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict

from bot.storage.errors import (
    NoDatabase,
    PseudonymKeyError,
    SchemaVersionError,
    StorageUnavailable,
    moved_away,
)
from bot.storage.keys import KEY_CHECK_SETTING, MOVED_SETTING, KeyCheck
from bot.storage.migrations import Migration, migration_files

log = logging.getLogger("bystander")

# The advisory lock that makes processes migrate one at a time (any fixed 64-bit number,
# the same in every version of the bot: "bystndr1" as bytes).
MIGRATION_LOCK = int.from_bytes(b"bystndr1", "big") - 2**63
CONNECT_TIMEOUT_SECONDS = 10
TLS_HINT = (
    " (the bot asks for TLS with a verified certificate to another machine: enable TLS on "
    "the server and trust its CA with sslrootcert=, or set BYSTANDER_DATABASE_TLS=optional; "
    'docs/operations.md, "TLS to the database")'
)


def load_migrations() -> list[Migration]:
    """The SQL files in bot/storage/postgres/migrations."""
    return migration_files("bot.storage.postgres")


def describe(url: str) -> str:
    """Where the database is, for messages: host, port and database, never a password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the configured PostgreSQL database"
    return _place(parts.get("host"), parts.get("port"), parts.get("dbname"))


def _place(host: object, port: object, dbname: object) -> str:
    return f"PostgreSQL at {host or 'localhost'}:{port or 5432}/{dbname or ''}"


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn an unreachable or refusing server into StorageUnavailable, in one line; let
    bugs (bad SQL, broken constraints) through."""
    try:
        yield
    except psycopg.OperationalError as error:  # also psycopg_pool.PoolTimeout
        detail = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
        if "SSL" in detail:
            detail += TLS_HINT
        raise StorageUnavailable(f"{describe(url)} is unavailable: {detail}") from error


async def connect(url: str) -> AsyncConnection:
    """One connection of its own (for migrations), outside the pool."""
    try:
        return await AsyncConnection.connect(
            url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.ProgrammingError as error:  # a malformed URL
        raise StorageUnavailable(f"the PostgreSQL URL is not valid: {error}") from None


async def migrate(
    db: AsyncConnection, *, create: bool = True, migrations: list[Migration] | None = None
) -> None:
    """Apply the migrations newer than the database in one transaction, holding the
    migration lock, so two processes starting at once migrate once. `create` False: refuse a
    database the bot never set up."""
    migrations = load_migrations() if migrations is None else migrations
    async with db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        current = await schema_version(db)
        if current is None:
            if not create:
                raise NoDatabase(f"{describe_connection(db)} holds no bot database")
            await db.execute(
                "CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            current = 0
        if current > len(migrations):
            raise SchemaVersionError(
                f"the database has schema version {current} but this code knows only up to "
                f"{len(migrations)}; run a newer version of the bot"
            )
        pending = migrations[current:]
        if pending:
            log.info("updating the database schema from version %d to %d: %d migration(s)",
                     current, len(migrations), len(pending))  # fmt: skip
        for migration in pending:
            started = time.monotonic()
            await db.execute(migration.sql)  # without parameters: several statements at once
            await db.execute(
                "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
            log.info("migration %s done in %.1f s", migration.name, time.monotonic() - started)


async def schema_version(db: AsyncConnection) -> int | None:
    """The version of the schema; None when the bot never set up this database."""
    cursor = await db.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    (exists,) = await cursor.fetchone()
    if not exists:
        return None
    cursor = await db.execute("SELECT coalesce(max(version), 0) FROM schema_version")
    (version,) = await cursor.fetchone()
    return version


async def check_key(db: AsyncConnection, key_check: KeyCheck) -> None:
    """Refuse a database made with another pseudonym secret; record the check when there is
    none (another process starting at the same moment may record its own first)."""
    async with db.transaction():
        await db.execute(
            "INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            (KEY_CHECK_SETTING, key_check.value),
        )
        cursor = await db.execute("SELECT value FROM settings WHERE key = %s", (KEY_CHECK_SETTING,))
        (recorded,) = await cursor.fetchone()
    if not hmac.compare_digest(recorded, key_check.value):
        raise PseudonymKeyError(
            f"{key_check.source} does not belong to {describe_connection(db)}: restore the key "
            "from your backup"
        )
    cursor = await db.execute("SELECT value FROM settings WHERE key = %s", (MOVED_SETTING,))
    moved = await cursor.fetchone()
    if moved:
        raise moved_away(describe_connection(db), moved[0])


def describe_connection(db: AsyncConnection) -> str:
    return _place(db.info.host, db.info.port, db.info.dbname)


async def check_status(url: str, key_check: KeyCheck) -> str:
    """For `bystander check`: the database answers, was set up by the bot with this
    pseudonym secret, and its schema is one this code knows. Changes nothing."""
    with database_errors(url):
        async with await connect(url) as db:
            version = await schema_version(db)
            if version is None:
                raise NoDatabase(f"{describe(url)} holds no bot database: run `bystander init`")
            cursor = await db.execute(
                "SELECT value FROM settings WHERE key = %s", (KEY_CHECK_SETTING,)
            )
            recorded = await cursor.fetchone()
            cursor = await db.execute("SELECT value FROM settings WHERE key = %s", (MOVED_SETTING,))
            moved = await cursor.fetchone()
            encrypted = await _uses_tls(db)
    if moved:
        raise moved_away(describe(url), moved[0])
    if recorded and not hmac.compare_digest(recorded[0], key_check.value):
        raise PseudonymKeyError(f"{key_check.source} does not belong to {describe(url)}")
    known = len(load_migrations())
    if version > known:
        raise SchemaVersionError(
            f"{describe(url)} has schema version {version}; this code knows {known}"
        )
    pending = f", {known - version} migration(s) to run at next start" if version < known else ""
    return f"{describe(url)} answers{encrypted}, schema version {version}{pending}"


async def _uses_tls(db: AsyncConnection) -> str:
    cursor = await db.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    row = await cursor.fetchone()
    return " over TLS" if row and row[0] else " WITHOUT TLS (unencrypted)"
