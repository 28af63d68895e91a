"""Storage for the evaluation: questionnaire answers, opt-in follow-ups, report queries and
retention.

Report queries return counts and anonymous answer pairs only (bot.evaluation.data); no
pseudonym ever leaves this module. Raw events older than the retention period are folded
into aggregate tables, so reports over old periods still work.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.engine.measures import SCALE_POINTS
from bot.evaluation.data import (
    ChoiceCount,
    ClassAnswerCount,
    FacilitatedCount,
    Filters,
    FollowUpCount,
    GroupCounts,
    HelpfulShare,
    MeasurePair,
    MeasurePeople,
    ReportData,
    ScenarioCounts,
    StepTotal,
    StrategyCount,
)  # fmt: skip
from bot.storage.archive import with_archived
from bot.storage.follow_up_counts import FollowUpCounts
from bot.storage.records import (
    CANCELLED,
    FOLLOW_UP_ANSWERS,
    INVITATION_GRACE_DAYS,
    RESEARCH_LOG_MONTHS,
    RETIRED,
    WAITING,
    DueMessage,
    ExportFacts,
    FollowUpState,
    PurgeSummary,
    ResearchExport,
    ResearchRow,
    SurveyState,
    retention_cutoff,
)
from bot.storage.research_rows import research_rows_sql
from bot.storage.small_groups import SmallGroups
from bot.storage.sqlite.roles import stamp
from bot.storage.sqlite.store import SqlCipherStore, fetch_one, transaction

_EVERYTHING = "1 = 1"  # the WHERE clause of a report without filters
# The class a run is reported in: the class of its person's first run that month (NULL when
# that run was outside classes), kept on the run by migration 012's trigger. A person who
# plays in two classes in a month then counts in one class only, so classes and the runs
# outside them add up exactly to everybody; two counts of the same person could otherwise
# be subtracted (docs/privacy.md).
_REPORT_CLASS = "r.report_class"
_FOLLOW_UP_COLUMNS = "id, scenario_id, status, opportunity, acted, reasons"
# Each pair's class (NULL outside classes) and person as ordinals numbered afresh in every
# report: the clusters of its confidence intervals, never a class id or a pseudonym.
_PAIR_LABELS = (
    "CASE WHEN f.home IS NOT NULL THEN dense_rank() OVER (PARTITION BY f.home IS NULL"
    " ORDER BY f.home) END, dense_rank() OVER (ORDER BY a.user)"
)
REPORT_CACHE_KB = 48_000
_FOLLOW_UP_COUNTS = FollowUpCounts(
    person="user", split="json_each('[\"' || replace({ids}, ',', '\",\"') || '\"]') AS j"
)
# Lesson rounds whose lesson has ended, or is gone with its class.
_LESSON_OVER = (
    "NOT EXISTS (SELECT 1 FROM lessons l WHERE l.id = r.lesson_id"
    " AND l.ended_at IS NULL AND l.ends_at > :now)"
)
_FINISHED_ITS_SCENARIO = (
    "EXISTS (SELECT 1 FROM runs x WHERE x.user = r.user AND x.scenario_id = r.scenario_id"
    " AND x.finished_on IS NOT NULL)"
)
_ROUNDS_DUE = (
    "FROM lesson_rounds r JOIN users u ON u.user = r.user"
    f" WHERE r.status = '{WAITING}' AND {_LESSON_OVER}"
)
# A round whose lesson ended before its student finished the scenario pairs answers
# around no lesson: its end questions are never sent.
_CANCEL_UNPLAYED_ROUNDS = (
    f"UPDATE lesson_rounds AS r SET status = '{CANCELLED}', address = NULL"
    f" WHERE r.status = '{WAITING}' AND {_LESSON_OVER} AND NOT {_FINISHED_ITS_SCENARIO}"
)


class SqlCipherEvaluationStore:
    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store

    # -- questionnaire ------------------------------------------------------------------

    async def record_answer(
        self, user: str, scenario_id: str, wave: str, item_id: str, value: int
    ) -> None:
        """The first answer to an item counts; a double tap changes nothing."""
        async with self.store.statement() as db:
            await db.execute(
                "INSERT INTO measure_answers (user, scenario_id, wave, item_id, value, answered_on)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (user, scenario_id, wave, item_id, value, self.store.day()),
            )

    async def survey_state(self, user: str, scenario_id: str) -> SurveyState:
        values = {"user": user, "scenario": scenario_id}
        async with self.store.reading() as db:
            answers = await db.execute_fetchall(
                "SELECT wave, item_id, value FROM measure_answers"
                " WHERE user = :user AND scenario_id = :scenario",
                values,
            )
            played, played_any, finished, lesson_round, follow_ups = await fetch_one(
                db,
                "SELECT EXISTS (SELECT 1 FROM runs WHERE user = :user AND scenario_id = :scenario),"
                " EXISTS (SELECT 1 FROM runs WHERE user = :user),"
                " (SELECT count(DISTINCT scenario_id) FROM runs WHERE user = :user"
                "  AND finished_on IS NOT NULL AND NOT replay AND scenario_id NOT IN"
                "  (SELECT scenario_id FROM lesson_rounds WHERE user = :user)),"
                " (SELECT status FROM lesson_rounds"
                "  WHERE user = :user AND scenario_id = :scenario),"
                " (SELECT count(*) FROM follow_ups WHERE user = :user)",
                values,
            )
            follow_up = await fetch_one(
                db,
                f"SELECT {_FOLLOW_UP_COLUMNS} FROM follow_ups"
                " WHERE user = :user AND scenario_id = :scenario",
                values,
            )
        by_wave: dict[str, dict[str, int]] = defaultdict(dict)
        for wave, item_id, value in answers:
            by_wave[wave][item_id] = value
        return SurveyState(
            dict(by_wave),
            bool(played),
            bool(played_any),
            finished,
            lesson_round,
            FollowUpState(*follow_up) if follow_up else None,
            follow_ups,
        )

    async def solo_round(self, user: str) -> str | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                "SELECT a.scenario_id FROM measure_answers a WHERE a.user = :user"
                " AND a.wave = 'T1' AND a.value > 0"
                " AND NOT EXISTS (SELECT 1 FROM lesson_rounds r"
                "  WHERE r.user = a.user AND r.scenario_id = a.scenario_id)"
                " AND NOT EXISTS (SELECT 1 FROM measure_answers b WHERE b.user = a.user"
                "  AND b.scenario_id = a.scenario_id AND b.wave = 'T2')"
                " AND EXISTS (SELECT 1 FROM runs x"
                "  WHERE x.user = a.user AND x.scenario_id = a.scenario_id)"
                " ORDER BY a.answered_on, a.scenario_id LIMIT 1",
                {"user": user},
            )
        return row[0] if row else None

    # -- lesson rounds ----------------------------------------------------------------------

    async def join_lesson_round(
        self, user: str, scenario_id: str, lesson_id: int, address: str
    ) -> None:
        async with self.store.statement() as db:
            await db.execute(
                "INSERT INTO lesson_rounds (user, scenario_id, lesson_id, address, status)"
                f" VALUES (?, ?, ?, ?, '{WAITING}') ON CONFLICT DO NOTHING",
                (user, scenario_id, lesson_id, address),
            )

    async def due_lesson_rounds(self, now: datetime) -> list[int]:
        async with self.store.statement() as db:
            await db.execute(_CANCEL_UNPLAYED_ROUNDS, {"now": stamp(now)})
            rows = await db.execute_fetchall(
                f"SELECT r.id {_ROUNDS_DUE} ORDER BY r.id", {"now": stamp(now)}
            )
        return [row[0] for row in rows]

    async def due_lesson_round(self, round_id: int, now: datetime) -> DueMessage | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                f"SELECT r.id, r.scenario_id, r.address, u.language {_ROUNDS_DUE} AND r.id = :id",
                {"now": stamp(now), "id": round_id},
            )
        return DueMessage(*row) if row else None

    async def close_lesson_round(self, round_id: int, status: str) -> None:
        async with self.store.statement() as db:
            await db.execute(
                "UPDATE lesson_rounds SET status = ?, address = NULL"
                f" WHERE id = ? AND status = '{WAITING}'",
                (status, round_id),
            )

    # -- follow-ups -----------------------------------------------------------------------

    async def schedule_follow_up(
        self, user: str, scenario_id: str, due_on: date, address: str, limit: int
    ) -> bool:
        """One follow-up per person and scenario, and at most `limit` per person; False when
        one already exists or the person has `limit` of them."""
        async with self.store.statement() as db:
            cursor = await db.execute(
                "INSERT INTO follow_ups (user, scenario_id, due_on, address, status)"
                " SELECT :user, :scenario, :due_on, :address, 'scheduled'"
                " WHERE (SELECT count(*) FROM follow_ups WHERE user = :user) < :limit"
                " ON CONFLICT DO NOTHING",
                {"user": user, "scenario": scenario_id, "due_on": due_on.isoformat(),
                 "address": address, "limit": limit},
            )  # fmt: skip
        return cursor.rowcount == 1

    async def due_follow_ups(self, today: date) -> list[int]:
        """The ids of the reminders due today (no addresses: see `due_follow_up`)."""
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                "SELECT id FROM follow_ups WHERE status = 'scheduled' AND due_on <= ?"
                " ORDER BY due_on, id",
                (today.isoformat(),),
            )
        return [row[0] for row in rows]

    async def due_follow_up(self, follow_up_id: int, today: date) -> DueMessage | None:
        """The reminder with its sealed address, if it is still due and its person still
        exists: read right before it is sent."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                "SELECT f.id, f.scenario_id, f.address, u.language FROM follow_ups f"
                " JOIN users u ON u.user = f.user"
                " WHERE f.id = ? AND f.status = 'scheduled' AND f.due_on <= ?",
                (follow_up_id, today.isoformat()),
            )
        return DueMessage(*row) if row else None

    async def close_follow_up(self, follow_up_id: int, status: str) -> None:
        """Sent or cancelled: either way the address is deleted, so it is sent only once."""
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "UPDATE follow_ups SET status = ?, address = NULL"
                " WHERE id = ? AND status = 'scheduled'",
                (status, follow_up_id),
            )

    async def sent_follow_up(self, user: str, follow_up_id: int) -> FollowUpState | None:
        """A follow-up of this person whose reminder was sent, else None."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                f"SELECT {_FOLLOW_UP_COLUMNS} FROM follow_ups"
                " WHERE id = ? AND user = ? AND status = 'sent'",
                (follow_up_id, user),
            )
        return FollowUpState(*row) if row else None

    async def answer_follow_up(self, user: str, follow_up_id: int, column: str, value: str) -> None:
        """The first answer counts; only a sent follow-up of this person is answered."""
        if column not in FOLLOW_UP_ANSWERS:
            raise ValueError(column)
        async with self.store.session() as db, transaction(db):
            await db.execute(
                f"UPDATE follow_ups SET {column} = coalesce({column}, ?)"
                " WHERE id = ? AND user = ? AND status = 'sent'",
                (value, follow_up_id, user),
            )
            # Answering is activity: retention counts from the person's last activity.
            await db.execute(
                "UPDATE users SET last_seen_on = max(last_seen_on, ?) WHERE user = ?",
                (self.store.day(), user),
            )

    # -- reports ------------------------------------------------------------------------------

    async def report_data(self, filters: Filters) -> ReportData:
        (data,) = await self.report_scopes([filters])
        return data

    async def report_scopes(self, scopes: list[Filters]) -> list[ReportData]:
        """The report data of several filters, read from one snapshot of the database on the
        read-only connection: consistent with each other, and no player waits for it."""
        async with self.store.snapshot() as db:
            # Decrypted pages stay cached for the several scans a report makes.
            await db.execute(f"PRAGMA cache_size = -{REPORT_CACHE_KB}")
            return [await self._report_data(db, f, *_checked(f)) for f in scopes]

    async def classes_with_runs(self, first: date, last: date) -> list[int]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT * FROM (SELECT DISTINCT {_REPORT_CLASS} AS home FROM runs r"
                " WHERE r.class_id IS NOT NULL AND r.started_on BETWEEN ? AND ?)"
                " WHERE home IS NOT NULL UNION SELECT DISTINCT class_id FROM facilitations"
                " WHERE started_on BETWEEN ? AND ? ORDER BY 1",
                (first.isoformat(), last.isoformat()) * 2,
            )
        return [row[0] for row in rows]

    async def release(self, period: str) -> str | None:
        """The stored release of a period: None if never released, RETIRED if past
        retention."""
        async with self.store.reading() as db:
            row = await fetch_one(
                db, "SELECT body FROM report_releases WHERE period = ?", (period,)
            )
        return row[0] if row else None

    async def save_release(self, period: str, last_day: date, body: str) -> None:
        """Keep the first release of a period; a concurrent second one is dropped."""
        async with self.store.session() as db, transaction(db):
            await db.execute(
                "INSERT INTO report_releases (period, last_day, released_on, body)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (period, last_day.isoformat(), self.store.day(), body),
            )

    # -- the researchers' row-level export ------------------------------------------------

    async def research_rows(self, first: date, last: date) -> list[ResearchRow]:
        """Every questionnaire and follow-up answer of the days, person by person."""
        async with self.store.snapshot() as db:
            rows = await db.execute_fetchall(
                _RESEARCH_ROWS, {"first": first.isoformat(), "last": last.isoformat()}
            )
        return [ResearchRow(*row[:3], bool(row[3]), *row[4:]) for row in rows]

    async def ask_research_export(
        self, who: str, grant_id: int | None, purpose: str, filters: str
    ) -> int:
        async with self.store.session() as db, transaction(db):
            (number,) = await fetch_one(
                db,
                "INSERT INTO research_exports (asked_on, who, grant_id, purpose, filters)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (self.store.day(), who, grant_id, purpose, filters),
            )
        return number

    async def research_export(self, export_id: int) -> ResearchExport | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db, f"SELECT {_EXPORT_COLUMNS} FROM research_exports WHERE id = ?", (export_id,)
            )
        return ResearchExport(*row) if row else None

    async def made_research_export(self, export_id: int, facts: ExportFacts) -> bool:
        async with self.store.session() as db, transaction(db):
            cursor = await db.execute(
                "UPDATE research_exports SET made_on = ?, format = ?, rows = ?, people = ?,"
                " classes = ?, sha256 = ? WHERE id = ? AND made_on IS NULL",
                (self.store.day(), facts.fmt, facts.rows, facts.people, facts.classes,
                 facts.sha256, export_id),
            )  # fmt: skip
        return cursor.rowcount == 1

    async def research_exports(self) -> list[ResearchExport]:
        async with self.store.reading() as db:
            rows = await db.execute_fetchall(
                f"SELECT {_EXPORT_COLUMNS} FROM research_exports ORDER BY id"
            )
        return [ResearchExport(*row) for row in rows]

    @staticmethod
    async def _report_data(db, filters: Filters, where: str, params: tuple) -> ReportData:

        async def rows(sql: str, extra: tuple = ()) -> list:
            return list(await db.execute_fetchall(sql, (*params, *extra)))

        raw = _RawQueries(where, filters)
        data = ReportData(
            filters=filters,
            scenarios=[ScenarioCounts(*r) for r in await rows(raw.scenarios)],
            choices=[ChoiceCount(*r) for r in await rows(raw.choices)],
            steps=[StepTotal(*r) for r in await rows(raw.steps)],
            strategies=[StrategyCount(*r) for r in await rows(raw.strategies)],
            helpful=[HelpfulShare(*r) for r in await rows(raw.helpful)],
            measures=[
                MeasurePair(*r) for r in await db.execute_fetchall(raw.measures, raw.pair_params)
            ],
            measure_people=[
                MeasurePeople(*r)
                for r in await db.execute_fetchall(raw.measure_people, raw.pair_params)
            ],
            groups=[GroupCounts(*r) for r in await rows(raw.groups, params)],  # 2 parts
            facilitated=[FacilitatedCount(*r) for r in await rows(raw.facilitated)],
            follow_ups=[
                FollowUpCount(*r)
                for r in await db.execute_fetchall(raw.follow_ups, raw.follow_up_params)
            ],
        )
        archived = await _archived(db, filters)
        class_answers = await _class_answers(db, filters)
        return replace(with_archived(data, archived), class_answers=class_answers)

    # -- retention ---------------------------------------------------------------------------

    async def purge(self, cutoff: date, *, dry_run: bool, min_group: int = 5) -> PurgeSummary:
        """Apply the retention rule (docs/evaluation.md) for raw events from before `cutoff`.

        Old raw events are folded into aggregates and deleted; so are profiles without any
        activity since before `cutoff` (with their memberships and an abandoned run), classes
        that ended before it (with their members, assignments, sessions and lessons, whose
        hand counts and poll totals are folded), revoked grants (and the command menus of
        people left without any) and long-expired invitations. Aggregate rows of
        fewer than `min_group` (K) people are then merged into coarser rows or deleted.

        A few hundred people at a time, each batch its own transaction: a month of events
        takes seconds to fold, and people playing meanwhile must not wait for all of it.
        Batches never split a person, so distinct people still add up exactly per batch.
        """
        today = date.fromisoformat(self.store.day())
        values = {
            "cutoff": cutoff.isoformat(),
            "invitations_before": (today - timedelta(days=INVITATION_GRACE_DAYS)).isoformat(),
            "k": min_group,
            "log_before": retention_cutoff(today, RESEARCH_LOG_MONTHS).isoformat(),
        }
        # Counting scans the old events: on a snapshot of its own, so nobody's save waits.
        async with self.store.snapshot() as db:
            counts = {
                kind: (await fetch_one(db, sql, values))[0] for kind, sql in _PURGE_COUNTS.items()
            }
            people = [row[0] for row in await db.execute_fetchall(_PURGE_PEOPLE, values)]
        if dry_run:
            return PurgeSummary(cutoff, **counts)
        for start in range(0, len(people), PURGE_BATCH_PEOPLE):
            batch = json.dumps(people[start : start + PURGE_BATCH_PEOPLE])
            async with self.store.session() as db, transaction(db):
                for statement in _FOLD + _DELETE:
                    await db.execute(statement, values | {"batch": batch})
        async with self.store.session() as db, transaction(db):
            for statement in (*_REMOVE_STAFF_ROWS, _RETIRE_RELEASES, _FORGET_EXPORT_LOG):
                await db.execute(statement, values)
            # Counted now, after this run's folding, so the number is what was merged.
            counts["small_groups"] = (await fetch_one(db, _COUNT_SMALL_GROUPS, values))[0]
            for statement in _COARSEN:
                await db.execute(statement, values)
        return PurgeSummary(cutoff, **counts)


def _where(conditions: Iterable[tuple[str, object]]) -> tuple[str, tuple]:
    """A WHERE clause of the conditions whose value is set, and its parameters."""
    chosen = [(sql, value) for sql, value in conditions if value is not None]
    return " AND ".join([_EVERYTHING, *(sql for sql, _ in chosen)]), tuple(v for _, v in chosen)


def _checked(filters: Filters) -> tuple[str, tuple]:
    if filters.unclassed and filters.class_id is not None:
        raise ValueError("a report is of one class or of the runs outside classes")
    return _run_filter(filters)


def _run_filter(filters: Filters, *, dated: bool = True) -> tuple[str, tuple]:
    """A WHERE clause over runs `r` for the report's filters (without the period when not
    `dated`: T3 answers count in the period they were given, not when the run started)."""
    since = filters.since.isoformat() if filters.since and dated else None
    until = filters.until.isoformat() if filters.until and dated else None
    return _where(
        (
            ("r.scenario_id = ?", filters.scenario),
            (f"{_REPORT_CLASS} = ?", filters.class_id),
            (f"{_REPORT_CLASS} IS NULL AND ?", True if filters.unclassed else None),
            ("r.started_on >= ?", since),
            ("r.started_on <= ?", until),
        )
    )


def _month_filter(filters: Filters, *, with_class: bool) -> tuple[str, tuple]:
    """The same filters over the monthly aggregate tables."""
    return _where(
        (
            ("scenario_id = ?", filters.scenario),
            ("class_id = ?", filters.class_id if with_class else None),
            ("month >= ?", filters.since.isoformat()[:7] if filters.since else None),
            ("month <= ?", filters.until.isoformat()[:7] if filters.until else None),
        )
    )


_RESEARCH_ROWS = research_rows_sql("user", "substr({day}, 1, 7)", ":first", ":last")
_EXPORT_COLUMNS = (
    "id, asked_on, who, grant_id, purpose, filters, made_on, format, rows, people, classes, sha256"
)


class _RawQueries:
    """SQL over the raw tables; each run's first play is the person's first run of it."""

    def __init__(self, where: str, filters: Filters) -> None:
        runs = f"runs r WHERE {where}"

        # Choices are counted through their runs, which carry the filters.
        answers = f"choices c JOIN runs r ON r.user = c.user AND r.run_id = c.run_id WHERE {where}"
        self.scenarios = (
            "SELECT r.scenario_id, count(DISTINCT r.user), count(*), count(r.finished_on),"
            " count(DISTINCT CASE WHEN r.finished_on IS NOT NULL THEN r.user END)"
            f" FROM {runs} GROUP BY r.scenario_id"
        )
        self.choices = (
            "SELECT c.scenario_id, c.step_id, c.choice_id, c.strategy, c.assessment, c.phase,"
            f" count(*), count(DISTINCT c.user) FROM {answers}"
            " GROUP BY c.scenario_id, c.step_id, c.choice_id, c.strategy, c.assessment, c.phase"
        )
        self.steps = (
            "SELECT c.scenario_id, c.step_id, count(DISTINCT c.user), count(*)"
            f" FROM {answers} GROUP BY c.scenario_id, c.step_id"
        )
        self.strategies = (
            f"SELECT c.strategy, count(*), count(DISTINCT c.user) FROM {answers}"
            " GROUP BY c.strategy"
        )
        self.helpful = (
            "SELECT CASE WHEN r.first_play THEN 'first' ELSE 'later' END AS play,"
            " sum(r.helpful), sum(r.answers), count(DISTINCT r.user),"
            f" count(DISTINCT CASE WHEN r.helpful > 0 THEN r.user END) FROM {runs} GROUP BY play"
        )
        # Each pair counts once: in the month its T2 or T3 answer was given (so a closed
        # month never gains pairs later), and in the class of the person's first run of
        # the scenario (a replay in another month or class would count it twice, and the
        # two counts could be subtracted: docs/privacy.md).
        undated, undated_params = _run_filter(filters, dated=False)
        answer_dates, answer_params = _where(
            (
                ("b.answered_on >= ?", filters.since.isoformat() if filters.since else None),
                ("b.answered_on <= ?", filters.until.isoformat() if filters.until else None),
            )
        )
        self.pair_params = (*undated_params, *answer_params)
        pairs = (
            "FROM measure_answers a"
            " JOIN measure_answers b ON b.user = a.user AND b.scenario_id = a.scenario_id"
            "  AND b.item_id = a.item_id AND b.wave IN ('T2', 'T3') AND b.value > 0"
            " JOIN (SELECT r.user, r.scenario_id, min(r.report_class) AS home FROM runs r"
            f"  WHERE r.first_play AND {undated} GROUP BY r.user, r.scenario_id) f"
            "  ON f.user = a.user AND f.scenario_id = a.scenario_id"
            f" WHERE a.wave = 'T1' AND a.value > 0 AND {answer_dates}"
        )
        self.measures = (
            f"SELECT a.item_id, 'T1-' || b.wave, a.value, b.value, {_PAIR_LABELS} {pairs}"
        )
        due, due_params = _where(
            (
                ("o.due_on >= ?", filters.since.isoformat() if filters.since else None),
                ("o.due_on <= ?", filters.until.isoformat() if filters.until else None),
            )
        )
        self.follow_ups = _FOLLOW_UP_COUNTS.query(undated, due)
        self.follow_up_params = (*undated_params, *due_params)
        self.measure_people = (
            f"SELECT a.item_id, 'T1-' || b.wave, count(DISTINCT a.user),"
            f" count(DISTINCT CASE WHEN a.value = {SCALE_POINTS} THEN a.user END),"
            f" count(DISTINCT CASE WHEN a.value < {SCALE_POINTS} THEN a.user END) {pairs}"
            " GROUP BY a.item_id, b.wave"
        )
        group_totals = (
            "count(DISTINCT r.user), count(r.finished_on), sum(r.helpful), sum(r.answers),"
            " count(DISTINCT CASE WHEN r.finished_on IS NOT NULL THEN r.user END),"
            " count(DISTINCT CASE WHEN r.helpful > 0 THEN r.user END)"
        )
        self.groups = (
            f"SELECT 'age_band', u.age_band, {group_totals}"
            f" FROM runs r JOIN users u ON u.user = r.user WHERE {where} GROUP BY u.age_band"
            f" UNION ALL SELECT 'class', k.name || ' #' || k.id, {group_totals}"
            f" FROM runs r JOIN classes k ON k.id = {_REPORT_CLASS} WHERE {where} GROUP BY k.id"
        )
        facilitated_where = (
            where.replace("r.scenario_id", "f.scenario_id")
            .replace(_REPORT_CLASS, "f.class_id")
            .replace("r.started_on", "f.started_on")
        )
        self.facilitated = (
            "SELECT f.scenario_id, k.step_id, k.choice_id, k.strategy, sum(k.hands),"
            " count(DISTINCT f.id) FROM facilitated_counts k"
            f" JOIN facilitations f ON f.id = k.facilitation_id WHERE {facilitated_where}"
            " GROUP BY f.scenario_id, k.step_id, k.choice_id, k.strategy"
        )


async def _class_answers(db, filters: Filters) -> list[ClassAnswerCount]:
    """The class items' answers per lesson, then those retention folded (of every class)."""
    if filters.scenario is not None or filters.unclassed:
        return []  # about lessons, not a scenario; and a lesson always has its class
    where, params = _where(
        (
            ("l.class_id = ?", filters.class_id),
            (
                "substr(l.started_at, 1, 10) >= ?",
                filters.since.isoformat() if filters.since else None,
            ),
            (
                "substr(l.started_at, 1, 10) <= ?",
                filters.until.isoformat() if filters.until else None,
            ),
        )
    )
    queries = [
        (
            "SELECT a.item_id, a.wave, a.value, a.answers, a.lesson_id, 1 FROM class_answers a"
            f" JOIN lessons l ON l.id = a.lesson_id WHERE {where}",
            params,
        )
    ]
    if filters.class_id is None:
        months, month_params = _month_filter(replace(filters, scenario=None), with_class=False)
        queries.append(
            (
                "SELECT item_id, wave, value, sum(answers), NULL, sum(lessons)"
                f" FROM class_answer_aggregates WHERE {months} GROUP BY item_id, wave, value",
                month_params,
            )
        )
    found = []
    for sql, values in queries:
        found += [ClassAnswerCount(*row) for row in await _rows(db, sql, values)]
    return found


