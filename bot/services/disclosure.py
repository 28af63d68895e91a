"""Disclosure control for the live class view: what a youth worker may see of a class.

A youth worker can watch one student tap and then refresh, and knows who is in the room,
so the view follows three rules (docs/privacy.md explains them):

1. **Released in steps of K.** A step's answers are shown as a *release*: a snapshot that
   stays as it is until at least K more students have answered, so one new answer never
   changes what is shown. Only then is a new release made from all answers so far.
2. **No small cells.** In a release, a choice chosen by 1 to K−1 students is hidden; when
   that would leave a single hidden choice (the total gives it away), the smallest other
   choice is hidden too. Zero is shown: it says nothing about anybody.
3. **No group all of one mind.** A release is not made when every student of a group
   smaller than 2K chose the same option: neither all answers so far, nor the students
   who answered since the previous release (whose choices a before-and-after comparison
   would otherwise tell).

Progress counts (joined, started, finished) are rounded down to a multiple of K, and
below K say only "fewer than K".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tally:
    """How many students gave each answer to one step; the true numbers, never shown."""

    total: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Tally:
        return cls(sum(counts.values()), dict(counts))

    def minus(self, earlier: Tally) -> Tally:
        keys = self.counts.keys() | earlier.counts.keys()
        return Tally(
            self.total - earlier.total,
            {key: self.counts.get(key, 0) - earlier.counts.get(key, 0) for key in keys},
        )

    def all_of_one_mind(self) -> bool:
        """Whether every answer in this group went to the same option."""
        return sum(1 for n in self.counts.values() if n > 0) <= 1


def next_release(released: Tally | None, current: Tally, k: int) -> Tally | None:
    """The new release to show, or None to keep showing `released` (rules 1 and 3)."""
    earlier = released or Tally(0)
    if current.total - earlier.total < k:
        return None
    if current.total < 2 * k and current.all_of_one_mind():
        return None
    newcomers = current.minus(earlier)
    if newcomers.total < 2 * k and newcomers.all_of_one_mind():
        return None
    return current


def shown_counts(release: Tally, choices: list[str], k: int) -> dict[str, int | None]:
    """Each choice's count as shown, None where hidden (rule 2)."""
    counts = {choice: release.counts.get(choice, 0) for choice in choices}
    hidden = {choice for choice, n in counts.items() if 0 < n < k}
    if len(hidden) == 1:
        others = [choice for choice in choices if choice not in hidden]
        if others:
            hidden.add(min(others, key=lambda choice: (counts[choice], choices.index(choice))))
    return {choice: None if choice in hidden else n for choice, n in counts.items()}


def rounded_progress(count: int, k: int) -> int | None:
    """A progress count rounded down to a multiple of K; None for 1 to K−1."""
    if count == 0:
        return 0
    if count < k:
        return None
    return count - count % k
