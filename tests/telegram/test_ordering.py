"""The update processor on plain asyncio: order within a conversation, no waiting for others.

Coroutines stand in for PTB's handling of an update and are fed as PTB's update fetcher
does (one task per update, in order). Nothing waits a fixed time: a handler that must stay
busy waits for an event, and the test waits for futures.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import warnings
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.telegram.ordering import PTB_SLOTS, PerUserOrder, conversation_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GROUP = -100_123
_ids = iter(range(1, 10**9))


def private(user_id: int) -> Update:
    n = next(_ids)
    user, chat = User(user_id, "Alva", False), Chat(user_id, Chat.PRIVATE)
    return Update(n, message=Message(n, NOW, chat, from_user=user, text="/help"))


def tap(user_id: int) -> Update:
    n = next(_ids)
    user, chat = User(user_id, "Alva", False), Chat(user_id, Chat.PRIVATE)
    message = Message(n, NOW, chat, text="question")
    return Update(n, callback_query=CallbackQuery(str(n), user, "ci", message=message, data="a"))


def in_group(user_id: int, chat_id: int = GROUP) -> Update:
    n = next(_ids)
    user, chat = User(user_id, "Alva", False), Chat(chat_id, Chat.SUPERGROUP)
    return Update(n, message=Message(n, NOW, chat, from_user=user, text="hej"))


class Work:
    """Stand-ins for handling: each records when it starts and ends."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.started: dict[str, asyncio.Future[None]] = {}

    def handle(self, name: str, gate: asyncio.Event | None = None) -> Coroutine[Any, Any, None]:
        self.started[name] = asyncio.get_running_loop().create_future()
        return self._handle(name, gate)

    async def _handle(self, name: str, gate: asyncio.Event | None) -> None:
        self.log.append(f"start {name}")
        self.started[name].set_result(None)
        if gate is not None:
            await gate.wait()
        await asyncio.sleep(0)  # a chance for anything running beside it to show
        self.log.append(f"end {name}")

    def handled(self) -> list[str]:
        return [entry.removeprefix("end ") for entry in self.log if entry.startswith("end ")]


def feed(processor: PerUserOrder, update: object, coroutine: Coroutine) -> asyncio.Task[None]:
    """As PTB's update fetcher does: a task per update, through the final process_update."""
    return asyncio.create_task(processor.process_update(update, coroutine))


async def queued() -> None:
    """Let every task fed so far take its first step (ready tasks run in order)."""
    await asyncio.create_task(asyncio.sleep(0))


async def finish(*tasks: asyncio.Future[Any]) -> None:
    """Wait for tasks; the deadline only turns a hang into a failure."""
    async with asyncio.timeout(10):
        await asyncio.gather(*tasks)


async def test_one_conversation_is_handled_in_order_one_at_a_time() -> None:
    processor, work, gate = PerUserOrder(), Work(), asyncio.Event()
    first = feed(processor, tap(1), work.handle("tap 1", gate))
    double_taps = [feed(processor, tap(1), work.handle(f"tap {n}")) for n in range(2, 7)]
    await work.started["tap 1"]
    await finish(feed(processor, private(2), work.handle("someone else")))
    assert work.log[0] == "start tap 1" and "start tap 2" not in work.log
    assert processor.waiting == 5

    gate.set()
    await finish(first, *double_taps)

    mine = [entry for entry in work.log if "tap" in entry]
    assert mine == [f"{edge} tap {n}" for n in range(1, 7) for edge in ("start", "end")]
    assert processor.conversations == 0


async def test_waiting_updates_take_no_shared_slot() -> None:
    """More updates wait for one person than PTB's 256 slots; someone else is not held up."""
    processor, work, gate = PerUserOrder(max_working=2, max_waiting=400), Work(), asyncio.Event()
    flood = [feed(processor, private(1), work.handle("flood 0", gate))]
    flood += [feed(processor, private(1), work.handle(f"flood {n}")) for n in range(1, 300)]
    await work.started["flood 0"]

    await finish(feed(processor, tap(2), work.handle("other")))

    assert work.handled() == ["other"] and processor.waiting == 299
    assert processor.max_concurrent_updates == PTB_SLOTS
    gate.set()
    await finish(*flood)
    assert work.handled()[1:] == [f"flood {n}" for n in range(300)]
    assert processor.conversations == 0 and processor.dropped == 0


