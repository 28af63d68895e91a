"""The LessonStore contract for a class's answers to the class items (issue 17): the wave
the room answers now, each item's answers kept once per wave, and what retention keeps of
them once their class has ended."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.evaluation.data import Filters
from bot.storage.ports import Storage
from bot.storage.records import HANDS, POLL, ROOM, ClassPoll, ClassQuestions, GroupChat

from .conftest import Clock, Rows
from .lessons import GROUP_8B, HOURS, group_lesson, new_class

SPEAK_UP, CHECK_IN = "efficacy-speak-up", "intent-check-in"


async def room_lesson(storage: Storage, class_id: int, clock: Clock):
    return await storage.lessons.start_lesson(
        class_id, "worker", ROOM, None, clock.now + HOURS, None
    )


async def test_the_room_answers_one_wave_at_a_time_and_each_item_once(
    storage: Storage, clock: Clock
) -> None:
    lessons = storage.lessons
    lesson = await room_lesson(storage, await new_class(storage, "7A"), clock)
    assert await lessons.class_questions(lesson.id) == ClassQuestions(None, None, frozenset())

    assert await lessons.ask_class_questions(lesson.id, "T1", SPEAK_UP)
    assert (await lessons.class_questions(lesson.id)).item == SPEAK_UP
    assert await lessons.record_class_answers(lesson.id, "T1", SPEAK_UP, [0, 1, 2, 8, 9], HANDS)
    assert not await lessons.record_class_answers(
        lesson.id, "T1", SPEAK_UP, [5, 5, 5, 5, 0], HANDS
    ), "a repeated message counts once"
    assert await lessons.record_class_answers(lesson.id, "T2", SPEAK_UP, [0, 0, 1, 9, 10], HANDS)

    assert await lessons.ask_class_questions(lesson.id, "T1")  # between two items
    questions = await lessons.class_questions(lesson.id)
    assert (questions.asking, questions.item) == ("T1", None)
    assert questions.answered == {("T1", SPEAK_UP), ("T2", SPEAK_UP)}
    assert questions.has("T1") and not ClassQuestions(None, None, frozenset()).has("T1")
    stopped = await asyncio.gather(*[lessons.ask_class_questions(lesson.id, None) for _ in "ab"])
    assert sorted(stopped) == [False, True], "of two stopping them at once, one acts"
    assert (await lessons.class_questions(lesson.id)).asking is None


async def test_nothing_but_a_class_item_s_five_counts_is_kept(
    storage: Storage, clock: Clock
) -> None:
    lesson = await room_lesson(storage, await new_class(storage, "7A"), clock)
    for wave, counts, source in (
        ("T3", [1] * 5, HANDS),
        ("T1", [1] * 4, HANDS),
        ("T1", [1, 1, 1, 1, -1], HANDS),
        ("T1", [1] * 5, "guess"),
    ):
        with pytest.raises(ValueError):
            await storage.lessons.record_class_answers(lesson.id, wave, SPEAK_UP, counts, source)
    for wave, item in (("T3", None), (None, SPEAK_UP)):
        with pytest.raises(ValueError):
            await storage.lessons.ask_class_questions(lesson.id, wave, item)
    assert await storage.lessons.class_questions(lesson.id) == ClassQuestions(
        None, None, frozenset()
    )
    assert not await storage.lessons.record_class_answers(10**6, "T1", SPEAK_UP, [1] * 5, POLL)


async def test_an_ended_lesson_asks_nothing_more(storage: Storage, clock: Clock) -> None:
    lesson = await room_lesson(storage, await new_class(storage, "7A"), clock)
    await storage.lessons.end_lesson(lesson.id)
    assert not await storage.lessons.ask_class_questions(lesson.id, "T2")
    assert (await storage.lessons.class_questions(lesson.id)).asking is None


async def test_two_closings_of_one_poll_at_once_keep_its_totals_once(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    lesson = await group_lesson(storage, await new_class(storage, "8B"), GroupChat(GROUP_8B))
    kept = await asyncio.gather(
        *[
            storage.lessons.record_class_answers(lesson.id, "T1", CHECK_IN, [n, 1, 1, 1, 1], POLL)
            for n in range(4)
        ]
    )
    assert sorted(kept) == [False, False, False, True]
    assert len((await rows.everything())["class_answers"]) == 5


async def test_a_removed_class_takes_its_answers_and_keeps_items_answered_twice_by_k(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    """Retention folds, without lessons, the items answered at both waves by at least K
    each; an item answered once (or by fewer than K) cannot be read as a change: it goes."""
    class_id = await new_class(storage, "7A")
    lesson = await room_lesson(storage, class_id, clock)
    record = storage.lessons.record_class_answers
    await record(lesson.id, "T1", SPEAK_UP, [1, 2, 3, 4, 5], HANDS)
    await record(lesson.id, "T2", SPEAK_UP, [0, 1, 3, 5, 6], HANDS)
    await record(lesson.id, "T1", CHECK_IN, [1, 2, 3, 4, 5], HANDS)  # no T2
    await storage.staff.close_class(class_id)
    live = (await storage.reports.report_data(Filters(class_id=class_id))).class_answers
    assert {(a.item_id, a.wave, a.value, a.answers, a.lesson, a.lessons) for a in live} >= {
        (SPEAK_UP, "T2", 5, 6, lesson.id, 1), (CHECK_IN, "T1", 1, 1, lesson.id, 1)
    }  # fmt: skip
    assert len(live) == 15, "each lesson's own answers: the report applies K"
    assert (await storage.reports.report_data(Filters(scenario="s1"))).class_answers == []

    clock.now += timedelta(days=800)
    await storage.retention.purge(clock.day, dry_run=False, min_group=5)
    folded = (await storage.reports.report_data(Filters())).class_answers
    assert sorted((a.wave, a.value, a.answers, a.lesson, a.lessons) for a in folded) == [
        ("T1", 1, 1, None, 1), ("T1", 2, 2, None, 1), ("T1", 3, 3, None, 1),
        ("T1", 4, 4, None, 1), ("T1", 5, 5, None, 1), ("T2", 1, 0, None, 1),
        ("T2", 2, 1, None, 1), ("T2", 3, 3, None, 1), ("T2", 4, 5, None, 1),
        ("T2", 5, 6, None, 1),
    ]  # fmt: skip
    assert (await storage.reports.report_data(Filters(class_id=class_id))).class_answers == []

    assert await storage.lessons.class_questions(lesson.id) == ClassQuestions(
        None, None, frozenset()
    )
    kept = await rows.everything()
    assert kept["class_answers"] == []
    folded = kept["class_answer_aggregates"]
    assert len(folded) == 10 and all(SPEAK_UP in row for row in folded)


async def test_a_group_s_class_polls_are_found_closed_once_and_go_with_the_class(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    lessons = storage.lessons
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    await lessons.link_class_poll("poll-a", lesson.id, "T1", SPEAK_UP, 11)
    await lessons.link_class_poll("poll-b", lesson.id, "T1", CHECK_IN, 12)

    first = await lessons.class_poll("poll-a")
    assert first == ClassPoll("poll-a", lesson.id, "T1", SPEAK_UP, 11, False)
    assert await lessons.class_poll("unknown") is None
    closed = await asyncio.gather(*[lessons.close_class_poll("poll-a") for _ in range(3)])
    assert sorted(closed) == [False, False, True]
    assert [p.poll_id for p in await lessons.open_class_polls(lesson.id)] == ["poll-b"]
    assert (await lessons.class_poll("poll-a")).closed

    await storage.staff.close_class(class_id)
    clock.now += timedelta(days=800)
    await storage.retention.purge(clock.day, dry_run=False)
    assert await lessons.class_poll("poll-b") is None
    assert await rows.holding("poll-b") == {}
