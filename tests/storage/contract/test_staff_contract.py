"""The staff ports' contract (bot.storage.ports: SettingsStore, RoleStore, MenuStore,
ClassStore, ClassResultStore) on every backend that keeps what it is given: what the staff
desk relies on, including what ends when a role is revoked or its holder deleted."""

from __future__ import annotations

from datetime import date, timedelta

from bot.privacy.class_view import Release, Tally
from bot.storage.ports import Storage
from bot.storage.records import (
    EVALUATOR,
    MENTOR,
    RESET_MENU,
    YOUTH_WORKER,
    ScenarioProgress,
    StepAnswers,
)

from ..conftest import SCENARIO, Clock, choice, profile, run_state

WORKER, MENTOR_PERSON, ADMIN = "w" * 64, "m" * 64, "z" * 64
STUDENTS = [f"{n:064x}" for n in range(3)]


async def youth_worker_with_class(storage: Storage, clock: Clock) -> int:
    """A youth worker with an open class that three students joined."""
    await storage.staff.grant_role(WORKER, YOUTH_WORKER, "Tumba fritidsgård")
    made = await storage.staff.create_class(WORKER, "9B", "CODE9B", clock.day + timedelta(days=30))
    for student in STUDENTS:
        await storage.players.save_profile(profile(student))
        await storage.staff.join_class(made.id, student)
    return made.id


async def mentor_of_worker(storage: Storage, clock: Clock) -> None:
    await storage.staff.create_invitation("mentor-token", MENTOR, "Mentor", clock.day, WORKER)
    granted = await storage.staff.redeem_invitation("mentor-token", MENTOR_PERSON)
    assert granted is not None and granted != "conflict"


async def test_settings_are_created_and_replaced(storage: Storage) -> None:
    assert await storage.staff.setting("bot_username") is None
    await storage.staff.set_setting("bot_username", "first_bot")
    await storage.staff.set_setting("bot_username", "second_bot")
    assert await storage.staff.setting("bot_username") == "second_bot"


