"""Who sees which scenario: the player's age band filters the menu, and a class's school
year decides what its youth worker is offered without a warning (bot/engine/ages.py)."""

from __future__ import annotations

import pytest
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.runtime import Runtime
from e2e.classroom import link_payload, youth_worker

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL

PARTY, FRIEND, GROUP_CHAT, BUS = (
    "Festen i Norsborg",  # 15–20
    "Mikaela mår dåligt",  # 15–20
    "Hot i klasschatten",  # 13–17
    "Bråk på bussen",  # 13–19
)


async def player(server: FakeBotApi, band: str) -> FakeUser:
    user = server.user(language_code="sv")
    await user.send("/start")
    await user.click(band)
    if "Spela utan att spara" in user.buttons():
        await user.click("Spela utan att spara")
    return user


def titles(user: FakeUser) -> str:
    return " | ".join(user.buttons())


async def test_the_menu_offers_only_scenarios_for_the_players_age(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    young = await player(fake_bot_api, "15 år eller yngre")
    assert BUS in titles(young) and GROUP_CHAT in titles(young)
    assert PARTY not in titles(young) and FRIEND not in titles(young), "15–20: they may be 13"

    older = await player(fake_bot_api, "18–19 år")
    assert PARTY in titles(older) and BUS in titles(older)
    assert GROUP_CHAT not in titles(older), "13–17 is not for 18–19"

    unsaid = await player(fake_bot_api, "Vill inte säga")
    assert BUS in titles(unsaid)
    assert PARTY not in titles(unsaid) and GROUP_CHAT not in titles(unsaid)

    adult = await player(fake_bot_api, "20 år eller äldre")
    assert "skrivna för unga mellan 13 och 19 år" in adult.last.text
    assert adult.buttons() == []


async def test_a_forged_button_to_a_scenario_for_older_players_is_refused_kindly(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    young = await player(fake_bot_api, "15 år eller yngre")
    for forged in ("sc:party-pressure", "go:party-pressure"):
        await young.click_data(forged)
        assert "skrivet för dig som är 15–20 år" in young.last.text, forged
        assert "▶️ Starta" not in young.buttons() and PARTY not in titles(young)
    await young.send("/resume")
    assert "inget påbörjat" in young.last.text, "no run was started"


async def test_a_class_gets_a_school_year_and_its_youth_worker_is_warned(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass Tumba")
    assert "Börja namnet med klassens årskurs eller ålder" in worker.last.text
    await worker.send("/newclass åk 8 Tumba")
    assert "Klassen åk 8 Tumba är skapad, för åk 8 (14 år)." in worker.messages[-3].text
    payload = link_payload(worker.messages[-2].caption)
    offered = worker.buttons()
    assert offered.index("⬜ Festen i Norsborg ⚠️ 15–20 år") > offered.index("⬜ Hot i klasschatten")
    await worker.click(BUS)
    await worker.click(PARTY)
    assert worker.alerts[-1].startswith("⚠️ Skrivet för 15–20 år, inte för åk 8 (14 år).")

    student = fake_bot_api.user(language_code="sv")
    await student.send(f"/start {payload}")
    await student.click("15 år eller yngre")
    assert f"📌 {BUS}" in titles(student)
    assert PARTY not in titles(student), "the student's own age decides, also for assignments"

    await worker.send("/facilitate")
    await worker.click("åk 8 Tumba")
    assert worker.buttons() == ["📊 Klassens frågor före", f"{BUS}", f"{PARTY} ⚠️ 15–20 år"]
    await worker.click(PARTY)
    warning = "⚠️ Det här scenariot är skrivet för 15–20 år, och klassen är åk 8 (14 år)."
    assert warning in worker.messages[-2].text, "allowed, with a warning"
    assert "Skriv hur många som valde varje alternativ" in worker.last.text

    await worker.send("/class")
    assert "Ålder: åk 8 (14 år)" in worker.last.text
    await worker.click("🎂 Ändra klassens ålder")
    await worker.click("gymnasiet 1 (16 år)")
    assert worker.alerts[-1] == "Klassens ålder är nu gymnasiet 1 (16 år)."
    assert "Ålder: gymnasiet 1 (16 år)" in worker.last.text
    await worker.click("✏️ Välj scenarier")
    assert f"✅ {PARTY}" in worker.buttons(), "15–20 fits gymnasiet 1"


async def test_a_class_under_13_is_led_and_its_help_lines_fit_the_class(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass åk 5 Alby")
    assert not any(m.photo for m in worker.messages), "no link for pupils under 13"
    assert "Led scenarierna för dem med /facilitate" in worker.messages[-2].text
    await worker.click(BUS)
    await worker.send("/facilitate")
    await worker.click("åk 5 Alby")
    await worker.click(BUS)
    for counts, choice in (
        ("12 5 3", "Fråga Yusuf när bussen går"),
        ("4 4 4 4 4", "Gå fram och säg till chauffören"),
        ("10 5 5", "Sätt dig hos honom och fråga hur det är"),
    ):
        await worker.send(counts)
        await worker.click(choice)
    debrief = worker.messages[-2].text
    assert "116 111" in debrief, "BRIS, for under 18, fits a class of 11-year-olds"
    assert "UMO" not in debrief, "UMO is for 13–25"
    await worker.send("/class")
    assert "🔗 Visa länk och QR-kod" not in worker.buttons()


async def test_a_link_shared_before_the_class_became_too_young_no_longer_joins(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass åk 8 Tumba")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click(BUS)
    await worker.send("/class")
    await worker.click("🎂 Ändra klassens ålder")
    await worker.click("åk 5 (11 år)")
    student = fake_bot_api.user(language_code="sv")
    await student.send(f"/start {payload}")
    assert "Den länken fungerar inte längre" in student.last.text, "led, not joined, at 11"
