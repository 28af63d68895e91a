"""Who a scenario, a help line or a class is for: the one rule that matches ages.

An audience (the age band a player chose, or the age range of a class) fits an age
range when every age of the audience lies within the range. So a scenario for 15–20 is
not offered to someone who said "15 or younger" (they may be 13), and one for 13–17 is
not offered to someone aged 18–19. The same rule routes help lines (except for an
unknown age, see `HelpResource.fits`) and checks what a youth worker assigns to a class.
docs/scenario-format.md ("Age") explains it for authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.engine.model import AgeRange

# The bot's audience: from Sweden's age of digital consent (13) to 19.
AUDIENCE = AgeRange(13, 19)
# Swedish school years: pupils in åk N turn N + 6 during the autumn term; gymnasiet 1
# is school year 10. Åk 4 is the youngest a youth worker leads (facilitator mode).
SCHOOL_YEARS = range(4, 13)
GYMNASIUM_START = 10
SCHOOL_START_AGE = 6


class AgeBand(StrEnum):
    UP_TO_15 = "15_or_younger"
    AGE_16_17 = "16_17"
    AGE_18_19 = "18_19"
    AGE_20_PLUS = "20_plus"
    UNSAID = "unsaid"

    @property
    def ages(self) -> AgeRange:
        return _BAND_AGES[self]


_BAND_AGES = {
    AgeBand.UP_TO_15: AgeRange(AUDIENCE.min, 15),  # the bot is not for anyone under 13
    AgeBand.AGE_16_17: AgeRange(16, 17),
    AgeBand.AGE_18_19: AgeRange(18, 19),
    AgeBand.AGE_20_PLUS: AgeRange(20, 120),  # no upper age: it may be someone of 40
    AgeBand.UNSAID: AUDIENCE,  # could be anyone the bot is for
}


@dataclass(frozen=True)
class ClassAge:
    """A class's age as its youth worker gave it: a school year, or an age range."""

    ages: AgeRange
    school_year: int | None = None  # 4–12 (gymnasiet 1 is 10); None for an age range


WHOLE_AUDIENCE = ClassAge(AUDIENCE)  # also what classes made before classes had an age got


def of_school_year(year: int) -> ClassAge | None:
    """A class of this school year, counted as the age its pupils turn in the autumn."""
    if year not in SCHOOL_YEARS:
        return None
    age = year + SCHOOL_START_AGE
    return ClassAge(AgeRange(age, age), year)


Audience = AgeBand | ClassAge


def joins_itself(age: ClassAge) -> bool:
    """Whether a class's students may join it themselves: some are old enough for the bot.
    Younger classes (åk 4–6) play only in facilitator mode, with no link to share."""
    return age.ages.max >= AUDIENCE.min


def is_for(age_range: AgeRange, audience: Audience) -> bool:
    """Whether every age of the audience lies within `age_range`."""
    ages = audience.ages
    return age_range.min <= ages.min and ages.max <= age_range.max
