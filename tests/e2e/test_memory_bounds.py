"""Many people playing without saving cannot make the bot's memory grow without end: the
least recently active are forgotten, and simply start over with the usual kind messages."""

from __future__ import annotations

import pytest
from botharness import BotFactory, open_scenario
from fakebotapi import FakeBotApi, FakeUser

from bot import bounded


async def play_unsaved(server: FakeBotApi) -> FakeUser:
    user = server.user()
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela utan att spara")
    await open_scenario(user)
    await user.click("Fråga Yusuf när bussen går")
    return user


async def test_people_playing_without_saving_are_forgotten_beyond_the_limit(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "MAX_PEOPLE", 3)
    async with bot_factory() as bot:
        first = await play_unsaved(fake_bot_api)
        others = [await play_unsaved(fake_bot_api) for _ in range(3)]
        assert len(bot.young.play.ephemeral) == 3
        assert len(bot.young.play.membership.memory.classes) <= 3

        await first.click(first.buttons()[0])  # they were the least recently active
        assert first.alerts[-1].startswith("Den knappen är gammal")
        await first.send("/resume")
        assert "Hur gammal är du?" in first.last.text, "forgotten: they start over"

        latest = others[-1]
        await latest.click(latest.buttons()[0])
        assert not latest.alerts, "the most recent players go on as before"
        assert latest.new_messages()
        assert len(bot.young.play.ephemeral) == 3
    assert fake_bot_api.unanswered_callback_queries() == []
