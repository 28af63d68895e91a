"""Backups, restores and key rotation of the encrypted database.

A backup is SQLite's `VACUUM INTO` through SQLCipher: one read transaction, so the copy is
one consistent state while the bot goes on writing (WAL), encrypted with the same key.
A restore replaces the database with a backup and deletes again the data of everyone who
deleted theirs after the backup was made (bot/storage/deletions.py), and every web token.
Restore and rekey need the database to themselves: they refuse while the bot or another
command uses it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3

from bot.storage.deletions import Deletion, DeletionLog
from bot.storage.errors import (
    DatabaseKeyError,
    PseudonymKeyError,
    SchemaVersionError,
    StorageError,
    StorageUnavailable,
)
from bot.storage.keys import (
    KEY_CHECK_SETTING,
    SECRET_BYTES,
    KeyCheck,
    create_key_file,
    fsync_directory,
    read_key_file,
)
from bot.storage.sqlite.database import connect, load_migrations, open_database, storage_errors
from bot.storage.sqlite.lock import DatabaseLock
from bot.storage.sqlite.roles import stamp
from bot.storage.sqlite.store import erase_user

MADE_AT_SETTING = "backup_made_at"  # in a backup's settings table: when it was made
PENDING_KEY_SUFFIX = ".new"  # a rotated key that is not yet in place


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime | None  # None: a copy not made by `bystander backup`
    schema_version: int
    size: int


@dataclass(frozen=True)
class RestoreInfo:
    backup: BackupInfo
    deleted_again: int  # people whose data was deleted after the backup was made


def backup(
    database: Path, key: bytes, target: Path, *, now: Callable[[], datetime] = _utc_now
) -> BackupInfo:
    """Copy the database, as one consistent state, to `target` (0600), while it is in use."""
    # Read before the copy's snapshot: every deletion logged from now on is re-applied by
    # a restore, and those logged earlier were committed before the snapshot began.
    made_at = now()
    with _new_file(target.with_name(f".{target.name}.partial")) as temporary:
        _copy(database, key, temporary)
        with contextlib.closing(_connect(temporary, key)) as copy, storage_errors(target):
            _set_setting(copy, MADE_AT_SETTING, made_at.isoformat())
        os.replace(temporary, target)
    fsync_directory(target.parent)
    return describe_backup(target, key)


def describe_backup(path: Path, key: bytes) -> BackupInfo:
    """Open a backup with `key` and check that it is whole."""
    if not path.is_file():
        raise StorageError(f"there is no backup file {path}")
    with contextlib.closing(_connect(path, key)) as copy, storage_errors(path):
        result = copy.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise StorageError(f"the backup {path} is damaged ({result})")
        made_at = _setting(copy, MADE_AT_SETTING)
        version = copy.execute("PRAGMA user_version").fetchone()[0]
    return BackupInfo(
        path,
        datetime.fromisoformat(made_at) if made_at else None,
        version,
        path.stat().st_size,
    )


async def restore(
    source: Path,
    database: Path,
    key: bytes,
    key_check: KeyCheck,
    deletions: DeletionLog,
    *,
    source_key: bytes | None = None,
    deletion_log_lost: bool = False,
) -> RestoreInfo:
    """Replace the database with the backup `source`, then delete again what people deleted
    after it was made. `source_key`: the database key the backup was made with, when it was
    made before a `bystander rekey`. `deletion_log_lost`: restore although the deletion log
    cannot tell who deleted their data since the backup (it was lost, or is younger)."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = DatabaseLock(database)
    lock.acquire(exclusive=True)
    try:
        info = _check_backup(source, source_key or key, key_check)
        if not deletion_log_lost:
            _refuse_uncovered(source, info, deletions)
        temporary = database.with_name(f".{database.name}.restoring")
        with _new_file(temporary):
            _copy(source, source_key or key, temporary)
            if source_key is not None and source_key != key:
                _rekey_file(temporary, source_key, key)
            known = deletions.deletions_since(info.made_at) if deletions.path.exists() else []
            deleted_again = await _apply_deletions(temporary, key, key_check, known)
            for suffix in ("-wal", "-shm"):  # the old database's: they would corrupt the new
                database.with_name(database.name + suffix).unlink(missing_ok=True)
            os.replace(temporary, database)
        fsync_directory(database.parent)
        deletions.ensure()
    finally:
        lock.release()
    return RestoreInfo(info, deleted_again)


def _refuse_uncovered(source: Path, info: BackupInfo, deletions: DeletionLog) -> None:
    if not deletions.path.exists():
        raise StorageError(
            f"the deletion log {deletions.path} is missing, so a restore could bring back data "
            "people deleted; only if it was lost with the data folder: --deletion-log-lost"
        )
    made = info.made_at or datetime.fromtimestamp(info.path.stat().st_mtime, UTC)
    deletions.refuse_uncovered(made, f"the backup {source}")


