"""An evaluator who requests every report their role can ask for, and solves all of them
together, never learns one young person's choice or questionnaire answer.

The population is random: a few classes and people outside any class, over two months;
each person answers one step of one scenario, some answer a questionnaire item before
and after, and some answer the follow-up's questions (opportunity, what they did with
several answers, why not). The evaluator receives every report that can be asked of the
two months, for everybody and for each class, with every number in it (the JSON values,
more exact than the text), and knows the target's class and month.

What the rules allow, and the test therefore accepts: a count of at least K people may be
shown even when they all chose the same, so a target inside such a group is known to have
chosen that too.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.catalog import Catalog
from bot.engine.measures import NOTHING, SCALE_POINTS
from bot.evaluation.data import (
    ANSWERED,
    SOMETHING,
    ChoiceCount,
    Filters,
    FollowUpCount,
    GroupCounts,
    HelpfulShare,
    MeasurePair,
    MeasurePeople,
    ReportData,
    ScenarioCounts,
    StepTotal,
    StrategyCount,
)
from bot.evaluation.report import ALL, CLASS_SCOPE, UNCLASSED, Report
from privacy.attacker import Attacker
from privacy.reports import every_report, exact, percent

SCENARIO, STEP = "bus-fight", "stop"
MONTHS = ("2026-08", "2026-09")
NO_CLASS = "none"
LIKERT = (1, 2, 3)
# At follow-up: (opportunity, what they did, why not) as stored, skips ("") included.
FOLLOW_UPS = (
    ("no", (), ()),
    ("unsure", (), ()),
    ("yes", ("direct",), ()),
    ("yes", ("direct", "delegate"), ()),
    ("yes", ("delegate",), ()),
    ("yes", ("nothing",), ("afraid",)),
    ("yes", ("nothing",), ("afraid", "snitch")),
    ("yes", ("nothing",), ()),
    ("yes", (), ()),
)


def follow_up_answers(outcome: int) -> set[tuple[str, str]]:
    """The (question, answer) counts a person with this follow-up is counted in."""
    opportunity, acted, reasons = FOLLOW_UPS[outcome]
    found = {("opportunity", opportunity), ("opportunity", ANSWERED)}
    if opportunity == "yes" and acted:
        found |= {("acted", a) for a in acted} | {("acted", ANSWERED)}
        if set(acted) - {NOTHING}:
            found.add(("acted", SOMETHING))
        if NOTHING in acted and reasons:
            found |= {("reasons", r) for r in reasons} | {("reasons", ANSWERED)}
    return found


ANSWERS = sorted(set().union(*map(follow_up_answers, range(len(FOLLOW_UPS)))))


@dataclass(frozen=True)
class Person:
    group: str  # a class id, or NO_CLASS
    month: str
    choice: str
    finished: bool
    pair: tuple[int, int] | None  # questionnaire answer before and after, if given
    follow_up: int | None  # an index of FOLLOW_UPS, if answered


def people(catalog: Catalog) -> st.SearchStrategy[list[Person]]:
    choices = [c.id for c in catalog.scenarios[SCENARIO].step(STEP).choices]
    person = st.builds(
        Person,
        st.sampled_from(["1", "2", NO_CLASS]),
        st.sampled_from(MONTHS),
        st.sampled_from(choices),
        st.booleans(),
        st.none() | st.tuples(st.sampled_from(LIKERT), st.sampled_from(LIKERT)),
        st.none() | st.integers(0, len(FOLLOW_UPS) - 1),
    )
    # Friends answer alike: repeat a few people so groups of one mind are common.
    return st.lists(st.tuples(person, st.integers(1, 6)), min_size=1, max_size=8).map(
        lambda runs: [p for p, times in runs for _ in range(times)][:30]
    )


def scope_of(person: Person, scope: str) -> bool:
    if scope == ALL:
        return True
    if scope == UNCLASSED:
        return person.group == NO_CLASS
    return person.group == scope.removeprefix(CLASS_SCOPE)


def report_data(catalog: Catalog, crowd: list[Person], scope: str) -> ReportData:
    """What the database would give for these people: one run each."""
    step = catalog.scenarios[SCENARIO].step(STEP)
    members = [p for p in crowd if scope_of(p, scope)]
    n = len(members)
    chosen = Counter(p.choice for p in members)
    helpful = sum(chosen[c.id] for c in step.choices if c.assessment == "helpful")
    strategies = Counter()
    for choice in step.choices:
        strategies[choice.strategy.value] += chosen[choice.id]
    pairs = [p.pair for p in members if p.pair]
    done = sum(p.finished for p in members)
    classes = sorted({p.group for p in members} - {NO_CLASS}) if scope == ALL else []
    in_class = {g: [p for p in members if p.group == g] for g in classes}
    answered = Counter(
        answer
        for p in members
        if p.follow_up is not None
        for answer in follow_up_answers(p.follow_up)
    )
    return ReportData(
        Filters(),
        scenarios=[ScenarioCounts(SCENARIO, n, n, done, done)] if n else [],
        steps=[StepTotal(SCENARIO, STEP, n, n)] if n else [],
        choices=[
            ChoiceCount(
                SCENARIO,
                STEP,
                c.id,
                c.strategy.value,
                c.assessment.value,
                "before",
                chosen[c.id],
                chosen[c.id],
            )
            for c in step.choices
            if chosen[c.id]
        ],
        strategies=[StrategyCount(s, k, k) for s, k in strategies.items() if k],
        helpful=[HelpfulShare("first", helpful, n, n, helpful)] if n else [],
        measures=[MeasurePair("efficacy", "T1-T2", b, a) for b, a in pairs],
        measure_people=[
            MeasurePeople(
                "efficacy",
                "T1-T2",
                len(pairs),
                sum(b == SCALE_POINTS for b, _ in pairs),
                sum(b < SCALE_POINTS for b, _ in pairs),
            )
        ]
        if pairs
        else [],
        groups=[GroupCounts("age_band", "16_17", n, done, helpful, n, done, helpful)] * bool(n)
        + [
            GroupCounts(
                "class",
                f"Klass {g} #{g}",
                len(m),
                sum(p.finished for p in m),
                sum(p.choice in HELPFUL for p in m),
                len(m),
                sum(p.finished for p in m),
                sum(p.choice in HELPFUL for p in m),
            )
            for g, m in in_class.items()
        ],
        follow_ups=[FollowUpCount(q, a, n) for (q, a), n in sorted(answered.items())],
    )


HELPFUL = {"ask-time", "tell-teacher"}


def crowd_reports(catalog: Catalog, crowd: list[Person], k: int) -> dict[tuple[str, str], Report]:
    """Every report an evaluator can ask for: each month, each scope."""
    scopes = [ALL, UNCLASSED, *(f"{CLASS_SCOPE}{g}" for g in sorted({p.group for p in crowd}))]
    scopes = list(dict.fromkeys(s for s in scopes if s != f"{CLASS_SCOPE}{NO_CLASS}"))

    def data_of(period: str, scope: str) -> ReportData:
        return report_data(catalog, [p for p in crowd if p.month == period], scope)

    return every_report(catalog, MONTHS, scopes, data_of, k)


def cells_of(period: str, scope: str, groups: Iterable[str], choices: Iterable[str]) -> list:
    wanted = [g for g in groups if scope == ALL or scope == f"{CLASS_SCOPE}{g}"]
    return [("c", g, period, c, f) for g in wanted for c in choices for f in (0, 1)]


def pairs_of(period: str, scope: str, groups: Iterable[str]) -> list:
    wanted = [g for g in groups if scope == ALL or scope == f"{CLASS_SCOPE}{g}"]
    return [("p", g, period, b, a) for g in wanted for b in LIKERT for a in LIKERT]


def follow_ups_of(period: str, scope: str, groups: Iterable[str], answer: tuple) -> list:
    wanted = [g for g in groups if scope == ALL or scope == f"{CLASS_SCOPE}{g}"]
    outcomes = [i for i in range(len(FOLLOW_UPS)) if answer in follow_up_answers(i)]
    return [("f", g, period, i) for g in wanted for i in outcomes]


def read(attacker: Attacker, catalog: Catalog, report: Report, period: str, scope: str) -> None:
    """Every shown number of one report, as what it says about the atomic cells."""
    step = catalog.scenarios[SCENARIO].step(STEP)
    groups = ["1", "2", NO_CLASS]
    everything = cells_of(period, scope, groups, [c.id for c in step.choices])
    by_label = {c.label.get("en"): [c.id] for c in step.choices}
    by_strategy = {}
    for c in step.choices:
        name = catalog.locales.text("en", f"strategy.{c.strategy.value}")
        by_strategy.setdefault(name, []).append(c.id)
    helpful = [c.id for c in step.choices if c.assessment == "helpful"]
    for section in report.sections:
        for table in section.tables:
            columns = [c.key for c in table.columns]
            for row in table.rows:
                cells = dict(zip(columns, row, strict=True))
                label = row[0].text
                if table.id == "change":
                    observe_change(attacker, cells, pairs_of(period, scope, groups))
                    continue
                if table.id == "follow_up":
                    if not cells["respondents"].suppressed:
                        answer = (table.context[0][1].value, cells["answer_id"].value)
                        counted = follow_ups_of(period, scope, groups, answer)
                        attacker.observe(counted, cells["respondents"].value)
                    continue
                if table.id == "choices":
                    chosen = by_label.get(label)
                elif table.id == "strategies":
                    chosen = by_strategy.get(label)
                else:
                    chosen = None
                if table.id == "groups" and label.startswith("Klass"):
                    group = label.rsplit("#", 1)[1]
                    whole = cells_of(period, ALL, [group], [c.id for c in step.choices])
                else:
                    whole = everything
                for column, cell in cells.items():
                    if cell.suppressed or not isinstance(cell.value, int) or column == "n":
                        continue
                    if chosen is not None and label != "Total":
                        counted = cells_of(period, scope, groups, chosen)
                    elif column == "helpful":
                        counted = [c for c in whole if c[3] in helpful]
                    elif column == "completions":
                        counted = [c for c in whole if c[4]]
                    elif table.id == "helpful" and label == "Later plays":
                        counted = []
                    else:
                        counted = whole
                    attacker.observe(counted, cell.value)


def observe_change(attacker: Attacker, cells: dict, pairs: list) -> None:
    if cells["pairs"].suppressed:
        return
    attacker.observe(pairs, cells["pairs"].value)
    for column, weight in (("mean_before", 3), ("mean_after", 4)):
        low, high = exact(cells[column].value)
        attacker.observe_ratio({p: p[weight] for p in pairs}, pairs, low, high)
    if not cells["ceiling_t1"].suppressed:
        at_top = {p: 1 for p in pairs if p[3] == SCALE_POINTS}
        attacker.observe_ratio(at_top, pairs, *percent(cells["ceiling_t1"].value))


def allowed(crowd: list[Person], target: Person, attribute, k: int) -> bool:
    """Whether a group of at least K... people around the target all share the attribute."""
    value = attribute(target)
    for group_of, month_of in itertools.product(
        (lambda p: p.group == target.group, lambda p: True),
        (lambda p: p.month == target.month, lambda p: True),
    ):
        around = [p for p in crowd if group_of(p) and month_of(p) and attribute(p) is not None]
        if len(around) >= k and all(attribute(p) == value for p in around):
            return True
    return False


# Random on a developer's machine, to keep finding new crowds; the same crowds in CI, so a
# merge is never failed by a crowd its change did not touch. A failure prints the blob for
# @reproduce_failure, and its crowd belongs in FOUND.
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
    print_blob=True,
)
@given(data=st.data(), k=st.sampled_from([3, 5]))
def test_no_combination_of_reports_tells_one_answer(shipped_catalog: Catalog, data, k) -> None:
    crowd = data.draw(people(shipped_catalog), label="people")
    target = crowd[data.draw(st.integers(0, len(crowd) - 1), label="target")]
    assert_nothing_told(shipped_catalog, crowd, target, k)


def crowd_of(*runs: tuple[str, str, int | None, int]) -> list[Person]:
    """People who chose alike and differ only in class, month and follow-up answer."""
    return [
        Person(group, month, "ask-time", False, None, follow_up)
        for group, month, follow_up, times in runs
        for _ in range(times)
    ]


# Crowds the random test once found a leak in: a class of one (or of fewer than K) whose
# follow-up answers were everybody's minus the other class's.
FOUND = [
    crowd_of(("2", "2026-09", 1, 1), ("1", "2026-08", None, 1), ("1", "2026-09", 0, 6),
             ("1", "2026-09", 1, 5)),
    crowd_of(("1", "2026-08", None, 1), ("1", "2026-09", 2, 3), ("1", "2026-09", 5, 1),
             ("2", "2026-09", 5, 3)),
]  # fmt: skip


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("crowd", FOUND, ids=["unsure-alone", "nothing-afraid-three"])
def test_reports_found_leaking_once_tell_nobody(shipped_catalog: Catalog, crowd, k) -> None:
    for target in dict.fromkeys(crowd):
        assert_nothing_told(shipped_catalog, crowd, target, k)


def assert_nothing_told(catalog: Catalog, crowd: list[Person], target: Person, k: int) -> None:
    """Solve every report of the crowd together: no small cell, nothing of the target's
    beyond what a group of at least K sharing it allows."""
    attacker = Attacker()
    step = catalog.scenarios[SCENARIO].step(STEP)
    for group, month in itertools.product(("1", "2", NO_CLASS), MONTHS):
        for choice, finished in itertools.product(step.choices, (0, 1)):
            attacker.unknown(("c", group, month, choice.id, finished))
        for b, a in itertools.product(LIKERT, LIKERT):
            attacker.unknown(("p", group, month, b, a))
        for outcome in range(len(FOLLOW_UPS)):
            attacker.unknown(("f", group, month, outcome))
    for (period, scope), report in crowd_reports(catalog, crowd, k).items():
        read(attacker, catalog, report, period, scope)
    attacker.check()

    atomic = {
        (g, m, c.id): [("c", g, m, c.id, 0), ("c", g, m, c.id, 1)]
        for g in ("1", "2", NO_CLASS)
        for m in MONTHS
        for c in step.choices
    } | {
        (g, m, *answer): follow_ups_of(m, ALL, [g], answer)
        for g in ("1", "2", NO_CLASS)
        for m in MONTHS
        for answer in ANSWERS
    }
    assert attacker.disclosed_small_cells(atomic, k) == []

    # The target is counted in their own class and month; each choice a possibility.
    learned = attacker.target_choice(
        {c.id: [("c", target.group, target.month, c.id, target.finished)] for c in step.choices}
    )
    if learned is not None:
        assert allowed(crowd, target, lambda p: p.choice, k), f"the reports told {target}"
    if target.pair:
        before = attacker.target_value(
            {b: [("p", target.group, target.month, b, a) for a in LIKERT] for b in LIKERT}
        )
        if before is not None:
            assert allowed(crowd, target, lambda p: p.pair and p.pair[0], k), (
                f"the reports told {target}'s answer before"
            )
    if target.follow_up is not None:
        places = ("f", target.group, target.month)
        for question in ("opportunity", "acted"):
            answers = [a for q, a in ANSWERS if q == question and a not in (ANSWERED, SOMETHING)]
            if question not in {q for q, _ in follow_up_answers(target.follow_up)}:
                continue
            told = attacker.target_value(
                {a: [(*places, i) for i in range(len(FOLLOW_UPS))
                     if (question, a) in follow_up_answers(i)] for a in answers}
            )  # fmt: skip
            if told is not None:
                assert allowed(crowd, target, lambda p, q=question: answer_to(p, q), k), (
                    f"the reports told {target}'s {question}"
                )


def answer_to(person: Person, question: str) -> frozenset[str] | None:
    """A person's answers to a follow-up question, if they gave any."""
    if person.follow_up is None:
        return None
    given = {a for q, a in follow_up_answers(person.follow_up) if q == question}
    return frozenset(given - {ANSWERED, SOMETHING}) or None
