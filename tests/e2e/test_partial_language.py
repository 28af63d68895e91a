"""A translation in progress: the bot starts, shows English for what is missing, and offers
the language to young people only at the review status the operator chose.

Esperanto stands in for any new language: the project ships no `eo` files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from botharness import ADMIN_ID, BotFactory, copy_shipped_content
from fakebotapi import FakeBotApi

from bot.cli.main import main
from e2e.classroom import youth_worker
from e2e.test_group_play import class_group


def fill(text: str, key: str, translation: str) -> str:
    start = text.index(f"\n  {key}:\n")
    empty = text.index("text: ''", start)
    return text[:empty] + f"text: {translation}" + text[empty + len("text: ''") :]


@pytest.fixture
def esperanto_in_progress(
    tmp_path: Path, bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shipped content plus a machine-drafted Esperanto with one interface text translated."""
    for name, copy in zip(("scenarios", "locales"), copy_shipped_content(tmp_path), strict=True):
        variable = f"BYSTANDER_{name.upper()}"
        monkeypatch.setenv(variable, str(copy))
        bot_env[variable] = str(copy)
    assert main(["translate", "--lang", "eo"]) == 0
    path = tmp_path / "locales" / "eo.yaml"
    text = fill(path.read_text(encoding="utf-8"), "age.16_17", "16–17 jaroj")
    path.write_text(text.replace("language_name: ''", "language_name: Esperanto"), encoding="utf-8")


async def test_in_a_pilot_a_partial_language_is_offered_and_falls_back_to_english(
    esperanto_in_progress,
    bot_env: dict[str, str],
    bot_factory: BotFactory,
    fake_bot_api: FakeBotApi,
    caplog,
) -> None:
    bot_env["BYSTANDER_OFFERED_TRANSLATIONS"] = "machine-draft"
    with caplog.at_level(logging.WARNING, logger="bystander"):
        async with bot_factory():
            user = fake_bot_api.user(language_code="eo")
            await user.send("/start")
            assert "active bystander" in user.last.text, "the untranslated welcome, in English"
            assert "16–17 jaroj" in user.buttons() and "15 or younger" in user.buttons()
            await user.send("/language")
            assert "Esperanto" in user.buttons()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("interface language eo lacks ") for m in warnings), warnings


async def test_by_default_young_people_are_not_offered_a_draft_but_staff_may_preview_it(
    esperanto_in_progress, bot_factory: BotFactory, fake_bot_api: FakeBotApi, caplog
) -> None:
    with caplog.at_level(logging.INFO, logger="bystander"):
        async with bot_factory() as bot:
            young = fake_bot_api.user(language_code="eo")
            await young.send("/start")
            assert "aktiv åskådare" in young.last.text, "Swedish, as for a language not offered"
            assert "16–17 jaroj" not in young.buttons()
            await young.send("/language")
            assert young.buttons() == ["English", "Svenska"]

            staff = fake_bot_api.user(ADMIN_ID, language_code="sv")
            await staff.send("/language")
            assert staff.buttons() == ["English", "Svenska", "Esperanto (utkast)"]
            await staff.click("Esperanto (utkast)")
            assert "16–17 jaroj" in staff.buttons(), "the welcome in the draft, previewed"
            bot.log_start()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("database ")]
    assert said[0].endswith(
        "; staff may preview the drafts eo (machine-draft) (BYSTANDER_OFFERED_TRANSLATIONS is "
        "reviewed)"
    )


async def test_a_draft_a_person_made_is_offered_when_the_operator_offers_drafts(
    esperanto_in_progress, bot_env: dict[str, str], bot_factory: BotFactory, fake_bot_api
) -> None:
    bot_env["BYSTANDER_OFFERED_TRANSLATIONS"] = "draft"
    async with bot_factory():
        young = fake_bot_api.user(language_code="eo")
        await young.send("/start")
        assert "16–17 jaroj" not in young.buttons(), "a machine draft is not a person's draft"
    assert main(["translate", "--lang", "eo", "--mark-draft", "Zamenhof Ludoviko"]) == 0
    async with bot_factory():
        young = fake_bot_api.user(language_code="eo")
        await young.send("/start")
        assert "16–17 jaroj" in young.buttons()


