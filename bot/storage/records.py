"""Values the storage ports (bot.storage.ports) read and write, the same for every backend.

A person appears only as a pseudonym string."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.engine.ages import ClassAge
from bot.engine.measures import SCALE_POINTS
from bot.engine.model import AgeRange

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


# -- staff: roles, classes, class results -------------------------------------------------

YOUTH_WORKER, EVALUATOR, MENTOR = "youth_worker", "evaluator", "mentor"
RESEARCHER = "researcher"  # receives the row-level export (bot/evaluation/rows.py), no reports
ROLES = (YOUTH_WORKER, EVALUATOR, MENTOR, RESEARCHER)
LEADING_ROLES = (YOUTH_WORKER, MENTOR)  # may lead a lesson or facilitator mode
# The stored menu of a person whose role was revoked: whatever the bot set in their chat no
# longer fits; it sets the menu of the roles they still hold at their next contact.
RESET_MENU = "reset"


@dataclass(frozen=True)
class RoleGrant:
    id: int
    role: str
    label: str
    granted_on: str
    inviter_label: str | None = None  # a mentor's: the label of the youth worker's grant


@dataclass(frozen=True)
class ClassRecord:
    id: int
    owner: str
    name: str
    code: str
    expires_on: str
    closed_on: str | None
    age: ClassAge

    @classmethod
    def of_row(cls, row) -> ClassRecord:
        *fields, age_min, age_max, school_year = row
        return cls(*fields, ClassAge(AgeRange(age_min, age_max), school_year))

    def is_open(self, today: date) -> bool:
        return self.closed_on is None and date.fromisoformat(self.expires_on) >= today


@dataclass(frozen=True)
class ScenarioProgress:
    scenario_id: str
    started: int  # distinct students
    finished: int


@dataclass(frozen=True)
class StepAnswers:
    """How the class answered one step: each student's first answer counts once."""

    step_id: str
    students: int
    counts: dict[str, int]  # choice id -> number


