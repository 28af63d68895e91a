"""The one age rule: an audience fits an age range when every age of it lies within the
range. It decides the menu, the help lines and what a youth worker is warned about."""

from __future__ import annotations

import pytest

from bot.content.catalog import Catalog
from bot.engine.ages import WHOLE_AUDIENCE, AgeBand, ClassAge, is_for, of_school_year
from bot.engine.model import AgeRange

UP_TO_15, AGE_16_17, AGE_18_19, AGE_20_PLUS, UNSAID = AgeBand

# Each row: an age range, then whether it is for each band in the order above.
BANDS_BY_RANGE = [
    ((13, 19), (True, True, True, False, True)),
    ((13, 20), (True, True, True, False, True)),
    ((15, 20), (False, True, True, False, False)),  # "15 or younger" may be 13
    ((13, 17), (True, True, False, False, False)),  # not for 18–19
    ((14, 17), (False, True, False, False, False)),
    ((10, 12), (False, False, False, False, False)),  # only for classes, in facilitator mode
    ((16, 25), (False, True, True, False, False)),  # "20 or older" has no upper age
    ((18, 120), (False, False, True, True, False)),
    ((0, 120), (True, True, True, True, True)),
]


@pytest.mark.parametrize(("ages", "expected"), BANDS_BY_RANGE)
def test_a_band_fits_when_all_its_ages_are_in_the_range(ages, expected) -> None:
    age_range = AgeRange(*ages)
    assert tuple(is_for(age_range, band) for band in AgeBand) == expected


@pytest.mark.parametrize(
    ("year", "age"), [(4, 10), (6, 12), (7, 13), (8, 14), (9, 15), (10, 16), (12, 18)]
)
def test_a_school_year_counts_as_the_age_its_pupils_turn(year: int, age: int) -> None:
    assert of_school_year(year) == ClassAge(AgeRange(age, age), year)


@pytest.mark.parametrize("year", [3, 13, 0])
def test_school_years_outside_åk_4_to_gymnasiet_3_are_none(year: int) -> None:
    assert of_school_year(year) is None


def test_a_class_is_matched_by_the_same_rule() -> None:
    year_8 = of_school_year(8)
    assert is_for(AgeRange(13, 17), year_8)
    assert not is_for(AgeRange(15, 20), year_8)
    assert is_for(AgeRange(15, 20), of_school_year(9)), "åk 9 counts as 15"
    assert is_for(AgeRange(10, 12), of_school_year(5))
    assert not is_for(AgeRange(13, 17), ClassAge(AgeRange(13, 19)))
    assert WHOLE_AUDIENCE.ages == UNSAID.ages == AgeRange(13, 19)


def test_help_lines_follow_the_same_rule(shipped_catalog: Catalog) -> None:
    def lines_for(audience) -> set[str]:
        return {key for key, line in shipped_catalog.help.items() if line.fits(audience)}

    assert {"bris", "umo", "killar"} <= lines_for(UP_TO_15)
    assert "unga_relationer" not in lines_for(UP_TO_15), "15–20: not for a 13-year-old"
    assert "hjalplinjen" not in lines_for(AGE_16_17)
    assert {"hjalplinjen", "umo"} <= lines_for(AGE_18_19) and "bris" not in lines_for(AGE_18_19)
    assert "killar" not in lines_for(AGE_20_PLUS), "10–20: not for someone of 23"
    assert "umo" not in lines_for(AGE_20_PLUS), "13–25: not for someone of 40"
    assert lines_for(UNSAID) == set(shipped_catalog.help), "an unknown age keeps every line"
    assert "bris" in lines_for(of_school_year(8)), "a class in facilitator mode: its own age"
