"""Secrets kept outside the database: the database key and the pseudonym secret."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.storage.errors import KeyLocationError

SECRET_BYTES = 32
DATABASE_KEY_ENV = "BYSTANDER_DB_KEY"
PSEUDONYM_SECRET_ENV = "BYSTANDER_PSEUDONYM_SECRET"
DATABASE_KEY_FILE = "database.key"
PSEUDONYM_SECRET_FILE = "pseudonym.key"


KEY_CHECK_SETTING = "pseudonym_key_check"  # settings key in the database
MOVED_SETTING = "moved_by_migrate_db"  # where `bystander migrate-db` copied the data to
_KEY_CHECK_MESSAGE = b"bystander pseudonym key check"


@dataclass(frozen=True)
class KeyCheck:
    """A one-way value of the pseudonym secret that the database keeps, so a start with
    another secret (a lost key replaced by a new one) is refused: with another secret nobody
    would find their saved answers again, nor be able to delete them."""

    value: str
    source: str  # where the secret came from, for the message: "the pseudonym key in …"


@dataclass(frozen=True, repr=False)  # no repr: secrets must not end up in logs or tracebacks
class Secrets:
    database_key: bytes
    pseudonym_secret: bytes
    pseudonym_source: str = "the pseudonym secret"

    @property
    def key_check(self) -> KeyCheck:
        return KeyCheck(key_check(self.pseudonym_secret), self.pseudonym_source)


def load_secrets(
    key_dir: Path,
    data_dir: Path,
    env: Mapping[str, str],
    *,
    database: Path | None = None,
    create: bool = True,
) -> Secrets:
    """Read both secrets, from the environment when set, otherwise from key files.

    A missing key file is created, unless `database` already holds data: then the key was
    lost, and a new one would not fit the data, so it is refused; `create=False` refuses too
    (a restore into an empty data folder needs the keys from the backup)."""
    existing = database if database is not None and holds_data(database) else None
    pseudonym_file = key_dir / PSEUDONYM_SECRET_FILE

    def secret(variable: str, path: Path) -> bytes:
        if variable in env:
            return _parse(env[variable], f"environment variable {variable}")
        if not create and not path.exists():
            raise KeyLocationError(
                f"the key file {path} is missing: restore the key folder from your backup first"
            )
        return load_or_create_secret(path, data_dir=data_dir, database=existing)

    return Secrets(
        database_key=secret(DATABASE_KEY_ENV, key_dir / DATABASE_KEY_FILE),
        pseudonym_secret=secret(PSEUDONYM_SECRET_ENV, pseudonym_file),
        pseudonym_source=(
            f"the pseudonym secret in {PSEUDONYM_SECRET_ENV}"
            if PSEUDONYM_SECRET_ENV in env
            else f"the pseudonym key in {pseudonym_file}"
        ),
    )


def key_check(pseudonym_secret: bytes) -> str:
    return hmac.new(pseudonym_secret, _KEY_CHECK_MESSAGE, hashlib.sha256).hexdigest()


def holds_data(database: Path) -> bool:
    """An empty file is what a first start leaves if it stops before SQLite writes."""
    try:
        return database.stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:  # cannot tell (a folder without access): create nothing; opening will say
        return True


def pseudonym(secret: bytes, telegram_user_id: int) -> str:
    """The only identifier the bot stores for a user."""
    # Telegram ids are guessable integers: a plain hash is reversed by trying them all.
    return hmac.new(secret, str(telegram_user_id).encode("ascii"), hashlib.sha256).hexdigest()


def chat_ref(secret: bytes, chat_id: int) -> str:
    """What the bot stores to find a group's lesson by its chat id. The message has a prefix
    that no person's (a bare number) has, so a group's ref never equals anyone's pseudonym."""
    return hmac.new(secret, f"group chat {chat_id}".encode("ascii"), hashlib.sha256).hexdigest()


def load_or_create_secret(path: Path, *, data_dir: Path, database: Path | None = None) -> bytes:
    """Read a hex-encoded 32-byte secret, creating it (mode 0600) on first use: never when
    there is a `database` with data already, which the new key would not fit."""
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise KeyLocationError(
            f"key file {path} lies inside the data directory {data_dir}; keep keys apart from "
            "the data they protect (Telegram Bot Developer Terms §4.4)"
        )
    if not path.exists():
        if database is not None:
            raise KeyLocationError(
                f"the key file {path} is missing but the database {database} exists: restore "
                "the key from your backup (a new key would not fit the data)"
            )
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~0o600:
        raise KeyLocationError(
            f"key file {path} has permissions {mode:04o}, wider than 0600; "
            f"fix with: chmod 600 {path}"
        )
    return _parse(path.read_text(encoding="latin-1"), f"key file {path}")


def _parse(text: str, source: str) -> bytes:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        secret = b""
    if len(secret) != SECRET_BYTES:
        raise KeyLocationError(f"{source} must hold exactly {2 * SECRET_BYTES} hex characters")
    return secret


def read_key_file(path: Path) -> bytes:
    """A key file given by hand (e.g. an old database key for an old backup)."""
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as error:
        raise KeyLocationError(f"cannot read the key file {path}: {error.strerror}") from None
    return _parse(text, f"key file {path}")


def create_key_file(path: Path) -> bytes:
    """A new random key in a new file (mode 0600); an existing file is kept and read."""
    _create(path)
    return read_key_file(path)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Write a synced temporary file and link it into place: a crash never leaves a half-written
    # key (losing the key loses the data), and when two processes start at once, one key wins.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mkstemp uses 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(SECRET_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(temporary, path)
        fsync_directory(path.parent)
    finally:
        os.unlink(temporary)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
