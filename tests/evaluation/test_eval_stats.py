"""Paired change statistics against hand-computed values, scipy and a matrix reference.

scipy.stats and numpy are oracles here only: the module under test must not import
scipy.stats (see `test_does_not_import_scipy_stats`), and its cluster-robust interval is
checked against the general CR2 and Satterthwaite matrix formulae written out with numpy
(`_cr2_by_matrices`), an independent code path from the per-cluster sums it uses.
"""

from __future__ import annotations

import math
import random
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from bot.evaluation.stats import PairedChange, clustered_mean, linked_clusters, paired_change

T_975_DF3 = 3.182446305284263  # the t table's two-sided 95 % value for 3 degrees of freedom
REPO = Path(__file__).resolve().parents[2]

likert = st.integers(min_value=1, max_value=5)
likert_pairs = st.lists(st.tuples(likert, likert), min_size=2, max_size=80)


def test_hand_computed_example() -> None:
    # Differences 1, 2, 0, 1: mean 1, SD sqrt(2/3), so d_z = sqrt(3/2) and the CI half
    # width is t(3) * sqrt(2/3) / 2. Before 1, 2, 3, 2 (SD sqrt(2/3)), after 2, 4, 3, 3
    # (SD sqrt(2/3)): d_av = 1 / sqrt(2/3) as well.
    result = paired_change([(1, 2), (2, 4), (3, 3), (2, 3)])
    half_width = T_975_DF3 * math.sqrt(2 / 3) / 2
    assert (result.n, result.clusters) == (4, 4)
    assert result.mean_before == 2.0
    assert result.mean_after == 3.0
    assert result.mean_difference == 1.0
    assert result.ci_low == pytest.approx(1 - half_width)
    assert result.ci_high == pytest.approx(1 + half_width)
    assert result.df == pytest.approx(3)
    assert result.d_z == pytest.approx(math.sqrt(1.5))
    assert result.d_av == pytest.approx(math.sqrt(1.5))


def test_d_z_and_d_av_are_different_numbers() -> None:
    # Before 1, 3, 5 (SD 2), after 2, 4, 5 (SD 1.528): mean change 2/3. The differences
    # 1, 1, 0 have SD 0.577, so d_z = 1.155 while d_av = (2/3) / 1.764 = 0.378.
    result = paired_change([(1, 2), (3, 4), (5, 5)])
    assert result.d_z == pytest.approx((2 / 3) / statistics.stdev([1, 1, 0]))
    assert result.d_av == pytest.approx((2 / 3) / ((2 + statistics.stdev([2, 4, 5])) / 2))
    assert result.d_z > 3 * result.d_av


@settings(max_examples=100, deadline=None)
@given(likert_pairs)
def test_without_clusters_the_interval_is_the_paired_t_interval(
    pairs: list[tuple[int, int]],
) -> None:
    differences = [a - b for b, a in pairs]
    n = len(differences)
    mean = statistics.fmean(differences)
    sd = statistics.stdev(differences)
    half_width = scipy_stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    for clusters in (None, [f"person {i}" for i in range(n)]):
        result = paired_change(pairs, clusters)
        if sd == 0:  # every change the same: no interval rather than a width of 0
            assert (result.ci_low, result.ci_high) == (None, None)
            continue
        assert result.ci_low == pytest.approx(mean - half_width, abs=1e-9)
        assert result.ci_high == pytest.approx(mean + half_width, abs=1e-9)
        assert result.df == pytest.approx(n - 1)


def test_matches_scipy_on_random_likert_pairs() -> None:
    rng = random.Random(2018)
    before = [rng.randint(1, 5) for _ in range(60)]
    after = [min(5, max(1, b + rng.choice([-1, 0, 0, 1, 1, 2]))) for b in before]
    result = paired_change(list(zip(before, after, strict=True)))

    interval = scipy_stats.ttest_rel(after, before).confidence_interval(0.95)
    differences = [a - b for b, a in zip(before, after, strict=True)]
    assert result.ci_low == pytest.approx(interval.low)
    assert result.ci_high == pytest.approx(interval.high)
    d_z = statistics.fmean(differences) / scipy_stats.tstd(differences)
    assert result.d_z == pytest.approx(d_z)


