"""Unsaved play in PostgreSQL, for several workers sharing one database: any tap may reach
any worker, so what the memory backend keeps in one process (bot.storage.memory) is kept
here, on the pool of `PostgresStore`, as close to memory as a database allows
(migration 002_unsaved_play.sql):

- a person is a handle, a keyed hash of the pseudonym with a key of its own purpose, so no
  row joins with saved data or a pseudonym without the pseudonym secret;
- what is kept is sealed with another key of its own purpose, so the database alone never
  shows it: the same as the memory backend keeps, never a choice;
- the time of use is kept to the hour; whatever was not used for `FORGOTTEN_AFTER_S` counts
  as forgotten, is deleted when read, and by `forget_idle` (a job every hour): so it is gone
  within a day of the last use, as young people are told, although a row's hour may be up
  to an hour before that use and the job comes up to an hour after it is idle;
- the tables are UNLOGGED: not in the write-ahead log, replicas or WAL backups.

Unlike memory, nothing caps the number of people kept: the rows cost disk, not the bot's
memory, and `forget_idle` deletes the idle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from bot import bounded
from bot.storage.addresses import TimelessBox, purpose_key
from bot.storage.ports import RunState
from bot.storage.postgres.store import PostgresStore
from bot.storage.records import ChoiceRecord, Profile, UserData

Clock = Callable[[], datetime]


# Gone within a day (bounded.MAX_IDLE_S) of the last use: see the module's docstring.
FORGOTTEN_AFTER_S = bounded.MAX_IDLE_S - 2 * 3600


def _utc_now() -> datetime:
    return datetime.now(UTC)


class UnsavedKeys:
    """The keys of unsaved play, each of its own purpose, derived from the pseudonym secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._handle_key = purpose_key(secret, "bystander unsaved handle")

    def handle(self, user: str) -> str:
        """What a person's rows are found by: no pseudonym, and no join with saved data."""
        return hmac.new(self._handle_key, user.encode(), hashlib.sha256).hexdigest()

    def box(self, table: str) -> TimelessBox:
        return TimelessBox(self._secret, f"bystander {table}")


class SealedRows:
    """One sealed value per person in a table of (handle, sealed, seen_at), forgotten once
    unused for `max_idle_s`. Reading counts as a use, written at most once an hour."""

    def __init__(
        self,
        store: PostgresStore,
        table: str,
        keys: UnsavedKeys,
        now: Clock = _utc_now,
        max_idle_s: float | None = None,
    ) -> None:
        self._store = store
        self._table = table
        self._keys = keys
        self._box = keys.box(table)
        self._now = now
        self._max_idle_s = max_idle_s

    def _moments(self) -> dict[str, datetime]:
        """This hour, which a use records, and the cutoff before which rows are forgotten."""
        now = self._now().astimezone(UTC)
        idle = timedelta(seconds=self._max_idle_s or FORGOTTEN_AFTER_S)
        return {"hour": now.replace(minute=0, second=0, microsecond=0), "cutoff": now - idle}

    def _times(self, user: str) -> dict[str, Any]:
        return self._moments() | {"handle": self._keys.handle(user)}

    def _place(self, user: str) -> bytes:
        return f"{self._table}:{self._keys.handle(user)}".encode()

    def _open(self, row: tuple[str] | None, user: str) -> Any:
        opened = self._box.open(row[0], self._place(user)) if row else None
        return json.loads(opened) if opened is not None else None

    async def read(self, user: str) -> Any:
        """The value kept (None: nothing, or forgotten); a forgotten row is deleted."""
        table = self._table
        return self._open(await self._store.fetch_one(
            f"WITH forgotten AS (DELETE FROM {table} WHERE handle = %(handle)s"
            "  AND seen_at < %(cutoff)s),"
            f" used AS (UPDATE {table} SET seen_at = %(hour)s WHERE handle = %(handle)s"
            "  AND seen_at >= %(cutoff)s AND seen_at < %(hour)s)"
            f" SELECT sealed FROM {table} WHERE handle = %(handle)s AND seen_at >= %(cutoff)s",
            self._times(user),
        ), user)  # fmt: skip

    async def read_for_update(self, db: AsyncConnection, user: str) -> Any:
        """The value kept, held until the transaction ends so that a change by another
        worker waits for this one."""
        cursor = await db.execute(
            f"SELECT sealed FROM {self._table} WHERE handle = %(handle)s"
            " AND seen_at >= %(cutoff)s FOR UPDATE",
            self._times(user),
        )
        return self._open(await cursor.fetchone(), user)

    async def write(self, db: AsyncConnection, user: str, value: Any) -> None:
        sealed = self._box.seal(json.dumps(value).encode(), self._place(user))
        await db.execute(
            f"INSERT INTO {self._table} (handle, sealed, seen_at)"
            " VALUES (%(handle)s, %(sealed)s, %(hour)s) ON CONFLICT (handle)"
            " DO UPDATE SET sealed = excluded.sealed, seen_at = excluded.seen_at",
            self._times(user) | {"sealed": sealed},
        )

    async def pop(self, user: str) -> Any:
        """Delete the person's row; the value it kept, if not forgotten."""
        return self._open(await self._store.fetch_one(
            f"WITH gone AS (DELETE FROM {self._table} WHERE handle = %(handle)s"
            "  RETURNING sealed, seen_at)"
            " SELECT sealed FROM gone WHERE seen_at >= %(cutoff)s",
            self._times(user),
        ), user)  # fmt: skip

    async def forget_idle(self) -> int:
        """Delete every row unused for longer than the idle time; how many were."""
        async with self._store.transaction() as db:
            cursor = await db.execute(
                f"DELETE FROM {self._table} WHERE seen_at < %(cutoff)s", self._moments()
            )
            return cursor.rowcount


