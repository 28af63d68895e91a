"""init, check, backup, restore and rekey as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path

import pytest
from e2e.test_startup import forwarding_proxy
from fakebotapi import FakeBotApi

from bot.bootstrap import build_store
from bot.cli.main import main
from bot.config import content_dirs, load_config
from bot.storage.keys import load_secrets


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--format", "json"],
        ["purge", "--dry-run"],
        ["invite", "--role", "evaluator", "--label", "Team"],
        ["backup", "copy.db"],
        ["rekey"],
    ],
)
def test_commands_in_a_wrong_folder_create_nothing_and_say_where_they_looked(
    server: Path, capsys, command
) -> None:
    assert main(command) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"bystander {command[0]}: no database at {server / 'data' / 'bystander.db'} "
        f"(BYSTANDER_DATA_DIR); keys are looked for in {server / 'keys'} (BYSTANDER_KEY_DIR): "
        "set both as for `bystander run`, or create them with `bystander init`\n"
    )
    assert tree(server) == []


def test_init_creates_keys_and_database_and_asks_for_a_key_backup(server: Path, capsys) -> None:
    assert main(["init"]) == 0
    keys, data = server / "keys", server / "data"
    assert capsys.readouterr().out.splitlines() == [
        f"created the database {data / 'bystander.db'}",
        f"created the key file(s) {keys / 'database.key'}, {keys / 'pseudonym.key'}",
        f"back up the keys now: copy the folder {keys} somewhere safe, apart from the data; "
        "without it the data cannot be read",
    ]
    for key in keys.iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert main(["purge", "--dry-run"]) == 0  # the other commands find it
    before = {p: p.read_bytes() for p in [*keys.iterdir(), data / "bystander.db"]}
    capsys.readouterr()

    assert main(["init"]) == 0
    assert capsys.readouterr().out == (
        f"already set up: the database {data / 'bystander.db'} exists; nothing was changed\n"
    )
    assert {p: p.read_bytes() for p in before} == before


async def cli(*argv: str) -> int:
    """The command in a thread of its own, as from a shell beside the test's event loop."""
    return await asyncio.to_thread(main, list(argv))


async def check() -> int:
    return await cli("check")


@pytest.fixture
def installed_bot(server: Path, fake_bot_api: FakeBotApi, monkeypatch) -> Path:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_bot_api.token)
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake_bot_api.base_url)
    assert main(["init"]) == 0
    return server


async def test_check_says_what_is_well(installed_bot: Path, capsys, fake_bot_api) -> None:
    capsys.readouterr()
    assert await check() == 0
    out, err = capsys.readouterr()
    assert [line.split(":")[0] for line in out.splitlines()] == [
        "ok   configuration",
        "ok   keys and database",
        "ok   content",
        "ok   Bot API",
    ]
    assert out.splitlines()[-1].endswith(f"reached as @{fake_bot_api.bot_username}")
    content = out.splitlines()[2]
    assert "; warning: help line socialtjanst_botkyrka is not shown until it has a phone" in content
    assert err == ""
    assert fake_bot_api.token not in out


@pytest.mark.parametrize(
    ("breakage", "code", "message"),
    [
        ("no token", 1, "bystander check: configuration: TELEGRAM_BOT_TOKEN is not set"),
        ("no database", 2, "bystander check: keys and database: no database at"),
        ("lost key", 2, "bystander check: keys and database: the key file"),
        ("no scenarios", 3, "bystander check: content: no playable scenarios in"),
        ("old own locales", 3, "bystander check: content: the interface strings in"),
        ("wrong token", 4, "bystander check: Bot API: Telegram rejected the bot token"),
        ("no Bot API", 4, "bystander check: Bot API: cannot reach the Telegram Bot API"),
    ],
)
async def test_check_exit_codes(
    installed_bot: Path, capsys, monkeypatch, breakage, code, message
) -> None:
    if breakage == "no token":
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    elif breakage == "no database":
        monkeypatch.setenv("BYSTANDER_DATA_DIR", str(installed_bot / "elsewhere"))
    elif breakage == "lost key":
        (installed_bot / "keys" / "pseudonym.key").unlink()
    elif breakage == "no scenarios":
        (installed_bot / "empty").mkdir()
        monkeypatch.setenv("BYSTANDER_SCENARIOS", str(installed_bot / "empty"))
    elif breakage == "old own locales":  # copied before an upgrade added a text
        own = installed_bot / "locales"
        shutil.copytree(content_dirs({})[1], own)
        sv = own / "sv.yaml"
        lines = sv.read_text(encoding="utf-8").splitlines(keepends=True)
        sv.write_text("".join(x for x in lines if "help.remove_hint:" not in x), "utf-8")
        monkeypatch.setenv("BYSTANDER_LOCALES", str(own))
    elif breakage == "wrong token":
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:wrong")
    else:
        monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:1/bot")
    capsys.readouterr()
    before = tree(installed_bot)

    assert await check() == code

    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err
    assert "wrong" not in err.replace("is wrong", "")  # the token is masked
    assert tree(installed_bot) == before


