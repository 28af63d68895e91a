"""Lessons, their plays and the poll links of group play, on a real SQLCipher database."""

from __future__ import annotations

import asyncio
import base64
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.evaluation.data import Filters
from bot.storage import pseudonym
from bot.storage.addresses import AddressBox, ChatKeys
from bot.storage.records import GROUP, PHONES, POLL, ROOM, YOUTH_WORKER, GroupChat
from bot.storage.sqlite import database
from bot.storage.sqlite.database import load_migrations, open_database
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore

from .conftest import KEY
from .lesson_helpers import SECRET, Moment, Stores, count, opened, rows_holding

HOURS = timedelta(hours=2)
GROUP_8B, GROUP_9A = -1001234567890, -1009876543210
VOTES = [("s1", "tell", "delegate", "helpful", "during", 7), ("s1", "wait", "none", "risky",
         "during", 5)]  # fmt: skip


@pytest.fixture
def moment() -> Moment:
    return Moment()


@pytest.fixture
async def stores(db_path: Path, moment: Moment):
    async with opened(db_path, moment) as opened_stores:
        yield opened_stores


async def new_class(stores: Stores, name: str, owner: str = "worker") -> int:
    record = await stores.classes.create_class(owner, name, f"code-{name}", date(2030, 1, 1))
    return record.id


async def group_lesson(stores: Stores, class_id: int, chat: GroupChat, leader: str = "worker"):
    ends_at = stores.moment.now + HOURS
    return await stores.lessons.start_lesson(class_id, leader, GROUP, "s", ends_at, chat)


async def test_two_groups_and_two_topics_play_at_once(
    stores: Stores, moment: Moment, db_path: Path
) -> None:
    places = [GroupChat(GROUP_8B), GroupChat(GROUP_8B, 7), GroupChat(GROUP_9A, 7)]
    started = [
        await group_lesson(stores, await new_class(stores, f"class{n}"), place)
        for n, place in enumerate(places)
    ]

    for lesson, place in zip(started, places, strict=True):
        found = await stores.lessons.open_lesson_in_chat(place.chat_id, place.thread_id)
        assert found == lesson and found.chat == place and found.is_open(moment.now)
    assert await stores.lessons.open_lesson_in_chat(GROUP_8B, 8) is None, "another topic"
    assert await stores.lessons.open_lesson_in_chat(GROUP_9A, None) is None, "the general one"
    assert [lesson.id for lesson in await stores.lessons.open_lessons_led_by("worker")] == [
        lesson.id for lesson in reversed(started)
    ]
    # The chat id itself is never stored, and its ref is not anyone's pseudonym.
    assert rows_holding(db_path, str(GROUP_8B)) == {}
    assert ChatKeys(SECRET).ref(GROUP_8B) != pseudonym(SECRET, GROUP_8B)


async def test_a_new_lesson_ends_the_class_s_other_lesson_and_the_one_in_its_place(
    stores: Stores, moment: Moment
) -> None:
    eight_b, nine_a, nine_b = [await new_class(stores, name) for name in ("8B", "9A", "9B")]
    in_group = await group_lesson(stores, eight_b, GroupChat(GROUP_8B))
    in_room = await stores.lessons.start_lesson(
        eight_b, "worker", ROOM, "s", moment.now + HOURS, None
    )
    assert not (await stores.lessons.get_lesson(in_group.id)).is_open(moment.now)
    assert await stores.lessons.open_lesson_in_chat(GROUP_8B, None) is None
    assert await stores.lessons.open_lesson_of_class(eight_b) == in_room

    topic = GroupChat(GROUP_9A, 3)
    first = await group_lesson(stores, nine_a, topic)
    second = await group_lesson(stores, nine_b, topic, leader="colleague")
    assert (await stores.lessons.get_lesson(first.id)).ended_at == moment.now
    assert await stores.lessons.open_lesson_in_chat(GROUP_9A, 3) == second
    assert await stores.lessons.open_lesson_of_class(eight_b) == in_room, "other places stay"