class PostgresUnsavedStore:
    """bot.storage.ports.PlayerStore for people who play without saving, with the memory
    backend's semantics (bot.storage.memory.store.EphemeralStore). Opened and closed with
    the `PostgresStore` whose pool it uses."""

    def __init__(
        self,
        store: PostgresStore,
        secret: bytes,
        now: Clock = _utc_now,
        max_idle_s: float | None = None,
    ) -> None:
        self._rows = SealedRows(store, "unsaved_play", UnsavedKeys(secret), now, max_idle_s)
        self._store = store

    async def forget_idle(self) -> int:
        return await self._rows.forget_idle()

    async def _change(
        self, user: str, change: Callable[[dict[str, Any]], None], *, create: bool = True
    ) -> None:
        """Change what is kept of the person in one transaction; `create` False: only when
        something is kept."""
        async with self._store.transaction() as db:
            kept = await self._rows.read_for_update(db, user)
            if kept is None and not create:
                return
            kept = kept or {}
            change(kept)
            await self._rows.write(db, user, kept)

    async def _kept(self, user: str, part: str) -> Any:
        kept = await self._rows.read(user)
        return kept.get(part) if kept else None

    async def get_profile(self, user: str) -> Profile | None:
        kept = await self._kept(user, "profile")
        return Profile(user, **kept) if kept else None

    async def save_profile(self, profile: Profile) -> None:
        kept = {"language": profile.language, "age_band": profile.age_band,
                "consent": profile.consent}  # fmt: skip
        await self._change(profile.user, lambda state: state.update(profile=kept))

    async def get_active_run(self, user: str) -> RunState | None:
        return await self._kept(user, "run")

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        await self._change(user, lambda state: state.update(run=run))

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        def progress(state: dict[str, Any]) -> None:
            state["run"] = None if finished else run
            if finished:
                state["finished"] = run

        await self._change(user, progress)

    async def clear_active_run(self, user: str) -> None:
        await self._change(user, lambda state: state.update(run=None), create=False)

    async def get_finished_run(self, user: str) -> RunState | None:
        return await self._kept(user, "finished")

    async def describe_user(self, user: str) -> UserData | None:
        return None  # nothing is saved

    async def delete_user(self, user: str) -> int:
        kept = await self._rows.pop(user)
        if kept is None:
            return 0
        return sum(kept.get(part) is not None for part in ("profile", "run", "finished"))


class PostgresUnsavedMemory:
    """bot.storage.ports.UnsavedMemory shared by the workers: the class sealed as unsaved
    play is, wrong codes as times under the handle, each kept for `window_s`."""

    def __init__(
        self,
        store: PostgresStore,
        secret: bytes,
        window_s: float,
        now: Clock = _utc_now,
        max_idle_s: float | None = None,
    ) -> None:
        self._store = store
        self._keys = UnsavedKeys(secret)
        self._classes = SealedRows(store, "unsaved_classes", self._keys, now, max_idle_s)
        self._window = timedelta(seconds=window_s)
        self._now = now

    async def remember_class(self, user: str, class_id: int) -> None:
        async with self._store.transaction() as db:
            await self._classes.write(db, user, class_id)

    async def recall_class(self, user: str) -> int | None:
        return await self._classes.read(user)

    async def forget_class(self, user: str) -> None:
        await self._classes.pop(user)

    def _since(self) -> dict[str, datetime]:
        now = self._now().astimezone(UTC)
        return {"now": now, "since": now - self._window}

    def _tries(self, user: str) -> dict[str, Any]:
        return self._since() | {"handle": self._keys.handle(user)}

    async def note_wrong_code(self, user: str) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO unsaved_wrong_codes (handle, tried_at) VALUES (%(handle)s, %(now)s)",
                self._tries(user),
            )

    async def wrong_codes(self, user: str) -> int:
        (count,) = await self._store.fetch_one(
            "WITH expired AS (DELETE FROM unsaved_wrong_codes WHERE handle = %(handle)s"
            "  AND tried_at < %(since)s)"
            " SELECT count(*) FROM unsaved_wrong_codes"
            " WHERE handle = %(handle)s AND tried_at >= %(since)s",
            self._tries(user),
        )
        return count

    async def forget_idle(self) -> int:
        """Delete the classes unused for the idle time and the wrong codes past their
        window; how many rows were."""
        forgotten = await self._classes.forget_idle()
        async with self._store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM unsaved_wrong_codes WHERE tried_at < %(since)s", self._since()
            )
            return forgotten + cursor.rowcount
