"""The attacker is strong enough: it finds every classic disclosure it is shown.

Each test publishes numbers the way a report or the live class view could, and checks that
`Attacker` recovers what a careful reader could: complements, differences of reports, the
live view before and after one tap, secondary suppression defeated by non-negativity,
rounded means. A property test compares the solver with brute force on tiny systems.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Iterable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.attacker import (
    Attacker,
    Disclosure,
    InconsistentObservations,
    rounding_interval,
)

K = 5


def publish(attacker: Attacker, cells: Iterable[Hashable], count: int) -> None:
    """One shown number: the count itself at K or above, else the "fewer than K" marker."""
    if count >= K:
        attacker.observe(cells, count)
    else:
        attacker.observe_range(cells, 0, K - 1)


# --- 1. Complement ------------------------------------------------------------------------


def test_complement_of_a_total_discloses_the_hidden_cell() -> None:
    shown = {"a": 5, "b": 6, "c": 7}  # and "d" is hidden
    attacker = Attacker()
    attacker.observe(["a", "b", "c", "d"], 20)
    for cell, count in shown.items():
        attacker.observe([cell], count)
    attacker.observe_range(["d"], 0, K - 1)  # the "fewer than K" marker

    assert attacker.bounds(["d"]) == (2, 2)
    assert attacker.determined(["d"]) == 2
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == [Disclosure("d", 2, 2)]


def test_without_the_total_the_hidden_cell_is_safe() -> None:
    attacker = Attacker()
    for cell, count in {"a": 5, "b": 6, "c": 7}.items():
        attacker.observe([cell], count)
    attacker.observe_range(["d"], 0, K - 1)

    assert attacker.bounds(["d"]) == (0, 4)
    assert attacker.determined(["d"]) is None
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == []


# --- 2. Differencing two reports --------------------------------------------------------


def class_reports() -> Attacker:
    """Class X's own report hides A (2) and, second, B (6); Y and Z show everything."""
    attacker = Attacker()
    attacker.observe([("X", "A"), ("X", "B")], 8)  # X's participants are shown
    attacker.observe_range([("X", "A")], 0, K - 1)  # "fewer than K"
    attacker.observe_range([("X", "B")], None, None)  # hidden second: nothing known
    for school_class, a, b in (("Y", 5, 7), ("Z", 5, 9)):
        attacker.observe([(school_class, "A")], a)
        attacker.observe([(school_class, "B")], b)
    return attacker


def test_each_class_report_alone_hides_class_x() -> None:
    attacker = class_reports()
    assert attacker.bounds([("X", "A")]) == (0, 4)
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == []


def test_all_classes_report_minus_the_others_discloses_class_x() -> None:
    attacker = class_reports()
    attacker.observe([("X", "A"), ("Y", "A"), ("Z", "A")], 12)  # the all-classes report
    attacker.observe([("X", "B"), ("Y", "B"), ("Z", "B")], 22)

    assert attacker.determined([("X", "A")]) == 2
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == [
        Disclosure(("X", "A"), 2, 2)
    ]


# --- 3. The live view, refreshed around one tap -------------------------------------------


def live_view(releases: dict[int, dict[str, int]], answers: int) -> Attacker:
    """Answer slots 1..answers, each exactly one choice; a release at n shows counts of
    slots 1..n (the view is cumulative, in the order of the taps)."""
    attacker = Attacker()
    for slot in range(1, answers + 1):
        attacker.observe_exactly_one([(slot, "A"), (slot, "B")])
    for n, counts in releases.items():
        for choice, count in counts.items():
            attacker.observe([(slot, choice) for slot in range(1, n + 1)], count)
    return attacker


def slots(first: int, last: int) -> dict[str, list[tuple[int, str]]]:
    return {c: [(slot, c) for slot in range(first, last + 1)] for c in ("A", "B")}


def test_refresh_after_one_tap_discloses_it() -> None:
    attacker = live_view({10: {"A": 5, "B": 5}, 11: {"A": 6, "B": 5}}, answers=11)
    assert attacker.target_choice(slots(11, 11)) == "A"
    assert attacker.target_choice(slots(3, 3)) is None  # an earlier answer stays hidden


def test_view_changing_in_steps_of_k_hides_the_tap() -> None:
    attacker = live_view({10: {"A": 5, "B": 5}, 15: {"A": 7, "B": 8}}, answers=15)
    assert attacker.target_choice(slots(11, 15)) is None
    assert attacker.target_choice(slots(13, 13)) is None


def test_steps_of_k_do_not_hide_a_unanimous_batch() -> None:
    attacker = live_view({10: {"A": 5, "B": 5}, 15: {"A": 10, "B": 5}}, answers=15)
    assert attacker.target_choice(slots(11, 15)) == "A"


# --- 4. Secondary suppression -----------------------------------------------------------

ROWS, COLUMNS = ("X", "Y", "Z"), ("A", "B", "C")


