"""A youth worker starts a class's name with its school year or age range."""

from __future__ import annotations

import pytest

from bot.engine.ages import ClassAge
from bot.engine.model import AgeRange
from bot.services.class_age import read_class_age


@pytest.mark.parametrize(
    ("name", "ages", "year"),
    [
        ("8B Tumba", (14, 14), 8),
        ("Åk 6 Alby", (12, 12), 6),
        ("åk8 Fittja", (14, 14), 8),
        ("ÅK 9c", (15, 15), 9),
        ("gy 1 Fittja", (16, 16), 10),
        ("Gymnasiet 3", (18, 18), 12),
        ("year 7 Hallunda", (13, 13), 7),
        ("13-16 Tumba fritidsgård", (13, 16), None),
        ("13–16 år Tumba", (13, 16), None),
        ("14 år", (14, 14), None),
    ],
)
def test_the_age_is_read_from_the_start_of_the_name(name: str, ages, year) -> None:
    assert read_class_age(name) == ClassAge(AgeRange(*ages), year)


@pytest.mark.parametrize(
    "name",
    ["Tumba", "8 Tumba", "TE1A", "åk 3", "åk 10", "gy 0", "gy 4", "16-13", "5-30", "Tumba 8B"],
)
def test_a_name_without_a_usable_age_gives_none(name: str) -> None:
    assert read_class_age(name) is None