async def _rows(db, sql: str, values: tuple) -> list:
    return list(await db.execute_fetchall(sql, values))


async def _archived(db, filters: Filters) -> ReportData:
    """The same shapes from the aggregate tables (events past the retention period)."""
    where, params = _month_filter(filters, with_class=True)

    async def rows(sql: str, query_params=params) -> list:
        return list(await db.execute_fetchall(sql, query_params))

    agg = f"choice_aggregates WHERE {where}"
    return ReportData(
        filters=filters,
        scenarios=[ScenarioCounts(*r) for r in await rows(
            # Distinct people who finished or helped are not kept once folded: 0, so
            # those cells stay hidden (docs/privacy.md).
            f"SELECT scenario_id, sum(participants), sum(starts), sum(completions), 0"
            f" FROM run_aggregates WHERE {where} GROUP BY scenario_id")],
        choices=[ChoiceCount(*r) for r in await rows(
            "SELECT scenario_id, step_id, choice_id, strategy, assessment, phase, sum(answers),"
            f" sum(participants) FROM {agg}"
            " GROUP BY scenario_id, step_id, choice_id, strategy, assessment, phase")],
        steps=[StepTotal(*r) for r in await rows(
            f"SELECT scenario_id, step_id, sum(participants), sum(answers) FROM {agg}"
            " GROUP BY scenario_id, step_id")],
        strategies=[StrategyCount(*r) for r in await rows(
            f"SELECT strategy, sum(answers), sum(participants) FROM {agg} GROUP BY strategy")],
        helpful=[HelpfulShare(*r) for r in await rows(
            "SELECT CASE WHEN first_play THEN 'first' ELSE 'later' END,"
            " sum(answers * (assessment = 'helpful')),"
            f" sum(answers), sum(participants), 0 FROM {agg} GROUP BY first_play")],
        measures=await _archived_pairs(db, filters),
        groups=[GroupCounts(*r) for r in await rows(
            "SELECT 'age_band', age_band, sum(participants), 0,"
            " sum(answers * (assessment = 'helpful')),"
            f" sum(answers), 0, 0 FROM {agg} AND age_band IS NOT NULL GROUP BY age_band")],
        facilitated=await _archived_hands(db, filters),
    )  # fmt: skip