async def test_a_full_queue_drops_the_excess_unstarted_and_others_go_on() -> None:
    processor, work, gate = PerUserOrder(max_waiting=3), Work(), asyncio.Event()
    coroutines = [work.handle("flood 0", gate)] + [work.handle(f"flood {n}") for n in range(1, 9)]
    flood = [feed(processor, tap(1), c) for c in coroutines]
    await work.started["flood 0"]
    await finish(*flood[4:])  # the dropped ones are done at once

    await finish(
        feed(processor, private(2), work.handle("other")),
        feed(processor, in_group(3), work.handle("group")),
    )

    assert sorted(work.handled()) == ["group", "other"]
    assert processor.dropped == 5 and processor.waiting == 3
    gate.set()
    await finish(*flood)
    assert work.handled()[2:] == ["flood 0", "flood 1", "flood 2", "flood 3"]
    assert not any(f"flood {n}" in entry for n in range(4, 9) for entry in work.log)
    for dropped in coroutines[4:]:
        assert inspect.getcoroutinestate(dropped) == inspect.CORO_CLOSED
    assert processor.conversations == 0


async def test_dropped_coroutines_raise_no_never_awaited_warning() -> None:
    processor, gate = PerUserOrder(max_waiting=0), asyncio.Event()
    work = Work()
    first = feed(processor, tap(1), work.handle("first", gate))
    await work.started["first"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await finish(*(feed(processor, tap(1), work.handle(f"drop {n}")) for n in range(5)))
        gc.collect()
    assert processor.dropped == 5
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], caught
    gate.set()
    await finish(first)


async def test_a_group_chat_is_one_conversation() -> None:
    processor, work, gate = PerUserOrder(), Work(), asyncio.Event()
    first = feed(processor, in_group(1), work.handle("group, Alva", gate))
    second = feed(processor, in_group(2), work.handle("group, Bo"))
    await work.started["group, Alva"]
    await finish(
        feed(processor, private(1), work.handle("Alva, privately")),
        feed(processor, in_group(2, chat_id=GROUP - 1), work.handle("Bo, another group")),
    )
    assert "start group, Bo" not in work.log, "another member of the group waits its turn"
    gate.set()
    await finish(first, second)
    assert work.handled()[-2:] == ["group, Alva", "group, Bo"]
    assert conversation_of(in_group(1)) == GROUP
    assert conversation_of(private(1)) == conversation_of(tap(1)) == 1
    assert processor.conversations == 0


async def test_updates_without_person_or_group_run_directly_in_a_working_slot() -> None:
    processor, work, gate = PerUserOrder(max_working=2), Work(), asyncio.Event()
    assert conversation_of(Update(1)) is None and conversation_of("custom") is None
    a = feed(processor, Update(next(_ids)), work.handle("a", gate))
    b = feed(processor, "custom", work.handle("b", gate))
    await asyncio.gather(work.started["a"], work.started["b"])  # beside each other
    third = feed(processor, private(1), work.handle("c"))
    await queued()
    assert processor.conversations == 1  # its turn has come, but no working slot is free
    assert "start c" not in work.log
    gate.set()
    await finish(a, b, third)
    assert work.log[-2:] == ["start c", "end c"]
    assert processor.conversations == 0


async def test_working_slots_bound_the_handling() -> None:
    processor, work, gate = PerUserOrder(max_working=2), Work(), asyncio.Event()
    busy = [feed(processor, private(n), work.handle(f"person {n}", gate)) for n in (1, 2)]
    third = feed(processor, private(3), work.handle("person 3"))
    await asyncio.gather(*(work.started[f"person {n}"] for n in (1, 2)))
    await queued()
    assert "start person 3" not in work.log
    gate.set()
    await finish(*busy, third)
    assert work.handled()[-1] == "person 3"
    assert processor.conversations == 0