def table(counts: list[list[int]], hidden: set[tuple[str, str]]) -> Attacker:
    """A table with every margin shown and the hidden cells shown as nothing at all."""
    attacker = Attacker()
    for r, row in enumerate(ROWS):
        for c, column in enumerate(COLUMNS):
            if (row, column) not in hidden:
                attacker.observe([(row, column)], counts[r][c])
        attacker.observe([(row, column) for column in COLUMNS], sum(counts[r]))
    for c, column in enumerate(COLUMNS):
        attacker.observe([(row, column) for row in ROWS], sum(line[c] for line in counts))
    return attacker


HIDDEN_BLOCK = {("X", "A"), ("X", "B"), ("Y", "A"), ("Y", "B")}


def test_hidden_block_pinned_by_non_negativity_is_found() -> None:
    # X.A = 3, X.B = 1 and Y.B = 0 are below K; Y.A = 8 is hidden second. Every hidden row
    # and column has two hidden cells, yet Y.B >= 0 bounds Y.A by 8, so X.A >= 11 - 8 = 3,
    # and X.A <= X.A + X.B = 4: X.A is 3 or 4.
    attacker = table([[3, 1, 8], [8, 0, 6], [7, 9, 5]], HIDDEN_BLOCK)
    assert attacker.bounds([("X", "A")]) == (3, 4)
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == [
        Disclosure(("X", "A"), 3, 4)
    ]


def test_hidden_block_with_room_to_move_is_safe() -> None:
    attacker = table([[3, 9, 8], [8, 6, 6], [7, 9, 5]], HIDDEN_BLOCK)
    assert attacker.bounds([("X", "A")]) == (0, 11)
    assert attacker.disclosed_small_cells(attacker.atomic_cells(), K) == []


# --- 5. A questionnaire mean, before and after one answer ---------------------------------

LIKERT = range(1, 6)


def two_mean_reports(before: tuple[int, str], after: tuple[int, str]) -> Attacker:
    """Reports of a Likert item before and after the target answered: (n, shown mean)."""
    earlier = [("earlier", v) for v in LIKERT]
    everyone = [*earlier, *(("target", v) for v in LIKERT)]
    attacker = Attacker()
    attacker.observe_exactly_one([("target", v) for v in LIKERT])
    for cells, (n, mean) in ((earlier, before), (everyone, after)):
        attacker.observe(cells, n)
        values = {cell: cell[1] for cell in cells}
        attacker.observe_ratio(values, cells, *rounding_interval(mean))
    return attacker


def test_two_rounded_means_disclose_the_answer_between_them() -> None:
    # 5 x 3.40 = 17 and 6 x 3.50 = 21 (each the only whole number in its rounding
    # interval): the target answered 21 - 17 = 4.
    attacker = two_mean_reports(before=(5, "3.40"), after=(6, "3.50"))
    assert attacker.target_value({v: [("target", v)] for v in LIKERT}) == 4


def test_coarse_means_of_larger_groups_leave_two_answers_possible() -> None:
    # 20 x [3.35, 3.45] = 67..69 and 21 x [3.45, 3.55] = 73..74: the answer is 4 or 5.
    attacker = two_mean_reports(before=(20, "3.4"), after=(21, "3.5"))
    assert attacker.target_value({v: [("target", v)] for v in LIKERT}) is None
    assert attacker.target_value({"high": [("target", 4), ("target", 5)]}) == "high"


def test_a_rounded_share_pins_its_count() -> None:
    # 42 % of 19 is 41.5 %..42.5 % of 19 = 7.885..8.075: exactly 8.
    attacker = Attacker()
    attacker.observe(["yes", "no"], 19)
    attacker.observe_ratio(["yes"], ["yes", "no"], *rounding_interval("42 %"))
    assert attacker.determined(["yes"]) == 8


def test_rounding_interval_reads_the_decimals_shown() -> None:
    assert rounding_interval("3.50") == (Fraction("3.495"), Fraction("3.505"))
    assert rounding_interval("3,5") == (Fraction("3.45"), Fraction("3.55"))
    assert rounding_interval("42 %") == (Fraction("0.415"), Fraction("0.425"))
    assert rounding_interval("7") == (Fraction("6.5"), Fraction("7.5"))


# --- 6. Contradictions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "contradiction",
    [
        pytest.param(lambda a: (a.observe(["a", "b"], 3), a.observe(["a"], 5)), id="sum"),
        pytest.param(lambda a: a.observe({"a": 2}, 3), id="odd-double"),
        pytest.param(lambda a: a.observe_range(["a"], 0.2, 0.8), id="no-whole-number"),
        pytest.param(lambda a: (a.unknown("a", high=1), a.observe(["a"], 2)), id="bound"),
        pytest.param(lambda a: a.observe([], 1), id="empty-sum"),
        pytest.param(
            lambda a: (a.observe_exactly_one(["a", "b"]), a.observe(["a", "b", "c"], 0)),
            id="exactly-one",
        ),
    ],
)
def test_contradicting_numbers_raise(contradiction) -> None:
    attacker = Attacker()
    contradiction(attacker)
    with pytest.raises(InconsistentObservations):
        attacker.check()
    if attacker.atomic_cells():
        with pytest.raises(InconsistentObservations):
            attacker.bounds(list(attacker.atomic_cells())[:1])


