"""pytest fixtures; wire them in via `from fakebotapi.fixtures import fake_bot_api`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .server import FakeBotApi


@pytest_asyncio.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A started fake Bot API server, stopped after the test."""
    async with FakeBotApi() as server:
        yield server
    assert not server.internal_errors, f"the fake Bot API failed: {server.internal_errors}"
