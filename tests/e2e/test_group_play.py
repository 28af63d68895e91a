"""Class play in a Telegram group, through the fake Bot API: a youth worker leads, the room
votes in native anonymous polls, the bot shows the feedback and follows the room."""

from __future__ import annotations

from botharness import BotFactory, pseudonym_of
from fakebotapi import FakeBotApi, FakeGroup, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import youth_worker

BUS = ["Fråga Yusuf när bussen går", "Säg till läraren vid skolgrinden",
       "De brukar hålla på så – det är deras grej"]  # fmt: skip
LEADERS_ONLY = "Det här kan bara den som leder lektionen göra."


async def class_group(
    server: FakeBotApi, worker: FakeUser, name: str = "gy 2 Fittja", pupils: int = 12
) -> tuple[FakeGroup, list[FakeUser]]:
    """A class of 17-year-olds with Bråk på bussen assigned, and its Telegram group with the
    bot in it."""
    await worker.send(f"/newclass {name}")
    await worker.click("⬜ Bråk på bussen")
    members = [server.user(language_code="sv") for _ in range(pupils)]
    group = server.group(name, [worker, *members], supergroup=True)
    await group.add_bot(by=worker)
    return group, members


async def start_lesson(worker: FakeUser, group: FakeGroup, name: str = "gy 2 Fittja") -> None:
    await worker.send_in(group, "/lesson")
    await worker.click_in(group, name)
    await worker.click_in(group, "Bråk på bussen")


async def vote(group: FakeGroup, pupils: list[FakeUser], counts: list[int]) -> None:
    voters = iter(pupils)
    for option, count in enumerate(counts):
        for _ in range(count):
            await group.vote(next(voters), option)


async def test_a_whole_lesson_in_a_group(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker)
    group.enforce_rate_limit = True  # Telegram's 20 messages a minute in a group
    assert "/lesson" in group.last.text, "the bot says how a lesson starts when it is added"

    await start_lesson(worker, group)
    poll = group.last_poll
    assert poll.question == "Vad gör du?" and poll.options == BUS
    assert poll.is_anonymous and not poll.is_closed
    asked = fake_bot_api.calls("sendPoll")[-1].params
    assert asked["hide_results_until_closes"] in (True, "true"), "the room sees results together"
    first_step = group.bot_messages[-2].text
    assert "Lektion: Bråk på bussen" in first_step and "Det är fredag" in first_step
    assert "Innehåll: Knuffar" in first_step, "the content note comes first, as in solo play"

    await vote(group, pupils, [7, 3, 2])
    await pupils[0].click_in(group, "⏹ Stäng omröstningen")
    assert pupils[0].alerts[-1] == LEADERS_ONLY and not group.last_poll.is_closed

    await worker.click_in(group, "⏹ Stäng omröstningen")
    assert group.last_poll.is_closed and group.last_poll.counts == [7, 3, 2]
    discussion = group.last
    for label in BUS:
        assert label in discussion.text, "the feedback of every option is shown"
    assert "💬" in discussion.text and "Prata om det tillsammans" in discussion.text
    first, *others = discussion.labels
    assert first == f"👥 {BUS[0]}" and others == BUS[1:], "most chosen first, marked"

    await pupils[1].click_in(group, BUS[1])
    assert pupils[1].alerts[-1] == LEADERS_ONLY, "a pupil cannot move the story on"
    await worker.click_in(group, BUS[0])
    assert next(m for m in group.bot_messages if m.id == discussion.id).text.endswith(
        f"Berättelsen fortsätter med: {BUS[0]}"
    )
    assert group.last_poll.question == "Vad gör du?" and not group.last_poll.is_closed
    assert "bussen" in group.bot_messages[-2].text.lower()

    while "Scenariot är slut" not in group.last.text:
        await vote(group, pupils, [5, 4] + [0] * (len(group.last_poll.options) - 2))
        await worker.click_in(group, "⏹ Stäng omröstningen")
        await worker.click_in(group, group.last.labels[0])
    debrief = group.bot_messages[-2].text
    assert "Att prata om" in debrief, "the ending's discussion prompts end the story"
    assert "Vägen ni följde" in debrief and "du använde" not in debrief, "the class's path"
    questions = [m.text for m in group.bot_messages if "Prata om det tillsammans" in m.text]
    closes = [m for m in group.bot_messages if "Så här kan varje val fungera" in m.text]
    assert len(questions) == len(closes), "one question for the room at every close"
    own = [q for q in questions if "väljer olika" not in q]
    assert len(own) == len(set(own)) == 3, "each phase's own question once, at its start"

    await worker.click_in(group, "⏹ Avsluta lektionen")
    assert "Lektionen är avslutad" in group.last.text
    assert all(p.is_anonymous for p in fake_bot_api.polls()), "never a poll that names voters"
    refused = [r for r in fake_bot_api.requests if r.status == 429]
    assert refused == [], "the group's sending limit was kept"

    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    assert "12 svar" in worker.last.text, "the room's totals count for the class, by K"


async def test_a_tie_is_the_leaders_choice(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=6)
    await start_lesson(worker, group)
    await vote(group, pupils, [3, 3, 0])
    await worker.click_in(group, "⏹ Stäng omröstningen")
    assert "lika många röster" in group.last.text
    marked = [label for label in group.last.labels if label.startswith("👥")]
    assert len(marked) == 2, "both options of the tie are marked"
    await worker.click_in(group, BUS[2])  # another path, to talk about what passivity does
    assert not group.last_poll.is_closed


