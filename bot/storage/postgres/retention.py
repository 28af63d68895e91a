"""Retention in PostgreSQL (bot.storage.ports.RetentionStore), on the pool of
`PostgresStore`: the same rule and statements as the SQLCipher backend
(bot.storage.sqlite.evaluation, whose comments say why each is as it is).
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.storage.postgres.store import PostgresStore
from bot.storage.records import (
    INVITATION_GRACE_DAYS,
    RESEARCH_LOG_MONTHS,
    RETIRED,
    PurgeSummary,
    retention_cutoff,
)
from bot.storage.small_groups import SmallGroups

# People per transaction: a month of events takes seconds to fold, and people playing
# meanwhile must not wait for all of it.
PURGE_BATCH_PEOPLE = 200
_REPORT_CLASS = "r.report_class"
_MONTH = "to_char({}, 'YYYY-MM')"
# Every statement below takes named values: %(cutoff)s (the day before which raw events
# go), %(invitations_before)s, %(k)s (the smallest group kept), %(log_before)s (the export
# log's cutoff), and in batches %(batch)s.
_BATCH = "ANY(%(batch)s::text[])"

_EXPIRED = (
    "SELECT pseudonym FROM users u WHERE last_seen_on < %(cutoff)s AND NOT EXISTS ("
    " SELECT 1 FROM follow_ups f WHERE f.pseudonym = u.pseudonym"
    " AND (f.status = 'scheduled' OR f.due_on >= %(cutoff)s))"
)
_FOLDABLE = (
    "((r.pseudonym, r.run_id) NOT IN (SELECT pseudonym, run_id FROM active_runs)"
    f" OR r.pseudonym IN ({_EXPIRED}))"
)
_ENDED_CLASSES = (
    "SELECT id FROM classes WHERE least(expires_on, closed_on) < %(cutoff)s"  # NULLs ignored
)
# Retention's K rule for aggregate rows (bot/storage/small_groups.py).
_SMALL_GROUPS = SmallGroups(row_id="id", k="%(k)s")
_COARSEN = _SMALL_GROUPS.coarsen()
_COUNT_SMALL_GROUPS = _SMALL_GROUPS.count()
_RETIRE_RELEASES = (
    f"UPDATE report_releases SET body = '{RETIRED}'"
    f" WHERE last_day < %(cutoff)s AND body != '{RETIRED}'"
)
_PURGE_COUNTS = {
    "releases": "SELECT count(*) FROM report_releases"
    f" WHERE last_day < %(cutoff)s AND body != '{RETIRED}'",
    "choices": "SELECT count(*) FROM choices c JOIN runs r USING (pseudonym, run_id)"
    f" WHERE r.started_on < %(cutoff)s AND {_FOLDABLE}",
    "runs": f"SELECT count(*) FROM runs r WHERE started_on < %(cutoff)s AND {_FOLDABLE}",
    "measure_answers": "SELECT count(*) FROM measure_answers WHERE answered_on < %(cutoff)s",
    "follow_ups": "SELECT count(*) FROM follow_ups"
    " WHERE due_on < %(cutoff)s AND status != 'scheduled'",
    "profiles": f"SELECT count(*) FROM ({_EXPIRED}) AS expired",
    "memberships": f"SELECT count(*) FROM class_members WHERE pseudonym IN ({_EXPIRED})"
    f" OR class_id IN ({_ENDED_CLASSES})",
    "classes": f"SELECT count(*) FROM ({_ENDED_CLASSES}) AS ended",
    "facilitations": f"SELECT count(*) FROM facilitations WHERE class_id IN ({_ENDED_CLASSES})",
    "invitations": "SELECT count(*) FROM invitations WHERE expires_on < %(invitations_before)s",
    "roles": "SELECT count(*) FROM roles WHERE revoked_on < %(cutoff)s",
    "small_groups": _COUNT_SMALL_GROUPS,  # in a dry run: among the rows folded before
    "research_exports": "SELECT count(*) FROM research_exports WHERE asked_on < %(log_before)s",
}
_FORGET_EXPORT_LOG = "DELETE FROM research_exports WHERE asked_on < %(log_before)s"
_PURGE_PEOPLE = (
    f"SELECT pseudonym FROM runs r WHERE started_on < %(cutoff)s AND {_FOLDABLE}"
    " UNION SELECT pseudonym FROM measure_answers WHERE answered_on < %(cutoff)s"
    " UNION SELECT pseudonym FROM follow_ups"
    " WHERE due_on < %(cutoff)s AND status != 'scheduled'"
    f" UNION {_EXPIRED}"
)
_FOLD = (
    "INSERT INTO choice_aggregates (month, scenario_id, step_id, choice_id, strategy,"
    " assessment, phase, class_id, age_band, first_play, answers, participants)"
    f" SELECT {_MONTH.format('r.started_on')}, c.scenario_id, c.step_id, c.choice_id,"
    f" c.strategy, c.assessment, c.phase, {_REPORT_CLASS}, u.age_band, r.first_play,"
    " count(*), count(DISTINCT c.pseudonym)"
    " FROM choices c JOIN runs r ON r.pseudonym = c.pseudonym AND r.run_id = c.run_id"
    " JOIN users u ON u.pseudonym = c.pseudonym"
    f" WHERE r.started_on < %(cutoff)s AND {_FOLDABLE} AND r.pseudonym = {_BATCH}"
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
    "INSERT INTO run_aggregates (month, scenario_id, class_id, age_band, starts, completions,"
    f" participants) SELECT {_MONTH.format('r.started_on')}, r.scenario_id, {_REPORT_CLASS},"
    " u.age_band, count(*), count(r.finished_on), count(DISTINCT r.pseudonym)"
    " FROM runs r JOIN users u ON u.pseudonym = r.pseudonym"
    f" WHERE r.started_on < %(cutoff)s AND {_FOLDABLE} AND r.pseudonym = {_BATCH}"
    " GROUP BY 1, 2, 3, 4",
    "INSERT INTO measure_pair_archive (month, scenario_id, item_id, comparison, before, after)"
    f" SELECT {_MONTH.format('a.answered_on')}, a.scenario_id, a.item_id, 'T1-' || b.wave,"
    " a.value, b.value FROM measure_answers a JOIN measure_answers b"
    " ON b.pseudonym = a.pseudonym AND b.scenario_id = a.scenario_id AND b.item_id = a.item_id"
    " AND b.wave IN ('T2', 'T3') WHERE a.wave = 'T1' AND a.value > 0 AND b.value > 0"
    f" AND a.answered_on < %(cutoff)s AND a.pseudonym = {_BATCH}",
)
_DELETE = (
    # Their choices, and an expired person's run in progress or last finished run, follow
    # by ON DELETE CASCADE.
    f"DELETE FROM runs AS r WHERE started_on < %(cutoff)s AND {_FOLDABLE}"
    f" AND r.pseudonym = {_BATCH}",
    f"DELETE FROM measure_answers WHERE answered_on < %(cutoff)s AND pseudonym = {_BATCH}",
    # A lesson round goes with its answers, once its end questions were sent or cancelled.
    f"DELETE FROM lesson_rounds AS r WHERE r.pseudonym = {_BATCH} AND r.status != 'waiting'"
    " AND NOT EXISTS (SELECT 1 FROM measure_answers a"
    " WHERE a.pseudonym = r.pseudonym AND a.scenario_id = r.scenario_id)",
    "DELETE FROM follow_ups WHERE due_on < %(cutoff)s AND status != 'scheduled'"
    f" AND pseudonym = {_BATCH}",
    f"DELETE FROM users WHERE pseudonym = {_BATCH} AND pseudonym IN ({_EXPIRED})",
)
# A lesson's class item with answers at both waves, each from at least K people: the class
# answers the report counts (bot/evaluation/class_answers.py), and so those retention folds.
_LESSON_MONTH = _MONTH.format("l.started_at AT TIME ZONE 'UTC'")
CLASS_ITEMS_ANSWERED_TWICE = (
    "SELECT lesson_id, item_id FROM (SELECT lesson_id, item_id FROM class_answers"
    " GROUP BY lesson_id, item_id, wave HAVING sum(answers) >= %(k)s)"
    " AS answered GROUP BY lesson_id, item_id HAVING count(*) = 2"
)
_REMOVE_STAFF_ROWS = (
    # A class's answers to the class items: per month, item, wave and value, without lessons.
    "INSERT INTO class_answer_aggregates (month, item_id, wave, value, answers, lessons)"
    f" SELECT {_LESSON_MONTH}, a.item_id, a.wave, a.value, sum(a.answers),"
    " count(DISTINCT a.lesson_id) FROM class_answers a JOIN lessons l ON l.id = a.lesson_id"
    f" WHERE a.class_id IN ({_ENDED_CLASSES})"
    f" AND (a.lesson_id, a.item_id) IN ({CLASS_ITEMS_ANSWERED_TWICE}) GROUP BY 1, 2, 3, 4",
    "INSERT INTO facilitated_aggregates (month, scenario_id, step_id, choice_id, strategy,"
    f" hands, sessions) SELECT {_MONTH.format('f.started_on')}, f.scenario_id, k.step_id,"
    " k.choice_id, k.strategy, sum(k.hands), count(DISTINCT f.id)"
    " FROM facilitated_counts k JOIN facilitations f ON f.id = k.facilitation_id"
    f" WHERE f.class_id IN ({_ENDED_CLASSES}) GROUP BY 1, 2, 3, 4, 5",
    f"UPDATE choice_aggregates SET class_id = NULL WHERE class_id IN ({_ENDED_CLASSES})",
    f"UPDATE run_aggregates SET class_id = NULL WHERE class_id IN ({_ENDED_CLASSES})",
    f"DELETE FROM classes WHERE id IN ({_ENDED_CLASSES})",
    "DELETE FROM roles WHERE revoked_on < %(cutoff)s",
    "DELETE FROM command_menus WHERE pseudonym NOT IN (SELECT pseudonym FROM roles)"
    " AND pseudonym NOT IN (SELECT pseudonym FROM users)",
    "DELETE FROM invitations WHERE expires_on < %(invitations_before)s",
)


class PostgresRetentionStore:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    async def purge(self, cutoff: date, *, dry_run: bool, min_group: int = 5) -> PurgeSummary:
        """Apply the retention rule (docs/evaluation.md) for raw events from before `cutoff`,
        as SqlCipherEvaluationStore.purge does: counted in one REPEATABLE READ READ ONLY
        transaction, folded and deleted a batch of people at a time (batches never split
        a person, so distinct people still add up exactly per batch), then staff rows,
        releases and small aggregate groups in a last transaction."""
        values = {
            "cutoff": cutoff,
            "invitations_before": self.store.day() - timedelta(days=INVITATION_GRACE_DAYS),
            "k": min_group,
            "log_before": retention_cutoff(self.store.day(), RESEARCH_LOG_MONTHS),
        }
        async with self.store.transaction() as db:
            await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts = {}
            for kind, sql in _PURGE_COUNTS.items():
                cursor = await db.execute(sql, values)
                (counts[kind],) = await cursor.fetchone()
            cursor = await db.execute(_PURGE_PEOPLE, values)
            people = [row[0] for row in await cursor.fetchall()]
        if dry_run:
            return PurgeSummary(cutoff, **counts)
        for start in range(0, len(people), PURGE_BATCH_PEOPLE):
            batch = people[start : start + PURGE_BATCH_PEOPLE]
            async with self.store.transaction() as db:
                for statement in _FOLD + _DELETE:
                    await db.execute(statement, values | {"batch": batch})
        async with self.store.transaction() as db:
            for statement in (*_REMOVE_STAFF_ROWS, _RETIRE_RELEASES, _FORGET_EXPORT_LOG):
                await db.execute(statement, values)
            # Counted now, after this run's folding, so the number is what was merged.
            cursor = await db.execute(_COUNT_SMALL_GROUPS, values)
            (counts["small_groups"],) = await cursor.fetchone()
            for statement in _COARSEN:
                await db.execute(statement, values)
        return PurgeSummary(cutoff, **counts)
