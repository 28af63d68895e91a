"""A staff member's own command menu in their private chat, as bot.services.menus decides."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.services.menus import CommandMenus
from bot.services.player import Person
from bot.storage.errors import StorageError

log = logging.getLogger(__name__)


async def fit_menu(bot: Bot, menus: CommandMenus, person: Person) -> None:
    """Set or reset the person's menu when it no longer fits their roles. Never fails the
    update: a refusal is logged, without ids, and tried again at the next contact."""
    try:
        change = await menus.change(person)
        if change is None:
            return
        scope = BotCommandScopeChat(person.chat_id)
        if change.commands:
            commands = [BotCommand(name, text) for name, text in change.commands]
            await bot.set_my_commands(commands, scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
        await menus.settled(person, change)
    except (TelegramError, StorageError) as error:
        log.warning(
            "command menu not set (%s); tried again at the next contact", type(error).__name__
        )
