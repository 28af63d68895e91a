"""Class-level before and after (issue 17): what the report adds up of a class's answers to
the class items (bot.services.class_questions). A lesson counts for an item only when its
class answered it at both waves, by at least K hands or votes each; its answers are then
added to those of the other lessons. No lesson's own numbers are shown (docs/privacy.md),
and the waves are not paired: different people may raise their hands."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.measures import SCALE_POINTS, Wave
from bot.evaluation.data import ClassAnswerCount

WAVES = (Wave.BEFORE.value, Wave.AFTER.value)
HIGH = 4  # "agree" and above: the share answering 4–5


@dataclass(frozen=True)
class ClassItemWaves:
    """One class item over the lessons that count: per wave, how many chose each point."""

    item_id: str
    lessons: int
    counts: dict[str, tuple[int, ...]]  # wave -> answers for 1 … SCALE_POINTS

    def total(self, wave: str) -> int:
        return sum(self.counts[wave])

    def high(self, wave: str) -> int:
        return sum(self.counts[wave][HIGH - 1 :])

    def mean(self, wave: str) -> float:
        weighted = sum(value * n for value, n in enumerate(self.counts[wave], 1))
        return weighted / self.total(wave)

    def near_an_end(self, k: int) -> bool:
        """Whether a wave's answers are fewer than K points in all from one end of the scale:
        its mean (4.80 from 5 hands) would tell that fewer than K answered anything else.
        The change table's rule (report.py, `_near_an_end`)."""
        return any(
            sum((SCALE_POINTS - value) * n for value, n in enumerate(counts, 1)) < k
            or sum((value - 1) * n for value, n in enumerate(counts, 1)) < k
            for counts in self.counts.values()
        )


def class_item_waves(rows: Iterable[ClassAnswerCount], k: int) -> dict[str, ClassItemWaves]:
    """Per class item, the answers of the lessons that count (both waves, each by at least
    K) and of those retention folded (already only such lessons)."""
    per_lesson: dict[tuple[int, str], list[ClassAnswerCount]] = defaultdict(list)
    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {wave: [0] * SCALE_POINTS for wave in WAVES}
    )
    lessons: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.lesson is not None:
            per_lesson[row.lesson, row.item_id].append(row)
        elif row.wave in WAVES:
            counts[row.item_id][row.wave][row.value - 1] += row.answers
            if row.wave == WAVES[0] and row.value == 1:  # each value carries the lessons
                lessons[row.item_id] += row.lessons
    for (_, item_id), answered in per_lesson.items():
        totals = {wave: sum(r.answers for r in answered if r.wave == wave) for wave in WAVES}
        if min(totals.values()) < k:
            continue  # one wave missing, or answered by fewer than K: not a before and after
        for row in answered:
            counts[item_id][row.wave][row.value - 1] += row.answers
        lessons[item_id] += 1
    return {
        item_id: ClassItemWaves(item_id, lessons[item_id], {w: tuple(c) for w, c in waves.items()})
        for item_id, waves in counts.items()
        if lessons[item_id] > 0
    }
