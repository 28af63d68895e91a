"""What the evaluation report is built from: aggregated counts and anonymous answer pairs.

The storage layer computes these in SQL; nothing here identifies a person. Counts of
distinct students (`participants`) decide suppression: a cell with fewer than K
respondents is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Filters:
    scenario: str | None = None
    class_id: int | None = None
    since: date | None = None
    until: date | None = None
    unclassed: bool = False  # only runs played outside any class


@dataclass(frozen=True)
class ScenarioCounts:
    scenario_id: str
    participants: int  # distinct students who started it
    starts: int  # runs started
    completions: int  # runs finished
    completers: int  # distinct students who finished a run (the K test for completions)


@dataclass(frozen=True)
class ChoiceCount:
    scenario_id: str
    step_id: str
    choice_id: str
    strategy: str
    assessment: str
    phase: str
    answers: int  # choices made (all plays)
    participants: int  # distinct students who made this choice


@dataclass(frozen=True)
class StepTotal:
    scenario_id: str
    step_id: str
    participants: int  # distinct students who answered the step (the K test for its cells)
    answers: int


@dataclass(frozen=True)
class StrategyCount:
    strategy: str  # distract, delegate, document, delay, direct, none
    answers: int
    participants: int


@dataclass(frozen=True)
class HelpfulShare:
    play: str  # "first": a student's first run of a scenario; "later": replays
    helpful: int
    total: int
    participants: int
    helpful_people: int  # distinct students with a helpful answer (the K test for helpful)


@dataclass(frozen=True)
class MeasurePair:
    """One student's answer to one item before and after, with the clusters it belongs to.

    The labels say which pairs share a class or a person, and nothing else: ordinals
    numbered afresh in every report, never a class id or a pseudonym. None when unknown:
    no class for runs outside classes; neither for pairs folded by retention.
    """

    item_id: str
    comparison: str  # "T1-T2" or "T1-T3"
    before: int  # Likert 1..5
    after: int
    class_label: int | None = None  # the class of the person's first run of the scenario
    person_label: int | None = None


@dataclass(frozen=True)
class MeasurePeople:
    """How many distinct students the pairs of one item and comparison come from."""

    item_id: str
    comparison: str
    people: int
    # Of them, how many answered at the top of the scale at T1, and how many below it (in
    # some pair: one person may be in both); the K tests of the ceiling check.
    at_top_before: int = 0
    below_top_before: int = 0


@dataclass(frozen=True)
class GroupCounts:
    dimension: str  # "age_band" or "class"
    group: str  # e.g. "16_17", or a class name
    participants: int
    completions: int
    helpful: int
    answers: int
    completers: int  # distinct students who finished a run
    helpful_people: int  # distinct students with a helpful answer


@dataclass(frozen=True)
class FacilitatedCount:
    """Class-level hand counts from facilitated sessions, kept apart from individuals."""

    scenario_id: str
    step_id: str
    choice_id: str
    strategy: str
    hands: int
    sessions: int


# The answers of a follow-up's totals (FollowUpCount.answer), named as no option is:
# everyone who answered the question, and at "acted", everyone who did something (any
# answer but "nothing").
ANSWERED, SOMETHING = "(answered)", "(something)"


@dataclass(frozen=True)
class FollowUpCount:
    """People at follow-up (T3) who gave one answer to one of its questions, counted in the
    month of the reminder and the class of the round, like the answer pairs.

    `question`: "opportunity" (answers yes, no, unsure), "acted" (after yes: a behaviour id
    each person may tick with others) or "reasons" (after "nothing": a reason id, several
    too). `answer` ANSWERED counts everyone who answered the question, a skip excluded;
    SOMETHING, at "acted", everyone who ticked anything but "nothing"."""

    question: str
    answer: str
    people: int


@dataclass(frozen=True)
class ClassAnswerCount:
    """How many in a lesson's class chose one point of a class item's scale at one wave
    (bot.services.class_questions). `lesson` None: folded by retention, already only the
    items answered at both waves by at least K each, over `lessons` lessons."""

    item_id: str
    wave: str
    value: int
    answers: int
    lesson: int | None
    lessons: int


@dataclass(frozen=True)
class ReportData:
    filters: Filters
    scenarios: list[ScenarioCounts] = field(default_factory=list)
    choices: list[ChoiceCount] = field(default_factory=list)
    steps: list[StepTotal] = field(default_factory=list)
    strategies: list[StrategyCount] = field(default_factory=list)
    helpful: list[HelpfulShare] = field(default_factory=list)
    measures: list[MeasurePair] = field(default_factory=list)
    measure_people: list[MeasurePeople] = field(default_factory=list)
    groups: list[GroupCounts] = field(default_factory=list)
    facilitated: list[FacilitatedCount] = field(default_factory=list)
    follow_ups: list[FollowUpCount] = field(default_factory=list)  # never folded: deleted
    class_answers: list[ClassAnswerCount] = field(default_factory=list)
    # Some counts come from events folded by retention, whose distinct people could only be
    # added up per month and group: every count of participants is then an upper bound.
    folded: bool = False
