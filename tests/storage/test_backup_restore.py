"""A backup made while people play, a deletion after it, and a restore: every choice
acknowledged before the backup comes back, the deleted person's data does not."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build_store
from bot.cli.main import main
from bot.config import load_config
from bot.storage.deletions import DeletionLog
from bot.storage.keys import load_secrets
from bot.storage.records import SESSION, WebToken
from bot.storage.sqlite.backup import backup
from bot.storage.sqlite.web import SqlCipherWebStore

from .conftest import choice, profile, raw_connect, run_state

PLAYERS = [f"player{i}" for i in range(6)]


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BYSTANDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BYSTANDER_KEY_DIR", str(tmp_path / "keys"))
    for name in ("BYSTANDER_DB_KEY", "BYSTANDER_PSEUDONYM_SECRET", "BYSTANDER_BACKUP_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


async def cli(*argv: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return await asyncio.to_thread(main, list(argv))


def stored_choices(path: Path, key: bytes) -> dict[str, int]:
    db = raw_connect(path, key)
    try:
        rows = db.execute("SELECT user, count(*) FROM choices GROUP BY user").fetchall()
    finally:
        db.close()
    return dict(rows)


async def test_a_backup_during_live_writes_restores_all_acknowledged_and_no_deleted_data(
    folders: Path,
) -> None:
    config = load_config(os.environ, require_token=False)
    secrets = load_secrets(config.key_dir, config.data_dir, {})
    store = build_store(config, secrets)
    await store.initialize()
    acknowledged = dict.fromkeys(PLAYERS, 0)  # choices whose save has returned: the bot's "ok"
    stop = asyncio.Event()

    async def play(user: str) -> None:
        await store.save_profile(profile(user))
        await store.start_run(user, run_state(f"run-{user}"))
        while not stop.is_set():
            step = acknowledged[user]
            run = run_state(f"run-{user}", steps=step + 1)
            await store.save_progress(user, run, choice(f"run-{user}", step), finished=False)
            acknowledged[user] = step + 1

    players = [asyncio.create_task(play(user)) for user in PLAYERS]
    try:
        while min(acknowledged.values()) < 5:
            await asyncio.sleep(0.01)
        before = dict(acknowledged)
        copy = folders / "backup.db"
        info = await asyncio.to_thread(backup, config.database_path, secrets.database_key, copy)
        during = sum(acknowledged.values()) - sum(before.values())
        while sum(acknowledged.values()) < sum(before.values()) + during + 20:
            await asyncio.sleep(0.01)  # people play on after the backup
    finally:
        stop.set()
        await asyncio.gather(*players)
    deleted, others = PLAYERS[0], PLAYERS[1:]
    assert await store.delete_user(deleted) > 0  # /delete, after the backup was made
    await store.close()
    assert info.made_at is not None and stored_choices(copy, secrets.database_key)[deleted] >= 5

    assert await cli("restore", str(copy)) == 0

    restored = stored_choices(config.database_path, secrets.database_key)
    for user in others:
        assert restored[user] >= before[user], user
        assert restored[user] <= acknowledged[user]
    assert deleted not in restored
    assert rows_for_key(config.database_path, secrets.database_key, deleted) == 0
    # The bot starts on the restored database, and the deletion stays in the log.
    await store.initialize()
    assert await store.get_profile(deleted) is None
    assert None not in [await store.get_profile(user) for user in others]
    await store.close()


def rows_for_key(path: Path, key: bytes, user: str) -> int:
    db = raw_connect(path, key)
    try:
        tables = ("users", "runs", "choices", "active_runs", "run_steps")
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        return sum(
            db.execute(f"SELECT count(*) FROM {t} WHERE user = ?", (user,)).fetchone()[0]
            for t in tables
            if t in names
        )
    finally:
        db.close()


async def test_restore_keeps_data_of_someone_who_came_back_before_the_backup(
    folders: Path,
) -> None:
    """Only deletions after the backup are applied again: a person who deleted, came back
    and played before the backup keeps what they played since."""
    config = load_config(os.environ, require_token=False)
    secrets = load_secrets(config.key_dir, config.data_dir, {})
    store = build_store(config, secrets)
    await store.initialize()
    await store.save_profile(profile("returning"))
    await store.delete_user("returning")
    await store.save_profile(profile("returning"))
    await store.start_run("returning", run_state("again"))
    await store.close()
    copy = folders / "backup.db"
    await asyncio.to_thread(backup, config.database_path, secrets.database_key, copy)

    assert await cli("restore", str(copy)) == 0

    await store.initialize()
    assert await store.get_profile("returning") is not None
    await store.close()


async def test_a_restore_ends_every_web_session_so_a_logout_stays_done(folders: Path) -> None:
    config = load_config(os.environ, require_token=False)
    secrets = load_secrets(config.key_dir, config.data_dir, {})
    store = build_store(config, secrets)
    web = SqlCipherWebStore(store)
    await store.initialize()
    later = datetime.now(UTC) + timedelta(hours=8)
    for holder in ("logged out", "logged in"):
        await web.save_token(holder.encode().ljust(32), WebToken(SESSION, holder, later))
    copy = folders / "backup.db"
    await asyncio.to_thread(backup, config.database_path, secrets.database_key, copy)
    await web.delete_token(b"logged out".ljust(32))  # after the backup
    await store.close()

    assert await cli("restore", str(copy)) == 0

    await store.initialize()
    assert await web.token(b"logged out".ljust(32)) is None
    assert await web.token(b"logged in".ljust(32)) is None, "everyone logs in again"
    await store.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_deletion_log_is_encrypted_and_kept_for_the_backup_days(tmp_path: Path) -> None:
    clock = Clock()
    log = DeletionLog(tmp_path / "deletions.log", b"s" * 32, keep_days=30, now=clock)
    log.ensure()
    log.record("early")
    clock.now += timedelta(days=20)
    log.record("later")
    assert b"early" not in log.path.read_bytes() and b"later" not in log.path.read_bytes()
    assert [d.user for d in log.deletions_since(None)] == ["early", "later"]
    assert log.covered_since() == datetime(2026, 3, 1, tzinfo=UTC)

    clock.now += timedelta(days=15)  # "early" is 35 days old: past the 30 days
    log.record("latest")
    assert [d.user for d in log.deletions_since(None)] == ["later", "latest"]
    assert log.covered_since() == clock.now - timedelta(days=30)
    assert DeletionLog(log.path, b"t" * 32, keep_days=30).path.exists()
    with pytest.raises(Exception, match="belongs to another pseudonym secret"):
        DeletionLog(log.path, b"t" * 32, keep_days=30).deletions_since(None)


async def test_a_backup_older_than_the_deletion_log_is_refused(
    folders: Path, capsys, monkeypatch
) -> None:
    assert await cli("init") == 0
    copy = folders / "backup.db"
    assert await cli("backup", str(copy)) == 0
    monkeypatch.setenv("BYSTANDER_BACKUP_DAYS", "1")
    database = folders / "data" / "bystander.db"
    before = database.read_bytes()
    # A backup made two days ago, by its stamp: older than one day of deletion log.
    secrets = load_secrets(folders / "keys", folders / "data", {})
    db = raw_connect(copy, secrets.database_key)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    db.execute("UPDATE settings SET value = ? WHERE key = 'backup_made_at'", (two_days_ago,))
    db.close()

    assert await asyncio.to_thread(main, ["restore", str(copy)]) == 1

    err = capsys.readouterr().err
    assert "before the deletion log" in err and "restoring it could bring back data" in err
    assert database.read_bytes() == before


def test_a_missing_backup_file_is_one_line(folders: Path, capsys) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["init"]) == 0
    capsys.readouterr()  # what the migrations logged
    assert main(["restore", str(folders / "nothing.db")]) == 1
    assert capsys.readouterr().err == (
        f"bystander restore: there is no backup file {folders / 'nothing.db'}\n"
    )
    assert not (folders / "nothing.db").exists()
