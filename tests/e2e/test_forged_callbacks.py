"""Buttons forged by a modified Telegram client can neither stall nor poison the bot: a
questionnaire or follow-up button that does not fit where the person really is gets the kind
"that button is old" notice and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botharness import ADMIN_ID
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime

from .test_classes import youth_worker

OLD_BUTTON = "Den knappen är gammal"
LATER = datetime.now(UTC).date() + timedelta(days=31)
TABLES = ("measure_answers", "follow_ups", "runs")


async def rows(bot: Runtime) -> dict[str, int]:
    async with bot.storage.players.reading() as db:
        return {
            table: (await db.execute_fetchall(f"SELECT count(*) FROM {table}"))[0][0]
            for table in TABLES
        }


async def follow_up_values(bot: Runtime) -> list[tuple]:
    async with bot.storage.players.reading() as db:
        return list(await db.execute_fetchall("SELECT status, opportunity, acted FROM follow_ups"))


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
            "fa:1:direct",
            "fo:99999999999999999999999999999:yes",  # past SQLite's integers
            "mq:T1:bus-fight:4:3",  # no such question
            "mq:T1:bus-fight:0:6",  # no such value
            "mq:T9:bus-fight:0:3",
        ],
    )
    await user.click("Bråk på bussen")
    await user.click("Starta")
    assert "1/4" in user.last.text
    # T1 is being asked, one question at a time: not the second question before the first.
    await assert_refused(bot, user, ["mq:T1:bus-fight:1:3", "mq:T1:bus-fight:3:3"])
    for _ in range(4):
        await user.click("2 – Lite")
    for choice in ("Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"):
        await user.click(choice)
    for _ in range(4):
        await user.click("4 – Mycket")
    await user.click("Ja, påminn mig om 30 dagar")
    assert (await rows(bot))["follow_ups"] == 1

    # Done with T1 and T2 (so no more answers to them, and no T1 after the first run), a
    # reminder already set for this scenario, none for scenarios never played, and T3 only
    # once the reminder was sent.
    await assert_refused(
        bot,
        user,
        [
            "mq:T1:bus-fight:0:5",
            "ms:T1:bus-fight",
            "mq:T2:bus-fight:0:1",
            "fu:bus-fight:yes",
            "fu:party-pressure:yes",
            "fu:party-pressure:no",
            "mq:T3:bus-fight:0:3",
            "ms:T3:bus-fight",
        ],
    )

    assert await bot.send_reminders(LATER) == 1
    follow_up = user.last.callback_data[0][0].split(":")[1]
    await assert_refused(bot, user, [f"fa:{follow_up}:direct", "mq:T3:bus-fight:0:3"])
    await user.click("Nej")
    # They said no opportunity: "what did you do" is not theirs to answer, nor is the
    # opportunity question a second time, nor a follow-up that is someone else's.
    await assert_refused(
        bot,
        user,
        [
            f"fa:{follow_up}:direct",
            f"fo:{follow_up}:yes",
            f"fo:{int(follow_up) + 1}:yes",
            "mq:T3:bus-fight:2:3",
        ],
    )
    for _ in range(4):
        await user.click("5 – Helt")
    assert "Tack för dina svar" in user.last.text
    await assert_refused(bot, user, ["mq:T3:bus-fight:0:1", "ms:T3:bus-fight"])
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_another_persons_follow_up_cannot_be_answered(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    owner, other = await saving_user(fake_bot_api), await saving_user(fake_bot_api)
    await owner.click("Bråk på bussen")
    await owner.click("Starta")
    for _ in range(4):
        await owner.click("3 – Ganska")
    for choice in ("Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom"):
        await owner.click(choice)
    for _ in range(4):
        await owner.click("3 – Ganska")
    await owner.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == 1
    follow_up = owner.last.callback_data[0][0].split(":")[1]
    await assert_refused(
        bot, other, [f"fo:{follow_up}:yes", f"fa:{follow_up}:direct", "mq:T3:bus-fight:0:3"]
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