def test_a_target_counted_nowhere_is_a_contradiction() -> None:
    attacker = Attacker()
    attacker.observe(["a", "b"], 0)
    with pytest.raises(InconsistentObservations):
        attacker.target_choice({"A": ["a"], "B": ["b"]})


# --- The API's edges ----------------------------------------------------------------------


def test_unbounded_sum_has_no_upper_bound() -> None:
    attacker = Attacker()
    attacker.observe_range(["a", "b"], 3, None)
    assert attacker.bounds(["a", "b"]) == (3, None)
    assert attacker.bounds(["a"]) == (0, None)
    attacker.observe(["b"], 1)
    assert attacker.bounds(["a"]) == (2, None)


def test_a_key_never_mentioned_is_an_error_not_a_free_cell() -> None:
    attacker = Attacker()
    attacker.observe([("X", "A")], 3)
    with pytest.raises(KeyError):
        attacker.bounds(("X", "A"))  # the key itself, not a collection of keys
    with pytest.raises(TypeError):
        attacker.observe("ab", 1)


def test_a_few_thousand_cells_solve_quickly() -> None:
    """20 classes x 10 months x 5 steps x 3 choices, published three ways (class x step x
    choice, month x step x choice, class x month x step): 3000 unknowns, 1450 rows."""
    keys = list(itertools.product(range(20), range(10), range(5), "abc"))
    truth = {key: (key[0] * 7 + key[1] * 3 + key[2] + ord(key[3])) % 6 for key in keys}
    attacker = Attacker()
    for project in (lambda k: (k[0], k[2], k[3]), lambda k: (k[1], k[2], k[3]), lambda k: k[:3]):
        groups: dict[tuple, list] = {}
        for key in keys:
            groups.setdefault(project(key), []).append(key)
        for cells in groups.values():
            publish(attacker, cells, sum(truth[key] for key in cells))

    started = time.perf_counter()
    attacker.check()
    for key in keys[:3]:
        low, high = attacker.bounds([key])
        assert low <= truth[key] <= (high if high is not None else truth[key])
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"a check and 3 bounds over 3000 cells took {elapsed:.1f} s"


# --- 7. The solver against brute force ----------------------------------------------------


@st.composite
def tiny_systems(draw: st.DrawFn) -> tuple[list[int], list[tuple], list[int], list[list[int]]]:
    """Up to four cells bounded by 0..3, a few observations, a question and groups."""
    n = draw(st.integers(2, 4))
    highs = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    observations = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["exact", "range", "one"]))
        if kind == "one":
            cells = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
            observations.append(("one", cells))
            continue
        coefficients = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
        low = draw(st.integers(-2, 8))
        high = low if kind == "exact" else draw(st.integers(low, 10))
        observations.append((kind, coefficients, low, high))
    question = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n + 1))
    labels = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    groups = [[i for i in range(n) if labels[i] == g] for g in range(3)]
    return highs, observations, question, [group for group in groups if group]


def holds(x: tuple[int, ...], observation: tuple) -> bool:
    if observation[0] == "one":
        return sum(x[i] for i in observation[1]) == 1 and all(x[i] <= 1 for i in observation[1])
    _, coefficients, low, high = observation
    return low <= sum(c * v for c, v in zip(coefficients, x, strict=True)) <= high


@settings(max_examples=120, deadline=None)
@given(tiny_systems())
def test_agrees_with_brute_force(system) -> None:
    highs, observations, question, groups = system
    attacker = Attacker()
    for i, high in enumerate(highs):
        attacker.unknown(i, 0, high)
    for observation in observations:
        if observation[0] == "one":
            attacker.observe_exactly_one(observation[1])
        else:
            _, coefficients, low, high = observation
            cells = {i: c for i, c in enumerate(coefficients)}
            if observation[0] == "exact":
                attacker.observe(cells, low)
            else:
                attacker.observe_range(cells, low, high)

    solutions = [
        x
        for x in itertools.product(*(range(high + 1) for high in highs))
        if all(holds(x, observation) for observation in observations)
    ]
    if not solutions:
        with pytest.raises(InconsistentObservations):
            attacker.check()
        return

    sums = [sum(x[i] for i in question) for x in solutions]
    assert attacker.bounds(question) == (min(sums), max(sums))

    possible = [
        g for g, group in enumerate(groups) if any(sum(x[i] for i in group) for x in solutions)
    ]
    expected = possible[0] if len(possible) == 1 else None
    if possible:
        assert attacker.target_choice(dict(enumerate(groups))) == expected
    else:
        with pytest.raises(InconsistentObservations):
            attacker.target_choice(dict(enumerate(groups)))

    k = 3
    candidates = {**attacker.atomic_cells(), "question": question}
    expected_disclosures = []
    for name, cells in candidates.items():
        values = [sum(x[i] for i in cells) for x in solutions]
        if min(values) >= 1 and max(values) < k:
            expected_disclosures.append(Disclosure(name, min(values), max(values)))
    expected_disclosures.sort(key=lambda disclosure: repr(disclosure.name))
    assert attacker.disclosed_small_cells(candidates, k) == expected_disclosures
