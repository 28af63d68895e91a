"""A researcher holding the row-level export and the published report of the same months
(which lists the classes that played each month, docs/privacy.md) tries to single out a
group of fewer than K people of one class. The month column splits the export: each
month's rows must obey the class rules the whole file obeys."""

from __future__ import annotations

from collections import defaultdict

from bot.evaluation.rows import research_table
from bot.storage.records import ResearchRow

K = 5
SEPTEMBER, OCTOBER = "2026-09", "2026-10"


def answers(people: range, home: int | None, month: str, language: str = "sv") -> list[ResearchRow]:
    """T1 and T2 of one item for each person, answered in `month`."""
    return [
        ResearchRow(person, 1, home, home is not None, "16_17", language, wave, "efficacy",
                    value, None, month)
        for person in people
        for wave, value in (("T1", 2), ("T2", 4))
    ]  # fmt: skip


def people_by(rows, column: int) -> dict[tuple, set[str]]:
    """The export's people by (month, `column`): whom each cell describes."""
    cells: dict[tuple, set[str]] = defaultdict(set)
    for row in rows:
        cells[(row[10], row[column])].add(row[0])
    return cells


def test_no_month_of_a_named_class_describes_fewer_than_k() -> None:
    """A class of 6 played in September; 2 pupils who were away played in October. Over
    the two months the class has 8 people and is named, so its October rows carry its
    label: the 2 latecomers, whom their teacher knows, with every answer, while the
    October report hides the class as under K."""
    rows = research_table(
        [*answers(range(1, 7), 1, SEPTEMBER), *answers(range(7, 9), 1, OCTOBER),
         *answers(range(20, 30), None, SEPTEMBER), *answers(range(30, 40), None, OCTOBER)],
        K,
    ).rows  # fmt: skip
    small = {cell: len(p) for cell, p in people_by(rows, 1).items() if cell[1] and len(p) < K}
    assert not small, f"named (month, class) cells of fewer than K people: {small}"


def test_no_month_of_unnamed_rows_is_one_small_class_alone() -> None:
    """Two classes under K, nobody outside classes: the file's unnamed rows are two
    classes, but the September ones are class 2 alone and the October ones class 3 alone.
    The report of each month lists the classes that played it, so the month column names
    each small class."""
    rows = research_table(
        [*answers(range(1, 7), 1, SEPTEMBER), *answers(range(7, 13), 1, OCTOBER),
         *answers(range(20, 23), 2, SEPTEMBER), *answers(range(30, 33), 3, OCTOBER)],
        K,
    ).rows  # fmt: skip
    unnamed = {month: p for (month, label), p in people_by(rows, 1).items() if label is None}
    lone = {month: len(p) for month, p in unnamed.items() if len(p) < K}
    assert not lone, f"a month's unnamed rows are one class of fewer than K: {lone}"


def test_a_rare_language_does_not_single_out_a_person() -> None:
    """One person of a class under K uses the bot in Somali. Their rows are unnamed, but
    language + age band + month is theirs alone: their teacher, who knows who uses Somali,
    reads every answer they gave. Each combination of these columns should describe at
    least K people (a rarer value becomes "other")."""
    rows = research_table(
        [*answers(range(1, 7), 1, SEPTEMBER), *answers(range(10, 20), None, SEPTEMBER),
         *answers(range(7, 8), 2, SEPTEMBER, language="so"),
         *answers(range(8, 10), 2, SEPTEMBER)],
        K,
    ).rows  # fmt: skip
    cells: dict[tuple, set[str]] = defaultdict(set)
    for row in rows:
        cells[(row[2], row[3], row[10])].add(row[0])
    rare = {cell: len(p) for cell, p in cells.items() if len(p) < K}
    assert not rare, f"(age band, language, month) of fewer than K people: {rare}"
