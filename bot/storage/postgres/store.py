"""Profiles and runs in PostgreSQL (bot.storage.ports.PlayerStore), and the connection pool
the other PostgreSQL stores share.

Every method is one transaction on a pooled connection, committed before it returns. What
the SQLCipher backend does with triggers, these methods do in that transaction: a run's
first play and report class are fixed as it is inserted, its answer counts move with each
choice, and a person's activity day with each write. A write for a person first updates
their profile row, which refuses an unknown person and makes two writes for the same
person (from two workers) take turns, so each sees the other's runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from bot.storage.deletions import DeletionLog
from bot.storage.errors import UnknownUser
from bot.storage.keys import KeyCheck
from bot.storage.ports import RunState
from bot.storage.postgres.database import check_key, connect, database_errors, migrate
from bot.storage.postgres.roles import strip_powers
from bot.storage.records import CONSENT_SAVE, ChoiceRecord, Profile, UserData

# Pool sizes per bot process. Two stay open so a tap rarely waits for a new connection; ten
# bound what one process takes of the server's max_connections (100 by default), leaving
# room for several workers, backups and an operator's psql.
MIN_CONNECTIONS = 2
MAX_CONNECTIONS = 10
# How long a write waits for a free connection before the person is told to try again.
POOL_WAIT_SECONDS = 10.0

STAFF_ROWS = (
    ("web_tokens", "holder"),  # first: a projector link of their lesson counts too
    ("roles", "pseudonym"),
    ("facilitations", "owner"),
    ("classes", "owner"),
    ("lessons", "leader"),
    ("command_menus", "pseudonym"),
)


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PostgresStore:
    def __init__(
        self,
        url: str,
        *,
        today: Callable[[], date] = _utc_today,
        now: Callable[[], datetime] = _utc_now,
        key_check: KeyCheck | None = None,
        deletions: DeletionLog | None = None,
        create: bool = True,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._url = url
        self._today = today
        self._now = now  # for timestamps (lessons); days come from `today`
        self._key_check = key_check  # refuse a database made with another pseudonym secret
        self._deletions = deletions  # where deletions are logged for restores (None: nowhere)
        self._create = create  # False: refuse a database the bot never set up
        self._max_connections = max_connections
        self._pool: AsyncConnectionPool | None = None
        self.write_timer: Callable[[float], None] | None = None  # seconds per write (metrics)

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def initialize(self) -> None:
        with database_errors(self._url):
            # A connection of its own first: an unreachable server or a refused login fails
            # at once, in one line, instead of the pool retrying in the background.
            async with await connect(self._url) as db:
                await migrate(db, create=self._create)
                if self._key_check is not None:
                    await check_key(db, self._key_check)
            pool = AsyncConnectionPool(
                self._url,
                min_size=min(MIN_CONNECTIONS, self._max_connections),
                max_size=self._max_connections,
                timeout=POOL_WAIT_SECONDS,
                check=AsyncConnectionPool.check_connection,  # a server restart costs no tap
                open=False,
                name="bystander",
            )
            await pool.open(wait=True, timeout=POOL_WAIT_SECONDS)
        self._pool = pool
        if self._deletions is not None:
            await asyncio.to_thread(self._deletions.ensure)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection in a transaction, committed when the block ends (rolled back
        on an error)."""
        if self._pool is None:
            raise RuntimeError("the store is not initialized")
        started = time.perf_counter()
        try:
            with database_errors(self._url):
                async with self._pool.connection() as db:
                    yield db
        finally:
            if self.write_timer is not None:
                self.write_timer(time.perf_counter() - started)

    async def fetch_one(self, sql: str, parameters: Any = None) -> Any:
        """The first row of one query (None: no row), in a transaction of its own."""
        async with self.transaction() as db:
            cursor = await db.execute(sql, parameters)
            return await cursor.fetchone()

    def day(self) -> date:
        return self._today()

    def moment(self) -> datetime:
        """Now, as lessons keep it: UTC, to the second."""
        return self._now().astimezone(UTC).replace(microsecond=0)

    # -- PlayerStore ----------------------------------------------------------------------

    async def get_profile(self, user: str) -> Profile | None:
        row = await self.fetch_one(
            "SELECT language, age_band, consent FROM users WHERE pseudonym = %s", (user,)
        )
        return Profile(user, *row) if row else None

    async def save_profile(self, profile: Profile) -> None:
        if profile.consent != CONSENT_SAVE:
            raise ValueError("only people who agreed to saving are stored")
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO users"
                " (pseudonym, language, age_band, consent, first_seen_on, last_seen_on)"
                " VALUES (%(user)s, %(language)s, %(age_band)s, %(consent)s, %(today)s, %(today)s)"
                " ON CONFLICT (pseudonym) DO UPDATE SET language = excluded.language,"
                " age_band = excluded.age_band, consent = excluded.consent,"
                " last_seen_on = excluded.last_seen_on",
                asdict(profile) | {"today": self.day()},
            )

    async def get_active_run(self, user: str) -> RunState | None:
        row = await self.fetch_one("SELECT state FROM active_runs WHERE pseudonym = %s", (user,))
        return row[0] if row else None

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        start = {"user": user, "run_id": run["run"], "scenario_id": run["scenario"],
                 "version": run["version"], "class_id": class_id, "replay": "replay_of" in run,
                 "state": Jsonb(run), "today": self.day()}  # fmt: skip
        async with self.transaction() as db:
            await self._seen(db, user)
            await db.execute(_RECORD_START, start)

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        if choice is not None and choice.run_id != run["run"]:
            raise ValueError("the choice belongs to another run")
        step = {"user": user, "run_id": run["run"], "state": Jsonb(run), "today": self.day(),
                "finished": finished, "answered": int(choice is not None),
                "helpful": int(choice is not None and choice.assessment == "helpful")}  # fmt: skip
        async with self.transaction() as db:
            await self._seen(db, user)
            cursor = await db.execute(_COUNT_STEP, step)
            if cursor.rowcount == 0:
                raise ValueError("the run was never recorded; call start_run first")
            if choice is not None:
                await db.execute(_RECORD_CHOICE, asdict(choice) | step)
            for statement in _FINISH if finished else _CONTINUE:
                await db.execute(statement, step)

    async def _seen(self, db: AsyncConnection, user: str) -> None:
        """Count today as the person's activity, holding their row until the transaction
        ends; UnknownUser for a person without a profile (who did not agree to saving)."""
        cursor = await db.execute(
            "UPDATE users SET last_seen_on = %s WHERE pseudonym = %s", (self.day(), user)
        )
        if cursor.rowcount == 0:
            raise UnknownUser("this user has no profile (did not agree to saving)")

    async def clear_active_run(self, user: str) -> None:
        async with self.transaction() as db:
            await db.execute("DELETE FROM active_runs WHERE pseudonym = %s", (user,))

    async def get_finished_run(self, user: str) -> RunState | None:
        row = await self.fetch_one("SELECT state FROM finished_runs WHERE pseudonym = %s", (user,))
        return row[0] if row else None

    async def describe_user(self, user: str) -> UserData | None:
        row = await self.fetch_one(_DESCRIBE, {"user": user})
        if row is None:
            return None
        language, age_band, consent, first, last, started, finished, choices, scenarios = row
        return UserData(
            profile=Profile(user, language, age_band, consent),
            runs_started=started,
            runs_finished=finished,
            choices=choices,
            scenarios=tuple(scenarios),
            first_activity=first,
            last_activity=last,
        )

    async def delete_user(self, user: str) -> int:
        """Erase everything kept under the pseudonym; returns the number of rows removed.
        The deletion is logged once it is done, so that restoring a backup made before it
        deletes the data again (bot/storage/deletions.py)."""
        async with self.transaction() as db:
            removed = await erase_user(db, user, self.day(), self.moment())
        if removed and self._deletions is not None:
            await asyncio.to_thread(self._deletions.record, user)
        return removed


