"""Decoding of Bot API request parameters as PTB sends them.

PTB (``RequestData.json_parameters``) sends every parameter as a form field: string values
are sent *raw*, everything else is ``json.dumps``-ed. Files go as multipart parts, named after
the parameter (``photo``) or referenced as ``attach://<name>``. So a field's type cannot be
guessed from its content (``text="[1]"`` is a plain string); like Telegram, we decode by
parameter name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .errors import bad_request

JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "correct_option_ids",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "options",
        "question_entities",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
INT_FIELDS = frozenset(
    {
        "cache_time",
        "close_date",
        "correct_option_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "open_period",
        "reply_to_message_id",
        "user_id",
    }
)
FLOAT_FIELDS = frozenset({"timeout"})
BOOL_FIELDS = frozenset(
    {
        "allow_sending_without_reply",
        "allows_multiple_answers",
        "allows_revoting",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "is_anonymous",
        "is_closed",
        "protect_content",
        "show_alert",
        "show_caption_above_media",
    }
)
_INT_RE = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str


Params = dict[str, Any]


async def read_request(request: web.Request) -> tuple[Params, dict[str, UploadedFile]]:
    """Raw parameters (query, form, multipart or JSON body) and uploaded files."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            raw.update(body)
    elif request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, FileField):
                files[name] = UploadedFile(value.filename, value.file.read(), value.content_type)
            else:
                raw[name] = value
    return {name: decode(name, value) for name, value in raw.items()}, files


def decode(name: str, value: Any) -> Any:
    """Turn one form value into the Python type Telegram expects for `name`."""
    if not isinstance(value, str):
        return value  # already typed (JSON body)
    if name in JSON_FIELDS:
        return _json(name, value)
    if name in INT_FIELDS:
        return _int(name, value)
    if name in FLOAT_FIELDS:
        return _float(name, value)
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if name == "chat_id" and _INT_RE.match(value):
        return int(value)
    return value


def _json(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise bad_request(f"can't parse {name} JSON object") from None


def _int(name: str, value: str) -> int:
    if not _INT_RE.match(value.strip()):
        raise bad_request(f"invalid {name} specified")
    return int(value)


def _float(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise bad_request(f"invalid {name} specified") from None
