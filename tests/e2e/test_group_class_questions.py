"""The class questions in a class's Telegram group (issue 17): the class items as native
anonymous polls at the start and the end of a lesson, led by its leader only."""

from __future__ import annotations

from fakebotapi import FakeBotApi, FakeGroup, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import youth_worker
from e2e.test_group_play import LEADERS_ONLY, class_group
from e2e.test_group_play_attacks import forge_in

BEFORE, AFTER = "📊 Klassens frågor före", "📊 Klassens frågor efter"
CLOSE = "⏹ Stäng omröstningarna"
FIRST_LESSON = 1


async def answer_polls(group: FakeGroup, pupils: list[FakeUser], polls: int = 4) -> None:
    """Each pupil answers every open class poll: the first five the top of the scale."""
    for poll in group.polls[-polls:]:
        for n, pupil in enumerate(pupils):
            await group.vote(pupil, 4 if n < 5 else 2, message_id=poll.message_id)


async def test_the_group_answers_the_class_items_in_anonymous_polls_before_and_after(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=7)
    await worker.send_in(group, "/lesson")
    await worker.click_in(group, "gy 2 Fittja")
    assert group.last.labels[0] == BEFORE
    await pupils[0].click_in(group, BEFORE)
    assert pupils[0].alerts[-1] == LEADERS_ONLY

    await worker.click_in(group, BEFORE)
    polls = group.polls
    assert len(polls) == 4 and all(p.is_anonymous and not p.is_closed for p in polls)
    assert polls[0].question.startswith("Hur säker är du på att du skulle kunna …\n… säga ifrån")
    assert all(len(p.options) == 5 for p in polls)
    assert "anonyma" in group.bot_messages[-5].text

    await answer_polls(group, pupils)
    await pupils[1].click_in(group, CLOSE, message_id=group.bot_messages[-5].id)
    assert pupils[1].alerts[-1] == LEADERS_ONLY and not group.polls[0].is_closed
    await worker.click_in(group, CLOSE, message_id=group.bot_messages[-5].id)
    assert all(p.is_closed for p in group.polls)
    assert group.polls[0].counts == [0, 0, 2, 0, 5]
    assert "Klassens svar är sparade" in group.last.text
    await worker.click_in(group, "Bråk på bussen")
    assert group.last_poll.question == "Vad gör du?", "the scenario starts"
    lesson = await bot.storage.lessons.open_lesson_in_chat(group.id, None)
    assert lesson.id == FIRST_LESSON, "the same lesson goes on"

    await worker.send_in(group, "/endlesson")
    assert group.last.labels == [AFTER, "⏹ Avsluta utan frågorna"]
    await worker.click_in(group, AFTER)
    await answer_polls(group, pupils)
    group.let_time_pass(600)
    await fake_bot_api.expire_polls()  # Telegram closes them: the totals are kept all the same
    assert "lektionen är avslutad" in group.last.text
    assert group.polls[-1].counts == [0, 0, 2, 0, 5]
    questions = await bot.storage.lessons.class_questions(FIRST_LESSON)
    assert len(questions.answered) == 8 and questions.has("T1") and questions.has("T2")
    assert all(p.is_anonymous for p in fake_bot_api.polls()), "never a poll that names voters"


async def test_endlesson_offers_the_questions_again_and_old_buttons_do_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=5)
    await worker.send_in(group, "/lesson")
    await worker.click_in(group, "gy 2 Fittja")
    await worker.click_in(group, BEFORE)
    await answer_polls(group, pupils)
    await worker.click_in(group, CLOSE, message_id=group.bot_messages[-5].id)

    await worker.send_in(group, "/endlesson")
    assert "Klassen svarade på frågorna i början" in group.last.text
    assert group.last.labels == [AFTER, "⏹ Avsluta utan frågorna"]
    await pupils[0].click_in(group, AFTER)
    assert pupils[0].alerts[-1] == LEADERS_ONLY
    for forged in ("gq:1", f"gt:{FIRST_LESSON}", f"gk:{FIRST_LESSON}:T1"):
        await forge_in(pupils[1], group, forged)
    assert pupils[1].alerts == [LEADERS_ONLY] * 3, "a pupil's forged buttons change nothing"
    await forge_in(worker, group, "gk:99:T1")
    assert worker.alerts[-1].startswith("Den knappen är gammal")
    await worker.click_in(group, "⏹ Avsluta utan frågorna")
    assert "Lektionen är avslutad" in group.last.text
    await forge_in(worker, group, f"gt:{FIRST_LESSON}")
    assert worker.alerts[-1].startswith("Den knappen är gammal"), "the lesson has ended"
    questions = await bot.storage.lessons.class_questions(FIRST_LESSON)
    assert not questions.has("T2") and len(group.polls) == 4
