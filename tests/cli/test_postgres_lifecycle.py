"""init, check and the SQLite-only commands when BYSTANDER_DATABASE_URL names PostgreSQL."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cli.test_lifecycle import check, cli
from fakebotapi import FakeBotApi

from bot.cli.main import main
from bot.storage.postgres.database import describe


@pytest.fixture
def on_postgres(server: Path, postgres_url: str, fake_bot_api: FakeBotApi, monkeypatch) -> str:
    monkeypatch.setenv("BYSTANDER_DATABASE_URL", postgres_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_bot_api.token)
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake_bot_api.base_url)
    return postgres_url


def test_init_sets_up_postgresql_and_the_server_commands_use_it(
    on_postgres: str, server: Path, capsys
) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{describe(on_postgres)} is set up, with the current schema"
    assert "back up the keys now" in out[1]
    assert main(["init"]) == 0  # again: nothing to do, nothing broken
    assert main(["purge", "--dry-run"]) == 0
    assert main(["report", "--format", "json"]) == 0
    assert not (server / "data" / "bystander.db").exists()  # no SQLite file beside it


async def test_check_names_the_postgresql_database_and_its_schema(on_postgres: str, capsys) -> None:
    assert await cli("init") == 0
    capsys.readouterr()
    assert await check() == 0
    storage = capsys.readouterr().out.splitlines()[1]
    assert storage.startswith(f"ok   keys and database: {describe(on_postgres)} answers")
    assert "WITHOUT TLS (unencrypted), schema version" in storage, "said plainly, even locally"
    assert "deletion log" in storage


async def test_check_refuses_an_empty_postgresql_database_and_a_foreign_secret(
    on_postgres: str, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("BYSTANDER_DB_KEY", secrets.token_hex(32))  # keys, but no database yet
    monkeypatch.setenv("BYSTANDER_PSEUDONYM_SECRET", secrets.token_hex(32))
    assert await check() == 2
    assert capsys.readouterr().err == (
        f"bystander check: keys and database: {describe(on_postgres)} holds no bot database: "
        "run `bystander init`\n"
    )
    assert await cli("init") == 0
    monkeypatch.setenv("BYSTANDER_PSEUDONYM_SECRET", secrets.token_hex(32))
    capsys.readouterr()
    assert await check() == 2
    assert capsys.readouterr().err == (
        "bystander check: keys and database: the pseudonym secret in "
        f"BYSTANDER_PSEUDONYM_SECRET does not belong to {describe(on_postgres)}\n"
    )


@pytest.mark.parametrize("command", [["backup", "copy.db"], ["restore", "copy.db"], ["rekey"]])
def test_file_commands_point_to_the_clusters_own_backups(on_postgres: str, capsys, command) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(command) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"bystander {command[0]}: `bystander {command[0]}` is for the SQLite")
    if command[0] == "rekey":
        assert "Encryption at rest" in err, "the database key does not encrypt PostgreSQL"
    else:
        assert "pg_dump --no-unlogged-table-data" in err and "bystander redelete" in err


def test_an_unreachable_server_is_one_line_without_the_password(server: Path, capsys, monkeypatch):
    monkeypatch.setenv("BYSTANDER_DATABASE_URL", "postgresql://bot:s3cret-pw@127.0.0.1:1/bystander")
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bystander init: PostgreSQL at 127.0.0.1:1/bystander is unavailable: ")
    assert err.count("\n") == 1 and "s3cret-pw" not in err
