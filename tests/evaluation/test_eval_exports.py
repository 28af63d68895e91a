"""The exports as their readers open them: the CSV in Swedish Excel (or R's read.csv2), the
workbook in Excel (read here with openpyxl, another library than the writer's), and the
data dictionary that must describe every column of both."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import openpyxl
import pytest

from bot.content.catalog import Catalog
from bot.evaluation.data import Filters, ReportData
from bot.evaluation.dictionary import data_dictionary
from bot.evaluation.render import dictionary_csv, to_csv, to_html
from bot.evaluation.report import Report, build_report
from bot.evaluation.tabular import FLAG_SUFFIX
from bot.evaluation.workbook import to_xlsx

from .conftest import K, boundary_data
from .test_eval_render import FORMULA, HOSTILE_CLASSES, hostile_report

SHEETS = [
    "scenarios", "choices", "strategies", "helpful", "change", "groups", "facilitated", "follow_up"
]  # fmt: skip
# A number as Swedish Excel reads one: digits, maybe a minus and a decimal comma.
SWEDISH_NUMBER = re.compile(r"-?\d+(,\d+)?")


def report(catalog: Catalog, n: int = K, language: str = "sv") -> Report:
    return build_report(boundary_data(n), catalog, language, K)


def swedish_excel_rows(text: str) -> list[dict[str, str]]:
    """Rows as Swedish Excel splits them: UTF-8 with a BOM, semicolons, CRLF."""
    assert text.startswith("\ufeff"), "without a BOM Excel reads å, ä and ö as two letters"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert all(len(row) == len(rows[0]) for row in rows), "a row has more or fewer cells"
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def swedish_float(field: str) -> float:
    assert SWEDISH_NUMBER.fullmatch(field), f"{field!r} is text to Swedish Excel"
    return float(field.replace(",", "."))


# Why a numeric cell is empty; "" where it holds its number.
REASONS = ("", "hidden_k", "no_ci_one_cluster", "no_variance", "not_applicable")


def flagged(columns: Iterator[str] | list[str]) -> list[str]:
    """The numeric columns: those with a `<column>_suppressed` flag beside them."""
    names = list(columns)
    return [name for name in names if name + FLAG_SUFFIX in names]


# --- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [K - 1, K])
def test_every_numeric_csv_column_parses_in_swedish_excel(catalog: Catalog, n: int) -> None:
    rows = swedish_excel_rows(to_csv(report(catalog, n)))
    numeric = flagged(rows[0])
    assert {"participants", "share", "mean_difference", "pairs", "people"} <= set(numeric)
    hidden = 0
    for row in rows:
        for column in numeric:
            value, reason = row[column], row[column + FLAG_SUFFIX]
            assert reason in REASONS
            assert not (value and reason), f"{column}: {value!r} with {reason!r}"
            hidden += reason == "hidden_k"
            if value:
                swedish_float(value)
    assert hidden > 0  # boundary_data has hidden cells at both sizes (zeros, sums)
    assert not any("färre än" in row[c] for row in rows for c in numeric)


def test_csv_numbers_have_decimal_commas(catalog: Catalog) -> None:
    rows = swedish_excel_rows(to_csv(report(catalog)))
    ask_time = next(r for r in rows if r["table"] == "choices" and r["answers"] == "3313")
    assert ask_time["scenario_id"] == "bus-fight" and ask_time["step_id"] == "stop"
    assert ask_time["share"] == "41,4"  # a number, not "41 %" and not 41.4
    change = next(r for r in rows if r["table"] == "change" and r["comparison"] == "T1-T2")
    assert swedish_float(change["mean_difference"]) == 2.0
    assert {r["scenario"] for r in rows if r["table"] == "scenarios"} == {
        "Bråk på bussen",
        "Festen i Norsborg",
    }
    assert {r["table"] for r in rows} == {"about", *SHEETS}


def test_csv_text_that_a_spreadsheet_would_run_is_inert(catalog: Catalog) -> None:
    text = to_csv(hostile_report(catalog))
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert all(len(row) == len(rows[0]) for row in rows), "a name broke a row"
    fields = [field for row in rows for field in row]
    for name in HOSTILE_CLASSES:
        assert "'" + name in fields, f"{name!r} is not neutralised"
        assert name not in fields
    for field in fields:
        if field[:1] in ("=", "+", "-", "@", "\t", "\r"):
            swedish_float(field)  # only a plain number may start like a formula


def test_csv_negative_numbers_stay_numbers(catalog: Catalog) -> None:
    rows = swedish_excel_rows(to_csv(hostile_report(catalog)))
    change = next(r for r in rows if r["item"] == "Willingness to act for a friend")
    assert change["mean_difference"] == "-0,25"  # no ': Excel reads a number
    assert swedish_float(change["ci_low"]) < -0.25


# --- the workbook --------------------------------------------------------------------------


def workbook(report: Report, catalog: Catalog) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(report, catalog.locales)))


def sheet_rows(book: openpyxl.Workbook, name: str) -> list[dict[str, openpyxl.cell.Cell]]:
    cells = list(book[name].iter_rows())
    header = [c.value for c in cells[0]]
    return [dict(zip(header, row, strict=True)) for row in cells[1:]]


def test_the_workbook_has_a_sheet_per_table_about_and_dictionary(catalog: Catalog) -> None:
    book = workbook(report(catalog), catalog)
    assert book.sheetnames == ["about", *SHEETS, "dictionary"]
    about = [c.value for row in book["about"].iter_rows() for c in row]
    assert any("inga pseudonymer" in str(text) for text in about)
    assert "Minsta gruppstorlek (K)" in about


@pytest.mark.parametrize("n", [K - 1, K])
def test_workbook_numbers_are_numbers_and_hidden_ones_empty(catalog: Catalog, n: int) -> None:
    book = workbook(report(catalog, n), catalog)
    hidden = 0
    for name in SHEETS:
        rows = sheet_rows(book, name)
        for column in flagged(rows[0]):
            for row in rows:
                cell, reason = row[column], row[column + FLAG_SUFFIX].value
                assert (reason or "") in REASONS
                assert (cell.value is None) == (reason is not None), f"{column} in {name}"
                hidden += reason == "hidden_k"
                if cell.value is not None:
                    assert cell.data_type == "n", f"{column} in {name} is {cell.value!r}"
    assert hidden > 0  # boundary_data has hidden cells at both sizes (zeros, sums)
    choices = sheet_rows(book, "choices")
    ask_time = next(r for r in choices if r["answers"].value == 3313)
    assert ask_time["share"].value == pytest.approx(41.4)


def test_workbook_text_that_a_spreadsheet_would_run_stays_text(catalog: Catalog) -> None:
    book = workbook(hostile_report(catalog), catalog)
    groups = {row["group"].value: row["group"] for row in sheet_rows(book, "groups")}
    assert groups[FORMULA].data_type == "s"  # arrives as text, not as a formula
    for name in HOSTILE_CLASSES:
        cell = next(c for value, c in groups.items() if value.endswith(name.lstrip("\t\r")))
        assert cell.data_type == "s" and cell.quotePrefix, f"{name!r} could run once edited"
    assert not any(
        cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row
    )
    change = next(r for r in sheet_rows(book, "change") if r["item"].value.startswith("Willing"))
    assert change["mean_difference"].value == -0.25 and change["mean_difference"].data_type == "n"


def test_an_arabic_workbook_reads_right_to_left(catalog: Catalog) -> None:
    book = workbook(report(catalog, language="ar"), catalog)
    assert all(sheet.sheet_view.rightToLeft for sheet in book)


# --- the data dictionary -------------------------------------------------------------------


def test_every_report_column_has_a_description_in_every_complete_language(
    catalog: Catalog,
) -> None:
    """Fails when a column is added to the report without its dictionary entry."""
    strings = catalog.locales.strings
    columns = [key.removeprefix("report.column.") for key in strings["sv"] if
               key.startswith("report.column.")]  # fmt: skip
    for language in ("sv", "en"):
        missing = [c for c in columns if not strings[language].get(f"report.dictionary.column.{c}")]
        assert not missing, f"no report.dictionary.column.* in {language} for {missing}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_dictionary_covers_every_column_of_every_table(catalog: Catalog, language: str) -> None:
    made = report(catalog, language=language)
    entries = data_dictionary(made, catalog.locales)
    described = {(e.table, e.column) for e in entries}
    book = workbook(made, catalog)
    for sheet in book.sheetnames[:-1]:
        assert (sheet, "") in described, f"the table {sheet} is not described"
        header = [c.value for c in next(book[sheet].iter_rows())]
        missing = [column for column in header if (sheet, column) not in described]
        assert not missing, f"{sheet}: no dictionary entry for {missing}"
    for table in (t for s in made.sections for t in s.tables):
        for column in (*(c for c, _ in table.context), *table.columns):
            assert (table.id, column.key) in described
    for entry in entries:
        assert entry.label and entry.description and entry.description != entry.column
    csv_header = swedish_excel_rows(to_csv(made))[0].keys()
    assert {c for c in csv_header} <= {e.column for e in entries}
    flags = [e for e in entries if e.column.endswith(FLAG_SUFFIX)]
    assert flags and all(f"{K}" in e.description for e in flags)


def test_the_dictionary_is_a_swedish_csv_and_a_sheet(catalog: Catalog) -> None:
    made = report(catalog)
    rows = swedish_excel_rows(dictionary_csv(made, catalog.locales))
    assert list(rows[0]) == ["Tabell", "Kolumn", "Rubrik", "Typ", "Beskrivning"]
    share = next(r for r in rows if r["Tabell"] == "choices" and r["Kolumn"] == "share")
    assert share["Typ"] == "Decimaltal" and "procent" in share["Beskrivning"]
    flag = next(r for r in rows if r["Kolumn"] == "share_suppressed")
    assert flag["Typ"] == "Skälkod"
    assert all(code in flag["Beskrivning"] for code in REASONS if code)
    sheet = [[c.value or "" for c in row] for row in workbook(made, catalog)["dictionary"].rows]
    assert sheet == [list(rows[0]), *(list(r.values()) for r in rows)]


def test_a_report_with_no_answers_still_exports(catalog: Catalog) -> None:
    """A new installation's first month: tables without rows, columns still described."""
    empty = build_report(ReportData(filters=Filters()), catalog, "sv", K)
    rows = swedish_excel_rows(to_csv(empty))
    assert {r["table"] for r in rows} == {"about", "strategies", "helpful"}
    book = workbook(empty, catalog)
    assert book.sheetnames[0] == "about" and book.sheetnames[-1] == "dictionary"
    described = {(e.table, e.column) for e in data_dictionary(empty, catalog.locales)}
    assert ("scenarios", "participants") in described


