"""The unfiltered report reads counts that triggers keep up to date (migration 005). Whatever
happens to the data, those counts must equal the same report computed from the raw rows."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.evaluation.data import Filters, ReportData
from bot.storage import ChoiceRecord, Profile, SqlCipherStore, database
from bot.storage.classes import ClassStore
from bot.storage.evaluation import EvaluationStore

from .conftest import KEY, Clock

AGE_BANDS = ("16_17", "18_19", "20_plus", "unsaid")
STEPS = {
    "a": (("go", "direct", "helpful"), ("wait", "none", "harmful")),
    "b": (("call", "delegate", "helpful"), ("film", "document", "partly")),
}
# A filter that matches every run makes the store compute the report from the raw rows.
FROM_RAW_ROWS = Filters(since=date(2000, 1, 1))


def comparable(data: ReportData) -> dict[str, list]:
    return {
        name: sorted(map(repr, getattr(data, name)))
        for name in ("scenarios", "choices", "steps", "strategies", "helpful", "groups")
    }


async def assert_tallies_match_raw_rows(store: SqlCipherStore) -> ReportData:
    evaluation = EvaluationStore(store)
    tallied = await evaluation.report_data(Filters())
    assert comparable(tallied) == comparable(await evaluation.report_data(FROM_RAW_ROWS))
    return tallied


class Simulation:
    """Random people playing, replaying, changing age band, joining classes, deleting their
    data, classes disappearing with their owner, and retention folding old runs."""

    def __init__(self, store: SqlCipherStore, clock: Clock, rng: random.Random) -> None:
        self.store, self.clock, self.rng = store, clock, rng
        self.classes = ClassStore(store)
        self.people: list[str] = []
        self.class_ids: list[int] = []
        self.serial = 0

    async def step(self) -> None:
        action = self.rng.choices(
            (self.play, self.new_person, self.change_age_band, self.delete_person,
             self.new_class, self.delete_class_owner, self.next_month, self.purge),
            weights=(12, 3, 2, 1, 1, 1, 2, 1),
        )[0]  # fmt: skip
        await action()

    async def new_person(self) -> str:
        person = await self.new_profile()
        self.people.append(person)
        return person

    async def new_profile(self) -> str:
        self.serial += 1
        person = f"person-{self.serial}"
        await self.store.save_profile(Profile(person, "sv", self.rng.choice(AGE_BANDS), "save"))
        return person

    async def play(self) -> None:
        person = self.rng.choice(self.people) if self.people else await self.new_person()
        self.serial += 1
        scenario = self.rng.choice(("s1", "s2"))
        run_id = f"r{self.serial}"
        run = {"scenario": scenario, "version": 1, "run": run_id, "at": "a", "path": []}
        class_id = self.rng.choice([None, *self.class_ids])
        await self.store.start_run(person, run | {"finished": False}, class_id)
        steps = list(STEPS)[: self.rng.randint(0, len(STEPS))]
        for n, step in enumerate(steps):
            choice, strategy, assessment = self.rng.choice(STEPS[step])
            record = ChoiceRecord(run_id, scenario, 1, step, choice, strategy, assessment, "during")
            finished = n == len(STEPS) - 1
            await self.store.save_progress(person, run, record, finished)

    async def change_age_band(self) -> None:
        if self.people:
            person = self.rng.choice(self.people)
            band = self.rng.choice(AGE_BANDS)
            await self.store.save_profile(Profile(person, "en", band, "save"))

    async def delete_person(self) -> None:
        if self.people:
            person = self.people.pop(self.rng.randrange(len(self.people)))
            await self.store.delete_user(person)

    async def new_class(self) -> None:
        owner = await self.new_profile()  # youth workers do not play here
        self.serial += 1
        record = await self.classes.create_class(owner, "8B", f"c{self.serial}", date(2030, 1, 1))
        self.class_ids.append(record.id)

    async def delete_class_owner(self) -> None:
        """A youth worker who deletes their data takes their classes with them."""
        if self.class_ids:
            class_id = self.class_ids.pop(0)
            async with self.store.session() as db:
                (owner,) = await (
                    await db.execute("SELECT owner FROM classes WHERE id = ?", (class_id,))
                ).fetchone()
            await self.store.delete_user(owner)

    async def next_month(self) -> None:
        self.clock.day += timedelta(days=31)

    async def purge(self) -> None:
        await EvaluationStore(self.store).purge(self.clock.day - timedelta(days=40), dry_run=False)
        # People without activity since before the cutoff expired with their data.
        self.people = [p for p in self.people if await self.store.get_profile(p)]


@pytest.mark.parametrize("seed", range(6))
async def test_tallies_equal_the_raw_rows_through_any_history(
    store: SqlCipherStore, clock: Clock, seed: int
) -> None:
    simulation = Simulation(store, clock, random.Random(seed))
    for _ in range(120):
        await simulation.step()
    tallied = await assert_tallies_match_raw_rows(store)
    assert tallied.choices, "the history produced no choices to compare"


async def test_deleting_everyone_leaves_no_counts(store: SqlCipherStore, clock: Clock) -> None:
    simulation = Simulation(store, clock, random.Random(99))
    for _ in range(40):
        await simulation.play()
    for person in list(simulation.people):
        await store.delete_user(person)
    empty = await EvaluationStore(store).report_data(Filters())
    assert comparable(empty) == comparable(ReportData(filters=Filters()))


async def test_an_existing_database_gets_its_tallies_when_migrated(
    db_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data recorded before migration 005 is counted by the migration itself."""
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
        tallied = await assert_tallies_match_raw_rows(migrated)
        assert sum(s.starts for s in tallied.scenarios) == 30
        assert sum(s.answers for s in tallied.steps) == 60
    finally:
        await migrated.close()
