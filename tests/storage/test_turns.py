"""Turns on the writing connection: statements side by side, a transaction alone."""

from __future__ import annotations

import asyncio

from bot.storage.sqlite.turns import Turns


async def hold(turn, log: list[str], name: str, until: asyncio.Event) -> None:
    async with turn:
        log.append(f"{name} in")
        await until.wait()
        log.append(f"{name} out")


async def test_statements_run_side_by_side() -> None:
    turns, log, go = Turns(), [], asyncio.Event()
    tasks = [asyncio.create_task(hold(turns.statement(), log, f"s{n}", go)) for n in range(3)]
    await asyncio.sleep(0.01)
    assert log == ["s0 in", "s1 in", "s2 in"]
    go.set()
    await asyncio.gather(*tasks)


async def test_no_statement_runs_inside_a_transaction() -> None:
    turns, log = Turns(), []
    first, transaction, later = asyncio.Event(), asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(hold(turns.statement(), log, "s1", first))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(hold(turns.transaction(), log, "t", transaction))
    await asyncio.sleep(0.01)
    # A statement that arrives while the transaction waits goes after it.
    arriving = asyncio.create_task(hold(turns.statement(), log, "s2", later))
    await asyncio.sleep(0.01)
    assert log == ["s1 in"]
    first.set()
    await asyncio.sleep(0.01)
    assert log == ["s1 in", "s1 out", "t in"]
    later.set()
    await asyncio.sleep(0.01)
    assert "s2 in" not in log, "a statement ran inside the transaction"
    transaction.set()
    await asyncio.gather(running, waiting, arriving)
    assert log[-2:] == ["s2 in", "s2 out"]


async def test_a_transaction_that_gives_up_lets_statements_go() -> None:
    turns, log = Turns(), []
    busy, done = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(hold(turns.statement(), log, "s1", busy))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(hold(turns.transaction(), log, "t", done))
    await asyncio.sleep(0.01)
    arriving = asyncio.create_task(hold(turns.statement(), log, "s2", done))
    await asyncio.sleep(0.01)
    assert "s2 in" not in log, "the waiting transaction goes first"
    waiting.cancel()
    await asyncio.sleep(0.01)
    assert "s2 in" in log
    busy.set()
    done.set()
    await asyncio.gather(running, arriving)
