"""Databases of earlier versions of the SQLCipher backend keep working once migrated: rows
written as the code of that time wrote them get what later migrations added."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from bot.engine.ages import WHOLE_AUDIENCE
from bot.evaluation.data import Filters
from bot.storage.sqlite import database
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.database import load_migrations, open_database
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY, Clock

AGE_BANDS = ("16_17", "18_19", "20_plus", "unsaid")
STEPS = {
    "a": (("go", "direct", "helpful"), ("wait", "none", "harmful")),
    "b": (("call", "delegate", "helpful"), ("film", "document", "partly")),
}


async def test_an_existing_database_gets_its_run_counts_when_migrated(
    db_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs recorded before migration 005 get their answers and first plays from it."""
    before_tallies = [m for m in database.load_migrations() if m.version < 5]
    monkeypatch.setattr(database, "load_migrations", lambda: before_tallies)
    old = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await old.initialize()
    rng = random.Random(5)
    async with old.session() as db:  # rows as the code of that time wrote them
        for n in range(30):
            person = f"person-{n % 7}"
            await db.execute(
                "INSERT OR IGNORE INTO users"
                " VALUES (?, 'sv', ?, 'save', '2025-01-01', '2025-01-01')",
                (person, rng.choice(AGE_BANDS)),
            )
            finished = rng.choice([None, "2025-01-02"])
            await db.execute(
                "INSERT INTO runs (user, run_id, scenario_id, version, started_on, finished_on)"
                " VALUES (?, ?, ?, 1, '2025-01-01', ?)",
                (person, f"r{n}", rng.choice(("s1", "s2")), finished),
            )
            for step, options in STEPS.items():
                choice, strategy, assessment = rng.choice(options)
                await db.execute(
                    "INSERT INTO choices (user, run_id, scenario_id, version, step_id, choice_id,"
                    " strategy, assessment, phase, recorded_on)"
                    " SELECT user, run_id, scenario_id, 1, ?, ?, ?, ?, 'during', '2025-01-01'"
                    " FROM runs WHERE user = ? AND run_id = ?",
                    (step, choice, strategy, assessment, person, f"r{n}"),
                )
    await old.close()

    monkeypatch.undo()
    migrated = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await migrated.initialize()
    try:
        report = await SqlCipherEvaluationStore(migrated).report_data(Filters())
        assert sum(s.starts for s in report.scenarios) == 30
        assert sum(s.answers for s in report.steps) == 60
        assert sum(h.total for h in report.helpful) == 60, "each run's answers, per play"
        assert {h.play for h in report.helpful} == {"first", "later"}
    finally:
        await migrated.close()


async def test_migration_007_keeps_folded_rows_and_counts_answers_as_activity(
    db_path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.day = date(2026, 1, 15)
    before = [m for m in database.load_migrations() if m.version < 7]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    old = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await old.initialize()
    async with old.session() as db:  # rows as the code of that time wrote them
        await db.execute("INSERT INTO users VALUES ('p', 'sv', '16_17', 'save', '2024-01-02',"
                         " '2024-01-02')")  # fmt: skip
        await db.execute("INSERT INTO measure_answers VALUES ('p', 's1', 'T3', 'efficacy', 4,"
                         " '2025-02-03')")  # fmt: skip
        await db.execute("INSERT INTO choice_aggregates VALUES ('2023-05', 's1', 'a', 'good',"
                         " 'delegate', 'helpful', 'during', NULL, '16_17', 1, 7, 6)")  # fmt: skip
        await db.execute("INSERT INTO run_aggregates VALUES ('2023-05', 's1', NULL, '16_17',"
                         " 7, 6, 6)")  # fmt: skip
        await db.execute("INSERT INTO measure_pair_archive VALUES ('2023-05', 's1', 'efficacy',"
                         " 'T1-T2', 2, 4)")  # fmt: skip
    await old.close()
    monkeypatch.undo()

    migrated = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await migrated.initialize()
    try:
        data = await migrated.describe_user("p")
        assert data.last_activity == date(2025, 2, 3), "the late answer was activity"
        report = await SqlCipherEvaluationStore(migrated).report_data(Filters(scenario="s1"))
        assert [(c.answers, c.participants) for c in report.choices] == [(7, 6)]
        assert [(s.starts, s.completions) for s in report.scenarios] == [(7, 6)]
        assert len(report.measures) == 1
    finally:
        await migrated.close()


async def test_a_class_made_before_classes_had_an_age_counts_as_13_to_19(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bystander.db"
    before = [m for m in load_migrations() if m.version < 11]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    db = await open_database(path, KEY)
    await db.execute(
        "INSERT INTO classes (owner, name, code, created_on, expires_on)"
        " VALUES ('worker', '9A', 'code-9a', '2025-01-01', '2030-01-01')"
    )
    await db.commit()
    await db.close()
    monkeypatch.undo()

    store = SqlCipherStore(path, KEY)
    await store.initialize()
    [old] = await SqlCipherClassStore(store).classes_of("worker")
    assert old.name == "9A" and old.age == WHOLE_AUDIENCE
    await store.close()