def test_a_tiny_or_huge_number_is_written_out_with_a_decimal_comma() -> None:
    from bot.evaluation.render import _csv_value

    assert _csv_value(4.6e-08) == "0,000000046"  # Excel reads 4.6e-08 as text
    assert _csv_value(1.5e16) == "15000000000000000"
    assert _csv_value(-0.25) == "-0,25" and _csv_value(3) == "3" and _csv_value(None) == ""


def test_change_rows_carry_the_item_id_in_every_export_but_not_in_the_html(
    catalog: Catalog,
) -> None:
    made = report(catalog)
    change = [r for r in swedish_excel_rows(to_csv(made)) if r["table"] == "change"]
    assert {(r["item"], r["item_id"]) for r in change} == {
        ("Tilltron till att kunna göra något", "efficacy")
    }
    sheet = sheet_rows(workbook(made, catalog), "change")
    assert {r["item_id"].value for r in sheet} == {"efficacy"}
    entries = data_dictionary(made, catalog.locales)
    (entry,) = (e for e in entries if e.table == "change" and e.column == "item_id")
    assert entry.label == "Fråge-id" and "samma i alla språk" in entry.description
    html = to_html(made)
    assert "Fråge-id" not in html and "<td>efficacy</td>" not in html
    assert '<th scope="row">Tilltron till att kunna göra något</th>' in html


def test_every_empty_number_in_the_csv_says_why(catalog: Catalog) -> None:
    rows = swedish_excel_rows(to_csv(report(catalog, K - 1)))
    change = {r["comparison"]: r for r in rows if r["table"] == "change"}
    assert change["T1-T3"]["people_suppressed"] == "hidden_k"
    assert change["T1-T2"]["mean_before_suppressed"] == ""  # shown: nothing to explain
    small = next(r for r in rows if r["table"] == "scenarios" and r["starts"] == "")
    assert small["starts_suppressed"] == "hidden_k"
    total = next(r for r in rows if r["table"] == "choices" and r["choice"] == "Totalt")
    assert (total["share"], total["share_suppressed"]) == ("", "not_applicable")
    shown = report(catalog, K)
    later = next(
        r
        for r in swedish_excel_rows(to_csv(shown))
        if r["table"] == "change" and r["comparison"] == "T1-T3"
    )
    assert (later["mean_before"], later["mean_before_suppressed"]) == ("", "not_applicable")