def rekey(
    database: Path, key_file: Path, key: bytes, *, now: Callable[[], datetime] = _utc_now
) -> Path:
    """Encrypt the database with a new random key, written to `key_file`; the old key is
    kept beside it (old backups need it). Returns the path of the old key."""
    lock = DatabaseLock(database)
    lock.acquire(exclusive=True)
    try:
        pending = key_file.with_name(key_file.name + PENDING_KEY_SUFFIX)
        new_key, done = _resume_or_start(pending, database)
        if not done:
            with contextlib.closing(_connect(database, key)) as db, storage_errors(database):
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                _rekey(db, new_key)
        _connect(database, new_key).close()  # it opens with the new key: put it in place
        old = key_file.with_name(f"{key_file.name}.old-{now():%Y%m%dT%H%M%S}")
        os.link(key_file, old)
        os.replace(pending, key_file)
        fsync_directory(key_file.parent)
    finally:
        lock.release()
    return old


def _resume_or_start(pending: Path, database: Path) -> tuple[bytes, bool]:
    """The new key, and whether the database has it already: a rekey that stopped before
    its key file was put in place left it pending."""
    if pending.exists():
        new_key = read_key_file(pending)
        try:
            _connect(database, new_key).close()
        except DatabaseKeyError:
            pending.unlink()  # it stopped before the database changed: start afresh
        else:
            return new_key, True
    return create_key_file(pending), False


def _check_backup(source: Path, key: bytes, key_check: KeyCheck) -> BackupInfo:
    try:
        info = describe_backup(source, key)
    except DatabaseKeyError as error:
        raise DatabaseKeyError(
            f"{error}; a backup made before `bystander rekey` needs its old key: --key-file"
        ) from None
    known = len(load_migrations())
    if info.schema_version > known:
        raise SchemaVersionError(
            f"the backup {source} has schema version {info.schema_version} but this code knows "
            f"only up to {known}: restore it with the version that made it"
        )
    with contextlib.closing(_connect(source, key)) as copy, storage_errors(source):
        recorded = _setting(copy, KEY_CHECK_SETTING)
    if recorded is not None and recorded != key_check.value:
        raise PseudonymKeyError(
            f"the backup {source} was made with another pseudonym secret than {key_check.source}"
        )
    return info


async def _apply_deletions(
    path: Path, key: bytes, key_check: KeyCheck, deletions: list[Deletion]
) -> int:
    """Migrate the restored copy and delete again whoever deleted their data after the
    backup was made (everyone in the log, for a copy of unknown age). The web pages' links
    and sessions go too: a logout or a revoked link since the backup must not come back."""
    db = await open_database(path, key, key_check=key_check)
    try:
        deleted = 0
        for deletion in deletions:
            now = _utc_now()
            deleted += bool(await erase_user(db, deletion.user, now.date().isoformat(), stamp(now)))
        await db.execute("DELETE FROM settings WHERE key = ?", (MADE_AT_SETTING,))
        await db.execute("DELETE FROM web_tokens")
    finally:
        await db.close()
    return deleted


def _copy(source: Path, key: bytes, target: Path) -> None:
    """One consistent state of `source` into the empty file `target`, with the same key."""
    with contextlib.closing(_connect(source, key)) as db, storage_errors(source):
        db.execute("VACUUM INTO ?", (str(target),))


def _connect(path: Path, key: bytes) -> sqlcipher3.Connection:
    with storage_errors(path):
        return connect(path, key)


def _rekey(db: sqlcipher3.Connection, new_key: bytes) -> None:
    if len(new_key) != SECRET_BYTES:
        raise ValueError("a database key is 32 bytes")
    db.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")


def _rekey_file(path: Path, key: bytes, new_key: bytes) -> None:
    with contextlib.closing(_connect(path, key)) as db, storage_errors(path):
        _rekey(db, new_key)


def _setting(db: sqlcipher3.Connection, name: str) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (name,)).fetchone()
    return row[0] if row else None


def _set_setting(db: sqlcipher3.Connection, name: str, value: str) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (name, value),
    )


@contextlib.contextmanager
def _new_file(path: Path) -> Iterator[Path]:
    """An empty file only the owner can read (SQLite keeps the mode), removed unless the
    body moved it into place."""
    path.unlink(missing_ok=True)  # a leftover of an earlier attempt that stopped
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise StorageUnavailable(f"cannot write {path}: {error.strerror}") from error
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
