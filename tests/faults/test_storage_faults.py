"""Faults in the middle of a scenario, end to end through the real Application over HTTP.

- the database turns read-only, or the disk fills up: the person gets a kind message
  (`error.storage`), the operator log says what is wrong, nothing stored is lost, and once
  the fault is lifted /resume continues where they were;
- the Bot API is slower than PTB's timeouts: the choice is kept and /resume works.

Buttons are pressed by their callback data, not their labels, so wording changes in
locales/ or scenarios/ do not break these tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from botharness import pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.engine import engine
from bot.storage.errors import StorageUnavailable
from bot.storage.records import ChoiceRecord, Profile
from bot.storage.sqlite.store import fetch_one
from bot.telegram.runtime import Runtime
from bot.telegram.transport import Timeouts

SCENARIO = "bus-fight"
MAX_PAGES = 1073741823  # SQLite's default max_page_count


@dataclass(frozen=True)
class Button:
    label: str
    data: str


def keyboard(user: FakeUser) -> list[Button]:
    """The buttons of the newest bot message that has any."""
    for message in reversed(user.messages):
        pairs = [
            Button(label, data or "")
            for labels, datas in zip(message.buttons, message.callback_data, strict=True)
            for label, data in zip(labels, datas, strict=True)
        ]
        if pairs:
            return pairs
    return []


async def press(user: FakeUser, prefix: str) -> str:
    """Press the first button on the newest keyboard whose callback data starts so."""
    for button in keyboard(user):
        if button.data.startswith(prefix):
            await user.click_data(button.data)
            return button.data
    raise AssertionError(f"no button {prefix!r}: {keyboard(user)}\n{user.transcript()}")


async def skip_questionnaire(user: FakeUser) -> None:
    """The evaluation questionnaire may come before a scenario; skip it when it does."""
    for _ in range(10):
        if any(b.data.startswith("a:") for b in keyboard(user)):
            return
        skip = [b for b in keyboard(user) if b.data.startswith("ms:")]
        if not skip:
            return
        await user.click_data(skip[0].data)


async def start_playing(user: FakeUser) -> None:
    await user.send("/start")
    await press(user, "age:16_17")
    await press(user, "consent:16_17:save")
    await press(user, f"sc:{SCENARIO}")
    await press(user, f"go:{SCENARIO}")
    await skip_questionnaire(user)
    assert any(b.data.startswith("a:") for b in keyboard(user)), user.transcript()


def choices(user: FakeUser) -> list[Button]:
    return [b for b in keyboard(user) if b.data.startswith("a:")]


def storage_message(bot: Runtime, language: str = "sv") -> str:
    return bot.young.account.presenter.t(language, "error.storage")


async def snapshot(bot: Runtime, user: FakeUser) -> tuple[object, object]:
    """Everything stored about the person: the summary and the run in progress."""
    user_key = pseudonym_of(bot, user.id)
    return await bot.storage.players.describe_user(
        user_key
    ), await bot.storage.players.get_active_run(user_key)


async def play_to_the_end(user: FakeUser) -> int:
    """Tap the first choice until the debrief; returns the number of choices made."""
    made = 0
    while choices(user) and made < 20:
        await user.click_data(choices(user)[0].data)
        made += 1
    return made


def storage_errors_logged(caplog: pytest.LogCaptureFixture, hint: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and "storage unavailable" in r.getMessage()
        and hint in r.getMessage()
    ]  # fmt: skip


async def set_pragma(bot: Runtime, pragma: str) -> int | None:
    async with bot.storage.players.session() as db:
        row = await fetch_one(db, f"PRAGMA {pragma}", ())
    return row[0] if row else None


async def test_read_only_database_mid_scenario(
    bot: Runtime, fake_bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    user = fake_bot_api.user()
    await start_playing(user)
    await user.click_data(choices(user)[0].data)  # one acknowledged choice
    stored_before = await snapshot(bot, user)
    step_before = user.last.text
    assert stored_before[0].choices == 1

    await set_pragma(bot, "query_only = 1")
    await user.click_data(choices(user)[0].data)

    assert user.last.text == storage_message(bot), user.transcript()
    assert fake_bot_api.unanswered_callback_queries() == []
    assert storage_errors_logged(caplog, "read-only"), [r.getMessage() for r in caplog.records]
    assert await snapshot(bot, user) == stored_before, "nothing stored changed or was lost"

    await set_pragma(bot, "query_only = 0")
    await user.send("/resume")
    assert user.last.text == step_before, "the step whose answer failed is shown again"
    made = await play_to_the_end(user)
    data, active = await snapshot(bot, user)
    assert (data.choices, data.runs_finished, active) == (1 + made, 1, None)


async def fill_the_disk(bot: Runtime) -> None:
    """Cap the database at its size, then let another person's choices use the last space.

    With `max_page_count` at the current page count the database cannot grow by one page:
    the first write that needs a new page fails with SQLITE_FULL, as on a full disk.
    """
    filler = "f" * 64
    await bot.storage.players.save_profile(Profile(filler, "sv", "16_17", "save"))
    scenario = bot.catalog.scenarios[SCENARIO]
    run = engine.start(scenario)
    await bot.storage.players.start_run(filler, run.to_json())
    step = scenario.step(run.position)
    choice = step.choices[0]
    record = ChoiceRecord(
        run.run_id, scenario.id, scenario.version, step.id, choice.id,
        choice.strategy.value, choice.assessment.value, step.phase.value,
    )  # fmt: skip
    pages = await set_pragma(bot, "page_count")
    assert await set_pragma(bot, f"max_page_count = {pages}") == pages
    for _ in range(2000):
        try:
            await bot.storage.players.save_progress(filler, run.to_json(), record, False)
        except StorageUnavailable:
            return
    raise AssertionError("the database never filled up")


async def test_full_disk_mid_scenario(
    bot: Runtime, fake_bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    user = fake_bot_api.user()
    await start_playing(user)
    await user.click_data(choices(user)[0].data)  # one acknowledged choice
    await fill_the_disk(bot)
    failed = False
    for _ in range(40):  # the next choice fails; should it fit after all, keep playing
        if not choices(user):  # the debrief: play again
            await press(user, f"go:{SCENARIO}")
            await skip_questionnaire(user)
            continue
        stored_before, step_before = await snapshot(bot, user), user.last.text
        await user.click_data(choices(user)[0].data)
        if user.last.text == storage_message(bot):
            failed = True
            break
    assert failed, "no write failed on the full database"
    assert fake_bot_api.unanswered_callback_queries() == []
    assert storage_errors_logged(caplog, "disk is full"), [r.getMessage() for r in caplog.records]
    assert await snapshot(bot, user) == stored_before, "nothing stored changed or was lost"

    await set_pragma(bot, f"max_page_count = {MAX_PAGES}")
    await user.send("/resume")
    assert user.last.text == step_before
    made = await play_to_the_end(user)
    data, active = await snapshot(bot, user)
    assert made >= 1 and active is None
    assert data.choices == stored_before[0].choices + made


def shorten_bot_api_timeouts(bot: Runtime, seconds: float) -> float:
    """The bot gives up on a Bot API call after 5 s by default; make that `seconds`."""
    bot.transports.general.timeouts = Timeouts(seconds, seconds, seconds, seconds)
    return seconds


async def test_bot_api_timeout_loses_no_state(
    bot: Runtime, fake_bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    user = fake_bot_api.user()
    await start_playing(user)
    timeout = shorten_bot_api_timeouts(bot, 1.0)
    before = (await snapshot(bot, user))[0]
    sent_before = len(user.messages)
    fake_bot_api.delay_next("sendMessage", timeout + 0.5)  # longer than PTB waits
    await user.click_data(choices(user)[0].data)
    await fake_bot_api.settle(quiet=0.5)
    texts = [m.text for m in user.messages[sent_before:]]
    assert len(texts) == len(set(texts)), f"a timed-out message was sent again: {texts}"

    data, active = await snapshot(bot, user)
    assert data.choices == before.choices + 1, "the choice was stored before sending"
    assert active is not None
    assert fake_bot_api.unanswered_callback_queries() == []
    await user.send("/resume")
    assert choices(user), user.transcript()
    made = await play_to_the_end(user)
    data, active = await snapshot(bot, user)
    assert (data.choices, data.runs_finished, active) == (before.choices + 1 + made, 1, None)
