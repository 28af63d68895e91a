"""The RetentionStore contract (bot.storage.ports): retention of everything linked to a
person (docs/evaluation.md, "Retention"), on seeded data with a fake today: 2026-01-15 with
12 months' retention, so the cutoff is 2025-01-01."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.evaluation.data import Filters
from bot.storage import Profile
from bot.storage.ports import Storage
from bot.storage.records import POLL, ROOM, YOUTH_WORKER, GroupChat, retention_cutoff

from .conftest import Clock, Rows
from .lessons import GROUP_8B, VOTES, group_lesson, new_class
from .plays import play, seed

TODAY = date(2026, 1, 15)
CUTOFF = retention_cutoff(TODAY, 12)  # 2025-01-01
PICK = ("a", "good", "delegate", "helpful")
OLD = 15


@pytest.fixture(autouse=True)
def _today(clock: Clock) -> None:
    clock.day = TODAY


async def person(storage: Storage, clock: Clock, user: str, day: date, band="16_17") -> None:
    """Someone who agreed to saving; `day` is when they were last active."""
    clock.day = day
    await storage.players.save_profile(Profile(user, "sv", band, "save"))


async def test_a_profile_expires_after_the_retention_period_without_activity(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    survey, staff = storage.survey, storage.staff
    clock.day = date(2024, 3, 1)
    record = await staff.create_class("worker", "8B", "code-8b", date(2026, 6, 1))
    # Five people played in March 2024; afterwards only some of them did anything.
    for user in ("gone", "answered", "replied", "waiting", "reminded"):
        await person(storage, clock, user, date(2024, 3, 5))
        await staff.join_class(record.id, user)
        await play(storage.players, user, "r1", [PICK])
        await play(storage.players, user, "r2", [PICK], finish=False)  # left in progress
        await survey.record_answer(user, "s1", "T1", "efficacy", 2)
    clock.day = date(2025, 2, 10)
    await survey.record_answer("answered", "s1", "T2", "efficacy", 4)  # activity
    for user, due in (("replied", date(2024, 6, 1)), ("reminded", date(2025, 2, 1))):
        clock.day = date(2024, 3, 5)
        await survey.schedule_follow_up(user, "s1", due, "sealed", 10)
        (follow_up,) = await survey.due_follow_ups(due)
        await survey.close_follow_up(follow_up, "sent")
        if user == "replied":
            clock.day = date(2025, 3, 1)
            await survey.answer_follow_up(user, follow_up, "opportunity", "no")  # activity
    clock.day = date(2024, 3, 5)
    await survey.schedule_follow_up("waiting", "s1", date(2026, 2, 1), "sealed", 10)
    clock.day = TODAY
    before = await storage.reports.report_data(Filters())
    untouched = await rows.everything()

    dry = await storage.retention.purge(CUTOFF, dry_run=True, min_group=1)
    assert (dry.profiles, dry.memberships) == (1, 1)
    assert (dry.runs, dry.choices) == (5 + 1, 5 + 1), "and the expired person's abandoned run"
    assert await rows.everything() == untouched, "a dry run changes nothing"

    done = await storage.retention.purge(CUTOFF, dry_run=False, min_group=1)
    assert done == dry
    assert await storage.players.get_profile("gone") is None
    assert await storage.players.get_active_run("gone") is None
    assert await storage.players.describe_user("gone") is None
    assert await rows.holding("gone") == {}, "their questionnaire answers too"
    for kept in ("answered", "replied", "waiting", "reminded"):
        assert await storage.players.get_profile(kept) is not None, kept
        assert await storage.players.get_active_run(kept) is not None, "a run in progress stays"
    assert await staff.members(record.id) == 4
    after = await storage.reports.report_data(Filters())
    assert after.scenarios[0].starts == before.scenarios[0].starts == 10, "folded, not lost"
    assert sum(c.answers for c in after.choices) == sum(c.answers for c in before.choices)


async def test_ended_classes_go_with_members_assignments_and_lessons(
    storage: Storage, clock: Clock
) -> None:
    staff, lessons = storage.staff, storage.lessons
    clock.day = date(2024, 1, 10)
    made = {
        name: await staff.create_class("worker", name, f"code-{name}", expires)
        for name, expires in (
            ("expired", date(2024, 6, 1)),
            ("closed-early", date(2025, 6, 1)),
            ("ended-lately", date(2025, 3, 1)),
            ("open", date(2026, 6, 1)),
        )
    }
    clock.day = date(2024, 2, 1)
    await staff.close_class(made["closed-early"].id)
    played = {}
    for name, record in made.items():
        await staff.toggle_assignment(record.id, "s1")
        ends_at = clock.now + timedelta(hours=1)
        lesson = await lessons.start_lesson(record.id, "worker", ROOM, "s1", ends_at, None)
        hands = await lessons.start_play(lesson.id, record.id, "worker", "s1", 1, {}, "hands")
        counted = [("a", "good", "delegate", "helpful", "during", 12)]
        assert await lessons.save_play(hands.id, {}, 0, counted, finished=True)
        played[name] = lesson
        for n in range(2):
            await person(storage, clock, f"{name}-{n}", date(2024, 2, 1))
            await staff.join_class(record.id, f"{name}-{n}")
            await play(storage.players, f"{name}-{n}", "r1", [PICK], class_id=record.id)
            await person(storage, clock, f"{name}-{n}", date(2025, 12, 1))  # still active
    clock.day = TODAY
    hands_before = (await storage.reports.report_data(Filters())).facilitated

    dry = await storage.retention.purge(CUTOFF, dry_run=True)
    assert (dry.classes, dry.facilitations, dry.memberships, dry.profiles) == (2, 2, 4, 0)
    await storage.retention.purge(CUTOFF, dry_run=False)

    assert {r.name for r in await staff.classes_of("worker")} == {"ended-lately", "open"}
    for name in ("expired", "closed-early"):
        class_id = made[name].id
        assert await staff.get_class(class_id) is None
        assert await lessons.get_lesson(played[name].id) is None
        assert await staff.member_classes(f"{name}-0") == []
        assert (await storage.reports.report_data(Filters(class_id=class_id))).scenarios == []
    assert await storage.reports.classes_with_runs(date(2024, 1, 1), TODAY) == [
        made["ended-lately"].id, made["open"].id
    ]  # fmt: skip
    assert await staff.assigned(made["open"].id) == ["s1"]
    hands_after = (await storage.reports.report_data(Filters())).facilitated
    assert [(h.hands, h.sessions) for h in hands_after] == [(48, 4)]
    assert [(h.hands, h.sessions) for h in hands_before] == [(48, 4)], "kept as aggregates"


async def test_revoked_grants_and_old_invitations_go(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    staff = storage.staff
    clock.day = date(2024, 5, 1)
    for user in ("revoked-long-ago", "revoked-lately", "active"):
        await staff.grant_role(user, YOUTH_WORKER, "Alby")
    first, second, _ = await staff.active_roles()
    clock.day = date(2024, 11, 1)
    await staff.revoke_role(first.id)
    clock.day = date(2025, 3, 1)
    await staff.revoke_role(second.id)
    clock.day = date(2025, 12, 20)
    for token, expires in (
        ("token-expired", date(2025, 12, 31)),
        ("token-used", date(2025, 12, 27)),
        ("token-lately", date(2026, 1, 10)),
        ("token-open", date(2026, 1, 20)),
    ):
        await staff.create_invitation(token, YOUTH_WORKER, "Alby", expires)
    assert await staff.redeem_invitation("token-used", "someone") is not None
    clock.day = TODAY

    dry = await storage.retention.purge(CUTOFF, dry_run=True)
    assert (dry.roles, dry.invitations) == (1, 2)
    await storage.retention.purge(CUTOFF, dry_run=False)
    assert await rows.holding("revoked-long-ago") == {}
    assert await rows.holding("revoked-lately") != {}, "revoked after the cutoff: kept"
    assert await staff.roles_of("active") == {YOUTH_WORKER}
    assert await staff.roles_of("someone") == {YOUTH_WORKER}
    # Expired more than 7 days ago: gone, used or not.
    for token, kept in (("expired", False), ("used", False), ("lately", True), ("open", True)):
        assert bool(await rows.holding(f"token-{token}")) == kept, token
    assert await staff.redeem_invitation("token-open", "newcomer") is not None


async def test_no_aggregate_row_describes_fewer_than_k_people(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    clock.day = date(2024, 3, 1)
    record = await storage.staff.create_class("worker", "8B", "code-8b", date(2026, 6, 1))
    people = []
    # March 2024: six in class 8B, three in each age band, all choosing "good".
    for n in range(6):
        user = f"class-{n}"
        await person(storage, clock, user, date(2024, 3, 3), "16_17" if n % 2 else "18_19")
        await play(storage.players, user, "r1", [PICK], class_id=record.id)
        people.append(user)
    # Two who chose something rare; three in April and three in May who answered T1 and T2.
    for n, month in enumerate((4, 4, 4, 5, 5, 5)):
        user = f"pairs-{n}"
        await person(storage, clock, user, date(2024, month, 2))
        pick = ("a", "rare", "none", "harmful") if n < 2 else PICK
        await play(storage.players, user, "r1", [pick])
        for wave, value in (("T1", 2), ("T2", 4)):
            await storage.survey.record_answer(user, "s1", wave, "efficacy", value)
        people.append(user)
    for user in people:  # all still active: only their old events are folded
        await person(storage, clock, user, date(2025, 12, 1))
    clock.day = TODAY

    done = await storage.retention.purge(CUTOFF, dry_run=False, min_group=5)
    assert done.small_groups > 0 and done.profiles == 0
    assert await rows.smallest_folded_group() >= 5
    assert (await storage.retention.purge(CUTOFF, dry_run=True, min_group=5)).small_groups == 0

    data = await storage.reports.report_data(Filters())
    answers = {c.choice_id: c.answers for c in data.choices}
    # March's six, merged into one row without class and age band; April's and May's few
    # (one and three "good", two "rare") are too few even so, and deleted.
    assert answers == {"good": 6}
    assert {g.group for g in data.groups if g.dimension == "age_band"} <= {"16_17", "18_19"}
    assert len(data.measures) == 6, "pairs of two small months, merged without their month"
    dated = await storage.reports.report_data(Filters(since=date(2024, 1, 1)))
    assert dated.measures == [], "undated pairs are only in reports without a period"


async def assert_purge_folds_old_events_so_reports_do_not_change(
    storage: Storage, clock: Clock
) -> None:
    """Old events folded into aggregates: the reports stay as they were. The SQLCipher
    backend's own tests run this in many small batches too."""
    survey, retention, reports = storage.survey, storage.retention, storage.reports
    clock.day = date(2024, 2, 10)
    await seed(storage.players, OLD, "old-")  # enough people that no folded group is under K
    for n in range(OLD):
        await survey.record_answer(f"old-{n}", "s1", "T1", "efficacy", 2)
        await survey.record_answer(f"old-{n}", "s1", "T2", "efficacy", 4)
    clock.day = date(2025, 3, 1)
    for n in range(OLD):  # still active (they changed a setting), so their profiles stay
        band = "16_17" if n % 2 else "18_19"
        await storage.players.save_profile(Profile(f"old-{n}", "en", band, "save"))
    await seed(storage.players, 4, "new-")
    before = await reports.report_data(Filters())
    old_period = Filters(until=date(2024, 12, 31))
    before_old = await reports.report_data(old_period)

    dry = await retention.purge(date(2025, 1, 1), dry_run=True)
    # The second run of each old user is still in progress: it is neither folded nor removed.
    assert (dry.choices, dry.runs, dry.measure_answers) == (2 * OLD, OLD, 2 * OLD)
    assert (dry.profiles, dry.small_groups) == (0, 0)
    assert await reports.report_data(Filters()) == before, "a dry run changes nothing"

    await retention.purge(date(2025, 1, 1), dry_run=False)
    after = await reports.report_data(Filters())
    # Answers add up exactly; distinct people can only be summed per month and group, so
    # after folding `participants` is an upper bound (documented in docs/evaluation.md).
    answers = lambda rows: sorted((r.step_id, r.choice_id, r.answers) for r in rows)  # noqa: E731
    assert answers(after.choices) == answers(before.choices)
    assert sorted((r.strategy, r.answers) for r in after.strategies) == sorted(
        (r.strategy, r.answers) for r in before.strategies
    )
    # Folded pairs keep their answers but lose their class and person (unclustered).
    values = lambda pairs: sorted((p.item_id, p.comparison, p.before, p.after) for p in pairs)  # noqa: E731
    assert values(after.measures) == values(before.measures)
    assert {(p.class_label, p.person_label) for p in after.measures} == {(None, None)}
    assert (before.folded, after.folded) == (False, True)  # participants: an upper bound
    assert after.scenarios[0].completions == before.scenarios[0].completions
    assert (await retention.purge(date(2025, 1, 1), dry_run=True)).choices == 0
    old_year = await reports.report_data(old_period)
    assert old_year.scenarios[0].starts == before_old.scenarios[0].starts == 2 * OLD
    assert old_year.scenarios[0].completions == OLD, "old periods come from the aggregates"


