"""Telegram handlers: thin adapters from updates to the player service and back.

Nothing here logs or stores ids, names or message text. Every callback query is
answered, also when something fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ContextTypes

from bot.services.entry import Entry
from bot.services.group_play import ChatGone, GroupPlayService
from bot.services.menus import CommandMenus
from bot.services.player import Person
from bot.services.routing import Chats, Router
from bot.services.views import Button, Keyboard, LinkButton, Outcome
from bot.services.views import Message as ViewMessage
from bot.storage.errors import StorageUnavailable
from bot.storage.keys import pseudonym
from bot.storage.records import GroupChat
from bot.telegram.menus import fit_menu
from bot.telegram.ordering import GROUP_CHATS

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RETRY_DELAYS = (0.5, 1.0, 2.0)
LEFT = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
MESSAGE_LIMIT = 4096

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


class Handlers:
    """One line per kind of update: the router and the entry service decide the rest."""

    def __init__(
        self,
        router: Router,
        entry: Entry,
        group_play: GroupPlayService,
        pseudonym_secret: bytes,
        menus: CommandMenus,
    ) -> None:
        self.router = router
        self.entry = entry
        self.group_play = group_play
        self._secret = pseudonym_secret
        self._group_commands = {c.name for c in router.commands if c.chats is Chats.GROUP}
        self.menus = menus

    def person(self, update: Update) -> Person:
        user, chat = update.effective_user, update.effective_chat
        name = pseudonym(self._secret, user.id)
        if chat is None or chat.type not in GROUP_CHATS:
            return Person(name, user.language_code, chat and chat.id)
        message = update.effective_message
        thread = message.message_thread_id if message and message.is_topic_message else None
        as_group = bool(message and message.sender_chat and message.sender_chat.id == chat.id)
        return Person(name, user.language_code, group=GroupChat(chat.id, thread), as_group=as_group)

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name, words = read_command(update.effective_message.text or "")
        outcome = await self.router.command(self.person(update), name, words, Chats.PRIVATE)
        await send(update, outcome)

    async def group_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group: only group play's own are answered; the group's talk and
        other bots' commands are never read (privacy mode lets few through anyway)."""
        name, words = read_command(update.effective_message.text or "", context.bot.username)
        if name not in self._group_commands:
            return
        outcome = await self.router.command(self.person(update), name, words, Chats.GROUP)
        await send(update, outcome)

    async def poll(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An anonymous poll's totals changed; once it is closed, group play goes on."""
        poll = update.poll
        if poll.is_closed:
            await self.group_play.poll_closed(poll.id, [o.voter_count for o in poll.options])

    async def membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to a group or removed from one."""
        change = update.my_chat_member
        if change.chat.type not in GROUP_CHATS:
            return  # a person blocked or unblocked the bot: nothing to do
        was_in = change.old_chat_member.status not in LEFT
        is_in = change.new_chat_member.status not in LEFT
        if is_in and not was_in:
            language = change.from_user.language_code if change.from_user else None
            await self.group_play.bot_added(GroupChat(change.chat.id), language)
        elif was_in and not is_in:
            await self.group_play.bot_removed(change.chat.id)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        answered = False
        try:
            chats = Chats.GROUP if update.effective_chat.type in GROUP_CHATS else Chats.PRIVATE
            outcome = await self.router.press(self.person(update), query.data, chats)
            if chats is Chats.PRIVATE:  # a person's own message, in their chat with the bot
                outcome = await _erase(update, outcome)
            await query.answer(outcome.notice)
            answered = True
            message = query.message if isinstance(query.message, Message) else None
            outcome = await _update_tapped(message, outcome)
            await send(update, outcome)
        finally:
            if not answered:
                await query.answer()

    async def anything_else(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text, stickers, photos…: the entry service answers; nothing is kept."""
        message = update.effective_message
        text, typed = (message.text, message.message_id) if message else (None, None)
        await send(update, await self.entry.typed(self.person(update), text, typed))

    async def after_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """After each update in a private chat: the person's command menu fits their roles."""
        if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            await fit_menu(context.bot, self.menus, self.person(update))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if isinstance(error, ChatGone):
            log.info("a group removed the bot; its lessons ended")
            return
        if isinstance(error, StorageUnavailable):
            log.error("storage unavailable: %s", error)
            key = "error.storage"
        else:
            log.error("unhandled %s", type(error).__name__, exc_info=error)
            key = "error.general"
        if isinstance(update, Update) and update.effective_chat and update.effective_user:
            presenter = self.entry.young.account.presenter
            text = presenter.t(presenter.locales.pick(update.effective_user.language_code), key)
            try:
                await update.effective_chat.send_message(text, message_thread_id=_topic(update))
            except Exception as failure:
                log.warning("could not tell the user about the error: %s", type(failure).__name__)


async def _erase(update: Update, outcome: Outcome) -> Outcome:
    """Delete the person's own message if the outcome asks (bots may, in a private chat, for
    48 hours); when Telegram refuses – too old, already deleted – show the kind fallback."""
    erase = outcome.erase
    if erase is None:
        return outcome
    try:
        await with_retries(lambda: update.effective_chat.delete_message(erase.message_id))
    except BadRequest as error:
        log.debug("typed message not deleted: %s", error.message)  # never the id
        return replace(outcome, messages=[erase.failed])
    return outcome


async def _update_tapped(message: Message | None, outcome: Outcome) -> Outcome:
    """Change the tapped message as the outcome asks; returns what is still to be sent.

    Closing a question whose answer comes next without buttons (feedback, a confirmation)
    appends that answer to the question in one edit: the chat reads as question and answer
    together, and it costs one message fewer under Telegram's 30 messages/s.
    """
    first = outcome.messages[0] if outcome.messages else None
    if message is None or first is None or first.photo or first.document:
        if message is not None and outcome.close_buttons:
            await _remove_buttons(message)
        return outcome
    if outcome.edit:
        await _edit(message, first)
        return replace(outcome, messages=outcome.messages[1:])
    if not outcome.close_buttons:
        return outcome
    merged = f"{message.text_html}\n\n{first.text}" if message.text else ""
    if first.buttons or not merged or len(merged) > MESSAGE_LIMIT:
        await _remove_buttons(message)
        return outcome
    await _edit(message, ViewMessage(merged))
    return replace(outcome, messages=outcome.messages[1:])


async def _remove_buttons(message: Message) -> None:
    if message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except BadRequest as error:
        # Already gone (a second tap raced the first) or too old to edit: nothing to do.
        log.debug("buttons not removed: %s", error.message)


async def _edit(message: Message, view: ViewMessage) -> None:
    try:
        await message.edit_text(
            view.text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(view.buttons),
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        # A refresh that found nothing new: Telegram refuses an identical edit.
        log.debug("message not edited: %s", error.message)


async def send(update: Update, outcome: Outcome) -> None:
    chat, topic = update.effective_chat, _topic(update)
    for message in outcome.messages:
        if message.document is not None:
            name, content = message.document
            call = lambda message=message, name=name, content=content: chat.send_document(  # noqa: E731
                InputFile(content, filename=name),
                caption=message.text,
                parse_mode=ParseMode.HTML,
                message_thread_id=topic,
            )
        elif message.photo is not None:
            call = lambda message=message: chat.send_photo(  # noqa: E731
                message.photo,
                caption=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons),
                message_thread_id=topic,
            )
        else:
            call = lambda message=message: chat.send_message(  # noqa: E731
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons),
                link_preview_options=NO_PREVIEW,
                message_thread_id=topic,
            )
        await with_retries(call)


