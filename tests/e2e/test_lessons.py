"""Lessons in the private chat: the class on its own phones, or led in the room."""

from __future__ import annotations

import pytest
from fakebotapi import FakeBotApi

from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL


async def test_a_lesson_on_the_students_phones(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass åk 9 Tumba")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click("⬜ Bråk på bussen")
    await worker.click("⬜ Hot i klasschatten")
    student = fake_bot_api.user(language_code="sv")
    await student.send(f"/start {payload}")
    await student.click("15 år eller yngre")
    assert student.buttons()[0].startswith("📌 "), "before the lesson: assigned first"

    await worker.send("/lesson")
    await worker.click("åk 9 Tumba")
    assert "👥" not in " ".join(worker.buttons()), "group play is for 16 and older"
    await worker.click("📱 Eleverna spelar på egna telefoner")
    await worker.click("Hot i klasschatten")
    assert "ligger först i elevernas meny" in worker.last.text

    await student.send("/scenarios")
    assert student.buttons()[0].startswith("🏫 Lektion nu: Hot i klasschatten")
    assert student.buttons()[1].startswith("📌 Bråk på bussen")

    await worker.click("⏹ Avsluta lektionen")
    assert "Lektionen är avslutad" in worker.last.text
    await student.send("/scenarios")
    assert not any(b.startswith("▶️") for b in student.buttons()), "the lesson is over"
    await worker.send("/endlesson")
    assert "ingen lektion igång" in worker.last.text


async def test_a_lesson_in_the_room_is_facilitator_mode(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass åk 6 Alby")
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/lesson")
    await worker.click("åk 6 Alby")
    assert worker.buttons() == ["🙋 Jag leder i rummet (handuppräckning)"], (
        "a class too young to join itself is led in the room only"
    )
    await worker.click("🙋 Jag leder i rummet (handuppräckning)")
    await worker.click("Bråk på bussen")
    await worker.send("10 6 2")
    await worker.click("Fråga Yusuf när bussen går")
    assert worker.last.text.startswith("⚡ Under")
    await worker.send("/endlesson")
    assert "Lektionen är avslutad" in worker.last.text
    await worker.send("3 3 3 3 3")
    assert "händer:" not in worker.last.text and "112" in worker.last.text, (
        "after the lesson, typed numbers are not hand counts but get the help card"
    )


async def test_lesson_commands_reveal_nothing_to_students(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    student = fake_bot_api.user(language_code="sv")
    for command in ("/lesson", "/endlesson"):
        await student.send(command)
        assert "känner jag inte igen" in student.last.text
    await student.click_data("lw:1")
    await student.click_data("ls:1:bus-fight")
    await student.click_data("le:1")
    assert all(a.startswith("Den knappen är gammal") for a in student.alerts)
