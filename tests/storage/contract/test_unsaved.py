"""Unsaved play: the stores of people who play without saving, in this process's memory or in
PostgreSQL shared by several workers (bot.storage.postgres.unsaved). Both forget the same
way; on PostgreSQL every worker sees the same, and the rows show nothing of the person.

The PlayerStore contract itself (test_players.py) runs on both as well."""

from __future__ import annotations

from datetime import timedelta

import pytest
from psycopg import AsyncConnection

from bot import bounded
from bot.services.membership import WRONG_CODE_WINDOW_S
from bot.storage.keys import pseudonym
from bot.storage.ports import PlayerStore, UnsavedMemory
from bot.storage.postgres.unsaved import UnsavedKeys

from ..conftest import choice, profile, run_state
from .conftest import SECRET, Clock, unsaved_on_postgres

TELEGRAM_ID = 123456789
USER = pseudonym(SECRET, TELEGRAM_ID)
OTHER = "b" * 64
DAY = timedelta(seconds=bounded.MAX_IDLE_S)
WINDOW = timedelta(seconds=WRONG_CODE_WINDOW_S)


async def play(store: PlayerStore, user: str = USER) -> None:
    await store.save_profile(profile(user))
    await store.start_run(user, run_state())
    await store.save_progress(user, run_state(steps=1), choice(), False)


async def kept(store: PlayerStore, user: str = USER) -> bool:
    found = [await store.get_profile(user), await store.get_active_run(user)]
    assert found.count(None) in (0, 2), "a person is forgotten whole"
    return found[0] is not None


# -- both kinds ---------------------------------------------------------------------------


async def test_unsaved_play_is_kept_while_used_and_forgotten_a_day_after(
    unsaved_players: PlayerStore, clock: Clock
) -> None:
    await play(unsaved_players)
    clock.now += timedelta(hours=20)
    assert await kept(unsaved_players), "used within the day"
    clock.now += timedelta(hours=20)
    assert await kept(unsaved_players), "looking counts as a use"

    clock.now += DAY + timedelta(hours=1)
    assert not await kept(unsaved_players)
    assert await unsaved_players.get_finished_run(USER) is None
    assert await unsaved_players.delete_user(USER) == 0, "nothing left to delete"


async def test_a_class_is_remembered_until_forgotten_or_a_day_unused(
    unsaved_memory: UnsavedMemory, clock: Clock
) -> None:
    assert await unsaved_memory.recall_class(USER) is None
    await unsaved_memory.remember_class(USER, 7)
    await unsaved_memory.remember_class(USER, 8)
    await unsaved_memory.remember_class(OTHER, 9)
    assert await unsaved_memory.recall_class(USER) == 8

    await unsaved_memory.forget_class(USER)
    assert await unsaved_memory.recall_class(USER) is None
    await unsaved_memory.forget_class(USER)  # nothing to forget: no error

    clock.now += DAY + timedelta(hours=1)
    assert await unsaved_memory.recall_class(OTHER) is None


async def test_wrong_codes_count_within_their_window(
    unsaved_memory: UnsavedMemory, clock: Clock
) -> None:
    assert await unsaved_memory.wrong_codes(USER) == 0
    for _ in range(3):
        await unsaved_memory.note_wrong_code(USER)
    clock.now += WINDOW / 2
    await unsaved_memory.note_wrong_code(USER)
    await unsaved_memory.note_wrong_code(OTHER)
    assert await unsaved_memory.wrong_codes(USER) == 4
    assert await unsaved_memory.wrong_codes(OTHER) == 1

    clock.now += WINDOW / 2 + timedelta(seconds=1)
    assert await unsaved_memory.wrong_codes(USER) == 1, "the first three are past the window"
    clock.now += WINDOW
    assert await unsaved_memory.wrong_codes(USER) == 0


# -- PostgreSQL: several workers ----------------------------------------------------------


