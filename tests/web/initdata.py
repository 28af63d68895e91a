"""Mini App launch data signed as Telegram signs it, for any test of the Mini App login.

Written from Telegram's documentation, not from bot/web/telegram_auth.py, so that one
mistake in both cannot pass unseen: every received field but `hash`, sorted by key, as
`key=value` lines; secret key = HMAC-SHA256(key "WebAppData", bot token); `hash` = hex
HMAC-SHA256(secret key, those lines). Values are percent-encoded as Telegram sends them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import quote, urlencode


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """The initData query string Telegram would give a Mini App of this bot."""
    data_check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    signature = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": signature}, quote_via=quote)


def launch_fields(user_id: int, auth_date: int, language_code: str = "sv") -> dict[str, str]:
    """The fields of a launch from a bot's menu button by one user."""
    user = {"id": user_id, "first_name": "Kim", "language_code": language_code}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(auth_date),
    }
