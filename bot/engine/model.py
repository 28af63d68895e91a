"""The scenario model: plain, immutable values with no I/O.

A scenario is a graph of steps grouped into three phases (before, during, after).
Each step offers choices; each choice leads to another step or to an ending.
All user-facing text is a `Text`: one string per language, Swedish being the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

SOURCE_LANGUAGE = "sv"
# Always complete: what a partial translation shows for its missing texts.
FALLBACK_LANGUAGE = "en"


class Phase(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"

    @property
    def order(self) -> int:
        return list(Phase).index(self)


class Strategy(StrEnum):
    """The 5 D's of bystander intervention, plus the passive non-choice."""

    DISTRACT = "distract"
    DELEGATE = "delegate"
    DOCUMENT = "document"
    DELAY = "delay"
    DIRECT = "direct"
    NONE = "none"


class Assessment(StrEnum):
    HELPFUL = "helpful"
    PARTLY = "partly"
    HARMFUL = "harmful"


class Principle(StrEnum):
    """The four principles of Botkyrka's violence-prevention center."""

    SECURE_RELATIONSHIPS = "secure_relationships"
    GENDER_NORMS = "gender_norms"
    LEADERSHIP = "leadership"
    ACTIVE_BYSTANDER = "active_bystander"


class FocusArea(StrEnum):
    CHILDREN_AND_YOUTH = "children_and_youth"
    CLOSE_RELATIONSHIPS = "close_relationships"
    NARCOTICS = "narcotics"
    GENDER_NORMS = "gender_norms"


@dataclass(frozen=True)
class Text:
    """One piece of text in several languages; falls back to English, then Swedish."""

    values: Mapping[str, str]

    def get(self, language: str) -> str:
        return (
            self.values.get(language)
            or self.values.get(FALLBACK_LANGUAGE)
            or self.values[SOURCE_LANGUAGE]
        )

    @classmethod
    def source(cls, text: str) -> Text:
        return cls({SOURCE_LANGUAGE: text})


@dataclass(frozen=True)
class Choice:
    id: str
    label: Text
    feedback: Text
    strategy: Strategy
    assessment: Assessment
    next: str  # a step id or an ending id


@dataclass(frozen=True)
class Step:
    id: str
    phase: Phase
    text: Text
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Ending:
    id: str
    title: Text
    debrief: Text
    remember: Text
    help: tuple[str, ...]  # help-resource keys, see locales/help-resources.yaml


@dataclass(frozen=True)
class AgeRange:
    min: int
    max: int


@dataclass(frozen=True)
class Scenario:
    id: str
    version: int
    title: Text
    description: Text
    focus_areas: tuple[FocusArea, ...]
    principles: tuple[Principle, ...]
    age: AgeRange
    minutes: int
    content_note: Text
    start: str
    steps: Mapping[str, Step]
    endings: Mapping[str, Ending]
    languages: tuple[str, ...] = field(default=(SOURCE_LANGUAGE,))

    def step(self, step_id: str) -> Step | None:
        return self.steps.get(step_id)

    def ending(self, ending_id: str) -> Ending | None:
        return self.endings.get(ending_id)

    def steps_in(self, phase: Phase) -> list[Step]:
        return [s for s in self.steps.values() if s.phase is phase]