def _topic(update: Update) -> int | None:
    """In a forum group, answers go to the topic they were asked in."""
    asked = update.effective_message
    return asked.message_thread_id if asked is not None and asked.is_topic_message else None


async def with_retries(call: Callable[[], Awaitable[object]]) -> None:
    """Retry Telegram's passing failures (5xx, network); 429 is the rate limiter's job.

    The state was saved before sending, so a message that still fails is not lost:
    /resume shows it again.
    """
    for delay in RETRY_DELAYS:
        try:
            await call()
            return
        except (BadRequest, Forbidden, RetryAfter, InvalidToken):
            raise
        except TimedOut:
            # It may well have arrived: resending could show it twice. The state is
            # saved, so if it did not arrive, /resume shows it again.
            log.warning("Telegram call timed out; not resending")
            return
        except NetworkError as error:
            log.warning("Telegram call failed (%s); retrying in %.1f s", error.message, delay)
            await asyncio.sleep(delay)
    await call()


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[_inline_button(b) for b in row] for row in buttons])


def _inline_button(button: Button | LinkButton) -> InlineKeyboardButton:
    if isinstance(button, Button):
        return InlineKeyboardButton(button.label, callback_data=button.action.encode())
    if button.mini_app:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.url))
    return InlineKeyboardButton(button.label, url=button.url)


def read_command(text: str, bot_username: str | None = None) -> tuple[str, list[str]]:
    """`/newclass@bot 8B Tumba` → ("newclass", ["8B", "Tumba"]). The filter let only
    commands through, so the first word starts with a slash. A command addressed to
    another bot (`/lesson@otherbot`) reads as no command ("")."""
    first, *words = text.split()
    name, _, addressee = first[1:].partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return "", words
    return name.lower(), words
