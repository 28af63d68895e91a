"""Moving the data between backends: `bystander migrate-db`; and `bystander redelete`, which
deletes again what people deleted after a PostgreSQL backup that was restored."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot import logsafe
from bot.bootstrap import open_storage, require_database
from bot.cli.authoring import CliError
from bot.cli.lifecycle import config_secrets, server_config
from bot.config import BotConfig, ConfigError, database_url
from bot.storage.deletions import DeletionLog
from bot.storage.errors import StorageError
from bot.storage.keys import Secrets, holds_data

if TYPE_CHECKING:
    from bot.storage.transfer import Copy


def add_commands(sub: argparse._SubParsersAction) -> None:
    migrate = sub.add_parser(
        "migrate-db",
        help="copy the encrypted SQLite database into PostgreSQL, or back (the bot stopped)",
        description="Copies every row of the SQLite database of BYSTANDER_DATA_DIR into an "
        "empty PostgreSQL database (--to), or of a PostgreSQL database into a new SQLite "
        "database there (--from), with the keys of BYSTANDER_KEY_DIR, but the web pages' "
        "short-lived links and sessions (staff log in again); then verifies each "
        "table's row count and checksum and the evaluation report on both sides. The target "
        "is left as it was unless the copy is whole. See docs/operations.md, "
        '"Moving to PostgreSQL".',
    )
    direction = migrate.add_mutually_exclusive_group(required=True)
    direction.add_argument("--to", metavar="URL", help="postgresql://user:password@host/db")
    direction.add_argument(
        "--from", dest="source", metavar="URL", help="postgresql://user:password@host/db"
    )
    migrate.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    migrate.set_defaults(handler=cmd_migrate_db)
    redelete = sub.add_parser(
        "redelete",
        help="after restoring a PostgreSQL backup: delete again what people deleted since",
        description="Reads the deletion log of this host (BYSTANDER_DATA_DIR) and those given "
        "with --log (copied from the other hosts the bot runs on), and deletes again the data "
        "of everyone who deleted theirs since the day the backup was made. See "
        'docs/operations.md, "Restoring a PostgreSQL backup".',
    )
    redelete.add_argument(
        "--since",
        required=True,
        type=_moment,
        metavar="WHEN",
        help="when the backup was made, in UTC: a day (YYYY-MM-DD, from its start) or, for a "
        "backup made today, the moment (YYYY-MM-DDTHH:MM)",
    )
    redelete.add_argument(
        "--log",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="another host's deletions.log (may be given several times)",
    )
    redelete.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
    redelete.set_defaults(handler=cmd_redelete)


def cmd_migrate_db(args: argparse.Namespace) -> int:
    from bot.storage import transfer  # psycopg loads only for this command

    config = server_config(args)
    option, given = ("--to", args.to) if args.to else ("--from", args.source)
    logsafe.mask_url(given)
    try:
        url = database_url(config.secrets_env, given, option)
    except ConfigError as error:
        raise CliError(str(error)) from None
    database = config.database_path
    progress = transfer.Progress(sys.stderr)
    try:
        if args.to and not holds_data(database):
            raise CliError(f"there is no SQLite database at {database} (BYSTANDER_DATA_DIR)")
        secrets = config_secrets(config, create=False)
        if args.to:
            copy = asyncio.run(
                transfer.to_postgres(
                    database, secrets.database_key, secrets.key_check, url, progress
                )
            )
        else:
            copy = asyncio.run(
                transfer.from_postgres(
                    url, database, secrets.database_key, secrets.key_check, progress
                )
            )
    except StorageError as error:
        raise CliError(str(error)) from None
    source, target = ("SQLite", "PostgreSQL") if args.to else ("PostgreSQL", "SQLite")
    print(verification_table(copy, source, target))
    print(f"the evaluation report over the whole history is the same in {source} and {target}")
    if args.to:
        print(
            f"now set BYSTANDER_DATABASE_URL={without_password(url)} (with its password, "
            f"unless it is in ~/.pgpass) and start the bot; keep the SQLite file {database} "
            "until you are satisfied"
        )
    else:
        print(
            f"now remove BYSTANDER_DATABASE_URL (the bot then uses {database}) and start the "
            "bot; keep the PostgreSQL database until you are satisfied"
        )
    return 0


def verification_table(copy: Copy, source: str, target: str) -> str:
    header = ("table", f"{source} rows", f"{target} rows", "checksums")
    rows = [
        (
            check.table,
            f"{check.source.rows:,}",
            f"{check.target.rows:,}",
            f"equal ({check.target.checksum[:12]}…)",
        )
        for check in copy.checks
    ]
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def without_password(url: str) -> str:
    """The URL to show: the password left out, in the user part or as a parameter."""
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo.partition(':')[0]}@{host}" if at else host
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


def cmd_redelete(args: argparse.Namespace) -> int:
    config = server_config(args)
    since = args.since
    try:
        require_database(config)
        secrets = config_secrets(config, create=False)
        logs = [
            DeletionLog(path, secrets.pseudonym_secret, config.backup_days)
            for path in dict.fromkeys([config.deletion_log_path, *args.log])
        ]
        people = set()
        for log in logs:
            log.refuse_uncovered(since, "the backup")
            people.update(deletion.user for deletion in log.deletions_since(since))
        deleted = asyncio.run(_delete(config, secrets, sorted(people)))
    except StorageError as error:
        raise CliError(str(error)) from None
    print(
        f"deleted again the data of {deleted} person(s) who deleted it since "
        f"{since:%Y-%m-%d %H:%M} UTC "
        f"({len(people)} deletion(s) in {len(logs)} log(s))"
    )
    return 0


async def _delete(config: BotConfig, secrets: Secrets, people: list[str]) -> int:
    storage = open_storage(config, secrets, create=False)
    await storage.lifecycle.initialize()
    try:
        return sum([bool(await storage.players.delete_user(user)) for user in people])
    finally:
        await storage.lifecycle.close()


def _moment(text: str) -> datetime:
    """A day (from its start) or a moment, in UTC: when the backup was made."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a day or a moment: {text!r} (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
