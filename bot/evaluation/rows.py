"""The researchers' row-level export: one row per person, round, wave and questionnaire item
answered, and one per follow-up answer, as an Excel workbook or a Swedish CSV, each with
its data dictionary.

Pseudonymised personal data, not a published table (docs/privacy.md, "The researchers'
row-level export"): no pseudonym, no class id, no day. A person is a random id drawn
afresh for every export, so two exports cannot be joined person by person; so is a class.
A class with fewer than K people in the export is not named: its rows stay (so the export's
totals are the published report's, and nothing is learnt by subtracting one from the
other) without class and context, exactly like the rows of people outside classes, so
that neither set can be told from the other; context is given only beside a class label.
docs/privacy.md says why, and what else the file leaves out.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from bot.content.locales import Locales
from bot.evaluation.dictionary import HEADINGS
from bot.evaluation.release import Period, PeriodError
from bot.evaluation.tabular import FLAG, INTEGER, TEXT, Value
from bot.storage.records import SKIPPED, ResearchRow

PERSON_DIGITS = 8  # hex digits of a person's random id: 4 billion, never two alike
CLASS_DIGITS = 4
FORMATS = ("xlsx", "csv")
LESSON, SOLO = "lesson", "solo"
DATA_SHEET, DICTIONARY_SHEET = "rows", "dictionary"
# Each column and its kind; its description is `research.column.<key>` in the locales.
COLUMNS = (
    ("export_person", TEXT),
    ("class", TEXT),
    ("age_band", TEXT),
    ("language", TEXT),
    ("round", INTEGER),
    ("wave", TEXT),
    ("item_id", TEXT),
    ("value", INTEGER),
    ("value_skipped", FLAG),
    ("answer", TEXT),
    ("month", TEXT),
    ("context", TEXT),
)
WAVE_ORDER = {"T1": 0, "T2": 1, "T3": 2}


class ExportRefused(ValueError):
    """An export that may not be made; `reason` names the locale text that says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Span:
    """The closed months an export covers: one month, or FIRST..LAST."""

    first: Period
    last: Period

    @classmethod
    def parse(cls, text: str, today: date) -> Span:
        """`2026-10` or `2026-09..2026-11`; ExportRefused unless every month has ended."""
        try:
            first, _, last = text.partition("..")
            span = cls(Period.parse(first), Period.parse(last or first))
            if span.last < span.first:
                raise PeriodError(f"{text!r}: the first month comes after the last")
            span.last.check_closed(today)
        except PeriodError as error:
            raise ExportRefused("period", str(error)) from None
        return span

    @classmethod
    def last_month(cls, today: date) -> Span:
        month = Period.last_closed_month(today)
        return cls(month, month)

    @property
    def name(self) -> str:
        return (
            self.first.name if self.first == self.last else f"{self.first.name}..{self.last.name}"
        )


@dataclass(frozen=True)
class ResearchTable:
    rows: tuple[tuple[Value, ...], ...]  # in COLUMNS order
    people: int
    classes: int  # classes named (K people or more)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(key for key, _ in COLUMNS)


def research_table(answers: Sequence[ResearchRow], k: int) -> ResearchTable:
    """The export's rows; ExportRefused when it would hold fewer than K people."""
    people = {answer.person for answer in answers}
    if len(people) < k:
        raise ExportRefused(
            "too_few", f"the export would hold {len(people)} people, fewer than K = {k}"
        )
    in_class: dict[int, set[int]] = defaultdict(set)
    for answer in answers:
        if answer.home_class is not None:
            in_class[answer.home_class].add(answer.person)
    named = _named_classes(in_class, k, outside=any(a.home_class is None for a in answers))
    person_ids = dict(zip(people, _random_ids(len(people), PERSON_DIGITS), strict=True))
    class_ids = dict(zip(named, _random_ids(len(named), CLASS_DIGITS), strict=True))
    rows = [
        row
        for answer in answers
        for row in _rows(answer, person_ids[answer.person], class_ids.get(answer.home_class))
    ]
    # Sorted by the random ids, so the order says nothing of the stored order.
    rows.sort(key=lambda row: (row[0], row[4], WAVE_ORDER.get(row[5], 3), row[6], row[9] or ""))
    return ResearchTable(tuple(rows), len(people), len(named))


def _named_classes(in_class: dict[int, set[int]], k: int, *, outside: bool) -> list[int]:
    """The classes of at least K people. When the unnamed rows would be one small class
    alone (nobody outside classes), the smallest named class is unnamed too: the published
    report lists the classes, so an unnamed set of one class would name it."""
    named = sorted((n for n, members in in_class.items() if len(members) >= k),
                   key=lambda n: len(in_class[n]))  # fmt: skip
    if len(in_class) - len(named) == 1 and not outside and named:
        named.pop(0)
    return named


def _random_ids(count: int, digits: int) -> list[str]:
    chosen: set[str] = set()
    while len(chosen) < count:
        chosen.add(secrets.token_hex(digits // 2))
    ids = list(chosen)
    secrets.SystemRandom().shuffle(ids)  # a set's order is not random enough to trust
    return ids


def _rows(answer: ResearchRow, person: str, label: str | None) -> Iterator[tuple[Value, ...]]:
    context = None if label is None else (LESSON if answer.in_lesson else SOLO)
    skipped = int(answer.value == SKIPPED)
    value = None if skipped else answer.value
    # A follow-up's "what did you do" and "why not" may hold several answers: a row each;
    # an empty one was skipped.
    if answer.answer == "":
        skipped, choices = 1, [None]
    else:
        choices = answer.answer.split(",") if answer.answer is not None else [None]
    for choice in choices:
        yield (
            person,
            label,
            answer.age_band,
            answer.language,
            answer.round,
            answer.wave,
            answer.item_id,
            value,
            skipped,
            choice.strip() if choice is not None else None,
            answer.month,
            context,
        )


# -- files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    name: str
    content: bytes


def dictionary(locales: Locales, language: str, k: int) -> list[tuple[str, ...]]:
    """The data dictionary: each column, its kind and meaning, in `language`."""

    def t(key: str, **values: object) -> str:
        return locales.text(language, key, **values)

    return [
        (
            DATA_SHEET,
            key,
            key,
            t(f"report.dictionary.kind.{kind}"),
            t(f"research.column.{key}", k=k),
        )
        for key, kind in COLUMNS
    ]


def dictionary_headings(locales: Locales, language: str) -> tuple[str, ...]:
    return tuple(locales.text(language, f"report.dictionary.heading.{h}") for h in HEADINGS)


def export_files(
    table: ResearchTable,
    fmt: str,
    stem: str,
    locales: Locales,
    language: str,
    k: int,
    made: date,
) -> list[ExportFile]:
    """The export as files: one workbook, or the CSV and its dictionary CSV. The first file
    is the one the log's sha256 is of."""
    from bot.evaluation import render, workbook  # XlsxWriter: loaded when an export is made

    entries = dictionary(locales, language, k)
    headings = dictionary_headings(locales, language)
    if fmt == "xlsx":
        sheets = [
            (DATA_SHEET, table.columns, table.rows),
            (DICTIONARY_SHEET, headings, entries),
        ]
        return [ExportFile(f"{stem}.xlsx", workbook.write_book(sheets, stem, language, made))]
    return [
        ExportFile(f"{stem}.csv", render.swedish_csv(list(table.columns), table.rows).encode()),
        ExportFile(f"{stem}-dictionary.csv", render.swedish_csv(list(headings), entries).encode()),
    ]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
