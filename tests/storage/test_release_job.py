"""The daily job releases last month, and the term it ends, before anyone asks."""

from __future__ import annotations

from datetime import date

from bot.content.catalog import Catalog
from bot.services.reports import ReportService
from bot.storage import SqlCipherStore
from bot.storage.classes import ClassStore
from bot.storage.evaluation import EvaluationStore
from bot.telegram.jobs import release_closed_periods


async def test_last_month_and_a_finished_term_are_released(
    store: SqlCipherStore, shipped_catalog: Catalog
) -> None:
    reports = ReportService(shipped_catalog, EvaluationStore(store), ClassStore(store), 5)
    assert await release_closed_periods(reports, date(2025, 11, 3)) == ["2025-10"]
    assert await release_closed_periods(reports, date(2026, 1, 2)) == ["2025-12", "2025-HT"]
    async with store.reading() as db:
        rows = await db.execute_fetchall("SELECT period FROM report_releases ORDER BY period")
    expected = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2025-HT"]
    assert [row[0] for row in rows] == expected
