"""The researchers' row-level export (bot/evaluation/rows.py) from rows as storage reads
them: random ids per export, no class below K, skipped answers flagged, files that Swedish
Excel and openpyxl open, and a dictionary of every column."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import openpyxl
import pytest

from bot.content.catalog import Catalog
from bot.evaluation.rows import (
    COLUMNS,
    ExportRefused,
    Span,
    export_files,
    research_table,
)
from bot.storage.records import FOLLOW_UP_WAVE, SKIPPED, ResearchRow

from .test_eval_exports import swedish_excel_rows

K = 5
TODAY = date(2026, 12, 4)


def answers(people: int, home: int | None, first: int = 1, **values: object) -> list[ResearchRow]:
    """T1 and T2 of item efficacy for `people` people from ordinal `first` on."""
    fields = {"age_band": "16_17", "language": "sv", "month": "2026-11", "answer": None} | values
    return [
        ResearchRow(person, 1, home, home is not None, wave=wave, item_id="efficacy",
                    value=value, **fields)  # type: ignore[arg-type]
        for person in range(first, first + people)
        for wave, value in (("T1", 2), ("T2", 4))
    ]  # fmt: skip


def study() -> list[ResearchRow]:
    """A class of 6 (named), a class of 3 (below K), and 4 people outside classes."""
    return [*answers(6, 1), *answers(3, 2, first=7), *answers(4, None, first=10)]


def test_person_ids_are_random_and_fresh_in_every_export() -> None:
    first, second = research_table(study(), K), research_table(study(), K)
    ids = [{row[0] for row in table.rows} for table in (first, second)]
    assert len(ids[0]) == first.people == 13
    # A letter first, so that Excel never reads an id like 1e10 as a number.
    assert all(len(i) == 9 and i[0] == "p" and int(i[1:], 16) >= 0 for i in ids[0])
    assert not ids[0] & ids[1], "the same person has unrelated ids in the next export"
    # Within an export, one person's rows share one id: each id has its T1 and its T2.
    waves = {}
    for row in first.rows:
        waves.setdefault(row[0], []).append(row[5])
    assert all(sorted(w) == ["T1", "T2"] for w in waves.values())


def test_a_class_below_k_is_unnamed_and_looks_like_no_class() -> None:
    table = research_table(study(), K)
    columns = table.columns
    by_class: dict[object, set] = {}
    for row in table.rows:
        values = dict(zip(columns, row, strict=True))
        by_class.setdefault((values["class"], values["context"]), set()).add(
            values["export_person"]
        )
    (named,) = [key for key in by_class if key[0] is not None]
    assert len(by_class[named]) == 6 and named[1] == "lesson"
    # The class of 3 and the 4 outside classes: one set, neither class nor context told.
    assert len(by_class[(None, None)]) == 7
    assert table.classes == 1
    assert len(table.rows) == 2 * 13, "no row is dropped: totals match the published report"


def test_one_small_class_alone_is_never_the_whole_unnamed_set() -> None:
    """With nobody outside classes, the unnamed rows of a class of 3 alone would be that
    class: the smallest named class is unnamed with it."""
    big, bigger, small = answers(6, 1), answers(8, 2, first=7), answers(3, 3, first=15)
    table = research_table([*big, *bigger, *small], K)
    people_by_label: dict[object, set] = {}
    for row in table.rows:
        people_by_label.setdefault(row[1], set()).add(row[0])
    assert sorted(len(p) for p in people_by_label.values()) == [8, 9]
    assert len(people_by_label[None]) == 9 and table.classes == 1
    with_outsiders = research_table([*big, *bigger, *small, *answers(1, None, first=20)], K)
    assert with_outsiders.classes == 2, "people outside classes already hide the small class"


def test_class_labels_are_fresh_in_every_export() -> None:
    labels = [{row[1] for row in research_table(study(), K).rows} - {None} for _ in range(2)]
    assert len(labels[0]) == 1 and labels[0] != labels[1]
    assert all(len(label) == 5 and label[0] == "c" for label in labels[0])


def test_fewer_than_k_people_are_refused() -> None:
    with pytest.raises(ExportRefused) as refused:
        research_table(answers(4, None), K)
    assert refused.value.reason == "too_few"


def test_a_skipped_answer_is_empty_with_its_flag_and_a_follow_up_splits() -> None:
    rows = [
        *answers(K, None),
        ResearchRow(1, 1, None, False, "sv", "16_17", "T3", "efficacy", SKIPPED, None, "2026-11"),
        ResearchRow(
            1,
            1,
            None,
            False,
            "sv",
            "16_17",
            FOLLOW_UP_WAVE,
            "acted",
            None,
            "delegate,other",
            "2026-11",
        ),
    ]
    table = research_table(rows, K)
    values = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    skipped = next(v for v in values if v["wave"] == "T3")
    assert (skipped["value"], skipped["value_skipped"]) == (None, 1)
    acted = [v["answer"] for v in values if v["wave"] == FOLLOW_UP_WAVE]
    assert sorted(acted) == ["delegate", "other"]
    assert all(v["value_skipped"] == 0 for v in values if v["wave"] in ("T1", "T2"))


def test_the_csv_opens_in_swedish_excel_with_its_dictionary(catalog: Catalog) -> None:
    table = research_table(study(), K)
    data, dictionary = export_files(table, "csv", "x", catalog.locales, "sv", K, TODAY)
    assert (data.name, dictionary.name) == ("x.csv", "x-dictionary.csv")
    rows = swedish_excel_rows(data.content.decode())
    assert list(rows[0]) == [key for key, _ in COLUMNS]
    assert len(rows) == len(table.rows)
    described = swedish_excel_rows(dictionary.content.decode())
    assert [r["Kolumn"] for r in described] == [key for key, _ in COLUMNS]
    assert all(r["Beskrivning"] and "{" not in r["Beskrivning"] for r in described)
    class_entry = next(r for r in described if r["Kolumn"] == "class")
    assert f"färre än {K} personer" in class_entry["Beskrivning"]


def test_the_workbook_opens_with_its_dictionary_in_the_language_asked(catalog: Catalog) -> None:
    table = research_table(study(), K)
    (book_file,) = export_files(table, "xlsx", "x", catalog.locales, "en", K, TODAY)
    book = openpyxl.load_workbook(io.BytesIO(book_file.content))
    assert book.sheetnames == ["rows", "dictionary"]
    sheet = list(book["rows"].iter_rows(values_only=True))
    assert sheet[0] == table.columns and len(sheet) == len(table.rows) + 1
    values = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    assert {type(v["value"]) for v in values} == {int}, "numbers are numbers"
    dictionary = list(book["dictionary"].iter_rows(values_only=True))
    assert dictionary[0] == ("Table", "Column", "Heading", "Type", "Description")
    assert [row[1] for row in dictionary[1:]] == [key for key, _ in COLUMNS]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("2026-09..2026-11", date(2026, 9, 1), date(2026, 11, 30)),
    ],
)
def test_a_span_of_closed_months(text: str, first: date, last: date) -> None:
    span = Span.parse(text, TODAY)
    assert (span.name, span.first.first, span.last.last) == (text, first, last)


@pytest.mark.parametrize("text", ["2026-12", "2026-11..2026-12", "2026-11..2026-09", "soon"])
def test_a_span_not_closed_or_not_months_is_refused(text: str) -> None:
    with pytest.raises(ExportRefused) as refused:
        Span.parse(text, TODAY)
    assert refused.value.reason == "period"


def test_a_class_is_named_only_in_its_months_of_k_people_with_one_label() -> None:
    """A class of 6 in October and of 5 in November is one label in both; its 2 people of
    September are unnamed among those outside classes."""
    table = research_table(
        [*answers(2, 1, month="2026-09"), *answers(6, 1, first=3, month="2026-10"),
         *answers(5, 1, first=9, month="2026-11"), *answers(3, None, first=20, month="2026-09"),
         *answers(3, None, first=30, month="2026-10"), *answers(3, None, first=40,
                                                                month="2026-11")],
        K,
    )  # fmt: skip
    labels = {(row[10], row[1]) for row in table.rows}
    september = {label for month, label in labels if month == "2026-09"}
    assert september == {None}
    (label,) = {label for month, label in labels if month == "2026-10"} - {None}
    assert {label for month, label in labels if month == "2026-11"} - {None} == {label}
    assert table.classes == 1 and len(table.rows) == 2 * 22, "no row is dropped"


def test_a_month_of_one_small_class_alone_is_withheld() -> None:
    """In October only 3 people of one class answered: nothing can hide them, and the
    report of October shows none of their numbers; neither does the export."""
    table = research_table(
        [*answers(6, 1, month="2026-09"), *answers(3, 1, first=7, month="2026-10")], K
    )
    assert {row[10] for row in table.rows} == {"2026-09"} and table.people == 6
    with pytest.raises(ExportRefused):
        research_table(answers(6, 1, month="2026-10")[:8] + answers(3, 2, first=7), K)


def test_a_language_fewer_than_k_used_is_other_in_its_class_month() -> None:
    """In a class of 7, 2 use Arabic: in the file, all 7 read as one language group of at
    least K, since 2 alone would be named by a teacher who knows them."""
    table = research_table(
        [*answers(5, 1), *answers(2, 1, first=6, language="ar"), *answers(6, None, first=10)],
        K,
    )
    by_language: dict[tuple, set] = {}
    for row in table.rows:
        by_language.setdefault((row[1], row[3]), set()).add(row[0])
    assert sorted(len(p) for p in by_language.values()) == [6, 7]
    assert {language for _, language in by_language} == {"other", "sv"}


def test_no_person_has_both_labelled_and_unnamed_rows_of_a_class() -> None:
    """A class of 7 answered T1 in October; 2 of them answered T2 only in November, under
    K: labelled in October, those 2 ids would tie their November rows to the class. They
    lose the label in both months, and the 5 left in October are still named."""
    before = answers(7, 1, month="2026-10")
    after = [row for row in before if row.wave == "T2" and row.person > 5]
    table = research_table(
        [*(row for row in before if row not in after),
         *(replace(row, month="2026-11") for row in after),
         *answers(6, None, first=20, month="2026-10"),
         *answers(6, None, first=30, month="2026-11")],
        K,
    )  # fmt: skip
    labels: dict[str, set] = {}
    for row in table.rows:
        labels.setdefault(row[0], set()).add(row[1])
    assert all(len(person_labels) == 1 for person_labels in labels.values())
    named = [person for person, person_labels in labels.items() if person_labels != {None}]
    assert len(named) == 5 and table.classes == 1
