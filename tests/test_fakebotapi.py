"""Self-tests of the fake Bot API, driving a real PTB Application over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fakebotapi import TINY_PNG, FakeBotApi, FakeGroup, FakeUser, running_application
from fakebotapi.fixtures import fake_bot_api
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
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


# --- groups, forums and native polls ------------------------------------------------------------

QUESTION = "Vad gör du?"
ANSWERS = ["Säger ifrån", "Hämtar hjälp", "Gör inget"]
DONE = InlineKeyboardMarkup([[InlineKeyboardButton("Klar", callback_data="done")]])


async def lesson(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message
    await update.effective_message.reply_poll(QUESTION, ANSWERS, open_period=600, reply_markup=DONE)


async def who_am_i(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message and message.from_user and message.sender_chat
    await message.reply_text(f"{message.from_user.username} för {message.sender_chat.title}")


def note(context: ContextTypes.DEFAULT_TYPE, kind: str, item: object) -> None:
    context.bot_data.setdefault(kind, []).append(item)


async def hear(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message
    note(context, "heard", update.effective_message.text or "<service>")


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.poll
    note(context, "polls", ([o.voter_count for o in update.poll.options], update.poll.is_closed))


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.poll_answer
    note(context, "answers", update.poll_answer.option_ids)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    assert change
    statuses = (change.old_chat_member.status, change.new_chat_member.status)
    note(context, "membership", (*statuses, change.from_user.first_name))


async def thank(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query and query.message
    await query.answer(f"Tack {query.from_user.first_name}")
    note(context, "clicks", (query.message.chat.id, query.from_user.first_name))


def group_app(server: FakeBotApi) -> App:
    app = server.application_builder().build()
    app.add_handler(MessageHandler(filters.ALL, hear), group=-1)  # everything the bot gets
    app.add_handler(CommandHandler("lesson", lesson))
    app.add_handler(CommandHandler("whoami", who_am_i))
    app.add_handler(PollHandler(on_poll))
    app.add_handler(PollAnswerHandler(on_poll_answer))
    app.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(thank))
    return app


@pytest_asyncio.fixture
async def group_bot(fake_bot_api: FakeBotApi) -> AsyncIterator[App]:
    async with running_application(group_app(fake_bot_api)) as running:
        yield running


@pytest.fixture
def bo(fake_bot_api: FakeBotApi) -> FakeUser:
    return fake_bot_api.user(user_id=5151, first_name="Bo", language_code="en")


@pytest.fixture
def klass(fake_bot_api: FakeBotApi, user: FakeUser, bo: FakeUser) -> FakeGroup:
    """Supergroup 8B: Alva created it, Bo is a member."""
    return fake_bot_api.group("8B", [user, bo], supergroup=True)


async def test_adding_and_removing_the_bot_tells_it_and_then_refuses_it(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, bo: FakeUser, klass: FakeGroup
) -> None:
    basic = fake_bot_api.group("Fritids", [bo])
    assert str(klass.id).startswith("-100") and -(10**10) < basic.id < 0
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await group_bot.bot.send_message(klass.id, "hej")

    await klass.add_bot(by=user)
    await basic.add_bot(by=bo)
    await group_bot.bot.send_message(klass.id, "Hej klassen")
    await klass.remove_bot(by=bo)
    await basic.remove_bot(by=bo)

    assert group_bot.bot_data["membership"] == [
        ("left", "member", "Alva"),
        ("left", "member", "Bo"),
        ("member", "kicked", "Bo"),
        ("member", "left", "Bo"),
    ]
    assert group_bot.bot_data["heard"] == ["<service>", "<service>"]  # "Alva added the bot"
    assert [m.text for m in klass.bot_messages] == ["Hej klassen"] and klass.sent_count == 1
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await group_bot.bot.send_message(klass.id, "hej")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await group_bot.bot.send_poll(basic.id, QUESTION, ANSWERS)
    with pytest.raises(Forbidden, match="bot was kicked"):
        await group_bot.bot.edit_message_text("x", klass.id, klass.last.id)
    assert klass.sent_count == 1


async def test_privacy_mode_lets_only_commands_and_replies_through_until_admin(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, bo: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user)
    await user.send_in(klass, "/lesson")
    await bo.send_in(klass, "/lesson@other_bot")
    await bo.send_in(klass, "/lesson@Bystander_Test_Bot")
    await bo.send_in(klass, "vad tycker ni?")
    await bo.send_in(klass, "svar till boten", reply_to=klass.last.id)
    await klass.make_bot_admin()
    await bo.send_in(klass, "nu hör boten allt")

    heard = group_bot.bot_data["heard"][1:]  # after "added the bot"
    assert heard == [
        "/lesson",
        "/lesson@Bystander_Test_Bot",
        "svar till boten",
        "nu hör boten allt",
    ]
    assert len(klass.polls) == 2, "both commands meant for this bot were answered"
    assert [m.sender for m in klass.messages][:3] == ["Alva", "bot", "Bo"]
    assert group_bot.bot_data["membership"][-1] == ("member", "administrator", "Alva")


async def test_an_anonymous_admin_posts_as_the_group(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user)
    await klass.send_as_anonymous_admin("/whoami")

    assert klass.last.text == "GroupAnonymousBot för 8B"
    assert "8B (anonymous admin) #" in klass.transcript()


async def test_forum_topics_keep_the_bots_answers_in_their_topic(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, bo: FakeUser
) -> None:
    forum = fake_bot_api.group("Mentorer", [user, bo], forum=True)
    await forum.add_bot(by=user)
    topic = await forum.topic("Lektion")
    await user.send_in(forum, "/lesson", thread_id=topic)

    assert forum.topics == {topic: "Lektion"}
    assert [m.sender for m in forum.messages_in(topic)] == ["Alva", "bot"]
    assert forum.messages_in(topic)[-1].poll is not None
    assert forum.messages_in(None) == []
    (sent,) = fake_bot_api.calls("sendPoll")
    assert sent.params["message_thread_id"] == topic
    with pytest.raises(BadRequest, match="Message thread not found"):
        await group_bot.bot.send_message(forum.id, "vilse", message_thread_id=topic + 100)
    assert f"[topic {topic}]" in forum.transcript()
    assert "[creates topic 'Lektion']" in forum.transcript()


async def test_a_button_under_a_group_message_answers_the_person_who_pressed_it(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, bo: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user)
    await user.send_in(klass, "/lesson")
    await bo.click_in(klass, "Klar")

    assert group_bot.bot_data["clicks"] == [(klass.id, "Bo")]
    assert (bo.alerts, user.alerts) == (["Tack Bo"], [])
    assert "(toast to Bo: Tack Bo)" in klass.transcript()
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_an_anonymous_poll_reports_counts_only_and_closes_once(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, bo: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user)
    await user.send_in(klass, "/lesson")
    poll_message = klass.last.id
    await klass.vote(user, 0)
    await klass.vote(bo, 1)
    await klass.retract(bo)
    await klass.vote(bo, 2)
    with pytest.raises(AssertionError, match="Bo already voted"):
        await klass.vote(bo, 1)

    final = await group_bot.bot.stop_poll(klass.id, poll_message)
    await fake_bot_api.settle()

    assert (final.is_closed, [o.voter_count for o in final.options]) == (True, [1, 0, 1])
    assert group_bot.bot_data["polls"] == [
        ([1, 0, 0], False),
        ([1, 1, 0], False),
        ([1, 0, 0], False),
        ([1, 0, 1], False),
        ([1, 0, 1], True),
    ]
    assert "answers" not in group_bot.bot_data, "an anonymous poll never names a voter"
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await group_bot.bot.stop_poll(klass.id, poll_message)
    with pytest.raises(BadRequest, match="Message is not a poll"):
        await group_bot.bot.stop_poll(klass.id, poll_message - 1)  # Alva's /lesson
    with pytest.raises(BadRequest, match="Message with poll to stop not found"):
        await group_bot.bot.stop_poll(klass.id, 999)
    with pytest.raises(AssertionError, match="is closed"):
        await klass.vote(user, 1)
    (poll,) = fake_bot_api.polls()
    assert (poll.is_anonymous, poll.is_closed, poll.counts, poll.open_period) == (
        True,
        True,
        [1, 0, 1],
        600,
    )
    assert klass.last.buttons == [], "stopPoll without reply_markup drops the keyboard"
    transcript = klass.transcript()
    assert "[regular poll, anonymous, closed, 2 voted] Vad gör du?" in transcript
    assert "(1) Säger ifrån\n    (0) Hämtar hjälp" in transcript


async def test_a_poll_closes_itself_when_its_open_period_runs_out(
    fake_bot_api: FakeBotApi, group_bot: App, user: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user)
    await user.send_in(klass, "/lesson")
    klass.let_time_pass(seconds=590)
    await fake_bot_api.expire_polls()
    assert not klass.last_poll.is_closed

    klass.let_time_pass(seconds=10)
    await fake_bot_api.expire_polls()

    assert klass.last_poll.is_closed
    assert group_bot.bot_data["polls"] == [([0, 0, 0], True)]


async def test_poll_and_membership_updates_need_allowed_updates(
    fake_bot_api: FakeBotApi, user: FakeUser, klass: FakeGroup
) -> None:
    app = group_app(fake_bot_api)
    async with running_application(app, allowed_updates=["message"]):
        await klass.add_bot(by=user)
        await user.send_in(klass, "/lesson")
        await klass.vote(user, 1)

    assert klass.last_poll.counts == [0, 1, 0]
    assert "membership" not in app.bot_data and "polls" not in app.bot_data


async def test_a_non_anonymous_poll_names_the_voter(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser, bo: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user, wait=False)
    await bot.send_poll(klass.id, QUESTION, ANSWERS, is_anonymous=False)
    await klass.vote(bo, 2, wait=False)

    updates = await bot.get_updates(timeout=0)
    (answer,) = [u.poll_answer for u in updates if u.poll_answer]
    assert answer.user and (answer.user.first_name, answer.option_ids) == ("Bo", (2,))
    assert [u.poll.total_voter_count for u in updates if u.poll] == [1]
    await klass.retract(bo, wait=False)
    only_polls = await bot.get_updates(
        offset=updates[-1].update_id + 1, timeout=0, allowed_updates=["poll"]
    )
    assert [u.poll.total_voter_count for u in only_polls if u.poll] == [0]
    assert len(only_polls) == 1, "the retraction's poll_answer is left out"
    assert [p.is_anonymous for p in fake_bot_api.polls()] == [False]


async def test_send_poll_is_validated_as_telegram_does(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser
) -> None:
    refusals = {
        "Text must be non-empty": {"question": " ", "options": ["A"]},
        "Poll question length must not exceed 300": {"question": "?" * 301, "options": ["A"]},
        "Poll must have at least one answer option": {"question": "Q", "options": []},
        "Poll can't have more than 12 options": {"question": "Q", "options": ["A"] * 13},
        "Poll options length must not exceed 100": {"question": "Q", "options": ["A" * 101]},
        "Wrong open period": {"question": "Q", "options": ["A"], "open_period": 4},
    }
    for error, fields in refusals.items():
        with pytest.raises(BadRequest, match=error):
            await bot.send_poll(user.id, **fields)

    twelve = await bot.send_poll(user.id, "Q" * 300, [InputPollOption("A" * 100)] * 12)
    assert twelve.poll and len(twelve.poll.options) == 12 and twelve.poll.is_anonymous
    async with httpx.AsyncClient(base_url=f"{fake_bot_api.base_url}{fake_bot_api.token}") as http:
        plain = {"chat_id": user.id, "question": "Q", "options": ["Ja", "Nej"], "type": "quiz"}
        quiz = (await http.post("/sendPoll", json=plain | {"correct_option_ids": [1]})).json()
        no_answer = (await http.post("/sendPoll", json=plain)).json()
    assert [o["text"] for o in quiz["result"]["poll"]["options"]] == ["Ja", "Nej"]
    assert no_answer["ok"] is False
    assert len(fake_bot_api.polls()) == 2


async def test_a_group_refuses_the_21st_message_in_a_minute_when_asked(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser, klass: FakeGroup
) -> None:
    await klass.add_bot(by=user, wait=False)
    klass.enforce_rate_limit = True
    for number in range(20):
        await bot.send_message(klass.id, f"steg {number}")

    with pytest.raises(RetryAfter):
        await bot.send_poll(klass.id, QUESTION, ANSWERS)
    refused = fake_bot_api.calls("sendPoll")[-1].response
    assert refused and 0 < refused["parameters"]["retry_after"] <= 60
    assert klass.sent_count == 20 and klass.polls == []
    klass.let_time_pass(seconds=60)
    await bot.send_poll(klass.id, QUESTION, ANSWERS)
    assert klass.sent_count == 21


async def test_command_menus_follow_telegrams_scope_order(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser, bo: FakeUser
) -> None:
    carl = fake_bot_api.user(user_id=6161, first_name="Carl", language_code="sv")
    klass = fake_bot_api.group("8B", [user, bo, carl], admins=[bo])
    await klass.add_bot(by=user, wait=False)

    async def menu(name: str, scope: Any = None, language: str | None = None) -> None:
        await bot.set_my_commands([BotCommand(name, name)], scope=scope, language_code=language)

    def shown(person: FakeUser) -> str:
        (command,) = klass.command_menu(person)
        return command[0]

    await menu("default")
    assert (shown(carl), user.command_menu()) == ("default", [("default", "default")])
    await menu("private", BotCommandScopeAllPrivateChats())
    await menu("groups", BotCommandScopeAllGroupChats())
    assert (user.command_menu(), shown(carl)) == ([("private", "private")], "groups")
    await menu("admins", BotCommandScopeAllChatAdministrators())
    assert (shown(bo), shown(user), shown(carl)) == ("admins", "admins", "groups")
    await menu("this_group", BotCommandScopeChat(klass.id))
    assert (shown(bo), shown(carl)) == ("this_group", "this_group")
    await menu("class_admins", BotCommandScopeChatAdministrators(klass.id))
    await menu("for_carl", BotCommandScopeChatMember(klass.id, carl.id))
    await menu("carl_sv", BotCommandScopeChatMember(klass.id, carl.id), "sv")
    assert (shown(bo), shown(carl)) == ("class_admins", "carl_sv")
    await menu("mine", BotCommandScopeChat(user.id))
    assert user.command_menu() == [("mine", "mine")]

    scope = BotCommandScopeChatAdministrators(klass.id)
    assert await bot.get_my_commands(scope=scope) == (BotCommand("class_admins", "class_admins"),)
    await bot.delete_my_commands(scope=scope)
    assert shown(bo) == "this_group"
    with pytest.raises(BadRequest, match="Chat not found"):
        await menu("nowhere", BotCommandScopeChat(-1))
    with pytest.raises(BadRequest, match="User not found"):
        await menu("stranger", BotCommandScopeChatMember(klass.id, 4))


async def test_the_bot_can_look_up_who_is_an_administrator(
    fake_bot_api: FakeBotApi, bot: Bot, user: FakeUser, bo: FakeUser
) -> None:
    carl = fake_bot_api.user(user_id=6161, first_name="Carl")
    klass = fake_bot_api.group("8B", [user, bo, carl], admins=[bo])
    await klass.add_bot(by=user, wait=False)
    await klass.make_bot_admin(wait=False)

    statuses = [(await bot.get_chat_member(klass.id, p.id)).status for p in (user, bo, carl)]
    assert statuses == ["creator", "administrator", "member"]
    assert (await bot.get_chat_member(klass.id, bot.id)).status == "administrator"
    admins = await bot.get_chat_administrators(klass.id)
    assert [a.user.first_name for a in admins] == ["Alva", "Bo", "Bystander Test"]
