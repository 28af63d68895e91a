"""The daily job releases last month before anyone asks for its report."""

from __future__ import annotations

from datetime import date

from bot.content.catalog import Catalog
from bot.services.reports import ReportService
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore
from bot.telegram.jobs import release_last_month


async def test_last_month_is_released(store: SqlCipherStore, shipped_catalog: Catalog) -> None:
    reports = ReportService(
        shipped_catalog, SqlCipherEvaluationStore(store), SqlCipherClassStore(store), 5
    )
    assert await release_last_month(reports, date(2025, 11, 3)) == "2025-10"
    assert await release_last_month(reports, date(2025, 11, 29)) == "2025-10"
    assert await release_last_month(reports, date(2026, 1, 2)) == "2025-12"
    async with store.reading() as db:
        rows = await db.execute_fetchall("SELECT period FROM report_releases ORDER BY period")
    assert [row[0] for row in rows] == ["2025-10", "2025-12"]
