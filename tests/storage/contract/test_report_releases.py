"""Released periods (ReportStore.release and save_release) through the report service:
made once from the data, never changed, retired with retention, and released by the daily
job before anyone asks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.content.catalog import Catalog
from bot.evaluation.release import Period, PeriodError, RetiredError
from bot.evaluation.render import to_json
from bot.services import reports
from bot.services.reports import ReportService
from bot.storage.ports import Storage
from bot.storage.records import RETIRED
from bot.telegram.jobs import release_last_month

from .conftest import Clock
from .plays import seed

MAY = Period.parse("2025-05")


@pytest.fixture
def service(storage: Storage, shipped_catalog: Catalog, monkeypatch) -> ReportService:
    monkeypatch.setattr(reports, "_today", lambda: date(2025, 7, 1))
    return ReportService(shipped_catalog, storage.reports, storage.staff, 5)


async def test_a_period_is_released_once_and_never_changes(
    storage: Storage, clock: Clock, service: ReportService
) -> None:
    clock.day = date(2025, 5, 10)
    record = await storage.staff.create_class("owner", "8B", "code123456", date(2030, 1, 1))
    await seed(storage.players, 6, "in-class-", class_id=record.id)
    await seed(storage.players, 6, "outside-")
    assert await storage.reports.release("2025-05") is None
    everybody = to_json(await service.build(MAY, "en"))
    in_class = to_json(await service.build(MAY, "en", class_id=record.id))
    assert everybody != in_class
    await seed(storage.players, 6, "late-")  # answers that arrive after the release
    assert to_json(await service.build(MAY, "en")) == everybody
    assert to_json(await service.build(MAY, "en", class_id=record.id)) == in_class
    assert await storage.reports.release("2025-05") is not None


async def test_the_first_release_of_a_period_is_kept(storage: Storage) -> None:
    await storage.reports.save_release("2025-05", date(2025, 5, 31), "first")
    await storage.reports.save_release("2025-05", date(2025, 5, 31), "second")
    assert await storage.reports.release("2025-05") == "first"


async def test_an_open_period_and_an_unknown_class_are_refused(service: ReportService) -> None:
    with pytest.raises(PeriodError, match="2025-07 is not over yet"):
        await service.build(Period.parse("2025-07"), "en")
    with pytest.raises(reports.ReportError, match="class 99 has no answers"):
        await service.build(MAY, "en", class_id=99)


async def test_released_numbers_are_retired_with_retention(
    storage: Storage, clock: Clock, service: ReportService
) -> None:
    clock.day = date(2025, 5, 10)
    await seed(storage.players, 6, "u")
    await service.build(MAY, "en")
    assert (await storage.retention.purge(date(2025, 6, 1), dry_run=True)).releases == 1
    assert (await storage.retention.purge(date(2025, 6, 1), dry_run=False)).releases == 1
    with pytest.raises(RetiredError):
        await service.build(MAY, "en")
    assert await storage.reports.release("2025-05") == RETIRED, "never released anew"


async def test_last_month_is_released(storage: Storage, shipped_catalog: Catalog) -> None:
    service = ReportService(shipped_catalog, storage.reports, storage.staff, 5)
    assert await release_last_month(service, date(2025, 11, 3)) == "2025-10"
    assert await release_last_month(service, date(2025, 11, 29)) == "2025-10"
    assert await release_last_month(service, date(2026, 1, 2)) == "2025-12"
    for period, released in (("2025-10", True), ("2025-11", False), ("2025-12", True)):
        assert (await storage.reports.release(period) is not None) == released, period
