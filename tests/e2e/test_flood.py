"""One person flooding the bot does not hold up anybody else, through the real Application.

The flooder's chat is held at the fake Bot API (as when Telegram is slow for one chat), so
the bot is still busy with the flooder's first update while everything else happens: what
the other person gets meanwhile is checked by order, never by how long it took.
"""

from __future__ import annotations

import logging
import re

import pytest
from botharness import BotFactory
from fakebotapi import FakeBotApi, FakeUser

from bot.telegram.ordering import PerUserOrder

FLOOD = 300  # more than python-telegram-bot's 256 shared slots
HANDLED = 21  # the update in hand and the 20 that may wait behind it (the default cap)
FLOODER = 7_770_001


async def join(user: FakeUser) -> None:
    await user.send("/start")
    await user.click("16–17 år")
    await user.click("Spela och spara mina svar")


async def test_a_flood_from_one_person_does_not_hold_up_another(
    bot_factory: BotFactory, fake_bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with bot_factory() as bot:
        processor = bot.app.update_processor
        await flood_while_another_plays(processor, fake_bot_api)
    # Only counts are logged: the first drops at once, the rest when the bot stops.
    drops = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.ordering"]
    counts = [int(re.search(r"dropped (\d+)", line).group(1)) for line in drops]
    assert len(drops) == 2 and sum(counts) == FLOOD - HANDLED, drops
    for record in caplog.records:
        text = record.getMessage()
        assert str(FLOODER) not in text and "Floodname" not in text, text


async def flood_while_another_plays(processor: PerUserOrder, fake_bot_api: FakeBotApi) -> None:
    flooder = fake_bot_api.user(user_id=FLOODER, first_name="Floodname")
    other = fake_bot_api.user(user_id=7_770_002, first_name="Othername")
    await join(other)
    await flooder.send("/start")
    answers_before_flood = len(flooder.messages)

    with fake_bot_api.holding(flooder.chat_id):
        for n in range(FLOOD):  # /help and taps on the age buttons, in turn
            if n % 2:
                await flooder.click("16–17 år", wait=False)
            else:
                await flooder.send("/help", wait=False)
        await other.click("Bråk på bussen", wait=False)  # after the whole flood
        await fake_bot_api.eventually(
            lambda: "Innehåll:" in other.last.text,
            "the other person got no answer while the flooder's updates were queued",
        )
        # The flooder's first update is still being handled (its answer is held) and the
        # next ones wait their turn: the other person was not served after the flood.
        assert len(flooder.messages) == answers_before_flood
        assert processor.waiting == processor.max_waiting

    await fake_bot_api.settle()
    # Handled: the first update and the queue behind it, in order; the rest were dropped.
    assert processor.max_waiting + 1 == HANDLED
    assert processor.dropped == FLOOD - HANDLED
    help_cards = [m for m in flooder.messages if "Prata med någon" in m.text]
    assert len(help_cards) == (HANDLED + 1) // 2  # every second update was /help
    # Dropped taps are left unanswered on purpose (ordering.py): answering them would cost
    # a Bot API call per flooded tap.
    dropped_taps = FLOOD // 2 - HANDLED // 2
    unanswered = fake_bot_api.unanswered_callback_queries()
    assert [q.chat_id for q in unanswered] == [flooder.chat_id] * dropped_taps
    assert processor.conversations == 0, "no state is kept for an idle conversation"

    # Afterwards both are answered as usual.
    await flooder.send("/start")
    assert "aktiv åskådare" in flooder.last.text
    await other.click("Starta")
    await other.click("Hoppa över alla frågor")
    assert other.last.text.startswith("🕐 Före")
