"""A classroom on the fake Bot API: a youth worker with a class, and students who join it."""

from __future__ import annotations

import re

from botharness import ADMIN_ID, open_scenario
from fakebotapi import FakeBotApi, FakeUser

PNG = b"\x89PNG\r\n\x1a\n"


def link_payload(text: str) -> str:
    return re.search(r"\?start=([A-Za-z0-9_-]+)", text).group(1)


async def youth_worker(server: FakeBotApi) -> FakeUser:
    admin = server.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite youth_worker Tumba fritidsgård")
    payload = link_payload(admin.last.text)
    worker = server.user(language_code="sv")
    await worker.send(f"/start {payload}")
    assert "Välkommen som ledare (Tumba fritidsgård)" in worker.last.text
    return worker


async def join_and_open(person: FakeUser, payload: str) -> None:
    """Join the class by its link, save answers, and open the first step of Bråk på bussen."""
    await person.send(f"/start {payload}")
    assert "Välkommen till klassen" in person.messages[-2].text
    await person.click("16–17 år")
    await person.click("Spela och spara mina svar")
    assert person.buttons()[0].startswith("📌 "), "assigned scenarios come first"
    await open_scenario(person, "📌 Bråk på bussen")


async def student_plays(server: FakeBotApi, payload: str, choices: list[str]) -> FakeUser:
    student = server.user(language_code="sv")
    await join_and_open(student, payload)
    for choice in choices:
        await student.click(choice)
    return student


async def lesson_on_phones(server: FakeBotApi, name: str = "gy 2 Tumba") -> tuple[FakeUser, str]:
    """A youth worker's class with Bråk på bussen in a lesson on the students' phones: the
    youth worker, and the class's join payload."""
    worker = await youth_worker(server)
    await worker.send(f"/newclass {name}")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/lesson")
    await worker.click(name)
    await worker.click("📱 Eleverna spelar på egna telefoner")
    await worker.click("Bråk på bussen")
    return worker, payload


async def lesson_in_the_room(server: FakeBotApi, name: str = "åk 6 Alby") -> FakeUser:
    """A youth worker leading Bråk på bussen in the room (facilitator mode)."""
    worker = await youth_worker(server)
    await worker.send(f"/newclass {name}")
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/lesson")
    await worker.click(name)
    await worker.click("🙋 Jag leder i rummet (handuppräckning)")
    await worker.click("Bråk på bussen")
    return worker


async def projector_link(worker: FakeUser) -> str:
    """The projector page's link that /class gives for the lesson going on."""
    await worker.send("/class")
    await worker.click("🖥 Projektorsida")
    return re.search(r"(https?://[^/\s]+/p/\S+)", worker.last.text).group(1)
