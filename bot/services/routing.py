"""One router for every button and command, declared next to the use case it calls.

A use case is marked once: `@button("cv")` gives it a button kind, `@command("class", …)`
makes it a command with its audience, the chats it works in and whether it is in the menu.
Buttons are made from the use case itself (`action(self.class_view, class_id)`), so a
kind is written in one place only. `Router` collects the marks of the services it is given
and refuses two use cases with the same kind or command name when the bot starts.

Commands are checked against their audience here, once: anyone without the role gets the
answer to an unknown command, so a staff command reveals nothing to a curious student.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from bot.engine.callback_data import Action, decode

log = logging.getLogger(__name__)


class Audience(StrEnum):
    """Who may use a command. The staff roles are the stored role names."""

    EVERYONE = "everyone"
    ADMIN = "admin"
    YOUTH_WORKER = "youth_worker"
    EVALUATOR = "evaluator"
    MENTOR = "mentor"
    RESEARCHER = "researcher"


class Chats(StrEnum):
    """Where a command works: the person's private chat with the bot, or a group."""

    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    audience: tuple[Audience, ...]
    chats: Chats
    menu: int | None  # the place in Telegram's command menu; None: not listed

    @property
    def help_key(self) -> str:
        """The locale key of the command's one-line description (menu and /help)."""
        return (
            f"command.{self.name}" if self.chats is Chats.PRIVATE else f"command.group.{self.name}"
        )

    def allows(self, roles: frozenset[str]) -> bool:
        return Audience.EVERYONE in self.audience or any(a in roles for a in self.audience)


_BUTTON, _COMMAND = "__button_kind__", "__command__"


def button(kind: str, chats: Chats = Chats.PRIVATE) -> Callable[[Callable], Callable]:
    """Mark a use case as what a button of `kind` does; its arguments are the button's ids.
    A button works only in its kind of chat: a forged private-chat button pressed in a
    group (or the reverse) is an old button."""

    def mark(use_case: Callable) -> Callable:
        setattr(use_case, _BUTTON, (kind, chats))
        return use_case

    return mark


def command(
    name: str,
    *audience: Audience,
    chats: Chats = Chats.PRIVATE,
    menu: int | None = None,
) -> Callable[[Callable], Callable]:
    """Mark a use case as a command. It takes the person, and the words after the command
    when it has a second parameter (`/newclass 8B Tumba`). `menu` is its place in the
    command menu of its audience."""
    spec = CommandSpec(name, audience or (Audience.EVERYONE,), chats, menu)

    def mark(use_case: Callable) -> Callable:
        setattr(use_case, _COMMAND, spec)
        return use_case

    return mark


def action(use_case: Callable, *args: str) -> Action:
    """The button data that calls `use_case` with `args` when tapped."""
    marked = getattr(use_case, _BUTTON, None)
    if marked is None:
        raise TypeError(f"{use_case.__qualname__} is not marked as a button")
    return Action(marked[0], args)


class RouteCollision(ValueError):
    """Two use cases claim one button kind or command name: refused when the bot starts."""


UseCase = Callable[..., Awaitable[Any]]
RolesOf = Callable[[Any], Awaitable[frozenset[str]]]


class Fallbacks(Protocol):
    async def unknown_command(self, person: Any) -> Any: ...
    async def old_button(self, person: Any) -> Any: ...


@dataclass(frozen=True)
class _ButtonRoute:
    use_case: UseCase
    arity: int
    chats: Chats


@dataclass(frozen=True)
class _CommandRoute:
    spec: CommandSpec
    use_case: UseCase
    takes_words: bool


class Router:
    def __init__(self, services: Iterable[object], roles_of: RolesOf, fallbacks: Fallbacks) -> None:
        self._roles_of = roles_of
        self._fallbacks = fallbacks
        self._buttons: dict[str, _ButtonRoute] = {}
        self._commands: dict[tuple[str, Chats], _CommandRoute] = {}
        for service in services:
            for _, use_case in inspect.getmembers(service, inspect.ismethod):
                self._add(use_case)

    def _add(self, use_case: UseCase) -> None:
        parameters = _required_arguments(use_case) - 1  # after the person
        marked = getattr(use_case, _BUTTON, None)
        if marked is not None:
            kind, chats = marked
            if kind in self._buttons:
                raise RouteCollision(f"button kind {kind!r} is claimed twice")
            self._buttons[kind] = _ButtonRoute(use_case, parameters, chats)
        spec = getattr(use_case, _COMMAND, None)
        if spec is not None:
            if (spec.name, spec.chats) in self._commands:
                raise RouteCollision(f"command /{spec.name} is claimed twice in {spec.chats} chats")
            self._commands[spec.name, spec.chats] = _CommandRoute(spec, use_case, parameters >= 1)

    @property
    def commands(self) -> list[CommandSpec]:
        return [route.spec for route in self._commands.values()]

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._buttons)

    async def roles_of(self, person: Any) -> frozenset[str]:
        return await self._roles_of(person)

    def menu(self, roles: frozenset[str], chats: Chats) -> list[CommandSpec]:
        """The commands a person with `roles` sees in the menu of that kind of chat."""
        listed = [
            spec
            for spec in self.commands
            if spec.menu is not None and spec.chats is chats and spec.allows(roles)
        ]
        return sorted(listed, key=lambda spec: spec.menu)

    async def press(self, person: Any, data: str | None, chats: Chats = Chats.PRIVATE) -> Any:
        """Route a tapped button; anything unknown, malformed or pressed in the wrong kind
        of chat gets the kind notice."""
        action = decode(data)
        route = self._buttons.get(action.kind) if action else None
        if route is None or route.arity != len(action.args) or route.chats is not chats:
            return await self._fallbacks.old_button(person)
        return await route.use_case(person, *action.args)

    async def command(self, person: Any, name: str, words: list[str], chats: Chats) -> Any:
        """Run a command for someone allowed to; everyone else is answered as for an
        unknown command, so the command's existence is not revealed."""
        route = self._commands.get((name.lower(), chats))
        if route is None:
            return await self._fallbacks.unknown_command(person)
        restricted = Audience.EVERYONE not in route.spec.audience
        if restricted and not route.spec.allows(await self._roles_of(person)):
            return await self._fallbacks.unknown_command(person)
        if route.takes_words:
            return await route.use_case(person, words)
        return await route.use_case(person)


def _required_arguments(use_case: UseCase) -> int:
    """Positional parameters without a default: what a button or command passes."""
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(
        1
        for p in inspect.signature(use_case).parameters.values()
        if p.kind in positional and p.default is p.empty
    )
