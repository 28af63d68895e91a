"""The one router: every button kind and command declared once, checked at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.config import load_config
from bot.content.catalog import Catalog
from bot.services.routing import Audience, Chats, RouteCollision, Router, action, button, command


class Fallbacks:
    async def unknown_command(self, person: str) -> str:
        return "unknown"

    async def old_button(self, person: str) -> str:
        return "old"


class Classes:
    @command("class", Audience.YOUTH_WORKER, menu=2)
    async def my_classes(self, person: str) -> str:
        return f"classes of {person}"

    @button("cv")
    async def class_view(self, person: str, class_id: str) -> str:
        return f"class {class_id}"

    @command("newclass", Audience.YOUTH_WORKER)
    async def new_class(self, person: str, words: list[str]) -> str:
        return " ".join(words)


class Play:
    @command("scenarios", menu=1)
    @button("menu")
    async def menu(self, person: str, *, greeting: bool = False) -> str:
        return "menu"


def roles(**by_person: set[str]):
    async def roles_of(person: str) -> frozenset[str]:
        return frozenset(by_person.get(person, set()))

    return roles_of


def router(*services: object, **by_person: set[str]) -> Router:
    return Router(services or (Classes(), Play()), roles(**by_person), Fallbacks())


async def test_a_button_calls_its_use_case_with_its_ids() -> None:
    assert await router().press("p", action(Classes().class_view, "7").encode()) == "class 7"
    assert await router().press("p", "menu") == "menu"  # keyword-only options are not ids


@pytest.mark.parametrize("data", [None, "", "cv", "cv:1:2", "zz:1", "cv:ä", "x" * 65])
async def test_old_forged_or_malformed_buttons_get_the_kind_notice(data: str | None) -> None:
    assert await router().press("p", data) == "old"


async def test_a_staff_command_looks_unknown_to_everyone_without_the_role() -> None:
    routed = router(worker={Audience.YOUTH_WORKER.value})
    assert await routed.command("worker", "class", [], Chats.PRIVATE) == "classes of worker"
    assert await routed.command("student", "class", [], Chats.PRIVATE) == "unknown"
    assert await routed.command("worker", "newclass", ["8B", "Tumba"], Chats.PRIVATE) == "8B Tumba"
    assert await routed.command("worker", "nope", [], Chats.PRIVATE) == "unknown"
    assert await routed.command("worker", "class", [], Chats.GROUP) == "unknown"


def test_each_audience_sees_its_own_menu_in_order() -> None:
    routed = router()
    assert [c.name for c in routed.menu(frozenset(), Chats.PRIVATE)] == ["scenarios"]
    worker = frozenset({Audience.YOUTH_WORKER.value})
    assert [c.name for c in routed.menu(worker, Chats.PRIVATE)] == ["scenarios", "class"]


def test_two_use_cases_claiming_one_kind_or_command_are_refused() -> None:
    class Another:
        @button("cv")
        async def elsewhere(self, person: str, class_id: str) -> str:
            return ""

    class Again:
        @command("scenarios")
        async def again(self, person: str) -> str:
            return ""

    with pytest.raises(RouteCollision, match="'cv'"):
        router(Classes(), Another())
    with pytest.raises(RouteCollision, match="/scenarios"):
        router(Play(), Again())


def test_a_plain_method_cannot_make_a_button() -> None:
    with pytest.raises(TypeError):
        action(Fallbacks().old_button)


def test_the_bot_wires_every_command_with_its_texts(
    tmp_path: Path, shipped_catalog: Catalog
) -> None:
    """The real wiring starts (no collisions), and each command's menu text exists in every
    complete language."""
    env = {"TELEGRAM_BOT_TOKEN": "1:wiring", "BYSTANDER_DATA_DIR": str(tmp_path / "data"),
           "BYSTANDER_KEY_DIR": str(tmp_path / "keys")}  # fmt: skip
    commands = build_services(load_config(env)).router.commands
    assert {"start", "help", "scenarios", "class", "report", "invite"} <= {c.name for c in commands}
    for language in ("sv", "en"):
        strings = shipped_catalog.locales.strings[language]
        assert [c.help_key for c in commands if c.help_key not in strings] == []
