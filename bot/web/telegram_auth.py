"""Telegram Mini App launch data (initData): who opened the staff pages inside Telegram.

Telegram signs the launch data with a key derived from the bot token; the check is the one
Telegram documents (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
every received field but `hash` (`signature` included), sorted by key, as `key=value` lines;
secret key = HMAC-SHA256(key "WebAppData", bot token); `hash` = hex HMAC-SHA256(secret key,
those lines). Standard library only: this runs on every Mini App login, before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_INIT_DATA_CHARS = 4096  # real launch data is well under 1 KiB; parse nothing larger
FUTURE_SKEW_S = 60  # a clock a little ahead of ours is tolerated, no more
# Telegram signs the launch data as the app opens and the page posts it at once: minutes
# are plenty, and fewer leave less time to use a copy taken before the page posted it.
MAX_AGE_S = 5 * 60
_HASH = re.compile(r"[0-9a-f]{64}")
_UNIX_TIME = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class MiniAppUser:
    """The Telegram user who opened the Mini App, as far as the web needs to know."""

    id: int
    language_code: str  # "" if absent


class InitDataError(ValueError):
    """Why launch data was refused (for the log; never shown in detail)."""


def validate_init_data(
    init_data: str, bot_token: str, *, now: float, max_age_s: int = MAX_AGE_S
) -> MiniAppUser:
    """The user of launch data Telegram signed for this bot at most max_age_s ago.

    Raises InitDataError otherwise. Its message names the reason only, never the data.
    """
    fields = _parse(init_data)
    given_hash = fields.pop("hash", None)
    if given_hash is None or not _HASH.fullmatch(given_hash):
        raise InitDataError("no well-formed hash")
    if not hmac.compare_digest(_expected_hash(fields, bot_token), given_hash):
        raise InitDataError("hash does not match this bot's token")
    _check_age(fields.get("auth_date"), now, max_age_s)
    return _user(fields.get("user"))


def _expected_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The hex `hash` Telegram gives launch data with these fields (`hash` itself left out)."""
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()


def _parse(init_data: str) -> dict[str, str]:
    """The fields of a query string, each key once; anything malformed is refused."""
    if len(init_data) > MAX_INIT_DATA_CHARS:
        raise InitDataError("launch data too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError as error:  # a bad percent escape too (UnicodeDecodeError)
        raise InitDataError("launch data is not a query string") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field is given twice")
    return fields


def _check_age(auth_date: str | None, now: float, max_age_s: int) -> None:
    if auth_date is None or not _UNIX_TIME.fullmatch(auth_date):
        raise InitDataError("no well-formed auth_date")
    age = now - int(auth_date)
    if age > max_age_s:
        raise InitDataError("launch data is too old")
    if age < -FUTURE_SKEW_S:
        raise InitDataError("launch data is dated in the future")


def _user(user_json: str | None) -> MiniAppUser:
    if user_json is None:
        raise InitDataError("no user")
    try:
        user = json.loads(user_json)
    except ValueError as error:
        raise InitDataError("user is not JSON") from error
    if not isinstance(user, dict):
        raise InitDataError("user is not a JSON object")
    user_id = user.get("id")
    # bool is an int in Python; JSON true is not an id.
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("user has no valid id")
    if user.get("is_bot", False) is not False:
        raise InitDataError("user is a bot")
    language_code = user.get("language_code", "")
    if not isinstance(language_code, str):
        raise InitDataError("user's language_code is not text")
    return MiniAppUser(id=user_id, language_code=language_code)
