"""The LessonStore contract (bot.storage.ports): lessons, their plays and the poll links of
group play."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.storage import pseudonym
from bot.storage.addresses import ChatKeys
from bot.storage.ports import Storage
from bot.storage.records import GROUP, PHONES, POLL, ROOM, GroupChat

from .conftest import SECRET, Clock, Rows
from .lessons import GROUP_8B, HOURS, VOTES, group_lesson, new_class

GROUP_9A = -1009876543210


async def test_the_lesson_clock_is_the_backend_s(storage: Storage, clock: Clock) -> None:
    assert storage.lessons.now() == clock.now
    clock.now += timedelta(minutes=5, seconds=3)
    assert storage.lessons.now() == clock.now


async def test_two_groups_and_two_topics_play_at_once(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    places = [GroupChat(GROUP_8B), GroupChat(GROUP_8B, 7), GroupChat(GROUP_9A, 7)]
    started = [
        await group_lesson(storage, await new_class(storage, f"class{n}"), place)
        for n, place in enumerate(places)
    ]

    for lesson, place in zip(started, places, strict=True):
        found = await storage.lessons.open_lesson_in_chat(place.chat_id, place.thread_id)
        assert found == lesson and found.chat == place and found.is_open(clock.now)
    assert await storage.lessons.open_lesson_in_chat(GROUP_8B, 8) is None, "another topic"
    assert await storage.lessons.open_lesson_in_chat(GROUP_9A, None) is None, "the general one"
    assert [lesson.id for lesson in await storage.lessons.open_lessons_led_by("worker")] == [
        lesson.id for lesson in reversed(started)
    ]
    # The chat id itself is never stored, and its ref is not anyone's pseudonym.
    assert await rows.holding(str(GROUP_8B)) == {}
    assert ChatKeys(SECRET).ref(GROUP_8B) != pseudonym(SECRET, GROUP_8B)


async def test_a_new_lesson_ends_the_class_s_other_lesson_and_the_one_in_its_place(
    storage: Storage, clock: Clock
) -> None:
    eight_b, nine_a, nine_b = [await new_class(storage, name) for name in ("8B", "9A", "9B")]
    in_group = await group_lesson(storage, eight_b, GroupChat(GROUP_8B))
    in_room = await storage.lessons.start_lesson(
        eight_b, "worker", ROOM, "s", clock.now + HOURS, None
    )
    assert not (await storage.lessons.get_lesson(in_group.id)).is_open(clock.now)
    assert await storage.lessons.open_lesson_in_chat(GROUP_8B, None) is None
    assert await storage.lessons.open_lesson_of_class(eight_b) == in_room

    topic = GroupChat(GROUP_9A, 3)
    first = await group_lesson(storage, nine_a, topic)
    second = await group_lesson(storage, nine_b, topic, leader="colleague")
    assert (await storage.lessons.get_lesson(first.id)).ended_at == clock.now
    assert await storage.lessons.open_lesson_in_chat(GROUP_9A, 3) == second
    assert await storage.lessons.open_lesson_of_class(eight_b) == in_room, "other places stay"


async def test_a_lesson_ends_by_itself_and_is_ended_once(storage: Storage, clock: Clock) -> None:
    class_id = await new_class(storage, "8B")
    phones = await storage.lessons.start_lesson(
        class_id, "worker", PHONES, None, clock.now + HOURS, None
    )
    clock.now += HOURS - timedelta(seconds=1)
    assert await storage.lessons.open_lesson_of_class(class_id) == phones
    assert await storage.lessons.lessons_due_to_end(clock.now) == []

    clock.now += timedelta(seconds=1)
    assert await storage.lessons.open_lesson_of_class(class_id) is None
    assert await storage.lessons.open_lessons_led_by("worker") == []
    assert await storage.lessons.lessons_due_to_end(clock.now) == [phones]
    assert not phones.is_open(clock.now)

    ended = await asyncio.gather(*[storage.lessons.end_lesson(phones.id) for _ in range(3)])
    assert sorted(ended) == [False, False, True], "whichever comes first ends it, alone"
    assert await storage.lessons.lessons_due_to_end(clock.now) == []


async def test_leaving_a_group_ends_its_lessons_in_every_topic(storage: Storage) -> None:
    for n, place in enumerate((GroupChat(GROUP_8B), GroupChat(GROUP_8B, 4), GroupChat(GROUP_9A))):
        await group_lesson(storage, await new_class(storage, f"c{n}"), place)

    assert await storage.lessons.end_lessons_in_chat(GROUP_8B) == 2
    assert await storage.lessons.end_lessons_in_chat(GROUP_8B) == 0
    assert await storage.lessons.open_lesson_in_chat(GROUP_8B, 4) is None
    assert await storage.lessons.open_lesson_in_chat(GROUP_9A, None) is not None


async def test_a_lesson_needs_a_chat_exactly_in_group_mode(storage: Storage, clock: Clock) -> None:
    class_id = await new_class(storage, "8B")
    later = clock.now + HOURS
    with pytest.raises(ValueError, match="chat"):
        await storage.lessons.start_lesson(class_id, "worker", GROUP, "s", later, None)
    with pytest.raises(ValueError, match="chat"):
        await storage.lessons.start_lesson(class_id, "worker", ROOM, "s", later, GroupChat(-1))
    with pytest.raises(ValueError, match="mode"):
        await storage.lessons.start_lesson(class_id, "worker", "projector", "s", later, None)
    assert await storage.lessons.open_lesson_of_class(class_id) is None


async def test_plays_of_a_lesson_follow_one_another(storage: Storage) -> None:
    lessons = storage.lessons
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    first = await lessons.start_play(lesson.id, class_id, "worker", "s", 3, {"a": 1}, POLL)
    assert (first.revision, first.finished, first.state) == (0, False, {"a": 1})
    second = await lessons.start_play(lesson.id, class_id, "worker", "t", 1, {}, POLL)

    assert await lessons.play_of_lesson(lesson.id) == second
    assert (await lessons.get_play(first.id)).finished
    assert not await lessons.save_play(first.id, {}, 0), "a play that ended stays ended"
    with pytest.raises(ValueError, match="no lesson"):
        await lessons.start_play(lesson.id, class_id + 1, "worker", "s", 1, {}, POLL)
    with pytest.raises(ValueError, match="source"):
        await lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, "telepathy")

    assert await lessons.end_lesson(lesson.id)
    assert await lessons.play_of_lesson(lesson.id) is None
    assert (await lessons.get_play(second.id)).finished


async def test_a_poll_closed_twice_at_once_is_counted_once(storage: Storage) -> None:
    """The youth worker's close button and Telegram closing the poll race: one save wins,
    and only its totals are stored."""
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    doubled = [(*row[:5], row[5] * 2) for row in VOTES]

    results = await asyncio.gather(
        storage.lessons.save_play(play.id, {"by": "button"}, 0, VOTES),
        storage.lessons.save_play(play.id, {"by": "telegram"}, 0, doubled),
    )

    assert sorted(results) == [False, True]
    saved = await storage.lessons.get_play(play.id)
    winner = VOTES if results[0] else doubled
    assert saved.revision == 1 and saved.state == {"by": "button" if results[0] else "telegram"}
    answers = await storage.staff.facilitated_answers(class_id, "s", k=1)
    assert answers["s1"].counts == {row[1]: row[5] for row in winner}
    assert await storage.lessons.save_play(play.id, {"next": 1}, 1, finished=True)
    assert (await storage.lessons.get_play(play.id)).finished


async def test_a_step_counted_again_replaces_its_numbers(storage: Storage) -> None:
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    assert await storage.lessons.save_play(play.id, {}, 0, VOTES)
    recounted = [(*row[:5], n) for row, n in zip(VOTES, (9, 1), strict=True)]
    assert await storage.lessons.save_play(play.id, {}, 1, recounted)
    answers = await storage.staff.facilitated_answers(class_id, "s", k=1)
    assert answers["s1"].counts == {"tell": 9, "wait": 1}, "not added to the first count"


async def test_two_processes_saving_the_same_revision_act_once(
    storage: Storage, second_process: Storage
) -> None:
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    results = await asyncio.gather(
        *(each.lessons.save_play(play.id, {}, 0, VOTES) for each in (storage, second_process))
    )
    assert sorted(results) == [False, True]
    assert (await second_process.lessons.get_play(play.id)).revision == 1


async def test_a_poll_link_survives_a_restart(storage: Storage) -> None:
    topic = GroupChat(GROUP_8B, 12)
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, topic)
    play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    await storage.lessons.link_poll("5432109876", play.id, "s1", 77)
    await storage.lifecycle.close()

    await storage.lifecycle.initialize()
    link = await storage.lessons.poll("5432109876")
    assert (link.play_id, link.lesson_id, link.step_id, link.message_id) == (
        play.id, lesson.id, "s1", 77
    )  # fmt: skip
    assert link.chat == topic and not link.closed
    assert await storage.lessons.poll("unknown") is None
    assert await storage.lessons.close_poll("5432109876")
    assert not await storage.lessons.close_poll("5432109876"), "closed once"
    assert not await storage.lessons.close_poll("unknown")
    await storage.lifecycle.close()

    await storage.lifecycle.initialize()
    assert (await storage.lessons.poll("5432109876")).closed


async def test_a_small_rooms_totals_never_show_as_a_difference(storage: Storage) -> None:
    """A session of fewer than K at a step is left out of the class's totals: a youth
    worker comparing the class view before and after a small session (led by a mentor,
    say) would otherwise read that room's answers."""
    class_id = await new_class(storage, "8B")
    for votes in ([6, 2], [0, 1]):  # a room of 8, then a room of one
        lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
        play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        counted = [(*row[:5], n) for row, n in zip(VOTES, votes, strict=True)]
        assert await storage.lessons.save_play(play.id, {}, 0, counted)
    shown = await storage.staff.facilitated_answers(class_id, "s", k=5)
    assert shown["s1"].counts == {"tell": 6, "wait": 2}, "the room of one adds nothing"
    assert (await storage.staff.facilitated_answers(class_id, "s", k=1))["s1"].students == 9
