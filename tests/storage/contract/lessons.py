"""Lessons started through the ports, for the lesson and retention tests."""

from __future__ import annotations

from datetime import date, timedelta

from bot.storage.ports import Storage
from bot.storage.records import GROUP, GroupChat, Lesson

HOURS = timedelta(hours=2)
GROUP_8B = -1001234567890
VOTES = [("s1", "tell", "delegate", "helpful", "during", 7), ("s1", "wait", "none", "risky",
         "during", 5)]  # fmt: skip


async def new_class(storage: Storage, name: str, owner: str = "worker") -> int:
    record = await storage.staff.create_class(owner, name, f"code-{name}", date(2030, 1, 1))
    return record.id


async def group_lesson(
    storage: Storage, class_id: int, chat: GroupChat, leader: str = "worker"
) -> Lesson:
    ends_at = storage.lessons.now() + HOURS
    return await storage.lessons.start_lesson(class_id, leader, GROUP, "s", ends_at, chat)
