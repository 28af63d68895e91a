"""Paired before/after statistics for the questionnaire (T1→T2, T1→T3).

Pure functions over plain numbers; the formulae and the reasons for them are in
docs/evaluation.md ("Statistics").

Pairs are not independent: one person answers after several scenarios, and people in one
class share a teacher, a lesson and each other. The confidence interval of the mean
change is therefore cluster-robust, clustered at the highest level (the class; a person
outside classes is a cluster of their own; classes linked by one person's pairs are one
cluster, `linked_clusters`), with the CR2 small-sample correction (Bell &
McCaffrey 2002) and Satterthwaite degrees of freedom (Pustejovsky & Tipton 2018), which is
what R's `clubSandwich::coef_test(lm(d ~ 1), vcov = "CR2", cluster = ...,
test = "Satterthwaite")` gives. With every pair its own cluster it is exactly the ordinary
paired t-interval; with a single cluster no interval can be given.

`scipy.stats` is deliberately not imported: importing it takes 1–2 s, most of the time
budget of `bystander report`. The t quantile comes from `scipy.special` (imported when
first needed).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95


@dataclass(frozen=True)
class ClusteredMean:
    estimate: float
    standard_error: float  # CR2 (Bell & McCaffrey)
    df: float  # Satterthwaite (Pustejovsky & Tipton)


@dataclass(frozen=True)
class PairedChange:
    n: int  # pairs
    clusters: int
    mean_before: float | None
    mean_after: float | None
    mean_difference: float | None  # after − before
    ci_low: float | None  # 95 % CI of the mean difference, cluster-robust (CR2)
    ci_high: float | None
    standard_error: float | None  # of the mean difference, CR2
    df: float | None  # of the interval's t quantile
    d_z: float | None  # mean difference / SD of the differences
    d_av: float | None  # mean difference / mean of the SDs before and after


def paired_change(
    pairs: Sequence[tuple[float, float]], clusters: Sequence[Hashable] | None = None
) -> PairedChange:
    """Change from `before` to `after` over pairs of one person's two answers.

    `clusters` names the cluster of each pair (pairs with the same name belong together);
    without it every pair is its own cluster. Values that cannot be computed are None
    rather than NaN: no means without pairs, no interval from fewer than two clusters, no
    effect size from fewer than two pairs or when its SD is 0.
    """
    n = len(pairs)
    if n == 0:
        return PairedChange(0, 0, None, None, None, None, None, None, None, None, None)
    before = [b for b, _ in pairs]
    after = [a for _, a in pairs]
    differences = [a - b for b, a in pairs]
    labels = list(clusters) if clusters is not None else list(range(n))
    mean_difference = statistics.fmean(differences)
    robust = clustered_mean(differences, labels)
    # No interval when every change is the same: "0.0 to 0.0" would look like certainty
    # (everyone at the top of the scale both times, say), not like the absence of spread.
    shown = robust is not None and robust.standard_error > 0
    low, high = confidence_interval(robust) if shown else (None, None)
    return PairedChange(
        n=n,
        clusters=len(set(labels)),
        mean_before=statistics.fmean(before),
        mean_after=statistics.fmean(after),
        mean_difference=mean_difference,
        ci_low=low,
        ci_high=high,
        standard_error=robust.standard_error if robust else None,
        df=robust.df if robust else None,
        d_z=_ratio(mean_difference, _sd(differences)),
        d_av=_ratio(mean_difference, _mean_sd(before, after)),
    )


def clustered_mean(values: Sequence[float], clusters: Sequence[Hashable]) -> ClusteredMean | None:
    """The mean with its CR2 standard error and Satterthwaite df; None for one cluster.

    For the intercept-only model the general matrix formulae reduce to sums over the
    clusters j = 1..m, with n values in all, n_j in cluster j and S_j the sum of the
    residuals (value − mean) in it (derivation in docs/evaluation.md):

        V  = Σ_j S_j² / (n (n − n_j))
        df = n² / (Σ_j n_j² + (Σ_j r_j)² − Σ_j r_j²),   r_j = n_j² / (n − n_j)
    """
    n = len(values)
    mean = statistics.fmean(values)
    sizes: dict[Hashable, int] = defaultdict(int)
    sums: dict[Hashable, float] = defaultdict(float)
    for value, cluster in zip(values, clusters, strict=True):
        sizes[cluster] += 1
        sums[cluster] += value - mean
    if len(sizes) < 2:
        return None  # one cluster: its residuals sum to 0, the variance is not estimable
    variance = sum(sums[c] ** 2 / (n * (n - sizes[c])) for c in sizes)
    r = [size**2 / (n - size) for size in sizes.values()]
    spread = sum(size**2 for size in sizes.values()) + sum(r) ** 2 - sum(x**2 for x in r)
    return ClusteredMean(mean, math.sqrt(variance), n**2 / spread)


def linked_clusters(memberships: Iterable[Iterable[Hashable]]) -> list[int]:
    """A cluster number for each observation, given the groups each belongs to.

    Observations that share a group are in one cluster, and so, transitively, are groups
    linked by an observation in both: a person who answered in two classes makes the two
    classes one cluster (a union-find over the groups). An observation in no group is a
    cluster of its own. Numbers run from 0 in order of first appearance.
    """
    parent: dict[Hashable, Hashable] = {}

    def root(group: Hashable) -> Hashable:
        parent.setdefault(group, group)
        while parent[group] != group:
            parent[group] = parent[parent[group]]  # path halving
            group = parent[group]
        return group

    groups = [list(of_one) for of_one in memberships]
    for of_one in groups:
        for group in of_one[1:]:
            parent[root(group)] = root(of_one[0])
    numbers: dict[Hashable, int] = {}
    clusters = []
    for of_one in groups:
        # object(): a key no other observation has
        key = root(of_one[0]) if of_one else object()
        clusters.append(numbers.setdefault(key, len(numbers)))
    return clusters


def confidence_interval(robust: ClusteredMean) -> tuple[float, float]:
    from scipy.special import stdtrit  # imported when first needed; not scipy.stats (slow)

    half_width = float(stdtrit(robust.df, (1 + CONFIDENCE) / 2)) * robust.standard_error
    return robust.estimate - half_width, robust.estimate + half_width


def _sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def _mean_sd(before: Sequence[float], after: Sequence[float]) -> float | None:
    first, second = _sd(before), _sd(after)
    return None if first is None or second is None else (first + second) / 2


def _ratio(mean: float, sd: float | None) -> float | None:
    return mean / sd if sd else None
