"""A half-done interface translation: the bot starts, and shows English for what is missing."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from botharness import BotFactory
from fakebotapi import FakeBotApi

from bot.cli.main import main
from bot.config import content_dirs


def fill(text: str, key: str, translation: str) -> str:
    start = text.index(f"\n  {key}:\n")
    empty = text.index("text: ''", start)
    return text[:empty] + f"text: {translation}" + text[empty + len("text: ''") :]


@pytest.fixture
def finnish_in_progress(
    tmp_path: Path, bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shipped content plus a Finnish scaffold with one interface text translated."""
    for name, shipped in zip(("scenarios", "locales"), content_dirs({}), strict=True):
        shutil.copytree(shipped, tmp_path / name)
        variable = f"BYSTANDER_{name.upper()}"
        monkeypatch.setenv(variable, str(tmp_path / name))
        bot_env[variable] = str(tmp_path / name)
    assert main(["translate", "--lang", "fi"]) == 0
    path = tmp_path / "locales" / "fi.yaml"
    text = fill(path.read_text(encoding="utf-8"), "age.16_17", "16–17 vuotta")
    path.write_text(text.replace("language_name: ''", "language_name: Suomi"), encoding="utf-8")


async def test_a_partial_language_starts_the_bot_and_falls_back_to_english(
    finnish_in_progress, bot_factory: BotFactory, fake_bot_api: FakeBotApi, caplog
) -> None:
    with caplog.at_level(logging.WARNING, logger="bystander"):
        async with bot_factory():
            user = fake_bot_api.user(language_code="fi")
            await user.send("/start")
            assert "active bystander" in user.last.text, "the untranslated welcome, in English"
            assert "16–17 vuotta" in user.buttons() and "15 or younger" in user.buttons()
            await user.send("/language")
            assert "Suomi" in user.buttons()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("interface language fi lacks ") for m in warnings), warnings
