"""Texts that fit the player's path: which lines of a passage a run shows.

A line's condition is judged on the choices made so far in the run: for a step, those
before it; for an ending's debrief, the whole path.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from bot.engine.model import (
    SOURCE_LANGUAGE,
    Assessment,
    Choice,
    ChoiceRef,
    Condition,
    Line,
    Passage,
    Text,
    join_lines,
)


class Taken(NamedTuple):
    """One choice made on a path, with the step it was made in."""

    step: str
    choice: Choice

    @property
    def ref(self) -> ChoiceRef:
        return ChoiceRef(self.step, self.choice.id)


def holds(condition: Condition, path: Sequence[Taken]) -> bool:
    made = {taken.ref for taken in path}
    strategies = {taken.choice.strategy for taken in path}
    assessments = {taken.choice.assessment for taken in path}
    helpful = sum(taken.choice.assessment is Assessment.HELPFUL for taken in path)
    return (
        _any_of(condition.chose, made)
        and not condition.not_chose & made
        and _any_of(condition.strategy, strategies)
        and not condition.not_strategy & strategies
        and _any_of(condition.assessment, assessments)
        and not condition.not_assessment & assessments
        and helpful >= condition.helpful_at_least
    )


def _any_of(wanted: frozenset, present: Collection) -> bool:
    return not wanted or any(value in present for value in wanted)


def shown(passage: Passage, path: Sequence[Taken]) -> Text:
    """The passage as this path shows it: its lines that hold, in order, in every language.

    Each line falls back on its own (a line missing in Arabic shows in English), so a
    partly translated passage never mixes up which lines are shown.
    """
    texts = [line.text for line in passage.lines if _holds(line, path)]
    languages = {SOURCE_LANGUAGE, *(language for text in texts for language in text.values)}
    return Text({language: join_lines(t.get(language) for t in texts) for language in languages})


def kept(passage: Passage, path: Sequence[Taken]) -> Passage:
    """The lines this path shows, each still a line of its own (a list, such as questions
    to discuss, rather than one text)."""
    return Passage(tuple(Line(line.text) for line in passage.lines if _holds(line, path)))


def _holds(line: Line, path: Sequence[Taken]) -> bool:
    return line.when is None or holds(line.when, path)


def fitted(passage: Passage, path: Sequence[Taken]) -> Passage:
    """The passage reduced to what this path shows (itself when nothing depends on the path)."""
    if all(line.when is None for line in passage.lines):
        return passage
    return Passage.plain(shown(passage, path))
