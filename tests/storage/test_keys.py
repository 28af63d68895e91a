import hashlib
import re
import stat
from pathlib import Path

import pytest

from bot.storage import (
    KeyLocationError,
    PseudonymKeyError,
    load_or_create_secret,
    load_secrets,
    pseudonym,
)
from bot.storage.keys import KeyCheck, key_check
from bot.storage.sqlite import database
from bot.storage.sqlite.store import SqlCipherStore

KEY = bytes(range(32))

DB_HEX = "11" * 32
PSEUDONYM_HEX = "22" * 32


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_key(path: Path, text: str, permissions: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(permissions)


def test_creates_a_private_key_file_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "database.key"

    secret = load_or_create_secret(path, data_dir=tmp_path / "data")

    assert len(secret) == 32
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert path.read_text().strip() == secret.hex()
    assert [p.name for p in path.parent.iterdir()] == ["database.key"]  # no temporary left
    assert load_or_create_secret(path, data_dir=tmp_path / "data") == secret


def test_new_secrets_are_random(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path / "a.key", data_dir=tmp_path / "data")
    second = load_or_create_secret(tmp_path / "b.key", data_dir=tmp_path / "data")
    assert first != second


@pytest.mark.parametrize("key_path", ["data/db.key", "data/keys/db.key", "link/db.key"])
def test_refuses_a_key_inside_the_data_directory(tmp_path: Path, key_path: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "link").symlink_to(data)

    with pytest.raises(KeyLocationError, match="inside the data directory") as caught:
        load_or_create_secret(tmp_path / key_path, data_dir=data)

    assert "\n" not in str(caught.value)
    assert not list(data.rglob("*.key"))


def test_accepts_a_data_directory_beside_the_key(tmp_path: Path) -> None:
    assert load_or_create_secret(tmp_path / "db.key", data_dir=tmp_path / "data")


@pytest.mark.parametrize("permissions", [0o644, 0o640, 0o604, 0o660, 0o700])
def test_refuses_a_key_file_others_can_read(tmp_path: Path, permissions: int) -> None:
    path = tmp_path / "keys" / "db.key"
    write_key(path, DB_HEX, permissions)

    with pytest.raises(KeyLocationError, match=f"chmod 600 {re.escape(str(path))}") as caught:
        load_or_create_secret(path, data_dir=tmp_path / "data")
    assert "\n" not in str(caught.value)


def test_accepts_a_read_only_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "db.key"
    write_key(path, DB_HEX + "\n", 0o400)
    assert load_or_create_secret(path, data_dir=tmp_path / "data") == bytes.fromhex(DB_HEX)


@pytest.mark.parametrize("text", ["", "zz" * 32, "ab" * 31, "ab" * 33, "é" * 64])
def test_refuses_a_malformed_key_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keys" / "db.key"
    write_key(path, text)
    with pytest.raises(KeyLocationError, match="64 hex characters"):
        load_or_create_secret(path, data_dir=tmp_path / "data")


def test_secrets_come_from_two_key_files(tmp_path: Path) -> None:
    keys, data = tmp_path / "keys", tmp_path / "data"

    secrets = load_secrets(keys, data, {})

    assert sorted(p.name for p in keys.iterdir()) == ["database.key", "pseudonym.key"]
    assert secrets.database_key == bytes.fromhex((keys / "database.key").read_text())
    assert secrets.pseudonym_secret == bytes.fromhex((keys / "pseudonym.key").read_text())
    assert secrets.database_key != secrets.pseudonym_secret
    assert load_secrets(keys, data, {}) == secrets


def test_environment_takes_precedence_over_key_files(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    write_key(keys / "database.key", "33" * 32)
    env = {"BYSTANDER_DB_KEY": DB_HEX, "BYSTANDER_PSEUDONYM_SECRET": PSEUDONYM_HEX}

    secrets = load_secrets(keys, tmp_path / "data", env)

    assert secrets.database_key == bytes.fromhex(DB_HEX)
    assert secrets.pseudonym_secret == bytes.fromhex(PSEUDONYM_HEX)
    assert not (keys / "pseudonym.key").exists()


def test_each_secret_falls_back_to_its_own_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    secrets = load_secrets(keys, tmp_path / "data", {"BYSTANDER_DB_KEY": DB_HEX})
    assert secrets.database_key == bytes.fromhex(DB_HEX)
    assert not (keys / "database.key").exists()
    assert secrets.pseudonym_secret == bytes.fromhex((keys / "pseudonym.key").read_text())


@pytest.mark.parametrize("value", ["", "xyz", DB_HEX[:-2]])
def test_refuses_a_malformed_environment_secret(tmp_path: Path, value: str) -> None:
    env = {"BYSTANDER_DB_KEY": DB_HEX, "BYSTANDER_PSEUDONYM_SECRET": value}
    with pytest.raises(KeyLocationError, match="BYSTANDER_PSEUDONYM_SECRET"):
        load_secrets(tmp_path / "keys", tmp_path / "data", env)


def test_secrets_stay_out_of_repr(tmp_path: Path) -> None:
    env = {"BYSTANDER_DB_KEY": DB_HEX, "BYSTANDER_PSEUDONYM_SECRET": PSEUDONYM_HEX}
    text = repr(load_secrets(tmp_path / "keys", tmp_path / "data", env))
    assert "\\x11" not in text
    assert "\\x22" not in text


def test_pseudonym_is_a_stable_keyed_hash() -> None:
    secret, other_secret = bytes(32), bytes([1] * 32)
    telegram_id = 123456789

    value = pseudonym(secret, telegram_id)

    assert re.fullmatch("[0-9a-f]{64}", value)
    assert pseudonym(secret, telegram_id) == value
    assert pseudonym(other_secret, telegram_id) != value
    assert pseudonym(secret, telegram_id + 1) != value
    assert value != hashlib.sha256(str(telegram_id).encode()).hexdigest()
    assert value != hashlib.sha256(telegram_id.to_bytes(8, "big")).hexdigest()


# -- a lost or different pseudonym key ------------------------------------------------------

DB = "bystander.db"


def a_database(tmp_path: Path) -> Path:
    path = tmp_path / "data" / DB
    path.parent.mkdir()
    path.write_bytes(b"\x01" * 4096)  # any content: what matters is that there is data
    return path


@pytest.mark.parametrize("lost", ["database.key", "pseudonym.key"])
def test_a_lost_key_file_beside_a_database_is_refused_not_replaced(tmp_path, lost) -> None:
    keys, database = tmp_path / "keys", a_database(tmp_path)
    load_secrets(keys, tmp_path / "data", {})
    (keys / lost).unlink()
    kept = {p.name: p.read_text() for p in keys.iterdir()}

    with pytest.raises(KeyLocationError) as caught:
        load_secrets(keys, tmp_path / "data", {}, database=database)

    assert str(caught.value) == (
        f"the key file {keys / lost} is missing but the database {database} exists: restore "
        "the key from your backup (a new key would not fit the data)"
    )
    assert {p.name: p.read_text() for p in keys.iterdir()} == kept, "no new key was made"


def test_a_first_start_creates_both_keys(tmp_path: Path) -> None:
    keys, database = tmp_path / "keys", tmp_path / "data" / DB
    secrets = load_secrets(keys, tmp_path / "data", {}, database=database)
    assert sorted(p.name for p in keys.iterdir()) == ["database.key", "pseudonym.key"]
    assert secrets.pseudonym_secret == bytes.fromhex((keys / "pseudonym.key").read_text())
    database.parent.mkdir()
    database.touch()  # an empty file, as a first start that stopped early leaves
    (keys / "pseudonym.key").unlink()
    assert load_secrets(keys, tmp_path / "data", {}, database=database)


def test_the_environment_needs_no_key_file_beside_a_database(tmp_path: Path) -> None:
    env = {"BYSTANDER_DB_KEY": DB_HEX, "BYSTANDER_PSEUDONYM_SECRET": PSEUDONYM_HEX}
    database = a_database(tmp_path)
    secrets = load_secrets(tmp_path / "keys", tmp_path / "data", env, database=database)
    assert secrets.key_check.source == "the pseudonym secret in BYSTANDER_PSEUDONYM_SECRET"
    assert not (tmp_path / "keys").exists()


def test_the_key_check_is_a_keyed_one_way_value(tmp_path: Path) -> None:
    secrets = load_secrets(tmp_path / "keys", tmp_path / "data", {})
    check = secrets.key_check
    assert check.value == key_check(secrets.pseudonym_secret)
    assert re.fullmatch("[0-9a-f]{64}", check.value)
    assert check.value != key_check(bytes(32)) and secrets.pseudonym_secret.hex() not in check.value
    assert check.source == f"the pseudonym key in {tmp_path / 'keys' / 'pseudonym.key'}"


async def stored_check(path: Path) -> str | None:
    store = SqlCipherStore(path, KEY)
    await store.initialize()
    try:
        async with store.session() as db:
            rows = await db.execute_fetchall(
                "SELECT value FROM settings WHERE key = 'pseudonym_key_check'"
            )
        return rows[0][0] if rows else None
    finally:
        await store.close()


async def open_and_close(path: Path, check: KeyCheck | None) -> None:
    store = SqlCipherStore(path, KEY, key_check=check)
    await store.initialize()
    await store.close()


MINE = KeyCheck(key_check(bytes(32)), "the pseudonym key in /k/pseudonym.key")
OTHER = KeyCheck(key_check(bytes([7] * 32)), "the pseudonym key in /k/pseudonym.key")


async def test_a_new_database_records_the_key_check(tmp_path: Path) -> None:
    path = tmp_path / "data" / DB
    await open_and_close(path, MINE)
    assert await stored_check(path) == MINE.value
    await open_and_close(path, MINE)  # and starts again with the same key


async def test_a_database_from_before_key_checks_gets_one(tmp_path: Path) -> None:
    path = tmp_path / "data" / DB
    await open_and_close(path, None)  # as the bot left it before this version
    assert await stored_check(path) is None
    await open_and_close(path, MINE)
    assert await stored_check(path) == MINE.value


async def test_another_pseudonym_key_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "data" / DB
    await open_and_close(path, MINE)
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}

    with pytest.raises(PseudonymKeyError) as caught:
        await open_and_close(path, OTHER)

    assert str(caught.value) == (
        f"the pseudonym key in /k/pseudonym.key does not belong to the database {path}: "
        "restore the key from your backup"
    )
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before
    assert await stored_check(path) == MINE.value


async def test_a_database_older_than_the_settings_table_gets_a_key_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data" / DB
    first_only = database.load_migrations()[:1]  # settings came with migration 002
    monkeypatch.setattr(database, "load_migrations", lambda: first_only)
    await open_and_close(path, None)
    monkeypatch.undo()
    await open_and_close(path, MINE)
    assert await stored_check(path) == MINE.value
