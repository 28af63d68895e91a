"""The deletion log shared by several workers on one host (bot/storage/deletions.py)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from bot.storage.deletions import DeletionLog

SECRET = bytes(range(32))
PER_WORKER = 40


def _delete_many(path: str, worker: int, start: multiprocessing.synchronize.Event) -> None:
    log = DeletionLog(Path(path), SECRET, keep_days=30)
    start.wait()
    for n in range(PER_WORKER):
        log.record(f"worker{worker}-person{n}")


def test_two_workers_deleting_at_once_lose_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "deletions.log"
    DeletionLog(path, SECRET, keep_days=30).ensure()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_delete_many, args=(str(path), worker, start)) for worker in (1, 2)
    ]
    for worker in workers:
        worker.start()
    start.set()  # both rewrite the log at the same moments
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    logged = {d.user for d in DeletionLog(path, SECRET, keep_days=30).deletions_since(None)}
    assert logged == {f"worker{w}-person{n}" for w in (1, 2) for n in range(PER_WORKER)}
