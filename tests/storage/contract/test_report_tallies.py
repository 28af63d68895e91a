"""Report tallies through any history (ReportStore): after random people playing, replaying,
deleting their data, retention and role changes, the tallies a backend keeps per run
(answers, helpful answers) equal the counts of the raw choices in every scope, and reports of
one month by class add up exactly to the report of everybody: a count that did not (a person
in two classes counted in each) could be subtracted to single that person out."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import date, timedelta

import pytest

from bot.evaluation.data import Filters, ReportData
from bot.storage import ChoiceRecord, Profile
from bot.storage.ports import Storage
from bot.storage.records import EVALUATOR, MENTOR, YOUTH_WORKER

from .conftest import Clock, Rows

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


def assert_tallies_match_choices(report: ReportData) -> None:
    """The run tallies (helpful shares, groups) count exactly the choices the report counts
    from their rows (steps, choices, strategies)."""
    answers = sum(c.answers for c in report.choices)
    helpful = sum(c.answers for c in report.choices if c.assessment == "helpful")
    assert sum(s.answers for s in report.steps) == answers
    assert sum(s.answers for s in report.strategies) == answers
    assert (sum(h.helpful for h in report.helpful), sum(h.total for h in report.helpful)) == (
        helpful, answers
    ), "the tallies of the runs"  # fmt: skip
    in_classes = [g for g in report.groups if g.dimension == "class"]
    assert sum(g.answers for g in in_classes) <= answers
    assert all(0 <= g.helpful <= g.answers for g in report.groups)


async def assert_classes_add_up(storage: Storage, first: date, last: date) -> ReportData:
    """Every count of the month: the classes' reports and the report of the runs outside
    classes add up to everybody's; each class's row in everybody's report equals the
    class's own report (whose age bands split the same people); in each of them the
    tallies match the choices."""
    reports = storage.reports
    dated = {"since": first, "until": last}
    everybody = await reports.report_data(Filters(**dated))
    class_ids = await reports.classes_with_runs(first, last)
    scopes = [Filters(**dated, unclassed=True), *(Filters(**dated, class_id=c) for c in class_ids)]
    unclassed, *in_classes = await reports.report_scopes(scopes)
    classes = dict(zip(class_ids, in_classes, strict=True))
    for report in (everybody, unclassed, *in_classes):
        assert_tallies_match_choices(report)
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
    data, gaining and losing staff roles, classes disappearing with their owner, and
    retention folding old runs (unless told not to). It counts the choices it makes, to
    compare while nothing was folded or merged away."""

    def __init__(
        self, storage: Storage, clock: Clock, rng: random.Random, *, retention: bool = True
    ) -> None:
        self.storage, self.clock, self.rng = storage, clock, rng
        self.retention = retention
        self.people: list[str] = []
        self.owners: dict[int, str] = {}  # class id -> its youth worker
        self.answers: dict[str, int] = {}  # choices made by each person still kept
        self.serial = 0

    async def step(self) -> None:
        action = self.rng.choices(
            (self.play, self.replay, self.new_person, self.change_age_band, self.delete_person,
             self.new_class, self.delete_class_owner, self.change_role, self.next_month,
             self.purge),
            weights=(12, 3, 3, 2, 1, 1, 1, 2, 2, 1),
        )[0]  # fmt: skip
        await action()

    async def new_person(self) -> str:
        person = await self.new_profile()
        self.people.append(person)
        return person

    async def new_profile(self) -> str:
        self.serial += 1
        person = f"person-{self.serial}"
        band = self.rng.choice(AGE_BANDS)
        await self.storage.players.save_profile(Profile(person, "sv", band, "save"))
        return person

    async def play(self, replay_of: list | None = None) -> None:
        person = self.rng.choice(self.people) if self.people else await self.new_person()
        self.serial += 1
        scenario = self.rng.choice(("s1", "s2"))
        run_id = f"r{self.serial}"
        run = {"scenario": scenario, "version": 1, "run": run_id, "at": "a", "path": []}
        if replay_of is not None:
            run["replay_of"] = replay_of
        class_id = self.rng.choice([None, *self.owners])
        await self.storage.players.start_run(person, run | {"finished": False}, class_id)
        steps = list(STEPS)[: self.rng.randint(0, len(STEPS))]
        for n, step in enumerate(steps):
            choice, strategy, assessment = self.rng.choice(STEPS[step])
            record = ChoiceRecord(run_id, scenario, 1, step, choice, strategy, assessment, "during")
            finished = n == len(STEPS) - 1
            await self.storage.players.save_progress(person, run, record, finished)
            self.answers[person] = self.answers.get(person, 0) + 1

    async def replay(self) -> None:
        await self.play(replay_of=[["a", "go"]])

    async def change_age_band(self) -> None:
        if self.people:
            person = self.rng.choice(self.people)
            band = self.rng.choice(AGE_BANDS)
            await self.storage.players.save_profile(Profile(person, "en", band, "save"))

    async def delete_person(self) -> None:
        if self.people:
            person = self.people.pop(self.rng.randrange(len(self.people)))
            await self.storage.players.delete_user(person)
            self.answers.pop(person, None)

    async def new_class(self) -> None:
        owner = await self.new_profile()  # youth workers do not play here
        self.serial += 1
        record = await self.storage.staff.create_class(
            owner, "8B", f"c{self.serial}", date(2030, 1, 1)
        )
        self.owners[record.id] = owner

    async def delete_class_owner(self) -> None:
        """A youth worker who deletes their data takes their classes with them."""
        if self.owners:
            class_id = next(iter(self.owners))
            await self.storage.players.delete_user(self.owners.pop(class_id))

    async def change_role(self) -> None:
        """Someone who plays becomes staff, or stops being staff."""
        if not self.people:
            return
        person = self.rng.choice(self.people)
        held = [g for g in await self.storage.staff.active_roles() if g.label == person]
        if held:
            await self.storage.staff.revoke_role(held[0].id)
        else:
            role = self.rng.choice((YOUTH_WORKER, EVALUATOR, MENTOR))
            await self.storage.staff.grant_role(person, role, person)

    async def next_month(self) -> None:
        self.clock.day += timedelta(days=31)

    async def purge(self) -> None:
        if not self.retention:
            return
        await self.storage.retention.purge(self.clock.day - timedelta(days=40), dry_run=False)
        # People without activity since before the cutoff expired with their data.
        self.people = [p for p in self.people if await self.storage.players.get_profile(p)]


