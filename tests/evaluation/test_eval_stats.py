"""Paired change statistics against hand-computed values and against scipy.

scipy.stats is the oracle here only: the module under test must not import it (see
`test_does_not_import_scipy_stats`).
"""

from __future__ import annotations

import math
import random
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from bot.evaluation.stats import PairedChange, paired_change, wilcoxon_p

T_975_DF3 = 3.182446305284263  # the t table's two-sided 95 % value for 3 degrees of freedom
REPO = Path(__file__).resolve().parents[2]

likert = st.integers(min_value=1, max_value=5)
likert_pairs = st.lists(st.tuples(likert, likert), min_size=2, max_size=80)


def test_hand_computed_example() -> None:
    # Differences 1, 2, 0, 1: mean 1, SD sqrt(2/3), so dz = sqrt(3/2) and the CI half
    # width is t(3) * sqrt(2/3) / 2. Wilcoxon drops the zero, leaving n = 3 with a tie, so
    # (as R's wilcox.test) the normal approximation: |d| 1, 1, 2 get ranks 1.5, 1.5, 3, all
    # positive, so W+ = 6 against a mean of n(n+1)/4 = 3; the variance is
    # 3·4·7/24 − (2³ − 2)/48 = 3.375, so z = (6 − 3 − 0.5) / sqrt(3.375) ≈ 1.361 and
    # p = 2Φ(−1.361) ≈ 0.1736.
    result = paired_change([(1, 2), (2, 4), (3, 3), (2, 3)])
    half_width = T_975_DF3 * math.sqrt(2 / 3) / 2
    assert result.n == 4
    assert result.mean_before == 2.0
    assert result.mean_after == 3.0
    assert result.mean_difference == 1.0
    assert result.ci_low == pytest.approx(1 - half_width)
    assert result.ci_high == pytest.approx(1 + half_width)
    assert result.cohens_dz == pytest.approx(math.sqrt(1.5))
    assert result.wilcoxon_p == pytest.approx(0.17356816655592155)


def test_exact_without_ties_or_zeros() -> None:
    # Differences 1, 2, 3, all positive: W+ = 6 is the largest of the 2³ equally likely
    # sign patterns, so P(W+ ≥ 6) = 1/8 and the two-sided p = 2/8.
    assert wilcoxon_p([1, 2, 3]) == 0.25
    # Differences 1, −2, 3: W+ = 1 + 3 = 4, above the mean n(n+1)/4 = 3. Of the 8 sets of
    # positive ranks, {1,3}, {2,3} and {1,2,3} have W+ ≥ 4, so p = 2·3/8.
    assert wilcoxon_p([1, -2, 3]) == 0.75


def test_r_documentation_example() -> None:
    # R's ?wilcox.test, Hollander & Wolfe's depression scores: V = 40, one-sided
    # p = 0.01953 (= 10/512), so two-sided 20/512.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    assert paired_change(list(zip(y, x, strict=True))).wilcoxon_p == pytest.approx(20 / 512)


def test_a_decrease_is_negative() -> None:
    result = paired_change([(4, 3), (5, 3), (4, 2), (3, 3), (4, 3)])
    assert result.mean_difference == pytest.approx(-1.2)
    assert result.ci_high < 0
    assert result.cohens_dz < 0


def test_matches_scipy_on_random_likert_pairs() -> None:
    rng = random.Random(2018)
    before = [rng.randint(1, 5) for _ in range(60)]
    after = [min(5, max(1, b + rng.choice([-1, 0, 0, 1, 1, 2]))) for b in before]
    result = paired_change(list(zip(before, after, strict=True)))

    t_test = scipy_stats.ttest_rel(after, before)
    interval = t_test.confidence_interval(0.95)
    differences = [a - b for b, a in zip(before, after, strict=True)]
    sd = scipy_stats.tstd(differences)
    assert result.ci_low == pytest.approx(interval.low)
    assert result.ci_high == pytest.approx(interval.high)
    assert result.cohens_dz == pytest.approx(sum(differences) / len(differences) / sd)