def answers_by_step(rows: Iterable[tuple[str, str, int]]) -> dict[str, StepAnswers]:
    """StepAnswers of (step id, choice id, number) rows, as class results are read."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for step_id, choice_id, number in rows:
        counts[step_id][choice_id] = number
    return {step: StepAnswers(step, sum(c.values()), c) for step, c in counts.items()}


# -- lessons, plays and polls ---------------------------------------------------------------

GROUP, ROOM, PHONES = "group", "room", "phones"
MODES = (GROUP, ROOM, PHONES)
HANDS, POLL = "hands", "poll"  # where a play's totals come from
SOURCES = (HANDS, POLL)
# step, choice, strategy, assessment, phase, number (of hands or votes)
CountRow = tuple[str, str, str, str, str, int]


@dataclass(frozen=True)
class GroupChat:
    """Where a group lesson plays: a chat, and a topic of it when the group has topics
    (None: the chat's general thread, a place of its own)."""

    chat_id: int
    thread_id: int | None = None


@dataclass(frozen=True)
class Lesson:
    id: int
    class_id: int
    leader: str  # pseudonym of the youth worker or mentor who started it
    mode: str  # GROUP | ROOM | PHONES
    scenario_id: str | None
    chat: GroupChat | None  # group mode only
    started_at: datetime
    ends_at: datetime
    ended_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and self.ends_at > now


@dataclass(frozen=True)
class Play:
    """One scenario played together in a lesson."""

    id: int
    lesson_id: int | None  # None once the lesson was deleted
    class_id: int
    scenario_id: str
    version: int
    state: dict[str, Any]
    source: str  # HANDS | POLL
    revision: int  # what `save_play` expects: it moves on with every save
    finished: bool


@dataclass(frozen=True)
class PollLink:
    """An anonymous poll the bot posted for a step of a play."""

    poll_id: str
    play_id: int
    lesson_id: int | None
    step_id: str
    message_id: int
    closed: bool
    chat: GroupChat | None  # where the poll is, from its lesson


# A class's answers to the class items together (measures.yaml's class_items): at the start
# (T1) and the end (T2) of a lesson, by a show of hands or anonymous polls; totals only.
CLASS_WAVES = ("T1", "T2")


@dataclass(frozen=True)
class ClassQuestions:
    """Where a lesson's class questions are."""

    asking: str | None  # the wave whose items the room answers now by typed hand counts
    item: str | None  # the item whose counts are awaited; None between items
    answered: frozenset[tuple[str, str]]  # (wave, item id) with stored answers

    def has(self, wave: str) -> bool:
        return any(done == wave for done, _ in self.answered)


@dataclass(frozen=True)
class ClassPoll:
    """An anonymous poll the bot posted in a group for a class item."""

    poll_id: str
    lesson_id: int
    wave: str
    item_id: str
    message_id: int
    closed: bool


def check_asking(wave: str | None, item_id: str | None) -> None:
    """ValueError unless a room may be asked this wave and item (bot.storage.ports)."""
    if wave is not None and wave not in CLASS_WAVES:
        raise ValueError(f"a class answers at T1 or T2, not {wave!r}")
    if wave is None and item_id is not None:
        raise ValueError("an item is asked at a wave")


def check_class_answers(wave: str, answers: Sequence[int], source: str) -> None:
    """ValueError unless these are a class item's answers a backend may keep."""
    if wave not in CLASS_WAVES:
        raise ValueError(f"a class answers at T1 or T2, not {wave!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown source of totals {source!r}")
    if len(answers) != SCALE_POINTS or any(n < 0 for n in answers):
        raise ValueError(f"a class item has {SCALE_POINTS} counts of answers, none negative")


# -- evaluation: questionnaire, follow-ups, reports, retention -----------------------------

RETIRED = ""  # the body of a released period past retention
SKIPPED = 0  # a question the person chose to skip; never part of a pair


# A round of the questionnaire: T1, T2 and the opt-in T3 of one person, named by the
# scenario it started with (`scenario_id` in the answers and follow-ups). A lesson's round
# ends with the lesson, a solo round after a few scenarios (bot.services.survey).
WAITING, SENT, CANCELLED = "waiting", "sent", "cancelled"  # a lesson round's end questions


@dataclass(frozen=True)
class DueMessage:
    """A message the bot sends unasked: a follow-up reminder or a lesson's end questions."""

    id: int
    scenario_id: str  # the round's
    address: str  # sealed; only the sender can open it
    language: str


FOLLOW_UP_ANSWERS = ("opportunity", "acted", "reasons")  # a follow-up's answer columns


@dataclass(frozen=True)
class FollowUpState:
    id: int
    scenario_id: str
    status: str  # scheduled | sent | cancelled
    opportunity: str | None  # yes | no | unsure
    acted: str | None  # what they did: behaviour ids joined by commas
    reasons: str | None  # why they did nothing: reason ids joined by commas


@dataclass(frozen=True)
class SurveyState:
    """What the questionnaire rules need to know about one person and one round."""

    answers: dict[str, dict[str, int]]  # wave -> item id -> value (SKIPPED when skipped)
    played: bool  # a run of the round's scenario was ever started
    played_any: bool  # a run of any scenario was ever started
    finished_scenarios: int  # scenarios with a finished run (replays and lesson rounds aside)
    lesson_round: str | None  # a lesson's round: WAITING, SENT or CANCELLED; None: solo
    follow_up: FollowUpState | None  # the person's follow-up for this round
    follow_ups: int  # the person's follow-ups for all rounds


# Retention removes an invitation this many days after it expired.
INVITATION_GRACE_DAYS = 7
# The researchers' export log is kept this long (docs/privacy.md), whatever the retention
# of raw events: it shows who received personal data, for what, for as long as they may
# still hold it under a typical approval.
RESEARCH_LOG_MONTHS = 36


@dataclass(frozen=True)
class PurgeSummary:
    """What retention removes (or, in a dry run, would remove), kind by kind."""

    cutoff: date
    choices: int
    runs: int
    measure_answers: int
    follow_ups: int
    profiles: int  # people without activity since before the cutoff
    memberships: int  # of those people, and of the classes removed
    classes: int  # ended (closed or expired) before the cutoff
    facilitations: int  # sessions of the classes removed
    invitations: int  # expired more than INVITATION_GRACE_DAYS ago
    roles: int  # revoked before the cutoff
    small_groups: int  # aggregate rows of fewer than K people, merged or deleted
    releases: int  # released periods that ended before the cutoff, retired
    research_exports: int = 0  # export log entries older than RESEARCH_LOG_MONTHS


def retention_cutoff(today: date, months: int) -> date:
    """The first day of the month `months` before today's: older raw events are folded."""
    month_index = today.year * 12 + today.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, 1)


