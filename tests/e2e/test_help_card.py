"""Whatever a young person types is answered with the help card for their age, 112 first."""

from __future__ import annotations

from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime


def card(user: FakeUser) -> dict[str, list[str]]:
    """The groups of the last message, heading -> lines, between the intro and the commands."""
    intro, *groups, commands = user.last.text.split("\n\n")
    assert "112" in intro and commands.startswith("/scenarios")
    return {heading: lines for heading, *lines in (group.split("\n") for group in groups)}


async def test_typed_text_gets_the_card_for_the_youngest_band(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("/start")
    await user.click("15 år eller yngre")
    await user.send("min styvpappa slår mig")
    groups = card(user)
    assert list(groups) == ["Akut", "Prata med någon", "Våld och brott", "Hälsa"]
    assert groups["Akut"] == ["• Nödnummer 112 – när någon är i fara just nu"]
    text = user.last.text
    for line in ("BRIS 116 111", "Självmordslinjen 90101", "Polisen 114 14", "116 006"):
        assert line in text
    for line in ("Kvinnofridslinjen 020-50 50 50", "Origo origostockholm.se", "1177"):
        assert line in text
    assert "Hjälplinjen" not in text, "Hjälplinjen is from 18"


async def test_typed_text_gets_the_card_for_an_older_band_in_english(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="en")
    await user.send("/start")
    await user.click("18–19")
    await user.click("Play without saving")
    await user.send("something happened")
    groups = card(user)
    assert next(iter(groups)) == "Emergency"
    assert groups["Emergency"] == ["• Emergency 112 – when someone is in danger right now"]
    text = user.last.text
    assert "BRIS" not in text, "BRIS is for under 18"
    for line in ("Hjälplinjen 90 390", "Suicide Line 90101", "Police 114 14", "116 006", "1177"):
        assert line in text


async def test_someone_who_never_chose_an_age_gets_every_line(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("hjälp")
    groups = card(user)
    assert next(iter(groups)) == "Akut" and groups["Akut"][0].startswith("• Nödnummer 112")
    talk = "\n".join(groups["Prata med någon"])
    assert "BRIS 116 111" in talk and "Hjälplinjen 90 390" in talk
