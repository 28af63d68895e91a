"""Per-role command menus: everyone's menu for everyone, and in a staff member's private
chat their own commands too, set when a role is redeemed, reset at the next contact after
it is revoked, and left alone across restarts."""

from __future__ import annotations

import logging

import pytest
from botharness import ADMIN_ID, BotFactory
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker

from .test_mentors import mentor_of

EVERYONE = ["start", "scenarios", "resume", "stop", "help", "language", "privacy", "mydata",
            "delete"]  # fmt: skip
YOUTH_WORKER = [*EVERYONE, "newclass", "class", "facilitate", "lesson", "endlesson", "dashboard",
                "invite"]  # fmt: skip
EVALUATOR = [*EVERYONE, "dashboard", "report"]
MENTOR = [*EVERYONE, "facilitate", "lesson", "endlesson"]
ADMIN = [*EVERYONE, "invite", "roles"]


def names(user: FakeUser) -> list[str]:
    return [name for name, _ in user.command_menu()]


def chat_menus_changed(server: FakeBotApi) -> int:
    """How often the bot set or deleted the menu of one chat."""
    return sum(
        (call.params.get("scope") or {}).get("type") == "chat"
        for method in ("setMyCommands", "deleteMyCommands")
        for call in server.calls(method)
    )


async def evaluator(server: FakeBotApi, language: str = "sv") -> FakeUser:
    admin = server.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite evaluator Utvärderingsteamet")
    person = server.user(language_code=language)
    await person.send(f"/start {link_payload(admin.last.text)}")
    return person


async def test_each_role_sees_its_own_commands(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    student = fake_bot_api.user(language_code="sv")
    await student.send("/start")
    assert names(student) == EVERYONE

    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/help")
    assert names(admin) == ADMIN, "a configured admin's, at their first contact"
    assert ("roles", "Visa och återkalla roller") in admin.command_menu()

    worker = await youth_worker(fake_bot_api)
    assert names(worker) == YOUTH_WORKER, "set as the role is redeemed"
    assert ("newclass", "Skapa en klass") in worker.command_menu()
    mentor = await mentor_of(fake_bot_api, worker)
    assert names(mentor) == MENTOR
    reader = await evaluator(fake_bot_api, language="en")
    assert names(reader) == EVALUATOR
    assert reader.command_menu()[-1] == ("report", "Last month's report"), "their language"

    await student.send("/scenarios")
    assert names(student) == EVERYONE
    assert chat_menus_changed(fake_bot_api) == 4, "only the four staff chats"


async def test_a_revoked_role_s_menu_is_reset_at_the_next_contact_also_after_a_restart(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    async with bot_factory():
        worker = await youth_worker(fake_bot_api)
        mentor = await mentor_of(fake_bot_api, worker)
        reader = await evaluator(fake_bot_api)
    changed = chat_menus_changed(fake_bot_api)

    async with bot_factory() as runtime:
        admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
        for person in (worker, mentor, reader, admin):
            await person.send("/help")
        assert chat_menus_changed(fake_bot_api) == changed, "a restart sets no menu again"
        await admin.send("/roles")
        await admin.click("Återkalla: Tumba fritidsgård")
        assert names(worker) == YOUTH_WORKER, "the bot does not know the revoked one's chat"

    async with bot_factory() as runtime:
        await worker.send("/help")
        assert names(worker) == EVERYONE, "reset at the next contact, after a restart too"
        await mentor.click_data("menu")
        assert names(mentor) == EVERYONE, "the mentor's role went with the youth worker's"
        await reader.send("/help")
        assert names(reader) == EVALUATOR
        async with runtime.storage.players.reading() as db:
            stored = await db.execute_fetchall("SELECT count(*) FROM command_menus")
        assert stored == [(2,)], "the admin's and the evaluator's menus; no more"


async def test_a_refused_menu_is_tried_again_at_the_next_contact(
    bot: Runtime, fake_bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite evaluator Utvärderingsteamet")
    fake_bot_api.fail_next("setMyCommands", status=400, description="Bad Request: chat not found")
    reader = fake_bot_api.user(language_code="sv")
    with caplog.at_level(logging.WARNING, logger="bot.telegram.menus"):
        await reader.send(f"/start {link_payload(admin.last.text)}")
    assert "Välkommen som utvärderare" in reader.last.text, "the update was handled"
    assert names(reader) == EVERYONE
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.menus"]
    assert warning == "command menu not set (BadRequest); tried again at the next contact"
    await reader.send("/help")
    assert names(reader) == EVALUATOR
