"""Reports of one month by class add up exactly to the report of everybody, whatever happens
to the data: a count that did not (a person in two classes counted in each) could be
subtracted to single that person out."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.evaluation.data import Filters, ReportData
from bot.storage import ChoiceRecord, Profile
from bot.storage.sqlite import database
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY, Clock

AGE_BANDS = ("16_17", "18_19", "20_plus", "unsaid")
STEPS = {
    "a": (("go", "direct", "helpful"), ("wait", "none", "harmful")),
    "b": (("call", "delegate", "helpful"), ("film", "document", "partly")),
}
COUNTED = ("scenarios", "choices", "steps", "strategies", "helpful")


def comparable(data: ReportData) -> dict[str, list]:
    return {name: sorted(map(repr, getattr(data, name))) for name in (*COUNTED, "groups")}


def split(row: object) -> tuple[tuple, tuple[int, ...]]:
    """A report row's key (its texts) and its counts."""
    values = astuple(row)
    return (
        tuple(v for v in values if not isinstance(v, int)),
        tuple(v for v in values if isinstance(v, int)),
    )


def summed(reports: list[ReportData], tables: tuple[str, ...] = COUNTED) -> dict[tuple, list]:
    """Each count of the reports summed over the reports, by table and row key."""
    sums: dict[tuple, list[int]] = {}
    for report in reports:
        for table in tables:
            for row in getattr(report, table):
                key, counts = split(row)
                sums[(table, *key)] = [
                    a + b
                    for a, b in zip(sums.get((table, *key), [0] * len(counts)), counts, strict=True)
                ]
    return {key: counts for key, counts in sums.items() if any(counts)}


async def assert_classes_add_up(store: SqlCipherStore, first: date, last: date) -> ReportData:
    """Every count of the month: the classes' reports and the report of the runs outside
    classes add up to everybody's; each class's row in everybody's report equals the
    class's own report (whose age bands split the same people)."""
    evaluation = SqlCipherEvaluationStore(store)
    dated = {"since": first, "until": last}
    everybody = await evaluation.report_data(Filters(**dated))
    classes = {c: await evaluation.report_data(Filters(**dated, class_id=c))
               for c in await evaluation.classes_with_runs(first, last)}  # fmt: skip
    unclassed = await evaluation.report_data(Filters(**dated, unclassed=True))
    assert summed([unclassed, *classes.values()]) == summed([everybody])
    rows = {g.group: split(g)[1] for g in everybody.groups if g.dimension == "class"}
    for class_id, report in classes.items():
        own = summed([report], ("groups",))
        bands = [counts for key, counts in own.items() if key[1] == "age_band"]
        name = next(g for g in rows if g.endswith(f" #{class_id}"))
        assert [sum(column) for column in zip(*bands, strict=True)] == list(rows.pop(name))
    assert not rows, "a class row without a class report"
    return everybody


class Simulation:
    """Random people playing, replaying, changing age band, joining classes, deleting their
    data, classes disappearing with their owner, and retention folding old runs."""

    def __init__(self, store: SqlCipherStore, clock: Clock, rng: random.Random) -> None:
        self.store, self.clock, self.rng = store, clock, rng
        self.classes = SqlCipherClassStore(store)
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
        await SqlCipherEvaluationStore(self.store).purge(
            self.clock.day - timedelta(days=40), dry_run=False
        )
        # People without activity since before the cutoff expired with their data.
        self.people = [p for p in self.people if await self.store.get_profile(p)]


@pytest.mark.parametrize("seed", range(6))
async def test_classes_add_up_to_everybody_through_any_history(
    store: SqlCipherStore, clock: Clock, seed: int
) -> None:
    start = clock.day.replace(day=1)
    simulation = Simulation(store, clock, random.Random(seed))
    for _ in range(120):
        await simulation.step()
    counted = 0
    while start <= clock.day:
        following = (start + timedelta(days=31)).replace(day=1)
        everybody = await assert_classes_add_up(store, start, following - timedelta(days=1))
        counted += len(everybody.choices)
        start = following
    assert counted, "the history produced no choices to compare"


async def test_a_person_in_two_classes_counts_in_the_first(
    store: SqlCipherStore, clock: Clock
) -> None:
    simulation = Simulation(store, clock, random.Random(1))
    await simulation.new_class()
    await simulation.new_class()
    person = await simulation.new_person()
    first, second = simulation.class_ids
    for class_id in (first, second, None):
        simulation.serial += 1
        run = {"scenario": "s1", "version": 1, "run": f"r{simulation.serial}", "at": "a"}
        await store.start_run(person, run | {"path": [], "finished": False}, class_id)
    evaluation = SqlCipherEvaluationStore(store)
    month = {"since": clock.day.replace(day=1), "until": clock.day}
    assert await evaluation.classes_with_runs(month["since"], month["until"]) == [first]
    in_first = await evaluation.report_data(Filters(**month, class_id=first))
    assert [(s.participants, s.starts) for s in in_first.scenarios] == [(1, 3)]
    assert (await evaluation.report_data(Filters(**month, class_id=second))).scenarios == []
    assert (await evaluation.report_data(Filters(**month, unclassed=True))).scenarios == []
    await assert_classes_add_up(store, month["since"], month["until"])


async def test_deleting_everyone_leaves_no_counts(store: SqlCipherStore, clock: Clock) -> None:
    simulation = Simulation(store, clock, random.Random(99))
    for _ in range(40):
        await simulation.play()
    for person in list(simulation.people):
        await store.delete_user(person)
    empty = await SqlCipherEvaluationStore(store).report_data(Filters())
    assert comparable(empty) == comparable(ReportData(filters=Filters()))
    assert await table_rows(store, "runs") == await table_rows(store, "choices") == 0


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


async def table_rows(store: SqlCipherStore, table: str) -> int:
    async with store.session() as db:
        (count,) = await (await db.execute(f"SELECT count(*) FROM {table}")).fetchone()
    return count
