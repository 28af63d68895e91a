"""Buttons forged by a modified Telegram client can neither stall nor poison the bot: a
questionnaire or follow-up button that does not fit where the person really is gets the kind
"that button is old" notice and writes nothing."""

from __future__ import annotations

from botharness import ADMIN_ID, answer_questionnaire
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime
from e2e.rounds import (
    BUS_FIGHT,
    ITEMS,
    LATER,
    OLD_BUTTON,
    play_bus_fight,
    play_first_choices,
    solo_round,
)

from .test_classes import youth_worker

TABLES = ("measure_answers", "follow_ups", "runs")


async def rows(bot: Runtime) -> dict[str, int]:
    async with bot.storage.players.reading() as db:
        return {
            table: (await db.execute_fetchall(f"SELECT count(*) FROM {table}"))[0][0]
            for table in TABLES
        }


async def follow_up_values(bot: Runtime) -> list[tuple]:
    async with bot.storage.players.reading() as db:
        query = "SELECT status, opportunity, acted, reasons FROM follow_ups"
        return list(await db.execute_fetchall(query))


async def assert_refused(bot: Runtime, user: FakeUser, forged: list[str]) -> None:
    """Each forged button gets the old-button notice, and no row is written or changed.

    The data is sent with the person's first message (a forged button comes with some
    message), so the buttons they are really being shown stay as they are.
    """
    before, values = await rows(bot), await follow_up_values(bot)
    for data in forged:
        alerts = len(user.alerts)
        await user.click_data(data, message_id=user.messages[0].id)
        assert user.alerts[alerts:] and user.alerts[-1].startswith(OLD_BUTTON), data
        assert await rows(bot) == before, f"{data} wrote a row"
        assert await follow_up_values(bot) == values, f"{data} changed a follow-up"


async def saving_user(server: FakeBotApi) -> FakeUser:
    user = server.user()
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")
    return user


async def test_forged_questionnaire_and_follow_up_buttons_write_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = await saving_user(fake_bot_api)
    # Nothing played yet: no T2, no T3, no reminder; no scenarios that do not exist; only
    # the question being asked.
    await assert_refused(
        bot,
        user,
        [
            "mq:T1:no-such-scenario:0:3",
            "ms:T1:no-such-scenario",
            "mq:T2:bus-fight:0:3",
            "ms:T2:bus-fight",
            "mq:T3:bus-fight:0:3",
            "ms:T3:bus-fight",
            "fu:bus-fight:yes",
            "fu:no-such-scenario:yes",
            "fo:1:yes",
            "fb:1:1:t",
            "fb:1:1:done",
            "fr:1:1:done",
            "fo:99999999999999999999999999999:yes",  # past SQLite's integers
            f"mq:T1:bus-fight:{ITEMS}:3",  # no such question
            "mq:T1:bus-fight:0:6",  # no such value
            "mq:T9:bus-fight:0:3",
        ],
    )
    await play_bus_fight(user)
    assert f"1/{ITEMS}" in user.last.text
    # T1 is being asked, one question at a time: not the second question before the first.
    await assert_refused(bot, user, ["mq:T1:bus-fight:1:3", "mq:T1:bus-fight:3:3"])
    await answer_questionnaire(user, 2)
    for choice in BUS_FIGHT:
        await user.click(choice)
    # One scenario is not the end of a solo round: no T2 yet.
    await assert_refused(bot, user, ["mq:T2:bus-fight:0:1", "ms:T2:bus-fight"])
    await play_first_choices(user, "Hot i klasschatten")
    await answer_questionnaire(user, 4)
    await user.click("Ja, påminn mig om 30 dagar")
    assert (await rows(bot))["follow_ups"] == 1

    # Done with T1 and T2 (so no more answers to them, and no T1 for a played scenario or
    # after first contact), a reminder already set for this round, none for other
    # scenarios, and T3 only once the reminder was sent.
    await assert_refused(
        bot,
        user,
        [
            "mq:T1:bus-fight:0:5",
            "ms:T1:bus-fight",
            "mq:T1:party-pressure:0:5",
            "mq:T2:bus-fight:0:1",
            "fu:bus-fight:yes",
            "fu:group-chat-threats:yes",
            "fu:party-pressure:no",
            "mq:T3:bus-fight:0:3",
            "ms:T3:bus-fight",
        ],
    )

    assert await bot.send_reminders(LATER) == 1
    follow_up = user.last.callback_data[0][0].split(":")[1]
    await assert_refused(bot, user, [f"fb:{follow_up}:1:done", "mq:T3:bus-fight:0:3"])
    await user.click("Nej")
    # They said no opportunity: "what did you do" is not theirs to answer, nor is the
    # opportunity question a second time, nor a follow-up that is someone else's.
    await assert_refused(
        bot,
        user,
        [
            f"fb:{follow_up}:1:done",
            f"fr:{follow_up}:1:done",
            f"fo:{follow_up}:yes",
            f"fo:{int(follow_up) + 1}:yes",
            "mq:T3:bus-fight:2:3",
        ],
    )
    assert await answer_questionnaire(user, 5) == ITEMS
    assert "Tack för dina svar" in user.last.text
    await assert_refused(bot, user, ["mq:T3:bus-fight:0:1", "ms:T3:bus-fight"])
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_another_persons_follow_up_cannot_be_answered(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    owner, other = fake_bot_api.user(), await saving_user(fake_bot_api)
    await solo_round(owner, 3, 3)
    await owner.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == 1
    follow_up = owner.last.callback_data[0][0].split(":")[1]
    await assert_refused(
        bot, other, [f"fo:{follow_up}:yes", f"fb:{follow_up}:1:done", "mq:T3:bus-fight:0:3"]
    )


async def test_numbers_too_large_for_the_database_are_old_buttons(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass 8B")
    admin = fake_bot_api.user(user_id=ADMIN_ID)
    await admin.send("/roles")
    huge = "9" * 30
    for user, data in ((worker, f"cv:{huge}"), (worker, f"fc:{huge}"),
                       (worker, f"tg:{huge}:bus-fight"), (admin, f"rv:{huge}"),
                       (worker, f"ca:{huge}"), (worker, f"cg:{huge}:8"),
                       (worker, f"cg:1:{huge}")):  # fmt: skip
        alerts = len(user.alerts)
        await user.click_data(data, message_id=user.messages[0].id)
        assert user.alerts[alerts:] and user.alerts[-1].startswith(OLD_BUTTON), data
        assert "gick fel" not in user.last.text