async def erase_user(db: AsyncConnection, user: str, today: date, now: datetime) -> int:
    """Delete every row kept under the pseudonym (in the caller's transaction) and return
    how many there were. Mentors the person invited lose their role as if the person's had
    been revoked, and no row keeps the pseudonym as inviter."""
    # Their profile row first: a write for them in flight (which holds it) ends before the
    # count, so the count sees its rows; one that comes later finds no profile.
    await db.execute("SELECT 1 FROM users WHERE pseudonym = %s FOR UPDATE", (user,))
    cursor = await db.execute(_PERSONAL_ROWS, {"user": user})
    (count,) = await cursor.fetchone()
    # Runs, choices, memberships, answers, follow-ups, the active and the last finished run
    # follow by ON DELETE CASCADE; a youth worker's roles, classes (with their lessons and
    # polls), facilitated sessions, lessons they lead, their command menu and web tokens go too.
    await db.execute("DELETE FROM users WHERE pseudonym = %s", (user,))
    for table, column in STAFF_ROWS:
        cursor = await db.execute(f"DELETE FROM {table} WHERE {column} = %s", (user,))
        count += cursor.rowcount
    cursor = await db.execute("DELETE FROM invitations WHERE invited_by = %s", (user,))
    count += cursor.rowcount
    await strip_powers(db, [user], today, now)
    await db.execute("UPDATE roles SET invited_by = NULL WHERE invited_by = %s", (user,))
    return count


