"""A class's age, as a youth worker gives it: a school year or an age range.

Read from the start of the class name, so the name stays as typed ("8B Tumba" is åk 8,
"gy 1 Fittja" is gymnasiet 1, "13-16 Tumba fritidsgård" is ages 13 to 16). What age a
school year counts as is bot/engine/ages.py's to say.
"""

from __future__ import annotations

import re

from bot.engine.ages import GYMNASIUM_START, ClassAge, of_school_year
from bot.engine.model import AgeRange

YOUNGEST, OLDEST = 6, 25  # ages a class may be given

_YEARS_WORD = r"(?:\s*(?:år|years?))?"
_COMPULSORY = re.compile(
    r"(?:åk|ak|year|grade)\s*(\d{1,2})[a-zåäö]?\b|(\d)[a-zåäö]\b", re.IGNORECASE
)
_GYMNASIUM = re.compile(r"(?:gy|gymnasiet|gymnasium)\s*(\d)[a-zåäö]?\b", re.IGNORECASE)
# "13-16", "13–16 år", or one age with its unit ("14 år"): a bare "8" could be åk 8.
_RANGE = re.compile(r"(\d{1,2})\s*[-–—]\s*(\d{1,2})" + _YEARS_WORD + r"\b", re.IGNORECASE)
_ONE_AGE = re.compile(r"(\d{1,2})\s*(?:år|years?)\b", re.IGNORECASE)


def read_class_age(name: str) -> ClassAge | None:
    """The age the class name starts with, or None when it starts with none."""
    if found := _GYMNASIUM.match(name):
        grade = int(found[1])
        return of_school_year(GYMNASIUM_START - 1 + grade) if grade >= 1 else None
    if found := _COMPULSORY.match(name):
        year = int(found[1] or found[2])
        return of_school_year(year) if year < GYMNASIUM_START else None
    if found := _RANGE.match(name):
        low, high = int(found[1]), int(found[2])
    elif found := _ONE_AGE.match(name):
        low = high = int(found[1])
    else:
        return None
    return ClassAge(AgeRange(low, high)) if YOUNGEST <= low <= high <= OLDEST else None
