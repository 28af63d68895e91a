"""The live class view's disclosure rules, as pure functions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.class_view import Release, Tally, next_release, rounded_progress, shown_counts

K = 5
CHOICES = ["a", "b", "c", "d"]


def release(counts: dict[str, int], history: list[Release] | None = None) -> Release | None:
    return next_release(history or [], Tally.of(counts), CHOICES, K)


def test_nothing_is_released_before_k_answers() -> None:
    assert release({"a": 2, "b": 2}) is None
    first = release({"a": 3, "b": 2})
    assert first.tally == Tally.of({"a": 3, "b": 2})
    assert first.shown == {"a": None, "b": None, "c": 0, "d": 0}


def test_a_release_stays_until_k_more_have_answered() -> None:
    first = release({"a": 3, "b": 2})
    assert release({"a": 6, "b": 3}, [first]) is None
    assert release({"a": 5, "b": 5}, [first]) is not None


def test_a_small_group_of_one_mind_is_released_with_every_count_hidden() -> None:
    everything_hidden = dict.fromkeys(CHOICES)
    assert release({"a": 9}).shown == everything_hidden, "not even the zeros"
    assert release({"a": 5, "b": 4}).shown == everything_hidden, "as an ordinary split may look"
    assert release({"a": 10}).shown == {"a": 10, "b": 0, "c": 0, "d": 0}, "2K and more may be"
    first = release({"a": 3, "b": 2})
    assert release({"a": 3, "b": 2, "c": 5}, [first]).shown == everything_hidden, (
        "five newcomers, all c"
    )


def test_a_class_all_of_one_mind_is_shown_once_2k_agree() -> None:
    history: list[Release] = []
    for n in range(1, 21):
        new = release({"a": n}, history)
        if new is not None:
            history.append(new)
    assert [r.shown["a"] for r in history] == [None, 10, 15, 20]
    assert history[0].shown == dict.fromkeys(CHOICES)


def test_newcomers_of_one_mind_are_hidden_even_where_every_count_is_large() -> None:
    """After c = 6 was shown, c = 11 would tell that the five newcomers all chose c."""
    first = release({"a": 6, "b": 6, "c": 6})
    second = release({"a": 6, "b": 6, "c": 11}, [first])
    assert second.shown["c"] is None
    assert second.shown == dict.fromkeys(CHOICES)


def test_a_count_pinned_between_two_releases_is_hidden_in_the_later_one() -> None:
    """b shown as 6 before and after c's hidden release would tell c exactly."""
    first = release({"a": 6, "b": 6})
    assert first.shown == {"a": 6, "b": 6, "c": 0, "d": 0}
    second = release({"a": 8, "b": 6, "c": 3}, [first])
    assert second.shown["c"] is None and second.shown["b"] is None
    third = release({"a": 10, "b": 6, "c": 3, "d": 5}, [first, second])
    assert third.shown["b"] is None, "b = 6 again would pin c at 3 in the second release"


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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(CHOICES), max_size=60), st.integers(3, 6))
def test_every_shown_number_is_zero_or_at_least_k_and_no_hidden_cell_stands_alone(
    answers: list[str], k: int
) -> None:
    history: list[Release] = []
    for n in range(1, len(answers) + 1):
        current = Tally.of({c: answers[:n].count(c) for c in CHOICES if c in answers[:n]})
        new = next_release(history, current, CHOICES, k)
        if new is None:
            continue
        assert new.tally.total - (history[-1].tally.total if history else 0) >= k
        history.append(new)
        shown = new.shown
        assert all(v is None or v == 0 or v >= k for v in shown.values())
        assert sum(v is None for v in shown.values()) != 1
        hidden = [c for c in CHOICES if shown[c] is None]
        assert not hidden or sum(new.tally.counts.get(c, 0) for c in hidden) >= k
