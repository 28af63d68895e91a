"""Deep links: `t.me/<bot>?start=<payload>`, payload at most 64 of A-Za-z0-9_-.

Join codes and invitation tokens are random and unguessable; only a hash of an
invitation token is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass

CLASS_PREFIX, INVITE_PREFIX = "c-", "i-"
CLASS_CODE_LENGTH = 10  # 62^10 ≈ 8·10^17 codes: guessing is hopeless, and rate-limited
_CODE_ALPHABET = string.ascii_letters + string.digits
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class StartLink:
    kind: str  # "class" or "invite"
    value: str


def parse_start_payload(payload: str | None) -> StartLink | None:
    if not payload or not _PAYLOAD.fullmatch(payload):  # `$` would let a final newline in
        return None
    if payload.startswith(CLASS_PREFIX):
        return StartLink("class", payload.removeprefix(CLASS_PREFIX))
    if payload.startswith(INVITE_PREFIX):
        return StartLink("invite", payload.removeprefix(INVITE_PREFIX))
    return None


def new_class_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CLASS_CODE_LENGTH))


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters of A-Za-z0-9_-


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"
