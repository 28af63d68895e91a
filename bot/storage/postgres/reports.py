"""The evaluation report's numbers and released periods in PostgreSQL
(bot.storage.ports.ReportStore), on the pool of `PostgresStore`: the same queries as the
SQLCipher backend (bot.storage.sqlite.evaluation).

Report queries return counts and anonymous answer pairs only (bot.evaluation.data); no
pseudonym ever leaves this module. Events past retention count from the aggregate tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from psycopg import AsyncConnection

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
from bot.storage.postgres.store import PostgresStore
from bot.storage.records import ExportFacts, ResearchExport, ResearchRow
from bot.storage.research_rows import research_rows_sql

_EVERYTHING = "true"  # the WHERE clause of a report without filters
# The class a run is reported in, fixed as the run is recorded (PostgresStore.start_run).
_REPORT_CLASS = "r.report_class"
_HELPFUL = "(assessment = 'helpful')::integer"
# grouping(choice_id, strategy) of _RawQueries.answers: a bit for each column left out.
CHOICE_ROW, STRATEGY_ROW, STEP_ROW = 0, 2, 3
# Each pair's class and person as per-report ordinals (bot.storage.sqlite.evaluation).
_PAIR_LABELS = (
    "CASE WHEN f.home IS NOT NULL THEN dense_rank() OVER (PARTITION BY f.home IS NULL"
    " ORDER BY f.home) END, dense_rank() OVER (ORDER BY a.pseudonym)"
)

_FOLLOW_UP_COUNTS = FollowUpCounts(
    person="pseudonym", split="unnest(string_to_array({ids}, ',')) AS j(value)"
)


class PostgresReportStore:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    async def report_data(self, filters: Filters) -> ReportData:
        (data,) = await self.report_scopes([filters])
        return data

    async def report_scopes(self, scopes: list[Filters]) -> list[ReportData]:
        """The report data of several filters, read in one REPEATABLE READ transaction:
        consistent with each other, and (MVCC) no player waits for it."""
        checked = [(filters, *_checked(filters)) for filters in scopes]
        async with self.store.transaction() as db:
            await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # Compiling a report's dozens of queries (JIT) cost more than it saved: about a
            # tenth of a release over 10 million choices (benchmarks/report_scale.py).
            await db.execute("SET LOCAL jit = off")
            return [await _report_data(db, *scope) for scope in checked]

    async def classes_with_runs(self, first: date, last: date) -> list[int]:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                f"SELECT DISTINCT {_REPORT_CLASS} FROM runs r WHERE r.class_id IS NOT NULL"
                f" AND {_REPORT_CLASS} IS NOT NULL AND r.started_on BETWEEN %(first)s AND %(last)s"
                " UNION SELECT class_id FROM facilitations"
                " WHERE started_on BETWEEN %(first)s AND %(last)s ORDER BY 1",
                {"first": first, "last": last},
            )
            return [row[0] for row in await cursor.fetchall()]

    async def release(self, period: str) -> str | None:
        """The stored release of a period: None if never released, RETIRED if past
        retention."""
        row = await self.store.fetch_one(
            "SELECT body FROM report_releases WHERE period = %s", (period,)
        )
        return row[0] if row else None

    async def save_release(self, period: str, last_day: date, body: str) -> None:
        """Keep the first release of a period; a concurrent second one is dropped."""
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO report_releases (period, last_day, released_on, body)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (period, last_day, self.store.day(), body),
            )

    # -- the researchers' row-level export ------------------------------------------------

    async def research_rows(self, first: date, last: date) -> list[ResearchRow]:
        """Every questionnaire and follow-up answer of the days, person by person."""
        async with self.store.transaction() as db:
            await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor = await db.execute(_RESEARCH_ROWS, {"first": first, "last": last})
            return [ResearchRow(*row) for row in await cursor.fetchall()]

    async def ask_research_export(
        self, who: str, grant_id: int | None, purpose: str, filters: str
    ) -> int:
        (number,) = await self.store.fetch_one(
            "INSERT INTO research_exports (asked_on, who, grant_id, purpose, filters)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (self.store.day(), who, grant_id, purpose, filters),
        )
        return number

    async def research_export(self, export_id: int) -> ResearchExport | None:
        row = await self.store.fetch_one(
            f"SELECT {_EXPORT_COLUMNS} FROM research_exports WHERE id = %s", (export_id,)
        )
        return ResearchExport(*row) if row else None

    async def made_research_export(self, export_id: int, facts: ExportFacts) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "UPDATE research_exports SET made_on = %s, format = %s, rows = %s, people = %s,"
                " classes = %s, sha256 = %s WHERE id = %s AND made_on IS NULL",
                (self.store.day(), facts.fmt, facts.rows, facts.people, facts.classes,
                 facts.sha256, export_id),
            )  # fmt: skip
            return cursor.rowcount == 1

    async def research_exports(self) -> list[ResearchExport]:
        async with self.store.transaction() as db:
            cursor = await db.execute(f"SELECT {_EXPORT_COLUMNS} FROM research_exports ORDER BY id")
            return [ResearchExport(*row) for row in await cursor.fetchall()]


_RESEARCH_ROWS = research_rows_sql(
    "pseudonym", "to_char({day}, 'YYYY-MM')", "%(first)s", "%(last)s"
)
_EXPORT_COLUMNS = (
    "id, asked_on::text, who, grant_id, purpose, filters, made_on::text, format, rows, people,"
    " classes, sha256"
)


async def _report_data(
    db: AsyncConnection, filters: Filters, where: str, params: tuple[Any, ...]
) -> ReportData:
    async def rows(sql: str, values: tuple[Any, ...] = params) -> list[tuple[Any, ...]]:
        cursor = await db.execute(sql, values)
        return await cursor.fetchall()

    raw = _RawQueries(where, params, filters)
    answers = await rows(raw.answers, raw.answer_params)

    def level(row_kind: int) -> list[tuple[Any, ...]]:
        return [row[1:] for row in answers if row[0] == row_kind]

    data = ReportData(
        filters=filters,
        scenarios=[ScenarioCounts(*r) for r in await rows(raw.scenarios)],
        choices=[ChoiceCount(*r) for r in level(CHOICE_ROW)],
        steps=[StepTotal(s, step, people, n) for s, step, *_, n, people in level(STEP_ROW)],
        strategies=[StrategyCount(r[3], r[6], r[7]) for r in level(STRATEGY_ROW)],
        helpful=[HelpfulShare(*r) for r in await rows(raw.helpful)],
        measures=[MeasurePair(*r) for r in await rows(raw.measures, raw.pair_params)],
        measure_people=[MeasurePeople(*r) for r in await rows(raw.measure_people, raw.pair_params)],
        groups=[GroupCounts(*r) for r in await rows(raw.groups, params * 2)],  # 2 parts
        facilitated=[FacilitatedCount(*r) for r in await rows(raw.facilitated)],
        follow_ups=[FollowUpCount(*r) for r in await rows(raw.follow_ups, raw.follow_up_params)],
    )
    class_answers = await _class_answers(db, filters)
    return replace(with_archived(data, await _archived(db, filters)), class_answers=class_answers)


def _where(conditions: Iterable[tuple[str, object]]) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause of the conditions whose value is set, and its parameters."""
    chosen = [(sql, value) for sql, value in conditions if value is not None]
    return " AND ".join([_EVERYTHING, *(sql for sql, _ in chosen)]), tuple(v for _, v in chosen)


