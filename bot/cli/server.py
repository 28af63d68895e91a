"""Server commands for operators: `bystander invite`, `purge` and `report`; the lifecycle
commands (init, check, backup, restore, rekey) are in bot.cli.lifecycle."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.bootstrap import Services, build_services
from bot.cli import lifecycle
from bot.cli.authoring import CliError
from bot.config import ConfigError
from bot.evaluation.release import Period, PeriodError
from bot.services.plaintext import plain_text
from bot.services.reports import FORMATS, ReportError
from bot.services.staff import MAX_CLASS_NAME, MIN_GROUP_FLOOR
from bot.storage.errors import StorageError
from bot.storage.records import (
    MENTOR,
    RESEARCH_LOG_MONTHS,
    ROLES,
    PurgeSummary,
    retention_cutoff,
)

T = TypeVar("T")


def add_commands(sub: argparse._SubParsersAction) -> None:
    invite = sub.add_parser(
        "invite",
        help="print a one-time invitation link that grants a staff role",
        description="Create an invitation link for a youth worker or an evaluator. It works "
        "once and expires (BYSTANDER_INVITE_DAYS, default 7). Uses the same data and key "
        "folders as `bystander run`; the bot must have run once so its username is known. "
        "Mentors are invited by their youth worker in the bot (/invite mentor LABEL).",
    )
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--label", required=True, help='who it is for, e.g. "Tumba fritidsgård"')
    invite.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    invite.set_defaults(handler=cmd_invite)
    add_purge(sub)
    add_report(sub)
    lifecycle.add_commands(sub)


def with_services(args: argparse.Namespace, work: Callable[[Services], Awaitable[T]]) -> T:
    """Open the encrypted database as `bystander run` would, do the work, close it; refuse,
    creating nothing, where there is no database (a wrong folder)."""

    async def run() -> T:
        services = build_services(lifecycle.server_config(args), create=False)
        await services.storage.lifecycle.initialize()
        try:
            return await work(services)
        finally:
            await services.storage.lifecycle.close()

    try:
        return asyncio.run(run())
    except (ConfigError, StorageError, LookupError) as error:
        raise CliError(str(error)) from None


def cmd_invite(args: argparse.Namespace) -> int:
    if args.role == MENTOR:
        raise CliError(
            "a mentor leads the classes of the youth worker who invited them, so the youth "
            "worker invites them in the bot: /invite mentor LABEL"
        )
    label = plain_text(args.label, MAX_CLASS_NAME)
    if not label:
        raise CliError('--label needs a name you can read, e.g. --label "Tumba fritidsgård"')
    link, expires = with_services(args, lambda s: s.roles.create_invitation(args.role, label))
    print(f"{link}\n(works once, until {expires.isoformat()})")
    return 0


def add_purge(sub: argparse._SubParsersAction) -> None:
    purge = sub.add_parser(
        "purge",
        help="apply the retention rule: fold and delete what is older than the retention period",
        description="The bot does this daily by itself. Raw choices, runs and answers older "
        "than BYSTANDER_RETENTION_MONTHS (default 12) are folded into anonymous aggregate "
        "tables, so reports over old periods keep working, and then deleted. So are profiles "
        "without activity for that long (with their class memberships), classes that ended "
        "that long ago (with their members, assignments and facilitated sessions), revoked "
        "staff roles and expired invitations. Aggregate rows of fewer than "
        "BYSTANDER_MIN_GROUP people are merged into coarser rows or deleted. See "
        "docs/evaluation.md.",
    )
    purge.add_argument("--dry-run", action="store_true", help="only show what would be removed")
    purge.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    purge.set_defaults(handler=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    def purge(services: Services):
        config = services.config
        cutoff = retention_cutoff(datetime.now(UTC).date(), config.retention_months)
        return services.storage.retention.purge(
            cutoff, dry_run=args.dry_run, min_group=max(MIN_GROUP_FLOOR, config.min_group)
        )

    summary = with_services(args, purge)
    print(purge_report(summary, dry_run=args.dry_run))
    return 0


def purge_report(summary: PurgeSummary, *, dry_run: bool) -> str:
    """What `bystander purge` did (or would do), one kind per line."""
    verb = "would remove" if dry_run else "removed"
    lines = [
        f"{verb}, with raw events from before {summary.cutoff.isoformat()} folded into the "
        "anonymous aggregates first:",
        f"  {summary.choices} choice(s)",
        f"  {summary.runs} run(s)",
        f"  {summary.measure_answers} questionnaire answer(s)",
        f"  {summary.follow_ups} finished follow-up(s)",
        f"  {summary.profiles} profile(s) without activity since then",
        f"  {summary.memberships} class membership(s)",
        f"  {summary.releases} released period(s) past retention, retired",
        f"  {summary.classes} class(es) that ended before then, with "
        f"{summary.facilitations} facilitated session(s)",
        f"  {summary.invitations} expired invitation(s)",
        f"  {summary.roles} revoked staff role(s)",
        f"  {summary.research_exports} research export log entr(ies) older than "
        f"{RESEARCH_LOG_MONTHS} months",
    ]
    small = f"  {summary.small_groups} aggregate row(s) of fewer than K people, merged or deleted"
    if dry_run:
        small += " (among the rows folded before)"
    return "\n".join([*lines, small])


def add_report(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="the evaluation report: completions, choices, strategies, T1/T2/T3 change",
        description="Every cell under K respondents is suppressed; exports contain no "
        "pseudonyms. See docs/evaluation.md.",
    )
    report.add_argument(
        "--format",
        choices=sorted(FORMATS),
        help="default: from the --out file's extension (.html, .xlsx, .csv, .json), else html; "
        "xlsx is an Excel workbook with a data dictionary sheet, csv is for Swedish Excel "
        "and R's read.csv2 (semicolons, decimal commas)",
    )
    report.add_argument(
        "--dictionary",
        action="store_true",
        help="write the report's data dictionary (every table and column, its type and "
        "meaning) as a CSV instead of the report",
    )
    report.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    report.add_argument(
        "--period",
        help="a closed month, e.g. 2026-10 (default: last month)",
    )
    report.add_argument("--scenario", help="only this scenario's tables")
    report.add_argument("--class", dest="class_ref", help="only this class (number or name)")
    report.add_argument(
        "--min-group",
        type=int,
        help="a larger K for this report (default BYSTANDER_MIN_GROUP, 5); never a smaller one",
    )
    report.add_argument("--lang", default="sv", help="language of the report (default sv)")
    report.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    if args.out:
        check_writable_place(args.out)  # before the report is built, which takes a while
    fmt = report_format(args.format, args.out, dictionary=args.dictionary)
    if fmt == "xlsx" and not args.out and sys.stdout.isatty():
        raise CliError("a workbook is not for a terminal: give --out FILE.xlsx")
    content = with_services(args, lambda services: _report(services, args, fmt))
    if args.out:
        write_private(args.out, content)
        print(f"wrote {args.out}")
    else:
        sys.stdout.buffer.write(content)
    return 0


EXTENSION_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".json": "json",
}


def report_format(asked: str | None, out: Path | None, *, dictionary: bool = False) -> str:
    """--format if given, else the --out file's extension, else HTML; never a mismatch.
    The data dictionary is a CSV ("dictionary")."""
    implied = EXTENSION_FORMATS.get(out.suffix.lower()) if out else None
    if dictionary:
        if (asked or implied or "csv") != "csv":
            raise CliError("--dictionary writes a CSV: name the file .csv and leave out --format")
        return "dictionary"
    if asked and implied and asked != implied:
        raise CliError(
            f"--format {asked} does not fit --out {out}: name the file .{asked} "
            f"or leave out --format"
        )
    if out and not asked and not implied:
        raise CliError(
            f"--out {out}: end the name in .html, .xlsx, .csv or .json, or give --format"
        )
    return asked or implied or "html"


def check_writable_place(path: Path) -> None:
    if path.is_dir():
        raise CliError(f"cannot write {path}: it is a folder; name a file in it")
    if not path.parent.is_dir():
        raise CliError(f"cannot write {path}: No such file or directory")


def write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path` readable by the owner only (0600), also over an existing file.

    A report shows small-group numbers of pupils in a municipality. It is written to a new
    0600 file beside `path` and renamed over it, so neither a half-written report nor the
    old file's wider mode is ever seen.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from None


async def _report(services: Services, args: argparse.Namespace, fmt: str) -> bytes:
    k = services.reports.min_group  # BYSTANDER_MIN_GROUP, never below 3
    if args.min_group is not None and args.min_group < k:
        raise CliError(
            f"--min-group {args.min_group} is below K = {k} (BYSTANDER_MIN_GROUP): a report may "
            f"hide more than the bot does, never less; use {k} or more"
        )
    if args.scenario and args.scenario not in services.catalog.scenarios:
        raise CliError(f"no scenario {args.scenario!r}; see bystander scenarios")
    class_id = await services.reports.class_id(args.class_ref) if args.class_ref else None
    if args.class_ref and class_id is None:
        raise CliError(f"no class {args.class_ref!r}")
    try:
        report = await services.reports.build(
            Period.parse(args.period) if args.period else None,
            services.catalog.locales.pick(args.lang),
            class_id=class_id,
            scenario=args.scenario,
            k=args.min_group,
        )
    except (PeriodError, ReportError) as error:
        raise CliError(str(error)) from None
    return services.reports.export(report, fmt)
