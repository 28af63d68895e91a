"""A youth worker who refreshes the live class view after every single tap, and solves
everything they saw together, never learns one student's answer.

The one exception the rules allow is written out: a group of at least 2K students who all
chose the same option may be shown as such, and then each of them is known to have chosen it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.privacy.class_view import Release, Tally, next_release
from privacy.attacker import Attacker


def watch_every_tap(answers: list[str], choices: list[str], k: int) -> tuple[Attacker, list[int]]:
    """The attacker's notes from a refresh after every answer; and the release totals."""
    attacker = Attacker()
    for slot in range(len(answers)):
        attacker.observe_exactly_one([(slot, c) for c in choices])
    history: list[Release] = []
    for n in range(1, len(answers) + 1):
        current = Tally.of({c: answers[:n].count(c) for c in choices})
        new = next_release(history, current, choices, k)
        if new is None:
            continue
        history.append(new)
        # The release covers the first `total` answers: the worker saw each of them arrive.
        for choice, shown in new.shown.items():
            if shown is not None:
                attacker.observe([(slot, choice) for slot in range(n)], shown)
    return attacker, [release.tally.total for release in history]


def allowed_group(answers: list[str], totals: list[int], target: int, k: int) -> bool:
    """Whether the target is among at least 2K answers of one mind between two releases
    (or since the start): the one group the rules let the view show as such."""
    points = [0, *totals]
    return any(
        start <= target < end and end - start >= 2 * k and len(set(answers[start:end])) == 1
        for i, start in enumerate(points)
        for end in points[i + 1 :]
    )


def classes() -> st.SearchStrategy[tuple[list[str], list[str]]]:
    """Choices, and the class's answers in arrival order. Answers come in runs of one
    choice, as in a room where friends answer alike: that is where the view is tested."""
    return st.integers(2, 4).flatmap(
        lambda n: st.tuples(
            st.just([f"c{i}" for i in range(n)]),
            st.lists(
                st.tuples(st.sampled_from([f"c{i}" for i in range(n)]), st.integers(1, 8)),
                max_size=8,
            ).map(lambda runs: [choice for choice, length in runs for _ in range(length)][:30]),
        )
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes(), st.integers(3, 5), st.data())
def test_refreshing_after_every_tap_never_tells_one_answer(class_answers, k, data) -> None:
    choices, answers = class_answers
    if not answers:
        return
    attacker, totals = watch_every_tap(answers, choices, k)
    target = data.draw(st.integers(0, len(answers) - 1), label="target")
    small = attacker.disclosed_small_cells(
        {(total, c): [(slot, c) for slot in range(total)] for total in totals for c in choices},
        k,
    )
    assert small == [], f"a count of 1..K-1 can be worked out: {small}"
    learned = attacker.target_choice({c: [(target, c)] for c in choices})
    if learned is not None:
        assert learned == answers[target]
        assert allowed_group(answers, totals, target, k), (
            f"the view told answer #{target} ({learned}) of {answers} at releases {totals}"
        )


def test_the_old_view_told_the_answer_of_a_watched_tap() -> None:
    """The attacker is strong enough: counts shown after every tap give the answer away."""
    answers = ["c0", "c1"] * 5 + ["c1"]
    attacker = Attacker()
    for slot in range(len(answers)):
        attacker.observe_exactly_one([(slot, c) for c in ("c0", "c1")])
    for n in (10, 11):
        for choice in ("c0", "c1"):
            attacker.observe([(s, choice) for s in range(n)], answers[:n].count(choice))
    assert attacker.target_choice({c: [(10, c)] for c in ("c0", "c1")}) == "c1"


def test_five_newcomers_of_one_mind_are_released_with_every_count_hidden() -> None:
    answers = ["c0", "c1"] * 5 + ["c0"] * 5
    attacker, totals = watch_every_tap(answers, ["c0", "c1"], 5)
    assert totals == [5, 10, 15], "on time: a missing release would be a signal too"
    assert attacker.target_choice({c: [(12, c)] for c in ("c0", "c1")}) is None
