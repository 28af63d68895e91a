"""The ClassStore and ClassResultStore contract (bot.storage.ports): classes, their members,
assigned scenarios and what the class view counts."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta

from bot.engine.ages import WHOLE_AUDIENCE, of_school_year
from bot.storage import Profile
from bot.storage.ports import Storage
from bot.storage.records import EVALUATOR, ScenarioProgress

from .conftest import Clock
from .plays import play

EXPIRES = date(2030, 1, 1)


async def saver(storage: Storage, user: str) -> None:
    """Someone who agreed to saving: only they join classes."""
    await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))


async def test_a_class_keeps_its_school_year_and_can_change_it(storage: Storage) -> None:
    staff = storage.staff
    year_8 = of_school_year(8)
    made = await staff.create_class("worker", "8B", "code-8b", EXPIRES, year_8)
    assert (await staff.get_class(made.id)).age == year_8
    await staff.set_class_age(made.id, of_school_year(10))
    assert (await staff.class_by_code("code-8b")).age == of_school_year(10)
    other = await staff.create_class("worker", "9A", "code-9a", EXPIRES)
    assert other.age == WHOLE_AUDIENCE == (await staff.get_class(other.id)).age


async def test_classes_are_found_by_owner_code_and_name(storage: Storage) -> None:
    staff = storage.staff
    first = await staff.create_class("worker", "8B", "code-1", EXPIRES)
    second = await staff.create_class("worker", "8B", "code-2", EXPIRES)
    await staff.create_class("colleague", "9A", "code-3", EXPIRES)
    assert [c.id for c in await staff.classes_of("worker")] == [second.id, first.id]
    assert await staff.class_by_code("code-2") == second
    assert await staff.class_by_code("unknown") is None
    assert await staff.class_id_by_name("8B") == first.id, "the oldest of that name"
    assert await staff.class_id_by_name("7C") is None
    assert await staff.get_class(second.id + 100) is None


async def test_a_class_closes_once_and_joining_twice_keeps_one_membership(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    later = await staff.create_class("worker", "9A", "code-9a", EXPIRES)
    await saver(storage, "pupil")
    await staff.join_class(record.id, "pupil")
    clock.day += timedelta(days=1)
    await staff.join_class(later.id, "pupil")
    await staff.join_class(record.id, "pupil")
    assert [c.id for c in await staff.member_classes("pupil")] == [later.id, record.id]
    assert await staff.members(record.id) == 1

    await staff.close_class(record.id)
    clock.day += timedelta(days=1)
    await staff.close_class(record.id)
    closed = await staff.get_class(record.id)
    assert closed.closed_on == (clock.day - timedelta(days=1)).isoformat()
    assert not closed.is_open(clock.day)


async def test_members_are_students_only(storage: Storage) -> None:
    staff = storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    await staff.grant_role("evaluator", EVALUATOR, "Research")
    for user in ("worker", "evaluator", "admin", "pupil-1", "pupil-2"):
        await saver(storage, user)
        await staff.join_class(record.id, user)
    assert await staff.members(record.id, staff=("admin",)) == 2
    for player in ("pupil-1", "evaluator"):  # someone with a role is no student
        await play(storage.players, player, "r1", [("a", "good", "delegate", "helpful")],
                   class_id=record.id)  # fmt: skip
    assert await staff.progress(record.id, staff=("admin",)) == [ScenarioProgress("s1", 1, 1)]


async def test_assignments_toggle(storage: Storage) -> None:
    staff = storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    assert await staff.toggle_assignment(record.id, "s2")
    assert await staff.toggle_assignment(record.id, "s1")
    assert await staff.assigned(record.id) == ["s1", "s2"]
    assert not await staff.toggle_assignment(record.id, "s2")
    assert await staff.assigned(record.id) == ["s1"]


async def test_assignments_set_at_once(storage: Storage) -> None:
    staff = storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    other = await staff.create_class("worker", "9A", "code-9a", EXPIRES)
    await staff.toggle_assignment(other.id, "s1")
    await staff.set_assignments(record.id, ["s3", "s1"])
    assert await staff.assigned(record.id) == ["s1", "s3"]
    await staff.set_assignments(record.id, {"s2", "s3"})
    assert await staff.assigned(record.id) == ["s2", "s3"]
    await staff.set_assignments(record.id, [])
    assert await staff.assigned(record.id) == []
    assert await staff.assigned(other.id) == ["s1"], "another class keeps its own"


async def test_assignment_changes_at_once_end_as_one_after_the_other(storage: Storage) -> None:
    """A dashboard save and /class taps on the same class, all at once, many times: none
    fails (on PostgreSQL a lock order that deadlocked once), and the end is what some order
    of them one after the other gives."""
    staff = storage.staff
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    save, taps = {"s1", "s2"}, ("s2", "s3")

    def one_after_the_other(order: tuple) -> list[str]:
        assigned = {"s1"}
        for change in order:
            assigned = set(save) if change == "save" else assigned ^ {change}
        return sorted(assigned)

    possible = [one_after_the_other(o) for o in itertools.permutations(("save", *taps))]
    for _ in range(20):
        await staff.set_assignments(record.id, ["s1"])
        await asyncio.gather(
            staff.set_assignments(record.id, save),
            *(staff.toggle_assignment(record.id, tap) for tap in taps),
        )
        assert await staff.assigned(record.id) in possible
