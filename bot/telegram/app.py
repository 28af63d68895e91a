"""Builds the python-telegram-bot Application: handlers, ordering, flood limits, commands."""

from __future__ import annotations

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    Update,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    PollHandler,
    TypeHandler,
    filters,
)

from bot.services.presenter import Presenter
from bot.services.routing import Chats, Router
from bot.storage.ports import Coordination
from bot.telegram.handlers import Handlers
from bot.telegram.ordering import PerUserOrder
from bot.telegram.transport import Transports

# Polls and the bot's own membership for group play; never other members' updates.
ALLOWED_UPDATES = ["message", "callback_query", "poll", "my_chat_member"]


def build_application(
    token: str,
    base_url: str,
    handlers: Handlers,
    transports: Transports,
    *,
    webhook: bool = False,
    post_init=None,
    post_shutdown=None,
    coordination: Coordination | None = None,
) -> Application:
    order = PerUserOrder(max_working=64, max_waiting=20, coordination=coordination)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot"))
        .request(transports.general)
        # Flood limits. Answers to a person's own tap go out at once: holding them to a
        # self-imposed 30 messages/s made a class tapping together wait seconds. When
        # Telegram does say 429, every call waits out its retry_after and is retried.
        # Group chats keep the 20/min limit; bulk sends pace themselves (jobs.py).
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        # Each conversation's updates in order; waiting for a turn takes no shared slot,
        # 64 updates are handled at once, and beyond 20 waiting a flood is dropped, before
        # it is even parsed (shedding.py). With several workers, also across processes.
        .concurrent_updates(order)
    )
    if webhook:
        builder = builder.updater(None)  # updates come from bot/http/webhook.py
    else:
        builder = builder.get_updates_request(transports.updates)
        transports.updates.shed = order
    if post_init:
        builder = builder.post_init(post_init)
    if post_shutdown:
        builder = builder.post_shutdown(post_shutdown)
    app = builder.build()
    add_handlers(app, handlers)
    return app


def add_handlers(app: Application, handlers: Handlers) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, handlers.command))
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, handlers.group_command)
    )
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, handlers.anything_else))
    app.add_handler(PollHandler(handlers.poll))
    app.add_handler(ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(TypeHandler(Update, handlers.after_private), group=1)  # after the above
    app.add_error_handler(handlers.on_error)


async def publish_commands(app: Application, router: Router, presenter: Presenter) -> None:
    """Everyone's command menu in private chats, and group play's for group administrators,
    in every language (Swedish also as the default)."""
    menus = (
        (router.menu(frozenset(), Chats.PRIVATE), BotCommandScopeDefault()),
        (router.menu(frozenset(), Chats.GROUP), BotCommandScopeAllChatAdministrators()),
    )
    for commands, scope in menus:
        for language in [None, *presenter.locales.languages]:
            texts = [
                BotCommand(c.name, presenter.t(language or "sv", c.help_key)) for c in commands
            ]
            await app.bot.set_my_commands(texts, scope=scope, language_code=language)
