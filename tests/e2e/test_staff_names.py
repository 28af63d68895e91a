"""Class names and invitation labels are stored and shown as the plain text they look like."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from botharness import ADMIN_ID, build_bot, pseudonym_of
from fakebotapi import FakeBotApi

from bot.cli.main import main
from bot.storage.keys import load_secrets
from bot.storage.sqlite.store import SqlCipherStore
from bot.telegram.runtime import Runtime

from .test_classes import youth_worker

RLO, LRI, PDI, ZWSP, ZWJ = "\u202e", "\u2066", "\u2069", "\u200b", "\u200d"


async def test_a_class_name_loses_controls_and_direction_overrides(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send(f"/newclass 8B\x07 {RLO}gpj.exe {LRI}Tumba{PDI}")
    assert "8B gpj.exe Tumba" in worker.messages[-3].text
    [record] = await bot.roles.classes.classes_of(pseudonym_of(bot, worker.id))
    assert record.name == "8B gpj.exe Tumba"
    await worker.send("/class")
    assert "8B gpj.exe Tumba" in worker.last.text


async def test_a_class_name_of_invisible_characters_gets_the_usage_line(
    bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send(f"/newclass {RLO}{ZWSP} {ZWJ}")
    assert worker.last.text.startswith("Börja namnet med klassens årskurs eller ålder")
    assert await bot.roles.classes.classes_of(pseudonym_of(bot, worker.id)) == []


async def test_an_invitation_label_is_plain_text(bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send(f"/invite youth_worker Alby{RLO} fritidsgård\x1b[2J")
    assert "Alby fritidsgård[2J" in admin.last.text
    await admin.send(f"/invite evaluator {ZWSP}{LRI}{PDI}")
    assert admin.last.text.startswith("Skriv rollen och en etikett")
    assert [g.label for g in await bot.roles.classes.active_roles()] == []
    assert await invitation_labels(bot.config.data_dir, bot.config.key_dir) == [
        "Alby fritidsgård[2J"
    ]


async def invitation_labels(data_dir: Path, key_dir: Path) -> list[str]:
    secrets = load_secrets(key_dir, data_dir, {})
    store = SqlCipherStore(data_dir / "bystander.db", secrets.database_key)
    await store.initialize()
    try:
        async with store.session() as db:
            rows = await db.execute_fetchall("SELECT label FROM invitations ORDER BY rowid")
        return [row[0] for row in rows]
    finally:
        await store.close()


@pytest.fixture
def server_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A data folder the bot has run on once (so it knows its username), as the CLI sees it."""
    env = {
        "BYSTANDER_DATA_DIR": str(tmp_path / "data"),
        "BYSTANDER_KEY_DIR": str(tmp_path / "keys"),
    }

    async def start_once() -> None:
        async with FakeBotApi() as server:
            bot_env = {
                **env,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_BASE_URL": server.base_url,
            }
            async with build_bot(bot_env).running(poll_timeout=1):
                pass

    asyncio.run(start_once())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return env


def test_bystander_invite_stores_a_plain_label(server_env, tmp_path, capsys) -> None:
    label = f"{LRI}Tumba{PDI}\tfritidsgård\n{RLO}"
    assert main(["invite", "--role", "youth_worker", "--label", label]) == 0
    assert "works once" in capsys.readouterr().out
    for bad in ("", "   ", f"{ZWSP}{RLO}", "\x00\x1b"):
        assert main(["invite", "--role", "evaluator", "--label", bad]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1 and "--label needs a name you can read" in err
    labels = asyncio.run(invitation_labels(tmp_path / "data", tmp_path / "keys"))
    assert labels == ["Tumba fritidsgård"]