def _cr2_by_matrices(values: list[float], clusters: list[int]) -> tuple[float, float]:
    """CR2 variance and Satterthwaite df of the intercept-only OLS fit, written out with
    the general matrix formulae (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018,
    working model Φ = I, as clubSandwich for `lm`):

        M = (X'X)⁻¹, H = X M X', e = (I − H) y, A_j = (I − H_jj)^(−1/2) (symmetric root)
        V = M (Σ_j X_j' A_j e_j e_j' A_j X_j) M
        p_j = (I − H)_j' A_j X_j M  (an n-vector: what cluster j adds to V is (p_j' y)²)
        df = (Σ_j p_j' p_j)² / Σ_i Σ_j (p_i' p_j)²
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    x = np.ones((n, 1))
    m = np.linalg.inv(x.T @ x)
    residual_maker = np.eye(n) - x @ m @ x.T
    e = residual_maker @ y
    meat = np.zeros((1, 1))
    p = []
    for cluster in sorted(set(clusters)):
        rows = np.flatnonzero(np.asarray(clusters) == cluster)
        eigenvalues, eigenvectors = np.linalg.eigh(residual_maker[np.ix_(rows, rows)])
        a_j = eigenvectors @ np.diag(eigenvalues**-0.5) @ eigenvectors.T
        u_j = x[rows].T @ a_j @ e[rows]
        meat += np.outer(u_j, u_j)
        p.append((residual_maker[rows].T @ a_j @ x[rows] @ m).ravel())
    variance = (m @ meat @ m).item()
    gram = np.array([[pi @ pj for pj in p] for pi in p])
    return variance, np.trace(gram) ** 2 / np.sum(gram**2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 4), st.integers(0, 5)), min_size=3, max_size=60))
def test_clustered_interval_matches_the_matrix_formulae(rows: list[tuple[int, int]]) -> None:
    values = [float(v) for v, _ in rows]
    clusters = [c for _, c in rows]
    robust = clustered_mean(values, clusters)
    if len(set(clusters)) < 2:
        assert robust is None
        return
    variance, df = _cr2_by_matrices(values, clusters)
    assert robust.estimate == pytest.approx(statistics.fmean(values))
    assert robust.standard_error**2 == pytest.approx(variance, rel=1e-9, abs=1e-12)
    assert robust.df == pytest.approx(df, rel=1e-9)


def test_known_clustered_data() -> None:
    # Three classes of 2, 3 and 4 pairs. Mean change 1; residuals sum to 0.5 (class a),
    # 3 (class b) and −3.5 (class c), so V = (0.25/(9·7) + 9/(9·6) + 12.25/(9·5)) and
    # r = 4/7, 9/6, 16/5 give df = 81 / (29 + 5.2714² − 12.7927) = 81 / 44.0952.
    pairs = [(2, 3), (2, 3.5), (1, 3), (2, 4), (3, 5), (3, 3), (3, 3.5), (2, 2), (4, 4)]
    classes = ["a", "a", "b", "b", "b", "c", "c", "c", "c"]
    result = paired_change(pairs, classes)
    variance = 0.25 / 63 + 9 / 54 + 12.25 / 45
    r = (4 / 7, 9 / 6, 16 / 5)
    df = 81 / (4 + 9 + 16 + sum(r) ** 2 - sum(x * x for x in r))
    half_width = scipy_stats.t.ppf(0.975, df) * math.sqrt(variance)
    assert (result.n, result.clusters) == (9, 3)
    assert result.df == pytest.approx(df)
    assert result.ci_low == pytest.approx(1 - half_width)
    assert result.ci_high == pytest.approx(1 + half_width)
    assert _cr2_by_matrices([a - b for b, a in pairs], [ord(c) for c in classes]) == (
        pytest.approx(variance),
        pytest.approx(df),
    )


def test_one_class_has_no_interval() -> None:
    """All pairs from one class: its residuals sum to 0, so the variance between classes
    cannot be estimated, and no interval is made up."""
    result = paired_change([(1, 3), (2, 3), (3, 3), (2, 4)], ["8B"] * 4)
    assert result.mean_difference == 1.25
    assert (result.ci_low, result.ci_high, result.df) == (None, None, None)
    assert result.d_z is not None  # effect sizes do not need the clusters


def _study(rng: random.Random, true_change: float) -> tuple[list[tuple[float, float]], list]:
    """A simulated pre/post study: 6 classes of 6–30 students, each class changing by its
    own amount around the true change (SD 0.5), each student by their own (SD 0.4), with
    1–3 scenarios each (SD 0.6 between scenarios) and a fifth dropping out before T2."""
    pairs, clusters = [], []
    for school_class in range(6):
        class_change = true_change + rng.gauss(0, 0.5)
        for _student in range(rng.randint(6, 30)):
            student_change = class_change + rng.gauss(0, 0.4)
            before = rng.gauss(3, 0.8)
            for _scenario in range(rng.randint(1, 3)):
                if rng.random() < 0.2:
                    continue  # dropped out: no T2 answer, no pair
                pairs.append((before, before + student_change + rng.gauss(0, 0.6)))
                clusters.append(school_class)
    return pairs, clusters


def test_simulated_studies_are_covered_by_the_clustered_interval_not_the_naive_one() -> None:
    rng = random.Random(17)
    true_change, replications = 0.3, 300
    clustered = naive = 0
    for _ in range(replications):
        pairs, clusters = _study(rng, true_change)
        robust = paired_change(pairs, clusters)
        plain = paired_change(pairs)  # as if every pair were independent
        clustered += robust.ci_low <= true_change <= robust.ci_high
        naive += plain.ci_low <= true_change <= plain.ci_high
    assert clustered / replications >= 0.90
    assert naive / replications <= 0.75


def test_does_not_import_scipy_stats() -> None:
    # `import scipy.stats` costs 1–2 s, most of `bystander report`'s time budget.
    code = (
        "import bot.evaluation.stats as s; s.paired_change([(1,2),(2,4),(3,3),(2,3),(1,3)]); "
        "import sys; print('scipy.stats' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"


def test_nobody_changed_has_no_effect_size() -> None:
    result = paired_change([(3, 3)] * 6)
    assert result.mean_difference == 0
    assert (result.ci_low, result.ci_high) == (None, None), "no spread: no interval, not 0 to 0"
    assert result.d_z is None
    assert result.d_av is None  # everybody answered 3 both times: both SDs are 0


def test_identical_changes_have_no_d_z_but_a_d_av() -> None:
    result = paired_change([(1, 2), (2, 3), (3, 4)])
    assert (result.ci_low, result.ci_high) == (None, None)
    assert result.d_z is None  # SD 0: d_z would be infinite
    assert result.d_av == pytest.approx(1.0)


def test_a_decrease_is_negative() -> None:
    result = paired_change([(4, 3), (5, 3), (4, 2), (3, 3), (4, 3)])
    assert result.mean_difference == pytest.approx(-1.2)
    assert result.ci_high < 0
    assert result.d_z < 0
    assert result.d_av < 0


def test_one_pair_has_means_only() -> None:
    assert paired_change([(2, 5)]) == PairedChange(
        1, 1, 2.0, 5.0, 3.0, None, None, None, None, None, None
    )


def test_no_pairs() -> None:
    assert paired_change([]) == PairedChange(
        0, 0, None, None, None, None, None, None, None, None, None
    )


def test_a_person_in_two_classes_makes_them_one_cluster() -> None:
    # Pairs: (class 1, person a), (class 2, person a), (class 3, person b), (no class, b),
    # (no class, c), and one pair whose class and person are both unknown.
    memberships = [
        [("class", 1), ("person", "a")],
        [("class", 2), ("person", "a")],
        [("class", 3), ("person", "b")],
        [("person", "b")],
        [("person", "c")],
        [],
    ]
    assert linked_clusters(memberships) == [0, 0, 1, 1, 2, 3]


def test_linked_classes_widen_the_interval_as_one_cluster() -> None:
    """Two classes linked by one person are one cluster: the interval is the one computed
    with them merged, and it differs from treating them apart."""
    rng = random.Random(7)
    pairs, labels = [], []
    for cluster in range(6):
        shift = rng.choice((0, 1, 2))
        for _ in range(8):
            before = rng.randint(1, 3)
            pairs.append((before, before + shift))
            labels.append([("class", cluster), ("person", 100 * cluster + len(pairs))])
    labels[0].append(("person", "shared"))  # one person in class 0 ...
    labels[-1].append(("person", "shared"))  # ... and in class 5
    merged = [0 if c == 5 else c for c in range(6) for _ in range(8)]
    linked = paired_change(pairs, linked_clusters(labels))
    assert (linked.ci_low, linked.ci_high, linked.clusters) == pytest.approx(
        (paired_change(pairs, merged).ci_low, paired_change(pairs, merged).ci_high, 5)
    )
    apart = paired_change(pairs, [c for c in range(6) for _ in range(8)])
    assert apart.clusters == 6 and apart.ci_low != pytest.approx(linked.ci_low)
