"""Two writers for the same person at once (PlayerStore): two saves of one run, a deletion
during a save. Each runs within one process and across two handles on the same data, as two
processes of the bot have. Nothing is lost or doubled, and the only error is the contract's:
a save after the deletion finds an unknown person."""

from __future__ import annotations

import asyncio

import pytest

from bot.evaluation.data import Filters
from bot.storage import UnknownUser
from bot.storage.ports import Storage

from ..conftest import choice, profile, run_state
from .conftest import Rows

USER = "c" * 64
ROUNDS = 10


@pytest.fixture(params=["one process", "two processes"])
def other_writer(request, storage: Storage) -> Storage:
    """Who writes at the same time as `storage`: itself, or a second process."""
    return storage if request.param == "one process" else request.getfixturevalue("second_process")


async def test_two_saves_of_one_run_are_both_kept_once(
    storage: Storage, other_writer: Storage
) -> None:
    await storage.players.save_profile(profile(USER))
    await storage.players.start_run(USER, run_state())
    for step in range(0, 2 * ROUNDS, 2):
        saved = [run_state(steps=step + n + 1) for n in range(2)]
        await asyncio.gather(
            *(
                writer.players.save_progress(USER, state, choice(step=step + n), False)
                for n, (writer, state) in enumerate(
                    zip((storage, other_writer), saved, strict=True)
                )
            )
        )
        assert await storage.players.get_active_run(USER) in saved, "one of the two states"

    assert (await storage.players.describe_user(USER)).choices == 2 * ROUNDS
    report = await storage.reports.report_data(Filters())
    assert sum(s.answers for s in report.steps) == 2 * ROUNDS
    assert sum(h.total for h in report.helpful) == 2 * ROUNDS, "each counted in the tally once"
    assert {s.step_id for s in report.steps} == {f"step{n}" for n in range(2 * ROUNDS)}


@pytest.mark.parametrize("first", ["save", "delete"])
async def test_a_deletion_during_a_save_leaves_nothing(
    storage: Storage, other_writer: Storage, rows: Rows, first: str
) -> None:
    for round_ in range(ROUNDS):
        run_id = f"run{round_:03d}"
        await storage.players.save_profile(profile(USER))
        await storage.players.start_run(USER, run_state(run_id))
        save = storage.players.save_progress(
            USER, run_state(run_id, steps=1), choice(run_id), finished=round_ % 2 == 0
        )
        delete = other_writer.players.delete_user(USER)
        results = await asyncio.gather(
            *((save, delete) if first == "save" else (delete, save)), return_exceptions=True
        )

        saved, removed = results if first == "save" else results[::-1]
        assert saved is None or isinstance(saved, UnknownUser), saved
        # The profile, the run and the active (or finished) run, and the choice if saved.
        assert removed == (3 if isinstance(saved, UnknownUser) else 4)
        assert await rows.holding(USER) == {}, round_
        assert await storage.players.describe_user(USER) is None
    report = await storage.reports.report_data(Filters())
    assert report.steps == [] and report.scenarios == []


async def test_a_deletion_during_a_start_leaves_nothing(
    storage: Storage, other_writer: Storage, rows: Rows
) -> None:
    for round_ in range(ROUNDS):
        await storage.players.save_profile(profile(USER))
        start = storage.players.start_run(USER, run_state(f"run{round_:03d}"))
        results = await asyncio.gather(
            other_writer.players.delete_user(USER), start, return_exceptions=True
        )
        removed, started = results
        # Started first: the profile, the run and the active run; else only the profile.
        assert (removed, started) == (3, None) or (
            removed == 1 and isinstance(started, UnknownUser)
        ), results
        assert await rows.holding(USER) == {}, round_
