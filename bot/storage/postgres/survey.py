"""The evaluation questionnaire's answers and the opt-in follow-up reminders in PostgreSQL
(bot.storage.ports.SurveyStore), on the pool of `PostgresStore`: the same rules as the
SQLCipher backend (bot.storage.sqlite.evaluation), whose triggers' work is done here.

A follow-up's address is sealed (bot.storage.addresses) and deleted once the reminder is
sent or cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from psycopg import AsyncConnection

from bot.storage.postgres.store import PostgresStore
from bot.storage.records import (
    CANCELLED,
    FOLLOW_UP_ANSWERS,
    WAITING,
    DueMessage,
    FollowUpState,
    SurveyState,
)

_FOLLOW_UP_COLUMNS = "id, scenario_id, status, opportunity, acted, reasons"
# Lesson rounds whose lesson has ended, or is gone with its class.
_LESSON_OVER = (
    "NOT EXISTS (SELECT 1 FROM lessons l WHERE l.id = r.lesson_id"
    " AND l.ended_at IS NULL AND l.ends_at > %(now)s)"
)
_FINISHED_ITS_SCENARIO = (
    "EXISTS (SELECT 1 FROM runs x WHERE x.pseudonym = r.pseudonym"
    " AND x.scenario_id = r.scenario_id AND x.finished_on IS NOT NULL)"
)
_ROUNDS_DUE = (
    "FROM lesson_rounds r JOIN users u ON u.pseudonym = r.pseudonym"
    f" WHERE r.status = '{WAITING}' AND {_LESSON_OVER}"
)
# A round whose lesson ended before its student finished the scenario pairs answers
# around no lesson: its end questions are never sent.
_CANCEL_UNPLAYED_ROUNDS = (
    f"UPDATE lesson_rounds AS r SET status = '{CANCELLED}', address = NULL"
    f" WHERE r.status = '{WAITING}' AND {_LESSON_OVER} AND NOT {_FINISHED_ITS_SCENARIO}"
)


class PostgresSurveyStore:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    # -- questionnaire ------------------------------------------------------------------

    async def record_answer(
        self, user: str, scenario_id: str, wave: str, item_id: str, value: int
    ) -> None:
        """The first answer to an item counts; a double tap changes nothing. A counted
        answer is the person's activity (retention counts from the last)."""
        today = self.store.day()
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO measure_answers"
                " (pseudonym, scenario_id, wave, item_id, value, answered_on)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (user, scenario_id, wave, item_id, value, today),
            )
            if cursor.rowcount:
                await _seen(db, user, today)

    async def survey_state(self, user: str, scenario_id: str) -> SurveyState:
        values = {"user": user, "scenario": scenario_id}
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT wave, item_id, value FROM measure_answers"
                " WHERE pseudonym = %(user)s AND scenario_id = %(scenario)s",
                values,
            )
            answers = await cursor.fetchall()
            cursor = await db.execute(
                "SELECT EXISTS (SELECT 1 FROM runs"
                "  WHERE pseudonym = %(user)s AND scenario_id = %(scenario)s),"
                " EXISTS (SELECT 1 FROM runs WHERE pseudonym = %(user)s),"
                " (SELECT count(DISTINCT scenario_id) FROM runs WHERE pseudonym = %(user)s"
                "  AND finished_on IS NOT NULL AND NOT replay AND scenario_id NOT IN"
                "  (SELECT scenario_id FROM lesson_rounds WHERE pseudonym = %(user)s)),"
                " (SELECT status FROM lesson_rounds"
                "  WHERE pseudonym = %(user)s AND scenario_id = %(scenario)s),"
                " (SELECT count(*) FROM follow_ups WHERE pseudonym = %(user)s)",
                values,
            )
            played, played_any, finished, lesson_round, follow_ups = await cursor.fetchone()
            cursor = await db.execute(
                f"SELECT {_FOLLOW_UP_COLUMNS} FROM follow_ups"
                " WHERE pseudonym = %(user)s AND scenario_id = %(scenario)s",
                values,
            )
            follow_up = await cursor.fetchone()
        by_wave: dict[str, dict[str, int]] = defaultdict(dict)
        for wave, item_id, value in answers:
            by_wave[wave][item_id] = value
        return SurveyState(
            dict(by_wave),
            played,
            played_any,
            finished,
            lesson_round,
            FollowUpState(*follow_up) if follow_up else None,
            follow_ups,
        )

    async def solo_round(self, user: str) -> str | None:
        row = await self.store.fetch_one(
            "SELECT a.scenario_id FROM measure_answers a WHERE a.pseudonym = %(user)s"
            " AND a.wave = 'T1' AND a.value > 0"
            " AND NOT EXISTS (SELECT 1 FROM lesson_rounds r"
            "  WHERE r.pseudonym = a.pseudonym AND r.scenario_id = a.scenario_id)"
            " AND NOT EXISTS (SELECT 1 FROM measure_answers b WHERE b.pseudonym = a.pseudonym"
            "  AND b.scenario_id = a.scenario_id AND b.wave = 'T2')"
            " AND EXISTS (SELECT 1 FROM runs x"
            "  WHERE x.pseudonym = a.pseudonym AND x.scenario_id = a.scenario_id)"
            " ORDER BY a.answered_on, a.scenario_id LIMIT 1",
            {"user": user},
        )
        return row[0] if row else None

    # -- lesson rounds ----------------------------------------------------------------------

    async def join_lesson_round(
        self, user: str, scenario_id: str, lesson_id: int, address: str
    ) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO lesson_rounds (pseudonym, scenario_id, lesson_id, address, status)"
                f" VALUES (%s, %s, %s, %s, '{WAITING}') ON CONFLICT DO NOTHING",
                (user, scenario_id, lesson_id, address),
            )

    async def due_lesson_rounds(self, now: datetime) -> list[int]:
        async with self.store.transaction() as db:
            await db.execute(_CANCEL_UNPLAYED_ROUNDS, {"now": now})
            cursor = await db.execute(f"SELECT r.id {_ROUNDS_DUE} ORDER BY r.id", {"now": now})
            return [row[0] for row in await cursor.fetchall()]

    async def due_lesson_round(self, round_id: int, now: datetime) -> DueMessage | None:
        row = await self.store.fetch_one(
            f"SELECT r.id, r.scenario_id, r.address, u.language {_ROUNDS_DUE} AND r.id = %(id)s",
            {"now": now, "id": round_id},
        )
        return DueMessage(*row) if row else None

    async def close_lesson_round(self, round_id: int, status: str) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE lesson_rounds SET status = %s, address = NULL"
                f" WHERE id = %s AND status = '{WAITING}'",
                (status, round_id),
            )

    # -- follow-ups -----------------------------------------------------------------------

    async def schedule_follow_up(
        self, user: str, scenario_id: str, due_on: date, address: str, limit: int
    ) -> bool:
        """One follow-up per person and scenario, and at most `limit` per person; False when
        one already exists or the person has `limit` of them. The person's profile row is
        locked first, so two requests at once (two workers) cannot both pass the limit."""
        async with self.store.transaction() as db:
            await db.execute("SELECT 1 FROM users WHERE pseudonym = %s FOR UPDATE", (user,))
            cursor = await db.execute(
                "INSERT INTO follow_ups (pseudonym, scenario_id, due_on, address, status)"
                " SELECT %(user)s, %(scenario)s, %(due_on)s, %(address)s, 'scheduled'"
                " WHERE (SELECT count(*) FROM follow_ups WHERE pseudonym = %(user)s) < %(limit)s"
                " ON CONFLICT DO NOTHING",
                {"user": user, "scenario": scenario_id, "due_on": due_on,
                 "address": address, "limit": limit},
            )  # fmt: skip
            return cursor.rowcount == 1

    async def due_follow_ups(self, today: date) -> list[int]:
        """The ids of the reminders due today (no addresses: see `due_follow_up`)."""
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "SELECT id FROM follow_ups WHERE status = 'scheduled' AND due_on <= %s"
                " ORDER BY due_on, id",
                (today,),
            )
            return [row[0] for row in await cursor.fetchall()]

    async def due_follow_up(self, follow_up_id: int, today: date) -> DueMessage | None:
        """The reminder with its sealed address, if it is still due and its person still
        exists: read right before it is sent."""
        row = await self.store.fetch_one(
            "SELECT f.id, f.scenario_id, f.address, u.language FROM follow_ups f"
            " JOIN users u ON u.pseudonym = f.pseudonym"
            " WHERE f.id = %s AND f.status = 'scheduled' AND f.due_on <= %s",
            (follow_up_id, today),
        )
        return DueMessage(*row) if row else None

    async def close_follow_up(self, follow_up_id: int, status: str) -> None:
        """Sent or cancelled: either way the address is deleted, so it is sent only once."""
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE follow_ups SET status = %s, address = NULL"
                " WHERE id = %s AND status = 'scheduled'",
                (status, follow_up_id),
            )

    async def sent_follow_up(self, user: str, follow_up_id: int) -> FollowUpState | None:
        """A follow-up of this person whose reminder was sent, else None."""
        row = await self.store.fetch_one(
            f"SELECT {_FOLLOW_UP_COLUMNS} FROM follow_ups"
            " WHERE id = %s AND pseudonym = %s AND status = 'sent'",
            (follow_up_id, user),
        )
        return FollowUpState(*row) if row else None

    async def answer_follow_up(self, user: str, follow_up_id: int, column: str, value: str) -> None:
        """The first answer counts; only a sent follow-up of this person is answered."""
        if column not in FOLLOW_UP_ANSWERS:
            raise ValueError(column)
        today = self.store.day()
        async with self.store.transaction() as db:
            await db.execute(
                f"UPDATE follow_ups SET {column} = coalesce({column}, %s)"
                " WHERE id = %s AND pseudonym = %s AND status = 'sent'",
                (value, follow_up_id, user),
            )
            # Answering is activity: retention counts from the person's last activity.
            await _seen(db, user, today)


async def _seen(db: AsyncConnection, user: str, today: date) -> None:
    """Count `today` as the person's activity (never moving it back)."""
    await db.execute(
        "UPDATE users SET last_seen_on = greatest(last_seen_on, %s) WHERE pseudonym = %s",
        (today, user),
    )
