"""Logging and error lines that never show the bot token, and no library chatter that
could carry it.

Handlers never log update contents (ids, names, text); this module is the second line of
defence. The Bot API URL carries the token (`<base_url><token>/<method>`), and HTTP
libraries put URLs into their exception texts, so every formatted log record and every
error line the CLI prints goes through `redact`: it masks the token the bot runs with
(`mask`), a password in the base URL, and anything shaped like a Telegram token.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

MASK = "<token>"
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
# A Bot API path, /bot<token>/ or /file/bot<token>/: whatever the token looks like.
_BOT_PATH = re.compile(r"(/bot)\d+:[^/\s'\"<>]+")
# The user-info of a URL (a proxy's user name and password): an HTTP client's error may
# quote it re-encoded, and a user name is often a person's own municipal account.
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/@'\"<>]+@", re.IGNORECASE)
# A password given as a parameter (`?password=…` of a PostgreSQL URL, or `password=…` of a
# libpq connection string), which a driver's error may quote.
_PASSWORD_PARAMETER = re.compile(r"(\bpassword\s*=\s*)('[^']*'|[^\s&'\"]+)", re.IGNORECASE)
_secrets: set[str] = set()


def mask(secret: str) -> None:
    """From now on, `secret` (as written and as URL-encoded) is masked in all output.

    Fewer than 4 characters would garble every line, and is no token Telegram issues."""
    if len(secret.strip()) >= 4:
        _secrets.update({secret, quote(secret, safe=""), quote(secret)})


def mask_url(url: str) -> None:
    """Mask the password of a URL such as `TELEGRAM_BASE_URL` (a proxy with basic auth)."""
    try:
        password = urlsplit(url).password
    except ValueError:  # unparsable: the HTTP client will say so; the token is masked anyway
        return
    if password:
        mask(password)
        mask(unquote(password))


def redact(text: str) -> str:
    text = _USERINFO.sub(rf"\1{MASK}@", text)  # before the secrets it may contain
    text = _PASSWORD_PARAMETER.sub(rf"\1{MASK}", text)
    for secret in sorted(_secrets, key=len, reverse=True):  # the longest form first
        text = text.replace(secret, MASK)
    text = _BOT_PATH.sub(rf"\1{MASK}", text)
    return _TOKEN.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line for a log collector; each text in it masked before encoding,
    so a secret is found as written, not as JSON escapes it."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class QuietLibraryErrors(logging.Filter):
    """PTB logs a full traceback for every failed network retry, and logs the error that
    stops a failed start before raising it; the command ends with one line saying the same.
    Left out below DEBUG; retries while running stay, as one line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Network Retry Loop"):
            if "Aborting" in message:
                return False
            record.exc_info = None
            record.exc_text = None
        return True


def configure(level: int = logging.INFO, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if level > logging.DEBUG:
        handler.addFilter(QuietLibraryErrors())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # DEBUG is for the bot's own lines: the libraries' debug lines quote requests, updates
    # and SQL, so chat ids, typed text and even the database key. Never logged.
    root.setLevel(max(level, logging.INFO))
    logging.getLogger("bystander").setLevel(level)
    logging.captureWarnings(True)  # library warnings go through the formatter as well
    # httpx logs every request URL, and the URL contains the token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
