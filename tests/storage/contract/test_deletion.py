"""Deleting a person (PlayerStore.delete_user, /deletedata) leaves nothing of theirs behind,
whatever they were: a player, a youth worker with classes, lessons, polls, mentors and a
command menu, or a mentor leading a youth worker's lesson. Nobody else loses anything."""

from __future__ import annotations

from datetime import date, timedelta

from bot.evaluation.data import Filters
from bot.storage.ports import Storage
from bot.storage.records import GROUP, MENTOR, POLL, RESET_MENU, YOUTH_WORKER, GroupChat

from ..conftest import choice, profile, run_state
from .conftest import Clock, Rows
from .test_roles import grant, leading, menu_of

PLAYER, OTHER = "p" * 64, "o" * 64
VOTES = [("s1", "tell", "delegate", "helpful", "during", 7)]


def sealed(user: str) -> str:
    return f"sealed-address-of-{user}"


async def player(storage: Storage, user: str, class_id: int) -> None:
    """Someone who played in a class, finished a run, left one in progress, answered the
    questionnaire and asked for a follow-up."""
    await storage.players.save_profile(profile(user))
    await storage.staff.join_class(class_id, user)
    await storage.players.start_run(user, run_state("first1"), class_id)
    await storage.players.save_progress(
        user, run_state("first1", steps=1), choice("first1"), finished=True
    )
    await storage.players.start_run(user, run_state("second", steps=0))
    await storage.players.save_progress(user, run_state("second", steps=1), choice("second"), False)
    await storage.survey.record_answer(user, "bus_stop_teasing", "T1", "efficacy", 3)
    assert await storage.survey.schedule_follow_up(
        user, "bus_stop_teasing", date(2025, 4, 1), sealed(user), 3
    )


async def test_a_player_leaves_nothing_and_the_class_keeps_the_others(
    storage: Storage, rows: Rows
) -> None:
    record = await storage.staff.create_class("worker", "8B", "code-8b", date(2030, 1, 1))
    await player(storage, PLAYER, record.id)
    await player(storage, OTHER, record.id)
    other = await storage.players.describe_user(OTHER)
    other_rows = await rows.holding(OTHER)

    assert await storage.players.delete_user(PLAYER) > 0

    assert await rows.holding(PLAYER) == {}
    assert await rows.holding(sealed(PLAYER)) == {}, "the follow-up and its address went too"
    assert await storage.players.describe_user(PLAYER) is None
    assert await storage.staff.member_classes(PLAYER) == []
    assert await storage.staff.members(record.id) == 1
    assert await storage.survey.due_follow_ups(date(2025, 4, 1)) != []  # the other's
    assert await storage.players.describe_user(OTHER) == other
    assert await rows.holding(OTHER) == other_rows
    report = await storage.reports.report_data(Filters())
    assert sum(s.answers for s in report.steps) == 2, "the other's two answers"
    assert await storage.players.delete_user(PLAYER) == 0, "nothing left to delete"


async def test_a_youth_worker_leaves_nothing_and_their_mentor_loses_the_role(
    storage: Storage, rows: Rows, clock: Clock
) -> None:
    staff = storage.staff
    await storage.players.save_profile(profile("worker"))
    await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    await staff.create_invitation("unused-token", MENTOR, "MVP", date(2030, 1, 1), "worker")
    record = await staff.create_class("worker", "8B", "code-8b", date(2030, 1, 1))
    await staff.toggle_assignment(record.id, "bus_stop_teasing")
    await player(storage, PLAYER, record.id)
    ends_at = clock.now + timedelta(hours=2)
    lesson = await storage.lessons.start_lesson(
        record.id, "worker", GROUP, "s", ends_at, GroupChat(-100, 2)
    )
    play = await storage.lessons.start_play(lesson.id, record.id, "worker", "s", 1, {}, POLL)
    await storage.lessons.link_poll("poll-of-the-lesson", play.id, "s1", 5)
    await storage.lessons.save_play(play.id, {}, 0, VOTES)
    mentor_lesson, _ = await leading(storage, "pupil", "worker", -200)
    for user in ("worker", "pupil"):
        await staff.set_menu(user, YOUTH_WORKER)

    assert await storage.players.delete_user("worker") > 0

    assert await rows.holding("worker") == {}, "not even as an inviter"
    assert await rows.holding("poll-of-the-lesson") == {}
    assert await rows.holding("unused-token") == {}
    assert await staff.classes_of("worker") == []
    assert await staff.get_class(record.id) is None
    assert await storage.lessons.get_lesson(lesson.id) is None
    assert await storage.lessons.get_lesson(mentor_lesson.id) is None, "in the worker's class"
    assert await storage.lessons.poll("poll-of-the-lesson") is None
    assert await menu_of(storage, "worker") is None
    # The mentor they invited is left without the role, as on revocation.
    assert await staff.roles_of("pupil") == set()
    assert await staff.inviter_of("pupil") is None
    assert await menu_of(storage, "pupil") == RESET_MENU
    assert await staff.redeem_invitation("unused-token", "newcomer") is None
    # The class's students keep their own data.
    assert await staff.member_classes(PLAYER) == []
    assert (await storage.players.describe_user(PLAYER)).choices == 2
    assert await storage.players.delete_user("worker") == 0, "nothing left to delete"


async def test_a_mentor_leaves_nothing_and_the_youth_worker_s_class_stays(
    storage: Storage, rows: Rows
) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    lesson, play = await leading(storage, "pupil", "worker", -100)
    await storage.lessons.link_poll("poll-of-the-mentor", play.id, "s1", 3)
    await storage.staff.set_menu("pupil", MENTOR)

    assert await storage.players.delete_user("pupil") > 0

    assert await rows.holding("pupil") == {}
    assert await rows.holding("poll-of-the-mentor") == {}
    assert await storage.lessons.get_lesson(lesson.id) is None
    assert await storage.lessons.poll("poll-of-the-mentor") is None
    assert await storage.staff.get_class(lesson.class_id) is not None, "the class stays"
    assert await storage.staff.roles_of("worker") == {YOUTH_WORKER}
    assert await storage.staff.mentors_of("worker") == []
