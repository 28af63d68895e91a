"""Peer mentors: a youth worker invites one, the mentor leads facilitator mode for that youth
worker's classes only, never sees the class's answers, and loses the role with theirs."""

from __future__ import annotations

from botharness import ADMIN_ID
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker

from .test_group_play import BUS, start_lesson, vote
from .test_revocation import rows

OLD_BUTTON = "Den knappen är gammal"
UNKNOWN = "känner jag inte igen"


async def mentor_of(server: FakeBotApi, worker: FakeUser, label: str = "Mentor NA2b") -> FakeUser:
    await worker.send(f"/invite mentor {label}")
    assert "Inbjudan för MVP-mentor" in worker.last.text
    assert "minst 16 år" in worker.last.text, "Telegram's age limit is said"
    mentor = server.user(language_code="sv")
    await mentor.send(f"/start {link_payload(worker.last.text)}")
    assert f"Välkommen som MVP-mentor ({label})" in mentor.last.text
    assert "/facilitate" in mentor.last.text
    return mentor


async def class_with_bus_fight(worker: FakeUser, name: str) -> None:
    await worker.send(f"/newclass {name}")
    await worker.click("⬜ Bråk på bussen")


async def class_ids(bot: Runtime) -> dict[str, int]:
    async with bot.storage.players.reading() as db:
        return dict(await db.execute_fetchall("SELECT name, id FROM classes"))


async def test_a_mentor_leads_their_youth_worker_s_classes_and_sees_no_answers(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await class_with_bus_fight(worker, "7C Fittja")
    colleague = await youth_worker(fake_bot_api)
    await class_with_bus_fight(colleague, "8A Alby")
    ids = await class_ids(bot)
    mentor = await mentor_of(fake_bot_api, worker)

    await mentor.send("/facilitate")
    assert mentor.buttons() == ["7C Fittja"], "the inviting youth worker's classes only"
    await mentor.click("7C Fittja")
    await mentor.click("Bråk på bussen")
    await mentor.send("12 5 3")
    assert "20 händer" in mentor.last.text, "the mentor sees the counts the room gave"
    await mentor.click("Fråga Yusuf när bussen går")
    assert mentor.last.text.startswith("⚡ Under")

    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    assert "20 svar (handuppräckning/omröstning)" in worker.last.text, "the counts are the class's"

    before = await rows(bot)
    for command in ("/class", "/newclass 8A", "/report", "/roles", "/invite mentor Kompis"):
        await mentor.send(command)
        assert UNKNOWN in mentor.last.text, command
    own, other = ids["7C Fittja"], ids["8A Alby"]
    forged = [f"cv:{own}", f"cr:{own}:bus-fight", f"pc:{own}:bus-fight:0",
              f"ph:{own}:bus-fight:0", f"as:{own}", f"tg:{own}:party-pressure", f"qr:{own}",
              f"ca:{own}", f"cg:{own}:8", f"cl:{own}", f"cx:{own}",
              f"fc:{other}", f"fs:{other}:bus-fight"]  # fmt: skip
    for data in forged:
        alerts = len(mentor.alerts)
        await mentor.click_data(data, message_id=mentor.messages[0].id)
        assert mentor.alerts[alerts:], data
        assert mentor.alerts[-1].startswith(OLD_BUTTON), data
    assert await rows(bot) == before, "nothing was stored by the forged buttons"
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_mentor_is_asked_to_turn_to_their_youth_worker(bot: Runtime, fake_bot_api) -> None:
    worker = await youth_worker(fake_bot_api)
    mentor = await mentor_of(fake_bot_api, worker)
    await mentor.send("/facilitate")
    assert "ingen öppen klass" in mentor.last.text
    await worker.send("/newclass 6B Alby")
    await mentor.send("/facilitate")
    await mentor.click("6B Alby")
    assert "Be ledaren som bjöd in dig att välja scenarier" in mentor.last.text
    assert mentor.buttons() == [], "assigning is the youth worker's"
    await mentor.send("/help")
    assert "MVP-mentor: /facilitate leder ett scenario" in mentor.last.text


async def test_a_mentor_loses_the_role_with_their_youth_worker(bot: Runtime, fake_bot_api) -> None:
    worker = await youth_worker(fake_bot_api)
    await class_with_bus_fight(worker, "7C Fittja")
    mentor = await mentor_of(fake_bot_api, worker)
    await mentor.send("/facilitate")
    await mentor.click("7C Fittja")
    await mentor.click("Bråk på bussen")
    async with bot.storage.players.reading() as db:
        ((facilitation_id,),) = await db.execute_fetchall("SELECT id FROM facilitations")

    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/roles")
    assert "Mentor NA2b – MVP-mentor, inbjuden av Tumba fritidsgård" in admin.last.text
    await admin.click("Återkalla: Tumba fritidsgård")
    assert "Inga roller" in admin.last.text, "the mentor's role went with the youth worker's"

    before = await rows(bot)
    await mentor.send("12 5 3")
    assert "Jag är en bot" in mentor.last.text, "typed counts are just typed text now"
    await mentor.send("/facilitate")
    assert UNKNOWN in mentor.last.text
    await mentor.click_data(f"ff:{facilitation_id}:0", message_id=mentor.messages[0].id)
    assert mentor.alerts[-1].startswith(OLD_BUTTON)
    assert await rows(bot) == before


async def test_only_a_youth_worker_invites_a_mentor(bot: Runtime, fake_bot_api) -> None:
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite mentor Mentor NA2b")
    assert "det är ledaren som bjuder in sina mentorer" in admin.last.text
    assert "?start=" not in admin.last.text
    worker = await youth_worker(fake_bot_api)
    for command in ("/invite evaluator Team", "/invite youth_worker Kollega", "/invite mentor"):
        await worker.send(command)
        assert "/invite mentor Mentor NA2b" in worker.last.text, command
        assert "?start=" not in worker.last.text, command
    async with bot.storage.players.reading() as db:
        (invitations,) = await db.execute_fetchall("SELECT count(*) FROM invitations")
    assert invitations == (1,), "only the one that made the youth worker"


async def test_a_mentor_leads_a_lesson_in_the_class_s_group(bot: Runtime, fake_bot_api) -> None:
    worker = await youth_worker(fake_bot_api)
    mentor = await mentor_of(fake_bot_api, worker)
    await class_with_bus_fight(worker, "gy 2 Fittja")
    pupils = [fake_bot_api.user(language_code="sv") for _ in range(5)]
    group = fake_bot_api.group("gy 2 Fittja", [worker, mentor, *pupils], supergroup=True)
    await group.add_bot(by=worker)
    await start_lesson(mentor, group)
    assert group.last_poll.options == BUS, "the mentor started the lesson"
    await vote(group, pupils, [3, 2, 0])
    await mentor.click_in(group, "⏹ Stäng omröstningen")
    assert group.last_poll.is_closed and group.last_poll.counts == [3, 2, 0]
    await mentor.click_in(group, BUS[0])
    assert not group.last_poll.is_closed, "the mentor moved the story on"
