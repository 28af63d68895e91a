"""Fault tests: the real bot against the fake Bot API, with storage and network failures.

The fixtures are copied from tests/e2e/conftest.py (a test folder is not importable from
another one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi

from bot.bootstrap import Runtime, build_runtime
from bot.config import load_config
from bot.storage.keys import load_secrets, pseudonym

BotFactory = Callable[[], AbstractAsyncContextManager[Runtime]]


@pytest.fixture
def bot_env(tmp_path: Path, fake_bot_api: FakeBotApi) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_BASE_URL": fake_bot_api.base_url,
        "BYSTANDER_DATA_DIR": str(tmp_path / "data"),
        "BYSTANDER_KEY_DIR": str(tmp_path / "keys"),
    }


@pytest.fixture
def bot_factory(bot_env: dict[str, str]) -> BotFactory:
    """Start a bot on the test's data folder; call again for a restart on the same data."""

    @asynccontextmanager
    async def start() -> AsyncIterator[Runtime]:
        runtime = build_runtime(load_config(bot_env))
        async with runtime.running(poll_timeout=1):
            yield runtime

    return start


@pytest.fixture
async def bot(bot_factory: BotFactory) -> AsyncIterator[Runtime]:
    async with bot_factory() as runtime:
        yield runtime


def pseudonym_of(runtime: Runtime, user_id: int) -> str:
    secrets = load_secrets(runtime.config.key_dir, runtime.config.data_dir, {})
    return pseudonym(secrets.pseudonym_secret, user_id)


def connection(store):
    """The store's one connection, under its lock (`session()`, formerly `_session()`)."""
    opener = getattr(store, "session", None) or store._session
    return opener()
