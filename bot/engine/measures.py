"""The evaluation questionnaire: Likert items asked before (T1), after (T2) and at an
opt-in follow-up (T3). Plain values; the text is in content files."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.engine.model import Text

SCALE_POINTS = 5


class Wave(StrEnum):
    BEFORE = "T1"
    AFTER = "T2"
    FOLLOW_UP = "T3"


@dataclass(frozen=True)
class MeasureItem:
    id: str
    text: Text


@dataclass(frozen=True)
class FollowUpTexts:
    offer: Text  # has a {days} placeholder
    reminder: Text
    opportunity: Text
    acted: Text


@dataclass(frozen=True)
class Measures:
    version: int
    intro_before: Text
    intro_after: Text
    scale: tuple[Text, ...]  # SCALE_POINTS labels, from 1 (lowest) up
    items: tuple[MeasureItem, ...]
    follow_up: FollowUpTexts

    def intro(self, wave: Wave) -> Text:
        return self.intro_before if wave is Wave.BEFORE else self.intro_after
