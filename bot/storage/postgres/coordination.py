"""Several bot processes (workers) sharing one PostgreSQL database take turns.

Turns and jobs are PostgreSQL advisory locks held at session level on one connection of
each process's own, outside the pool: a process holds the turns of all the conversations
it is handling on that one connection, and waiting for a turn is polling a non-blocking
`pg_try_advisory_lock` on it, so nobody waiting ever holds a pooled connection, and one
person flooding the bot cannot take connections from anyone else. When a process dies,
PostgreSQL ends its session and releases its locks: no turn is left held.

A conversation's lock key is a keyed hash of its Telegram id (the key derived from the
pseudonym secret), so `pg_locks` never shows an id. Job keys are hashes of their names.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection

from bot.storage.errors import StorageUnavailable
from bot.storage.postgres.database import connect, database_errors

log = logging.getLogger("bystander")

FIRST_PAUSE_S = 0.005  # between tries for a turn another worker holds, doubling …
LONGEST_PAUSE_S = 0.1  # … up to this: a tap waits at most this long after the turn is free
# A job is due again a little before its full period: each process's schedule drifts, and a
# run every period must not be skipped because the last one started a moment late.
DUE_FRACTION = 0.9
JOB_SETTING = "job.{}.started"  # when the last run of a job that succeeded started


def _signed_64(digest: bytes) -> int:
    return int.from_bytes(digest[:8], "big", signed=True)


def job_key(name: str) -> int:
    return _signed_64(hashlib.sha256(f"bystander job {name}".encode()).digest())


class PostgresCoordination:
    def __init__(self, url: str, pseudonym_secret: bytes) -> None:
        self._url = url
        self._turn_secret = hmac.new(pseudonym_secret, b"bystander turn", "sha256").digest()
        self._db: AsyncConnection | None = None
        self._using = asyncio.Lock()  # one statement at a time, and one reconnection

    async def open(self) -> None:
        with database_errors(self._url):
            self._db = await connect(self._url)

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            await db.close()

    def turn_key(self, conversation: int) -> int:
        mac = hmac.new(self._turn_secret, str(conversation).encode(), "sha256")
        return _signed_64(mac.digest())

    @asynccontextmanager
    async def turn(self, conversation: int) -> AsyncIterator[None]:
        key = self.turn_key(conversation)
        held = await self._wait_for(key)
        try:
            yield
        finally:
            if held:
                await self._release(key)

    @asynccontextmanager
    async def job(self, name: str, every: timedelta) -> AsyncIterator[bool]:
        key = job_key(name)
        started = await self._start(key, name, every)
        if started is None:
            yield False
            return
        try:
            yield True
            await self._call(
                "INSERT INTO settings (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING true",
                (JOB_SETTING.format(name), started.isoformat()),
            )
        finally:
            await self._release(key)

    async def _start(self, key: int, name: str, every: timedelta) -> datetime | None:
        """When this process took the job (the database's clock); None: not this time."""
        try:
            if not await self._try(key):
                return None  # another process is running it
            if await self._due(name, every):
                return await self._call("SELECT now()")
        except StorageUnavailable as error:
            log.warning("job %s skipped: %s", name, error)
        await self._release(key)
        return None

    async def _wait_for(self, key: int) -> bool:
        """The turn, once no other process holds it. False: the database cannot be reached,
        so the update goes on without a turn (its writes will fail and say so kindly)."""
        pause = FIRST_PAUSE_S
        try:
            while not await self._try(key):
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_S)
        except StorageUnavailable as error:
            log.warning("taking turns across workers is not possible now: %s", error)
            return False
        return True

    async def _try(self, key: int) -> bool:
        return await self._call("SELECT pg_try_advisory_lock(%s)", (key,))

    async def _release(self, key: int) -> None:
        with suppress(StorageUnavailable):  # the session is gone, and its locks with it
            await self._call("SELECT pg_advisory_unlock(%s)", (key,))

    async def _due(self, name: str, every: timedelta) -> bool:
        return await self._call(
            "SELECT coalesce(max(value::timestamptz) <= now() - %s, true) "
            "FROM settings WHERE key = %s",
            (every * DUE_FRACTION, JOB_SETTING.format(name)),
        )

    async def _call(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        """The one value of one statement on this process's own connection, connecting
        again once if it was lost (a lost session has released its locks already)."""
        async with self._using:
            with database_errors(self._url):
                try:
                    return await self._once(sql, parameters)
                except psycopg.OperationalError:
                    self._db = None
                    return await self._once(sql, parameters)

    async def _once(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        if self._db is None or self._db.closed or self._db.broken:
            self._db = await connect(self._url)
        cursor = await self._db.execute(sql, parameters)
        (value,) = await cursor.fetchone()
        return value
