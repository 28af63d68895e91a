"""The SurveyStore contract (bot.storage.ports): questionnaire answers and the opt-in
follow-up reminders, sent at most once, their addresses gone once sent or cancelled."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.storage.ports import Storage
from bot.storage.records import PHONES, DueMessage, FollowUpState

from ..conftest import profile
from .conftest import Clock, Rows
from .lessons import HOURS, new_class
from .plays import play

USER, OTHER = "s" * 64, "t" * 64
DUE = date(2025, 4, 1)


async def test_the_first_answer_to_an_item_counts_and_is_activity(
    storage: Storage, clock: Clock
) -> None:
    await storage.players.save_profile(profile(USER))
    assert (await storage.survey.survey_state(USER, "s1")).answers == {}
    await play(storage.players, USER, "r1", [("a", "good", "delegate", "helpful")])
    clock.day += timedelta(days=3)
    await storage.survey.record_answer(USER, "s1", "T1", "efficacy", 2)
    await storage.survey.record_answer(USER, "s1", "T1", "efficacy", 5)  # a double tap
    await storage.survey.record_answer(USER, "s1", "T2", "efficacy", 4)

    state = await storage.survey.survey_state(USER, "s1")
    assert state.answers == {"T1": {"efficacy": 2}, "T2": {"efficacy": 4}}
    assert (state.played, state.played_any, state.finished_scenarios) == (True, True, 1)
    assert (state.lesson_round, state.follow_up, state.follow_ups) == (None, None, 0)
    assert (await storage.players.describe_user(USER)).last_activity == clock.day
    other = await storage.survey.survey_state(USER, "s2")
    assert (other.played, other.played_any) == (False, True)


async def test_one_follow_up_per_scenario_and_at_most_the_limit(storage: Storage) -> None:
    survey = storage.survey
    await storage.players.save_profile(profile(USER))
    assert await survey.schedule_follow_up(USER, "s1", DUE, "sealed-1", 2)
    assert not await survey.schedule_follow_up(USER, "s1", DUE, "sealed-again", 2)
    assert await survey.schedule_follow_up(USER, "s2", DUE, "sealed-2", 2)
    assert not await survey.schedule_follow_up(USER, "s3", DUE, "sealed-3", 2), "the limit"
    state = await survey.survey_state(USER, "s1")
    assert state.follow_ups == 2
    assert (state.follow_up.status, state.follow_up.opportunity) == ("scheduled", None)


async def test_two_processes_scheduling_at_once_keep_the_limit(
    storage: Storage, second_process: Storage
) -> None:
    people = [f"{n:064x}" for n in range(5)]  # several, so that the requests do overlap
    for person in people:
        await storage.players.save_profile(profile(person))
    scheduled = await asyncio.gather(
        *(each.survey.schedule_follow_up(person, scenario, DUE, "sealed", 1)
          for person in people for each, scenario in ((storage, "s1"), (second_process, "s2")))
    )  # fmt: skip
    assert scheduled.count(True) == len(people), "one each, never two"
    for person in people:
        assert (await storage.survey.survey_state(person, "s1")).follow_ups == 1


async def test_a_reminder_is_due_once_and_its_address_goes_when_sent(
    storage: Storage, rows: Rows
) -> None:
    survey = storage.survey
    for user, due in ((USER, DUE), (OTHER, DUE - timedelta(days=1))):
        await storage.players.save_profile(profile(user))
        await survey.schedule_follow_up(user, "s1", due, f"sealed-{user}", 3)
    assert await survey.due_follow_ups(DUE - timedelta(days=2)) == []
    other_id, user_id = await survey.due_follow_ups(DUE)  # the earliest first
    assert await survey.due_follow_up(user_id, DUE) == DueMessage(
        user_id, "s1", f"sealed-{USER}", "sv"
    )
    assert await survey.due_follow_up(user_id, DUE - timedelta(days=1)) is None, "not yet"

    await survey.close_follow_up(user_id, "sent")
    await survey.close_follow_up(user_id, "cancelled")  # once: stays sent
    await survey.close_follow_up(other_id, "cancelled")

    assert await survey.due_follow_ups(DUE) == []
    assert await survey.due_follow_up(user_id, DUE) is None
    assert await rows.holding(f"sealed-{USER}") == {}
    assert await rows.holding(f"sealed-{OTHER}") == {}
    assert (await survey.sent_follow_up(USER, user_id)).status == "sent"
    assert await survey.sent_follow_up(OTHER, other_id) is None, "cancelled, never sent"
    assert await survey.sent_follow_up(OTHER, user_id) is None, "someone else's"


async def test_a_deleted_person_s_reminder_is_never_due(storage: Storage) -> None:
    await storage.players.save_profile(profile(USER))
    await storage.survey.schedule_follow_up(USER, "s1", DUE, "sealed", 3)
    (follow_up,) = await storage.survey.due_follow_ups(DUE)
    await storage.players.delete_user(USER)
    assert await storage.survey.due_follow_up(follow_up, DUE) is None


async def test_the_first_answer_of_a_sent_follow_up_counts(storage: Storage, clock: Clock) -> None:
    survey = storage.survey
    await storage.players.save_profile(profile(USER))
    await survey.schedule_follow_up(USER, "s1", DUE, "sealed", 3)
    (follow_up,) = await survey.due_follow_ups(DUE)
    await survey.answer_follow_up(USER, follow_up, "acted", "yes")  # not sent yet: ignored
    await survey.close_follow_up(follow_up, "sent")
    clock.day = DUE + timedelta(days=2)
    await survey.answer_follow_up(USER, follow_up, "opportunity", "yes")
    await survey.answer_follow_up(USER, follow_up, "opportunity", "no")
    await survey.answer_follow_up(OTHER, follow_up, "acted", "yes")  # not theirs: ignored
    with pytest.raises(ValueError):
        await survey.answer_follow_up(USER, follow_up, "address", "x")

    await survey.answer_follow_up(USER, follow_up, "acted", "delegate,other")
    await survey.answer_follow_up(USER, follow_up, "reasons", "")
    assert await survey.sent_follow_up(USER, follow_up) == FollowUpState(
        follow_up, "s1", "sent", "yes", "delegate,other", ""
    )
    assert (await storage.players.describe_user(USER)).last_activity == clock.day


async def test_the_solo_round_is_the_one_with_a_real_t1_and_no_t2(storage: Storage) -> None:
    survey = storage.survey
    await storage.players.save_profile(profile(USER))
    assert await survey.solo_round(USER) is None
    await survey.record_answer(USER, "s1", "T1", "efficacy", 0)  # skipped: nothing to pair
    assert await survey.solo_round(USER) is None
    await survey.record_answer(USER, "s1", "T1", "intent", 3)
    assert await survey.solo_round(USER) is None, "answered before a scenario never started"
    await play(storage.players, USER, "r1", [("a", "good", "delegate", "helpful")])
    assert await survey.solo_round(USER) == "s1"
    await survey.record_answer(USER, "s1", "T2", "efficacy", 4)
    assert await survey.solo_round(USER) is None, "its end questions were asked"
    await survey.record_answer(USER, "s2", "T1", "efficacy", 3)
    await survey.join_lesson_round(USER, "s2", 1, "sealed")
    assert await survey.solo_round(USER) is None, "a lesson's round is not solo"
    assert (await survey.survey_state(USER, "s2")).lesson_round == "waiting"


async def test_a_lesson_round_is_due_once_its_lesson_ends_and_its_address_goes(
    storage: Storage, rows: Rows
) -> None:
    survey, lessons = storage.survey, storage.lessons
    class_id = await new_class(storage, "8B")
    lesson = await lessons.start_lesson(
        class_id, "worker", PHONES, "s1", lessons.now() + HOURS, None
    )
    for user in (USER, OTHER):
        await storage.players.save_profile(profile(user))
        await play(storage.players, user, "r1", [("a", "good", "delegate", "helpful")])
        await survey.join_lesson_round(user, "s1", lesson.id, f"sealed-{user}")
    await survey.join_lesson_round(USER, "s1", lesson.id, "sealed-again")  # the first counts
    assert await survey.due_lesson_rounds(lessons.now()) == [], "the lesson goes on"
    assert await survey.due_lesson_rounds(lessons.now() + HOURS) != [], "its time ran out"

    await lessons.end_lesson(lesson.id)
    user_round, other_round = await survey.due_lesson_rounds(lessons.now())
    assert await survey.due_lesson_round(user_round, lessons.now()) == DueMessage(
        user_round, "s1", f"sealed-{USER}", "sv"
    )
    await survey.close_lesson_round(user_round, "sent")
    await survey.close_lesson_round(user_round, "cancelled")  # once: stays sent
    await storage.players.delete_user(OTHER)
    assert await survey.due_lesson_round(other_round, lessons.now()) is None, "deleted"

    assert await survey.due_lesson_rounds(lessons.now()) == []
    assert await rows.holding(f"sealed-{USER}") == {}
    assert await rows.holding(f"sealed-{OTHER}") == {}
    assert (await survey.survey_state(USER, "s1")).lesson_round == "sent"


async def test_a_round_whose_lesson_is_gone_is_due(storage: Storage) -> None:
    """A lesson goes with its class (retention): its students still get the questions."""
    await storage.players.save_profile(profile(USER))
    await play(storage.players, USER, "r1", [("a", "good", "delegate", "helpful")])
    await storage.survey.join_lesson_round(USER, "s1", 987654, "sealed")
    assert len(await storage.survey.due_lesson_rounds(storage.lessons.now())) == 1


async def test_a_round_whose_scenario_was_not_finished_is_cancelled_when_its_lesson_ends(
    storage: Storage, rows: Rows
) -> None:
    """Answers before a lesson and after it, with no scenario played between them, would
    pair around no lesson: the end questions are never sent, and the address goes."""
    survey, lessons = storage.survey, storage.lessons
    class_id = await new_class(storage, "8C")
    lesson = await lessons.start_lesson(
        class_id, "worker", PHONES, "s1", lessons.now() + HOURS, None
    )
    await storage.players.save_profile(profile(USER))
    await play(storage.players, USER, "r1", [("a", "good", "delegate", "helpful")], finish=False)
    await survey.join_lesson_round(USER, "s1", lesson.id, "sealed-unplayed")
    assert await survey.due_lesson_rounds(lessons.now()) == [], "the lesson goes on: kept"
    assert (await survey.survey_state(USER, "s1")).lesson_round == "waiting"
    await lessons.end_lesson(lesson.id)
    assert await survey.due_lesson_rounds(lessons.now()) == []
    assert (await survey.survey_state(USER, "s1")).lesson_round == "cancelled"
    assert await rows.holding("sealed-unplayed") == {}
