"""A young person whose Telegram is set to Arabic, Somali, Turkish or Finnish, in a pilot
that offers the drafts: offered their language, plays a scenario to its end in it and gets
the help lines explained in it."""

from __future__ import annotations

import pytest
from botharness import BotFactory

from bot.config import content_dirs
from bot.content.catalog import Catalog, load_catalog
from bot.content.review import MACHINE_DRAFT
from bot.engine import engine
from bot.services.presenter import plain


@pytest.fixture(scope="module")
def drafts() -> Catalog:
    scenarios, locales = content_dirs({})
    return load_catalog([scenarios], locales, offered_from=MACHINE_DRAFT)


@pytest.mark.parametrize("code", ["ar", "so", "tr", "fi"])
async def test_a_young_person_plays_a_scenario_to_its_end_in_their_language(
    code: str, drafts: Catalog, bot_env: dict[str, str], bot_factory: BotFactory, fake_bot_api
) -> None:
    bot_env["BYSTANDER_OFFERED_TRANSLATIONS"] = "machine-draft"

    def t(language: str, key: str, **values: object) -> str:  # as the app shows it
        return plain(drafts.locales.text(language, key, **values))

    scenario = drafts.scenarios["bus-fight"]
    async with bot_factory():
        user = fake_bot_api.user(language_code=code)
        await user.send("/start")
        assert user.last.text == t(code, "start.welcome"), "proposed from Telegram's language"
        await user.click(t(code, "age.16_17"))
        await user.click(t(code, "consent.save"))
        await user.click(t(code, "menu.item", title=scenario.title.get(code), minutes=5))
        await user.click(t(code, "play.start"))
        await user.click(t(code, "survey.skip_all"))
        run = engine.start(scenario)
        while not run.finished:
            step = engine.current_step(scenario, run)
            assert step.text.get(code).split("\n")[0] in user.last.text
            choice = step.choices[-1]
            await user.click(choice.label.get(code))
            engine.choose(scenario, run, choice.id)
        debrief = await debrief_of(user)
        assert engine.debrief(scenario, run).ending.title.get(code) in debrief
        assert t(code, "help.heading") in debrief
        for key in ("emergency", "bris"):
            assert t(code, f"help.{key}.description") in debrief, "the help lines explained"
        assert "BRIS" in debrief and "116 111" in debrief and "112" in debrief
        assert fake_bot_api.unanswered_callback_queries() == []


async def debrief_of(user) -> str:  # type: ignore[no-untyped-def]
    """The debrief: the last message, or the one before the questionnaire after it."""
    return "\n".join(message.text or "" for message in user.messages[-3:])
