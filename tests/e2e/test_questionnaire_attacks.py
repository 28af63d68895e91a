"""Attacks on the questionnaire per round (issue 17) by a modified client or an odd but
possible path through the menus: each must leave the stored answers true to what the
person was really asked."""

from __future__ import annotations

from botharness import answer_questionnaire
from fakebotapi import FakeBotApi

from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker
from e2e.rounds import ITEMS, LATER, join, play_bus_fight, solo_round

from .test_forged_callbacks import assert_refused, follow_up_values, saving_user


async def test_digits_that_are_not_ascii_are_old_buttons(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """'²'.isdigit() is True but int('²') fails, and survey.parse and parse_chosen trust
    isdigit(): a forged index or value written with such a digit must get the old-button
    notice, not an error (today callback_data.decode refuses it before they see it)."""
    user = await saving_user(fake_bot_api)
    await play_bus_fight(user)
    assert f"1/{ITEMS}" in user.last.text
    await assert_refused(bot, user, ["mq:T1:bus-fight:0:²", "mq:T1:bus-fight:²:3"])


async def test_a_forged_tick_mask_cannot_store_nothing_beside_something(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """The buttons never let "I did nothing" be ticked with anything else; a forged "done"
    with every answer ticked must not store both."""
    user = fake_bot_api.user()
    await solo_round(user, 3, 3)
    await user.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == 1
    follow_up = user.last.callback_data[0][0].split(":")[1]
    await user.click("Ja")  # there was an opportunity: what did you do?
    every = (1 << (len(user.buttons()) - 1)) - 1  # every answer but "Klar" ticked
    await user.click_data(f"fb:{follow_up}:{every}:done", message_id=user.last.id)
    [(_, _, acted, _)] = await follow_up_values(bot)
    answers = (acted or "").split(",")
    assert not ("nothing" in answers and len(answers) > 1), f"stored {acted!r}"


async def test_a_round_never_played_does_not_take_the_end_questions(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """Someone opens one scenario, answers its first question, goes back and plays another
    after answering all its questions, then a second: the end questions are about the round
    they played, not the scenario they only looked at."""
    user = fake_bot_api.user()
    await join(user)
    await play_bus_fight(user)
    await user.click(next(b for b in user.buttons() if b.startswith("3 – ")))  # one answer
    await user.send("/scenarios")
    await user.click("Hot i klasschatten")
    await user.click("Starta")
    assert await answer_questionnaire(user, 4) == ITEMS
    for _ in range(20):
        if "Spela igen" in " ".join(user.buttons()):
            break
        await user.click(user.buttons()[0])
    await user.send("/scenarios")
    await user.click("Festen i Norsborg")
    await user.click("Starta")
    for _ in range(20):
        if "Spela igen" in " ".join(user.buttons()) or "1 – " in " ".join(user.buttons()):
            break
        await user.click(user.buttons()[0])
    asked = [d for row in user.last.callback_data for d in row if d and d.startswith("mq:T2:")]
    assert asked, "the solo round ends after the second scenario"
    assert all(d.split(":")[2] == "group-chat-threats" for d in asked), asked


async def reminder_sent(bot: Runtime, fake_bot_api: FakeBotApi):
    user = fake_bot_api.user()
    await solo_round(user, 3, 3)
    await user.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == 1
    return user


async def checks_left(user) -> int:
    return sum(m.text == "✓" for m in user.messages)


async def test_the_chat_does_not_tell_whether_they_saw_violence_or_did_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """After the follow-up's first questions, the chat must look the same whatever was
    answered: "no opportunity", "did something" and "did nothing" leave as many ✓."""
    left = {}
    for path in ("no", "acted", "nothing"):
        user = await reminder_sent(bot, fake_bot_api)
        if path == "no":
            await user.click("Nej")
        else:
            await user.click("Ja")
            await user.click(user.buttons()[0 if path == "acted" else -2])  # -2: nothing
            await user.click("Klar")
            if path == "nothing":
                await user.click("Klar")  # why not: skipped
        assert f"1/{ITEMS}" in user.last.text, path  # the items come next
        left[path] = await checks_left(user)
    assert len(set(left.values())) == 1, f"✓ messages per answer: {left}"


async def test_a_lesson_ended_at_once_pairs_no_answers_given_before_any_play(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """A youth worker starts a lesson and ends it (or starts another) a minute later: a
    student who answered the questions before it but never reached the scenario's end must
    not get the end questions, or their T1→T2 pair measures a lesson never played."""
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass gy 2 Tumba")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click("⬜ Bråk på bussen")
    student = fake_bot_api.user()
    await join(student, f"/start {payload}")
    await worker.send("/lesson")
    await worker.click("gy 2 Tumba")
    await worker.click("📱 Eleverna spelar på egna telefoner")
    await worker.click("Bråk på bussen")
    await student.send("/scenarios")
    await student.click(student.buttons()[0])
    await student.click("Starta")
    assert await answer_questionnaire(student, 2) == ITEMS
    await worker.click("⏹ Avsluta lektionen")  # before the student's first choice
    assert await bot.send_end_questions() == 0, "T2 to someone who played no step of it"
