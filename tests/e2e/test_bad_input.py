"""Every bad input gets a short, kind answer; nothing crashes; every tap is answered."""

from __future__ import annotations

import asyncio

from botharness import open_scenario, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime


async def start_bus_fight(user: FakeUser) -> None:
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")
    await open_scenario(user, "Bråk på bussen")


async def test_an_old_button_gets_a_notice_and_changes_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    await start_bus_fight(user)
    first = user.last.id
    await user.click("Fråga Yusuf när bussen går")
    # The buttons were removed; a client that still shows them sends their data anyway.
    stale = next(d for row in fake_bot_api_message(fake_bot_api, user, first) for d in row)
    await user.click_data(stale, message_id=first)
    assert user.alerts[-1].startswith("Den knappen är gammal")
    data = await bot.storage.players.describe_user(pseudonym_of(bot, user.id))
    assert data.choices == 1
    assert fake_bot_api.unanswered_callback_queries() == []


def fake_bot_api_message(server: FakeBotApi, user: FakeUser, message_id: int) -> list[list[str]]:
    """The callback data a message had when it was sent (before its buttons were removed)."""
    sent = [
        r
        for r in server.calls("sendMessage")
        if r.response and r.response.get("ok") and r.response["result"]["message_id"] == message_id
    ]
    markup = sent[0].params["reply_markup"]
    return [[b["callback_data"] for b in row] for row in markup["inline_keyboard"]]


async def test_forged_callback_data_is_answered_kindly(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    await start_bus_fight(user)
    for forged in ("x", "a:zzzzzz:stop:ask-time", "go:../../etc", "sc:no-such", "a:1:2", "del"):
        await user.click_data(forged)
    assert len(user.alerts) + sum("finns inte längre" in m.text for m in user.messages) >= 6
    assert fake_bot_api.unanswered_callback_queries() == []
    await user.send("/resume")
    assert user.last.text.startswith("🕐 Före"), "the game in progress is untouched"


async def test_unknown_commands_free_text_stickers_photos_and_huge_text(
    bot: Runtime, fake_bot_api
) -> None:
    user = fake_bot_api.user(user_id=777001, first_name="Sam")
    await user.send("/fly")
    assert "känner jag inte igen" in user.last.text
    secret = "min pappa slår mig " * 200
    for act in (user.send("hej"), user.send(secret[:4096]), user.send_sticker(), user.send_photo()):
        await act
        assert "Jag är en bot" in user.last.text and "112" in user.last.text
    async with bot.storage.players.session() as db:
        tables = [
            r[0]
            for r in await (
                await db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ).fetchall()
        ]
        for table in tables:
            rows = await (await db.execute(f"SELECT * FROM {table}")).fetchall()
            assert "slår" not in repr(rows) and "777001" not in repr(rows)


async def test_rapid_repeated_taps_count_once(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    user = fake_bot_api.user()
    await start_bus_fight(user)
    message = user.last.id
    data = fake_bot_api_message(fake_bot_api, user, message)[0][0]
    await asyncio.gather(*(user.click_data(data, message_id=message) for _ in range(5)))
    assert (await bot.storage.players.describe_user(pseudonym_of(bot, user.id))).choices == 1
    assert sum(m.text.startswith("⚡ Under") for m in user.messages) == 1
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_flood_and_server_errors_are_retried_without_losing_state(
    bot: Runtime, fake_bot_api
) -> None:
    user = fake_bot_api.user()
    await start_bus_fight(user)
    fake_bot_api.fail_next("sendMessage", count=1, status=429, retry_after=1)
    fake_bot_api.fail_next("sendMessage", count=1, status=502)
    await user.click("Fråga Yusuf när bussen går")
    await fake_bot_api.settle(quiet=1.5)
    assert user.last.text.startswith("⚡ Under")
    assert "Distrahera" in user.messages[-2].text
    assert (await bot.storage.players.describe_user(pseudonym_of(bot, user.id))).choices == 1


async def test_users_are_served_concurrently(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    users = [fake_bot_api.user() for _ in range(8)]
    await asyncio.gather(*(u.send("/start") for u in users))
    assert all("aktiv åskådare" in u.last.text for u in users)