def _scipy_wilcoxon_as_r(differences: list[float]) -> float:
    """scipy's p with R's wilcox.test defaults: zeros dropped, exact for n < 50 without
    ties or zeros, otherwise normal with tie and continuity correction."""
    nonzero = [d for d in differences if d != 0]
    exact = (
        len(nonzero) < 50
        and len({abs(d) for d in nonzero}) == len(nonzero)
        and len(nonzero) == len(differences)
    )
    method = "exact" if exact else "asymptotic"
    return float(scipy_stats.wilcoxon(nonzero, correction=True, method=method).pvalue)


@settings(max_examples=300, deadline=None)
@given(likert_pairs)
def test_wilcoxon_matches_scipy_on_likert_pairs(pairs: list[tuple[int, int]]) -> None:
    differences = [a - b for b, a in pairs]
    p = paired_change(pairs).wilcoxon_p
    if not any(differences):
        assert p is None
    else:
        assert p == pytest.approx(_scipy_wilcoxon_as_r(differences), rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=1000), min_size=2, max_size=60, unique=True),
    st.randoms(use_true_random=False),
)
def test_wilcoxon_matches_scipy_without_ties(sizes: list[int], rng: random.Random) -> None:
    # Likert data has ties from n = 5 on, so the exact branch needs its own data.
    differences = [size * rng.choice((-1, 1)) for size in sizes]
    assert wilcoxon_p(differences) == pytest.approx(_scipy_wilcoxon_as_r(differences), rel=1e-9)


def test_fifty_differences_without_ties_use_the_normal_approximation() -> None:
    differences = [d if d % 3 else -d for d in range(1, 51)]
    normal = scipy_stats.wilcoxon(differences, correction=True, method="asymptotic").pvalue
    assert wilcoxon_p(differences) == pytest.approx(normal, rel=1e-9)
    assert wilcoxon_p(differences[:49]) == pytest.approx(
        scipy_stats.wilcoxon(differences[:49], method="exact").pvalue, rel=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(likert_pairs)
def test_interval_matches_scipy_t_quantile(pairs: list[tuple[int, int]]) -> None:
    differences = [a - b for b, a in pairs]
    n = len(differences)
    mean = statistics.fmean(differences)
    sd = statistics.stdev(differences)
    half_width = scipy_stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    result = paired_change(pairs)
    assert result.ci_low == pytest.approx(mean - half_width, abs=1e-12)
    assert result.ci_high == pytest.approx(mean + half_width, abs=1e-12)


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


def test_nobody_changed_has_no_test_and_no_effect_size() -> None:
    result = paired_change([(3, 3)] * 6)
    assert result.mean_difference == 0
    assert (result.ci_low, result.ci_high) == (0, 0)
    assert result.cohens_dz is None
    assert result.wilcoxon_p is None


def test_identical_changes_have_no_effect_size_but_a_test() -> None:
    result = paired_change([(1, 2), (2, 3), (3, 4)])
    assert (result.ci_low, result.ci_high) == (1, 1)
    assert result.cohens_dz is None  # SD 0: dz would be infinite
    # Three tied differences of 1 (R: normal approximation): ranks 2, 2, 2, so W+ = 6
    # against a mean of 3; variance 3·4·7/24 − (3³ − 3)/48 = 3, z = 2.5 / sqrt(3) ≈ 1.443,
    # p = 2Φ(−1.443) ≈ 0.1489.
    assert result.wilcoxon_p == pytest.approx(0.14891467317876572)


def test_fewer_than_two_differences_have_no_test() -> None:
    assert wilcoxon_p([]) is None
    assert wilcoxon_p([2]) is None


def test_one_pair_has_means_only() -> None:
    assert paired_change([(2, 5)]) == PairedChange(1, 2.0, 5.0, 3.0, None, None, None, None)


def test_no_pairs() -> None:
    assert paired_change([]) == PairedChange(0, None, None, None, None, None, None, None)
