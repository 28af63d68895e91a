"""Health and metrics on the bot's HTTP server, with long polling (the webhook's is the same
server): what a supervisor and Prometheus would see."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import aiohttp
import pytest
from botharness import build_bot, running
from fakebotapi import FakeBotApi
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, load_config
from bot.telegram.runtime import Runtime
from e2e.test_flood import join

PERSON = 6_660_001


@pytest.fixture
def observed_env(bot_env: dict[str, str]) -> dict[str, str]:
    return {**bot_env, "BYSTANDER_HEALTH": "yes", "BYSTANDER_METRICS": "yes",
            "BYSTANDER_HTTP_PORT": "0"}  # fmt: skip


@pytest.fixture
async def observed_bot(observed_env, fake_bot_api: FakeBotApi):
    async with running(build_bot(observed_env), fake_bot_api) as runtime:
        yield runtime


async def get(runtime: Runtime, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{runtime.http.server.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_live_and_ready_while_the_bot_runs(observed_bot: Runtime) -> None:
    assert await get(observed_bot, "/healthz") == (200, '{"live": true}')
    status, body = await get(observed_bot, "/readyz")
    assert status == 200
    assert body == '{"ready": true, "database": true, "application": true}'


async def test_not_ready_before_the_database_is_open(observed_env) -> None:
    runtime = build_bot(observed_env)
    await runtime.http.server.start()  # the server alone: no database, no Application
    try:
        assert await get(runtime, "/healthz") == (200, '{"live": true}')
        status, body = await get(runtime, "/readyz")
    finally:
        await runtime.http.server.stop()
        await runtime.transports.close()
    assert status == 503
    assert body == '{"ready": false, "database": false, "application": false}'


async def test_metrics_count_what_the_bot_did_and_name_nobody(
    observed_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    user = fake_bot_api.user(user_id=PERSON, first_name="Metrikanamn")
    status, before = await get(observed_bot, "/metrics")
    assert status == 200
    await join(user)
    fake_bot_api.fail_next("sendMessage", status=429, retry_after=1)
    await user.send("/help")
    assert "Prata med någon" in user.last.text, "answered after the retry"
    fake_bot_api.fail_next("sendMessage", status=400, description="Bad Request: broken")
    fake_bot_api.fail_next("sendMessage", status=400, description="Bad Request: broken")
    await user.send("/help")  # fails, and so does telling the person

    _, text = await get(observed_bot, "/metrics")
    now = samples(text)
    assert samples(before)[("bystander_updates_handled_total", ())] == 0
    assert now[("bystander_updates_handled_total", ())] == 5  # three to join, two /help
    assert now[("bystander_updates_dropped_total", ())] == 0
    assert now[("bystander_updates_queued", ())] == 0
    assert now[("bystander_errors_total", ())] == 1
    assert now[("bystander_bot_api_retries_total", ())] == 1
    assert now[("bystander_bot_api_seconds_count", (("method", "sendMessage"),))] >= 4
    assert now[("bystander_bot_api_seconds_count", (("method", "answerCallbackQuery"),))] == 2
    assert now[("bystander_database_write_seconds_count", ())] >= 1
    # No label names a person, a chat or a class: only Bot API methods and histogram bounds.
    labels = {name for (_, pairs) in now for name, _ in pairs}
    assert labels <= {"method", "le"}, labels
    for secret in (str(PERSON), "Metrikanamn", fake_bot_api.token.split(":")[1]):
        assert secret not in text


async def test_nothing_is_served_by_default(bot: Runtime) -> None:
    assert bot.http is None


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("BYSTANDER_HEALTH", "maybe", "BYSTANDER_HEALTH must be one of yes, no, not 'maybe'"),
        ("BYSTANDER_HTTP_PORT", "70000", "BYSTANDER_HTTP_PORT must be a port number up to"),
        ("BYSTANDER_HTTP_PORT", "http", "BYSTANDER_HTTP_PORT must be a whole number"),
        ("BYSTANDER_WEBHOOK_SECRET", "short", "BYSTANDER_WEBHOOK_SECRET must be 16 to 256"),
        ("BYSTANDER_WEBHOOK_URL", "bot.example.org", "BYSTANDER_WEBHOOK_URL must be an https"),
    ],
)
def test_a_wrong_http_setting_is_named(bot_env, name: str, value: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        load_config({**bot_env, name: value})


async def test_a_busy_port_is_one_clear_line(bot_env) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, **bot_env, "BYSTANDER_HEALTH": "yes", "BYSTANDER_HTTP_PORT": str(port)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli.main", "run",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            _, err = await process.communicate()
    assert process.returncode == 1
    assert err.decode().splitlines()[-1] == (
        f"bystander run: cannot listen on 127.0.0.1:{port} (BYSTANDER_HTTP_HOST/_PORT): "
        "Address already in use"
    )
    assert "Traceback" not in err.decode()
