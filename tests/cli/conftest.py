from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An operator's shell: data and key folders under tmp_path, no secrets set."""
    monkeypatch.setenv("BYSTANDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BYSTANDER_KEY_DIR", str(tmp_path / "keys"))
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "BYSTANDER_MIN_GROUP",
                 "BYSTANDER_DB_KEY", "BYSTANDER_PSEUDONYM_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    previous = os.umask(0o022)  # the usual umask: new files are world-readable by default
    try:
        yield tmp_path
    finally:
        os.umask(previous)