@pytest.mark.postgres
async def test_workers_on_one_database_see_the_same_unsaved_play(
    postgres_url: str, clock: Clock
) -> None:
    async with (
        unsaved_on_postgres(postgres_url, clock) as first,
        unsaved_on_postgres(postgres_url, clock) as second,
    ):
        await play(first.players)
        assert await second.players.get_active_run(USER) == run_state(steps=1)
        await second.players.save_progress(USER, run_state(steps=2), choice(step=1), True)
        assert await first.players.get_finished_run(USER) == run_state(steps=2)
        assert await first.players.get_active_run(USER) is None

        await first.memory.remember_class(USER, 7)
        assert await second.memory.recall_class(USER) == 7
        for worker in (first, second, first):
            await worker.memory.note_wrong_code(USER)
        assert await second.memory.wrong_codes(USER) == 3, "the limit is not per worker"

        assert await second.players.delete_user(USER) == 2  # the profile and the finished run
        assert not await kept(first.players)


@pytest.mark.postgres
async def test_the_maintenance_job_deletes_what_is_idle(postgres_url: str, clock: Clock) -> None:
    async with unsaved_on_postgres(postgres_url, clock) as worker:
        await play(worker.players, USER)
        await worker.memory.remember_class(USER, 7)
        await worker.memory.note_wrong_code(USER)
        clock.now += timedelta(hours=12)
        await play(worker.players, OTHER)
        await worker.memory.note_wrong_code(OTHER)

        clock.now += timedelta(hours=13)
        assert await worker.players.forget_idle() == 1
        assert await worker.memory.forget_idle() == 3  # the class and both wrong codes
        left = await worker.rows.everything()
        assert len(left["unsaved_play"]) == 1
        assert left["unsaved_classes"] == left["unsaved_wrong_codes"] == []
        assert await kept(worker.players, OTHER)


@pytest.mark.postgres
async def test_rows_show_neither_the_person_nor_what_they_did(
    postgres_url: str, clock: Clock
) -> None:
    clock.now = clock.now.replace(minute=41, second=27)
    async with unsaved_on_postgres(postgres_url, clock) as worker:
        await play(worker.players)
        await worker.memory.remember_class(USER, 7)
        await worker.memory.note_wrong_code(USER)

        for value in (USER, str(TELEGRAM_ID)):
            assert await worker.rows.holding(value) == {}
        text = " ".join(map(" ".join, (await worker.rows.everything()).values()))
        for shown in (USER, str(TELEGRAM_ID), "abc123", run_state()["scenario"], "16_17"):
            assert shown not in text
        async with await AsyncConnection.connect(postgres_url) as db:
            cursor = await db.execute("SELECT seen_at FROM unsaved_play UNION SELECT seen_at"
                                      " FROM unsaved_classes")  # fmt: skip
            assert [row[0] for row in await cursor.fetchall()] == [
                clock.now.replace(minute=0, second=0)
            ], "to the hour only"
            cursor = await db.execute(
                "SELECT relpersistence FROM pg_class WHERE relname LIKE 'unsaved%'"
            )
            assert {row[0] for row in await cursor.fetchall()} == {"u"}, "unlogged, indexes too"


@pytest.mark.postgres
async def test_another_secret_neither_finds_nor_opens_the_rows(
    postgres_url: str, clock: Clock
) -> None:
    other_secret = bytes(range(64, 96))
    async with (
        unsaved_on_postgres(postgres_url, clock) as worker,
        unsaved_on_postgres(postgres_url, clock, other_secret) as stranger,
    ):
        await play(worker.players)
        assert await stranger.players.get_profile(USER) is None

        # Even given the handle its secret makes for the person, the sealed state stays shut.
        theirs = UnsavedKeys(other_secret).handle(USER)
        async with await AsyncConnection.connect(postgres_url, autocommit=True) as db:
            await db.execute("UPDATE unsaved_play SET handle = %s", (theirs,))
        assert await stranger.players.get_profile(USER) is None
        assert await stranger.players.get_active_run(USER) is None
