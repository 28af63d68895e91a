"""Compact, channel-neutral encoding of button actions.

Telegram limits callback data to 1–64 bytes, so every action is a short
colon-separated string. Ids are restricted (see `ID_PATTERN`) so they never
contain the separator. Decoding never trusts its input: anything that does not
parse is `None`, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.engine import RUN_ID_LENGTH

MAX_BYTES = 64
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class Action:
    """A button press: `kind` names what it does, `args` are its ids."""

    kind: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((self.kind, *self.args))
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def decode(data: str | None) -> Action | None:
    # The patterns admit ASCII only, so characters are bytes once they have matched.
    if not data or len(data) > MAX_BYTES:
        return None
    kind, *args = data.split(":")
    if not _TOKEN.fullmatch(kind) or not all(_TOKEN.fullmatch(a) for a in args):
        return None
    return Action(kind, tuple(args))


_NUMBER = re.compile(r"[0-9]{1,18}")


def number(text: str) -> int | None:
    """A record number carried by a button, or None. At most 18 digits, so it always fits
    the database's 64-bit integers (a forged 60-digit number must not reach SQLite)."""
    return int(text) if _NUMBER.fullmatch(text) else None


ANSWER = "a"  # a:<run id>:<step id>:<choice id>


def answer(run_id: str, step_id: str, choice_id: str) -> Action:
    return Action(ANSWER, (run_id, step_id, choice_id))


def longest_answer_bytes(step_id: str, choice_id: str) -> int:
    """Size of the callback data of a choice button, for the lint check."""
    placeholder_run = "x" * RUN_ID_LENGTH
    return len(":".join((ANSWER, placeholder_run, step_id, choice_id)).encode())