def _checked(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    if filters.unclassed and filters.class_id is not None:
        raise ValueError("a report is of one class or of the runs outside classes")
    return _run_filter(filters)


def _run_filter(filters: Filters, *, dated: bool = True) -> tuple[str, tuple[Any, ...]]:
    """A WHERE clause over runs `r` for the report's filters (without the period when not
    `dated`: T3 answers count in the period they were given, not when the run started)."""
    return _where(
        (
            ("r.scenario_id = %s", filters.scenario),
            (f"{_REPORT_CLASS} = %s", filters.class_id),
            (f"{_REPORT_CLASS} IS NULL AND %s", True if filters.unclassed else None),
            ("r.started_on >= %s", filters.since if dated else None),
            ("r.started_on <= %s", filters.until if dated else None),
        )
    )


def _month_filter(filters: Filters, *, with_class: bool) -> tuple[str, tuple[Any, ...]]:
    """The same filters over the monthly aggregate tables."""
    return _where(
        (
            ("scenario_id = %s", filters.scenario),
            ("class_id = %s", filters.class_id if with_class else None),
            ("month >= %s", filters.since.isoformat()[:7] if filters.since else None),
            ("month <= %s", filters.until.isoformat()[:7] if filters.until else None),
        )
    )


class _RawQueries:
    """SQL over the raw tables; each run's first play is the person's first run of it."""

    def __init__(self, where: str, params: tuple[Any, ...], filters: Filters) -> None:
        runs = f"runs r WHERE {where}"
        # Choices are counted through their runs, which carry the filters. A run's choices
        # are recorded on or after the day it started (a day before at most, where two
        # workers' clocks straddle midnight): with that bound the release of the month just
        # ended reads that month's choices through their date index, not the whole table.
        recorded, recorded_params = _where(
            (("c.recorded_on >= %s", filters.since - timedelta(days=1) if filters.since else None),)
        )
        answers = (
            "choices c JOIN runs r ON r.pseudonym = c.pseudonym AND r.run_id = c.run_id"
            f" WHERE {where} AND {recorded}"
        )
        self.answer_params = (*params, *recorded_params)
        self.scenarios = (
            "SELECT r.scenario_id, count(DISTINCT r.pseudonym), count(*), count(r.finished_on),"
            " count(DISTINCT CASE WHEN r.finished_on IS NOT NULL THEN r.pseudonym END)"
            f" FROM {runs} GROUP BY r.scenario_id"
        )
        # Answers and people per choice, per step and per strategy in one pass over the
        # scope's choices (the join is most of a report's time: three passes took twice as
        # long over 10 million choices, benchmarks/report_scale.py); grouping() tells the
        # three apart: CHOICE_ROW, STEP_ROW, STRATEGY_ROW.
        self.answers = (
            "SELECT grouping(c.choice_id, c.strategy), c.scenario_id, c.step_id, c.choice_id,"
            " c.strategy, c.assessment, c.phase, count(*), count(DISTINCT c.pseudonym)"
            f" FROM {answers} GROUP BY GROUPING SETS ("
            " (c.scenario_id, c.step_id, c.choice_id, c.strategy, c.assessment, c.phase),"
            " (c.scenario_id, c.step_id), (c.strategy))"
        )
        self.helpful = (
            "SELECT CASE WHEN r.first_play THEN 'first' ELSE 'later' END AS play,"
            " sum(r.helpful), sum(r.answers), count(DISTINCT r.pseudonym),"
            " count(DISTINCT CASE WHEN r.helpful > 0 THEN r.pseudonym END)"
            f" FROM {runs} GROUP BY play"
        )
        # Each pair counts once: in the month its T2 or T3 answer was given, and in the
        # class of the person's first run of the scenario (bot.storage.sqlite.evaluation).
        undated, undated_params = _run_filter(filters, dated=False)
        answer_dates, answer_params = _where(
            (("b.answered_on >= %s", filters.since), ("b.answered_on <= %s", filters.until))
        )
        self.pair_params = (*undated_params, *answer_params)
        pairs = (
            "FROM measure_answers a JOIN measure_answers b ON b.pseudonym = a.pseudonym"
            "  AND b.scenario_id = a.scenario_id AND b.item_id = a.item_id"
            "  AND b.wave IN ('T2', 'T3') AND b.value > 0"
            " JOIN (SELECT r.pseudonym, r.scenario_id, min(r.report_class) AS home FROM runs r"
            f"  WHERE r.first_play AND {undated} GROUP BY r.pseudonym, r.scenario_id) f"
            "  ON f.pseudonym = a.pseudonym AND f.scenario_id = a.scenario_id"
            f" WHERE a.wave = 'T1' AND a.value > 0 AND {answer_dates}"
        )
        self.measures = (
            f"SELECT a.item_id, 'T1-' || b.wave, a.value, b.value, {_PAIR_LABELS} {pairs}"
        )
        due, due_params = _where(
            (("o.due_on >= %s", filters.since), ("o.due_on <= %s", filters.until))
        )
        self.follow_ups = _FOLLOW_UP_COUNTS.query(undated, due)
        self.follow_up_params = (*undated_params, *due_params)
        self.measure_people = (
            f"SELECT a.item_id, 'T1-' || b.wave, count(DISTINCT a.pseudonym),"
            f" count(DISTINCT CASE WHEN a.value = {SCALE_POINTS} THEN a.pseudonym END),"
            f" count(DISTINCT CASE WHEN a.value < {SCALE_POINTS} THEN a.pseudonym END) {pairs}"
            " GROUP BY a.item_id, b.wave"
        )
        group_totals = (
            "count(DISTINCT r.pseudonym), count(r.finished_on), sum(r.helpful),"
            " sum(r.answers),"
            " count(DISTINCT CASE WHEN r.finished_on IS NOT NULL THEN r.pseudonym END),"
            " count(DISTINCT CASE WHEN r.helpful > 0 THEN r.pseudonym END)"
        )
        self.groups = (
            f"SELECT 'age_band', u.age_band, {group_totals} FROM runs r"
            f" JOIN users u ON u.pseudonym = r.pseudonym WHERE {where} GROUP BY u.age_band"
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


async def _class_answers(db: AsyncConnection, filters: Filters) -> list[ClassAnswerCount]:
    """The class items' answers per lesson, then those retention folded (of every class)."""
    if filters.scenario is not None or filters.unclassed:
        return []  # about lessons, not a scenario; and a lesson always has its class
    where, params = _where(
        (
            ("l.class_id = %s", filters.class_id),
            ("(l.started_at AT TIME ZONE 'UTC')::date >= %s", filters.since),
            ("(l.started_at AT TIME ZONE 'UTC')::date <= %s", filters.until),
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


async def _rows(db: AsyncConnection, sql: str, values: tuple) -> list:
    cursor = await db.execute(sql, values)
    return await cursor.fetchall()


async def _archived(db: AsyncConnection, filters: Filters) -> ReportData:
    """The same shapes from the aggregate tables (events past the retention period)."""
    where, params = _month_filter(filters, with_class=True)

    async def rows(sql: str, values: tuple[Any, ...] = params) -> list[tuple[Any, ...]]:
        cursor = await db.execute(sql, values)
        return await cursor.fetchall()

    agg = f"choice_aggregates WHERE {where}"
    return ReportData(
        filters=filters,
        scenarios=[ScenarioCounts(*r) for r in await rows(
            # Distinct people who finished or helped are not kept once folded: 0, so
            # those cells stay hidden (docs/privacy.md).
            "SELECT scenario_id, sum(participants), sum(starts), sum(completions), 0"
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
            f"SELECT CASE WHEN first_play THEN 'first' ELSE 'later' END, sum(answers * {_HELPFUL}),"
            f" sum(answers), sum(participants), 0 FROM {agg} GROUP BY first_play")],
        measures=await _archived_pairs(db, filters),
        groups=[GroupCounts(*r) for r in await rows(
            f"SELECT 'age_band', age_band, sum(participants), 0, sum(answers * {_HELPFUL}),"
            f" sum(answers), 0, 0 FROM {agg} AND age_band IS NOT NULL GROUP BY age_band")],
        facilitated=await _archived_hands(db, filters),
    )  # fmt: skip


async def _archived_hands(db: AsyncConnection, filters: Filters) -> list[FacilitatedCount]:
    if filters.class_id is not None:
        return []  # the hand counts of removed classes are no longer linked to a class
    where, params = _month_filter(filters, with_class=False)
    cursor = await db.execute(
        "SELECT scenario_id, step_id, choice_id, strategy, sum(hands), sum(sessions)"
        f" FROM facilitated_aggregates WHERE {where}"
        " GROUP BY scenario_id, step_id, choice_id, strategy",
        params,
    )
    return [FacilitatedCount(*r) for r in await cursor.fetchall()]


async def _archived_pairs(db: AsyncConnection, filters: Filters) -> list[MeasurePair]:
    if filters.class_id is not None:
        return []  # archived pairs are no longer linked to a class
    where, params = _month_filter(filters, with_class=False)
    cursor = await db.execute(
        f"SELECT item_id, comparison, before, after FROM measure_pair_archive WHERE {where}",
        params,
    )
    return [MeasurePair(*r) for r in await cursor.fetchall()]
