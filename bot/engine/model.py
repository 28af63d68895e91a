"""The scenario model: plain, immutable values with no I/O.

A scenario is a graph of steps grouped into three phases (before, during, after).
Each step offers choices; each choice leads to another step or to an ending.
All user-facing text is a `Text`: one string per language, Swedish being the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

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


class ChoiceRef(NamedTuple):
    """A choice named across the scenario: choice ids are unique only within their step."""

    step: str
    choice: str


@dataclass(frozen=True)
class Condition:
    """When a line is shown, judged on the choices made so far; every part given must hold.

    `chose`, `strategy` and `assessment` hold when any listed value occurs on the path;
    their `not_` forms when none does. An empty part asks nothing.
    """

    chose: frozenset[ChoiceRef] = frozenset()
    not_chose: frozenset[ChoiceRef] = frozenset()
    strategy: frozenset[Strategy] = frozenset()
    not_strategy: frozenset[Strategy] = frozenset()
    assessment: frozenset[Assessment] = frozenset()
    not_assessment: frozenset[Assessment] = frozenset()
    helpful_at_least: int = 0


@dataclass(frozen=True)
class Line:
    text: Text
    when: Condition | None = None  # None: shown on every path


@dataclass(frozen=True)
class Passage:
    """A text made of lines, some shown only on some paths (see bot/engine/conditions.py).

    `get` gives the lines every player sees, for summaries such as a report's step caption;
    what one player sees comes from the engine, which fits the lines to the run's path.
    """

    lines: tuple[Line, ...]

    def get(self, language: str) -> str:
        return join_lines(line.text.get(language) for line in self.lines if line.when is None)

    @classmethod
    def plain(cls, text: Text) -> Passage:
        return cls((Line(text),))


def join_lines(texts: Iterable[str]) -> str:
    """Lines shown together read as one block: each starts on a line of its own."""
    return "\n".join(texts)


@dataclass(frozen=True)
class Step:
    id: str
    phase: Phase
    text: Passage
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Ending:
    id: str
    title: Text
    debrief: Passage
    remember: Text
    help: tuple[str, ...]  # help-resource keys, see locales/help-resources.yaml
    discuss: Passage = Passage(())  # questions to talk about, one per line; maybe none


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
