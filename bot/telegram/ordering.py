"""Serve different conversations at once, each conversation's updates strictly in order.

A conversation is a private chat (its person) or a group chat (the whole group, so that
group play can rely on it). Its updates are handled one at a time, first come first
served: a double tap is handled after the first tap, never beside it.

Why not PTB's own limit: `BaseUpdateProcessor.process_update` holds PTB's shared
semaphore (`max_concurrent_updates`) for the whole of `do_process_update`, including the
time an update only waits for its conversation's turn. One person sending hundreds of
updates then filled every shared slot with updates waiting for that one person, and
everyone else waited for the flood. So PTB's semaphore is made too large to ever bind,
waiting for a turn takes no shared slot, and this class bounds only the work: an update
takes one of `max_working` slots when its turn has come, for as long as it is handled.
A conversation therefore never holds more than one working slot.

A flood is cut short: at most `max_waiting` updates wait behind the one being handled.
Anything beyond that is dropped as it arrives: its coroutine is closed unstarted, so no
handler runs and the database is never touched for it. A dropped button press is not
answered either, so that person's button shows its progress indicator until their app
gives up. That is on purpose: answering each dropped press would spend a Bot API call
(and Telegram's flood allowance) on the flooder for every flooded update, which is the
load the cap is there to shed, and nobody tapping at a human pace gets near the cap
(20 waiting by default).

Drops are logged as counts only, never an id, a name or text: the first at once, the rest
at most once a minute for all conversations together (so at most once per conversation
per minute, and a crowd of flooders cannot flood the log either).

Memory stays bounded: a conversation's state exists only while it has an update in hand,
and is removed as soon as its queue is empty.

Several workers (processes sharing one PostgreSQL database, each receiving any update):
when a conversation's turn has come here, it also takes the conversation's turn across
processes (bot.storage.ports.Coordination.turn) before it takes a working slot, and holds
it while the update is handled. So a double tap that reaches two workers is handled one
tap after the other, as in one process, and the second finds its button stale. Waiting for
it takes no working slot and no pooled database connection. The flood cap is per process:
with N workers a flood has at most N × `max_waiting` updates waiting.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable
from contextlib import nullcontext
from typing import Any

from telegram import Chat, Update
from telegram.ext import BaseUpdateProcessor

from bot.storage.ports import Coordination

log = logging.getLogger(__name__)

# PTB's own semaphore must never make an update wait: waiting is done per conversation.
PTB_SLOTS = 1 << 30
GROUP_CHATS = (Chat.GROUP, Chat.SUPERGROUP)
DROP_LOG_INTERVAL_S = 60.0


def conversation_of(update: object) -> int | None:
    """The chat id of a group chat, else the person's user id; None for neither.

    Group and supergroup chat ids are negative and user ids positive, so they never meet.
    """
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is not None and chat.type in GROUP_CHATS:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class PerUserOrder(BaseUpdateProcessor):
    """Per-conversation FIFO queues outside PTB's shared limit, and a bounded working pool.

    `max_working` updates are handled at once at most (all conversations together);
    `max_waiting` updates at most wait behind the one a conversation has in hand, the
    rest are dropped. Updates without a person or a group chat skip the queues but still
    take a working slot.
    """

    def __init__(
        self,
        max_working: int = 64,
        max_waiting: int = 20,
        *,
        drop_log_interval: float = DROP_LOG_INTERVAL_S,
        coordination: Coordination | None = None,
    ) -> None:
        super().__init__(PTB_SLOTS)
        self._across_processes = coordination  # None: one process, nothing to share
        if max_working < 1 or max_waiting < 0:
            raise ValueError("max_working must be at least 1 and max_waiting not negative")
        self.max_working = max_working
        self.max_waiting = max_waiting
        self.dropped = 0  # updates dropped since start, for tests, benchmarks and metrics
        self.handled = 0  # updates handled since start (with or without an error)
        self._working = asyncio.Semaphore(max_working)
        # A conversation with an update in hand -> the turns of those waiting behind it.
        self._queues: dict[int, deque[asyncio.Future[None]]] = {}
        self._log_interval = drop_log_interval
        self._unlogged = 0  # drops not logged yet
        self._log_after = float("-inf")  # loop time before which no further line is written
        self._log_timer: asyncio.TimerHandle | None = None

    @property
    def conversations(self) -> int:
        """Conversations with an update in hand (each has state only while it does)."""
        return len(self._queues)

    def room(self, key: int) -> int:
        """How many more updates the conversation can take now (bot/telegram/shedding.py)."""
        queue = self._queues.get(key)
        return self.max_waiting + 1 if queue is None else self.max_waiting - len(queue)

    @property
    def waiting(self) -> int:
        """Updates waiting for their conversation's turn, in all conversations."""
        return sum(len(queue) for queue in self._queues.values())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # Nothing before the first await: updates enter here in the order PTB fetched them.
        key = conversation_of(update)
        if key is None:
            await self._work(coroutine)
            return
        queue = self._queues.get(key)
        if queue is None:
            self._queues[key] = deque()  # free: this update has the turn at once
        elif len(queue) >= self.max_waiting:
            self._drop(coroutine)
            return
        else:
            turn = asyncio.get_running_loop().create_future()
            queue.append(turn)
            try:
                await turn
            except BaseException:  # cancelled while waiting, e.g. at shutdown
                _close(coroutine)
                if turn.done() and not turn.cancelled():
                    self._pass_turn(key)  # the turn had come: hand it on
                elif turn in queue:
                    queue.remove(turn)
                raise
        try:
            await self._work_in_turn(key, coroutine)
        finally:
            self._pass_turn(key)

    async def _work_in_turn(self, key: int, coroutine: Awaitable[Any]) -> None:
        """The conversation's turn across processes too, then the work."""
        started = False
        try:
            shared = self._across_processes
            async with shared.turn(key) if shared else nullcontext():
                started = True
                await self._work(coroutine)
        finally:
            if not started:  # cancelled (at shutdown) while waiting for the turn
                _close(coroutine)

    async def _work(self, coroutine: Awaitable[Any]) -> None:
        try:
            await self._working.acquire()
        except BaseException:
            _close(coroutine)
            raise
        try:
            await coroutine
        finally:
            self._working.release()
            self.handled += 1

    def _pass_turn(self, key: int) -> None:
        """The next waiting update of this conversation goes on; none: forget it."""
        queue = self._queues[key]
        while queue:
            turn = queue.popleft()
            if not turn.done():  # a cancelled waiter is skipped
                turn.set_result(None)
                return
        del self._queues[key]

    def _drop(self, coroutine: Awaitable[Any]) -> None:
        _close(coroutine)
        self.note_dropped(1)

    def note_dropped(self, count: int) -> None:
        """Count and log drops, also those shed before parsing (shedding.py)."""
        self.dropped += count
        self._unlogged += count
        if self._log_timer is not None:
            return  # a line with this count is due already
        loop = asyncio.get_running_loop()
        if loop.time() >= self._log_after:
            self._log_drops(
                "dropped %d update(s): a conversation already had %d waiting (a flood?); "
                "further drops are logged at most once a minute"
            )
        else:
            self._log_timer = loop.call_at(self._log_after, self._log_drops)

    def _log_drops(
        self, message: str = "dropped %d more update(s) from conversations with %d waiting"
    ) -> None:
        self._log_timer = None
        if self._unlogged:
            log.warning(message, self._unlogged, self.max_waiting)
            self._unlogged = 0
            self._log_after = asyncio.get_running_loop().time() + self._log_interval

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._log_timer is not None:
            self._log_timer.cancel()
        self._log_drops()  # what the timer would have written


def _close(coroutine: Awaitable[Any]) -> None:
    """Discard an update's handling unstarted, without a 'never awaited' warning."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
