"""The evaluation report as JSON, CSV (and its data dictionary) or one self-contained HTML file;
the workbook is in `workbook.py`.

Layout only: every word and every number (already suppressed under K) comes from the
`Report`. Charts are drawn from the report's chart data, which `build_report` takes from the
finished tables, so a chart can show nothing a table hides. Figures use matplotlib's
`Figure` with the Agg canvas directly (no pyplot state), so rendering is thread-safe.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from bot.content.bidi import is_right_to_left
from bot.content.locales import Locales
from bot.evaluation.dictionary import CSV_TABLE_COLUMN, data_dictionary, headings
from bot.evaluation.report import Cell, Chart, Report, Section, Table
from bot.evaluation.tabular import Value, layout, starts_formula

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# --- JSON and CSV --------------------------------------------------------------------------


def to_json(report: Report) -> str:
    # Compact: the indented form went through the pure-Python encoder, a third of the
    # report command's time on a large database. `python -m json.tool` indents it.
    return json.dumps(dataclasses.asdict(report), ensure_ascii=False, separators=(",", ":"),
                      default=str)  # fmt: skip


def to_csv(report: Report) -> str:
    """One long table for Swedish Excel, LibreOffice and R's read.csv2: the table id, then
    the union of all tables' columns (see `tabular`), separated by semicolons, with decimal
    commas, in UTF-8 with a byte order mark (Excel reads å, ä and ö only with it).

    Each kind of table fills only its own columns, so `subset(d, table == "choices")` in R or
    a filter in Excel gives that table back. Hidden numbers are empty, with why (`hidden_k`)
    in the column beside them. Text that a spreadsheet would run as a formula starts with '.
    """
    sheets = layout(report).sheets
    keys = list(dict.fromkeys(key for sheet in sheets for key in sheet.columns))
    rows = (
        [sheet.id, *(values.get(key) for key in keys)]
        for sheet in sheets
        for values in (dict(zip(sheet.columns, row, strict=True)) for row in sheet.rows)
    )
    return swedish_csv([CSV_TABLE_COLUMN, *keys], rows)


def dictionary_csv(report: Report, locales: Locales) -> str:
    """The data dictionary (`dictionary.data_dictionary`) as a CSV like the report's."""
    entries = data_dictionary(report, locales)
    return swedish_csv(list(headings(report, locales)), map(dataclasses.astuple, entries))


def swedish_csv(header: list[str], rows: Iterable[Sequence[Value]]) -> str:
    """Semicolons, decimal commas, UTF-8 with a BOM; text that would start a formula gets '."""
    out = io.StringIO()
    # CRLF, as RFC 4180 has it: csv quotes a field that holds a character of the line end,
    # so a carriage return in a name can never start a new row (and a formula) in Excel.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_value(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # Excel and LibreOffice show text after ' as text
        return "'" + value if starts_formula(value) else value
    if isinstance(value, int):
        return str(value)
    # Positional, never 1e-07, which Excel would read as text; the comma of a Swedish locale.
    return format(Decimal(repr(value)), "f").replace(".", ",")


# --- HTML ----------------------------------------------------------------------------------

_NUM = ' class="num"'

_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f1f1f;
  background: #fff; margin: 0 auto; padding: 1.5rem; max-width: 62rem; }
h1 { font-size: 1.8rem; margin: 0 0 .5rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .5rem; border-bottom: 2px solid #0072B2;
  padding-bottom: .2rem; }
