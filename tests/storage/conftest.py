from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3

from bot.engine.engine import Run
from bot.storage import ChoiceRecord, Profile
from bot.storage.sqlite.store import SqlCipherStore

KEY = bytes(range(32))
SCENARIO = "bus_stop_teasing"


class Clock:
    def __init__(self) -> None:
        self.day = date(2025, 3, 14)


def profile(user: str) -> Profile:
    return Profile(user=user, language="sv", age_band="16_17", consent="save")


def run_state(run_id: str = "abc123", *, steps: int = 0, scenario: str = SCENARIO) -> dict:
    path = [(f"step{i}", f"choice{i}") for i in range(steps)]
    return Run(scenario, 2, run_id, f"step{steps}", path).to_json()


def choice(run_id: str = "abc123", step: int = 0, scenario: str = SCENARIO) -> ChoiceRecord:
    return ChoiceRecord(
        run_id=run_id,
        scenario_id=scenario,
        version=2,
        step_id=f"step{step}",
        choice_id=f"choice{step}",
        strategy="distract",
        assessment="helpful",
        phase="during",
    )


def raw_connect(path: Path, key: bytes = KEY) -> sqlcipher3.Connection:
    """A second connection that looks at the database behind the store's back."""
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return connection


PERSONAL_TABLES = ("users", "runs", "choices", "active_runs", "finished_runs")
NO_ROWS = dict.fromkeys(PERSONAL_TABLES, 0)


def rows_for(path: Path, user: str) -> dict[str, int]:
    connection = raw_connect(path)
    try:
        return {
            table: connection.execute(
                f"SELECT count(*) FROM {table} WHERE user = ?", (user,)
            ).fetchone()[0]
            for table in PERSONAL_TABLES
        }
    finally:
        connection.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bystander.db"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_store(db_path: Path, clock: Clock) -> Callable[[], SqlCipherStore]:
    return lambda: SqlCipherStore(db_path, KEY, today=lambda: clock.day)


@pytest.fixture
async def store(make_store: Callable[[], SqlCipherStore]) -> AsyncIterator[SqlCipherStore]:
    store = make_store()
    await store.initialize()
    yield store
    await store.close()
