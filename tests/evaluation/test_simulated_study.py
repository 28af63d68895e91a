"""A simulated class study through the report: classes with their own change, students with
theirs, answers on the 1–5 scale, drop-outs before T2 and most people never answering T3.
The report's clustered intervals cover the change the simulation builds in, at about their
nominal rate, for both T1→T2 and T1→T3."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from bot.content.catalog import Catalog
from bot.evaluation.data import Filters, MeasurePair, MeasurePeople, ReportData
from bot.evaluation.report import build_report
from bot.evaluation.stats import paired_change

from .conftest import K
from .test_eval_report import tables

ITEM = "intent-check-in"
CHANGE = {"T1-T2": 0.5, "T1-T3": 0.25}  # built into the study, before rounding to the scale
DROPPED_BEFORE_T2, ANSWERS_T3 = 0.2, 0.35


@dataclass(frozen=True)
class Student:
    class_label: int
    person: int
    latent: float  # where they stand before, on a continuous version of the scale
    class_change: float  # the class's own departure from the built-in change


def answer(latent: float) -> int:
    return min(5, max(1, round(latent)))


def study(rng: random.Random) -> list[MeasurePair]:
    """12 classes of 12–25 students: every class its own change (SD 0.5), every answer its
    own noise (SD 0.6)."""
    classes = [(rng.randint(12, 25), rng.gauss(0, 0.5)) for _ in range(12)]
    students = [
        Student(label, label * 100 + n, rng.gauss(2.6, 0.7), class_change)
        for label, (size, class_change) in enumerate(classes)
        for n in range(size)
    ]
    pairs = []
    for s in students:
        if rng.random() < DROPPED_BEFORE_T2:
            continue
        before = answer(s.latent + rng.gauss(0, 0.6))
        for comparison, change in CHANGE.items():
            if comparison == "T1-T3" and rng.random() > ANSWERS_T3:
                continue
            after = answer(s.latent + change + s.class_change + rng.gauss(0, 0.6))
            pairs.append(MeasurePair(ITEM, comparison, before, after, s.class_label, s.person))
    return pairs


def expected_change(rng: random.Random, comparison: str) -> float:
    """The change the simulation builds in, as the scale's rounding shows it: the mean over
    a population far larger than any study."""
    total = 0
    draws = 200_000
    for _ in range(draws):
        latent, class_change = rng.gauss(2.6, 0.7), rng.gauss(0, 0.5)
        before = answer(latent + rng.gauss(0, 0.6))
        after = answer(latent + CHANGE[comparison] + class_change + rng.gauss(0, 0.6))
        total += after - before
    return total / draws


def report_intervals(pairs: list[MeasurePair], catalog: Catalog) -> dict[str, tuple]:
    people = Counter((p.comparison, p.person_label) for p in pairs)
    counted = Counter(comparison for comparison, _ in people)
    measure_people = [MeasurePeople(ITEM, c, n, 0, n) for c, n in counted.items()]
    data = ReportData(Filters(), measures=pairs, measure_people=measure_people)
    report = build_report(data, catalog, "en", K)
    intervals = {}
    for table in tables(report, "change"):
        comparison = table.context[0][1].value
        cells = {c.key: cell for c, cell in zip(table.columns, table.rows[0], strict=True)}
        intervals[comparison] = (cells["ci_low"].value, cells["ci_high"].value)
    return intervals


def test_a_simulated_class_study_is_covered_by_the_report_s_intervals(catalog: Catalog) -> None:
    truth = {c: expected_change(random.Random(1), c) for c in CHANGE}
    rng, replications = random.Random(17), 60
    covered, naive = Counter(), Counter()
    for _ in range(replications):
        pairs = study(rng)
        for comparison, (low, high) in report_intervals(pairs, catalog).items():
            covered[comparison] += low <= truth[comparison] <= high
            plain = paired_change(
                [(p.before, p.after) for p in pairs if p.comparison == comparison]
            )
            naive[comparison] += plain.ci_low <= truth[comparison] <= plain.ci_high
    for comparison in CHANGE:
        # 95 % intervals from 12 clusters cover near 0.95 of the time; the naive interval,
        # as if every pair were independent, far less in a study of classes like this one.
        assert covered[comparison] / replications >= 0.85, comparison
        assert naive[comparison] / replications < 0.85, "the simulation has no class effect"
