"""Turns on the one writing connection: single statements side by side, transactions alone.

A statement sent on its own is a transaction by itself, and the connection's thread runs
calls one after another, so any number of single statements can be queued at once. A
transaction of several statements (BEGIN … COMMIT) spans several calls: nothing else may
be queued in between, or it would become part of that transaction. A transaction that is
waiting goes before statements that arrive after it, so a steady stream of statements
cannot keep it waiting forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._statements = 0  # single statements under way
        self._transaction = False  # a transaction under way
        self._waiting = 0  # transactions waiting for their turn

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._transaction and not self._waiting)
            self._statements += 1
        try:
            yield
        finally:
            async with self._changed:
                self._statements -= 1
                self._changed.notify_all()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._changed:
            self._waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._transaction and not self._statements)
            finally:
                self._waiting -= 1
                self._changed.notify_all()  # statements may go again if this one gave up
            self._transaction = True
        try:
            yield
        finally:
            async with self._changed:
                self._transaction = False
                self._changed.notify_all()
