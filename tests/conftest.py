from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import content_dirs
from bot.content.catalog import Catalog, load_catalog

# PTB 22 warns on every 429 unless it may already use timedelta for retry_after.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the stored playthrough transcripts in tests/golden/ from the current output",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests in a module marked `both_backends` run once on the SQLite file and once on
    PostgreSQL: the same behaviour, whichever database the operator chose."""
    if metafunc.definition.get_closest_marker("both_backends") and (
        "bot_env" in metafunc.fixturenames
    ):
        metafunc.parametrize(
            "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on PostgreSQL carries the `postgres` marker, so `-m` can pick or leave them."""
    for item in items:
        if "postgres_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    scenarios, locales = content_dirs({})
    return load_catalog([scenarios], locales)


@pytest.fixture(scope="session")
def minimal_catalog() -> Catalog:
    _, locales = content_dirs({})
    return load_catalog([FIXTURES / "valid" / "minimal"], locales)


from botharness import backend, bot, bot_env, bot_factory  # noqa: E402, F401  (the bot under test)
from fakebotapi.fixtures import fake_bot_api  # noqa: E402, F401  (the fake Telegram server)
from installed import installed_venv  # noqa: E402, F401  (the wheel in a new venv)
from pgcluster import postgres_cluster, postgres_url  # noqa: E402, F401  (a real PostgreSQL)
