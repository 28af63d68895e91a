"""Webhook mode: Telegram posts updates to the bot's HTTP server (bot/http/webhook.py).

The fake Bot API posts each update as Telegram does, with the secret the bot gave it in
setWebhook; the bot answers through the fake's Bot API as in long polling.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from botharness import bot_idle, build_bot
from fakebotapi import FakeBotApi
from telegram import Update

from bot.config import ConfigError, load_config
from bot.http.server import MAX_BODY_BYTES
from bot.http.webhook import SECRET_FILE, SECRET_HEADER, webhook_secret
from bot.telegram.runtime import Runtime
from bot.telegram.shedding import conversation
from e2e.test_flood import FLOODER, HANDLED, flood_while_another_plays, join

WEBHOOK_URL = "https://bot.example.test/telegram/updates"


@pytest.fixture
def webhook_env(bot_env: dict[str, str]) -> dict[str, str]:
    return {**bot_env, "BYSTANDER_WEBHOOK_URL": WEBHOOK_URL, "BYSTANDER_HTTP_PORT": "0"}


@pytest.fixture
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def webhook_bot(env: dict[str, str], server: FakeBotApi) -> AsyncIterator[Runtime]:
    runtime = build_bot(env)
    async with runtime.running():
        # Telegram reaches the bot at its public address; here that is the bot's port.
        server.webhook_origin = f"http://127.0.0.1:{runtime.http.server.port}"
        server.idle_probe = lambda: bot_idle(runtime)
        try:
            yield runtime
        finally:
            server.idle_probe = None


def local_url(runtime: Runtime) -> str:
    return f"http://127.0.0.1:{runtime.http.server.port}/telegram/updates"


def stored_secret(env: dict[str, str]) -> str:
    return (Path(env["BYSTANDER_KEY_DIR"]) / SECRET_FILE).read_text().strip()


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers or {}) as response,
    ):
        return response.status


async def test_a_person_plays_through_the_webhook(webhook_env, fake_bot_api: FakeBotApi) -> None:
    user = fake_bot_api.user(user_id=5_550_001)
    async with webhook_bot(webhook_env, fake_bot_api):
        await join(user)
        await user.click("Bråk på bussen")
        assert "Innehåll:" in user.last.text
    assert fake_bot_api.calls("getUpdates") == [], "no long polling in webhook mode"
    [registered] = fake_bot_api.calls("setWebhook")
    assert registered.params["url"] == WEBHOOK_URL
    assert registered.params["allowed_updates"] == [
        "message",
        "callback_query",
        "poll",
        "my_chat_member",
    ]  # polls and membership for group play, never other members' updates
    # The secret was made once, kept in the key folder for the operator's eyes only.
    assert registered.params["secret_token"] == stored_secret(webhook_env)
    secret_file = Path(webhook_env["BYSTANDER_KEY_DIR"]) / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert set(fake_bot_api.webhook_statuses) == {200}


async def test_posts_without_the_secret_are_refused(webhook_env, fake_bot_api) -> None:
    user = fake_bot_api.user(user_id=5_550_002)
    update = json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
         "chat": {"id": user.id, "type": "private"},
         "from": {"id": user.id, "is_bot": False, "first_name": "Forged"},
         "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    ).encode()  # fmt: skip
    async with webhook_bot(webhook_env, fake_bot_api) as runtime:
        url = local_url(runtime)
        assert await post(url, update) == 403
        assert await post(url, update, {SECRET_HEADER: "x" * 43}) == 403
        assert await post(url, update, {SECRET_HEADER: stored_secret(webhook_env)[:-1]}) == 403
        assert await post(url, update, {SECRET_HEADER: "ä" * 43}) == 403, "not a 500"
        await fake_bot_api.settle()
        assert user.messages == [] and runtime.app.update_processor.handled == 0
        # The same post with the secret is an update like any other.
        assert await post(url, update, {SECRET_HEADER: stored_secret(webhook_env)}) == 200
        await fake_bot_api.settle(expect_reply=True)
        assert "aktiv åskådare" in user.last.text


async def test_oversized_and_malformed_posts_are_refused(webhook_env, fake_bot_api) -> None:
    async with webhook_bot(webhook_env, fake_bot_api) as runtime:
        secret = {SECRET_HEADER: stored_secret(webhook_env)}
        url = local_url(runtime)
        assert await post(url, b"{" + b" " * MAX_BODY_BYTES + b"}", secret) == 413
        assert await post(url, b"not json", secret) == 400
        assert await post(url, b'{"message": {}}', secret) == 400  # no update_id
        assert runtime.app.update_processor.handled == 0


async def test_a_flood_through_the_webhook_does_not_hold_up_another(
    webhook_env, fake_bot_api, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    caplog.set_level(logging.INFO)
    parsed: list[int] = []  # whose updates python-telegram-bot parsed
    parse = Update.de_json

    def counting_parse(data, bot):
        parsed.append(conversation(data))
        return parse(data, bot)

    monkeypatch.setattr(Update, "de_json", counting_parse)
    async with webhook_bot(webhook_env, fake_bot_api) as runtime:
        await flood_while_another_plays(runtime.app.update_processor, fake_bot_api)
    # The flood was shed before parsing: of the flooder's updates, those handled (two
    # /start and the flood's first 21) were parsed, and at most a few more that arrived
    # before their queue was seen to be full; not the 279 that were dropped.
    assert HANDLED + 2 <= parsed.count(FLOODER) < HANDLED + 2 + 10, parsed.count(FLOODER)
    assert str(FLOODER) not in caplog.text and "Floodname" not in caplog.text


async def test_back_to_long_polling_deletes_the_webhook(
    webhook_env, bot_factory, fake_bot_api
) -> None:
    user = fake_bot_api.user(user_id=5_550_003)
    async with webhook_bot(webhook_env, fake_bot_api):
        await user.send("/start")
    assert fake_bot_api.state.webhook_url == WEBHOOK_URL, "kept while the bot is away"
    async with bot_factory():  # the same data, without BYSTANDER_WEBHOOK_URL
        assert fake_bot_api.state.webhook_url == ""
        await user.send("/help")
        assert "Prata med någon" in user.last.text
    assert fake_bot_api.calls("deleteWebhook")


async def test_the_bot_process_in_webhook_mode_stops_cleanly_on_sigterm(
    bot_env, fake_bot_api, free_port: int
) -> None:
    """`bystander run --webhook URL` as an operator starts it, then stopped by systemd."""
    user = fake_bot_api.user(user_id=5_550_004)
    env = {**os.environ, **bot_env, "BYSTANDER_HTTP_PORT": str(free_port),
           "BYSTANDER_WEBHOOK_SECRET": "s3cret-for-this-test-only"}  # fmt: skip
    fake_bot_api.webhook_origin = f"http://127.0.0.1:{free_port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", "--webhook", WEBHOOK_URL,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            while not fake_bot_api.calls("setWebhook"):
                assert process.returncode is None, (await process.stderr.read()).decode()
                await asyncio.sleep(0.05)
        assert fake_bot_api.state.webhook_secret == "s3cret-for-this-test-only"
        await user.send("/start")
        assert "aktiv åskådare" in user.last.text
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            _, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "bot stopped" in err.decode()


async def test_a_webhook_address_without_tls_is_one_clear_line(bot_env) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", "--webhook", "http://bot.example.test/x",
        env={**os.environ, **bot_env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode == 1 and out == b""
    assert err.decode().splitlines() == [
        "bystander run: BYSTANDER_WEBHOOK_URL must be an https:// address (Telegram posts "
        "only over TLS), not 'http://bot.example.test/x'"
    ]


async def test_a_webhook_telegram_refuses_stops_the_bot_with_its_reason(
    webhook_env, fake_bot_api
) -> None:
    fake_bot_api.fail_next(
        "setWebhook", status=400, description="Bad Request: bad webhook: Failed to resolve host"
    )
    with pytest.raises(ConfigError) as refused:
        async with webhook_bot(webhook_env, fake_bot_api):
            pytest.fail("the bot ran without its webhook")
    assert str(refused.value) == (
        f"Telegram refused the webhook {WEBHOOK_URL}: Bad webhook: failed to resolve host"
    )


@pytest.mark.parametrize("stored", ["", "\n", "short", "has spaces in it and is long enough"])
def test_an_empty_or_damaged_secret_file_is_refused_not_trusted(webhook_env, stored) -> None:
    """An empty secret would accept every post: anyone could act as any person or admin."""
    config = load_config(webhook_env)
    path = config.key_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stored)
    with pytest.raises(ConfigError, match="delete the file and start again"):
        webhook_secret(config)


def test_a_new_secret_is_written_whole_and_private(webhook_env) -> None:
    config = load_config(webhook_env)
    made = webhook_secret(config)
    assert webhook_secret(config) == made, "kept, not made again"
    files = sorted(p.name for p in config.key_dir.iterdir())
    assert files == [SECRET_FILE], "no half-written file left behind"
    assert stat.S_IMODE((config.key_dir / SECRET_FILE).stat().st_mode) == 0o600
