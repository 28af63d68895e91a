"""Paired change statistics against hand-computed values and against scipy."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats as scipy_stats

from bot.evaluation.stats import PairedChange, paired_change

T_975_DF3 = 3.182446305284263  # the t table's two-sided 95 % value for 3 degrees of freedom


def test_hand_computed_example() -> None:
    # Differences 1, 2, 0, 1: mean 1, SD sqrt(2/3), so dz = sqrt(3/2) and the CI half
    # width is t(3) * sqrt(2/3) / 2. Wilcoxon drops the zero; three positive ranks give the
    # exact two-sided p = 2 / 2**3.
    result = paired_change([(1, 2), (2, 4), (3, 3), (2, 3)])
    half_width = T_975_DF3 * math.sqrt(2 / 3) / 2
    assert result.n == 4
    assert result.mean_before == 2.0
    assert result.mean_after == 3.0
    assert result.mean_difference == 1.0
    assert result.ci_low == pytest.approx(1 - half_width)
    assert result.ci_high == pytest.approx(1 + half_width)
    assert result.cohens_dz == pytest.approx(math.sqrt(1.5))
    assert result.wilcoxon_p == pytest.approx(0.25)


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
    assert result.wilcoxon_p == pytest.approx(scipy_stats.wilcoxon(after, before).pvalue)


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
    assert result.wilcoxon_p == pytest.approx(0.25)


def test_one_pair_has_means_only() -> None:
    assert paired_change([(2, 5)]) == PairedChange(1, 2.0, 5.0, 3.0, None, None, None, None)


def test_no_pairs() -> None:
    assert paired_change([]) == PairedChange(0, None, None, None, None, None, None, None)
