"""Server commands for operators: `bystander invite`."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import build_services
from bot.cli.authoring import CliError
from bot.config import ConfigError, load_config
from bot.storage.classes import ROLES
from bot.storage.errors import StorageError
from bot.telegram.jobs import retention_cutoff


def add_commands(sub: argparse._SubParsersAction) -> None:
    invite = sub.add_parser(
        "invite",
        help="print a one-time invitation link that grants a staff role",
        description="Create an invitation link for a youth worker or an evaluator. It works "
        "once and expires (BYSTANDER_INVITE_DAYS, default 7). Uses the same data and key "
        "folders as `bystander run`; the bot must have run once so its username is known.",
    )
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--label", required=True, help='who it is for, e.g. "Tumba fritidsgård"')
    invite.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    invite.set_defaults(handler=cmd_invite)
    add_purge(sub)


def cmd_invite(args: argparse.Namespace) -> int:
    label = args.label.strip()
    if not label:
        raise CliError("--label must not be empty")
    try:
        config = load_config(os.environ, args.config, require_token=False)
        link, expires = asyncio.run(_invite(config, args.role, label))
    except (ConfigError, StorageError, LookupError) as error:
        raise CliError(str(error)) from None
    print(f"{link}\n(works once, until {expires.isoformat()})")
    return 0


async def _invite(config, role: str, label: str):
    services = build_services(config)
    await services.store.initialize()
    try:
        return await services.staff.create_invitation(role, label)
    finally:
        await services.store.close()


def add_purge(sub: argparse._SubParsersAction) -> None:
    purge = sub.add_parser(
        "purge",
        help="fold raw events older than the retention period into aggregates and delete them",
        description="The bot does this daily by itself. Raw choices, runs and answers older "
        "than BYSTANDER_RETENTION_MONTHS (default 12) are folded into anonymous aggregate "
        "tables, so reports over old periods keep working, and then deleted.",
    )
    purge.add_argument("--dry-run", action="store_true", help="only show what would be removed")
    purge.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    purge.set_defaults(handler=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    try:
        config = load_config(os.environ, args.config, require_token=False)
        summary = asyncio.run(_purge(config, args.dry_run))
    except (ConfigError, StorageError) as error:
        raise CliError(str(error)) from None
    verb = "would fold and remove" if args.dry_run else "folded and removed"
    print(
        f"{verb}, from before {summary.cutoff.isoformat()}: {summary.choices} choice(s), "
        f"{summary.runs} run(s), {summary.measure_answers} questionnaire answer(s), "
        f"{summary.follow_ups} finished follow-up(s)"
    )
    return 0


async def _purge(config, dry_run: bool):
    services = build_services(config)
    await services.store.initialize()
    try:
        cutoff = retention_cutoff(datetime.now(UTC).date(), config.retention_months)
        return await services.evaluation.purge(cutoff, dry_run=dry_run)
    finally:
        await services.store.close()