async def test_nobody_voting_marks_no_option(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    group, _ = await class_group(fake_bot_api, worker, pupils=2)
    await start_lesson(worker, group)
    await worker.click_in(group, "⏹ Stäng omröstningen")
    assert "Ingen röstade" in group.last.text
    assert group.last.labels == BUS, "no option is called the most chosen"


async def test_only_staff_start_and_an_anonymous_admin_is_told(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=3)
    await pupils[0].send_in(group, "/lesson")
    assert group.last.text == LEADERS_ONLY
    await group.send_as_anonymous_admin("/lesson")
    assert "anonymt som gruppen" in group.last.text
    await worker.send_in(group, "/lesson")
    await pupils[0].click_in(group, "gy 2 Fittja")
    assert pupils[0].alerts[-1] == LEADERS_ONLY
    before = len(group.bot_messages)
    await pupils[0].send_in(group, "/endlesson", expect_reply=False)  # told once a minute
    await pupils[0].send_in(group, "/scenarios", expect_reply=False)
    await pupils[0].send_in(group, "/lesson@someotherbot", expect_reply=False)
    assert len(group.bot_messages) == before, "no answer to private or other bots' commands"


async def test_the_bot_ignores_what_the_group_writes(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """Even as an administrator, which receives every message, the bot reads and keeps
    nothing of the group's talk."""
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=2)
    await group.make_bot_admin()
    before = len(group.bot_messages)
    await pupils[0].send_in(group, "jag blir slagen hemma", expect_reply=False)
    await pupils[1].send_in(group, "haha", expect_reply=False)
    assert len(group.bot_messages) == before
    db = bot.storage.players
    async with db.reading() as connection:
        tables = [r[0] for r in await connection.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]  # fmt: skip
        for table in tables:
            rows = await connection.execute_fetchall(f"SELECT * FROM {table}")
            assert not any("slagen" in str(row) for row in rows)


async def test_a_poll_closed_by_telegram_goes_on_also_after_a_restart(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    async with bot_factory():
        worker = await youth_worker(fake_bot_api)
        group, pupils = await class_group(fake_bot_api, worker, pupils=5)
        await start_lesson(worker, group)
        await vote(group, pupils, [1, 4, 0])
    async with bot_factory():  # a restart mid-lesson: the poll's link is in the database
        group.let_time_pass(600)
        await fake_bot_api.expire_polls()
        assert group.last_poll.is_closed
        assert group.last.labels[0] == f"👥 {BUS[1]}"
        await worker.click_in(group, "⏹ Stäng omröstningen", message_id=group.bot_messages[-3].id)
        assert worker.alerts[-1].startswith("Den knappen är gammal"), "closed once only"
        await worker.click_in(group, BUS[1])
        assert not group.last_poll.is_closed


async def test_two_groups_play_at_once(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    first, first_pupils = await class_group(fake_bot_api, worker, "gy 2 Fittja", 4)
    second, second_pupils = await class_group(fake_bot_api, worker, "gy 3 Tumba", 4)
    await start_lesson(worker, first, "gy 2 Fittja")
    await start_lesson(worker, second, "gy 3 Tumba")
    await vote(first, first_pupils, [4, 0, 0])
    await vote(second, second_pupils, [0, 0, 4])
    await worker.click_in(second, "⏹ Stäng omröstningen")
    assert second.last.labels[0].startswith(f"👥 {BUS[2]}")
    assert not first.last_poll.is_closed, "closing one group's poll leaves the other's open"
    await worker.click_in(first, "⏹ Stäng omröstningen")
    assert first.last.labels[0].startswith(f"👥 {BUS[0]}")


async def test_removing_the_bot_mid_lesson_ends_it(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker, pupils=3)
    await start_lesson(worker, group)
    lessons = bot.group_play.lessons
    assert await lessons.open_lessons_led_by(pseudonym_of(bot, worker.id))
    await group.remove_bot(by=worker)
    assert await lessons.open_lessons_led_by(pseudonym_of(bot, worker.id)) == []
    await group.vote(pupils[0], 0, wait=False)  # the poll lives on in Telegram; nothing breaks
    await group.add_bot(by=worker)
    await worker.send_in(group, "/endlesson")
    assert "ingen lektion" in group.last.text


async def test_a_lesson_in_a_forum_topic_stays_in_its_topic(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass gy 1 Alby")
    await worker.click("⬜ Bråk på bussen")
    pupils = [fake_bot_api.user(language_code="sv") for _ in range(3)]
    group = fake_bot_api.group("Gy1 Alby", [worker, *pupils], forum=True)
    await group.add_bot(by=worker)
    topic = await group.topic("Lektion")
    await worker.send_in(group, "/lesson", thread_id=topic)
    await worker.click_in(group, "gy 1 Alby")
    await worker.click_in(group, "Bråk på bussen")
    in_topic = group.messages_in(topic)
    assert any(m.poll for m in in_topic) and any("Det är fredag" in m.text for m in in_topic)
    await worker.send_in(group, "/endlesson")  # the general thread has no lesson of its own
    assert "ingen lektion" in group.last.text
    await worker.send_in(group, "/endlesson", thread_id=topic)
    assert "Lektionen är avslutad" in group.messages_in(topic)[-1].text


async def test_a_younger_class_is_sent_to_facilitator_mode(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    group, _ = await class_group(fake_bot_api, worker, "åk 9 Hallunda", pupils=2)
    await worker.send_in(group, "/lesson")
    assert "minst 16 år" in group.last.text and "/facilitate" in group.last.text
