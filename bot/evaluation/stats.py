"""Paired before/after statistics for the questionnaire (T1→T2, T1→T3).

Pure functions over plain numbers. The measures match what the Swedish MVP evaluations
report: mean change with a 95 % confidence interval, a standardised effect size, and a
non-parametric test, since Likert answers are ordinal and rarely normal. The test follows
the defaults of R's `wilcox.test(x, y, paired = TRUE)`, which those evaluations use, so the
p-values compare.

`scipy.stats` is deliberately not imported: importing it takes 1–2 s, most of the time
budget of `bystander report`. The t quantile comes from `scipy.special` (imported when
first needed) and the Wilcoxon test is written out below.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

CONFIDENCE = 0.95
EXACT_BELOW = 50  # R's wilcox.test: exact null distribution for fewer non-zero differences


@dataclass(frozen=True)
class PairedChange:
    n: int
    mean_before: float | None
    mean_after: float | None
    mean_difference: float | None  # after − before
    ci_low: float | None  # 95 % CI of the mean difference (t distribution, n − 1 df)
    ci_high: float | None
    cohens_dz: float | None  # mean difference / SD of the differences
    wilcoxon_p: float | None  # two-sided Wilcoxon signed-rank test, as R's wilcox.test


def paired_change(pairs: Sequence[tuple[float, float]]) -> PairedChange:
    """Change from `before` to `after` over pairs of one person's two answers.

    Values that cannot be computed from the data are None rather than NaN: no means without
    pairs, no interval or effect size without at least two pairs, no effect size when every
    difference is the same, and no test when nobody changed their answer.
    """
    n = len(pairs)
    if n == 0:
        return PairedChange(0, None, None, None, None, None, None, None)
    before = [b for b, _ in pairs]
    after = [a for _, a in pairs]
    differences = [a - b for b, a in pairs]
    mean_difference = statistics.fmean(differences)
    low, high, dz = _interval_and_effect(differences, mean_difference)
    return PairedChange(
        n=n,
        mean_before=statistics.fmean(before),
        mean_after=statistics.fmean(after),
        mean_difference=mean_difference,
        ci_low=low,
        ci_high=high,
        cohens_dz=dz,
        wilcoxon_p=wilcoxon_p(differences),
    )


def _interval_and_effect(
    differences: Sequence[float], mean: float
) -> tuple[float | None, float | None, float | None]:
    n = len(differences)
    if n < 2:
        return None, None, None
    sd = statistics.stdev(differences, mean)
    from scipy.special import stdtrit  # imported when first needed; not scipy.stats (slow)

    half_width = float(stdtrit(n - 1, (1 + CONFIDENCE) / 2)) * sd / math.sqrt(n)
    dz = mean / sd if sd > 0 else None
    return mean - half_width, mean + half_width, dz


def wilcoxon_p(differences: Sequence[float]) -> float | None:
    """Two-sided p of the Wilcoxon signed-rank test with R's `wilcox.test` defaults.

    Zero differences are dropped (as R and SPSS do, so results compare). With fewer than 50
    non-zero differences, no ties among their sizes and no zeros dropped, p comes from the
    exact null distribution of W+ (the rank sum of the positive differences); otherwise
    from the normal approximation with average ranks, tie correction and continuity
    correction. None for fewer than two differences or when no difference is non-zero.
    """
    if len(differences) < 2:
        return None
    nonzero = [d for d in differences if d != 0]
    n = len(nonzero)
    if n == 0:
        return None
    rank_of, tie_sizes = _average_ranks([abs(d) for d in nonzero])
    w = sum(rank_of[abs(d)] for d in nonzero if d > 0)
    ties = len(tie_sizes) < n
    zeros_dropped = n < len(differences)
    if n < EXACT_BELOW and not ties and not zeros_dropped:
        return _exact_p(round(w), n)  # without ties the ranks are whole numbers
    return _normal_p(w, n, tie_sizes)


def _average_ranks(values: Sequence[float]) -> tuple[dict[float, float], list[int]]:
    """The rank of each distinct value (tied values share their average rank), and the
    size of each group of tied values."""
    rank_of: dict[float, float] = {}
    tie_sizes: list[int] = []
    below = 0
    for value, group in groupby(sorted(values)):
        t = len(list(group))
        rank_of[value] = below + (t + 1) / 2
        tie_sizes.append(t)
        below += t
    return rank_of, tie_sizes


def _exact_p(w: int, n: int) -> float:
    """2·P(W+ ≤ w) or 2·P(W+ ≥ w), whichever tail w is in, under the exact null
    distribution: every one of the 2**n sign patterns over ranks 1..n equally likely."""
    counts = _signed_rank_counts(n)
    tail = sum(counts[: w + 1]) if w <= n * (n + 1) / 4 else sum(counts[w:])
    return min(1.0, 2 * tail / 2**n)


def _signed_rank_counts(n: int) -> list[int]:
    """counts[w] = how many of the 2**n sign patterns over ranks 1..n have W+ = w.

    Adding rank k either leaves W+ as it was (k negative) or raises it by k (k positive),
    so the counts over ranks 1..k are those over 1..k−1 plus the same shifted up by k.
    """
    counts = [1] + [0] * (n * (n + 1) // 2)
    highest = 0
    for k in range(1, n + 1):
        highest += k
        for w in range(highest, k - 1, -1):  # downwards, so each rank is added once
            counts[w] += counts[w - k]
    return counts


def _normal_p(w: float, n: int, tie_sizes: Sequence[int]) -> float | None:
    """Normal approximation with tie correction of the variance and continuity correction
    of W+ towards its mean, as R's wilcox.test does when the exact test does not apply."""
    variance = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in tie_sizes) / 48
    if variance <= 0:
        return None
    excess = w - n * (n + 1) / 4
    continuity = 0.5 if excess > 0 else -0.5 if excess < 0 else 0.0
    z = (excess - continuity) / math.sqrt(variance)
    return 2 * statistics.NormalDist().cdf(-abs(z))