# -- the researchers' row-level export (bot/evaluation/rows.py) ---------------------------

FOLLOW_UP_WAVE = "follow_up"  # the wave of a follow-up's answers in the export


@dataclass(frozen=True)
class ResearchRow:
    """One answer as the export reads it: its person and class as ordinals numbered afresh
    in every read (never a pseudonym or a class id), the rest as stored."""

    person: int
    round: int  # the person's rounds numbered 1, 2, … (T1 and T2 of one round belong together)
    home_class: int | None  # None: the person's first run of it was outside classes
    in_lesson: bool  # the round was played in a lesson (its end questions came at its end)
    age_band: str
    language: str
    wave: str  # T1 | T2 | T3 | FOLLOW_UP_WAVE
    item_id: str  # a questionnaire item, or "opportunity" / "acted" / "reasons"
    value: int | None  # a questionnaire answer (SKIPPED when skipped); None for a follow-up
    answer: str | None  # a follow-up's answer(s), as stored; None for a questionnaire item
    month: str  # YYYY-MM of the answer (of a follow-up: of its reminder)


@dataclass(frozen=True)
class ResearchExport:
    """One entry of the export log: asked (in Telegram, until a format is chosen) or made."""

    id: int
    asked_on: str  # ISO day
    who: str  # the operator's --for text, or the researcher's role grant label
    grant_id: int | None  # the researcher's grant (Telegram); None from the server
    purpose: str
    filters: str  # e.g. "period=2026-10"
    made_on: str | None = None  # None: asked, not (yet) made
    fmt: str | None = None
    rows: int | None = None
    people: int | None = None
    classes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ExportFacts:
    """What a made export is logged with."""

    fmt: str
    rows: int
    people: int
    classes: int
    sha256: str


PROJECTOR, LOGIN, SESSION = "projector", "login", "session"  # WebToken kinds
LAUNCH = "launch"  # a used Mini App launch, kept until it is too old to pass again
WEB_TOKEN_KINDS = (PROJECTOR, LOGIN, SESSION, LAUNCH)
DIGEST_BYTES = 32  # a web token is kept only as the SHA-256 digest of its secret


@dataclass(frozen=True)
class WebToken:
    """A link or session of the web pages (issue 18), kept under the digest of its secret."""

    kind: str  # PROJECTOR | LOGIN | SESSION | LAUNCH
    holder: str  # pseudonym of the staff member it was made for (checked again on every use)
    expires_at: datetime  # aware UTC
    lesson_id: int | None = None  # PROJECTOR: the lesson it shows
    language: str = ""  # the page's language (the holder's at the time)

    def __post_init__(self) -> None:
        if self.kind not in WEB_TOKEN_KINDS:
            raise ValueError(f"unknown web token kind {self.kind!r}")
        if (self.kind == PROJECTOR) != (self.lesson_id is not None):
            raise ValueError("a projector link needs its lesson, and only a projector link has one")
        if self.expires_at.tzinfo is None:
            raise ValueError("timestamps must be aware datetimes")


def check_digest(digest: bytes) -> None:
    if len(digest) != DIGEST_BYTES:
        raise ValueError(f"a token's digest is {DIGEST_BYTES} bytes, not {len(digest)}")
