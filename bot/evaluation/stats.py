"""Paired before/after statistics for the questionnaire (T1→T2, T1→T3).

Pure functions over plain numbers. The measures match what the Swedish MVP evaluations
report: mean change with a 95 % confidence interval, a standardised effect size, and a
non-parametric test, since Likert answers are ordinal and rarely normal.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedChange:
    n: int
    mean_before: float | None
    mean_after: float | None
    mean_difference: float | None  # after − before
    ci_low: float | None  # 95 % CI of the mean difference (t distribution, n − 1 df)
    ci_high: float | None
    cohens_dz: float | None  # mean difference / SD of the differences
    wilcoxon_p: float | None  # two-sided Wilcoxon signed-rank test


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
    from scipy import stats as scipy_stats  # imported when first needed: ~45 MB

    half_width = scipy_stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * sd / math.sqrt(n)
    dz = mean / sd if sd > 0 else None
    return mean - half_width, mean + half_width, dz


def wilcoxon_p(differences: Sequence[float]) -> float | None:
    """Two-sided p of the Wilcoxon signed-rank test, zero differences dropped (as R's
    wilcox.test and SPSS do, so results compare); None when no difference is non-zero."""
    if len(differences) < 2 or not any(differences):
        return None
    from scipy import stats as scipy_stats

    p = float(scipy_stats.wilcoxon(differences).pvalue)
    return None if math.isnan(p) else p
