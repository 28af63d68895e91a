"""Retention of everything linked to a person (docs/evaluation.md, "Retention"), on seeded
data with a fake today: 2026-01-15 with 12 months' retention, so the cutoff is 2025-01-01."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cli.main import main
from bot.evaluation.data import Filters
from bot.storage import Profile
from bot.storage.records import YOUTH_WORKER, retention_cutoff
from bot.storage.sqlite import database
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import KEY, Clock
from .test_evaluation_store import play

TODAY = date(2026, 1, 15)
CUTOFF = retention_cutoff(TODAY, 12)  # 2025-01-01
PICK = ("a", "good", "delegate", "helpful")


async def person(store: SqlCipherStore, clock: Clock, user: str, day: date, band="16_17") -> None:
    """Someone who agreed to saving; `day` is when they were last active."""
    clock.day = day
    await store.save_profile(Profile(user, "sv", band, "save"))


async def everything(store: SqlCipherStore) -> dict[str, list]:
    """Every row of every table, to show that a dry run changes nothing."""
    async with store.reading() as db:
        tables = [
            row[0]
            for row in await db.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            t: sorted(map(repr, await db.execute_fetchall(f"SELECT * FROM {t}"))) for t in tables
        }


async def count(store: SqlCipherStore, sql: str, *values) -> int:
    async with store.reading() as db:
        return (await db.execute_fetchall(sql, values))[0][0]


async def test_a_profile_expires_after_the_retention_period_without_activity(
    store: SqlCipherStore, clock: Clock
) -> None:
    evaluation, classes = SqlCipherEvaluationStore(store), SqlCipherClassStore(store)
    clock.day = date(2024, 3, 1)
    record = await classes.create_class("worker", "8B", "code-8b", date(2026, 6, 1))
    # Five people played in March 2024; afterwards only some of them did anything.
    for user in ("gone", "answered", "replied", "waiting", "reminded"):
        await person(store, clock, user, date(2024, 3, 5))
        await classes.join_class(record.id, user)
        await play(store, user, "r1", [PICK])
        await play(store, user, "r2", [PICK], finish=False)  # left in progress
        await evaluation.record_answer(user, "s1", "T1", "efficacy", 2)
    clock.day = date(2025, 2, 10)
    await evaluation.record_answer("answered", "s1", "T2", "efficacy", 4)  # activity
    for user, due in (("replied", date(2024, 6, 1)), ("reminded", date(2025, 2, 1))):
        clock.day = date(2024, 3, 5)
        await evaluation.schedule_follow_up(user, "s1", due, "sealed", 10)
        (follow_up,) = await evaluation.due_follow_ups(due)
        await evaluation.close_follow_up(follow_up, "sent")
        if user == "replied":
            clock.day = date(2025, 3, 1)
            await evaluation.answer_follow_up(user, follow_up, "opportunity", "no")  # activity
    clock.day = date(2024, 3, 5)
    await evaluation.schedule_follow_up("waiting", "s1", date(2026, 2, 1), "sealed", 10)
    clock.day = TODAY
    before = await evaluation.report_data(Filters())
    untouched = await everything(store)

    dry = await evaluation.purge(CUTOFF, dry_run=True, min_group=1)
    assert (dry.profiles, dry.memberships) == (1, 1)
    assert (dry.runs, dry.choices) == (5 + 1, 5 + 1), "and the expired person's abandoned run"
    assert await everything(store) == untouched, "a dry run changes nothing"

    done = await evaluation.purge(CUTOFF, dry_run=False, min_group=1)
    assert done == dry
    assert await store.get_profile("gone") is None
    assert await store.get_active_run("gone") is None
    assert await store.describe_user("gone") is None
    for kept in ("answered", "replied", "waiting", "reminded"):
        assert await store.get_profile(kept) is not None, kept
        assert await store.get_active_run(kept) is not None, "a run in progress stays"
    assert await classes.members(record.id) == 4
    after = await evaluation.report_data(Filters())
    assert after.scenarios[0].starts == before.scenarios[0].starts == 10, "folded, not lost"
    assert sum(c.answers for c in after.choices) == sum(c.answers for c in before.choices)
    assert await count(store, "SELECT count(*) FROM measure_answers WHERE user = 'gone'") == 0


async def test_ended_classes_go_with_members_assignments_and_sessions(
    store: SqlCipherStore, clock: Clock
) -> None:
    evaluation, classes = SqlCipherEvaluationStore(store), SqlCipherClassStore(store)
    clock.day = date(2024, 1, 10)
    made = {
        name: await classes.create_class("worker", name, f"code-{name}", expires)
        for name, expires in (
            ("expired", date(2024, 6, 1)),
            ("closed-early", date(2025, 6, 1)),
            ("ended-lately", date(2025, 3, 1)),
            ("open", date(2026, 6, 1)),
        )
    }
    clock.day = date(2024, 2, 1)
    await classes.close_class(made["closed-early"].id)
    for name, record in made.items():
        await classes.toggle_assignment(record.id, "s1")
        session = await classes.start_facilitation(record.id, "worker", "s1", 1, {})
        await classes.save_facilitation(
            session.id, {}, [("a", "good", "delegate", "helpful", "during", 12)], finished=True
        )
        for n in range(2):
            await person(store, clock, f"{name}-{n}", date(2024, 2, 1))
            await classes.join_class(record.id, f"{name}-{n}")
            await play(store, f"{name}-{n}", "r1", [PICK], class_id=record.id)
            await person(store, clock, f"{name}-{n}", date(2025, 12, 1))  # still active
    clock.day = TODAY
    hands_before = (await evaluation.report_data(Filters())).facilitated

    dry = await evaluation.purge(CUTOFF, dry_run=True)
    assert (dry.classes, dry.facilitations, dry.memberships, dry.profiles) == (2, 2, 4, 0)
    await evaluation.purge(CUTOFF, dry_run=False)

    left = {r.name for r in await classes.classes_of("worker")}
    assert left == {"ended-lately", "open"}
    for table, column in (
        ("class_members", "class_id"),
        ("class_scenarios", "class_id"),
        ("facilitations", "class_id"),
        ("runs", "class_id"),
        ("choice_aggregates", "class_id"),
        ("run_aggregates", "class_id"),
    ):
        ids = {made[n].id for n in ("expired", "closed-early")}
        assert not await count(
            store, f"SELECT count(*) FROM {table} WHERE {column} IN ({', '.join('?' * len(ids))})",
            *ids,
        ), table  # fmt: skip
    assert await count(store, "SELECT count(*) FROM facilitated_counts") == 2
    hands_after = (await evaluation.report_data(Filters())).facilitated
    assert [(h.hands, h.sessions) for h in hands_after] == [(48, 4)]
    assert [(h.hands, h.sessions) for h in hands_before] == [(48, 4)], "kept as aggregates"


async def test_revoked_grants_and_old_invitations_go(store: SqlCipherStore, clock: Clock) -> None:
    evaluation, classes = SqlCipherEvaluationStore(store), SqlCipherClassStore(store)
    clock.day = date(2024, 5, 1)
    for user in ("revoked-long-ago", "revoked-lately", "active"):
        await classes.grant_role(user, YOUTH_WORKER, "Alby")
    first, second, _ = await classes.active_roles()
    clock.day = date(2024, 11, 1)
    await classes.revoke_role(first.id)
    clock.day = date(2025, 3, 1)
    await classes.revoke_role(second.id)
    clock.day = date(2025, 12, 20)
    for token, expires in (
        ("expired", date(2025, 12, 31)),
        ("used", date(2025, 12, 27)),
        ("lately", date(2026, 1, 10)),
        ("open", date(2026, 1, 20)),
    ):
        await classes.create_invitation(token, YOUTH_WORKER, "Alby", expires)  # fmt: skip
    assert await classes.redeem_invitation("used", "someone") is not None
    clock.day = TODAY

    dry = await evaluation.purge(CUTOFF, dry_run=True)
    assert (dry.roles, dry.invitations) == (1, 2)
    await evaluation.purge(CUTOFF, dry_run=False)
    assert await count(store, "SELECT count(*) FROM roles WHERE user = 'revoked-long-ago'") == 0
    assert await classes.roles_of("active") == {YOUTH_WORKER}
    assert await count(store, "SELECT count(*) FROM roles") == 3  # lately, active, someone
    async with store.reading() as db:
        tokens = {r[0] for r in await db.execute_fetchall("SELECT token_hash FROM invitations")}
    assert tokens == {"lately", "open"}, "expired more than 7 days ago: gone, used or not"


async def smallest_group(store: SqlCipherStore) -> int:
    """The fewest people any aggregate row (with the rows it adds up with) describes."""
    return await count(
        store,
        "SELECT min(people) FROM ("
        " SELECT sum(participants) AS people FROM choice_aggregates GROUP BY month,"
        "  scenario_id, step_id, choice_id, strategy, assessment, phase, class_id, age_band,"
        "  first_play"
        " UNION ALL SELECT sum(participants) FROM run_aggregates"
        "  GROUP BY month, scenario_id, class_id, age_band"
        " UNION ALL SELECT count(*) FROM measure_pair_archive"
        "  GROUP BY month, scenario_id, item_id, comparison)",
    )


async def test_no_aggregate_row_describes_fewer_than_k_people(
    store: SqlCipherStore, clock: Clock
) -> None:
    evaluation, classes = SqlCipherEvaluationStore(store), SqlCipherClassStore(store)
    clock.day = date(2024, 3, 1)
    record = await classes.create_class("worker", "8B", "code-8b", date(2026, 6, 1))
    people = []
    # March 2024: six in class 8B, three in each age band, all choosing "good".
    for n in range(6):
        user = f"class-{n}"
        await person(store, clock, user, date(2024, 3, 3), "16_17" if n % 2 else "18_19")
        await play(store, user, "r1", [PICK], class_id=record.id)
        people.append(user)
    # Two who chose something rare; three in April and three in May who answered T1 and T2.
    for n, month in enumerate((4, 4, 4, 5, 5, 5)):
        user = f"pairs-{n}"
        await person(store, clock, user, date(2024, month, 2))
        pick = ("a", "rare", "none", "harmful") if n < 2 else PICK
        await play(store, user, "r1", [pick])
        for wave, value in (("T1", 2), ("T2", 4)):
            await evaluation.record_answer(user, "s1", wave, "efficacy", value)
        people.append(user)
    for user in people:  # all still active: only their old events are folded
        await person(store, clock, user, date(2025, 12, 1))
    clock.day = TODAY

    done = await evaluation.purge(CUTOFF, dry_run=False, min_group=5)
    assert done.small_groups > 0 and done.profiles == 0
    assert await smallest_group(store) >= 5
    assert (await evaluation.purge(CUTOFF, dry_run=True, min_group=5)).small_groups == 0

    data = await evaluation.report_data(Filters())
    answers = {c.choice_id: c.answers for c in data.choices}
    # March's six, merged into one row without class and age band; April's and May's few
    # (one and three "good", two "rare") are too few even so, and deleted.
    assert answers == {"good": 6}
    assert {g.group for g in data.groups if g.dimension == "age_band"} <= {"16_17", "18_19"}
    assert len(data.measures) == 6, "pairs of two small months, merged without their month"
    dated = await evaluation.report_data(Filters(since=date(2024, 1, 1)))
    assert dated.measures == [], "undated pairs are only in reports without a period"
    assert await count(store, "SELECT count(*) FROM measure_pair_archive WHERE month IS NULL") == 6


def test_bystander_purge_dry_run_counts_each_kind(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BYSTANDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BYSTANDER_KEY_DIR", str(tmp_path / "keys"))
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("would remove")
    for kind in (
        "choice(s)",
        "run(s)",
        "questionnaire answer(s)",
        "finished follow-up(s)",
        "profile(s)",
        "class membership(s)",
        "class(es)",
        "facilitated session(s)",
        "expired invitation(s)",
        "revoked staff role(s)",
        "aggregate row(s) of fewer than K people",
    ):
        assert f"0 {kind}" in out, kind  # fmt: skip


@pytest.fixture(autouse=True)
def _today(clock: Clock) -> None:
    clock.day = TODAY


async def test_migration_007_keeps_folded_rows_and_counts_answers_as_activity(
    db_path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = [m for m in database.load_migrations() if m.version < 7]
    monkeypatch.setattr(database, "load_migrations", lambda: before)
    old = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await old.initialize()
    async with old.session() as db:  # rows as the code of that time wrote them
        await db.execute("INSERT INTO users VALUES ('p', 'sv', '16_17', 'save', '2024-01-02',"
                         " '2024-01-02')")  # fmt: skip
        await db.execute("INSERT INTO measure_answers VALUES ('p', 's1', 'T3', 'efficacy', 4,"
                         " '2025-02-03')")  # fmt: skip
        await db.execute("INSERT INTO choice_aggregates VALUES ('2023-05', 's1', 'a', 'good',"
                         " 'delegate', 'helpful', 'during', NULL, '16_17', 1, 7, 6)")  # fmt: skip
        await db.execute("INSERT INTO run_aggregates VALUES ('2023-05', 's1', NULL, '16_17',"
                         " 7, 6, 6)")  # fmt: skip
        await db.execute("INSERT INTO measure_pair_archive VALUES ('2023-05', 's1', 'efficacy',"
                         " 'T1-T2', 2, 4)")  # fmt: skip
    await old.close()
    monkeypatch.undo()

    migrated = SqlCipherStore(db_path, KEY, today=lambda: clock.day)
    await migrated.initialize()
    try:
        data = await migrated.describe_user("p")
        assert data.last_activity == date(2025, 2, 3), "the late answer was activity"
        report = await SqlCipherEvaluationStore(migrated).report_data(Filters(scenario="s1"))
        assert [(c.answers, c.participants) for c in report.choices] == [(7, 6)]
        assert [(s.starts, s.completions) for s in report.scenarios] == [(7, 6)]
        assert len(report.measures) == 1
    finally:
        await migrated.close()
