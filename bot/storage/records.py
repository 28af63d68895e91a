"""Values the store reads and writes. A user appears only as a pseudonym string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

AGE_BANDS = ("15_or_younger", "16_17", "18_19", "20_plus", "unsaid")
CONSENT_SAVE = "save"  # the only state that is stored: users who decline have no rows at all
CONSENT_NO_SAVE = "nosave"  # kept in memory only (bot.storage.memory.store)


@dataclass(frozen=True)
class Profile:
    user: str
    language: str
    age_band: str
    consent: str

    def __post_init__(self) -> None:
        # Checked here rather than by SQL constraints, which SQLite cannot alter in place.
        if self.age_band not in AGE_BANDS:
            raise ValueError(f"unknown age band {self.age_band!r}")
        if self.consent not in (CONSENT_SAVE, CONSENT_NO_SAVE):
            raise ValueError(f"unknown consent {self.consent!r}")


@dataclass(frozen=True)
class ChoiceRecord:
    run_id: str
    scenario_id: str
    version: int
    step_id: str
    choice_id: str
    strategy: str
    assessment: str
    phase: str


@dataclass(frozen=True)
class UserData:
    """What /mydata shows: everything stored about one user, summarised."""

    profile: Profile
    runs_started: int
    runs_finished: int
    choices: int
    scenarios: tuple[str, ...]  # sorted
    first_activity: date
    last_activity: date
