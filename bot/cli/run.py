"""`bystander run`: start the bot with long polling."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot import logsafe
from bot.cli.authoring import CliError
from bot.config import ConfigError, load_config
from bot.storage.errors import StorageError


def add_command(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run",
        help="run the Telegram bot (long polling)",
        description="Run the bot. Configuration comes from environment variables: "
        "TELEGRAM_BOT_TOKEN (required), TELEGRAM_BASE_URL, BYSTANDER_DATA_DIR (default ./data), "
        "BYSTANDER_KEY_DIR (default ./keys, must be outside the data folder), "
        "BYSTANDER_SCENARIOS, BYSTANDER_LOCALES, BYSTANDER_DB_KEY, BYSTANDER_PSEUDONYM_SECRET.",
    )
    run.add_argument("--config", type=Path, help="a KEY=VALUE file; the environment wins over it")
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    # Telegram's libraries load only here, so the other commands start quickly.
    from telegram.error import InvalidToken, NetworkError

    from bot.telegram.runtime import build_runtime

    logsafe.configure()
    try:
        config = load_config(os.environ, args.config)
        build_runtime(config).run_polling()
    except InvalidToken:
        raise CliError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN") from None
    except NetworkError as error:
        raise CliError(f"cannot reach the Telegram Bot API: {error.message}") from None
    except (ConfigError, StorageError) as error:
        raise CliError(str(error)) from None
    return 0
