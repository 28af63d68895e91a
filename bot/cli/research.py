"""`bystander research-export`: the researchers' row-level export made by the operator on
the server, logged like the ones made in Telegram; `--log` lists them all."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.authoring import CliError
from bot.cli.server import Services, check_writable_place, with_services, write_private
from bot.evaluation.rows import FORMATS, ExportFile, ExportRefused, Span
from bot.services.research import export_stem
from bot.storage.records import ExportFacts, ResearchExport

LOG_COLUMNS = (
    "id", "asked_on", "made_on", "who", "purpose", "filters", "format", "rows", "people",
    "classes", "sha256",
)  # fmt: skip


def add_commands(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser(
        "research-export",
        help="the row-level export for a researcher (pseudonymised personal data), logged",
        description="One row per person, round, wave and questionnaire item answered, and one "
        "per follow-up answer: a random id per person and per class, drawn afresh for every "
        "export; months, never days; no pseudonyms; classes of fewer than K people unnamed. "
        "Pseudonymised personal data: give it only under the agreement and ethical approval "
        'docs/privacy.md ("The researchers\' row-level export") describes. Every export is '
        "logged (--log lists them).",
    )
    export.add_argument("--for", dest="who", help='who receives it, e.g. "Anna Svensson/KI"')
    export.add_argument("--purpose", help="what it is for, e.g. the study and its approval")
    export.add_argument(
        "--period",
        help="closed months: 2026-10, or 2026-09..2026-11 (default: last month)",
    )
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="default: from the --out file's extension, else xlsx; csv writes the data "
        "dictionary beside it as NAME-dictionary.csv",
    )
    export.add_argument(
        "--out", type=Path, help="the file to write, 0600 (default: a dated name here)"
    )
    export.add_argument("--lang", default="sv", help="language of the data dictionary")
    export.add_argument("--log", action="store_true", help="list the exports made so far")
    export.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    export.set_defaults(handler=cmd_research_export)


def cmd_research_export(args: argparse.Namespace) -> int:
    if args.log:
        print(log_text(with_services(args, lambda services: services.research.log())))
        return 0
    if not (args.who or "").strip():
        raise CliError('say who receives the data: --for "NAME/ORG"')
    if not (args.purpose or "").strip():
        raise CliError('say what the data is for: --purpose "TEXT" (it is logged)')
    today = datetime.now(UTC).date()
    try:
        span = Span.parse(args.period, today) if args.period else Span.last_month(today)
    except ExportRefused as refused:
        raise CliError(str(refused)) from None
    fmt = _format(args.format, args.out)
    out = args.out or Path(f"{export_stem(span, today)}.{fmt}")
    check_writable_place(out)
    files, facts = with_services(args, lambda services: _export(services, args, span, fmt))
    written = [out]
    write_private(out, files[0].content)
    for extra in files[1:]:  # the CSV's dictionary, beside it
        written.append(out.with_name(f"{out.stem}-dictionary.csv"))
        write_private(written[-1], extra.content)
    print(
        f"wrote {', '.join(map(str, written))}: {facts.rows} rows, {facts.people} people, "
        f"{facts.classes} named class(es); logged with sha256 {facts.sha256}"
    )
    return 0


async def _export(
    services: Services, args: argparse.Namespace, span: Span, fmt: str
) -> tuple[list[ExportFile], ExportFacts]:
    language = services.catalog.locales.pick(args.lang)
    try:
        return await services.research.export(args.who, args.purpose, span, fmt, language)
    except ExportRefused as refused:
        raise CliError(str(refused)) from None


def _format(asked: str | None, out: Path | None) -> str:
    implied = out.suffix.lower().lstrip(".") if out else None
    if implied not in FORMATS:
        implied = None
    if out and out.suffix and not implied:
        raise CliError(f"--out {out}: end the name in .xlsx or .csv")
    if asked and implied and asked != implied:
        raise CliError(f"--format {asked} does not fit --out {out}: name the file .{asked}")
    return asked or implied or "xlsx"


def log_text(entries: list[ResearchExport]) -> str:
    """The log as tab-separated lines under a heading line; an asked export not made has
    empty made_on and counts."""
    if not entries:
        return "no research exports yet"
    lines = ["\t".join(LOG_COLUMNS)]
    for e in entries:
        values = (e.id, e.asked_on, e.made_on, e.who, e.purpose, e.filters, e.fmt, e.rows,
                  e.people, e.classes, e.sha256)  # fmt: skip
        lines.append("\t".join("" if v is None else str(v) for v in values))
    return "\n".join(lines)
