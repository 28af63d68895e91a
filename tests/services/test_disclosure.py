"""The live class view's disclosure rules, as pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.services.disclosure import Tally, next_release, rounded_progress, shown_counts

K = 5
CHOICES = ["a", "b", "c", "d"]


def test_nothing_is_released_before_k_answers() -> None:
    assert next_release(None, Tally.of({"a": 2, "b": 2}), K) is None
    assert next_release(None, Tally.of({"a": 3, "b": 2}), K) == Tally.of({"a": 3, "b": 2})


def test_a_release_stays_until_k_more_have_answered() -> None:
    first = Tally.of({"a": 3, "b": 2})
    assert next_release(first, Tally.of({"a": 6, "b": 3}), K) is None
    assert next_release(first, Tally.of({"a": 5, "b": 5}), K) is not None


def test_a_small_group_of_one_mind_is_never_released() -> None:
    assert next_release(None, Tally.of({"a": 9}), K) is None
    assert next_release(None, Tally.of({"a": 10}), K) is not None, "2K and more may be"
    earlier = Tally.of({"a": 3, "b": 2})
    assert next_release(earlier, Tally.of({"a": 8, "b": 2}), K) is None, "five newcomers, all a"
    assert next_release(earlier, Tally.of({"a": 7, "b": 3}), K) is not None


def test_small_cells_are_hidden_and_never_alone() -> None:
    assert shown_counts(Tally.of({"a": 10, "b": 6, "c": 0}), ["a", "b", "c"], K) == {
        "a": 10,
        "b": 6,
        "c": 0,
    }
    assert shown_counts(Tally.of({"a": 10, "b": 6, "c": 2}), ["a", "b", "c"], K) == {
        "a": 10,
        "b": None,
        "c": None,
    }
    assert shown_counts(Tally.of({"a": 3, "b": 2}), ["a", "b"], K) == {"a": None, "b": None}


def test_progress_counts_move_in_steps_of_k() -> None:
    assert [rounded_progress(n, K) for n in (0, 1, 4, 5, 9, 10, 24)] == [
        0,
        None,
        None,
        5,
        5,
        10,
        20,
    ]


@given(st.lists(st.sampled_from(CHOICES), max_size=60), st.integers(3, 6))
def test_every_shown_number_is_zero_or_at_least_k_and_no_hidden_cell_stands_alone(
    answers: list[str], k: int
) -> None:
    released = None
    for n in range(1, len(answers) + 1):
        current = Tally.of({c: answers[:n].count(c) for c in CHOICES if c in answers[:n]})
        new = next_release(released, current, k)
        if new is None:
            continue
        assert new.total - (released.total if released else 0) >= k
        released = new
        shown = shown_counts(new, CHOICES, k)
        assert all(v is None or v == 0 or v >= k for v in shown.values())
        assert sum(v is None for v in shown.values()) != 1
