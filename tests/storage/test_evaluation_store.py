"""Report queries and retention over the encrypted store, on hand-made data."""

from __future__ import annotations

from datetime import date

import pytest

from bot.evaluation.data import Filters
from bot.storage import ChoiceRecord, Profile
from bot.storage.sqlite import evaluation as evaluation_store
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import Clock


async def play(store: SqlCipherStore, user: str, run_id: str, picks, *, finish=True, class_id=None):
    """One run of scenario s1: each pick is (step, choice, strategy, assessment)."""
    run = {"scenario": "s1", "version": 1, "run": run_id, "at": "x", "path": [], "finished": False}
    await store.start_run(user, run, class_id)
    for n, (step, choice, strategy, assessment) in enumerate(picks):
        last = finish and n == len(picks) - 1
        record = ChoiceRecord(run_id, "s1", 1, step, choice, strategy, assessment, "during")
        await store.save_progress(user, run, record, last)


async def seed(store: SqlCipherStore, users: int, prefix: str, class_id=None) -> None:
    for n in range(users):
        user = f"{prefix}{n}"
        await store.save_profile(Profile(user, "sv", "16_17" if n % 2 else "18_19", "save"))
        helpful = n % 3 != 0
        pick = ("a", "good", "delegate", "helpful") if helpful else ("a", "bad", "none", "harmful")
        await play(store, user, "r1", [pick, ("b", "ok", "delay", "helpful")], class_id=class_id)
        await play(store, user, "r2", [("a", "good", "delegate", "helpful")], finish=False)


async def test_report_counts_people_runs_and_first_versus_later_play(store: SqlCipherStore) -> None:
    await seed(store, 6, "u")
    data = await SqlCipherEvaluationStore(store).report_data(Filters())
    (scenario,) = data.scenarios
    assert (scenario.participants, scenario.starts, scenario.completions) == (6, 12, 6)
    step_a = next(s for s in data.steps if s.step_id == "a")
    assert (step_a.participants, step_a.answers) == (6, 12)
    helpful = {h.play: (h.helpful, h.total) for h in data.helpful}
    assert helpful == {"first": (10, 12), "later": (6, 6)}
    strategies = {s.strategy: s.answers for s in data.strategies}
    assert strategies == {"delegate": 10, "none": 2, "delay": 6}
    ages = {g.group: g.participants for g in data.groups if g.dimension == "age_band"}
    assert ages == {"16_17": 3, "18_19": 3}


async def test_filters_by_class_and_period(store: SqlCipherStore, clock: Clock) -> None:
    record = await SqlCipherClassStore(store).create_class(
        "owner", "8B", "code123456", date(2030, 1, 1)
    )
    await seed(store, 5, "in-class-", class_id=record.id)
    clock.day = date(2025, 6, 1)
    await seed(store, 3, "later-")
    evaluation = SqlCipherEvaluationStore(store)
    in_class = await evaluation.report_data(Filters(class_id=record.id))
    assert in_class.scenarios[0].participants == 5
    assert {g.group for g in in_class.groups if g.dimension == "class"} == {f"8B #{record.id}"}
    summer = await evaluation.report_data(Filters(since=date(2025, 5, 1)))
    assert summer.scenarios[0].participants == 3


async def test_measure_pairs_carry_no_identity(store: SqlCipherStore) -> None:
    evaluation = SqlCipherEvaluationStore(store)
    await store.save_profile(Profile("p", "sv", "16_17", "save"))
    await play(store, "p", "r1", [("a", "good", "delegate", "helpful")])
    for wave, value in (("T1", 2), ("T2", 4), ("T3", 5)):
        await evaluation.record_answer("p", "s1", wave, "efficacy", value)
    await evaluation.record_answer("p", "s1", "T1", "efficacy", 1)  # a double tap: ignored
    await evaluation.record_answer("p", "s1", "T1", "help-friend", 0)  # skipped: no pair
    await evaluation.record_answer("p", "s1", "T2", "help-friend", 3)
    pairs = (await evaluation.report_data(Filters())).measures
    assert {(m.item_id, m.comparison, m.before, m.after) for m in pairs} == {
        ("efficacy", "T1-T2", 2, 4),
        ("efficacy", "T1-T3", 2, 5),
    }


OLD = 15


@pytest.mark.parametrize("batch", [evaluation_store.PURGE_BATCH_PEOPLE, 2])
async def test_purge_folds_old_events_so_reports_do_not_change(
    store: SqlCipherStore, clock: Clock, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(evaluation_store, "PURGE_BATCH_PEOPLE", batch)  # 2: many batches
    evaluation = SqlCipherEvaluationStore(store)
    clock.day = date(2024, 2, 10)
    await seed(store, OLD, "old-")  # enough people that no folded group is under K
    for n in range(OLD):
        await evaluation.record_answer(f"old-{n}", "s1", "T1", "efficacy", 2)
        await evaluation.record_answer(f"old-{n}", "s1", "T2", "efficacy", 4)
    clock.day = date(2025, 3, 1)
    for n in range(OLD):  # still active (they changed a setting), so their profiles stay
        await store.save_profile(Profile(f"old-{n}", "en", "16_17" if n % 2 else "18_19", "save"))
    await seed(store, 4, "new-")
    before = await evaluation.report_data(Filters())
    old_period = Filters(until=date(2024, 12, 31))
    before_old = await evaluation.report_data(old_period)

    dry = await evaluation.purge(date(2025, 1, 1), dry_run=True)
    # The second run of each old user is still in progress: it is neither folded nor removed.
    assert (dry.choices, dry.runs, dry.measure_answers) == (2 * OLD, OLD, 2 * OLD)
    assert (dry.profiles, dry.small_groups) == (0, 0)
    assert await evaluation.report_data(Filters()) == before, "a dry run changes nothing"

    await evaluation.purge(date(2025, 1, 1), dry_run=False)
    after = await evaluation.report_data(Filters())
    # Answers add up exactly; distinct people can only be summed per month and group, so
    # after folding `participants` is an upper bound (documented in docs/evaluation.md).
    answers = lambda rows: sorted((r.step_id, r.choice_id, r.answers) for r in rows)  # noqa: E731
    assert answers(after.choices) == answers(before.choices)
    assert sorted((r.strategy, r.answers) for r in after.strategies) == sorted(
        (r.strategy, r.answers) for r in before.strategies
    )
    assert sorted(map(repr, after.measures)) == sorted(map(repr, before.measures))
    assert after.scenarios[0].completions == before.scenarios[0].completions
    assert (await evaluation.purge(date(2025, 1, 1), dry_run=True)).choices == 0
    old_year = await evaluation.report_data(old_period)
    assert old_year.scenarios[0].starts == before_old.scenarios[0].starts == 2 * OLD
    assert old_year.scenarios[0].completions == OLD, "old periods come from the aggregates"
