"""Lessons on the SQLCipher backend beyond the LessonStore contract
(tests/storage/contract/test_lessons.py): databases of earlier versions, the hand-count
sessions of facilitator mode that predate lessons, and the keys group chats are sealed with."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.storage.addresses import AddressBox, ChatKeys
from bot.storage.records import GROUP, YOUTH_WORKER, GroupChat
from bot.storage.sqlite import database
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.database import load_migrations, open_database
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY

SECRET = bytes(range(100, 132))
HOURS = timedelta(hours=2)
GROUP_8B = -1001234567890
VOTES = [("s1", "tell", "delegate", "helpful", "during", 7)]


@dataclass
class Moment:
    now: datetime = field(default_factory=lambda: datetime(2025, 3, 14, 9, 0, tzinfo=UTC))


@dataclass
class Stores:
    store: SqlCipherStore
    lessons: SqlCipherLessonStore
    classes: SqlCipherClassStore
    moment: Moment


@asynccontextmanager
async def opened(path: Path, moment: Moment) -> AsyncIterator[Stores]:
    """A store on `path` as the bot opens it, with lessons and classes over it."""
    store = SqlCipherStore(path, KEY, today=lambda: moment.now.date(), now=lambda: moment.now)
    await store.initialize()
    try:
        yield Stores(
            store, SqlCipherLessonStore(store, ChatKeys(SECRET)), SqlCipherClassStore(store), moment
        )
    finally:
        await store.close()


@pytest.fixture
async def stores(db_path: Path) -> AsyncIterator[Stores]:
    async with opened(db_path, Moment()) as opened_stores:
        yield opened_stores


async def new_class(stores: Stores, name: str, owner: str = "worker") -> int:
    record = await stores.classes.create_class(owner, name, f"code-{name}", date(2030, 1, 1))
    return record.id


async def group_lesson(stores: Stores, class_id: int, chat: GroupChat, leader: str = "worker"):
    ends_at = stores.moment.now + HOURS
    return await stores.lessons.start_lesson(class_id, leader, GROUP, "s", ends_at, chat)


async def test_a_database_of_the_previous_version_gets_lessons(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grants and invitations made before migration 014 keep working; old hand-count sessions
    become plays of no lesson, their counts kept."""
    before = [m for m in load_migrations() if m.version < 14]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    db_path.parent.mkdir()
    db = await open_database(db_path, KEY)
    await db.executescript(
        "INSERT INTO classes (id, owner, name, code, created_on, expires_on)"
        " VALUES (1, 'worker', '8B', 'code-8b', '2025-03-01', '2030-01-01');"
        "INSERT INTO facilitations (class_id, owner, scenario_id, version, state, started_on)"
        " VALUES (1, 'worker', 's', 1, '{\"awaiting\": \"counts\"}', '2025-03-01');"
        "INSERT INTO roles (user, role, label, granted_on)"
        " VALUES ('worker', 'youth_worker', 'Alby', '2025-03-01');"
        "INSERT INTO invitations (token_hash, role, label, created_on, expires_on)"
        " VALUES ('hash', 'youth_worker', 'Tumba', '2025-03-01', '2030-01-01');"
    )
    await db.close()
    monkeypatch.undo()

    async with opened(db_path, Moment()) as stores:
        assert await stores.classes.redeem_invitation("hash", "colleague") is not None
        assert await stores.classes.inviter_of("colleague") is None
        assert await stores.classes.roles_of("colleague") == {YOUTH_WORKER}
        lesson = await group_lesson(stores, 1, GroupChat(GROUP_8B))
        assert await stores.lessons.open_lesson_of_class(1) == lesson
    connection = database.connect(db_path, KEY)
    try:
        assert connection.execute(
            "SELECT lesson_id, source, revision FROM facilitations WHERE class_id = 1"
        ).fetchone() == (None, "hands", 0)
    finally:
        connection.close()


def test_group_chats_and_reminders_are_sealed_with_keys_of_their_own() -> None:
    group_box, reminders = AddressBox(SECRET, "group chat"), AddressBox(SECRET)
    sealed = group_box.seal(GROUP_8B)
    assert group_box.open(sealed) == GROUP_8B
    assert reminders.open(sealed) is None
    # Reminders sealed before addresses had purposes still open.
    old_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bystander reminder address"
    ).derive(SECRET)
    old_seal = Fernet(base64.urlsafe_b64encode(old_key)).encrypt(b"4242").decode()
    assert reminders.open(old_seal) == 4242
