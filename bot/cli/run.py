"""`bystander run`: start the bot with long polling, or with a webhook."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from bot import logsafe
from bot.cli.authoring import CliError
from bot.config import ConfigError, load_config, settings_help
from bot.storage.errors import StorageError

log = logging.getLogger("bystander")


def add_command(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run",
        help="run the Telegram bot (long polling, or a webhook with --webhook)",
        description="Run the bot. Configuration comes from environment variables, listed "
        "below; a --config file may add to them.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--config",
        type=Path,
        help="a .env file of KEY=VALUE lines (export, comments and quotes as in a shell); "
        "the environment wins over it",
    )
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates by webhook at this public https:// address (behind a reverse "
        "proxy) instead of long polling; wins over BYSTANDER_WEBHOOK_URL",
    )
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    # Telegram's libraries load only here, so the other commands start quickly.
    from telegram.error import InvalidToken, NetworkError

    from bot.bootstrap import build_runtime

    logsafe.configure()  # until the configuration says how
    logsafe.mask(os.environ.get("TELEGRAM_BOT_TOKEN", ""))
    try:
        env = {**os.environ, **({"BYSTANDER_WEBHOOK_URL": args.webhook} if args.webhook else {})}
        config = load_config(env, args.config)
        logsafe.mask(config.token)  # also when it came from --config
        logsafe.mask_url(config.base_url)
        logsafe.mask_url(config.proxy or "")
        logsafe.mask_url(config.database_url)
        logsafe.configure(config.log_level, config.log_format)
        for warning in config.warnings:
            log.warning(warning)
        build_runtime(config).run()
    except InvalidToken:
        raise CliError("Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN") from None
    except NetworkError as error:
        # main() masks the token in this line: HTTP errors can quote the request URL.
        raise CliError(f"cannot reach the Telegram Bot API: {error.message}") from None
    except (ConfigError, StorageError) as error:
        raise CliError(str(error)) from None
    except Exception as error:
        # Not a bare traceback on stderr: its texts could hold the URL, and so the token.
        log.critical("stopped by an unexpected error", exc_info=True)  # masked by the formatter
        raise CliError(
            f"stopped by an unexpected error ({type(error).__name__}); the log above says where"
        ) from None
    return 0
