"""The bot token never shows: not in logs, not in the error line, whatever went wrong."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from botharness import token_shaped

from .test_restart import bot_process

REAL_LOOKING = token_shaped(123456789)
ODD = "odd-token-with-no-colon-ZQ7"  # nothing shaped like a token: only masking finds it


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is


@asynccontextmanager
async def redirecting_server() -> AsyncIterator[str]:
    """A Bot API that sends every request back to itself until aiohttp gives up; aiohttp's
    error then quotes the whole URL."""

    async def again(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", again)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


async def run_against(bot_env: dict[str, str], base_url: str, token: str) -> tuple[int, str]:
    # Two seconds of retries at start: their log lines quote the error too.
    env = {**bot_env, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_BASE_URL": base_url}
    env["BYSTANDER_START_WAIT"] = "2"
    async with bot_process(env) as process:
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    return process.returncode, out.decode() + err.decode()


async def test_network_errors_never_show_the_token(bot_env) -> None:
    async with redirecting_server() as redirecting:
        unreachable = "bystander run: cannot reach the Telegram Bot API: "
        cases = [
            (f"http://127.0.0.1:{closed_port()}/bot", REAL_LOOKING, unreachable),  # refused
            (f"http://127.0.0.1:{closed_port()}/bot", ODD, unreachable),
            ("http://127.0.0.1:99999/bot", REAL_LOOKING, "bystander run: TELEGRAM_BASE_URL is"),
            ("htp://127.0.0.1/bot", ODD, "bystander run: TELEGRAM_BASE_URL must be"),
            (redirecting, REAL_LOOKING, unreachable),
            (redirecting, ODD, unreachable),
        ]
        results = await asyncio.gather(
            *(run_against(bot_env, url, token) for url, token, _ in cases)
        )
    for (url, token, line), (code, output) in zip(cases, results, strict=True):
        secret = token.split(":")[-1]
        assert secret not in output, f"{url}:\n{output}"
        assert code == 1, output
        assert output.strip().splitlines()[-1].startswith(line), output
        assert "Traceback" not in output
        if line == unreachable:
            assert "cannot reach the Telegram Bot API yet (attempt 1: " in output, "retried"


@pytest.mark.parametrize("token", [REAL_LOOKING, ODD])
async def test_a_token_from_the_config_file_is_masked_too(bot_env, tmp_path, token) -> None:
    config = tmp_path / "bot.env"
    config.write_text(f"TELEGRAM_BOT_TOKEN={token}\n")
    env = {k: v for k, v in {**os.environ, **bot_env}.items() if k != "TELEGRAM_BOT_TOKEN"}
    async with redirecting_server() as redirecting:
        env["TELEGRAM_BASE_URL"] = redirecting
        env["BYSTANDER_START_WAIT"] = "0"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli.main", "run", "--config", str(config),
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    output = out.decode() + err.decode()
    assert process.returncode == 1 and token.split(":")[-1] not in output, output
    assert f"{redirecting}<token>/getMe" in output, "the line still says what failed"
