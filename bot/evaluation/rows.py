"""The researchers' row-level export: one row per person, round, wave and questionnaire item
answered, and one per follow-up answer, as an Excel workbook or a Swedish CSV, each with
its data dictionary.

Pseudonymised personal data, not a published table (docs/privacy.md, "The researchers'
row-level export"): no pseudonym, no class id, no day. A person is a random id drawn
afresh for every export, so two exports cannot be joined person by person; so is a class.
A class is named only in the months at least K of its people answered in: its other rows
stay (so the export's totals are the published report's, and nothing is learnt by
subtracting one from the other) without class and context, exactly like the rows of
people outside classes, so that neither set can be told from the other; context is given
only beside a class label. A month's unnamed rows are never one small class alone, and a
language too few people used is written as "other".
docs/privacy.md says why, and what else the file leaves out.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from bot.content.locales import Locales
from bot.evaluation.dictionary import HEADINGS
from bot.evaluation.release import Period, PeriodError
from bot.evaluation.tabular import INTEGER, TEXT, Value
from bot.storage.records import SKIPPED, ResearchRow

PERSON_DIGITS = 8  # hex digits of a person's random id: 4 billion, never two alike
CLASS_DIGITS = 4
FORMATS = ("xlsx", "csv")
LESSON, SOLO = "lesson", "solo"
OTHER_LANGUAGE = "other"  # a language too few people of a scope used
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
    ("value_skipped", INTEGER),  # 1 or 0, not a reason code
    ("answer", TEXT),
    ("month", TEXT),
    ("context", TEXT),
)
WAVE_ORDER = {"T1": 0, "T2": 1, "T3": 2}
Cell = tuple[int | None, str]  # (class, month); class None: outside classes or unnamed
Member = tuple[int, int | None]  # (person, class)


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
    classes: int  # classes named (in a month of K of their people or more)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(key for key, _ in COLUMNS)


def research_table(answers: Sequence[ResearchRow], k: int) -> ResearchTable:
    """The export's rows; ExportRefused when it would hold fewer than K people."""
    labelled, withheld = _labelled(answers, k)
    kept = [answer for answer in answers if answer.month not in withheld]
    people = {answer.person for answer in kept}
    if len(people) < k:
        raise ExportRefused(
            "too_few", f"the export would hold {len(people)} people, fewer than K = {k}"
        )
    classes = sorted({home for _, home in labelled})
    person_ids = dict(zip(people, _random_ids(len(people), PERSON_DIGITS, "p"), strict=True))
    class_ids = dict(zip(classes, _random_ids(len(classes), CLASS_DIGITS, "c"), strict=True))

    def scope(answer: ResearchRow) -> Cell:
        labels = (answer.person, answer.home_class) in labelled
        return (answer.home_class if labels else None, answer.month)

    languages = _languages(kept, scope, k)
    rows = [
        row
        for answer in kept
        for row in _rows(
            answer,
            person_ids[answer.person],
            class_ids[answer.home_class] if scope(answer)[0] is not None else None,
            languages[(scope(answer), answer.language)],
        )
    ]
    # Sorted by the random ids, so the order says nothing of the stored order.
    rows.sort(key=lambda row: (row[0], row[4], WAVE_ORDER.get(row[5], 3), row[6], row[9] or ""))
    return ResearchTable(tuple(rows), len(people), len(classes))


def _members(answers: Sequence[ResearchRow]) -> dict[Cell, set[int]]:
    """The people who answered in each (class, month)."""
    members: dict[Cell, set[int]] = defaultdict(set)
    for answer in answers:
        members[(answer.home_class, answer.month)].add(answer.person)
    return members


def _labelled(answers: Sequence[ResearchRow], k: int) -> tuple[set[Member], set[str]]:
    """The (person, class)s whose rows carry the class label, and the months withheld.

    A class is named in a month when at least K of its people answered in it, and a
    person's rows of a class carry its label only when it is named in every month they
    answered in: otherwise their id would tie their unnamed rows to the class. Dropping
    a person can take a month under K, so this repeats until nothing changes."""
    members = _members(answers)
    months: dict[Member, set[str]] = defaultdict(set)
    for answer in answers:
        if answer.home_class is not None:
            months[(answer.person, answer.home_class)].add(answer.month)
    named = {cell for cell, people in members.items() if cell[0] is not None and len(people) >= k}
    while True:
        labelled = {pair for pair, its in months.items() if all((pair[1], m) in named for m in its)}
        narrower, withheld = _no_lone_class(members, named, labelled, k)
        if narrower == named:
            return labelled, withheld
        named = narrower


def _no_lone_class(
    members: dict[Cell, set[int]], named: set[Cell], labelled: set[Member], k: int
) -> tuple[set[Cell], set[str]]:
    """The named (class, month)s still of K labelled people, less those that would leave a
    month's unnamed rows one class of fewer than K people alone (nobody outside classes):
    the month's report lists the classes that played, so such a set would name the class.
    The month's smallest other named class is unnamed with it; with none to unname, the
    class itself, or (when it has no K people that month) the month is withheld: it holds
    fewer than K people, all of one class, and its report shows none of its numbers."""
    narrower: set[Cell] = set()
    withheld: set[str] = set()
    for month in {month for _, month in members}:
        here = {home: people for (home, m), people in members.items() if m == month}
        shown = {h: len({p for p in people if (p, h) in labelled}) for h, people in here.items()}
        big = sorted((h for h in here if (h, month) in named and shown[h] >= k), key=shown.get)
        unnamed = {(p, h) for h, people in here.items() for p in people if (p, h) not in labelled}
        lone = {h for _, h in unnamed}
        if len(lone) == 1 and None not in lone and len(unnamed) < k:
            others = [h for h in big if h not in lone]
            if others:
                big.remove(others[0])
            elif big or (*lone, month) in named:
                big = []  # only the lone class is named: unnamed whole, it has K people
            else:
                withheld.add(month)
        narrower.update((home, month) for home in big)
    return narrower, withheld


def _languages(
    answers: Sequence[ResearchRow], scope: Callable[[ResearchRow], Cell], k: int
) -> dict[tuple[Cell, str], str]:
    """Each language as written in each scope (a named class's month, or a month's unnamed
    rows): a language fewer than K people of the scope used is OTHER_LANGUAGE; while the
    OTHER_LANGUAGE people are fewer than K (but some), the next rarest language joins
    them, so no language of a scope describes fewer than K of its people."""
    speakers: dict[Cell, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for answer in answers:
        speakers[scope(answer)][answer.language].add(answer.person)
    written: dict[tuple[Cell, str], str] = {}
    for cell, by_language in speakers.items():
        other: set[int] = set()
        for language in sorted(by_language, key=lambda lang: len(by_language[lang])):
            rare = len(by_language[language]) < k or 0 < len(other) < k
            if rare:
                other |= by_language[language]
            written[(cell, language)] = OTHER_LANGUAGE if rare else language
    return written


def _random_ids(count: int, digits: int, prefix: str) -> list[str]:
    """`count` distinct ids of `prefix` and hex digits: the letter keeps Excel from reading
    an id like 1e10 as a number."""
    chosen: set[str] = set()
    while len(chosen) < count:
        chosen.add(prefix + secrets.token_hex(digits // 2))
    ids = list(chosen)
    secrets.SystemRandom().shuffle(ids)  # a set's order is not random enough to trust
    return ids


def _rows(
    answer: ResearchRow, person: str, label: str | None, language: str
) -> Iterator[tuple[Value, ...]]:
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
            language,
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
