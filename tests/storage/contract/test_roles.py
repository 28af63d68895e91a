"""The RoleStore and MenuStore contract (bot.storage.ports): staff roles and invitations,
peer mentors invited by a youth worker and gone with the youth worker's role, revocation
ending what the role allowed, and command menus marked for reset when a role goes."""

from __future__ import annotations

from datetime import date, timedelta

from bot.storage.ports import Storage
from bot.storage.records import (
    EVALUATOR,
    GROUP,
    MENTOR,
    POLL,
    RESET_MENU,
    ROOM,
    YOUTH_WORKER,
    GroupChat,
    Lesson,
    Play,
)

from .conftest import Clock

EXPIRES = date(2030, 1, 1)


async def grant(storage: Storage, user: str, role: str, invited_by: str | None = None) -> int:
    token = f"token-{len(await storage.staff.active_roles())}"
    await storage.staff.create_invitation(token, role, f"{user}'s label", EXPIRES, invited_by)
    return (await storage.staff.redeem_invitation(token, user)).id


async def leading(storage: Storage, leader: str, owner: str, chat_id: int) -> tuple[Lesson, Play]:
    """`leader` plays with a class of `owner` in a group; returns the lesson and its play."""
    record = await storage.staff.create_class(owner, f"class-{chat_id}", f"c{chat_id}", EXPIRES)
    ends_at = storage.lessons.now() + timedelta(hours=2)
    lesson = await storage.lessons.start_lesson(
        record.id, leader, GROUP, "s", ends_at, GroupChat(chat_id)
    )
    play = await storage.lessons.start_play(lesson.id, record.id, leader, "s", 1, {}, POLL)
    return lesson, play


async def menu_of(storage: Storage, user: str) -> str | None:
    return (await storage.staff.menu_and_roles(user))[0]


