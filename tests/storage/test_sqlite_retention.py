"""Retention on the SQLCipher backend beyond the RetentionStore contract
(tests/storage/contract/test_retention.py): people purged in many batches, and the operator's
`bystander purge --dry-run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.storage.sqlite import evaluation as evaluation_store

from .contract.conftest import Clock, open_backend
from .contract.test_retention import assert_purge_folds_old_events_so_reports_do_not_change


async def test_purge_in_batches_of_two_people_keeps_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluation_store, "PURGE_BATCH_PEOPLE", 2)
    clock = Clock()
    storage = open_backend("sqlite", tmp_path, clock).storage
    await storage.lifecycle.initialize()
    try:
        await assert_purge_folds_old_events_so_reports_do_not_change(storage, clock)
    finally:
        await storage.lifecycle.close()


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
        "research export log entr(ies)",
        "aggregate row(s) of fewer than K people",
    ):
        assert f"0 {kind}" in out, kind  # fmt: skip
