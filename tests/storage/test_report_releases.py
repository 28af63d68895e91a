"""Released periods: made once from the database, never changed, retired with retention."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.content.catalog import Catalog
from bot.evaluation.data import Filters, MeasurePair, ReportData
from bot.evaluation.release import Period, PeriodError, Release, RetiredError
from bot.evaluation.render import to_json
from bot.services import reports
from bot.services.reports import ReportService
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

from .conftest import Clock
from .test_evaluation_store import seed

MAY = Period.parse("2025-05")


@pytest.fixture
def service(store: SqlCipherStore, shipped_catalog: Catalog, monkeypatch) -> ReportService:
    monkeypatch.setattr(reports, "_today", lambda: date(2025, 7, 1))
    return ReportService(
        shipped_catalog, SqlCipherEvaluationStore(store), SqlCipherClassStore(store), 5
    )


async def released_periods(store: SqlCipherStore) -> list[str]:
    async with store.reading() as db:
        rows = await db.execute_fetchall("SELECT period FROM report_releases ORDER BY period")
    return [row[0] for row in rows]


async def test_a_period_is_released_once_and_never_changes(
    store: SqlCipherStore, clock: Clock, service: ReportService
) -> None:
    clock.day = date(2025, 5, 10)
    record = await SqlCipherClassStore(store).create_class(
        "owner", "8B", "code123456", date(2030, 1, 1)
    )
    await seed(store, 6, "in-class-", class_id=record.id)
    await seed(store, 6, "outside-")
    everybody = to_json(await service.build(MAY, "en"))
    in_class = to_json(await service.build(MAY, "en", class_id=record.id))
    assert everybody != in_class
    await seed(store, 6, "late-")  # answers that arrive after the release
    assert to_json(await service.build(MAY, "en")) == everybody
    assert to_json(await service.build(MAY, "en", class_id=record.id)) == in_class
    assert await released_periods(store) == ["2025-05"]


async def test_an_open_period_and_an_unknown_class_are_refused(service: ReportService) -> None:
    with pytest.raises(PeriodError, match="2025-07 is not over yet"):
        await service.build(Period.parse("2025-07"), "en")
    with pytest.raises(reports.ReportError, match="class 99 has no answers"):
        await service.build(MAY, "en", class_id=99)


async def test_released_numbers_are_retired_with_retention(
    store: SqlCipherStore, clock: Clock, service: ReportService
) -> None:
    clock.day = date(2025, 5, 10)
    await seed(store, 6, "u")
    await service.build(MAY, "en")
    evaluation = SqlCipherEvaluationStore(store)
    assert (await evaluation.purge(date(2025, 6, 1), dry_run=True)).releases == 1
    assert (await evaluation.purge(date(2025, 6, 1), dry_run=False)).releases == 1
    with pytest.raises(RetiredError):
        await service.build(MAY, "en")
    assert await released_periods(store) == ["2025-05"], "never released anew"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-HT", "26-01", "2026-1", "x"])
def test_periods_are_months(text: str) -> None:
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_periods_have_their_days() -> None:
    assert Period.parse("2026-07") == Period(date(2026, 7, 1), date(2026, 7, 31), "2026-07")
    assert Period.parse("2024-02").last == date(2024, 2, 29)
    assert Period.last_closed_month(date(2026, 1, 15)).name == "2025-12"


def test_a_release_keeps_pair_counts_not_a_row_per_person() -> None:
    pairs = [MeasurePair("efficacy", "T1-T2", 2, 4)] * 3 + [MeasurePair("efficacy", "T1-T2", 3, 3)]
    data = ReportData(Filters(), measures=pairs)
    release = Release("2025-05", 5, {"all": data}, frozenset({("2025-05", "all", "x")}))
    body = json.loads(release.to_json())
    assert body["scopes"]["all"]["measures"] == [
        ["efficacy", "T1-T2", 2, 4, 3],
        ["efficacy", "T1-T2", 3, 3, 1],
    ]
    assert Release.from_json("2025-05", release.to_json()) == release
