"""The `bystander` command: one entry point for operators and authors."""

from __future__ import annotations

import argparse
import sys

from bot import logsafe
from bot.cli import authoring, run, server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bystander",
        description="Bystander-training bot: run the Telegram bot and work on scenarios.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.add_command(sub)
    server.add_commands(sub)
    authoring.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except authoring.CliError as error:
        # The one line an operator sees: never with the token, whatever the error quotes.
        print(f"bystander {args.command}: {logsafe.redact(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
