"""A young person plays in a private chat, through the real PTB Application."""

from __future__ import annotations

import shutil

from botharness import open_scenario, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.bootstrap import build_runtime
from bot.config import content_dirs, load_config
from bot.telegram.runtime import Runtime


async def join(
    user: FakeUser, age: str = "16–17 år", saving: str = "Spela och spara mina svar"
) -> None:
    await user.send("/start")
    await user.click(age)
    await user.click(saving)


async def after_first_answer(
    server: FakeBotApi, saving: str = "Spela och spara mina svar"
) -> FakeUser:
    """A player who joined and answered the first step of Bråk på bussen."""
    user = server.user()
    await join(user, saving=saving)
    await open_scenario(user, "Bråk på bussen")
    await user.click("Fråga Yusuf när bussen går")
    return user


async def test_a_full_scenario_saves_pseudonymous_choices(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(user_id=5551234, first_name="Alva", language_code="sv")
    await user.send("/start")
    assert "aktiv åskådare" in user.last.text
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")
    await user.click("Bråk på bussen")
    assert "Innehåll:" in user.last.text, "the content note comes before the start"
    await user.click("Starta")
    assert "snabba frågor" in user.last.text, "saved users get the T1 questions first"
    await user.click("Hoppa över alla frågor")
    assert user.last.text.startswith("🕐 Före")
    step_message = user.last.id
    await user.click("Fråga Yusuf när bussen går")
    assert user.message(step_message).buttons == [], "answered buttons are removed"
    assert "Distrahera" in user.messages[-2].text and user.last.text.startswith("⚡ Under")
    await user.click("Gå fram och säg till chauffören")
    await user.click("Sätt dig hos honom")
    debrief = user.last.text
    assert "Yusuf är inte ensam" in debrief and "Kom ihåg" in debrief and "BRIS" in debrief
    buttons = user.buttons()
    assert buttons[:2] == ["🔁 Spela igen och prova något annat", "📋 Välj ett annat scenario"]
    assert "📖 distrahera" in buttons[2:], "the debrief's hard words, such as its strategies"
    assert fake_bot_api.unanswered_callback_queries() == []
    data = await bot.storage.players.describe_user(pseudonym_of(bot, user.id))
    assert (data.runs_finished, data.choices) == (1, 3)


async def test_replay_starts_the_scenario_again(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    user = fake_bot_api.user(language_code="en")
    await join(user, "16–17", "Play and save my answers")
    await open_scenario(user, "Trouble on the bus", "Start")
    await user.click("They always mess around like that")
    await user.click("Stay out of it")
    await user.click("Leave it, Yusuf")
    assert "Yusuf is left alone" in user.last.text
    await user.click("Play again")
    assert user.last.text.startswith("🕐 Before")


async def test_declining_to_save_stores_nothing(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    user = await after_first_answer(fake_bot_api, saving="Spela utan att spara")
    assert "På bussen" in user.last.text
    assert await bot.storage.players.get_profile(pseudonym_of(bot, user.id)) is None
    await user.send("/mydata")
    assert "inga svar sparas" in user.last.text


async def test_delete_removes_everything_after_confirming(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = await after_first_answer(fake_bot_api)
    await user.send("/delete")
    assert "går inte att ångra" in user.last.text
    await user.click("Ja, radera allt")
    assert "raderat" in user.last.text
    assert await bot.storage.players.describe_user(pseudonym_of(bot, user.id)) is None
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_stopping_saving_deletes_what_was_saved(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    """/privacy promises that data is kept until /delete "or stop saving"."""
    user = await after_first_answer(fake_bot_api)
    pseudonym = pseudonym_of(bot, user.id)
    assert (await bot.storage.players.describe_user(pseudonym)).choices == 1
    await user.send("/mydata")
    await user.click("Ändra om mina svar sparas")
    await user.click("Sluta spara och radera det som sparats")
    assert "dina svar sparas inte" in user.messages[-2].text
    assert await bot.storage.players.describe_user(pseudonym) is None
    async with bot.storage.players.reading() as db:
        for table in ("users", "runs", "choices", "measure_answers", "follow_ups"):
            rows = await db.execute_fetchall(f"SELECT count(*) FROM {table}")
            assert rows[0][0] == 0, f"{table} keeps a row after saving stopped"
    await user.send("/resume")
    assert "På bussen" in user.last.text, "the scenario goes on, unsaved"


async def test_privacy_says_what_why_how_long_who_and_how_to_delete(
    bot: Runtime, fake_bot_api
) -> None:
    user = fake_bot_api.user(language_code="en")
    await user.send("/privacy")
    text = user.last.text
    for part in ("What is saved", "Why", "How long", "Who can see it", "/delete", "15 or younger"):
        assert part in text
    assert "If you have not used the bot for 12 months, everything linked to you is deleted" in text


async def test_the_command_menu_is_localised(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    assert ("help", "Hjälp och stödlinjer") in fake_bot_api.user(language_code="sv").command_menu()
    assert ("help", "Help and support lines") in fake_bot_api.user(
        language_code="en"
    ).command_menu()


async def test_help_works_in_the_middle_of_a_scenario(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    await join(user)
    await open_scenario(user, "Bråk på bussen")
    await user.send("/help")
    assert user.last.text.startswith("Är någon i fara just nu? Ring 112.")
    await user.click("Fråga Yusuf när bussen går")  # the scenario goes on
    assert "På bussen" in user.last.text


async def test_a_broken_scenario_is_left_out_and_logged(bot_env, fake_bot_api, tmp_path, caplog):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(content_dirs({})[0] / "bus-fight", scenarios / "bus-fight")
    broken = scenarios / "broken"
    shutil.copytree(content_dirs({})[0] / "party-pressure", broken)
    (broken / "scenario.yaml").write_text("id: broken\nversion: [", encoding="utf-8")
    runtime = build_runtime(load_config({**bot_env, "BYSTANDER_SCENARIOS": str(scenarios)}))
    assert "broken/scenario.yaml is not offered" in caplog.text
    async with runtime.running(poll_timeout=1):
        user = fake_bot_api.user()
        await join(user)
        assert user.buttons() == ["Bråk på bussen · 5 min"]


async def test_a_hard_word_can_be_explained_without_leaving_the_step(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = await after_first_answer(fake_bot_api)
    assert "📖 distrahera" in user.buttons(), "the strategy the feedback just named"
    step = user.last.id
    await user.click("📖 distrahera")
    assert user.last.text.startswith("📖 distrahera\nDistrahera betyder att avbryta")
    assert user.message(step).buttons, "the step's choices stay"
    await user.click("Gå fram och säg till chauffören", message_id=step)
    assert "Chauffören kan stanna bussen" in user.message(step).text, "the answer counted"
    assert user.last.text.startswith("🤝 Efter")


async def test_an_unknown_glossary_word_gets_the_old_button_answer(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user()
    await join(user)
    await user.click_data("gl:no-such-word")
    assert user.alerts[-1].startswith("Den knappen är gammal")
