"""The researchers' export in the ReportStore contract: its rows carry ordinals, never a
pseudonym or a class id, and every export is logged once."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

from bot.storage import Profile
from bot.storage.ports import Storage
from bot.storage.records import (
    FOLLOW_UP_WAVE,
    SKIPPED,
    ExportFacts,
    ResearchExport,
    retention_cutoff,
)

from .conftest import Clock
from .plays import play

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


async def _person(storage: Storage, user: str, class_id: int | None, language: str = "sv") -> None:
    await storage.players.save_profile(Profile(user, language, "16_17", "save"))
    await play(storage.players, user, "r1", [("a", "good", "delegate", "helpful")],
               class_id=class_id)  # fmt: skip


async def test_rows_carry_ordinals_of_people_and_classes(storage: Storage) -> None:
    await storage.staff.create_class("owner", "7C", "code7C0000", date(2030, 1, 1))
    eight_a = await storage.staff.create_class("owner", "8A", "code8A0000", date(2030, 1, 1))
    assert eight_a.id != 1  # so that its ordinal, 1, is not its id
    homes = {"pa1": eight_a.id, "pa2": eight_a.id, "solo": None}
    for user, class_id in homes.items():
        await _person(storage, user, class_id, "ar" if user == "solo" else "sv")
        await storage.survey.record_answer(user, "s1", "T1", "efficacy", 2)
        await storage.survey.record_answer(user, "s1", "T2", "efficacy", SKIPPED)
    await storage.survey.join_lesson_round("pa1", "s1", 1, "sealed")  # pa2 played alone
    rows = await storage.reports.research_rows(*MARCH)

    assert len(rows) == 6
    assert {row.person for row in rows} == {1, 2, 3}  # ordinals of this read
    by_person = {row.person: row for row in rows}
    homes_seen = sorted(((r.home_class, r.in_lesson) for r in by_person.values()), key=str)
    assert homes_seen == [(1, False), (1, True), (None, False)]
    assert {(r.wave, r.item_id, r.value) for r in rows} == {
        ("T1", "efficacy", 2), ("T2", "efficacy", SKIPPED)
    }  # fmt: skip
    assert {(r.age_band, r.month, r.round, r.answer) for r in rows} == {
        ("16_17", "2025-03", 1, None)
    }
    solo = next(r for r in rows if r.home_class is None)
    assert solo.language == "ar"
    for row in rows:
        assert not set(homes) & set(map(str, astuple(row))), "no pseudonym"


async def test_rows_keep_to_the_period_and_split_rounds(storage: Storage, clock: Clock) -> None:
    await _person(storage, "p", None)
    await storage.survey.record_answer("p", "s1", "T1", "efficacy", 3)
    await storage.survey.record_answer("p", "s2", "T1", "efficacy", 4)
    clock.day = date(2025, 4, 2)
    await storage.survey.record_answer("p", "s1", "T2", "efficacy", 5)  # April: not in March
    rows = await storage.reports.research_rows(*MARCH)
    assert sorted((r.round, r.value) for r in rows) == [(1, 3), (2, 4)]
    assert await storage.reports.research_rows(date(2025, 5, 1), date(2025, 5, 31)) == []


async def test_follow_up_answers_are_rows_of_their_own(storage: Storage, clock: Clock) -> None:
    survey = storage.survey
    await _person(storage, "p", None)
    await survey.schedule_follow_up("p", "s1", clock.day, "sealed", 3)
    (number,) = await survey.due_follow_ups(clock.day)
    await survey.close_follow_up(number, "sent")
    await survey.answer_follow_up("p", number, "opportunity", "yes")
    await survey.answer_follow_up("p", number, "acted", "delegate,other")
    rows = await storage.reports.research_rows(*MARCH)
    assert sorted((r.wave, r.item_id, r.value, r.answer) for r in rows) == [
        (FOLLOW_UP_WAVE, "acted", None, "delegate,other"),
        (FOLLOW_UP_WAVE, "opportunity", None, "yes"),
    ]


async def test_every_export_is_logged_and_made_once(storage: Storage, clock: Clock) -> None:
    reports = storage.reports
    asked = await reports.ask_research_export("Anna/KI", 7, "Bystander study", "period=2025-02")
    operator = await reports.ask_research_export("Bo/SU", None, "Thesis", "period=2025-02")
    facts = ExportFacts("csv", 40, 9, 1, "ab" * 32)
    clock.day += timedelta(days=1)
    assert await reports.made_research_export(operator, facts)
    assert not await reports.made_research_export(operator, facts), "made once"
    assert await reports.research_export(asked) == ResearchExport(
        asked, "2025-03-14", "Anna/KI", 7, "Bystander study", "period=2025-02"
    )
    assert await reports.research_export(asked + operator + 1) is None
    log = await reports.research_exports()
    assert [entry.id for entry in log] == [asked, operator]
    assert log[1] == ResearchExport(
        operator, "2025-03-14", "Bo/SU", None, "Thesis", "period=2025-02",
        "2025-03-15", "csv", 40, 9, 1, "ab" * 32,
    )  # fmt: skip


async def test_the_log_is_kept_for_its_months_then_purged(storage: Storage, clock: Clock) -> None:
    reports = storage.reports
    await reports.ask_research_export("Anna/KI", None, "Study", "period=2025-02")
    purge = storage.retention.purge
    clock.day = date(2028, 3, 31)  # 36 months back: from 2025-03-01 on, kept
    assert (await purge(retention_cutoff(clock.day, 12), dry_run=False)).research_exports == 0
    assert len(await reports.research_exports()) == 1
    clock.day = date(2028, 4, 1)
    assert (await purge(retention_cutoff(clock.day, 12), dry_run=True)).research_exports == 1
    assert len(await reports.research_exports()) == 1, "a dry run changes nothing"
    assert (await purge(retention_cutoff(clock.day, 12), dry_run=False)).research_exports == 1
    assert await reports.research_exports() == []