async def test_purge_folds_old_events_so_reports_do_not_change(
    storage: Storage, clock: Clock
) -> None:
    await assert_purge_folds_old_events_so_reports_do_not_change(storage, clock)


async def test_a_removed_class_takes_its_lessons_plays_and_polls_and_keeps_poll_totals(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    """Retention of an ended class: the poll totals are folded like hand counts."""
    class_id = await new_class(storage, "8B")
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    play = await storage.lessons.start_play(lesson.id, class_id, "worker", "s", 1, {}, POLL)
    await storage.lessons.link_poll("poll-of-8b", play.id, "s1", 5)
    assert await storage.lessons.save_play(play.id, {}, 0, VOTES, finished=True)
    await storage.staff.close_class(class_id)

    clock.now += timedelta(days=800)
    summary = await storage.retention.purge(clock.day, dry_run=False)

    assert (summary.classes, summary.facilitations) == (1, 1)
    assert await storage.lessons.get_lesson(lesson.id) is None
    assert await storage.lessons.get_play(play.id) is None
    assert await storage.lessons.poll("poll-of-8b") is None
    assert await rows.holding("poll-of-8b") == {}
    assert await storage.staff.facilitated_answers(class_id, "s", k=1) == {}
    folded = (await storage.reports.report_data(Filters())).facilitated
    assert sorted((f.choice_id, f.hands, f.sessions) for f in folded) == [
        ("tell", 7, 1), ("wait", 5, 1)
    ]  # fmt: skip
