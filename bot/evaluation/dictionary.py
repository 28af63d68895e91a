"""The data dictionary of a report's exports: every table and column, what it means, its
type and unit, and the codes that say why a number is empty.

Generated from the exported layout itself (`tabular.layout`), so a column a report gains is
in its dictionary without anyone writing it down here: its description is looked up in the
locale files (`report.dictionary.column.<key>`, beside the heading `report.column.<key>`),
and a missing description fails the tests, never silently an export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.content.locales import Locales
from bot.evaluation.report import Report
from bot.evaluation.tabular import ABOUT, FLAG, FLAG_SUFFIX, TEXT, layout

CSV_TABLE_COLUMN = "table"  # the CSV's first column: which table a row belongs to
HEADINGS = ("table", "column", "label", "kind", "description")

Text = Callable[..., str]  # a locale string by key, in the report's language


@dataclass(frozen=True)
class Entry:
    table: str  # table id; "" for the CSV's own `table` column
    column: str  # column key; "" for the row describing the table itself
    label: str
    kind: str  # localised: integer, decimal, text, flag...
    description: str


def data_dictionary(report: Report, locales: Locales) -> tuple[Entry, ...]:
    language = report.language

    def t(key: str, **values: object) -> str:
        return locales.text(language, key, **values)

    sections = {table.id: s for s in report.sections for table in s.tables}
    plan = layout(report)
    entries = [_column(CSV_TABLE_COLUMN, "", TEXT, t)]
    for sheet in plan.sheets:
        if sheet.id == ABOUT:
            title, about = report.labels["about"], t("report.dictionary.about")
        else:
            title, about = sections[sheet.id].title, sections[sheet.id].intro
        entries.append(Entry(sheet.id, "", title, "", about))
        entries += [
            _flag(key, sheet.id, report.k, t)
            if plan.kinds[key] == FLAG
            else _column(key, sheet.id, plan.kinds[key], t)
            for key in sheet.columns
        ]
    return tuple(entries)


def headings(report: Report, locales: Locales) -> tuple[str, ...]:
    return tuple(locales.text(report.language, f"report.dictionary.heading.{h}") for h in HEADINGS)


def _column(key: str, table: str, kind: str, t: Text) -> Entry:
    return Entry(
        table,
        key,
        t(f"report.column.{key}"),
        t(f"report.dictionary.kind.{kind}"),
        t(f"report.dictionary.column.{key}"),
    )


def _flag(key: str, table: str, k: int, t: Text) -> Entry:
    number = key.removesuffix(FLAG_SUFFIX)
    return Entry(
        table,
        key,
        t("report.dictionary.flag_label", label=t(f"report.column.{number}")),
        t(f"report.dictionary.kind.{FLAG}"),
        t("report.dictionary.flag", k=k),
    )