@pytest.mark.parametrize("seed", range(6))
async def test_tallies_match_choices_and_classes_add_up_through_any_history(
    storage: Storage, clock: Clock, seed: int
) -> None:
    start = clock.day.replace(day=1)
    simulation = Simulation(storage, clock, random.Random(seed))
    for _ in range(120):
        await simulation.step()
    counted = 0
    while start <= clock.day:
        following = (start + timedelta(days=31)).replace(day=1)
        everybody = await assert_classes_add_up(storage, start, following - timedelta(days=1))
        counted += sum(c.answers for c in everybody.choices)
        start = following
    assert counted, "the history produced no choices to compare"


@pytest.mark.parametrize("seed", range(3))
async def test_without_retention_every_choice_kept_is_counted_once(
    storage: Storage, clock: Clock, seed: int
) -> None:
    simulation = Simulation(storage, clock, random.Random(seed), retention=False)
    for _ in range(80):
        await simulation.step()
    report = await storage.reports.report_data(Filters())
    assert_tallies_match_choices(report)
    assert sum(h.total for h in report.helpful) == sum(simulation.answers.values()) > 0
    for person, answers in simulation.answers.items():
        assert (await storage.players.describe_user(person)).choices == answers, person


async def test_a_person_in_two_classes_counts_in_the_first(storage: Storage, clock: Clock) -> None:
    simulation = Simulation(storage, clock, random.Random(1))
    await simulation.new_class()
    await simulation.new_class()
    person = await simulation.new_person()
    first, second = simulation.owners
    for class_id in (first, second, None):
        simulation.serial += 1
        run = {"scenario": "s1", "version": 1, "run": f"r{simulation.serial}", "at": "a"}
        await storage.players.start_run(person, run | {"path": [], "finished": False}, class_id)
    reports = storage.reports
    month = {"since": clock.day.replace(day=1), "until": clock.day}
    assert await reports.classes_with_runs(month["since"], month["until"]) == [first]
    in_first = await reports.report_data(Filters(**month, class_id=first))
    assert [(s.participants, s.starts) for s in in_first.scenarios] == [(1, 3)]
    assert (await reports.report_data(Filters(**month, class_id=second))).scenarios == []
    assert (await reports.report_data(Filters(**month, unclassed=True))).scenarios == []
    await assert_classes_add_up(storage, month["since"], month["until"])


async def test_deleting_everyone_leaves_no_counts(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    simulation = Simulation(storage, clock, random.Random(99))
    for _ in range(40):
        await simulation.play()
    for person in list(simulation.people):
        await storage.players.delete_user(person)
    empty = await storage.reports.report_data(Filters())
    assert comparable(empty) == comparable(ReportData(filters=Filters()))
    for person in simulation.people:
        assert await rows.holding(person) == {}, person