async def test_a_lesson_ends_by_itself_and_is_ended_once(stores: Stores, moment: Moment) -> None:
    class_id = await new_class(stores, "8B")
    phones = await stores.lessons.start_lesson(
        class_id, "worker", PHONES, None, moment.now + HOURS, None
    )
    moment.now += HOURS - timedelta(seconds=1)
    assert await stores.lessons.open_lesson_of_class(class_id) == phones
    assert await stores.lessons.lessons_due_to_end(moment.now) == []

    moment.now += timedelta(seconds=1)
    assert await stores.lessons.open_lesson_of_class(class_id) is None
    assert await stores.lessons.open_lessons_led_by("worker") == []
    assert await stores.lessons.lessons_due_to_end(moment.now) == [phones]
    assert not phones.is_open(moment.now)

    assert await asyncio.gather(*[stores.lessons.end_lesson(phones.id) for _ in range(3)]) == [
        True, False, False
    ]  # fmt: skip
    assert await stores.lessons.lessons_due_to_end(moment.now) == []


async def test_leaving_a_group_ends_its_lessons_in_every_topic(stores: Stores) -> None:
    for n, place in enumerate((GroupChat(GROUP_8B), GroupChat(GROUP_8B, 4), GroupChat(GROUP_9A))):
        await group_lesson(stores, await new_class(stores, f"c{n}"), place)

    assert await stores.lessons.end_lessons_in_chat(GROUP_8B) == 2
    assert await stores.lessons.end_lessons_in_chat(GROUP_8B) == 0
    assert await stores.lessons.open_lesson_in_chat(GROUP_8B, 4) is None
    assert await stores.lessons.open_lesson_in_chat(GROUP_9A, None) is not None


async def test_a_lesson_needs_a_chat_exactly_in_group_mode(stores: Stores, moment: Moment) -> None:
    class_id = await new_class(stores, "8B")
    later = moment.now + HOURS
    with pytest.raises(ValueError, match="chat"):
        await stores.lessons.start_lesson(class_id, "worker", GROUP, "s", later, None)
    with pytest.raises(ValueError, match="chat"):
        await stores.lessons.start_lesson(class_id, "worker", ROOM, "s", later, GroupChat(-1))
    with pytest.raises(ValueError, match="mode"):
        await stores.lessons.start_lesson(class_id, "worker", "projector", "s", later, None)
    assert await stores.lessons.open_lesson_of_class(class_id) is None


async def test_plays_of_a_lesson_follow_one_another(stores: Stores) -> None:
    class_id = await new_class(stores, "8B")
    lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B))
    first = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 3, {"a": 1}, POLL)
    assert (first.revision, first.finished, first.state) == (0, False, {"a": 1})
    second = await stores.lessons.start_play(lesson.id, class_id, "worker", "t", 1, {}, POLL)

    assert await stores.lessons.play_of_lesson(lesson.id) == second
    assert (await stores.lessons.get_play(first.id)).finished
    assert not await stores.lessons.save_play(first.id, {}, 0), "a play that ended stays ended"
    with pytest.raises(ValueError, match="no lesson"):
        await stores.lessons.start_play(lesson.id, class_id + 1, "worker", "s", 1, {}, POLL)

    assert await stores.lessons.end_lesson(lesson.id)
    assert await stores.lessons.play_of_lesson(lesson.id) is None
    assert (await stores.lessons.get_play(second.id)).finished


async def test_a_poll_closed_twice_at_once_is_counted_once(stores: Stores) -> None:
    """The youth worker's close button and Telegram closing the poll race: one save wins,
    and only its totals are stored."""
    class_id = await new_class(stores, "8B")
    lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B))
    play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    doubled = [(*row[:5], row[5] * 2) for row in VOTES]

    results = await asyncio.gather(
        stores.lessons.save_play(play.id, {"by": "button"}, 0, VOTES),
        stores.lessons.save_play(play.id, {"by": "telegram"}, 0, doubled),
    )

    assert sorted(results) == [False, True]
    saved = await stores.lessons.get_play(play.id)
    winner = VOTES if results[0] else doubled
    assert saved.revision == 1 and saved.state == {"by": "button" if results[0] else "telegram"}
    answers = await stores.classes.facilitated_answers(class_id, "s", k=1)
    assert answers["s1"].counts == {row[1]: row[5] for row in winner}
    assert await stores.lessons.save_play(play.id, {"next": 1}, 1, finished=True)
    assert (await stores.lessons.get_play(play.id)).finished