async def test_an_invitation_grants_its_role_once_through_its_expiry_day(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    await staff.create_invitation("token", EVALUATOR, "Evaluation team", clock.day)
    await staff.create_invitation("old", EVALUATOR, "Too late", clock.day - timedelta(days=1))

    granted = await staff.redeem_invitation("token", WORKER)

    assert (granted.role, granted.label, granted.granted_on) == (
        EVALUATOR, "Evaluation team", clock.day.isoformat())  # fmt: skip
    assert await staff.redeem_invitation("token", ADMIN) is None  # used
    assert await staff.redeem_invitation("old", ADMIN) is None  # expired
    assert await staff.redeem_invitation("unknown", ADMIN) is None
    assert await staff.roles_of(WORKER) == {EVALUATOR}
    assert [(g.role, g.label) for g in await staff.active_roles()] == [
        (EVALUATOR, "Evaluation team")
    ]


async def test_a_second_role_is_a_conflict_and_the_invitation_stays_unused(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    await staff.grant_role(WORKER, YOUTH_WORKER, "Tumba")
    await staff.create_invitation("token", EVALUATOR, "Evaluation team", clock.day)

    assert await staff.redeem_invitation("token", WORKER) == "conflict"
    assert await staff.roles_of(WORKER) == {YOUTH_WORKER}
    assert (await staff.redeem_invitation("token", ADMIN)).role == EVALUATOR


async def test_a_mentor_belongs_to_the_youth_worker_who_invited_them(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    await staff.grant_role(WORKER, YOUTH_WORKER, "Tumba")
    await mentor_of_worker(storage, clock)

    assert await staff.inviter_of(MENTOR_PERSON) == WORKER
    assert [g.role for g in await staff.mentors_of(WORKER)] == [MENTOR]
    mentor_grant = (await staff.active_roles())[-1]
    assert (mentor_grant.role, mentor_grant.inviter_label) == (MENTOR, "Tumba")
    assert await staff.inviter_of(WORKER) is None


async def test_revoking_a_youth_worker_ends_their_classes_mentors_and_menus(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    class_id = await youth_worker_with_class(storage, clock)
    await mentor_of_worker(storage, clock)
    await staff.create_invitation("unused", MENTOR, "Mentor 2", clock.day, WORKER)
    for person in (WORKER, MENTOR_PERSON):
        await staff.set_menu(person, "staff")
    worker_grant = next(g for g in await staff.active_roles() if g.role == YOUTH_WORKER)
    clock.day += timedelta(days=2)

    assert await staff.revoke_role(worker_grant.id) is True

    assert await staff.roles_of(WORKER) == set() == await staff.roles_of(MENTOR_PERSON)
    assert (await staff.get_class(class_id)).closed_on == clock.day.isoformat()
    assert await staff.redeem_invitation("unused", ADMIN) is None
    for person in (WORKER, MENTOR_PERSON):
        assert await staff.menu_and_roles(person) == (RESET_MENU, set())
    assert await staff.revoke_role(worker_grant.id) is False


async def test_menus_are_set_and_forgotten(storage: Storage) -> None:
    staff = storage.staff
    assert await staff.menu_and_roles(WORKER) == (None, set())
    await staff.grant_role(WORKER, EVALUATOR, "Evaluation")
    await staff.set_menu(WORKER, "")
    assert await staff.menu_and_roles(WORKER) == ("", {EVALUATOR})
    await staff.forget_menu(WORKER)
    assert await staff.menu_and_roles(WORKER) == (None, {EVALUATOR})


async def test_classes_are_found_joined_and_closed_once(storage: Storage, clock: Clock) -> None:
    staff = storage.staff
    class_id = await youth_worker_with_class(storage, clock)
    second = await staff.create_class(WORKER, "9B", "OTHER", date(2025, 6, 1))

    assert [c.id for c in await staff.classes_of(WORKER)] == [second.id, class_id]
    assert (await staff.class_by_code("CODE9B")).id == class_id
    assert await staff.class_by_code("NOPE") is None
    assert await staff.class_id_by_name("9B") == class_id
    assert await staff.get_class(second.id) == second

    await staff.join_class(second.id, STUDENTS[0])
    clock.day += timedelta(days=1)
    await staff.join_class(class_id, STUDENTS[0])  # again: the first joining day stays
    assert [c.id for c in await staff.member_classes(STUDENTS[0])] == [second.id, class_id]

    await staff.close_class(class_id)
    clock.day += timedelta(days=1)
    await staff.close_class(class_id)
    closed = await staff.get_class(class_id)
    assert closed.closed_on == (clock.day - timedelta(days=1)).isoformat()
    assert not closed.is_open(clock.day)


async def test_members_are_students_only(storage: Storage, clock: Clock) -> None:
    staff = storage.staff
    class_id = await youth_worker_with_class(storage, clock)
    for person in (WORKER, ADMIN):
        await storage.players.save_profile(profile(person))
        await staff.join_class(class_id, person)
    assert await staff.members(class_id) == 4  # the owner does not count, the admin does
    assert await staff.members(class_id, staff=[ADMIN]) == 3
    await staff.grant_role(STUDENTS[0], EVALUATOR, "Evaluation")
    assert await staff.members(class_id, staff=[ADMIN]) == 2


async def test_assignments_toggle(storage: Storage, clock: Clock) -> None:
    class_id = await youth_worker_with_class(storage, clock)
    assert await storage.staff.toggle_assignment(class_id, "party_photo") is True
    assert await storage.staff.toggle_assignment(class_id, SCENARIO) is True
    assert await storage.staff.assigned(class_id) == sorted([SCENARIO, "party_photo"])
    assert await storage.staff.toggle_assignment(class_id, "party_photo") is False
    assert await storage.staff.assigned(class_id) == [SCENARIO]


async def test_class_results_count_each_students_first_answer_without_replays(
    storage: Storage, clock: Clock
) -> None:
    class_id = await youth_worker_with_class(storage, clock)
    players = storage.players
    for number, student in enumerate(STUDENTS[:2]):
        await players.start_run(student, run_state(), class_id)
        await players.save_progress(student, run_state(steps=1), choice(), number == 0)
    replay = run_state("replay") | {"replay_of": "abc123"}
    await players.start_run(STUDENTS[0], replay, class_id)
    await players.save_progress(
        STUDENTS[0], run_state("replay", steps=2), choice("replay", step=1), False
    )

    results = storage.staff
    assert await results.progress(class_id) == [ScenarioProgress(SCENARIO, 2, 1)]
    assert await results.step_answers(class_id, SCENARIO) == {
        "step0": StepAnswers("step0", 2, {"choice0": 2})
    }
    assert await results.step_answers(class_id, SCENARIO, staff=[STUDENTS[1]]) == {
        "step0": StepAnswers("step0", 1, {"choice0": 1})
    }


async def test_a_release_is_kept_unless_one_as_large_exists(storage: Storage, clock: Clock) -> None:
    class_id = await youth_worker_with_class(storage, clock)
    results = storage.staff
    first = Release(Tally(5, {"a": 3, "b": 2}), {"a": 3, "b": None})
    larger = Release(Tally(9, {"a": 5, "b": 4}), {"a": 5, "b": 4})

    assert await results.save_release(class_id, SCENARIO, "step0", first) is True
    assert await results.save_release(class_id, SCENARIO, "step0", first) is False
    assert await results.save_release(class_id, SCENARIO, "step0", larger) is True
    assert await results.releases(class_id, SCENARIO) == {"step0": [first, larger]}
    assert await results.releases(class_id, "party_photo") == {}


async def test_deleting_a_youth_worker_ends_what_their_role_gave(
    storage: Storage, clock: Clock
) -> None:
    class_id = await youth_worker_with_class(storage, clock)
    await mentor_of_worker(storage, clock)
    await storage.staff.set_menu(MENTOR_PERSON, "staff")

    assert await storage.players.delete_user(WORKER) > 0

    assert await storage.staff.get_class(class_id) is None
    assert await storage.staff.classes_of(WORKER) == []
    assert await storage.staff.roles_of(WORKER) == set()
    assert await storage.staff.menu_and_roles(MENTOR_PERSON) == (RESET_MENU, set())
    assert await storage.staff.inviter_of(MENTOR_PERSON) is None
    assert await storage.staff.member_classes(STUDENTS[0]) == []
