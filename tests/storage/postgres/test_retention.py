"""Retention on PostgreSQL beyond the RetentionStore contract
(tests/storage/contract/test_retention.py): people purged in many batches, each its own
transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.postgres import retention

from ..contract.conftest import Clock, open_backend
from ..contract.test_retention import assert_purge_folds_old_events_so_reports_do_not_change


async def test_purge_in_batches_of_two_people_keeps_the_reports(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "PURGE_BATCH_PEOPLE", 2)
    clock = Clock()
    storage = open_backend("postgres", tmp_path, clock, postgres_url).storage
    await storage.lifecycle.initialize()
    try:
        await assert_purge_folds_old_events_so_reports_do_not_change(storage, clock)
    finally:
        await storage.lifecycle.close()
