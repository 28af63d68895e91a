"""A questionnaire round played through the fake Bot API, for the evaluation tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botharness import answer_questionnaire
from fakebotapi import FakeUser

LATER = datetime.now(UTC).date() + timedelta(days=31)
ITEMS = 15  # scenarios/measures/measures.yaml
BUS_FIGHT = ("Fråga Yusuf", "Gå fram och säg till chauffören", "Sätt dig hos honom")
OLD_BUTTON = "Den knappen är gammal"


async def join(user: FakeUser, start: str = "/start") -> None:
    await user.send(start)
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")


async def play_bus_fight(user: FakeUser) -> None:
    await user.click("Bråk på bussen")
    await user.click("Starta")


async def play_first_choices(user: FakeUser, title: str) -> None:
    """Play a scenario to its debrief by its first choices (the questions before skipped)."""
    await user.send("/scenarios")
    await user.click(title)
    await user.click("Starta")
    if "Hoppa över alla frågor" in user.buttons():
        await user.click("Hoppa över alla frågor")
    for _ in range(20):
        labels = " ".join(user.buttons())
        if "Spela igen" in labels or "1 – " in labels:  # the debrief, or questions after it
            return
        await user.click(user.buttons()[0])
    raise AssertionError("no debrief after 20 choices")


async def solo_round(user: FakeUser, before: int, after: int) -> None:
    """A solo round: T1 before the first scenario, T2 after the second."""
    await join(user)
    await play_bus_fight(user)
    assert f"1/{ITEMS}" in user.last.text and "snabba frågor" in user.last.text
    assert await answer_questionnaire(user, before) == ITEMS
    assert user.last.text.startswith("🕐 Före"), "the scenario starts after the last question"
    asked = [m.text for m in user.messages if "Hur säker är du" in m.text or "våld" in m.text]
    assert not asked, "an answered question leaves only its number in the chat"
    assert f"✓ {ITEMS}/{ITEMS}" in [m.text for m in user.messages]
    for choice in BUS_FIGHT:
        await user.click(choice)
    assert f"1/{ITEMS}" not in user.last.text, "no end questions after one scenario"
    await play_first_choices(user, "Hot i klasschatten")
    assert "samma frågor som i början" in user.last.text, "the round ends: T2"
    assert await answer_questionnaire(user, after) == ITEMS
    assert "påminnelse om 30 dagar" in user.last.text