.summary { background: #eef5fb; border-inline-start: 4px solid #0072B2; padding: .75rem 1rem; }
.summary h2 { margin-top: 0; border: 0; }
.summary li { margin: .3rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.privacy { color: #444; font-size: .95rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 1.5rem; font-size: .95rem; }
caption { text-align: start; font-weight: 600; padding: .3rem 0; caption-side: top; }
th, td { border-bottom: 1px solid #d0d0d0; padding: .3rem .5rem; text-align: start;
  vertical-align: top; }
tbody th { min-width: 10rem; }
thead th { border-bottom: 2px solid #1f1f1f; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.suppressed { text-align: right; color: #5b5b5b; font-style: italic; white-space: nowrap; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: .9rem; color: #444; }
.empty { color: #5b5b5b; font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .summary { background: none; border: 1px solid #1f1f1f; }
  section.part { break-before: page; }
  h2, caption { break-after: avoid; }
  table, figure, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 18mm 15mm; }
"""


def to_html(report: Report) -> str:
    """One HTML file with inline CSS and charts as embedded PNGs: mail it, open it, print it."""
    body = "\n".join(
        [
            f"<header><h1>{escape(report.title)}</h1></header>",
            "<main>",
            _summary(report),
            _about(report),
            *(_section(section, report) for section in report.sections),
            "</main>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(report.language)}" dir="{_direction(report.language)}">\n'
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _direction(language: str) -> str:
    return "rtl" if is_right_to_left(language) else "ltr"


def _summary(report: Report) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in report.summary)
    heading = escape(report.labels["summary"])
    return (
        f'<section class="summary" aria-labelledby="summary"><h2 id="summary">{heading}</h2>'
        f"<ul>{items}</ul></section>"
    )


def _about(report: Report) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.metadata)
    heading = escape(report.labels["about"])
    return (
        f'<section aria-labelledby="about"><h2 id="about">{heading}</h2><dl>{rows}</dl>'
        f'<p class="privacy">{escape(report.privacy)}</p></section>'
    )


def _section(section: Section, report: Report) -> str:
    anchor = escape(f"section-{section.id}")
    parts = [
        f'<section class="part" aria-labelledby="{anchor}">',
        f'<h2 id="{anchor}">{escape(section.title)}</h2>',
        f"<p>{escape(section.intro)}</p>",
    ]
    if section.findings:
        parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in section.findings) + "</ul>")
    parts += [_figure(chart) for chart in section.charts]
    parts += [html_table(table) for table in section.tables]
    if not section.tables:
        parts.append(f'<p class="empty">{escape(report.labels["empty"])}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def html_table(table: Table) -> str:
    """A table with its caption and header cells (scope), numbers right-aligned by class:
    no inline style, so the dashboard shows it under its strict CSP too."""
    read = [i for i, column in enumerate(table.columns) if not column.machine]  # ids: exports
    numeric = {i: any(_is_number(row[i]) for row in table.rows) for i in read}
    head = "".join(
        f'<th scope="col"{_NUM if numeric[i] else ""}>{escape(table.columns[i].label)}</th>'
        for i in read
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(row[0].text)}</th>'
        f"{''.join(_td(row[i]) for i in read[1:])}</tr>"
        for row in table.rows
    )
    return (
        f"<table><caption>{escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _is_number(cell: Cell) -> bool:
    return cell.suppressed or isinstance(cell.value, int | float)


def _td(cell: Cell) -> str:
    if cell.suppressed:
        kind = ' class="suppressed"'
    elif _is_number(cell):
        kind = _NUM
    else:
        kind = ""
    return f"<td{kind}>{escape(cell.text)}</td>"


def _figure(chart: Chart) -> str:
    png = base64.b64encode(chart_png(chart)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{png}" alt="{escape(chart.alt)}">'
        f"<figcaption>{escape(chart.title)}</figcaption></figure>"
    )


# --- Charts --------------------------------------------------------------------------------

_DPI = 150  # sharp on paper, still small as base64
_WIDTH_IN = 8.0
_ROW_IN = 0.55
_INK = "#1f1f1f"
_MUTED = "#5b5b5b"
_BAR = "#0072B2"  # Okabe–Ito blue: readable in greyscale print and for colour-blind readers
_LABEL_CHARS = 34


def chart_png(chart: Chart) -> bytes:
    """A PNG of one chart: horizontal bars of shares, or estimates with their 95 % CI."""
    # matplotlib takes most of a second to import: only HTML and chat charts need it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len(chart.points)
    fig = Figure(
        figsize=(_WIDTH_IN, 0.9 + _ROW_IN * rows), dpi=_DPI, facecolor="white", layout="constrained"
    )
    ax = fig.add_subplot()
    labels = [textwrap.fill(p.label, _LABEL_CHARS) for p in chart.points]
    positions = list(range(rows))
    if chart.kind == "bars":
        _bars(ax, chart, positions)
    else:
        _intervals(ax, chart, positions)
    ax.set_yticks(positions, labels, color=_INK)
    ax.set_ylim(rows - 0.5, -0.5)  # first row on top, as in the table
    ax.set_xlabel(chart.axis, color=_INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=_MUTED)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _bars(ax: Axes, chart: Chart, positions: list[int]) -> None:
    values = [p.value for p in chart.points]
    ax.barh(positions, values, height=0.6, color=_BAR)
    ax.set_xlim(0, 100)
    for y, point in zip(positions, chart.points, strict=True):
        inside = point.value > 85  # keep the label on the page when the bar nearly fills it
        ax.annotate(
            point.text,
            (point.value, y),
            xytext=(-6 if inside else 6, 0),
            textcoords="offset points",
            ha="right" if inside else "left",
            va="center",
            color="white" if inside else _INK,
            fontweight="bold",
            parse_math=False,
        )


def _intervals(ax: Axes, chart: Chart, positions: list[int]) -> None:
    from matplotlib.ticker import FuncFormatter

    for y, point in zip(positions, chart.points, strict=True):
        ax.plot([point.low, point.high], [y, y], color=_BAR, linewidth=2.5)
        ax.plot([point.value], [y], "o", color=_BAR, markersize=8)
        ax.annotate(
            point.text,
            (point.value, y),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            color=_INK,
            parse_math=False,
        )
    reach = max(max(abs(p.low), abs(p.high)) for p in chart.points)
    limit = max(0.5, reach * 1.15)  # symmetric around "no change", never a zoomed-in sliver
    ax.set_xlim(-limit, limit)
    ax.axvline(0, color=_MUTED, linewidth=1, linestyle="--")
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: f"{x:g}".replace("-", "−").replace(".", chart.decimal_mark))
    )