async def test_a_cancelled_waiting_update_is_closed_and_the_queue_goes_on() -> None:
    processor, work, gate = PerUserOrder(), Work(), asyncio.Event()
    first = feed(processor, tap(1), work.handle("1", gate))
    cancelled_coroutine = work.handle("2")
    cancelled = feed(processor, tap(1), cancelled_coroutine)
    last = feed(processor, tap(1), work.handle("3"))
    await work.started["1"]
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert inspect.getcoroutinestate(cancelled_coroutine) == inspect.CORO_CLOSED
    gate.set()
    await finish(first, last)
    assert work.handled() == ["1", "3"]
    assert processor.conversations == 0


async def test_an_update_cancelled_as_its_turn_comes_hands_the_turn_on() -> None:
    processor, work, gate = PerUserOrder(), Work(), asyncio.Event()
    first = feed(processor, tap(1), work.handle("1", gate))
    second = feed(processor, tap(1), work.handle("2"))
    last = feed(processor, tap(1), work.handle("3"))
    await work.started["1"]
    pass_turn = processor._pass_turn

    def pass_turn_then_cancel(key: int) -> None:
        pass_turn(key)  # the second update has the turn now, but has not run yet
        second.cancel()

    processor._pass_turn = pass_turn_then_cancel  # type: ignore[method-assign]
    gate.set()
    await first
    processor._pass_turn = pass_turn  # type: ignore[method-assign]
    await finish(last)
    assert second.cancelled() and work.log[-2:] == ["start 3", "end 3"]
    assert "start 2" not in work.log
    assert processor.conversations == 0


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self.arrived.set()


@pytest.fixture
def drop_log() -> Records:
    records = Records()
    logger = logging.getLogger("bot.telegram.ordering")
    logger.addHandler(records)
    yield records
    logger.removeHandler(records)


async def test_drops_are_logged_as_counts_at_most_once_a_minute(drop_log: Records) -> None:
    alva, bo = 7_770_001, 7_770_002
    processor, work, gate = PerUserOrder(max_waiting=1), Work(), asyncio.Event()
    busy = [feed(processor, tap(alva), work.handle("alva 1", gate))]
    busy.append(feed(processor, tap(alva), work.handle("alva 2")))
    busy.append(feed(processor, tap(bo), work.handle("bo 1", gate)))
    busy.append(feed(processor, tap(bo), work.handle("bo 2")))
    await asyncio.gather(work.started["alva 1"], work.started["bo 1"])
    await finish(*(feed(processor, tap(alva), work.handle(f"alva x{n}")) for n in range(7)))
    await finish(*(feed(processor, tap(bo), work.handle(f"bo x{n}")) for n in range(3)))

    assert processor.dropped == 10
    assert len(drop_log.messages) == 1 and "dropped 1 update(s)" in drop_log.messages[0]
    await processor.shutdown()  # writes what the minute's line would have said
    assert len(drop_log.messages) == 2 and "dropped 9 more update(s)" in drop_log.messages[1]
    for text in drop_log.messages:
        assert str(alva) not in text and str(bo) not in text and "Alva" not in text, text
    gate.set()
    await finish(*busy)


async def test_the_drops_of_a_minute_are_logged_when_it_is_over(drop_log: Records) -> None:
    processor = PerUserOrder(max_waiting=0, drop_log_interval=0.01)
    work, gate = Work(), asyncio.Event()
    first = feed(processor, tap(1), work.handle("1", gate))
    await work.started["1"]
    await finish(feed(processor, tap(1), work.handle("drop 1")))
    drop_log.arrived.clear()
    await finish(*(feed(processor, tap(1), work.handle(f"drop {n}")) for n in range(2, 5)))
    async with asyncio.timeout(10):
        await drop_log.arrived.wait()  # the timer's line
    assert [m.split(" update")[0] for m in drop_log.messages] == ["dropped 1", "dropped 3 more"]
    await processor.shutdown()
    assert len(drop_log.messages) == 2, "nothing left to write"
    gate.set()
    await finish(first)


def test_limits_must_be_sensible() -> None:
    with pytest.raises(ValueError):
        PerUserOrder(max_working=0)
    with pytest.raises(ValueError):
        PerUserOrder(max_waiting=-1)
