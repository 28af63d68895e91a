"""The `bystander` command: one entry point for operators and authors."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import NoReturn

import bot
from bot import logsafe
from bot.cli import authoring, migrate, research, run, server


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake in one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


class VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (it costs an import)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        print(f"{parser.prog} {bot.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="bystander",
        description="Bystander-training bot: run the Telegram bot and work on scenarios.",
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.add_command(sub)
    server.add_commands(sub)
    research.add_commands(sub)
    migrate.add_commands(sub)
    authoring.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.handler(args)
        sys.stdout.flush()  # here, so a reader that went away is noticed below, not at exit
        return status
    except BrokenPipeError:
        # `bystander … | head`: the reader has all it wanted; that is not a failure.
        _discard_stdout()
        return 0
    except authoring.CliError as error:
        return _fail(args.command, str(error))
    except OSError as error:  # a file or folder the operator named or has to fix
        where = f"{error.filename}: " if error.filename else ""
        return _fail(args.command, f"{where}{error.strerror or error}")
    except KeyboardInterrupt:
        return 130


def _fail(command: str, message: str) -> int:
    # The one line an operator sees: never with the token, whatever the error quotes.
    print(f"bystander {command}: {logsafe.redact(message)}", file=sys.stderr)
    return 1


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so Python's last flush at exit stays quiet."""
    with contextlib.suppress(OSError, ValueError):  # not a real file: nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