async def test_two_processes_saving_the_same_revision_act_once(db_path: Path) -> None:
    moment = Moment()
    async with opened(db_path, moment) as bot, opened(db_path, moment) as other:
        class_id = await new_class(bot, "8B")
        lesson = await group_lesson(bot, class_id, GroupChat(GROUP_8B))
        play = await bot.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        results = await asyncio.gather(
            *(stores.lessons.save_play(play.id, {}, 0, VOTES) for stores in (bot, other))
        )
        assert sorted(results) == [False, True]
        assert (await other.lessons.get_play(play.id)).revision == 1


async def test_a_poll_link_survives_a_restart(db_path: Path) -> None:
    moment = Moment()
    topic = GroupChat(GROUP_8B, 12)
    async with opened(db_path, moment) as stores:
        class_id = await new_class(stores, "8B")
        lesson = await group_lesson(stores, class_id, topic)
        play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        await stores.lessons.link_poll("5432109876", play.id, "s1", 77)

    async with opened(db_path, moment) as restarted:
        link = await restarted.lessons.poll("5432109876")
        assert (link.play_id, link.lesson_id, link.step_id, link.message_id) == (
            play.id, lesson.id, "s1", 77
        )  # fmt: skip
        assert link.chat == topic and not link.closed
        assert await restarted.lessons.poll("unknown") is None
        assert await restarted.lessons.close_poll("5432109876")
        assert not await restarted.lessons.close_poll("5432109876"), "closed once"

    async with opened(db_path, moment) as again:
        assert (await again.lessons.poll("5432109876")).closed


async def test_facilitator_mode_and_group_play_keep_apart(stores: Stores) -> None:
    """One person's session in their private chat and the plays of their lessons are
    found separately, and starting one does not end the other."""
    class_id = await new_class(stores, "8B")
    lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B))
    play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    assert await stores.classes.active_facilitation("worker") is None

    session = await stores.classes.start_facilitation(class_id, "worker", "t", 1, {"x": 1})
    assert await stores.classes.active_facilitation("worker") == session
    assert await stores.lessons.play_of_lesson(lesson.id) == play
    await stores.classes.save_facilitation(session.id, {"x": 2}, VOTES[:1])
    assert (await stores.classes.active_facilitation("worker")).state == {"x": 2}


async def test_a_removed_class_takes_its_lessons_plays_and_polls_and_keeps_poll_totals(
    db_path: Path,
) -> None:
    """Retention of an ended class: the poll totals are folded like hand counts."""
    moment = Moment()
    async with opened(db_path, moment) as stores:
        class_id = await new_class(stores, "8B")
        lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B))
        play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        await stores.lessons.link_poll("p1", play.id, "s1", 5)
        assert await stores.lessons.save_play(play.id, {}, 0, VOTES, finished=True)
        await stores.classes.close_class(class_id)

        moment.now += timedelta(days=800)
        evaluation = SqlCipherEvaluationStore(stores.store)
        summary = await evaluation.purge(moment.now.date(), dry_run=False)

        assert (summary.classes, summary.facilitations) == (1, 1)
        for table in ("lessons", "lesson_polls", "facilitations", "facilitated_counts"):
            assert count(db_path, table) == 0, table
        folded = (await evaluation.report_data(Filters())).facilitated
        assert sorted((f.choice_id, f.hands, f.sessions) for f in folded) == [
            ("tell", 7, 1), ("wait", 5, 1)
        ]  # fmt: skip