async def test_the_first_screen_offers_every_language_by_its_own_name(
    esperanto_in_progress, bot_env: dict[str, str], bot_factory: BotFactory, fake_bot_api
) -> None:
    """Telegram's apps do not come in every language (not in Somali): whatever the phone's
    language, the first screen names every language young people are offered."""
    bot_env["BYSTANDER_OFFERED_TRANSLATIONS"] = "machine-draft"
    async with bot_factory():
        user = fake_bot_api.user(language_code="so")  # a language the bot does not have
        await user.send("/start")
        assert "aktiv åskådare" in user.last.text, "Swedish, the source, to begin with"
        assert user.buttons()[-1] == "🌐 English · Esperanto"
        await user.click("🌐 English · Esperanto")
        assert user.buttons() == ["English", "Esperanto", "Svenska"]
        await user.click("English")
        assert "active bystander" in user.last.text, "the welcome again, in English"
        assert user.buttons()[-1] == "🌐 Esperanto · Svenska"
        await user.click("16–17")
        await user.click("Play and save my answers")
        await user.send("/mydata")
        assert "English" in user.last.text, "the language chosen before consent is kept"


async def test_a_language_not_offered_is_not_on_the_first_screen(
    esperanto_in_progress, bot_factory: BotFactory, fake_bot_api
) -> None:
    async with bot_factory():  # reviewed translations only: the Esperanto draft is not
        user = fake_bot_api.user(language_code="eo")
        await user.send("/start")
        assert user.buttons()[-1] == "🌐 English"


async def test_staff_who_chose_a_draft_language_read_its_draft_scenarios(
    esperanto_in_progress, bot_factory: BotFactory, fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    story = tmp_path / "scenarios" / "bus-fight" / "eo.yaml"
    text = fill(story.read_text(encoding="utf-8"), "title", "Tumulto en la buso")
    story.write_text(fill(text, "stop.text", "Estas vendredo."), encoding="utf-8")
    async with bot_factory():
        staff = fake_bot_api.user(ADMIN_ID, language_code="sv")
        await staff.send("/language")
        await staff.click("Esperanto (utkast)")
        await staff.click("16–17 jaroj")
        await staff.click("Play and save my answers")
        assert any(b.startswith("Tumulto en la buso") for b in staff.buttons()), staff.buttons()
        await staff.click(next(b for b in staff.buttons() if b.startswith("Tumulto")))
        await staff.click("▶️ Start")
        await staff.click("Skip all questions")  # the questionnaire before the first scenario
        assert "Estas vendredo." in staff.last.text

        young = fake_bot_api.user(language_code="en")  # the same scenario, offered texts only
        await young.send("/start")
        await young.click("16–17")
        await young.click("Play and save my answers")
        assert "Trouble on the bus · 5 min" in " ".join(young.buttons())


async def test_a_broken_translation_file_leaves_the_bot_running_in_the_other_languages(
    esperanto_in_progress, tmp_path: Path, bot_factory: BotFactory, fake_bot_api, caplog
) -> None:
    (tmp_path / "locales" / "eo.yaml").write_text(
        "language: eo\nstrings:\n  age.16_17: {text: '16–17 jaroj'\n", encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING, logger="bystander"):
        async with bot_factory():
            young = fake_bot_api.user(language_code="sv")
            await young.send("/start")
            assert "16–17 år" in young.buttons()
    said = [r.getMessage() for r in caplog.records if "eo.yaml:" in r.getMessage()]
    assert (
        said
        and "Y001" in said[0]
        and said[0].endswith("the bot runs, in English where this file cannot be used")
    )


async def test_what_a_leader_previewing_a_draft_posts_in_a_group_is_in_an_offered_language(
    esperanto_in_progress, bot_factory: BotFactory, fake_bot_api: FakeBotApi
) -> None:
    async with bot_factory():
        worker = await youth_worker(fake_bot_api)
        group, _ = await class_group(fake_bot_api, worker)
        await worker.send("/language")
        await worker.click("Esperanto (utkast)")  # English where the draft has no text yet
        await worker.click("16–17 jaroj")
        await worker.click("Play and save my answers")  # the draft language is now stored
        await worker.send_in(group, "/lesson")
        assert group.last.text == "Vilken klass har lektion här?", "Swedish, not the draft"
        await worker.click_in(group, "gy 2 Fittja")
        await worker.click_in(group, "Bråk på bussen")
        assert "Lektion: Bråk på bussen" in group.bot_messages[-2].text
