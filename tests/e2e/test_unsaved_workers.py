"""Several workers on one PostgreSQL database: a young person playing without saving goes on
wherever their next tap lands, and wrong class codes are limited across the workers."""

from __future__ import annotations

import pytest
from botharness import BotFactory, open_scenario
from fakebotapi import FakeBotApi

pytestmark = pytest.mark.postgres


@pytest.fixture
def workers(bot_env: dict[str, str], bot_factory: BotFactory, postgres_url: str) -> BotFactory:
    """Bots on one PostgreSQL database: a bot started after another is another worker, which
    the next taps reach."""
    bot_env["BYSTANDER_DATABASE_URL"] = postgres_url
    return bot_factory


async def test_unsaved_play_goes_on_at_another_worker(
    workers: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    async with workers():
        await user.send("/start")
        await user.click("16–17 år")
        await user.click("Spela utan att spara")
        await open_scenario(user)
        await user.click("Fråga Yusuf när bussen går")
        user.new_messages()
    async with workers():
        await user.click(user.buttons()[0])
        assert not user.alerts, "not 'that button is old'"
        assert user.new_messages()
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_wrong_class_codes_are_limited_across_workers(
    workers: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    student = fake_bot_api.user(language_code="sv")
    for _ in range(5):
        async with workers():
            await student.send("/start c-WrongCode1")
            assert "fungerar inte längre" in student.last.text
    async with workers():
        await student.send("/start c-WrongCode1")
        assert "för många försök" in student.last.text
