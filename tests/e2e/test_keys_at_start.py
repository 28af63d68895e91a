"""`bystander run` refuses keys that do not fit the database, in one line, changing nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi

from bot.cli.main import main

from .test_restart import bot_process


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


async def run_once(env: dict[str, str]) -> tuple[int, str]:
    async with bot_process(env) as process:
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    return process.returncode, out.decode() + err.decode()


@pytest.fixture
async def started_once(bot_env, monkeypatch) -> dict[str, str]:
    """Keys and a database, as the first start leaves them."""
    for name in ("BYSTANDER_DATA_DIR", "BYSTANDER_KEY_DIR"):
        monkeypatch.setenv(name, bot_env[name])
    assert await asyncio.to_thread(main, ["init"]) == 0
    return bot_env


async def test_run_refuses_another_pseudonym_key(started_once, fake_bot_api: FakeBotApi) -> None:
    keys, data = Path(started_once["BYSTANDER_KEY_DIR"]), Path(started_once["BYSTANDER_DATA_DIR"])
    (keys / "pseudonym.key").write_text("ab" * 32 + "\n")
    before = files(data.parent)

    code, output = await run_once(started_once)

    assert code == 1, output
    assert output.strip().splitlines()[-1] == (
        f"bystander run: the pseudonym key in {keys / 'pseudonym.key'} does not belong to the "
        f"database {data / 'bystander.db'}: restore the key from your backup"
    )
    assert "Traceback" not in output
    assert not fake_bot_api.calls("getUpdates"), "it never started serving"
    assert files(data.parent) == before


@pytest.mark.parametrize("lost", ["pseudonym.key", "database.key"])
async def test_run_refuses_a_lost_key_and_makes_no_new_one(
    started_once, fake_bot_api: FakeBotApi, lost: str
) -> None:
    keys, data = Path(started_once["BYSTANDER_KEY_DIR"]), Path(started_once["BYSTANDER_DATA_DIR"])
    (keys / lost).unlink()
    before = files(data.parent)

    code, output = await run_once(started_once)

    assert code == 1, output
    assert output.strip().splitlines() == [
        f"bystander run: the key file {keys / lost} is missing but the database "
        f"{data / 'bystander.db'} exists: restore the key from your backup (a new key would "
        "not fit the data)"
    ]
    assert files(data.parent) == before
    assert not fake_bot_api.calls("getMe"), "refused before talking to Telegram"


async def test_the_first_run_still_creates_keys_and_database(bot_env, fake_bot_api) -> None:
    from .test_restart import wait_until_polling

    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
    assert sorted(p.name for p in Path(bot_env["BYSTANDER_KEY_DIR"]).iterdir()) == [
        "database.key",
        "pseudonym.key",
    ]
    assert (Path(bot_env["BYSTANDER_DATA_DIR"]) / "bystander.db").stat().st_size > 0
