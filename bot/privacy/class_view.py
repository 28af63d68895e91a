"""Disclosure control for the live class view: what a youth worker may see of a class.

A youth worker can watch one student tap and then refresh, and knows who is in the room,
so the view follows three rules (docs/privacy.md explains them):

1. **Released in steps of K.** A step's answers are shown as a *release*: a snapshot that
   stays as it is until at least K more students have answered, so one new answer never
   changes what is shown. Only then is a new release made from all answers so far.
2. **No small cells.** In a release, a choice chosen by 1 to K−1 students is hidden; more
   are hidden, smallest first, until the hidden choices are not one alone and add up to at
   least K (the total gives their sum away). Zero is shown: it says nothing about anybody.
3. **No group all of one mind.** When every student of a group smaller than 2K made the
   same choice (all answers so far, or the students who answered since that choice was
   last shown, whom a before-and-after comparison would tell), the release hides every
   count, zeros too. It still comes on time and looks like many ordinary splits, so
   neither the numbers nor a missing release tell the group was of one mind. A group of
   2K or more all of one mind may be shown as such.

Progress counts (joined, started, finished) are rounded down to a multiple of K, and
below K say only "fewer than K".
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Tally:
    """How many students gave each answer to one step; the true numbers, never shown."""

    total: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Tally:
        return cls(sum(counts.values()), dict(counts))


@dataclass(frozen=True)
class Release:
    """What the view showed of one step from some moment on: each choice's count, None
    where hidden; and the true counts it was made from (for the next release's checks)."""

    tally: Tally
    shown: Mapping[str, int | None]


def may_release(history: Sequence[Release], current: Tally, k: int) -> bool:
    """Rule 1, cheap: whether at least K students answered since the last release."""
    earlier = history[-1].tally if history else Tally(0)
    return current.total - earlier.total >= k


def next_release(
    history: Sequence[Release], current: Tally, choices: list[str], k: int
) -> Release | None:
    """The new release to show, or None to keep showing the last one (rules 1 to 3).

    Each release is audited together with all earlier ones (`_audit`); when together
    they would pin a hidden count or tell a small group of one mind, more is hidden, and
    when nothing helps, no release."""
    if not may_release(history, current, k):
        return None
    if of_one_mind(history, current, choices, k):
        # Everything hidden, zeros too: the release then looks like many ordinary splits.
        shown: dict[str, int | None] = dict.fromkeys(choices)
    else:
        shown = shown_counts(current, choices, k)
    while True:
        release = Release(current, shown)
        if _audit([*history, release], choices, k):
            return release
        visible = [c for c in choices if shown[c] is not None]
        if not visible:
            return None
        smallest = min(visible, key=lambda c: (shown[c], choices.index(c)))
        shown = {**shown, smallest: None}


def of_one_mind(history: Sequence[Release], current: Tally, choices: list[str], k: int) -> set[str]:
    """Choices that every one of fewer than 2K students made since the choice was last
    shown (or since the start): showing them now would tell each of those students. Not
    when those students belong to 2K or more who all made it: that may be shown."""
    points = [Tally(0), *(r.tally for r in history), current]
    found = set()
    for choice in choices:
        start = max(
            (j + 1 for j, r in enumerate(history) if r.shown[choice] is not None), default=0
        )
        end = len(points) - 1
        if _all_chose(points[start], current, choice) and not _covered(
            points, start, end, choice, k
        ):
            found.add(choice)
    return found


def _all_chose(since: Tally, until: Tally, choice: str) -> bool:
    """Whether every student who answered between the two tallies made `choice`."""
    newcomers = until.total - since.total
    grown = until.counts.get(choice, 0) - since.counts.get(choice, 0)
    return newcomers > 0 and grown == newcomers


def _covered(points: Sequence[Tally], start: int, end: int, choice: str, k: int) -> bool:
    """Whether the students between points[start] and points[end] are part of 2K or more,
    between two points, who all made `choice` (such a group may be shown as one)."""
    return any(
        points[e].total - points[s].total >= 2 * k and _all_chose(points[s], points[e], choice)
        for s in range(start + 1)
        for e in range(end, len(points))
    )


def shown_counts(release: Tally, choices: list[str], k: int) -> dict[str, int | None]:
    """Each choice's count as shown, None where hidden (rule 2).

    Hidden choices are never one alone and never add up to fewer than K: since the total
    is shown, their sum can always be worked out, so it must protect as much as one cell.
    More are hidden, smallest first, until that holds."""
    counts = {choice: release.counts.get(choice, 0) for choice in choices}
    hidden = {choice for choice, n in counts.items() if 0 < n < k}
    others = sorted(
        (choice for choice in choices if choice not in hidden),
        key=lambda choice: (counts[choice], choices.index(choice)),
    )
    while hidden and others and (len(hidden) == 1 or sum(counts[c] for c in hidden) < k):
        hidden.add(others.pop(0))
    return {choice: None if choice in hidden else n for choice, n in counts.items()}


def rounded_progress(count: int, k: int) -> int | None:
    """A progress count rounded down to a multiple of K; None for 1 to K−1."""
    if count == 0:
        return 0
    if count < k:
        return None
    return count - count % k


def _audit(history: Sequence[Release], choices: list[str], k: int) -> bool:
    """Whether the releases together leave every hidden count, and every sum of hidden
    counts of one release, free to be 0 or at least K; and never tell that a group of
    fewer than 2K students were all of one mind.

    A watcher knows each release's total, its shown counts, and that counts only grow
    from one release to the next; everything else is unknown. Exact integer programming
    over that (as an auditor in official statistics would), so what passes here is what a
    watcher solving all releases together cannot pin down either. A few variables per
    release: milliseconds each."""
    import numpy as np  # scipy and numpy load on the first release, not at start-up
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, width = len(history), len(choices)
    cell = {(j, c): j * width + i for j in range(n) for i, c in enumerate(choices)}
    low, high = np.zeros(n * width), np.zeros(n * width)
    for j, release in enumerate(history):
        for c in choices:
            shown = release.shown[c]
            low[cell[j, c]] = shown or 0
            high[cell[j, c]] = release.tally.total if shown is None else shown
    # Each release's counts add up to its total; from one release to the next they grow,
    # by at most the number of newcomers (finite bounds also keep HiGHS's presolve exact).
    matrix = np.zeros((n + (n - 1) * width, n * width))
    lows, highs = [r.tally.total for r in history], [r.tally.total for r in history]
    for j in range(n):
        matrix[j, [cell[j, c] for c in choices]] = 1
    for row, (j, c) in enumerate(itertools.product(range(n - 1), choices), start=n):
        matrix[row, cell[j + 1, c]], matrix[row, cell[j, c]] = 1, -1
        lows.append(0)
        highs.append(history[j + 1].tally.total - history[j].tally.total)
    constraints = LinearConstraint(matrix, lows, highs)

    def smallest(objective: np.ndarray) -> float:
        found = milp(objective, constraints=constraints, integrality=np.ones(n * width),
                     bounds=Bounds(low, high))  # fmt: skip
        return round(found.fun) if found.success else np.nan  # nan: unsure, so unsafe

    for j, release in enumerate(history):
        hidden = [c for c in choices if release.shown[c] is None]
        for size in range(1, len(hidden) + 1):
            for group in itertools.combinations(hidden, size):
                objective = np.zeros(n * width)
                objective[[cell[j, c] for c in group]] = 1
                if not (-smallest(-objective) >= k or smallest(objective) <= 0):
                    return False
    return all(
        smallest(growth) < newcomers
        for growth, newcomers in _small_groups_of_one_mind(history, choices, k, cell, n * width)
    )


def _small_groups_of_one_mind(
    history: Sequence[Release], choices: list[str], k: int, cell: Mapping, size: int
) -> Iterator[tuple[np.ndarray, int]]:
    """For each group of fewer than 2K students between two releases (or since the start)
    who all made one choice, and are not part of 2K or more who did: that choice's growth
    over the group, as an objective, and the group's size. A watcher knows they were of
    one mind when the growth cannot be smaller."""
    import numpy as np

    points = [Tally(0), *(r.tally for r in history)]
    for end in range(1, len(points)):
        for start in range(end):
            newcomers = points[end].total - points[start].total
            for c in choices:
                if newcomers >= 2 * k or not _all_chose(points[start], points[end], c):
                    continue
                if _covered(points, start, end, c, k):
                    continue
                growth = np.zeros(size)
                growth[cell[end - 1, c]] = 1
                if start > 0:
                    growth[cell[start - 1, c]] = -1
                yield growth, newcomers
