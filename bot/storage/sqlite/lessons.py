"""Storage for lessons, their plays and the anonymous polls of group play (issue 14).

A lesson is a youth worker (or their mentor) playing with a class for a while: in the
class's Telegram group, in the room (facilitator mode), or with the students on their own
phones. Each scenario played together in a lesson is a play – a facilitation, like those
of facilitator mode – whose class-level totals (hand counts or poll totals, never anything
per person) go to facilitated_counts. It shares the encrypted database of `SqlCipherStore`.

A group's chat id is never stored in the clear: lessons are found by a keyed hash of it
(`ChatKeys.ref`), and the id itself is sealed for the messages the bot sends there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.addresses import ChatKeys
from bot.storage.records import (
    GROUP,
    MODES,
    SOURCES,
    ClassPoll,
    ClassQuestions,
    CountRow,
    GroupChat,
    Lesson,
    Play,
    PollLink,
    check_asking,
    check_class_answers,
)
from bot.storage.sqlite.roles import end_lessons, stamp
from bot.storage.sqlite.store import SqlCipherStore, fetch_one, transaction

_LESSON_COLUMNS = (
    "id, class_id, leader, mode, scenario_id, chat_address, thread_id, started_at, ends_at,"
    " ended_at"
)
_PLAY_COLUMNS = (
    "id, lesson_id, class_id, scenario_id, version, state, source, revision,"
    " finished_on IS NOT NULL"
)
_OPEN = "ended_at IS NULL AND ends_at > :now"
_SAME_PLACE = "(chat_ref = :ref AND thread_id IS :thread)"  # thread None: the general one


class SqlCipherLessonStore:
    def __init__(self, store: SqlCipherStore, keys: ChatKeys) -> None:
        self.store = store  # its `moment()` is "now" for lessons, its `day()` for plays
        self._keys = keys

    def now(self) -> datetime:
        return datetime.fromisoformat(self.store.moment())

    # -- lessons ---------------------------------------------------------------------------

    async def start_lesson(
        self,
        class_id: int,
        leader: str,
        mode: str,
        scenario_id: str | None,
        ends_at: datetime,
        chat: GroupChat | None,
    ) -> Lesson:
        """Start a lesson, ending (in the same transaction) every other open lesson of the
        class and, in group mode, the open lesson in the same chat and topic."""
        if mode not in MODES:
            raise ValueError(f"unknown lesson mode {mode!r}")
        if (mode == GROUP) != (chat is not None):
            raise ValueError("a group lesson needs its chat, and only a group lesson has one")
        values = {
            "class": class_id, "leader": leader, "mode": mode, "scenario": scenario_id,
            "ref": self._keys.ref(chat.chat_id) if chat else None,
            "address": self._keys.seal(chat.chat_id) if chat else None,
            "thread": chat.thread_id if chat else None,
            "now": self.store.moment(), "ends_at": stamp(ends_at), "today": self.store.day(),
        }  # fmt: skip
        async with self.store.session() as db, transaction(db):
            await end_lessons(db, f"{_OPEN} AND (class_id = :class OR {_SAME_PLACE})", values)
            row = await fetch_one(
                db,
                "INSERT INTO lessons (class_id, leader, mode, scenario_id, chat_ref, chat_address,"
                " thread_id, started_at, ends_at) VALUES (:class, :leader, :mode, :scenario,"
                f" :ref, :address, :thread, :now, :ends_at) RETURNING {_LESSON_COLUMNS}",
                values,
            )
        return self._lesson(row)

    async def get_lesson(self, lesson_id: int) -> Lesson | None:
        return await self._one_lesson("id = :id", {"id": lesson_id})

    async def open_lesson_of_class(self, class_id: int) -> Lesson | None:
        return await self._one_lesson(f"class_id = :class AND {_OPEN}", {"class": class_id})

    async def open_lesson_in_chat(self, chat_id: int, thread_id: int | None) -> Lesson | None:
        """The open lesson in this chat and topic (a chat's general thread is a place of its
        own, apart from its topics)."""
        return await self._one_lesson(
            f"{_SAME_PLACE} AND {_OPEN}",
            {"ref": self._keys.ref(chat_id), "thread": thread_id},
        )

    async def open_lessons_led_by(self, leader: str) -> list[Lesson]:
        return await self._lessons(f"leader = :leader AND {_OPEN}", {"leader": leader})

    async def lessons_due_to_end(self, now: datetime) -> list[Lesson]:
        """Lessons whose time ran out but that nobody ended yet (`end_lesson` ends each)."""
        return await self._lessons("ended_at IS NULL AND ends_at <= :due", {"due": stamp(now)})

    async def end_lesson(self, lesson_id: int) -> bool:
        """End the lesson and its play; False when it had already ended (so only one of
        several callers ending it at once acts on it)."""
        return await self._end("id = :id", {"id": lesson_id}) == 1

    async def end_lessons_in_chat(self, chat_id: int) -> int:
        """End every lesson in the chat, in all of its topics (the bot left the group);
        returns how many ended."""
        return await self._end("chat_ref = :ref", {"ref": self._keys.ref(chat_id)})

    async def _end(self, where: str, values: dict[str, Any]) -> int:
        values |= {"now": self.store.moment(), "today": self.store.day()}
        async with self.store.session() as db, transaction(db):
            return await end_lessons(db, where, values)

    async def _one_lesson(self, where: str, values: dict[str, Any]) -> Lesson | None:
        lessons = await self._lessons(where, values, limit=1)
        return lessons[0] if lessons else None

    async def _lessons(self, where: str, values: dict[str, Any], limit: int = -1) -> list[Lesson]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_LESSON_COLUMNS} FROM lessons WHERE {where}"
                " ORDER BY id DESC LIMIT :limit",
                values | {"now": self.store.moment(), "limit": limit},
            )
        return [self._lesson(row) for row in rows]

    def _lesson(self, row: Any) -> Lesson:
        id_, class_id, leader, mode, scenario, address, thread, started, ends, ended = row
        chat_id = self._keys.open(address) if address else None
        return Lesson(
            id_, class_id, leader, mode, scenario,
            GroupChat(chat_id, thread) if chat_id is not None else None,
            datetime.fromisoformat(started), datetime.fromisoformat(ends),
            datetime.fromisoformat(ended) if ended else None,
        )  # fmt: skip

    # -- plays -------------------------------------------------------------------------------

    async def start_play(
        self,
        lesson_id: int,
        class_id: int,
        leader: str,
        scenario_id: str,
        version: int,
        state: dict[str, Any],
        source: str,
    ) -> Play:
        """Start playing a scenario in the lesson; its play still running (if any) ends."""
        if source not in SOURCES:
            raise ValueError(f"unknown source of totals {source!r}")
        values = {
            "lesson": lesson_id, "class": class_id, "owner": leader, "scenario": scenario_id,
            "version": version, "state": json.dumps(state), "source": source,
            "today": self.store.day(),
        }  # fmt: skip
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "UPDATE facilitations SET finished_on = :today"
                " WHERE lesson_id = :lesson AND finished_on IS NULL",
                values,
            )
            row = await fetch_one(
                db,
                "INSERT INTO facilitations (class_id, owner, scenario_id, version, state,"
                " started_on, lesson_id, source) SELECT :class, :owner, :scenario, :version,"
                " :state, :today, :lesson, :source FROM lessons"
                f" WHERE id = :lesson AND class_id = :class RETURNING {_PLAY_COLUMNS}",
                values,
            )
            if row is None:
                raise ValueError(f"there is no lesson {lesson_id} of class {class_id}")
        return _play(row)

    async def get_play(self, play_id: int) -> Play | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db, f"SELECT {_PLAY_COLUMNS} FROM facilitations WHERE id = ?", (play_id,)
            )
        return _play(row) if row else None

    async def play_of_lesson(self, lesson_id: int) -> Play | None:
        """The lesson's play still running, if any."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                f"SELECT {_PLAY_COLUMNS} FROM facilitations"
                " WHERE lesson_id = ? AND finished_on IS NULL ORDER BY id DESC LIMIT 1",
                (lesson_id,),
            )
        return _play(row) if row else None

    async def save_play(
        self,
        play_id: int,
        state: dict[str, Any],
        expected_revision: int,
        totals_rows: Iterable[CountRow] = (),
        finished: bool = False,
    ) -> bool:
        """Store the play's new state and a step's totals together, if the play is still at
        `expected_revision` and running; its revision then moves on by one. False, and
        nothing written, when another save came first (the youth worker closing a poll
        as Telegram closes it: only one of them acts)."""
        today = self.store.day()
        async with self.store.session() as db, transaction(db):
            moved = await fetch_one(
                db,
                "UPDATE facilitations SET state = ?, finished_on = ?, revision = revision + 1"
                " WHERE id = ? AND revision = ? AND finished_on IS NULL RETURNING id",
                (json.dumps(state), today if finished else None, play_id, expected_revision),
            )
            if moved is None:
                return False
            await record_counts(db, play_id, totals_rows, today)
        return True

    # -- polls -------------------------------------------------------------------------------

    async def link_poll(self, poll_id: str, play_id: int, step_id: str, message_id: int) -> None:
        async with self.store.statement() as db:
            await db.execute(
                "INSERT INTO lesson_polls (poll_id, facilitation_id, step_id, message_id)"
                " VALUES (?, ?, ?, ?)",
                (poll_id, play_id, step_id, message_id),
            )

    async def poll(self, poll_id: str) -> PollLink | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                "SELECT p.poll_id, p.facilitation_id, f.lesson_id, p.step_id, p.message_id,"
                " p.closed, l.chat_address, l.thread_id FROM lesson_polls p"
                " JOIN facilitations f ON f.id = p.facilitation_id"
                " LEFT JOIN lessons l ON l.id = f.lesson_id WHERE p.poll_id = ?",
                (poll_id,),
            )
        if row is None:
            return None
        *link, closed, address, thread = row
        chat_id = self._keys.open(address) if address else None
        chat = GroupChat(chat_id, thread) if chat_id is not None else None
        return PollLink(*link, bool(closed), chat)

    async def close_poll(self, poll_id: str) -> bool:
        """Mark the poll closed; False when it already was (or is unknown)."""
        async with self.store.statement() as db:
            cursor = await db.execute(
                "UPDATE lesson_polls SET closed = 1 WHERE poll_id = ? AND closed = 0", (poll_id,)
            )
        return cursor.rowcount == 1

    # -- class questions ---------------------------------------------------------------------

    async def class_questions(self, lesson_id: int) -> ClassQuestions:
        async with self.store.reading() as db:
            asking = await fetch_one(
                db, "SELECT class_wave, class_item FROM lessons WHERE id = ?", (lesson_id,)
            )
            answered = await db.execute_fetchall(
                "SELECT DISTINCT wave, item_id FROM class_answers WHERE lesson_id = ?",
                (lesson_id,),
            )
        wave, item = asking if asking else (None, None)
        return ClassQuestions(wave, item, frozenset(map(tuple, answered)))

    async def ask_class_questions(
        self, lesson_id: int, wave: str | None, item_id: str | None = None
    ) -> bool:
        check_asking(wave, item_id)
        async with self.store.statement() as db:
            cursor = await db.execute(
                "UPDATE lessons SET class_wave = :wave, class_item = :item"
                f" WHERE id = :id AND {_OPEN}"
                " AND (class_wave IS NOT :wave OR class_item IS NOT :item)",
                {"wave": wave, "item": item_id, "id": lesson_id, "now": self.store.moment()},
            )
        return cursor.rowcount == 1

    async def record_class_answers(
        self, lesson_id: int, wave: str, item_id: str, answers: Sequence[int], source: str
    ) -> bool:
        check_class_answers(wave, answers, source)
        rows = [
            (lesson_id, wave, item_id, value, count, source, self.store.day(), lesson_id)
            for value, count in enumerate(answers, 1)
        ]
        async with self.store.session() as db, transaction(db):
            cursor = await db.executemany(
                "INSERT INTO class_answers (class_id, lesson_id, wave, item_id, value, answers,"
                " source, answered_on) SELECT class_id, ?, ?, ?, ?, ?, ?, ? FROM lessons"
                " WHERE id = ? ON CONFLICT DO NOTHING",
                rows,
            )
            return cursor.rowcount > 0

    async def link_class_poll(
        self, poll_id: str, lesson_id: int, wave: str, item_id: str, message_id: int
    ) -> None:
        async with self.store.statement() as db:
            await db.execute(
                "INSERT INTO class_polls (poll_id, lesson_id, wave, item_id, message_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (poll_id, lesson_id, wave, item_id, message_id),
            )

    async def class_poll(self, poll_id: str) -> ClassPoll | None:
        polls = await self._class_polls("poll_id = ?", (poll_id,))
        return polls[0] if polls else None

    async def open_class_polls(self, lesson_id: int) -> list[ClassPoll]:
        return await self._class_polls("lesson_id = ? AND NOT closed", (lesson_id,))

    async def _class_polls(self, where: str, values: tuple) -> list[ClassPoll]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT poll_id, lesson_id, wave, item_id, message_id, closed FROM class_polls"
                f" WHERE {where} ORDER BY message_id",
                values,
            )
        return [ClassPoll(*row[:-1], bool(row[-1])) for row in rows]

    async def close_class_poll(self, poll_id: str) -> bool:
        async with self.store.statement() as db:
            cursor = await db.execute(
                "UPDATE class_polls SET closed = 1 WHERE poll_id = ? AND NOT closed", (poll_id,)
            )
        return cursor.rowcount == 1


def _play(row: Any) -> Play:
    *head, state, source, revision, finished = row
    return Play(*head, json.loads(state), source, revision, bool(finished))


async def record_counts(
    db: aiosqlite.Connection, facilitation_id: int, rows: Iterable[CountRow], today: str
) -> None:
    """Store a step's totals of a facilitation (in the caller's transaction); a step counted
    again replaces its earlier numbers."""
    await db.executemany(
        "INSERT INTO facilitated_counts (facilitation_id, step_id, choice_id, strategy,"
        " assessment, phase, hands, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO UPDATE SET hands = excluded.hands",
        [(facilitation_id, *row, today) for row in rows],
    )