async def _archived_hands(db, filters: Filters) -> list[FacilitatedCount]:
    if filters.class_id is not None:
        return []  # the hand counts of removed classes are no longer linked to a class
    where, params = _month_filter(filters, with_class=False)
    rows = await db.execute_fetchall(
        "SELECT scenario_id, step_id, choice_id, strategy, sum(hands), sum(sessions)"
        f" FROM facilitated_aggregates WHERE {where}"
        " GROUP BY scenario_id, step_id, choice_id, strategy",
        params,
    )
    return [FacilitatedCount(*r) for r in rows]


async def _archived_pairs(db, filters: Filters) -> list[MeasurePair]:
    if filters.class_id is not None:
        return []  # archived pairs are no longer linked to a class
    where, params = _month_filter(filters, with_class=False)
    rows = await db.execute_fetchall(
        f"SELECT item_id, comparison, before, after FROM measure_pair_archive WHERE {where}",
        params,
    )
    return [MeasurePair(*r) for r in rows]


PURGE_BATCH_PEOPLE = 200
# Every statement below takes named values: :cutoff (the day before which raw events go),
# :invitations_before, :k (the smallest group kept), :log_before (the export log's
# cutoff), and in batches :batch (pseudonyms).

# People whose last activity was before the cutoff, unless a reminder they asked for is
# still to come or came after the cutoff.
_EXPIRED = (
    "SELECT user FROM users u WHERE last_seen_on < :cutoff AND NOT EXISTS ("
    " SELECT 1 FROM follow_ups f WHERE f.user = u.user"
    " AND (f.status = 'scheduled' OR f.due_on >= :cutoff))"
)
# A run still in progress is neither folded nor deleted: its owner may come back to it.
# An expired person's run in progress was abandoned for the whole retention period.
_FOLDABLE = (
    f"((r.user, r.run_id) NOT IN (SELECT user, run_id FROM active_runs) OR r.user IN ({_EXPIRED}))"
)
# A class has ended when it was closed or expired, whichever came first.
_ENDED_CLASSES = (
    "SELECT id FROM classes WHERE min(expires_on, coalesce(closed_on, expires_on)) < :cutoff"
)
_BATCH = "(SELECT value FROM json_each(:batch))"
# Retention's K rule for aggregate rows (bot/storage/small_groups.py).
_SMALL_GROUPS = SmallGroups(row_id="rowid", k=":k")
_COARSEN = _SMALL_GROUPS.coarsen()
_COUNT_SMALL_GROUPS = _SMALL_GROUPS.count()
# A released period's numbers include the counts it hides (fewer than K people): they go
# with the raw events. The row stays, so the period is never released anew from the
# aggregates (which would differ, and could be subtracted from the old release).
_RETIRE_RELEASES = (
    f"UPDATE report_releases SET body = '{RETIRED}'"
    f" WHERE last_day < :cutoff AND body != '{RETIRED}'"
)
_PURGE_COUNTS = {
    "releases": "SELECT count(*) FROM report_releases"
    f" WHERE last_day < :cutoff AND body != '{RETIRED}'",
    "choices": "SELECT count(*) FROM choices c JOIN runs r USING (user, run_id)"
    f" WHERE r.started_on < :cutoff AND {_FOLDABLE}",
    "runs": f"SELECT count(*) FROM runs r WHERE started_on < :cutoff AND {_FOLDABLE}",
    "measure_answers": "SELECT count(*) FROM measure_answers WHERE answered_on < :cutoff",
    "follow_ups": "SELECT count(*) FROM follow_ups"
    " WHERE due_on < :cutoff AND status != 'scheduled'",
    "profiles": f"SELECT count(*) FROM ({_EXPIRED})",
    "memberships": f"SELECT count(*) FROM class_members WHERE user IN ({_EXPIRED})"
    f" OR class_id IN ({_ENDED_CLASSES})",
    "classes": f"SELECT count(*) FROM ({_ENDED_CLASSES})",
    "facilitations": f"SELECT count(*) FROM facilitations WHERE class_id IN ({_ENDED_CLASSES})",
    "invitations": "SELECT count(*) FROM invitations WHERE expires_on < :invitations_before",
    "roles": "SELECT count(*) FROM roles WHERE revoked_on < :cutoff",
    "small_groups": _COUNT_SMALL_GROUPS,  # in a dry run: among the rows folded before
    "research_exports": "SELECT count(*) FROM research_exports WHERE asked_on < :log_before",
}
_FORGET_EXPORT_LOG = "DELETE FROM research_exports WHERE asked_on < :log_before"
_PURGE_PEOPLE = (
    f"SELECT user FROM runs r WHERE started_on < :cutoff AND {_FOLDABLE}"
    " UNION SELECT user FROM measure_answers WHERE answered_on < :cutoff"
    " UNION SELECT user FROM follow_ups WHERE due_on < :cutoff AND status != 'scheduled'"
    f" UNION {_EXPIRED}"
)
# Retention: fold, then delete, a batch of people at a time.
_FOLD = (
    "INSERT INTO choice_aggregates SELECT substr(r.started_on, 1, 7), c.scenario_id, c.step_id,"
    f" c.choice_id, c.strategy, c.assessment, c.phase, {_REPORT_CLASS}, u.age_band,"
    " r.first_play, count(*), count(DISTINCT c.user)"
    " FROM choices c JOIN runs r ON r.user = c.user AND r.run_id = c.run_id"
    " JOIN users u ON u.user = c.user"
    f" WHERE r.started_on < :cutoff AND {_FOLDABLE} AND r.user IN {_BATCH}"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
    f"INSERT INTO run_aggregates SELECT substr(r.started_on, 1, 7), r.scenario_id, {_REPORT_CLASS},"
    " u.age_band, count(*), count(r.finished_on), count(DISTINCT r.user)"
    f" FROM runs r JOIN users u ON u.user = r.user WHERE r.started_on < :cutoff AND {_FOLDABLE}"
    f" AND r.user IN {_BATCH} GROUP BY 1, 2, 3, 4",
    "INSERT INTO measure_pair_archive SELECT substr(a.answered_on, 1, 7), a.scenario_id, a.item_id,"
    " 'T1-' || b.wave, a.value, b.value FROM measure_answers a JOIN measure_answers b"
    " ON b.user = a.user AND b.scenario_id = a.scenario_id AND b.item_id = a.item_id"
    " AND b.wave IN ('T2', 'T3') WHERE a.wave = 'T1' AND a.value > 0 AND b.value > 0"
    f" AND a.answered_on < :cutoff AND a.user IN {_BATCH}",
)  # fmt: skip
_DELETE = (
    "DELETE FROM choices WHERE (user, run_id) IN"
    f" (SELECT user, run_id FROM runs r WHERE started_on < :cutoff AND {_FOLDABLE}"
    f" AND r.user IN {_BATCH})",
    f"DELETE FROM runs AS r WHERE started_on < :cutoff AND {_FOLDABLE} AND r.user IN {_BATCH}",
    f"DELETE FROM measure_answers WHERE answered_on < :cutoff AND user IN {_BATCH}",
    # A lesson round goes with its answers, once its end questions were sent or cancelled.
    f"DELETE FROM lesson_rounds AS r WHERE r.user IN {_BATCH} AND r.status != '{WAITING}'"
    " AND NOT EXISTS (SELECT 1 FROM measure_answers a"
    " WHERE a.user = r.user AND a.scenario_id = r.scenario_id)",
    f"DELETE FROM follow_ups WHERE due_on < :cutoff AND status != 'scheduled' AND user IN {_BATCH}",
    # What is left of an expired person: the profile, and by ON DELETE CASCADE their class
    # memberships (their runs, answers and finished follow-ups went above).
    f"DELETE FROM users WHERE user IN {_BATCH} AND user IN ({_EXPIRED})",
)
# Staff rows linked to a person: classes that ended (their hand counts and poll totals are
# folded first; their members, assignments, sessions, lessons and polls follow by ON DELETE
# CASCADE, and their runs keep no class), revoked grants with the command menus set for
# them, and invitations long expired (used or not).
# A lesson's class item with answers at both waves, each from at least K people: the class
# answers the report counts (bot/evaluation/class_answers.py), and so those retention folds.
CLASS_ITEMS_ANSWERED_TWICE = (
    "SELECT lesson_id, item_id FROM (SELECT lesson_id, item_id FROM class_answers"
    " GROUP BY lesson_id, item_id, wave HAVING sum(answers) >= :k)"
    " AS answered GROUP BY lesson_id, item_id HAVING count(*) = 2"
)
_REMOVE_STAFF_ROWS = (
    # A class's answers to the class items: per month, item, wave and value, without lessons.
    "INSERT INTO class_answer_aggregates (month, item_id, wave, value, answers, lessons)"
    f" SELECT substr(l.started_at, 1, 7), a.item_id, a.wave, a.value, sum(a.answers),"
    " count(DISTINCT a.lesson_id) FROM class_answers a JOIN lessons l ON l.id = a.lesson_id"
    f" WHERE a.class_id IN ({_ENDED_CLASSES})"
    f" AND (a.lesson_id, a.item_id) IN ({CLASS_ITEMS_ANSWERED_TWICE}) GROUP BY 1, 2, 3, 4",
    "INSERT INTO facilitated_aggregates SELECT substr(f.started_on, 1, 7), f.scenario_id,"
    " k.step_id, k.choice_id, k.strategy, sum(k.hands), count(DISTINCT f.id)"
    " FROM facilitated_counts k JOIN facilitations f ON f.id = k.facilitation_id"
    f" WHERE f.class_id IN ({_ENDED_CLASSES}) GROUP BY 1, 2, 3, 4, 5",
    # A class number may be given again once its class is gone: folded rows keep none.
    f"UPDATE choice_aggregates SET class_id = NULL WHERE class_id IN ({_ENDED_CLASSES})",
    f"UPDATE run_aggregates SET class_id = NULL WHERE class_id IN ({_ENDED_CLASSES})",
    f"DELETE FROM classes WHERE id IN ({_ENDED_CLASSES})",
    "DELETE FROM roles WHERE revoked_on < :cutoff",
    # The command menu set in the chat of someone who no longer holds or held a role.
    "DELETE FROM command_menus WHERE user NOT IN (SELECT user FROM roles)"
    " AND user NOT IN (SELECT user FROM users)",
    "DELETE FROM invitations WHERE expires_on < :invitations_before",
)
