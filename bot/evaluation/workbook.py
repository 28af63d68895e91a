"""The report as an Excel workbook (.xlsx): the file an evaluator opens on a municipal PC.

One sheet per kind of table, laid out as in the CSV (`tabular`), an "about" sheet first and
a "dictionary" sheet last. Numbers are stored as numbers, so Excel and LibreOffice show
them with the reader's own decimal mark; an empty number has the reason beside it
(`hidden_k` when hidden). Text is always written as text (XlsxWriter's write_string never
makes a formula), and text that would start a formula once edited carries Excel's own
quote prefix as well.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, time

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.content.bidi import is_right_to_left
from bot.content.locales import Locales
from bot.evaluation.dictionary import data_dictionary, headings
from bot.evaluation.report import Report
from bot.evaluation.tabular import Value, is_number, layout, starts_formula

DICTIONARY = "dictionary"
MAX_WIDTH = 60  # characters; longer text wraps
MIN_WIDTH = 8


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.heading: Format = book.add_format({"bold": True, "bottom": 1})
        self.text: Format = book.add_format({"valign": "top", "text_wrap": True})
        self.inert: Format = book.add_format({"valign": "top", "quote_prefix": True})
        self.number: Format = book.add_format({"valign": "top"})


Sheet = tuple[str, Sequence[str], Sequence[Sequence[Value]]]  # name, columns, rows


def to_xlsx(report: Report, locales: Locales) -> bytes:
    entries = data_dictionary(report, locales)
    sheets: list[Sheet] = [(sheet.id, sheet.columns, sheet.rows) for sheet in layout(report).sheets]
    sheets.append(
        (
            DICTIONARY,
            headings(report, locales),
            [(e.table, e.column, e.label, e.kind, e.description) for e in entries],
        )
    )
    return write_book(sheets, report.title, report.language, report.generated)


def write_book(sheets: Sequence[Sheet], title: str, language: str, created: date) -> bytes:
    """A workbook of plain sheets (also the researchers' export, bot/evaluation/rows.py)."""
    buffer = io.BytesIO()
    # Belt and braces: only write_string/write_number are used, which never convert.
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, options)
    # The day it was made, not the second: the same numbers give the same file.
    book.set_properties({"title": title, "created": datetime.combine(created, time())})
    formats = _Formats(book)
    right_to_left = is_right_to_left(language)
    for name, columns, rows in sheets:
        _write(book.add_worksheet(name), columns, rows, formats, right_to_left)
    book.close()
    return buffer.getvalue()


def _write(
    worksheet: Worksheet,
    columns: Sequence[str],
    rows: Sequence[Sequence[Value]],
    formats: _Formats,
    right_to_left: bool,
) -> None:
    if right_to_left:
        worksheet.right_to_left()
    for x, heading in enumerate(columns):
        worksheet.write_string(0, x, heading, formats.heading)
    for y, row in enumerate(rows, start=1):
        for x, value in enumerate(row):
            _cell(worksheet, y, x, value, formats)
    for x, heading in enumerate(columns):
        longest = max((len(str(row[x])) for row in rows if row[x] is not None), default=0)
        worksheet.set_column(x, x, min(MAX_WIDTH, max(MIN_WIDTH, len(heading), longest) + 1))
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _cell(worksheet: Worksheet, y: int, x: int, value: Value, formats: _Formats) -> None:
    if value is None:
        return  # empty: a hidden number, or nothing to show
    if is_number(value):
        worksheet.write_number(y, x, value, formats.number)
    else:
        inert = formats.inert if starts_formula(value) else formats.text
        worksheet.write_string(y, x, value, inert)