async def test_an_invitation_grants_its_role_once_until_it_expires(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    await staff.create_invitation("once", EVALUATOR, "Research", clock.day)
    granted = await staff.redeem_invitation("once", "evaluator")
    assert (granted.role, granted.label, granted.granted_on) == (
        EVALUATOR, "Research", clock.day.isoformat()
    )  # fmt: skip
    assert await staff.redeem_invitation("once", "someone") is None, "used"
    assert await staff.redeem_invitation("unknown", "someone") is None
    await staff.create_invitation("late", EVALUATOR, "Research", clock.day)
    clock.day += timedelta(days=1)
    assert await staff.redeem_invitation("late", "someone") is None, "expired"
    assert await staff.roles_of("evaluator") == {EVALUATOR}
    assert await staff.roles_of("someone") == set()


async def test_active_roles_oldest_first_with_the_mentor_s_youth_worker(storage: Storage) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    await storage.staff.grant_role("evaluator", EVALUATOR, "Research")
    assert [(g.role, g.label, g.inviter_label) for g in await storage.staff.active_roles()] == [
        (YOUTH_WORKER, "worker's label", None),
        (MENTOR, "pupil's label", "worker's label"),
        (EVALUATOR, "Research", None),
    ]


async def test_a_youth_worker_s_mentor_knows_who_invited_them(storage: Storage) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    mentor_grant = await grant(storage, "pupil", MENTOR, invited_by="worker")
    await grant(storage, "admins-mentor", MENTOR)

    assert await storage.staff.roles_of("pupil") == {MENTOR}
    assert await storage.staff.inviter_of("pupil") == "worker"
    assert [g.id for g in await storage.staff.mentors_of("worker")] == [mentor_grant]
    assert await storage.staff.inviter_of("admins-mentor") is None, "an admin invited them"
    assert await storage.staff.inviter_of("worker") is None, "not a mentor"


async def test_a_mentor_has_one_youth_worker_and_no_other_role(storage: Storage) -> None:
    for worker in ("worker", "colleague"):
        await grant(storage, worker, YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    await grant(storage, "evaluator", EVALUATOR)

    for token, user, invited_by in (
        ("second", "pupil", "colleague"),
        ("from-admin", "pupil", None),
        ("evaluator", "evaluator", "worker"),
    ):
        await storage.staff.create_invitation(token, MENTOR, "MVP", EXPIRES, invited_by)
        assert await storage.staff.redeem_invitation(token, user) == "conflict", token
    assert await storage.staff.inviter_of("pupil") == "worker"
    await storage.staff.create_invitation("again", MENTOR, "MVP", EXPIRES, "worker")
    assert await storage.staff.redeem_invitation("again", "pupil") is not None, "same inviter"


async def test_only_the_last_youth_worker_grant_closes_classes_and_lessons(
    storage: Storage, clock: Clock
) -> None:
    staff = storage.staff
    for role in (YOUTH_WORKER, YOUTH_WORKER, EVALUATOR):
        await staff.grant_role("worker", role, "Alby")
    first, second, evaluator = (g.id for g in await staff.active_roles())
    record = await staff.create_class("worker", "8B", "code-8b", EXPIRES)
    other = await staff.create_class("someone-else", "9A", "code-9a", EXPIRES)
    ends_at = clock.now + timedelta(hours=2)
    room = await storage.lessons.start_lesson(record.id, "worker", ROOM, "s", ends_at, None)

    for revoked in (evaluator, first):
        assert await staff.revoke_role(revoked)
        assert (await staff.get_class(record.id)).closed_on is None, "still a youth worker"
        assert await storage.lessons.open_lessons_led_by("worker") == [room]
    assert await staff.revoke_role(second)
    assert not await staff.revoke_role(second), "a grant is revoked once"
    assert not await staff.revoke_role(second + 100), "an unknown grant"
    assert (await staff.get_class(record.id)).closed_on == clock.day.isoformat()
    assert await storage.lessons.open_lessons_led_by("worker") == []
    assert (await staff.get_class(other.id)).closed_on is None, "only their own classes"


async def test_revoking_a_youth_worker_revokes_their_mentors_at_once(storage: Storage) -> None:
    staff, lessons = storage.staff, storage.lessons
    first = await grant(storage, "worker", YOUTH_WORKER)
    second = await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    await grant(storage, "colleague", YOUTH_WORKER)
    await grant(storage, "other-pupil", MENTOR, invited_by="colleague")
    await staff.create_invitation("unused", MENTOR, "MVP", EXPIRES, "worker")
    mentor_lesson, mentor_play = await leading(storage, "pupil", "worker", -100)
    own_lesson, _ = await leading(storage, "worker", "worker", -200)
    other_lesson, _ = await leading(storage, "other-pupil", "colleague", -300)
    for user in ("worker", "pupil", "other-pupil"):
        await staff.set_menu(user, "staff")
    await staff.set_menu("colleague", "")

    assert await staff.revoke_role(first)
    assert await staff.roles_of("pupil") == {MENTOR}, "still a youth worker"
    assert await lessons.open_lessons_led_by("pupil") == [mentor_lesson]

    assert await staff.revoke_role(second)
    assert await staff.roles_of("pupil") == set()
    assert await staff.mentors_of("worker") == []
    assert await lessons.open_lessons_led_by("pupil") == []
    assert await lessons.open_lessons_led_by("worker") == []
    assert (await lessons.get_lesson(own_lesson.id)).ended_at is not None
    assert (await lessons.get_play(mentor_play.id)).finished
    assert await staff.redeem_invitation("unused", "newcomer") is None
    assert [await menu_of(storage, u) for u in ("worker", "pupil")] == [RESET_MENU] * 2
    # Someone else's mentor, lesson and menu stay as they were.
    assert await staff.roles_of("other-pupil") == {MENTOR}
    assert await lessons.open_lessons_led_by("other-pupil") == [other_lesson]
    assert await menu_of(storage, "other-pupil") == "staff"
    assert await menu_of(storage, "colleague") == ""


async def test_revoking_a_mentor_ends_their_lessons_only(storage: Storage, clock: Clock) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    mentor = await grant(storage, "pupil", MENTOR, invited_by="worker")
    mentor_lesson, _ = await leading(storage, "pupil", "worker", -100)
    own_lesson, _ = await leading(storage, "worker", "worker", -200)
    await storage.staff.set_menu("pupil", "mentor")

    assert await storage.staff.revoke_role(mentor)
    assert not (await storage.lessons.get_lesson(mentor_lesson.id)).is_open(clock.now)
    assert await storage.lessons.open_lessons_led_by("worker") == [own_lesson]
    assert (await storage.staff.get_class(own_lesson.class_id)).closed_on is None
    assert await menu_of(storage, "pupil") == RESET_MENU


async def test_a_command_menu_is_kept_until_forgotten(storage: Storage) -> None:
    assert await storage.staff.menu_and_roles("worker") == (None, set())
    await storage.staff.grant_role("worker", YOUTH_WORKER, "Alby")
    await storage.staff.set_menu("worker", "youth_worker")
    await storage.staff.set_menu("worker", "")
    assert await storage.staff.menu_and_roles("worker") == ("", {YOUTH_WORKER})
    await storage.staff.forget_menu("worker")
    assert await menu_of(storage, "worker") is None


async def test_retention_forgets_the_menu_of_someone_whose_roles_are_gone(
    storage: Storage, clock: Clock
) -> None:
    revoked = await grant(storage, "former", MENTOR)
    await grant(storage, "worker", YOUTH_WORKER)
    for user in ("former", "worker"):
        await storage.staff.set_menu(user, "staff")
    await storage.staff.revoke_role(revoked)

    await storage.retention.purge(clock.day + timedelta(days=800), dry_run=False)

    assert await menu_of(storage, "former") is None
    assert await menu_of(storage, "worker") == "staff"
