"""Revoking a youth worker ends every staff power of theirs at once: their buttons and typed
hand counts are refused and store nothing, their classes close, their session ends."""

from __future__ import annotations

import re

from botharness import ADMIN_ID
from fakebotapi import FakeBotApi

from bot.telegram.runtime import Runtime

from .test_classes import link_payload, youth_worker

TABLES = ("classes", "class_scenarios", "class_members", "facilitations", "facilitated_counts")


async def rows(bot: Runtime) -> dict[str, int]:
    async with bot.storage.players.reading() as db:
        return {
            table: (await db.execute_fetchall(f"SELECT count(*) FROM {table}"))[0][0]
            for table in TABLES
        }


async def test_a_revoked_youth_worker_can_do_nothing_and_their_class_closes(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass 7C Fittja")
    payload = link_payload(next(m for m in worker.messages if m.photo).caption)
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/facilitate")
    await worker.click("7C Fittja")
    await worker.click("Bråk på bussen")
    await worker.send("12 5 3")
    await worker.click("Fråga Yusuf när bussen går")
    wanted = int(re.search(r"\((\d+) tal\)", worker.last.text).group(1))
    assert wanted > 1, "the session waits for the next step's hand counts"
    async with bot.storage.players.reading() as db:
        ((class_id, facilitation_id),) = await db.execute_fetchall(
            "SELECT class_id, id FROM facilitations"
        )

    admin = fake_bot_api.user(user_id=ADMIN_ID)
    await admin.send("/roles")
    await admin.click("Återkalla: Tumba fritidsgård")
    assert "Inga roller" in admin.last.text

    before = await rows(bot)
    await worker.send(" ".join("4" for _ in range(wanted)))
    assert "Jag är en bot" in worker.last.text, "typed counts are just typed text now"
    for command in ("/class", "/newclass 8A", "/facilitate"):
        await worker.send(command)
        assert "känner jag inte igen" in worker.last.text, command
    c = class_id
    buttons = [f"cv:{c}", f"cr:{c}:bus-fight", f"pc:{c}:bus-fight:0", f"ph:{c}:bus-fight:0",
               f"as:{c}", f"tg:{c}:party-pressure", f"qr:{c}", f"cl:{c}", f"cx:{c}",
               f"fc:{c}", f"fs:{c}:bus-fight", f"ff:{facilitation_id}:0"]  # fmt: skip
    for data in buttons:
        alerts = len(worker.alerts)
        await worker.click_data(data, message_id=worker.messages[0].id)
        assert worker.alerts[alerts:], data
        assert worker.alerts[-1].startswith("Den knappen är gammal"), data
    assert await rows(bot) == before, "nothing was stored for the revoked youth worker"

    student = fake_bot_api.user()
    await student.send(f"/start {payload}")
    assert "fungerar inte längre" in student.last.text, "the class closed with the revocation"
    assert (await rows(bot))["class_members"] == 0
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_new_grant_brings_back_only_what_comes_after_it(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """Being invited again gives the role back, but the closed class stays closed."""
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass 9B")
    payload = link_payload(next(m for m in worker.messages if m.photo).caption)
    admin = fake_bot_api.user(user_id=ADMIN_ID)
    await admin.send("/roles")
    await admin.click("Återkalla: Tumba fritidsgård")
    await admin.send("/invite youth_worker Tumba igen")
    await worker.send(f"/start {link_payload(admin.last.text)}")
    await worker.send("/class")
    assert "Klassen är stängd" in worker.last.text
    student = fake_bot_api.user()
    await student.send(f"/start {payload}")
    assert "fungerar inte längre" in student.last.text
