"""The evaluation questionnaire: blocks of five-point items adapted from published bystander
measures, asked at the start (T1) and the end (T2) of a round and at an opt-in follow-up
(T3), with the follow-up's questions on opportunity and behaviour. Plain values; the text is
in content files (scenarios/measures/), the design in docs/evaluation.md."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.engine.model import Strategy, Text

SCALE_POINTS = 5  # every scale: 1 (lowest) … 5, so items compare and ceilings mean the same

# At follow-up, whether they had an opportunity to act since.
OPPORTUNITIES = ("yes", "no", "unsure")
# At follow-up, what they did: the 5 D's, something else, or nothing (then: why not).
OTHER, NOTHING = "other", "nothing"
BEHAVIOURS = (*(s.value for s in Strategy if s is not Strategy.NONE), OTHER, NOTHING)


class Wave(StrEnum):
    BEFORE = "T1"
    AFTER = "T2"
    FOLLOW_UP = "T3"


@dataclass(frozen=True)
class Scale:
    id: str
    labels: tuple[Text, ...]  # SCALE_POINTS labels, from 1 (lowest) up


@dataclass(frozen=True)
class Block:
    """Items measuring one construct with one stem and one scale, adapted from one source
    (the file names it; docs/evaluation.md cites it)."""

    id: str
    stem: Text | None  # the question its items complete, shown above each; None: items stand alone
    scale: Scale


@dataclass(frozen=True)
class MeasureItem:
    id: str
    text: Text
    block: Block
    comparable: str | None = None  # the source whose item this one matches, if any


@dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True)
class FollowUpTexts:
    offer: Text  # has a {days} placeholder
    reminder: Text
    opportunity: Text
    behaviour: Text  # what did you do? (several answers)
    behaviours: tuple[Option, ...]  # ids: BEHAVIOURS, in the file's order
    reasons_question: Text  # what made you not act? (several answers)
    reasons: tuple[Option, ...]  # the last one's id is OTHER


@dataclass(frozen=True)
class Measures:
    version: int
    intros: dict[Wave, Text]
    items: tuple[MeasureItem, ...]  # in the order asked
    follow_up: FollowUpTexts
    class_items: tuple[str, ...]  # item ids a whole class answers as polls or hand counts

    def intro(self, wave: Wave) -> Text:
        return self.intros[wave]

    def item(self, item_id: str) -> MeasureItem | None:
        return next((i for i in self.items if i.id == item_id), None)
