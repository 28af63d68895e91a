"""Two players reach the same ending by different paths and read what fits what they did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from botharness import open_scenario
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL

FITTING = Path(__file__).parent.parent / "fixtures" / "valid" / "fitting"


@pytest.fixture
def bot_env(bot_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(FITTING, scenarios / "fitting")
    return {**bot_env, "BYSTANDER_SCENARIOS": str(scenarios)}


async def play(user: FakeUser, saving: str, *labels: str) -> list[str]:
    """Join, play the path, and return every message text the player received."""
    await user.send("/start")
    await user.click("16–17 år")
    await user.click(saving)
    await open_scenario(user, "Två vägar")
    for label in labels:
        await user.click(label)
    return [m.text for m in user.messages]


async def test_the_same_ending_tells_each_player_what_they_did(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    helper = fake_bot_api.user(language_code="sv")
    waiter = fake_bot_api.user(language_code="sv")
    helped = await play(
        helper, "Spela och spara mina svar", "Säg till en lärare", "Säg till chauffören",
        "Fråga hur det är",
    )  # fmt: skip
    waited = await play(waiter, "Spela utan att spara", "Vänta och se", "Titta bort", "Gå förbi")
    helped_debrief, waited_debrief = helped[-1], waited[-1]
    assert "Dagen är slut" in helped_debrief and "Dagen är slut" in waited_debrief
    for debrief in (helped_debrief, waited_debrief):
        assert "Det som började vid hållplatsen blev våld på bussen." in debrief
    assert "Du hämtade en vuxen, och då kunde någon ingripa." in helped_debrief
    assert "Alla tre gångerna valde du något som hjälpte." in helped_debrief
    assert "Ingen vuxen fick veta något" not in helped_debrief
    assert "Ingen vuxen fick veta något. Nästa gång kan du säga till någon." in waited_debrief
    assert "Du hämtade en vuxen" not in waited_debrief and "Alla tre" not in waited_debrief
    prompts = "💬 Att prata om:\n• Vem kan man hämta på en buss?"
    assert prompts in helped_debrief and "Vad gör det svårt" not in helped_debrief
    assert f"{prompts}\n• Vad gör det svårt att säga till en vuxen?" in waited_debrief

    middle = "Nu händer det på bussen."
    assert any(middle in t and "Läraren du pratade med" in t for t in helped)
    assert any(middle in t for t in waited)
    assert not any("Läraren du pratade med" in t for t in waited)
