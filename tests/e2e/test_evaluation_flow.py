"""T1 before, T2 after, and the opt-in T3 follow-up reminder, end to end."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from botharness import BotFactory, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.evaluation.data import Filters
from bot.telegram.runtime import Runtime

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL

LATER = datetime.now(UTC).date() + timedelta(days=31)


async def play_with_questions(user: FakeUser, before: str, after: str, remind: str) -> None:
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")
    await user.click("Bråk på bussen")
    await user.click("Starta")
    for _ in range(4):
        assert "/4" in user.last.text
        await user.click(before)
    assert user.last.text.startswith("🕐 Före"), "the scenario starts after the last question"
    for choice in ("Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"):
        await user.click(choice)
    assert "Samma fyra frågor igen" in user.last.text
    for _ in range(4):
        await user.click(after)
    assert "påminnelse om 30 dagar" in user.last.text
    await user.click(remind)


async def test_answers_are_paired_and_the_reminder_is_sent_once(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    async with bot_factory() as runtime:
        await play_with_questions(user, "2 – Lite", "4 – Mycket", "Ja, påminn mig om 30 dagar")
        assert "en enda gång" in user.last.text
        assert await runtime.send_reminders() == 0, "not due yet"
        assert await runtime.send_reminders(LATER) == 1
        assert "Har du sedan dess varit med om" in user.last.text
    async with bot_factory() as runtime:  # a restart must not send it again
        assert await runtime.send_reminders(LATER) == 0
        await user.click("Ja")
        assert "Vad gjorde du" in user.last.text
        await user.click("Delegera – hämta hjälp")
        for _ in range(4):
            await user.click("5 – Helt")
        assert "Tack för dina svar" in user.last.text
        data = await runtime.storage.reports.report_data(Filters())
    pairs = {(p.comparison, p.before, p.after) for p in data.measures}
    assert pairs == {("T1-T2", 2, 4), ("T1-T3", 2, 5)}
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_no_reminder_after_declining_or_deleting(bot: Runtime, fake_bot_api) -> None:
    declined, deleted = fake_bot_api.user(), fake_bot_api.user()
    await play_with_questions(declined, "3 – Ganska", "3 – Ganska", "Nej tack")
    await play_with_questions(deleted, "3 – Ganska", "3 – Ganska", "Ja, påminn mig om 30 dagar")
    await deleted.send("/delete")
    await deleted.click("Ja, radera allt")
    before = len(declined.messages), len(deleted.messages)
    assert await bot.send_reminders(LATER) == 0
    assert (len(declined.messages), len(deleted.messages)) == before
    assert await bot.storage.players.describe_user(pseudonym_of(bot, deleted.id)) is None


async def test_every_question_can_be_skipped(bot: Runtime, fake_bot_api) -> None:
    user = fake_bot_api.user(language_code="en")
    await user.send("/start")
    await user.click("18–19")
    await user.click("Play and save my answers")
    await user.click("Trouble on the bus")
    await user.click("Start")
    await user.click("Skip this question")
    assert "2/4" in user.last.text
    await user.click("Skip all questions")
    assert user.last.text.startswith("🕐 Before")


async def test_people_who_do_not_save_are_never_asked(bot: Runtime, fake_bot_api) -> None:
    user = fake_bot_api.user()
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela utan att spara")
    await user.click("Bråk på bussen")
    await user.click("Starta")
    assert user.last.text.startswith("🕐 Före")


async def test_no_reminder_to_someone_who_deletes_while_reminders_go_out(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    first, second = fake_bot_api.user(), fake_bot_api.user()
    for user in (first, second):
        await play_with_questions(user, "3 – Ganska", "3 – Ganska", "Ja, påminn mig om 30 dagar")
    await second.send("/delete")
    held = fake_bot_api.hold_next("sendMessage")  # the first reminder, to the first person
    sending = asyncio.create_task(bot.send_reminders(LATER))
    await asyncio.wait_for(held.arrived.wait(), timeout=10)
    await second.click("Ja, radera allt")  # while the first reminder is on its way
    assert "Allt som var kopplat till dig är raderat" in second.last.text
    held.release()
    assert await asyncio.wait_for(sending, timeout=10) == 1
    await fake_bot_api.settle()
    assert "Har du sedan dess varit med om" in first.last.text
    assert not any("Har du sedan dess" in m.text for m in second.messages)
