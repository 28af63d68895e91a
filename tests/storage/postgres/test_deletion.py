"""Deleting a person on PostgreSQL leaves nothing behind: no column of any table still holds
their pseudonym, and the deletion is logged (bot/storage/deletions.py) so that restoring an
older backup deletes them again, as on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import AsyncConnection

from bot.storage.deletions import DeletionLog
from bot.storage.postgres.classes import PostgresClassStore
from bot.storage.postgres.store import PostgresStore
from bot.storage.records import MENTOR, YOUTH_WORKER

from ..conftest import Clock, choice, profile, run_state

PERSON, MENTOR_PERSON, OTHER_WORKER = "p" * 64, "m" * 64, "o" * 64
SECRET = bytes(range(32, 64))


@pytest.fixture
async def store(postgres_url: str, tmp_path: Path) -> AsyncIterator[PostgresStore]:
    clock = Clock()
    deletions = DeletionLog(tmp_path / "deletions.log", SECRET, keep_days=30)
    store = PostgresStore(postgres_url, today=lambda: clock.day, deletions=deletions)
    await store.initialize()
    yield store
    await store.close()


async def cells_holding(url: str, text: str) -> dict[str, int]:
    """Per table.column of text or JSON, the rows that contain `text` anywhere."""
    found = {}
    async with await AsyncConnection.connect(url, autocommit=True) as db:
        cursor = await db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb')"
        )
        for table, column in await cursor.fetchall():
            counted = await db.execute(
                f"SELECT count(*) FROM {table} WHERE strpos({column}::text, %s) > 0", (text,)
            )
            (rows,) = await counted.fetchone()
            if rows:
                found[f"{table}.{column}"] = rows
    return found


async def everything_a_person_can_leave(store: PostgresStore, url: str) -> None:
    """The person plays (in another youth worker's class too), answers questions, asked for
    a follow-up, and is a youth worker with a class, a mentor, invitations and a menu."""
    staff, today = PostgresClassStore(store), store.day()
    await store.save_profile(profile(PERSON))
    await staff.grant_role(OTHER_WORKER, YOUTH_WORKER, "Other")
    joined = await staff.create_class(OTHER_WORKER, "8A", "JOIN8A", today + timedelta(days=9))
    await staff.join_class(joined.id, PERSON)
    await store.start_run(PERSON, run_state("first1"), joined.id)
    await store.save_progress(PERSON, run_state("first1", steps=1), choice("first1"), True)
    await store.start_run(PERSON, run_state("second"))
    async with await AsyncConnection.connect(url, autocommit=True) as db:
        await db.execute(
            "INSERT INTO measure_answers VALUES (%s, 'bus_stop_teasing', 'T1', 'q1', 4, %s)",
            (PERSON, today),
        )
        await db.execute(
            "INSERT INTO follow_ups (pseudonym, scenario_id, due_on, address, status)"
            " VALUES (%s, 'bus_stop_teasing', %s, 'sealed', 'scheduled')",
            (PERSON, today),
        )
    await staff.grant_role(PERSON, YOUTH_WORKER, "Tumba")
    own = await staff.create_class(PERSON, "9B", "OWN9B", today + timedelta(days=9))
    await staff.toggle_assignment(own.id, "bus_stop_teasing")
    await staff.create_invitation("mentor", MENTOR, "Mentor", today, PERSON)
    await staff.redeem_invitation("mentor", MENTOR_PERSON)
    await staff.create_invitation("unused", MENTOR, "Mentor 2", today, PERSON)
    await staff.set_menu(PERSON, "staff")
    await staff.set_menu(MENTOR_PERSON, "staff")


async def test_deleting_a_person_leaves_no_trace_of_their_pseudonym(
    store: PostgresStore, postgres_url: str
) -> None:
    await everything_a_person_can_leave(store, postgres_url)
    assert set(await cells_holding(postgres_url, PERSON)) >= {
        "users.pseudonym", "runs.pseudonym", "choices.pseudonym", "active_runs.pseudonym",
        "finished_runs.pseudonym", "class_members.pseudonym", "measure_answers.pseudonym",
        "follow_ups.pseudonym", "roles.pseudonym", "roles.invited_by", "classes.owner",
        "invitations.invited_by", "command_menus.pseudonym",
    }  # fmt: skip

    assert await store.delete_user(PERSON) > 0

    assert await cells_holding(postgres_url, PERSON) == {}
    assert await cells_holding(postgres_url, OTHER_WORKER) != {}  # nobody else's rows went
    assert await PostgresClassStore(store).roles_of(MENTOR_PERSON) == set()


async def test_a_deletion_is_logged_for_restores(store: PostgresStore, tmp_path: Path) -> None:
    log = DeletionLog(tmp_path / "deletions.log", SECRET, keep_days=30)
    assert log.deletions_since(None) == []  # initialize started the log
    await store.save_profile(profile(PERSON))

    await store.delete_user(PERSON)
    assert await store.delete_user(MENTOR_PERSON) == 0  # nothing kept: nothing logged

    assert [deletion.user for deletion in log.deletions_since(None)] == [PERSON]
