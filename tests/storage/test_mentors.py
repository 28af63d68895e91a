"""Peer mentors: invited by a youth worker, and gone with the youth worker's role; command
menus marked for reset when a role goes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.storage.records import EVALUATOR, GROUP, MENTOR, POLL, RESET_MENU, YOUTH_WORKER, GroupChat
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore

from .lesson_helpers import Moment, Stores, count, opened, rows_holding

EXPIRES = date(2030, 1, 1)


@pytest.fixture
async def stores(db_path: Path):
    async with opened(db_path, Moment()) as opened_stores:
        yield opened_stores


async def grant(stores: Stores, user: str, role: str, invited_by: str | None = None) -> int:
    token = f"token-{len(await stores.classes.active_roles())}"
    await stores.classes.create_invitation(token, role, f"{user}'s label", EXPIRES, invited_by)
    return (await stores.classes.redeem_invitation(token, user)).id


async def leading(stores: Stores, leader: str, owner: str, chat_id: int):
    """`leader` plays with a class of `owner` in a group; returns the lesson and its play."""
    record = await stores.classes.create_class(owner, f"class-{chat_id}", f"c{chat_id}", EXPIRES)
    ends_at = stores.moment.now + timedelta(hours=2)
    lesson = await stores.lessons.start_lesson(
        record.id, leader, GROUP, "s", ends_at, GroupChat(chat_id)
    )
    play = await stores.lessons.start_play(lesson.id, record.id, leader, "s", 1, {}, POLL)
    return lesson, play


async def test_a_youth_worker_s_mentor_knows_who_invited_them(stores: Stores) -> None:
    await grant(stores, "worker", YOUTH_WORKER)
    mentor_grant = await grant(stores, "pupil", MENTOR, invited_by="worker")
    await grant(stores, "admins-mentor", MENTOR)

    assert await stores.classes.roles_of("pupil") == {MENTOR}
    assert await stores.classes.inviter_of("pupil") == "worker"
    assert [g.id for g in await stores.classes.mentors_of("worker")] == [mentor_grant]
    assert await stores.classes.inviter_of("admins-mentor") is None, "an admin invited them"
    assert await stores.classes.inviter_of("worker") is None, "not a mentor"


async def test_a_mentor_has_one_youth_worker_and_no_other_role(stores: Stores) -> None:
    for worker in ("worker", "colleague"):
        await grant(stores, worker, YOUTH_WORKER)
    await grant(stores, "pupil", MENTOR, invited_by="worker")
    await grant(stores, "evaluator", EVALUATOR)

    for token, user, invited_by in (
        ("second", "pupil", "colleague"),
        ("from-admin", "pupil", None),
        ("evaluator", "evaluator", "worker"),
    ):
        await stores.classes.create_invitation(token, MENTOR, "MVP", EXPIRES, invited_by)
        assert await stores.classes.redeem_invitation(token, user) == "conflict", token
    assert await stores.classes.inviter_of("pupil") == "worker"
    await stores.classes.create_invitation("again", MENTOR, "MVP", EXPIRES, "worker")
    assert await stores.classes.redeem_invitation("again", "pupil") is not None, "same inviter"


async def test_revoking_a_youth_worker_revokes_their_mentors_at_once(stores: Stores) -> None:
    first = await grant(stores, "worker", YOUTH_WORKER)
    second = await grant(stores, "worker", YOUTH_WORKER)
    await grant(stores, "pupil", MENTOR, invited_by="worker")
    await grant(stores, "colleague", YOUTH_WORKER)
    await grant(stores, "other-pupil", MENTOR, invited_by="colleague")
    await stores.classes.create_invitation("unused", MENTOR, "MVP", EXPIRES, "worker")
    mentor_lesson, mentor_play = await leading(stores, "pupil", "worker", -100)
    own_lesson, _ = await leading(stores, "worker", "worker", -200)
    other_lesson, _ = await leading(stores, "other-pupil", "colleague", -300)
    for user in ("worker", "pupil", "other-pupil"):
        await stores.classes.set_menu(user, "staff")
    await stores.classes.set_menu("colleague", "")

    assert await stores.classes.revoke_role(first)
    assert await stores.classes.roles_of("pupil") == {MENTOR}, "still a youth worker"
    assert await stores.lessons.open_lessons_led_by("pupil") == [mentor_lesson]

    assert await stores.classes.revoke_role(second)
    assert await stores.classes.roles_of("pupil") == set()
    assert await stores.classes.mentors_of("worker") == []
    assert await stores.lessons.open_lessons_led_by("pupil") == []
    assert await stores.lessons.open_lessons_led_by("worker") == []
    assert (await stores.lessons.get_lesson(own_lesson.id)).ended_at is not None
    assert (await stores.lessons.get_play(mentor_play.id)).finished
    assert await stores.classes.redeem_invitation("unused", "newcomer") is None
    assert [await stores.classes.menu_of(u) for u in ("worker", "pupil")] == [RESET_MENU] * 2
    # Someone else's mentor, lesson and menu stay as they were.
    assert await stores.classes.roles_of("other-pupil") == {MENTOR}
    assert await stores.lessons.open_lessons_led_by("other-pupil") == [other_lesson]
    assert await stores.classes.menu_of("other-pupil") == "staff"
    assert await stores.classes.menu_of("colleague") == ""


async def test_revoking_a_mentor_ends_their_lessons_only(stores: Stores) -> None:
    await grant(stores, "worker", YOUTH_WORKER)
    mentor = await grant(stores, "pupil", MENTOR, invited_by="worker")
    mentor_lesson, _ = await leading(stores, "pupil", "worker", -100)
    own_lesson, _ = await leading(stores, "worker", "worker", -200)
    await stores.classes.set_menu("pupil", "mentor")

    assert await stores.classes.revoke_role(mentor)
    assert not (await stores.lessons.get_lesson(mentor_lesson.id)).is_open(stores.moment.now)
    assert await stores.lessons.open_lessons_led_by("worker") == [own_lesson]
    assert (await stores.classes.get_class(own_lesson.class_id)).closed_on is None
    assert await stores.classes.menu_of("pupil") == RESET_MENU


async def test_deleting_a_youth_worker_revokes_their_mentors_and_forgets_them(
    stores: Stores, db_path: Path
) -> None:
    await grant(stores, "worker", YOUTH_WORKER)
    await grant(stores, "pupil", MENTOR, invited_by="worker")
    await stores.classes.create_invitation("unused", MENTOR, "MVP", EXPIRES, "worker")
    await leading(stores, "pupil", "worker", -100)
    await stores.classes.set_menu("pupil", "mentor")

    assert await stores.store.delete_user("worker") > 0

    assert rows_holding(db_path, "worker") == {}, "not even as an inviter"
    assert await stores.classes.roles_of("pupil") == set()
    assert await stores.classes.inviter_of("pupil") is None
    assert await stores.classes.menu_of("pupil") == RESET_MENU
    assert count(db_path, "lessons") == 0, "the lessons were in the deleted person's class"
    assert await stores.classes.redeem_invitation("unused", "newcomer") is None


async def test_a_command_menu_is_kept_until_forgotten(stores: Stores) -> None:
    assert await stores.classes.menu_of("worker") is None
    await stores.classes.set_menu("worker", "youth_worker")
    await stores.classes.set_menu("worker", "")
    assert await stores.classes.menu_of("worker") == ""
    await stores.classes.forget_menu("worker")
    assert await stores.classes.menu_of("worker") is None


async def test_deleting_a_mentor_removes_their_lessons_from_the_youth_worker_s_class(
    stores: Stores, db_path: Path
) -> None:
    await grant(stores, "worker", YOUTH_WORKER)
    await grant(stores, "pupil", MENTOR, invited_by="worker")
    lesson, play = await leading(stores, "pupil", "worker", -100)
    await stores.lessons.link_poll("p1", play.id, "s1", 3)

    assert await stores.store.delete_user("pupil") > 0

    assert rows_holding(db_path, "pupil") == {}
    assert await stores.lessons.get_lesson(lesson.id) is None
    assert await stores.lessons.poll("p1") is None
    assert await stores.classes.get_class(lesson.class_id) is not None, "the class stays"
    assert await stores.classes.roles_of("worker") == {YOUTH_WORKER}


async def test_retention_forgets_the_menu_of_someone_whose_roles_are_gone(
    stores: Stores,
) -> None:
    revoked = await grant(stores, "former", MENTOR)
    await grant(stores, "worker", YOUTH_WORKER)
    for user in ("former", "worker"):
        await stores.classes.set_menu(user, "staff")
    await stores.classes.revoke_role(revoked)

    later = stores.moment.now.date() + timedelta(days=800)
    await SqlCipherEvaluationStore(stores.store).purge(later, dry_run=False)

    assert await stores.classes.menu_of("former") is None
    assert await stores.classes.menu_of("worker") == "staff"
