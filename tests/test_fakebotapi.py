"""Self-tests of the fake Bot API, driving a real PTB Application over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fakebotapi import TINY_PNG, FakeBotApi, FakeUser, running_application
from fakebotapi.fixtures import fake_bot_api
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

__all__ = ["fake_bot_api"]  # the imported fixture is used by name

App = Application[Any, Any, Any, Any, Any, Any]
WELCOME = "Hej! Vill du börja?"
MINIMAL_MESSAGE = {"message": {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}}}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="yes"),
                InlineKeyboardButton("Nej", callback_data="no"),
            ],
            [InlineKeyboardButton("Tyst", callback_data="silent")],
        ]
    )
    assert update.effective_message
    await update.effective_message.reply_text(WELCOME, reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query
    if query.data == "silent":
        return  # forgets to answer: the fake must notice
    await query.answer(f"Du valde {query.data}")
    await query.edit_message_text(f"Du valde: {query.data}")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message and message.text
    await message.reply_text(message.text)


async def describe_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message
    sticker = message.sticker
    await message.reply_text(f"sticker {sticker.emoji}" if sticker else f"photo {message.caption}")


def echo_app(server: FakeBotApi, builder: ApplicationBuilder | None = None) -> App:  # type: ignore[type-arg]
    app = (builder or server.application_builder()).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Sticker.ALL | filters.PHOTO, describe_media))
    return app


@pytest_asyncio.fixture
async def app(fake_bot_api: FakeBotApi) -> AsyncIterator[App]:
    async with running_application(echo_app(fake_bot_api)) as running:
        yield running


@pytest_asyncio.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    """A bare Bot for API-level checks, without polling."""
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as bare_bot:
        yield bare_bot


@pytest.fixture
def user(fake_bot_api: FakeBotApi) -> FakeUser:
    return fake_bot_api.user(user_id=4242, first_name="Alva", language_code="sv")


# --- end to end with a polling Application ------------------------------------------------------


async def test_start_round_trip(fake_bot_api: FakeBotApi, app: App, user: FakeUser) -> None:
    await user.send("/start")

    assert user.last.text == WELCOME
    assert user.buttons() == ["Ja", "Nej", "Tyst"]
    assert user.last.buttons == [["Ja", "Nej"], ["Tyst"]]
    assert user.last.callback_data == [["yes", "no"], ["silent"]]
    assert [m.text for m in user.new_messages()] == [WELCOME]
    startup = [r.method for r in fake_bot_api.requests[:3]]
    assert startup == ["getMe", "deleteWebhook", "getUpdates"]
    (sent,) = fake_bot_api.calls("sendMessage")
    assert sent.params["chat_id"] == user.id
    assert sent.params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Ja",
        "callback_data": "yes",
    }


async def test_text_is_echoed_and_commands_are_recognised(app: App, user: FakeUser) -> None:
    await user.send("hej där")
    await user.send("/start")  # CommandHandler needs the bot_command entity at offset 0

    assert [m.text for m in user.messages] == ["hej där", WELCOME]
    assert "Alva #1: hej där" in user.transcript()


async def test_stickers_and_photos_reach_the_bot(app: App, user: FakeUser) -> None:
    await user.send_sticker("🙂")
    await user.send_photo(caption="min bild")

    assert [m.text for m in user.messages] == ["sticker 🙂", "photo min bild"]


async def test_click_edits_message(fake_bot_api: FakeBotApi, app: App, user: FakeUser) -> None:
    await user.send("/start")
    await user.click("Ja")

    assert user.alerts == ["Du valde yes"]
    assert len(user.messages) == 1
    assert user.last.text == "Du valde: yes"
    assert user.last.edited
    assert user.last.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert [m.text for m in user.new_messages()] == ["Du valde: yes"]
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_click_reports_visible_buttons(app: App, user: FakeUser) -> None:
    await user.send("/start")

    with pytest.raises(AssertionError, match=r"'Kanske' not found.*\['Ja', 'Nej', 'Tyst'\]"):
        await user.click("Kanske")
    first = user.last.id
    await user.click("Ja")
    with pytest.raises(AssertionError, match="no inline keyboard"):
        await user.click("Nej", message_id=first)  # the keyboard is gone after the edit


async def test_stale_button_is_still_clickable(
    fake_bot_api: FakeBotApi, app: App, user: FakeUser
) -> None:
    await user.send("/start")
    old = user.last.id
    await user.send("/start")
    await user.click("Nej", message_id=old)

    assert user.message(old).text == "Du valde: no"
    assert user.messages[-1].buttons[0] == ["Ja", "Nej"]


async def test_unanswered_callback_is_detected(
    fake_bot_api: FakeBotApi, app: App, user: FakeUser
) -> None:
    await user.send("/start")
    fake_bot_api.expect_replies = False  # the bot does not answer this button on purpose
    await user.click("Tyst")

    (query,) = fake_bot_api.unanswered_callback_queries()
    assert query.data == "silent"
    assert query.chat_id == user.id


async def test_forged_callback_data(fake_bot_api: FakeBotApi, app: App, user: FakeUser) -> None:
    await user.send("/start")
    await user.click_data("x" * 64)

    assert user.last.text == f"Du valde: {'x' * 64}"


async def test_429_is_retried_by_rate_limiter(
    fake_bot_api: FakeBotApi, user: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else RetryAfter() emits a PTBDeprecationWarning
    builder = fake_bot_api.application_builder().rate_limiter(AIORateLimiter(max_retries=2))
    fake_bot_api.fail_next("sendMessage", retry_after=0.2)

    async with running_application(echo_app(fake_bot_api, builder)):
        await user.send("/start")

    assert user.last.text == WELCOME
    assert [r.status for r in fake_bot_api.calls("sendMessage")] == [429, 200]
    assert fake_bot_api.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 0.2",
        "parameters": {"retry_after": 0.2},
    }


async def test_wrong_token_is_rejected_at_initialize(fake_bot_api: FakeBotApi) -> None:
    app = ApplicationBuilder().token("654321:WRONG").base_url(fake_bot_api.base_url).build()

    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.shutdown()  # initialize() opened the HTTP clients before failing

    assert fake_bot_api.requests[-1].status == 401
    assert fake_bot_api.requests[-1].response == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }


async def test_settle_fails_clearly_when_bot_is_not_polling(
    fake_bot_api: FakeBotApi, user: FakeUser
) -> None:
    fake_bot_api.settle_timeout = 0.3

    with pytest.raises(AssertionError, match="never fetched"):
        await user.send("/start")


async def test_stop_releases_a_pending_long_poll() -> None:
    server = FakeBotApi()
    await server.start()
    async with Bot(server.token, base_url=server.base_url) as bare_bot:
        poll = asyncio.create_task(bare_bot.get_updates(timeout=30))
        await asyncio.sleep(0.1)
        started = asyncio.get_running_loop().time()
        await server.stop()
        assert await poll == ()
    assert asyncio.get_running_loop().time() - started < 2


# --- API-level behaviour ------------------------------------------------------------------------


async def test_methods_are_case_insensitive_and_unknown_is_404(fake_bot_api: FakeBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{fake_bot_api.base_url}{fake_bot_api.token}") as http:
        me = (await http.post("/GETME")).json()
        missing = await http.post("/sendTeleportation")

    assert me["result"]["username"] == "bystander_test_bot"
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_get_updates_confirms_with_offset(fake_bot_api: FakeBotApi, bot: Bot) -> None:
    fake_bot_api.enqueue(MINIMAL_MESSAGE)

    first = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    confirmed = await bot.get_updates(offset=first[0].update_id + 1, timeout=0)

    assert [u.update_id for u in again] == [first[0].update_id]
    assert confirmed == ()


async def test_long_poll_returns_when_an_update_arrives(fake_bot_api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    fake_bot_api.enqueue(MINIMAL_MESSAGE)

    updates = await asyncio.wait_for(poll, 1)
    assert len(updates) == 1


async def test_second_poller_terminates_the_first(fake_bot_api: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    # A second Bot: one Bot's getUpdates connection pool holds a single connection.
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as other:
        assert await other.get_updates(timeout=0) == ()

    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 1)


async def test_delete_webhook_can_drop_pending_updates(fake_bot_api: FakeBotApi, bot: Bot) -> None:
    fake_bot_api.enqueue(MINIMAL_MESSAGE)
    assert (await bot.get_webhook_info()).pending_update_count == 1

    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()


async def test_edit_validation(fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(user.id, "hej", reply_markup=keyboard)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("hej", user.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", user.id, 999)
    await bot.edit_message_reply_markup(user.id, sent.message_id)
    assert user.last.buttons == []
    assert await bot.delete_message(user.id, sent.message_id)
    assert user.messages == []


async def test_a_bot_deletes_what_a_user_sent_only_within_48_hours(
    app: App, bot: Bot, user: FakeUser
) -> None:
    await user.send("first")
    await user.send("second")
    first, second = (m.id for m in user.sent)
    assert await bot.delete_message(user.id, first)
    assert [m.text for m in user.sent] == ["second"]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(user.id, first)
    user.let_time_pass(hours=48)
    with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
        await bot.delete_message(user.id, second)
    assert [m.text for m in user.sent] == ["second"]


async def test_text_and_button_limits(bot: Bot, user: FakeUser) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "  \n")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "a" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="å" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "hej", reply_markup=too_long)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(1, "hej")

    await bot.send_message(user.id, "a" * 4096)
    assert len(user.last.text) == 4096


async def test_parse_modes(bot: Bot, user: FakeUser) -> None:
    await bot.send_message(user.id, "<b>Hej</b> &lt;3 <a href='https://x.se'>länk</a>", "HTML")
    assert user.last.text == "Hej <3 länk"
    assert [e["type"] for e in user.last.entities] == ["bold", "text_link"]

    with pytest.raises(BadRequest, match='unsupported start tag "br" at byte offset 3'):
        await bot.send_message(user.id, "rad<br>rad", "HTML")
    with pytest.raises(BadRequest, match="character '!' is reserved"):
        await bot.send_message(user.id, "*Hej*!", "MarkdownV2")

    await bot.send_message(user.id, "*Hej*\\! _du_", "MarkdownV2")
    assert user.last.text == "Hej! du"


async def test_answer_callback_query_only_once(
    fake_bot_api: FakeBotApi, app: App, user: FakeUser
) -> None:
    await user.send("/start")
    fake_bot_api.expect_replies = False  # the bot does not answer this button on purpose
    await user.click("Tyst")
    (query,) = fake_bot_api.unanswered_callback_queries()

    assert await app.bot.answer_callback_query(query.id, "Sparat", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(query.id)
    assert user.alerts == ["Sparat"]


async def test_documents_photos_and_actions(bot: Bot, user: FakeUser) -> None:
    await bot.send_chat_action(user.id, "upload_document")
    await bot.send_document(user.id, b"a;b\n1;2\n", filename="svar.csv", caption="Dina svar")
    await bot.send_photo(user.id, TINY_PNG, caption="Bild")

    document, photo = user.messages
    assert (document.document, document.document_name) == (b"a;b\n1;2\n", "svar.csv")
    assert document.caption == "Dina svar"
    assert (photo.photo, photo.caption) == (TINY_PNG, "Bild")
    assert user.chat_action == "upload_document"


async def test_reply_keyboard(bot: Bot, user: FakeUser) -> None:
    await bot.send_message(user.id, "Välj", reply_markup=ReplyKeyboardMarkup([["A", "B"], ["C"]]))
    assert user.reply_keyboard == [["A", "B"], ["C"]]
    assert user.buttons() == []  # not an inline keyboard

    await bot.send_message(user.id, "Klart", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard is None


async def test_commands_per_language_and_scope(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("start", "Börja")], language_code="sv")

    assert await bot.get_my_commands(language_code="sv") == (BotCommand("start", "Börja"),)
    assert fake_bot_api.my_commands() == [{"command": "start", "description": "Start"}]
    assert user.command_menu() == [("start", "Börja")]
    assert fake_bot_api.user(5, language_code="en").command_menu() == [("start", "Start")]
    await bot.delete_my_commands(language_code="sv")
    assert user.command_menu() == [("start", "Start")]


async def test_server_errors_and_blocking(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    fake_bot_api.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user.id, "hej")
    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hej")
    assert user.messages == []


async def test_delay_times_out_but_message_arrives(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    fake_bot_api.delay_next("sendMessage", 0.3)

    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "sen", read_timeout=0.05)
    await fake_bot_api.settle()

    assert user.last.text == "sen"


async def test_a_held_call_waits_for_release_without_blocking_settling(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    held = fake_bot_api.hold_next("sendMessage")
    sending = asyncio.create_task(bot.send_message(user.id, "väntar"))
    await asyncio.wait_for(held.arrived.wait(), timeout=5)
    await fake_bot_api.settle(timeout=2)  # others may act meanwhile
    assert user.messages == [] and not sending.done()
    held.release()
    await sending
    assert user.last.text == "väntar"


async def test_holding_a_chat_delays_only_that_chat(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    other = fake_bot_api.user(user_id=4343)
    with fake_bot_api.holding(user.id):
        held = asyncio.create_task(bot.send_message(user.id, "sen"))
        await bot.send_message(other.id, "nu")
        assert other.last.text == "nu"
        assert user.messages == [] and not held.done()
    await held
    assert user.last.text == "sen"


async def test_actions_without_waiting_only_queue_updates(bot: Bot, user: FakeUser) -> None:
    await user.send("/start", wait=False)
    await user.send("hej", wait=False)

    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start", "hej"]
