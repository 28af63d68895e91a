"""An evaluator's report never stalls a player: it reads on a read-only connection of its
own, and every number in it comes from one consistent state of the database."""

from __future__ import annotations

import asyncio

import pytest

from bot.evaluation.data import Filters
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import choice, profile, run_state

PLAYER = "p" * 64


class PausedAfterFirstQuery:
    """The report's connection, holding the report after its first query until released."""

    def __init__(self, db) -> None:
        self._db = db
        self.queries = 0
        self.paused = asyncio.Event()
        self.release = asyncio.Event()

    async def execute_fetchall(self, *args):
        if self.queries == 1:
            self.paused.set()
            await self.release.wait()
        self.queries += 1
        return await self._db.execute_fetchall(*args)


async def test_a_player_saves_while_a_report_is_being_read(
    store: SqlCipherStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.save_profile(profile(PLAYER))
    await store.start_run(PLAYER, run_state("r1"))
    await store.save_progress(PLAYER, run_state("r1", steps=1), choice("r1", 0), False)

    held: list[PausedAfterFirstQuery] = []
    report_data = SqlCipherEvaluationStore._report_data

    async def paused_report_data(db, *args):
        held.append(PausedAfterFirstQuery(db))
        return await report_data(held[0], *args)

    monkeypatch.setattr(SqlCipherEvaluationStore, "_report_data", staticmethod(paused_report_data))
    report = asyncio.create_task(SqlCipherEvaluationStore(store).report_data(Filters()))
    try:
        await asyncio.wait_for(asyncio.shield(_paused(held)), timeout=10)
        # The report is in the middle of its queries. The player's next choice is saved,
        # and the player reads back their own game as it is now.
        saved = run_state("r1", steps=2)
        await asyncio.wait_for(
            store.save_progress(PLAYER, saved, choice("r1", 1), False), timeout=2
        )
        assert await store.get_active_run(PLAYER) == saved
        assert not report.done()
    finally:
        if held:
            held[0].release.set()
    data = await asyncio.wait_for(report, timeout=10)
    monkeypatch.undo()
    # One snapshot: the choice saved meanwhile is in no part of the report.
    assert data.scenarios[0].starts == 1
    assert sum(step.answers for step in data.steps) == 1
    assert sum(c.answers for c in data.choices) == 1
    assert sum(h.total for h in data.helpful) == 1
    later = await SqlCipherEvaluationStore(store).report_data(Filters())
    assert sum(step.answers for step in later.steps) == 2


async def _paused(held: list[PausedAfterFirstQuery]) -> None:
    while not held:
        await asyncio.sleep(0.01)
    await held[0].paused.wait()
