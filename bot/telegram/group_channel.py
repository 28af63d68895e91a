"""Telegram's side of group play (bot.services.group_play.GroupChannel): posts, native
anonymous polls and closing them, in a group or one topic of a forum group.

Every poll is anonymous: Telegram then tells the bot only its totals, never who voted. Its
results stay hidden until it closes, so nobody votes with the crowd they can see.
Telegram's limit of about 20 messages a minute per group is kept by PTB's rate limiter
(bot/telegram/app.py); group play posts about three messages a step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from telegram import Bot, InputPollOption
from telegram.constants import ParseMode, PollType
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.services.group_play import ChatGone, PollPosted
from bot.services.views import Message
from bot.storage.records import GroupChat
from bot.telegram.handlers import NO_PREVIEW, keyboard

log = logging.getLogger(__name__)


class TelegramGroupChannel:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def post(self, chat: GroupChat, message: Message) -> int:
        with _in_place():
            sent = await self.bot.send_message(
                chat.chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(message.buttons),
                link_preview_options=NO_PREVIEW,
                message_thread_id=chat.thread_id,
            )
        return sent.message_id

    async def post_poll(
        self, chat: GroupChat, question: str, options: Sequence[str], open_seconds: int
    ) -> PollPosted:
        with _in_place():
            sent = await self.bot.send_poll(
                chat.chat_id,
                question,
                [InputPollOption(text) for text in options],
                is_anonymous=True,  # never anything else: votes reach the bot as totals only
                protect_content=True,  # not forwarded to where outsiders could vote
                type=PollType.REGULAR,
                allows_multiple_answers=False,
                hide_results_until_closes=True,  # the room sees the result together
                open_period=open_seconds,
                message_thread_id=chat.thread_id,
            )
        return PollPosted(sent.poll.id, sent.message_id)

    async def stop_poll(self, chat: GroupChat, message_id: int) -> list[int] | None:
        """The poll's final totals, or None when it was closed already (by its time, or by
        a second tap): its closing arrives, or arrived, as a poll update."""
        try:
            with _in_place():
                poll = await self.bot.stop_poll(chat.chat_id, message_id)
        except BadRequest as error:
            log.debug("poll not stopped: %s", error.message)
            return None
        return [option.voter_count for option in poll.options]


@contextmanager
def _in_place() -> Iterator[None]:
    """Telegram's word that the lesson's place is gone – the bot was removed, the group
    became a supergroup, its topic was deleted or closed – as ChatGone: the lesson ends
    rather than staying open with nowhere to post."""
    try:
        yield
    except (Forbidden, ChatMigrated) as error:
        raise ChatGone(error.message) from error
    except BadRequest as error:
        message = error.message.lower()
        if any(sign in message for sign in ("thread not found", "topic_closed", "chat not found")):
            raise ChatGone(error.message) from error
        raise
