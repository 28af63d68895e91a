"""The PlayerStore contract (bot.storage.ports): profiles and runs.

`players` runs against every backend, the memory store of unsaved play included; `storage`
against the backends that keep what they are given (who agreed to saving)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.storage import Profile, UnknownUser
from bot.storage.ports import PlayerStore, Storage

from ..conftest import SCENARIO, choice, profile, run_state
from .conftest import Clock, Rows

USER = "a" * 64
OTHER = "b" * 64


async def play(store: PlayerStore, user: str, run_id: str = "abc123", choices: int = 2) -> None:
    """A person with a profile, with a run in progress after some choices."""
    await store.save_profile(profile(user))
    await store.start_run(user, run_state(run_id))
    for step in range(choices):
        await store.save_progress(
            user, run_state(run_id, steps=step + 1), choice(run_id, step), False
        )


# -- every PlayerStore ------------------------------------------------------------------


async def test_profile_is_saved_and_updated(players: PlayerStore) -> None:
    assert await players.get_profile(USER) is None

    await players.save_profile(profile(USER))
    assert await players.get_profile(USER) == profile(USER)

    changed = Profile(USER, language="en", age_band="unsaid", consent="save")
    await players.save_profile(changed)
    assert await players.get_profile(USER) == changed


async def test_the_active_run_is_the_last_one_stored(players: PlayerStore) -> None:
    await play(players, USER, "first1", choices=1)
    assert await players.get_active_run(USER) == run_state("first1", steps=1)

    await players.start_run(USER, run_state("second", scenario="party_photo"))

    assert await players.get_active_run(USER) == run_state("second", scenario="party_photo")


async def test_a_finished_run_stops_being_active_and_is_kept_for_replays(
    players: PlayerStore,
) -> None:
    await play(players, USER, choices=1)
    assert await players.get_finished_run(USER) is None

    await players.save_progress(USER, run_state(steps=2), choice(step=1), True)

    assert await players.get_active_run(USER) is None
    assert await players.get_finished_run(USER) == run_state(steps=2)


async def test_clearing_the_active_run(players: PlayerStore) -> None:
    await players.clear_active_run(USER)  # nothing to clear: no error
    await play(players, USER, choices=1)
    await players.clear_active_run(USER)
    assert await players.get_active_run(USER) is None


async def test_deleting_a_person_forgets_them_and_nobody_else(players: PlayerStore) -> None:
    await play(players, USER, choices=1)
    await players.save_progress(USER, run_state(steps=2), choice(step=1), True)
    await play(players, OTHER, choices=1)

    assert await players.delete_user(USER) > 0

    assert await players.get_profile(USER) is None
    assert await players.get_active_run(USER) is None
    assert await players.get_finished_run(USER) is None
    assert await players.get_active_run(OTHER) == run_state(steps=1)
    assert await players.delete_user(USER) == 0


# -- backends that keep what they are given -------------------------------------------------


async def test_a_person_who_declined_saving_is_never_written(storage: Storage) -> None:
    with pytest.raises(ValueError):
        await storage.players.save_profile(Profile(USER, "sv", "16_17", "nosave"))
    assert await storage.players.get_profile(USER) is None


async def test_runs_of_unknown_people_are_refused(storage: Storage, rows: Rows) -> None:
    with pytest.raises(UnknownUser):
        await storage.players.start_run(USER, run_state())
    with pytest.raises(UnknownUser):
        await storage.players.save_progress(USER, run_state(steps=1), choice(), False)
    await storage.players.clear_active_run(USER)
    assert await storage.players.describe_user(USER) is None
    assert await rows.holding(USER) == {}


async def test_progress_survives_a_restart(storage: Storage) -> None:
    await play(storage.players, USER, choices=2)
    await storage.lifecycle.close()
    assert not storage.lifecycle.is_open

    await storage.lifecycle.initialize()
    assert await storage.players.get_active_run(USER) == run_state(steps=2)
    assert (await storage.players.describe_user(USER)).choices == 2


async def test_progress_needs_a_started_run_and_a_matching_choice(storage: Storage) -> None:
    players = storage.players
    await players.save_profile(profile(USER))
    with pytest.raises(ValueError, match="start_run"):
        await players.save_progress(USER, run_state(), None, False)
    await players.start_run(USER, run_state())
    with pytest.raises(ValueError, match="another run"):
        await players.save_progress(USER, run_state(), choice("zzz999"), False)
    assert (await players.describe_user(USER)).choices == 0


async def test_replaced_and_cleared_runs_stay_recorded(storage: Storage) -> None:
    players = storage.players
    await play(players, USER, "first1", choices=1)
    await players.start_run(USER, run_state("second", scenario="party_photo"))
    await players.clear_active_run(USER)

    data = await players.describe_user(USER)
    assert (data.runs_started, data.runs_finished, data.choices) == (2, 0, 1)
    assert data.scenarios == (SCENARIO, "party_photo")


async def test_a_run_is_finished_once_on_its_first_finishing_day(
    storage: Storage, clock: Clock
) -> None:
    players = storage.players
    await players.save_profile(profile(USER))
    clock.day = date(2025, 4, 2)
    await players.start_run(USER, run_state())
    await players.save_progress(USER, run_state(steps=1), choice(), True)

    data = await players.describe_user(USER)
    assert (data.runs_started, data.runs_finished, data.choices) == (1, 1, 1)
    assert (data.first_activity, data.last_activity) == (date(2025, 3, 14), date(2025, 4, 2))


async def test_delete_user_counts_every_record_and_leaves_none(
    storage: Storage, rows: Rows
) -> None:
    players = storage.players
    await play(players, USER, "first1", choices=1)
    await players.save_progress(USER, run_state("first1", steps=2), choice("first1", 1), True)
    await play(players, USER, "second", choices=1)
    await play(players, OTHER, choices=3)
    other_before = await players.describe_user(OTHER)

    removed = await players.delete_user(USER)

    assert removed == 1 + 2 + 3 + 1 + 1  # profile, runs, choices, active and finished run
    assert await players.describe_user(USER) is None
    assert await rows.holding(USER) == {}
    assert await players.describe_user(OTHER) == other_before


async def test_concurrent_writers_do_not_interfere(storage: Storage) -> None:
    users = [f"{n:064x}" for n in range(20)]
    await asyncio.gather(*(play(storage.players, user, choices=3) for user in users))
    for user in users:
        assert (await storage.players.describe_user(user)).choices == 3
