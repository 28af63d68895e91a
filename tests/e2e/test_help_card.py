"""Whatever a young person types is answered with the help card for their age, 112 first,
and with a button that removes what they typed, in case someone checks their phone."""

from __future__ import annotations

import shutil
from pathlib import Path

from fakebotapi import FakeBotApi, FakeUser

from bot.bootstrap import build_runtime
from bot.config import content_dirs, load_config
from bot.telegram.runtime import Runtime
from e2e.classroom import youth_worker

REMOVE_HINT = "Om någon kollar din telefon: ta bort det du skrev här"
REMOVE = "🗑 Ta bort det jag skrev"
REMOVED = "Klart. Det du skrev är borttaget."
REMOVE_YOURSELF = "Håll fingret på ditt meddelande och välj Radera."
OLD_BUTTON = "Den knappen är gammal"


def card(user: FakeUser) -> dict[str, list[str]]:
    """The groups of the typed-text card, heading -> lines, between the intro and the hint on
    removing the text; the commands are left to Telegram's menu."""
    intro, *groups, hint = user.last.text.split("\n\n")
    assert "112" in intro and "/scenarios" not in user.last.text
    assert hint.startswith(("Om någon kollar din telefon", "If someone checks your phone"))
    return {heading: lines for heading, *lines in (group.split("\n") for group in groups)}


def typed(user: FakeUser) -> list[str]:
    return [m.text for m in user.sent]


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
    assert text.startswith("Jag är en bot.") and "kuratorn, skolsköterskan" in text
    assert text.index("BRIS 116 111") < text.index("Självmordslinjen 90101")
    assert "Hjälplinjen" not in text, "Hjälplinjen is from 18"
    violence = ["116 006", "Kvinnofridslinjen 020-50 50 50", "Origo origostockholm.se", "114 14"]
    assert sorted(violence, key=text.index) == violence, "police, for what is not urgent, last"
    assert "1177" in text
    assert "Socialtjänsten" not in text, "not shown until the operator has given its number"
    assert user.last.buttons == [[REMOVE]]


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
    assert groups["Emergency"] == ["• Emergency number 112 – when someone is in danger right now"]
    text = user.last.text
    assert "BRIS" not in text, "BRIS is for under 18"
    assert text.index("Hjälplinjen (Mind helpline) 90 390") < text.index("Suicide Line 90101")
    for line in ("Kvinnofridslinjen (women's helpline)", "Police 114 14", "116 006", "1177"):
        assert line in text
    assert user.last.buttons == [["🗑 Remove what I wrote"]]


async def test_someone_who_never_chose_an_age_gets_every_line(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("hjälp")
    groups = card(user)
    assert next(iter(groups)) == "Akut" and groups["Akut"][0].startswith("• Nödnummer 112")
    talk = "\n".join(groups["Prata med någon"])
    assert talk.index("BRIS 116 111") < talk.index("Hjälplinjen 90 390") < talk.index("90101")


async def test_help_lists_the_commands_and_says_what_delete_deletes(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("/help")
    text = user.last.text
    assert text.startswith("Är någon i fara just nu? Ring 112.")
    assert text.endswith("/delete radera dina sparade svar")
    assert REMOVE_HINT not in text and user.last.buttons == [], "/help typed nothing to remove"


async def test_a_youth_workers_help_says_how_a_lesson_starts_and_ends(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/help")
    assert "/lesson startar en lektion" in worker.last.text
    assert "/endlesson avslutar den" in worker.last.text
    student = fake_bot_api.user(language_code="sv")
    await student.send("/help")
    assert "/lesson" not in student.last.text, "students are not told of staff commands"


async def test_what_someone_typed_is_removed_from_the_chat(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("min styvpappa slår mig")
    (message,) = user.sent
    assert REMOVE_HINT in user.last.text
    assert user.last.callback_data == [[f"rmt:{message.id}"]], "the id is only in the button"
    await user.click(REMOVE)
    assert typed(user) == [], "gone from the chat"
    assert user.last.text.endswith(REMOVED) and user.last.buttons == []
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_message_telegram_no_longer_lets_the_bot_delete_is_left_to_the_person(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("det hände i går")
    user.let_time_pass(hours=49)  # Telegram: only within 48 hours
    await user.click(REMOVE)
    assert typed(user) == ["det hände i går"]
    assert user.last.text.endswith(REMOVE_YOURSELF) and REMOVED not in user.last.text


async def test_a_second_tap_on_a_removed_message_is_answered_kindly(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("hjälp mig")
    card_id, (data,) = user.last.id, user.last.callback_data[0]
    await user.click(REMOVE)
    await user.click_data(data, message_id=card_id)  # a double tap that raced the first
    assert user.last.text.endswith(REMOVE_YOURSELF)
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_forged_remove_button_gets_the_old_button_notice(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(language_code="sv")
    await user.send("hej")
    for forged in ("rmt:abc", "rmt:0", "rmt:-1", "rmt:1:2", "rmt:" + "9" * 19):
        await user.click_data(forged)
        assert user.alerts[-1].startswith(OLD_BUTTON), forged
    assert typed(user) == ["hej"], "nothing was deleted"


async def test_the_local_social_services_appear_once_the_operator_gives_their_number(
    bot_env: dict[str, str], fake_bot_api: FakeBotApi, tmp_path: Path, caplog
) -> None:
    """The operator's own locales folder (BYSTANDER_LOCALES), as docs/operations.md says."""
    own = tmp_path / "locales"
    shutil.copytree(content_dirs({})[1], own)
    resources = own / "help-resources.yaml"
    text = resources.read_text(encoding="utf-8")
    awaiting = '- key: socialtjanst_botkyrka\n    phone: ""'
    assert awaiting in text
    resources.write_text(text.replace(awaiting, awaiting[:-2] + '"08-000 000 00"'), "utf-8")
    runtime = build_runtime(load_config({**bot_env, "BYSTANDER_LOCALES": str(own)}))
    assert "socialtjanst_botkyrka" not in caplog.text, "no warning once it has a number"
    async with runtime.running(poll_timeout=1):
        user = fake_bot_api.user(language_code="sv")
        await user.send("jag är inte trygg hemma")
        violence = card(user)["Våld och brott"]
    assert "• Socialtjänsten i Botkyrka 08-000 000 00 – om du inte är trygg hemma" in "\n".join(
        violence
    )


async def test_the_bot_logs_that_a_local_line_awaits_its_number(
    bot_env: dict[str, str], caplog
) -> None:
    build_runtime(load_config(bot_env))
    assert "help line socialtjanst_botkyrka is not shown until it has a phone number" in caplog.text
