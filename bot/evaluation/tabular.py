"""The report's tables as plain rows for spreadsheets and statistics programs (CSV, xlsx).

Each kind of table (its id, e.g. "choices": one per step) becomes one long table: the
context columns saying what a table is about (the step), then its own columns. A column is
numeric when any of its cells holds a number or is hidden. A numeric cell holds a number or
nothing, never text, and beside each numeric column `<column>_suppressed` says why a cell is
empty: `hidden_k` where the K rule hides the number (fewer than K people, or it would reveal
a hidden one), another reason code where there is no number to show (`report.py`: a total
row's share, a follow-up's T1 mean, an interval from one cluster...), nothing where the
number is there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.evaluation.report import NOT_APPLICABLE, Cell, Column, Report, Table

ABOUT = "about"
FLAG_SUFFIX = "_suppressed"
INTEGER, DECIMAL, NUMBER, TEXT, FLAG = "integer", "decimal", "number", "text", "flag"
NUMERIC = (INTEGER, DECIMAL, NUMBER)

Value = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    id: str  # the table id: the CSV's `table` column and the workbook's sheet name
    columns: tuple[str, ...]  # column keys, each numeric one followed by its flag
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True)
class Layout:
    sheets: tuple[Sheet, ...]  # "about" first, then the report's tables in report order
    kinds: Mapping[str, str]  # column key (flags too) -> INTEGER, DECIMAL, NUMBER, TEXT, FLAG


def layout(report: Report) -> Layout:
    tables = [about_table(report), *(t for s in report.sections for t in s.tables)]
    kinds = column_kinds(tables)
    by_id: dict[str, list[Table]] = defaultdict(list)
    for table in tables:
        by_id[table.id].append(table)
    return Layout(tuple(_sheet(i, group, kinds) for i, group in by_id.items()), kinds)


def about_table(report: Report) -> Table:
    """The metadata as rows, so a file taken out of context still says what it shows."""
    rows = (*report.metadata, (report.labels["about"], report.privacy))
    return Table(
        ABOUT,
        report.labels["about"],
        (),
        (Column("field", ""), Column("text", "")),
        tuple((Cell(label), Cell(value)) for label, value in rows),
    )


def column_kinds(tables: Sequence[Table]) -> dict[str, str]:
    cells: dict[str, list[Cell]] = defaultdict(list)
    for table in tables:
        for column in _columns(table):  # a table without rows has columns too: text
            cells.setdefault(column.key, [])
        for column, cell in _cells(table):
            cells[column.key].append(cell)
    kinds = {}
    for key, column_cells in cells.items():
        numbers = [c.value for c in column_cells if is_number(c.value)]
        if any(isinstance(n, float) for n in numbers):
            kinds[key] = DECIMAL
        elif numbers:
            kinds[key] = INTEGER
        elif any(c.suppressed for c in column_cells):
            kinds[key] = NUMBER  # every cell hidden: a number, of a kind this report hides
        else:
            kinds[key] = TEXT
        if kinds[key] in NUMERIC:
            kinds[key + FLAG_SUFFIX] = FLAG
    return kinds


# A spreadsheet evaluates a cell that starts with one of these as a formula (OWASP, "CSV
# injection"), and a class name is typed by a youth worker: such text must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _columns(table: Table) -> tuple[Column, ...]:
    return (*(column for column, _ in table.context), *table.columns)


def _cells(table: Table) -> Iterator[tuple[Column, Cell]]:
    yield from table.context
    for row in table.rows:
        yield from zip(table.columns, row, strict=True)


def _sheet(table_id: str, tables: list[Table], kinds: Mapping[str, str]) -> Sheet:
    keys = dict.fromkeys(column.key for table in tables for column in _columns(table))
    columns = tuple(
        name
        for key in keys
        for name in ((key, key + FLAG_SUFFIX) if kinds[key] in NUMERIC else (key,))
    )
    rows = []
    for table in tables:
        fixed = _values(table.context, kinds)
        for row in table.rows:
            values = fixed | _values(zip(table.columns, row, strict=True), kinds)
            rows.append(tuple(values.get(name) for name in columns))
    return Sheet(table_id, columns, tuple(rows))


def _values(cells: Iterable[tuple[Column, Cell]], kinds: Mapping[str, str]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for column, cell in cells:
        if kinds[column.key] in NUMERIC:
            number = is_number(cell.value)
            values[column.key] = cell.value if number else None
            values[column.key + FLAG_SUFFIX] = None if number else cell.reason or NOT_APPLICABLE
        else:
            values[column.key] = cell.text if cell.value is None else cell.value
    return values
