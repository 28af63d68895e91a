"""A youth worker's class session end to end: role, class, QR, assignments, live results,
projector chart, facilitated session — with six students on the fake Bot API."""

from __future__ import annotations

import asyncio

import pytest
from botharness import ADMIN_ID, build_bot, running
from fakebotapi import FakeBotApi

from bot.cli.main import main
from bot.telegram.runtime import Runtime
from e2e.classroom import PNG, link_payload, student_plays, youth_worker

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL


async def test_a_whole_class_session(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass 8B Tumba")
    qr = next(m for m in worker.messages if m.photo)
    assert qr.photo.startswith(PNG) and "8B Tumba" in qr.caption
    payload = link_payload(qr.caption)
    assert len(payload) <= 64 and payload.startswith("c-")
    await worker.click("⬜ Bråk på bussen")
    await worker.click("⬜ Festen i Norsborg")
    assert "✅ Bråk på bussen" in worker.buttons()
    assert "✅ Festen i Norsborg ⚠️ 15–20 år" in worker.buttons(), "8B is åk 8: 14-year-olds"
    await worker.click("✔️ Klar")
    assert "0 har gått med" in worker.last.text

    first_step = ["Fråga Yusuf när bussen går"] * 3 + ["De brukar hålla på så – det är deras grej"]
    for choice in first_step:
        await student_plays(fake_bot_api, payload, [choice])
    await worker.click("📊 Svar: Bråk på bussen")
    assert "Visas inte än (elever)" in worker.last.text, "four students: nothing shown"
    assert not any(b.startswith("📽") for b in worker.buttons())
    assert "Fråga Yusuf" not in worker.last.text

    await student_plays(fake_bot_api, payload, ["Säg till läraren vid skolgrinden"])
    await student_plays(fake_bot_api, payload, ["Fråga Yusuf när bussen går"])
    await worker.click("🔄 Uppdatera")
    results_message = worker.last.id  # the refresh edits the results in place
    results = worker.last.text
    assert "6 svar (elever)" in results
    assert "Fråga Yusuf när bussen går: dolt" in results, "four of six: fewer than K"
    assert "De brukar hålla på så – det är deras grej: dolt" in results

    await worker.click("📽 Visa på projektor: 🕐 Före 1 (elever)")
    chart = worker.last
    assert chart.photo.startswith(PNG)

    await worker.click("⬅️ Tillbaka", message_id=results_message)
    overview = worker.message(results_message).text
    assert "5+ har gått med" in overview and "5+ har börjat" in overview
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_facilitated_session_stores_hand_counts(bot: Runtime, fake_bot_api) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass Åk 6 Alby")
    await worker.click("⬜ Bråk på bussen")
    await worker.send("/facilitate")
    await worker.click("Åk 6 Alby")
    await worker.click("Bråk på bussen")
    assert "Skriv hur många som valde varje alternativ" in worker.last.text
    await worker.send("många")
    assert "Jag behöver 3 tal" in worker.last.text
    await worker.send("12 5 3")
    assert "20 händer" in worker.last.text
    most, *others = worker.buttons()
    assert most == "👥 Fråga Yusuf när bussen går"  # the room's choice first, marked
    assert not any(label.startswith("👥") for label in others)
    await worker.click("Fråga Yusuf när bussen går")
    assert worker.last.text.startswith("⚡ Under")
    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    assert "20 svar (handuppräckning/omröstning)" in worker.last.text
    await worker.click("📽 Visa på projektor: 🕐 Före 1 (handuppräckning/omröstning)")
    assert worker.last.photo.startswith(PNG)


async def test_staff_commands_reveal_nothing_to_others(bot: Runtime, fake_bot_api) -> None:
    student = fake_bot_api.user(language_code="sv")
    for command in ("/invite youth_worker X", "/roles", "/newclass X", "/class", "/facilitate"):
        await student.send(command)
        assert "känner jag inte igen" in student.last.text
    await student.click_data("cv:1")
    await student.click_data("tg:1:bus-fight")
    assert all(a.startswith("Den knappen är gammal") for a in student.alerts)


async def test_invitations_work_once_and_forged_ones_not_at_all(bot: Runtime, fake_bot_api) -> None:
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite evaluator Utvärderingsteamet")
    payload = link_payload(admin.last.text)
    first, second = fake_bot_api.user(), fake_bot_api.user()
    await first.send(f"/start {payload}")
    assert "Välkommen som utvärderare" in first.last.text
    await second.send(f"/start {payload}")
    assert "redan använd eller för gammal" in second.last.text
    await second.send("/start i-forgedforgedforgedforgedforged00")
    assert "redan använd eller för gammal" in second.last.text
    await admin.send("/roles")
    assert "Utvärderingsteamet" in admin.last.text
    await admin.click("Återkalla: Utvärderingsteamet")
    assert "Inga roller" in admin.last.text


async def test_wrong_class_codes_are_rate_limited(bot: Runtime, fake_bot_api) -> None:
    student = fake_bot_api.user(language_code="sv")
    for _ in range(5):
        await student.send("/start c-WrongCode1")
        assert "fungerar inte längre" in student.last.text
    await student.send("/start c-WrongCode1")
    assert "för många försök" in student.last.text


async def test_a_closed_class_cannot_be_joined(bot: Runtime, fake_bot_api) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass 9A")
    payload = link_payload(next(m for m in worker.messages if m.photo).caption)
    await worker.send("/class")
    await worker.click("🔒 Stäng klassen")
    await worker.click("Ja, stäng")
    assert "Klassen är stängd" in worker.last.text
    student = fake_bot_api.user()
    await student.send(f"/start {payload}")
    assert "fungerar inte längre" in student.last.text


def test_bystander_invite_on_the_server_prints_a_working_link(tmp_path, monkeypatch, capsys):
    env = {
        "BYSTANDER_DATA_DIR": str(tmp_path / "data"),
        "BYSTANDER_KEY_DIR": str(tmp_path / "keys"),
    }

    async def run_bot(action):
        async with FakeBotApi() as server:
            bot_env = {
                **env,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_BASE_URL": server.base_url,
            }
            async with running(build_bot(bot_env), server):
                return await action(server)

    async def nothing(server):
        return None

    asyncio.run(run_bot(nothing))  # the bot learns its username on its first start
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["invite", "--role", "youth_worker", "--label", "Alby fritidsgård"]) == 0
    out = capsys.readouterr().out
    assert "https://t.me/bystander_test_bot?start=i-" in out and "works once" in out

    async def redeem(server):
        worker = server.user()
        await worker.send(f"/start {link_payload(out)}")
        return worker.last.text

    assert "Välkommen som ledare (Alby fritidsgård)" in asyncio.run(run_bot(redeem))


async def test_a_youth_worker_cannot_also_become_an_evaluator(bot: Runtime, fake_bot_api) -> None:
    """The live view and the exact class report together could tell the last few students
    apart (docs/privacy.md): one person holds one of the two roles."""
    worker = await youth_worker(fake_bot_api)
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite evaluator Utvärderingsteamet")
    payload = link_payload(admin.last.text)
    await worker.send(f"/start {payload}")
    assert "Samma person kan inte både leda klasser och vara utvärderare" in worker.last.text
    await worker.send("/report")
    assert "känner jag inte igen" in worker.last.text
    colleague = fake_bot_api.user(language_code="sv")
    await colleague.send(f"/start {payload}")
    assert "Välkommen som utvärderare" in colleague.last.text, "the invitation is still unused"