# A run's first play and report class (migrations 010, 012 and 013 of the SQLCipher
# backend): a replay is never a first play; the report class is that of the person's first
# run this month, or the run's own class when it is that first run.
_RECORD_START = """
WITH run AS (
    INSERT INTO runs (pseudonym, run_id, scenario_id, version, started_on, class_id, replay,
                      first_play, report_class)
    VALUES (%(user)s, %(run_id)s, %(scenario_id)s, %(version)s, %(today)s,
            %(class_id)s::bigint, %(replay)s,
            NOT %(replay)s AND NOT EXISTS (
                SELECT 1 FROM runs o
                WHERE o.pseudonym = %(user)s AND o.scenario_id = %(scenario_id)s),
            CASE WHEN EXISTS (
                    SELECT 1 FROM runs h WHERE h.pseudonym = %(user)s
                    AND h.started_on BETWEEN date_trunc('month', %(today)s::date)::date
                                         AND %(today)s::date)
                THEN (SELECT h.report_class FROM runs h WHERE h.pseudonym = %(user)s
                      AND h.started_on BETWEEN date_trunc('month', %(today)s::date)::date
                                           AND %(today)s::date
                      ORDER BY h.started_on, h.id LIMIT 1)
                ELSE %(class_id)s::bigint END)
    RETURNING pseudonym, run_id
)
INSERT INTO active_runs (pseudonym, run_id, state)
SELECT pseudonym, run_id, %(state)s FROM run
ON CONFLICT (pseudonym) DO UPDATE SET run_id = excluded.run_id, state = excluded.state
"""

_COUNT_STEP = """
UPDATE runs SET answers = answers + %(answered)s, helpful = helpful + %(helpful)s,
    finished_on = CASE WHEN %(finished)s THEN coalesce(finished_on, %(today)s) ELSE finished_on END
WHERE pseudonym = %(user)s AND run_id = %(run_id)s
"""

_RECORD_CHOICE = """
INSERT INTO choices (pseudonym, run_id, scenario_id, version, step_id, choice_id, strategy,
                     assessment, phase, recorded_on)
VALUES (%(user)s, %(run_id)s, %(scenario_id)s, %(version)s, %(step_id)s, %(choice_id)s,
        %(strategy)s, %(assessment)s, %(phase)s, %(today)s)
"""

_KEEP_STATE = """
INSERT INTO {table} (pseudonym, run_id, state) VALUES (%(user)s, %(run_id)s, %(state)s)
ON CONFLICT (pseudonym) DO UPDATE SET run_id = excluded.run_id, state = excluded.state
"""
_CONTINUE = (_KEEP_STATE.format(table="active_runs"),)
_FINISH = (
    "DELETE FROM active_runs WHERE pseudonym = %(user)s",
    _KEEP_STATE.format(table="finished_runs"),
)

_DESCRIBE = """
SELECT u.language, u.age_band, u.consent, u.first_seen_on, u.last_seen_on,
    (SELECT count(*) FROM runs WHERE pseudonym = u.pseudonym),
    (SELECT count(finished_on) FROM runs WHERE pseudonym = u.pseudonym),
    (SELECT count(*) FROM choices WHERE pseudonym = u.pseudonym),
    ARRAY(SELECT DISTINCT scenario_id FROM runs WHERE pseudonym = u.pseudonym ORDER BY 1)
FROM users u WHERE u.pseudonym = %(user)s
"""

_PERSONAL_ROWS = """
SELECT (SELECT count(*) FROM users WHERE pseudonym = %(user)s)
     + (SELECT count(*) FROM runs WHERE pseudonym = %(user)s)
     + (SELECT count(*) FROM choices WHERE pseudonym = %(user)s)
     + (SELECT count(*) FROM active_runs WHERE pseudonym = %(user)s)
     + (SELECT count(*) FROM finished_runs WHERE pseudonym = %(user)s)
"""
