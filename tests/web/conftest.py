"""The bot with its web pages on: its one HTTP server on 127.0.0.1, reached as
http://localhost:PORT (BYSTANDER_PUBLIC_URL), with the fake Bot API for Telegram."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from botharness import build_bot, running
from fakebotapi import FakeBotApi

from bot.telegram.runtime import Runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def web_env(bot_env: dict[str, str]) -> dict[str, str]:
    port = free_port()
    return {
        **bot_env,
        "BYSTANDER_HTTP_PORT": str(port),
        "BYSTANDER_PUBLIC_URL": f"http://localhost:{port}",
    }


@pytest.fixture
async def web_bot(web_env: dict[str, str], fake_bot_api: FakeBotApi) -> AsyncIterator[Runtime]:
    async with running(build_bot(web_env), fake_bot_api) as runtime:
        yield runtime
