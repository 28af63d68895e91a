"""Which command menu a person's private chat shows: everyone's (published at start-up),
or for staff their own, with everyone's commands and those of their roles
(`Router.menu`).

The menu set in a chat is stored (`MenuStore.set_menu`), so one read at each contact tells
whether it still fits the person's roles: it is set when a role is redeemed, reset at the
next contact after a role is revoked (the bot does not know the chat of someone an admin
revoked), and left alone across restarts. The channel sets it (bot.telegram.menus).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.catalog import Catalog
from bot.services.routing import Audience, Chats, Router
from bot.services.staff import StaffDesk, StaffSettings
from bot.storage.ports import StaffStore


@dataclass(frozen=True)
class MenuChange:
    commands: list[tuple[str, str]]  # (name, description); empty: back to everyone's menu
    stored: str  # how it is remembered: the command names, '' for everyone's menu


class CommandMenus(StaffDesk):
    def __init__(
        self, catalog: Catalog, classes: StaffStore, settings: StaffSettings, router: Router
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.router = router

    async def change(self, person) -> MenuChange | None:
        """The menu the person's chat should show now, or None when the one set fits."""
        stored, roles = await self.classes.menu_and_roles(person.pseudonym)
        if person.pseudonym in self.settings.admins:
            roles.add(Audience.ADMIN.value)
        menu = self.router.menu(frozenset(roles), Chats.PRIVATE) if roles else []
        # The names, not the roles: a new version's staff commands reach the menus too.
        wanted = " ".join(spec.name for spec in menu)
        if wanted == (stored or ""):
            return None
        language = await self._language(person)
        return MenuChange([(spec.name, self.t(language, spec.help_key)) for spec in menu], wanted)

    async def settled(self, person, change: MenuChange) -> None:
        """The channel set the change: remember it (or that there is nothing to remember)."""
        if change.stored:
            await self.classes.set_menu(person.pseudonym, change.stored)
        else:
            await self.classes.forget_menu(person.pseudonym)
