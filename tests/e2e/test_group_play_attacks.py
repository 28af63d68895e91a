"""Group play against a curious or mischievous insider: a pupil with a modified Telegram
client, a late or repeated update from Telegram, and a youth worker reading differences."""

from __future__ import annotations

from botharness import pseudonym_of
from fakebotapi import FakeBotApi, FakeGroup, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import youth_worker
from e2e.test_group_play import BUS, class_group, start_lesson, vote
from e2e.test_mentors import mentor_of


async def forge_in(user: FakeUser, group: FakeGroup, data: str) -> None:
    """Press a made-up button under the group's newest message from the bot (a modified
    client can send any callback data for any message)."""
    message = group.chat.messages[group.bot_messages[-1].id]
    await user._press(group.chat, message, data, f"<forged {data}>")


async def test_a_private_chat_button_forged_in_a_group_changes_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=6)
    await start_lesson(worker, group)
    await vote(group, pupils, [3, 2, 1])
    await worker.click_in(group, "⏹ Stäng omröstningen")
    discussion = group.last
    poll = next(m for m in group.bot_messages if m.poll)
    for data in (f"rmt:{poll.id}", "menu", "sc:bus-fight", "keep", "del:yes"):
        await forge_in(pupils[0], group, data)
    assert poll.id in [m.id for m in group.bot_messages], "the lesson's poll is not deleted"
    assert group.last.id == discussion.id and group.last.labels == discussion.labels, (
        "nothing is posted, and the leader's buttons stay"
    )
    assert all(a.startswith("Den knappen är gammal") for a in pupils[0].alerts)


async def test_a_huge_forged_id_gets_a_note_not_an_error_in_the_group(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=3)
    await start_lesson(worker, group)
    before = len(group.bot_messages)
    for data in ("gx:" + "9" * 40, "gf:" + "9" * 40 + ":1", "ge:" + "9" * 40):
        await forge_in(pupils[0], group, data)
    assert len(group.bot_messages) == before


async def test_a_late_update_of_an_earlier_poll_counts_for_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=6)
    await start_lesson(worker, group)
    await vote(group, pupils, [1, 1, 1])
    first_poll = group.chat.visible_bot_messages()[-1].poll
    await worker.click_in(group, "⏹ Stäng omröstningen")
    await worker.click_in(group, BUS[0])
    assert not group.last_poll.is_closed
    before = len(group.bot_messages)
    # Telegram delivers the first poll's closing again (a webhook retry, say).
    await fake_bot_api.deliver({"poll": first_poll.to_json()}, expect_reply=False)
    assert len(group.bot_messages) == before and not group.last_poll.is_closed
    async with bot.storage.players.reading() as db:
        steps = {r[0] for r in await db.execute_fetchall("SELECT step_id FROM facilitated_counts")}
    assert steps == {"stop"}, "only the first step's own poll was counted"


async def test_pupils_typing_lesson_get_one_answer_a_minute(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """The group's 20 messages a minute are for the lesson."""
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=3)
    before = group.sent_count
    await pupils[0].send_in(group, "/lesson")
    for pupil in pupils:
        await pupil.send_in(group, "/lesson", expect_reply=False)
    assert group.sent_count - before == 1


async def test_a_forged_button_cannot_start_group_play_for_a_younger_class(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, _ = await class_group(fake_bot_api, worker, "åk 9 Hallunda", pupils=3)
    await worker.send_in(group, "/lesson")
    assert "minst 16 år" in group.last.text
    await forge_in(worker, group, "gc:1")
    await forge_in(worker, group, "gs:1:bus-fight")
    lessons = await bot.group_play.lessons.open_lessons_led_by(pseudonym_of(bot, worker.id))
    assert lessons == [], "no lesson for a class under 16"


async def test_a_small_room_cannot_be_read_as_a_difference_in_the_class_view(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=6)
    await start_lesson(worker, group)
    await vote(group, pupils, [2, 2, 2])
    await worker.click_in(group, "⏹ Stäng omröstningen")
    await worker.send_in(group, "/endlesson")
    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    before = worker.last.text
    assert "6 svar (handuppräckning/omröstning)" in before
    # A mentor leads one pupil in a small group the youth worker is not in.
    mentor = await mentor_of(fake_bot_api, worker)
    lone = fake_bot_api.user(language_code="sv")
    small = fake_bot_api.group("mentorgrupp", [mentor, lone], supergroup=True)
    await small.add_bot(by=mentor)
    await start_lesson(mentor, small)
    await small.vote(lone, 2)
    await mentor.click_in(small, "⏹ Stäng omröstningen")
    await worker.click("🔄 Uppdatera")
    assert worker.last.text == before, "the room of one adds nothing to the class's view"