async def test_check_reaches_the_bot_api_through_the_proxy_of_the_config_file(
    installed_bot: Path, capsys, monkeypatch, fake_bot_api
) -> None:
    """As `bystander run` under systemd reads HTTPS_PROXY from the service's file, so does
    check given that file: otherwise it would say Telegram is unreachable while the bot works."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    async with forwarding_proxy() as (proxy, port):
        settings = installed_bot / "bystander.env"
        settings.write_text(f"HTTP_PROXY=http://bystander:proxy-pass-77@127.0.0.1:{port}\n")
        capsys.readouterr()
        assert await cli("check", "--config", str(settings)) == 0
    out, err = capsys.readouterr()
    assert "ok   Bot API" in out and err == ""
    [head] = proxy.heads
    assert head.startswith(f"POST {fake_bot_api.base_url}{fake_bot_api.token}/getMe HTTP/1.1")
    assert "proxy-pass-77" not in out


def run_store(server: Path):
    """A store open as the running bot holds it, in this process."""
    config = load_config(os.environ, require_token=False)  # the server fixture's folders
    return build_store(config, load_secrets(config.key_dir, config.data_dir, {}))


@pytest.mark.parametrize("command", [["restore", "copy.db"], ["rekey"]])
async def test_restore_and_rekey_refuse_while_the_bot_runs(server: Path, capsys, command) -> None:
    argv = [command[0], *(str(server / a) for a in command[1:])]
    assert await cli("init") == 0
    assert await cli("backup", str(server / "copy.db")) == 0
    store = run_store(server)
    await store.initialize()
    try:
        capsys.readouterr()
        keys = {p: p.read_bytes() for p in (server / "keys").iterdir()}
        assert await cli(*argv) == 1
        assert capsys.readouterr().err == (
            f"bystander {command[0]}: the database {server / 'data' / 'bystander.db'} is in use "
            "by the running bot or another bystander command: stop the bot first (e.g. "
            "systemctl stop bystander)\n"
        )
        assert {p: p.read_bytes() for p in (server / "keys").iterdir()} == keys
    finally:
        await store.close()
    assert await cli(*argv) == 0


def test_rekey_keeps_the_data_readable_and_the_old_key_for_old_backups(
    server: Path, capsys
) -> None:
    assert main(["init"]) == 0
    assert main(["backup", str(server / "before.db")]) == 0
    old_key = (server / "keys" / "database.key").read_bytes()
    capsys.readouterr()

    assert main(["rekey"]) == 0

    kept = [p for p in (server / "keys").iterdir() if p.name.startswith("database.key.old-")]
    assert [p.read_bytes() for p in kept] == [old_key]
    assert (server / "keys" / "database.key").read_bytes() != old_key
    assert stat.S_IMODE((server / "keys" / "database.key").stat().st_mode) == 0o600
    assert f"the old key is kept as {kept[0]}" in capsys.readouterr().out
    assert main(["purge", "--dry-run"]) == 0  # the new key opens the database

    assert main(["restore", str(server / "before.db")]) == 1
    assert capsys.readouterr().err.endswith(
        "a backup made before `bystander rekey` needs its old key: --key-file\n"
    )
    assert main(["restore", str(server / "before.db"), "--key-file", str(kept[0])]) == 0
    assert main(["purge", "--dry-run"]) == 0  # restored under the current key


def test_rekey_help_says_the_pseudonym_secret_cannot_be_rotated(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["rekey", "--help"])
    assert "pseudonym secret (pseudonym.key) cannot be rotated" in " ".join(
        capsys.readouterr().out.split()
    )
