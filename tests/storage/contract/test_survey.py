"""The SurveyStore contract (bot.storage.ports): questionnaire answers and the opt-in
follow-up reminders, sent at most once, their addresses gone once sent or cancelled."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.storage.ports import Storage
from bot.storage.records import DueFollowUp, FollowUpState

from ..conftest import profile
from .conftest import Clock, Rows
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
    assert (state.played, state.finished, state.follow_up, state.follow_ups) == (
        True, True, None, 0
    )  # fmt: skip
    assert (await storage.players.describe_user(USER)).last_activity == clock.day
    assert not (await storage.survey.survey_state(USER, "s2")).played


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
    assert await survey.due_follow_up(user_id, DUE) == DueFollowUp(
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

    assert await survey.sent_follow_up(USER, follow_up) == FollowUpState(
        follow_up, "s1", "sent", "yes", None
    )
    assert (await storage.players.describe_user(USER)).last_activity == clock.day
