"""Replays in the storage contract (bot.storage.ports): the last finished run is kept to
branch from and forgotten with the person; replay runs are marked, never first plays, and
left out of the class view's first answers."""

from __future__ import annotations

from datetime import date

from bot.evaluation.data import Filters
from bot.storage import ChoiceRecord, Profile
from bot.storage.ports import PlayerStore, Storage
from bot.storage.records import retention_cutoff

from .conftest import Clock, Rows

FIRST = [("a", "tell", "delegate", "helpful"), ("b", "ask", "delay", "helpful")]


def state(run_id: str, path: list, *, finished: bool = False, replay_of=None) -> dict:
    """A run of scenario s1 as the engine stores it (Run.to_json())."""
    run = {"scenario": "s1", "version": 1, "run": run_id, "at": "end" if finished else "b",
           "path": [[step, choice] for step, choice, *_ in path], "finished": finished}  # fmt: skip
    return run if replay_of is None else run | {"replay_of": replay_of}


async def play(store: PlayerStore, user: str, run_id: str, picks: list, *, before=(),
               replay_of=None, class_id=None) -> dict:  # fmt: skip
    """A finished run of s1 that made `before` (not recorded again) and then `picks`."""
    await store.start_run(user, state(run_id, list(before), replay_of=replay_of), class_id)
    path = list(before)
    for n, pick in enumerate(picks):
        path.append(pick)
        last = n == len(picks) - 1
        finished = state(run_id, path, finished=last, replay_of=replay_of)
        record = ChoiceRecord(run_id, "s1", 1, *pick, "during")
        await store.save_progress(user, finished, record, last)
    return finished


async def saver(store: PlayerStore, user: str) -> None:
    await store.save_profile(Profile(user, "sv", "16_17", "save"))


async def replay(store: PlayerStore, user: str, run_id: str = "r2", **kwargs) -> dict:
    """A replay of FIRST from its second step, choosing another option there."""
    return await play(store, user, run_id, [("b", "skip", "none", "partly")], before=FIRST[:1],
                      replay_of=[["a", "tell"], ["b", "ask"]], **kwargs)  # fmt: skip


async def test_the_last_finished_run_is_kept_and_replaced_by_the_next(storage: Storage) -> None:
    store = storage.players
    await saver(store, "u")
    assert await store.get_finished_run("u") is None
    await store.start_run("u", state("r0", []))
    assert await store.get_finished_run("u") is None, "a run in progress is not finished"
    first = await play(store, "u", "r1", FIRST)
    assert await store.get_finished_run("u") == first
    assert await store.get_active_run("u") is None
    again = await replay(store, "u")
    assert await store.get_finished_run("u") == again, "a finished replay can be replayed"


async def test_a_replay_is_never_a_first_play_and_reports_see_a_later_play(
    storage: Storage,
) -> None:
    store = storage.players
    await saver(store, "u")
    await play(store, "u", "r1", FIRST)
    await replay(store, "u")
    await saver(store, "v")
    # Played first without saving: the replay is the only run stored, still not a first play.
    await replay(store, "v", "r9")
    data = await storage.reports.report_data(Filters())
    helpful = {h.play: (h.helpful, h.total) for h in data.helpful}
    assert helpful == {"first": (2, 2), "later": (0, 2)}


async def test_the_class_view_first_answers_leave_replays_out(storage: Storage) -> None:
    store, staff = storage.players, storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", date(2030, 1, 1))
    await saver(store, "u")
    await staff.join_class(record.id, "u")
    left = [FIRST[0], ("c", "leave", "none", "harmful")]
    await play(store, "u", "r1", left, class_id=record.id)
    await replay(store, "u", class_id=record.id)  # reaches step b for the first time
    answers = await staff.step_answers(record.id, "s1")
    assert set(answers) == {"a", "c"}, "step b was only answered in a replay"


async def test_mydata_counts_replays_as_runs_and_delete_forgets_the_finished_run(
    storage: Storage, rows: Rows
) -> None:
    store = storage.players
    await saver(store, "u")
    await play(store, "u", "r1", FIRST)
    await replay(store, "u")
    data = await store.describe_user("u")
    assert (data.runs_started, data.runs_finished, data.choices) == (2, 2, 3)
    assert await store.delete_user("u") == 1 + 2 + 3 + 1  # user, runs, choices, finished run
    assert await store.get_finished_run("u") is None
    assert await rows.holding("u") == {}


async def test_retention_forgets_the_finished_run_with_its_run(
    storage: Storage, clock: Clock
) -> None:
    store = storage.players
    clock.day = date(2024, 3, 5)
    await saver(store, "u")
    await play(store, "u", "r1", FIRST)
    clock.day = date(2025, 6, 1)
    await saver(store, "u")  # still active, so only the old run goes
    clock.day = date(2026, 1, 15)
    await storage.retention.purge(retention_cutoff(clock.day, 12), dry_run=False)
    assert await store.get_profile("u") is not None
    assert await store.get_finished_run("u") is None
