"""Server lifecycle commands: `bystander init`, `check`, `backup`, `restore` and `rekey`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bot import logsafe
from bot.bootstrap import hidden_help_lines, load_content, open_storage, require_database
from bot.cli.authoring import CliError
from bot.config import BotConfig, ConfigError, load_config
from bot.storage.deletions import DeletionLog
from bot.storage.errors import StorageError
from bot.storage.keys import (
    DATABASE_KEY_ENV,
    DATABASE_KEY_FILE,
    KEY_CHECK_SETTING,
    PSEUDONYM_SECRET_FILE,
    Secrets,
    holds_data,
    load_secrets,
    read_key_file,
)
from bot.storage.sqlite import backup as backups
from bot.storage.sqlite.database import (
    connect,
    load_migrations,
    refuse_if_moved,
    storage_errors,
)

# `bystander check` exit codes, for monitoring (docs/operations.md).
CHECK_CODES = {"configuration": 1, "keys and database": 2, "content": 3, "Bot API": 4}
TELEGRAM_TIMEOUT_S = 10
PSEUDONYM_NOTE = (
    "The pseudonym secret (pseudonym.key) cannot be rotated: every stored pseudonym is "
    "derived from it, so with a new one nobody would find, see or delete their data again."
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    for name, handler, summary, description in _COMMANDS:
        parser = sub.add_parser(name, help=summary, description=description)
        if name == "backup":
            parser.add_argument("file", type=Path, help="the backup file to write (0600)")
        if name == "restore":
            parser.add_argument("file", type=Path, help="a file written by bystander backup")
            parser.add_argument(
                "--key-file",
                type=Path,
                help="the database key the backup was made with, if it was made before a "
                "bystander rekey (e.g. keys/database.key.old-…)",
            )
            parser.add_argument(
                "--deletion-log-lost",
                action="store_true",
                help="restore although the deletion log is missing or younger than the backup: "
                "only when it was lost with the data folder; people who deleted their data "
                "after the backup was made get it back",
            )
        parser.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins")
        parser.set_defaults(handler=handler)


def server_config(args: argparse.Namespace, *, require_token: bool = False) -> BotConfig:
    """The settings as `bystander run` reads them; names that are not settings (a typo in a
    server command's environment or --config) are warned about on stderr, as run logs them."""
    try:
        config = load_config(os.environ, args.config, require_token=require_token)
    except ConfigError as error:
        raise CliError(str(error)) from None
    logsafe.mask_url(config.database_url)  # a driver's error may quote the password
    for warning in config.warnings:
        print(f"bystander {args.command}: warning: {warning}", file=sys.stderr)
    return config


def cmd_init(args: argparse.Namespace) -> int:
    config = server_config(args)
    if config.database_url:
        return _init_postgres(config)
    database = config.database_path
    if holds_data(database):
        try:
            refuse_if_moved(database, config_secrets(config, create=False).database_key)
        except StorageError as error:
            raise CliError(str(error)) from None
        print(f"already set up: the database {database} exists; nothing was changed")
        return 0
    key_files = [config.key_dir / DATABASE_KEY_FILE, config.key_dir / PSEUDONYM_SECRET_FILE]
    existing = [path for path in key_files if path.exists()]
    logsafe.configure()  # the migrations say what they do
    try:
        secrets = config_secrets(config)
        _run_store(config, secrets)
    except StorageError as error:
        raise CliError(str(error)) from None
    print(f"created the database {database}")
    created = [path for path in key_files if path not in existing]
    if existing:
        print("using the existing key file(s) " + ", ".join(map(str, existing)))
    if created:
        print("created the key file(s) " + ", ".join(map(str, created)))
    print(
        f"back up the keys now: copy the folder {config.key_dir} somewhere safe, apart from "
        "the data; without it the data cannot be read"
    )
    return 0


def _init_postgres(config: BotConfig) -> int:
    from bot.storage.postgres.database import describe

    logsafe.configure()  # the migrations say what they do
    try:
        _run_store(config, config_secrets(config))
    except StorageError as error:
        raise CliError(str(error)) from None
    print(f"{describe(config.database_url)} is set up, with the current schema")
    print(
        f"back up the keys now: copy the folder {config.key_dir} somewhere safe, apart from "
        "the data; without pseudonym.key nobody can find, see or delete their data"
    )
    return 0


def _run_store(config: BotConfig, secrets: Secrets) -> None:
    async def open_and_close() -> None:
        lifecycle = open_storage(config, secrets).lifecycle
        await lifecycle.initialize()
        await lifecycle.close()

    asyncio.run(open_and_close())


def _refuse_on_postgres(config: BotConfig, command: str) -> None:
    if not config.database_url:
        return
    if command == "rekey":
        instead = (
            "the database key encrypts only the SQLite file; PostgreSQL's data is encrypted by "
            'its storage (docs/operations.md, "Encryption at rest")'
        )
    else:
        instead = (
            "use the cluster's own backups (pg_dump --no-unlogged-table-data, pgBackRest…), "
            'and after a restore run `bystander redelete` (docs/operations.md, "Restoring a '
            'PostgreSQL backup")'
        )
    raise CliError(
        f"`bystander {command}` is for the SQLite file; the data is in PostgreSQL "
        f"(BYSTANDER_DATABASE_URL): {instead}"
    )


def config_secrets(config: BotConfig, *, create: bool = True) -> Secrets:
    """The keys of the configured data; `create` False: refuse a missing key file."""
    return load_secrets(
        config.key_dir,
        config.data_dir,
        config.secrets_env,
        database=config.database_path,
        create=create,
    )


def _existing(config: BotConfig) -> Secrets:
    """The secrets of an existing database; creates nothing."""
    require_database(config)
    return config_secrets(config, create=False)


def cmd_check(args: argparse.Namespace) -> int:
    """Each check prints one line; the first failure ends it with its own exit code."""
    state: dict[str, object] = {}
    checks: list[tuple[str, Callable[[], str]]] = [
        ("configuration", lambda: _check_config(args, state)),
        ("keys and database", lambda: _check_storage(state["config"])),
        ("content", lambda: _check_content(state["config"])),
        ("Bot API", lambda: _check_bot_api(state["config"])),
    ]
    for name, check in checks:
        try:
            print(f"ok   {name}: {check()}")
        except (CliError, ConfigError, StorageError, OSError) as error:
            print(f"bystander check: {name}: {logsafe.redact(str(error))}", file=sys.stderr)
            return CHECK_CODES[name]
    return 0


def _check_config(args: argparse.Namespace, state: dict[str, object]) -> str:
    config = server_config(args, require_token=True)
    logsafe.mask(config.token)
    logsafe.mask_url(config.base_url)
    state["config"] = config
    return f"data {config.data_dir}, keys {config.key_dir}"


def _check_storage(config: BotConfig) -> str:
    secrets = _existing(config)
    if config.database_url:
        from bot.storage.postgres.database import check_status

        return asyncio.run(check_status(config.database_url, secrets.key_check)) + _deletion_note(
            config, secrets
        )
    database = config.database_path
    db = connect(database, secrets.database_key)
    with contextlib.closing(db), storage_errors(database):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        row = db.execute("SELECT value FROM settings WHERE key = ?", (KEY_CHECK_SETTING,))
        recorded = row.fetchone()
    refuse_if_moved(database, secrets.database_key)
    if recorded and recorded[0] != secrets.key_check.value:
        raise StorageError(f"{secrets.pseudonym_source} does not belong to the database {database}")
    known = len(load_migrations())
    if version > known:
        raise StorageError(f"{database} has schema version {version}; this code knows {known}")
    pending = f", {known - version} migration(s) to run at next start" if version < known else ""
    return f"{database} opens with the keys, schema version {version}{pending}" + _deletion_note(
        config, secrets
    )


def _deletion_note(config: BotConfig, secrets: Secrets) -> str:
    log = DeletionLog(config.deletion_log_path, secrets.pseudonym_secret, config.backup_days)
    if log.path.exists():
        return f"; deletion log covers {log.covered_since():%Y-%m-%d}"
    return "; no deletion log yet (the bot starts it)"


def _check_content(config: BotConfig) -> str:
    catalog = load_content(config)
    languages = ", ".join(catalog.locales.languages)
    warnings = hidden_help_lines(catalog, config)
    return "; warning: ".join(
        [f"{len(catalog.scenarios)} scenario(s), languages {languages}", *warnings]
    )


def _check_bot_api(config: BotConfig) -> str:
    """getMe, through the proxy `bystander run` uses: HTTP(S)_PROXY and NO_PROXY from the
    environment or the --config file, so a proxy set only in the service's file counts."""
    request = urllib.request.Request(f"{config.base_url}{config.token}/getMe", method="POST")
    proxies = {urlsplit(config.base_url).scheme: config.proxy} if config.proxy else {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))
    try:
        with opener.open(request, timeout=TELEGRAM_TIMEOUT_S) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code in (401, 404):
            raise CliError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN") from None
        raise CliError(f"the Bot API answered HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise CliError(f"cannot reach the Telegram Bot API: {reason}") from None
    return f"reached as @{answer['result']['username']}"


def cmd_backup(args: argparse.Namespace) -> int:
    config = server_config(args)
    _refuse_on_postgres(config, "backup")
    try:
        secrets = _existing(config)
        refuse_if_moved(config.database_path, secrets.database_key)
        info = backups.backup(config.database_path, secrets.database_key, args.file)
    except StorageError as error:
        raise CliError(str(error)) from None
    print(
        f"wrote {info.path} ({info.size} bytes, schema version {info.schema_version}); it is "
        f"encrypted with the database key: keep a copy of the key folder {config.key_dir} "
        "too, stored apart from the backups"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    config = server_config(args)
    _refuse_on_postgres(config, "restore")
    logsafe.configure()  # the migrations of an older backup say what they do
    try:
        secrets = config_secrets(config, create=False)
        source_key = read_key_file(args.key_file) if args.key_file else None
        log = DeletionLog(config.deletion_log_path, secrets.pseudonym_secret, config.backup_days)
        result = asyncio.run(
            backups.restore(
                args.file,
                config.database_path,
                secrets.database_key,
                secrets.key_check,
                log,
                source_key=source_key,
                deletion_log_lost=args.deletion_log_lost,
            )
        )
    except StorageError as error:
        raise CliError(str(error)) from None
    made = result.backup.made_at
    age = f"made {made:%Y-%m-%d %H:%M} UTC" if made else "a copy of unknown age"
    print(f"restored {config.database_path} from {args.file} ({age})")
    print(f"deleted again the data of {result.deleted_again} person(s) who deleted it since")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    config = server_config(args)
    _refuse_on_postgres(config, "rekey")
    if DATABASE_KEY_ENV in config.secrets_env:
        raise CliError(
            f"the database key comes from {DATABASE_KEY_ENV}: rekey rotates the key file only; "
            f"unset {DATABASE_KEY_ENV} and put the key in {config.key_dir / DATABASE_KEY_FILE}"
        )
    key_file = config.key_dir / DATABASE_KEY_FILE
    try:
        secrets = _existing(config)
        old = backups.rekey(config.database_path, key_file, secrets.database_key)
    except StorageError as error:
        raise CliError(str(error)) from None
    print(f"the database {config.database_path} is now encrypted with a new key in {key_file}")
    print(
        f"the old key is kept as {old}: backups made before now need it "
        f"(bystander restore FILE --key-file {old}); back up the key folder again"
    )
    return 0


_COMMANDS = [
    (
        "init",
        cmd_init,
        "create the data folder, the keys and the encrypted database",
        "First install: create BYSTANDER_DATA_DIR with the database and BYSTANDER_KEY_DIR with "
        "the two key files, and say where they are. `bystander run` does the same on a first "
        "start; every other server command refuses to create anything.",
    ),
    (
        "check",
        cmd_check,
        "check configuration, keys, database, content and the Bot API (for monitoring)",
        "Exit codes: 0 all is well, 1 configuration, 2 keys or database, 3 content (scenarios "
        "and interface strings), 4 the Bot API is unreachable or rejects the token. Changes "
        "nothing; safe while the bot runs.",
    ),
    (
        "backup",
        cmd_backup,
        "write a consistent, encrypted copy of the database while the bot runs",
        "The copy is encrypted with the database key: back up the key folder separately. "
        "See docs/operations.md#backups.",
    ),
    (
        "restore",
        cmd_restore,
        "replace the database with a backup (the bot must be stopped)",
        "Restores a backup, then deletes again the data of everyone who deleted theirs after "
        "the backup was made (the deletion log in the data folder, kept for "
        "BYSTANDER_BACKUP_DAYS). Refuses while the bot or another command uses the database.",
    ),
    (
        "rekey",
        cmd_rekey,
        "encrypt the database with a new database key (the bot must be stopped)",
        "Rotates the database key: writes a new database.key and keeps the old one beside it "
        "as database.key.old-<time>, which backups made before need. " + PSEUDONYM_NOTE,
    ),
]
