"""Replays ("what else could I have done?"): after the debrief a young person goes back to
a step they passed, chooses another option and sees the story change; replays never count
as first plays."""

from __future__ import annotations

from botharness import answer_questionnaire, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime

from .test_playing import join

WHAT_ELSE = "⏪ Tänk om jag hade valt något annat?"
OLD_BUTTON = "Den knappen är gammal"
FIRST_PLAY = ("Fråga Yusuf när bussen går", "Gå fram och säg till chauffören", "Sätt dig hos honom")


async def play_to_the_debrief(user: FakeUser, saving: str = "Spela och spara mina svar") -> int:
    """Join, answer the questions before, play Bråk på bussen to its end; the debrief's id."""
    await join(user, saving=saving)
    await user.click("Bråk på bussen")
    await user.click("Starta")
    await answer_questionnaire(user)  # the questions before, for those who save
    for choice in FIRST_PLAY:
        await user.click(choice)
    return debrief_id(user, "Yusuf är inte ensam")


def debrief_id(user: FakeUser, title: str) -> int:
    return next(m.id for m in reversed(user.messages) if m.text.startswith(title))


def callback(user: FakeUser, message_id: int, label: str) -> str:
    message = user.message(message_id)
    data = [d for row in message.callback_data for d in row]
    return next(d for text, d in zip(message.labels, data, strict=True) if text == label)


async def runs(bot: Runtime, user: FakeUser) -> list[tuple]:
    async with bot.storage.players.reading() as db:
        return list(
            await db.execute_fetchall(
                "SELECT replay, first_play, finished_on IS NOT NULL FROM runs WHERE user = ?"
                " ORDER BY rowid",
                (pseudonym_of(bot, user.id),),
            )
        )


async def test_going_back_to_a_step_changes_the_story_and_compares_strategies(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    debrief = await play_to_the_debrief(user)
    assert "samma frågor" not in user.last.text, "a solo round ends after two scenarios"
    assert WHAT_ELSE in user.message(debrief).labels
    await user.click(WHAT_ELSE, message_id=debrief)
    assert user.buttons() == [
        "1. Fråga Yusuf när bussen går",
        "2. Gå fram och säg till chauffören",
        "3. Sätt dig hos honom och fråga hur det är",
    ]
    await user.click("2. Gå fram")
    assert "tillbaka vid steg 2" in user.messages[-2].text
    assert user.last.text.startswith("⚡ Under")
    assert "↩️ Gå fram och säg till chauffören" in user.buttons()
    await user.click("Filma, utan att lägga upp något")
    assert "Hemma tittar du på filmen" in user.last.text, "the story takes another way"
    await user.click("Lägg upp filmen")
    replayed = user.last.text
    assert replayed.startswith("Filmen sprids")
    assert "Du såg tecknen redan vid hållplatsen" in replayed, "the choice kept from step 1"
    assert (
        "Första vägen: Distrahera, Delegera – hämta hjälp, Följ upp efteråt\n"
        "Den här vägen: Distrahera, Dokumentera"
    ) in replayed
    assert user.buttons()[:3] == [
        "🔁 Spela igen och prova något annat",
        "📋 Välj ett annat scenario",
        WHAT_ELSE,
    ], "no questions around a replay: the debrief is the last message with buttons"
    assert await runs(bot, user) == [(0, 1, 1), (1, 0, 1)], "the replay is a later play"
    data = await bot.storage.players.describe_user(pseudonym_of(bot, user.id))
    assert (data.runs_finished, data.choices) == (2, 5)

    await user.click(WHAT_ELSE)  # a replay can be replayed, still compared with the first play
    assert "2. Filma, utan att lägga upp något" in user.buttons()
    await user.click("3. Lägg upp filmen")
    await user.click("Fråga Yusuf vad han vill")
    assert "Första vägen: Distrahera, Delegera – hämta hjälp, Följ upp efteråt" in user.last.text
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_players_who_do_not_save_can_replay_and_nothing_is_stored(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    debrief = await play_to_the_debrief(user, saving="Spela utan att spara")
    await user.click(WHAT_ELSE, message_id=debrief)
    await user.click("3. Sätt dig hos honom")
    await user.click("Låt det vara")
    assert user.last.text.startswith("Yusuf står kvar ensam")
    assert "Den här vägen: Distrahera, Delegera – hämta hjälp" in user.last.text
    async with bot.storage.players.reading() as db:
        assert (await db.execute_fetchall("SELECT count(*) FROM runs"))[0][0] == 0


async def test_old_and_forged_replay_buttons_change_nothing(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    newcomer = fake_bot_api.user()
    await join(newcomer)
    for data in ("rw:abc123", "rb:abc123:0"):  # nothing finished yet
        await newcomer.click_data(data)
        assert newcomer.alerts[-1].startswith(OLD_BUTTON), data

    user = fake_bot_api.user()
    debrief = await play_to_the_debrief(user)
    run_id = callback(user, debrief, WHAT_ELSE).split(":")[1]
    await user.click(WHAT_ELSE, message_id=debrief)
    steps = user.last.id
    before = await runs(bot, user)
    forged = [
        "rw:zzzzzz", "rb:zzzzzz:0", f"rb:{run_id}:3", f"rb:{run_id}:-1",
        f"rb:{run_id}:{'9' * 30}", f"rb:{run_id}", f"rw:{run_id}:0",
    ]  # fmt: skip
    for data in forged:  # sent with the first message, so the list shown stays as it is
        alerts = len(user.alerts)
        await user.click_data(data, message_id=user.messages[0].id)
        assert user.alerts[alerts:] and user.alerts[-1].startswith(OLD_BUTTON), data
    assert await runs(bot, user) == before, "no run was started"

    second_step = callback(user, steps, "2. Gå fram och säg till chauffören")
    await user.click("1. Fråga Yusuf")
    await user.click("De brukar hålla på så")
    for choice in ("Håll dig utanför", "Låt det vara"):
        await user.click(choice)
    # The first play's buttons are old now: the replay is the last finished run.
    await user.click(WHAT_ELSE, message_id=debrief)
    assert user.alerts[-1].startswith(OLD_BUTTON)
    await user.click_data(second_step, message_id=user.messages[0].id)
    assert user.alerts[-1].startswith(OLD_BUTTON)
    assert len(user.alerts) == len(forged) + 2
    assert len(await runs(bot, user)) == 2
