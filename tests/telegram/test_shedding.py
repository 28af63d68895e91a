"""A flood is shed from the raw getUpdates answer before python-telegram-bot parses it."""

from __future__ import annotations

import json

from bot.telegram.shedding import conversation, shed


class Queues:
    def __init__(self, room: dict[int, int]) -> None:
        self.rooms, self.dropped = room, 0

    def room(self, key: int) -> int:
        return self.rooms.get(key, 21)

    def note_dropped(self, count: int) -> None:
        self.dropped += count


def tap(update_id: int, user: int, chat: dict | None = None) -> dict:
    chat = chat or {"id": user, "type": "private"}
    message = {"message_id": 1, "chat": chat, "date": 0}
    return {
        "update_id": update_id,
        "callback_query": {"id": "q", "from": {"id": user}, "message": message, "data": "x"},
    }


def text(update_id: int, user: int, chat: dict | None = None) -> dict:
    chat = chat or {"id": user, "type": "private"}
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "from": {"id": user}, "chat": chat, "date": 0, "text": "hi"},
    }


def test_updates_beyond_a_conversations_room_keep_only_their_id() -> None:
    flood = [tap(n, 7) for n in range(1, 31)] + [text(31, 8)]
    queues = Queues({7: 3})
    answer = json.loads(shed(json.dumps({"ok": True, "result": flood}).encode(), queues))
    result = answer["result"]
    assert [u["update_id"] for u in result] == list(range(1, 32)), "every id is confirmed"
    assert result[:3] == flood[:3] and result[-1] == flood[-1], "others are untouched"
    assert all(u == {"update_id": n} for n, u in enumerate(result[3:30], start=4))
    assert queues.dropped == 27


def test_a_group_is_one_conversation_and_a_quiet_answer_is_unchanged() -> None:
    group = {"id": -100, "type": "supergroup"}
    assert conversation(text(1, 7, group)) == conversation(tap(2, 8, group)) == -100
    assert conversation({"update_id": 3, "poll": {}}) is None
    body = json.dumps({"ok": True, "result": [text(1, 7), tap(2, 8)]}).encode()
    assert shed(body, Queues({})) is body


def test_anything_but_an_answer_with_updates_passes_as_it_is() -> None:
    for body in (b"not json", b'{"ok": false, "description": "x"}', b'{"result": 3}'):
        assert shed(body, Queues({})) == body
