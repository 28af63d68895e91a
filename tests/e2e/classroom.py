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