async def test_deleting_a_leader_leaves_nothing_of_theirs(db_path: Path) -> None:
    moment = Moment()
    async with opened(db_path, moment) as stores:
        await stores.classes.grant_role("worker", YOUTH_WORKER, "Alby")
        class_id = await new_class(stores, "8B")
        lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B, 2))
        play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        await stores.lessons.link_poll("p1", play.id, "s1", 5)
        await stores.lessons.save_play(play.id, {}, 0, VOTES)
        await stores.classes.set_menu("worker", YOUTH_WORKER)

        assert await stores.store.delete_user("worker") > 0

        assert rows_holding(db_path, "worker") == {}
        for table in ("lessons", "lesson_polls", "facilitations", "command_menus"):
            assert count(db_path, table) == 0, table
        assert await stores.lessons.poll("p1") is None
        assert await stores.classes.menu_of("worker") is None
        assert await stores.store.delete_user("worker") == 0, "nothing left to delete"


async def test_a_database_of_the_previous_version_gets_lessons(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions, grants and invitations made before migration 014 keep working."""
    before = [m for m in load_migrations() if m.version < 14]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    db_path.parent.mkdir()
    db = await open_database(db_path, KEY)
    await db.executescript(
        "INSERT INTO classes (id, owner, name, code, created_on, expires_on)"
        " VALUES (1, 'worker', '8B', 'code-8b', '2025-03-01', '2030-01-01');"
        "INSERT INTO facilitations (class_id, owner, scenario_id, version, state, started_on)"
        " VALUES (1, 'worker', 's', 1, '{\"awaiting\": \"counts\"}', '2025-03-01');"
        "INSERT INTO roles (user, role, label, granted_on)"
        " VALUES ('worker', 'youth_worker', 'Alby', '2025-03-01');"
        "INSERT INTO invitations (token_hash, role, label, created_on, expires_on)"
        " VALUES ('hash', 'youth_worker', 'Tumba', '2025-03-01', '2030-01-01');"
    )
    await db.close()
    monkeypatch.undo()

    async with opened(db_path, Moment()) as stores:
        session = await stores.classes.active_facilitation("worker")
        assert session.state == {"awaiting": "counts"}
        assert await stores.classes.redeem_invitation("hash", "colleague") is not None
        assert await stores.classes.inviter_of("colleague") is None
        assert await stores.classes.roles_of("colleague") == {YOUTH_WORKER}
        lesson = await group_lesson(stores, 1, GroupChat(GROUP_8B))
        assert await stores.lessons.open_lesson_of_class(1) == lesson
    connection = database.connect(db_path, KEY)
    try:
        assert connection.execute(
            "SELECT lesson_id, source, revision FROM facilitations WHERE id = ?", (session.id,)
        ).fetchone() == (None, "hands", 0)
    finally:
        connection.close()


def test_group_chats_and_reminders_are_sealed_with_keys_of_their_own() -> None:
    group_box, reminders = AddressBox(SECRET, "group chat"), AddressBox(SECRET)
    sealed = group_box.seal(GROUP_8B)
    assert group_box.open(sealed) == GROUP_8B
    assert reminders.open(sealed) is None
    # Reminders sealed before addresses had purposes still open.
    old_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bystander reminder address"
    ).derive(SECRET)
    old_seal = Fernet(base64.urlsafe_b64encode(old_key)).encrypt(b"4242").decode()
    assert reminders.open(old_seal) == 4242


async def test_a_small_rooms_totals_never_show_as_a_difference(stores: Stores) -> None:
    """A session of fewer than K at a step is left out of the class's totals: a youth
    worker comparing the class view before and after a small session (led by a mentor,
    say) would otherwise read that room's answers."""
    class_id = await new_class(stores, "8B")
    for votes in ([6, 2], [0, 1]):  # a room of 8, then a room of one
        lesson = await group_lesson(stores, class_id, GroupChat(GROUP_8B))
        play = await stores.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
        rows = [(*row[:5], n) for row, n in zip(VOTES, votes, strict=True)]
        assert await stores.lessons.save_play(play.id, {}, 0, rows)
    shown = await stores.classes.facilitated_answers(class_id, "s", k=5)
    assert shown["s1"].counts == {"tell": 6, "wait": 2}, "the room of one adds nothing"
    assert (await stores.classes.facilitated_answers(class_id, "s", k=1))["s1"].students == 9
