"""The questionnaire's rounds end to end: T1 at the start of a round, T2 at its end (a
lesson's end, or a solo player's second scenario), and the opt-in T3 follow-up with its
questions of several answers."""

from __future__ import annotations

import asyncio

import pytest
from botharness import BotFactory, answer_questionnaire, pseudonym_of
from fakebotapi import FakeBotApi

from bot.evaluation.data import Filters
from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker
from e2e.rounds import (
    BUS_FIGHT,
    ITEMS,
    LATER,
    OLD_BUTTON,
    join,
    play_bus_fight,
    play_first_choices,
    solo_round,
)

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL


async def test_a_solo_round_is_paired_and_its_reminder_asks_what_they_did(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    async with bot_factory() as runtime:
        await solo_round(user, before=2, after=4)
        await user.click("Ja, påminn mig om 30 dagar")
        assert "en enda gång" in user.last.text
        assert await runtime.send_reminders() == 0, "not due yet"
        assert await runtime.send_reminders(LATER) == 1
        assert "Har du sedan dess sett eller hört" in user.last.text
    async with bot_factory() as runtime:  # a restart must not send it again
        assert await runtime.send_reminders(LATER) == 0
        await user.click("Ja")
        assert "Välj allt som stämmer" in user.last.text
        await user.click("Jag tog hjälp: en vuxen, en kompis eller 112")
        await user.click("Något annat")
        assert user.last.edited, "ticks change the question in place"
        assert "✅ Något annat" in user.buttons()
        await user.click("Klar")
        assert await answer_questionnaire(user, 5) == ITEMS
        assert "Tack för dina svar" in user.last.text
        data = await runtime.storage.reports.report_data(Filters())
        key = pseudonym_of(runtime, user.id)
        state = await runtime.storage.survey.survey_state(key, "bus-fight")
    pairs = {(p.comparison, p.before, p.after) for p in data.measures}
    assert pairs == {("T1-T2", 2, 4), ("T1-T3", 2, 5)}
    assert len(data.measures) == 2 * ITEMS
    assert (state.follow_up.acted, state.follow_up.reasons) == ("delegate,other", None)
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_doing_nothing_asks_why_and_excludes_the_other_answers(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    await solo_round(user, before=3, after=3)
    await user.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == 1
    await user.click("Ja")
    await user.click("Jag sa ifrån till den som gjorde det")
    await user.click("Jag gjorde inget den gången")
    assert "✅ Jag gjorde inget den gången" in user.buttons()
    assert "✅ Jag sa ifrån till den som gjorde det" not in user.buttons()
    old_tick = user.last.callback_data[0][0]
    await user.click("Klar")
    assert "Vad gjorde det svårt att göra något" in user.last.text
    await user.click("Jag visste inte vad jag kunde göra")
    await user.click("Klar")
    assert f"1/{ITEMS}" in user.last.text
    await answer_questionnaire(user, 4)
    state = await bot.storage.survey.survey_state(pseudonym_of(bot, user.id), "bus-fight")
    assert (state.follow_up.acted, state.follow_up.reasons) == ("nothing", "didnt-know")
    await user.click_data(old_tick)  # a tick after "done": nothing changes
    assert user.alerts[-1].startswith(OLD_BUTTON)
    follow_up_id = old_tick.split(":")[1]
    for forged in (f"fb:{follow_up_id}:{2**7}:t", f"fr:{follow_up_id}:1:done", "fb:x:1:t"):
        await user.click_data(forged)
        assert user.alerts[-1].startswith(OLD_BUTTON), forged
    state = await bot.storage.survey.survey_state(pseudonym_of(bot, user.id), "bus-fight")
    assert state.follow_up.acted == "nothing"


async def test_a_lesson_round_ends_with_the_lesson(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass gy 2 Tumba")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click("⬜ Bråk på bussen")
    student, early = fake_bot_api.user(), fake_bot_api.user()
    await join(early)  # played before the lesson: a round starts with the lesson all the same
    await play_first_choices(early, "Hot i klasschatten")
    assert "Spela igen" in " ".join(early.buttons())
    for person in (student, early):
        await person.send(f"/start {payload}")
    await join(student, f"/start {payload}")
    await worker.send("/lesson")
    await worker.click("gy 2 Tumba")
    await worker.click("📱 Eleverna spelar på egna telefoner")
    await worker.click("Bråk på bussen")

    for person in (student, early):
        await person.send("/scenarios")
        await person.click(person.buttons()[0])  # the lesson's scenario comes first
        await person.click("Starta")
        assert await answer_questionnaire(person, 2) == ITEMS
        for choice in BUS_FIGHT:
            await person.click(choice)
        assert f"1/{ITEMS}" not in person.last.text, "T2 waits for the end of the lesson"
    await student.click_data("mq:T2:bus-fight:0:4")
    assert student.alerts[-1].startswith(OLD_BUTTON), "no end questions before the end"
    assert await bot.send_end_questions() == 0, "the lesson goes on"

    await worker.click("⏹ Avsluta lektionen")
    assert "slutfrågorna" in worker.last.text
    assert await bot.send_end_questions() == 2
    assert await bot.send_end_questions() == 0, "sent once"
    for person in (student, early):
        assert "samma frågor som i början" in person.last.text
        assert await answer_questionnaire(person, 4) == ITEMS
        assert "påminnelse om 90 dagar" in person.last.text, "a class study's follow-up"
    data = await bot.storage.reports.report_data(Filters())
    assert {(p.comparison, p.before, p.after) for p in data.measures} == {("T1-T2", 2, 4)}
    assert len(data.measures) == 2 * ITEMS


async def test_every_question_can_be_skipped(bot: Runtime, fake_bot_api) -> None:
    user = fake_bot_api.user(language_code="en")
    await user.send("/start")
    await user.click("18–19")
    await user.click("Play and save my answers")
    await user.click("Trouble on the bus")
    await user.click("Start")
    await user.click("Skip this question")
    assert f"2/{ITEMS}" in user.last.text
    await user.click("Skip all questions")
    assert user.last.text.startswith("🕐 Before")


async def test_people_who_do_not_save_are_never_asked(bot: Runtime, fake_bot_api) -> None:
    user = fake_bot_api.user()
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela utan att spara")
    await play_bus_fight(user)
    assert user.last.text.startswith("🕐 Före")


async def test_no_reminder_after_declining_or_deleting(bot: Runtime, fake_bot_api) -> None:
    declined, deleted = fake_bot_api.user(), fake_bot_api.user()
    await solo_round(declined, 3, 3)
    await declined.click("Nej tack")
    await solo_round(deleted, 3, 3)
    await deleted.click("Ja, påminn mig om 30 dagar")
    await deleted.send("/delete")
    await deleted.click("Ja, radera allt")
    before = len(declined.messages), len(deleted.messages)
    assert await bot.send_reminders(LATER) == 0
    assert (len(declined.messages), len(deleted.messages)) == before
    assert await bot.storage.players.describe_user(pseudonym_of(bot, deleted.id)) is None


async def test_no_reminder_to_someone_who_deletes_while_reminders_go_out(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    first, second = fake_bot_api.user(), fake_bot_api.user()
    for user in (first, second):
        await solo_round(user, 3, 3)
        await user.click("Ja, påminn mig om 30 dagar")
    await second.send("/delete")
    held = fake_bot_api.hold_next("sendMessage")  # the first reminder, to the first person
    sending = asyncio.create_task(bot.send_reminders(LATER))
    await asyncio.wait_for(held.arrived.wait(), timeout=10)
    await second.click("Ja, radera allt")  # while the first reminder is on its way
    assert "Allt som var kopplat till dig är raderat" in second.last.text
    held.release()
    assert await asyncio.wait_for(sending, timeout=10) == 1
    await fake_bot_api.settle()
    assert "Har du sedan dess sett eller hört" in first.last.text
    assert not any("Har du sedan dess" in m.text for m in second.messages)
