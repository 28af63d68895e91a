"""Profiles and runs in the SQLCipher database (bot.storage.ports.PlayerStore), and the
connections the other SQLCipher stores share.

Every write happens in one transaction that is committed (and, with synchronous=FULL, on
disk) before the method returns, so the bot may acknowledge a choice as soon as it returns.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import sqlcipher3

from bot.storage.deletions import DeletionLog
from bot.storage.errors import NoDatabase, StorageUnavailable, UnknownUser
from bot.storage.keys import KeyCheck, holds_data
from bot.storage.ports import RunState
from bot.storage.records import CONSENT_SAVE, ChoiceRecord, Profile, UserData
from bot.storage.sqlite.database import open_database, storage_errors
from bot.storage.sqlite.lock import DatabaseLock
from bot.storage.sqlite.roles import stamp, strip_powers
from bot.storage.sqlite.turns import Turns

STAFF_ROWS = (
    ("web_tokens", "holder"),  # first: a projector link of their lesson counts too
    ("roles", "user"),
    ("facilitations", "owner"),
    ("classes", "owner"),
    ("lessons", "leader"),
    ("command_menus", "user"),
)


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlCipherStore:
    def __init__(
        self,
        path: Path,
        key: bytes,
        *,
        today: Callable[[], date] = _utc_today,
        now: Callable[[], datetime] = _utc_now,
        key_check: KeyCheck | None = None,
        deletions: DeletionLog | None = None,
        create: bool = True,
    ) -> None:
        self._path = path
        self._key = key
        self._today = today
        self._now = now  # for timestamps (lessons); days come from `today`
        self._key_check = key_check  # refuse a database made with another pseudonym secret
        # One connection writes for all updates, another only reads: WAL lets both work at
        # once, and a read sees what was committed. Each connection runs its calls one by
        # one in its own thread, so single statements (and every read) are simply queued
        # there; only transactions of several statements need a turn of their own.
        self._db: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._turns = Turns()
        self._deletions = deletions  # where deletions are logged for restores (None: nowhere)
        self._create = create  # False: refuse to start a new database
        self._lock = DatabaseLock(path)
        self.write_timer: Callable[[float], None] | None = None  # seconds per write (metrics)

    @property
    def is_open(self) -> bool:
        return self._db is not None

    async def initialize(self) -> None:
        if not self._create and not holds_data(self._path):
            raise NoDatabase(f"there is no database at {self._path}")
        try:
            self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"cannot create {self._path}: {error.strerror}") from error
        self._lock.acquire(exclusive=False)  # restore and rekey wait until the store closes
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        try:
            if not self._path.exists():
                # SQLite gives the -wal and -shm files the mode of the database file.
                self._path.touch(mode=0o600)
        except OSError as error:
            raise StorageUnavailable(f"cannot create {self._path}: {error.strerror}") from error
        self._db = await open_database(self._path, self._key, key_check=self._key_check)
        self._reader = await open_database(self._path, self._key, read_only=True)
        if self._deletions is not None:
            await asyncio.to_thread(self._deletions.ensure)

    async def close(self) -> None:
        async with self._turns.transaction():
            for db in (self._db, self._reader):
                if db is not None:
                    await db.close()
            self._db = self._reader = None
            self._lock.release()

    async def get_profile(self, user: str) -> Profile | None:
        async with self.reading() as db:
            row = await fetch_one(
                db, "SELECT language, age_band, consent FROM users WHERE user = ?", (user,)
            )
        return Profile(user, *row) if row else None

    async def save_profile(self, profile: Profile) -> None:
        if profile.consent != CONSENT_SAVE:
            raise ValueError("only people who agreed to saving are stored")
        today = self.day()
        async with self.statement() as db:
            await db.execute(
                "INSERT INTO users (user, language, age_band, consent, first_seen_on, last_seen_on)"
                " VALUES (:user, :language, :age_band, :consent, :today, :today)"
                " ON CONFLICT (user) DO UPDATE SET language = excluded.language,"
                " age_band = excluded.age_band, consent = excluded.consent,"
                " last_seen_on = excluded.last_seen_on",
                asdict(profile) | {"today": today},
            )

    async def get_active_run(self, user: str) -> RunState | None:
        async with self.reading() as db:
            row = await fetch_one(db, "SELECT state FROM active_runs WHERE user = ?", (user,))
        return json.loads(row[0]) if row else None

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        """Record a new run and make it the user's active run, replacing any other.

        `class_id` marks a run played as a member of that class, for its class results. A
        replay (a run that remembers the path it replays) is marked as one.
        """
        start = {"user": user, "run_id": run["run"], "scenario_id": run["scenario"],
                 "version": run["version"], "class_id": class_id, "replay": "replay_of" in run,
                 "state": _state_json(run), "today": self.day()}  # fmt: skip
        await self._record(_RECORD_START, start)

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        """Store the choice and the run's new state together, or neither."""
        if choice is not None and choice.run_id != run["run"]:
            raise ValueError("the choice belongs to another run")
        choice_values = asdict(choice) if choice else dict.fromkeys(_CHOICE_FIELDS)
        step = choice_values | {"user": user, "run_id": run["run"], "state": _state_json(run),
                         "finished": finished, "today": self.day()}  # fmt: skip
        await self._record(_RECORD_STEP, step)

    async def _record(self, statement: str, values: Mapping[str, Any]) -> None:
        """Run one of the statements whose triggers (migration 006) refuse unknown people."""
        async with self.statement() as db:
            try:
                await db.execute(statement, values)
            except sqlcipher3.IntegrityError as error:
                if str(error) not in _REFUSALS:
                    raise
                kind, message = _REFUSALS[str(error)]
                raise kind(message) from None

    async def clear_active_run(self, user: str) -> None:
        """Forget the run in progress; does nothing for unknown users (nothing to clear)."""
        async with self.session() as db, transaction(db):
            await db.execute("DELETE FROM active_runs WHERE user = ?", (user,))

    async def get_finished_run(self, user: str) -> RunState | None:
        """The user's last finished run, which a replay starts from."""
        async with self.reading() as db:
            row = await fetch_one(db, "SELECT state FROM finished_runs WHERE user = ?", (user,))
        return json.loads(row[0]) if row else None

    async def describe_user(self, user: str) -> UserData | None:
        async with self.session() as db, transaction(db, write=False):
            profile = await fetch_one(
                db,
                "SELECT language, age_band, consent, first_seen_on, last_seen_on"
                " FROM users WHERE user = ?",
                (user,),
            )
            if profile is None:
                return None
            runs = await fetch_one(
                db, "SELECT count(*), count(finished_on) FROM runs WHERE user = ?", (user,)
            )
            choices = await fetch_one(db, "SELECT count(*) FROM choices WHERE user = ?", (user,))
            scenarios = await db.execute_fetchall(
                "SELECT DISTINCT scenario_id FROM runs WHERE user = ? ORDER BY 1", (user,)
            )
        language, age_band, consent, first, last = profile
        return UserData(
            profile=Profile(user, language, age_band, consent),
            runs_started=runs[0],
            runs_finished=runs[1],
            choices=choices[0],
            scenarios=tuple(row[0] for row in scenarios),
            first_activity=date.fromisoformat(first),
            last_activity=date.fromisoformat(last),
        )

    async def delete_user(self, user: str) -> int:
        """Erase everything stored under the pseudonym; returns the number of rows removed.

        The deletion is logged once it is done, so that restoring a backup made before
        it deletes the data again (see bot/storage/deletions.py).
        """
        async with self.session() as db:
            removed = await erase_user(db, user, self.day(), self.moment())
            if removed and self._deletions is not None:
                await asyncio.to_thread(self._deletions.record, user)
        return removed

    def day(self) -> str:
        return self._today().isoformat()

    def moment(self) -> str:
        """Now, as stored (bot.storage.sqlite.roles.stamp): for lesson times, which need more than
        a day."""
        return stamp(self._now())

    @asynccontextmanager
    async def session(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writing connection to oneself: for a transaction of several statements."""
        async with self._turns.transaction(), self._timed():
            with storage_errors(self._path):
                yield self._connection(self._db)

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writing connection for exactly one statement (a transaction by itself)."""
        async with self._turns.statement(), self._timed():
            with storage_errors(self._path):
                yield self._connection(self._db)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection that can only read: for lookups that change nothing."""
        with storage_errors(self._path):
            yield self._connection(self._reader)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection of its own, in one read transaction: for a long read (a
        report) that must see one consistent state of the database throughout.

        The shared reading connection cannot hold a transaction open: everyone's lookups
        queue on it and would read that old state too (a player would not see the choice
        they just saved). A connection of its own neither waits for writes nor holds up
        anyone's reads or writes: in WAL mode writers go on while it reads its snapshot.
        """
        self._connection(self._reader)  # refuses, like the others, before initialize
        with storage_errors(self._path):
            db = await open_database(self._path, self._key, read_only=True)
        try:
            with storage_errors(self._path):
                async with transaction(db, write=False):
                    yield db
        finally:
            await db.close()

    @asynccontextmanager
    async def _timed(self) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            if self.write_timer is not None:
                self.write_timer(time.perf_counter() - started)

    def _connection(self, db: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if db is None:
            raise RuntimeError("the store is not initialized")
        return db


async def erase_user(db: aiosqlite.Connection, user: str, today: str, now: str) -> int:
    """Delete every row stored under the pseudonym and return how many there were.

    Mentors the person invited lose their role as if the person's had been revoked (on
    `today`, their lessons ending at `now`), and no row keeps the pseudonym as inviter."""
    async with transaction(db):
        removed = await fetch_one(
            db,
            "SELECT (SELECT count(*) FROM users WHERE user = :user)"
            " + (SELECT count(*) FROM runs WHERE user = :user)"
            " + (SELECT count(*) FROM choices WHERE user = :user)"
            " + (SELECT count(*) FROM active_runs WHERE user = :user)"
            " + (SELECT count(*) FROM finished_runs WHERE user = :user)",
            {"user": user},
        )
        # Runs, choices, memberships, the active and the last finished run follow by ON
        # DELETE CASCADE; a youth worker's roles, classes (with their lessons and polls),
        # facilitated sessions, lessons they lead, their command menu and web tokens go too.
        await db.execute("DELETE FROM users WHERE user = ?", (user,))
        count = removed[0]
        for table, column in STAFF_ROWS:
            cursor = await db.execute(f"DELETE FROM {table} WHERE {column} = ?", (user,))
            count += cursor.rowcount
        cursor = await db.execute("DELETE FROM invitations WHERE invited_by = ?", (user,))
        count += cursor.rowcount
        await strip_powers(db, [user], today, now)
        await db.execute("UPDATE roles SET invited_by = NULL WHERE invited_by = ?", (user,))
    # Old page images stay in the write-ahead log until a checkpoint truncates it.
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


@asynccontextmanager
async def transaction(db: aiosqlite.Connection, *, write: bool = True) -> AsyncIterator[None]:
    # IMMEDIATE takes the write lock up front, so a busy database fails before any work.
    await db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield
        await db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite may already have rolled back, e.g. on SQLITE_FULL
            await db.rollback()
        raise


async def fetch_one(
    db: aiosqlite.Connection, sql: str, parameters: Sequence[Any] | Mapping[str, Any]
) -> Any:
    # One round trip to the database thread (execute, fetch and close would be three).
    rows = await db.execute_fetchall(sql, parameters)
    return rows[0] if rows else None


def _state_json(run: RunState) -> str:
    return json.dumps(run, separators=(",", ":"))


# One statement each, atomic with its trigger (migration 006).
_CHOICE_FIELDS = [field.name for field in fields(ChoiceRecord) if field.name != "run_id"]
_RECORD_START = (
    "INSERT INTO run_starts (user, run_id, scenario_id, version, class_id, replay, state, today)"
    " VALUES (:user, :run_id, :scenario_id, :version, :class_id, :replay, :state, :today)"
)
_RECORD_STEP = (
    "INSERT INTO run_steps (user, run_id, state, finished, today, "
    + ", ".join(_CHOICE_FIELDS)
    + ") VALUES (:user, :run_id, :state, :finished, :today, "
    + ", ".join(f":{name}" for name in _CHOICE_FIELDS)
    + ")"
)
_REFUSALS: dict[str, tuple[type[Exception], str]] = {
    "unknown user": (UnknownUser, "this user has no profile (did not agree to saving)"),
    "unknown run": (ValueError, "the run was never recorded; call start_run first"),
}
