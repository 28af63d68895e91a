"""A flood is shed before python-telegram-bot parses it.

`PerUserOrder` drops what a conversation cannot queue, but only after PTB has turned every
update of a getUpdates answer into objects: for a burst of 600 updates from one person
that is 60–100 ms of CPU in front of everybody else's taps (benchmarks/flood.py). So the
long-polling transport looks at the raw JSON first and replaces each update that its
conversation has no room for by its bare `update_id`: PTB still sees every id (and
confirms them to Telegram, so nothing is delivered twice), parses almost nothing, and no
handler runs for it. The webhook (bot/http/webhook.py) does the same one post at a time:
it answers such an update 200 unparsed. The processor's own cap stays the rule; this
only saves the work.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Protocol

GROUP_CHAT_TYPES = ("group", "supergroup")
# Kinds of update that carry a person and a chat, as PTB's effective_user/effective_chat.
_KINDS = ("message", "edited_message", "callback_query")


class Queues(Protocol):
    """The update processor's view: `PerUserOrder`."""

    def room(self, key: int) -> int:
        """How many more updates the conversation can take now."""

    def note_dropped(self, count: int) -> None:
        """Count and log updates dropped before they reached the processor."""


def conversation(update: dict[str, Any]) -> int | None:
    """As `ordering.conversation_of`, on an update that is not parsed yet."""
    for kind in _KINDS:
        if kind in update:
            body = update[kind]
            message = body.get("message", body) if kind == "callback_query" else body
            chat = message.get("chat") or {}
            if chat.get("type") in GROUP_CHAT_TYPES:
                return chat.get("id")
            person = body.get("from") or {}
            return person.get("id")
    return None


def admit(update: dict[str, Any], queues: Queues) -> bool:
    """Whether one update (a webhook post) has room in its conversation; counted if not.

    Updates on their way to the processor are not counted yet, so this may let a few too
    many through: the processor's cap still drops them, only later.
    """
    key = conversation(update)
    if key is None or queues.room(key) > 0:
        return True
    queues.note_dropped(1)
    return False


def shed(body: bytes, queues: Queues) -> bytes:
    """The getUpdates answer with the updates beyond each conversation's room bared."""
    try:
        answer = json.loads(body)
        updates = answer["result"]
    except (ValueError, KeyError, TypeError):
        return body  # not an answer with updates: PTB reports it as it would
    if not isinstance(updates, list):
        return body
    taken: Counter[int] = Counter()
    bared = 0
    for index, update in enumerate(updates):
        key = conversation(update) if isinstance(update, dict) else None
        if key is None:
            continue
        taken[key] += 1
        if taken[key] > queues.room(key):
            updates[index] = {"update_id": update.get("update_id")}
            bared += 1
    if not bared:
        return body
    queues.note_dropped(bared)
    return json.dumps(answer).encode()
