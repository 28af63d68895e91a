"""`bystander run` at start: a network that comes up late, a proxy, a rejected token, the
log it writes. The bot runs as a process, as systemd starts it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from fakebotapi import FakeBotApi

from .test_restart import bot_process, wait_until_polling
from .test_token_safety import closed_port

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")


async def wait_for_line(process, pattern: str, seen: list[str], timeout: float = 30) -> None:
    """Read the bot's log until a line contains `pattern`; every line read goes to `seen`."""
    async with asyncio.timeout(timeout):
        while not any(pattern in line for line in seen):
            line = await process.stderr.readline()
            assert line, f"the bot ended without logging {pattern!r}:\n" + "".join(seen)
            seen.append(line.decode())


async def stop(process) -> str:
    """SIGTERM, as systemd stops it; the rest of its log."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return err.decode()


async def test_the_bot_waits_for_a_network_that_comes_up_late(bot_env) -> None:
    port = closed_port()
    env = {**bot_env, "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot"}
    late = FakeBotApi()
    log: list[str] = []
    async with bot_process(env) as process:
        await wait_for_line(process, "(attempt 2: aiohttp.ClientConnectorError", log)
        await late.start(port)  # the network is up
        try:
            await wait_until_polling(late, process, timeout=30)
            await wait_for_line(process, "is running", log)
            user = late.user()
            await user.send("/start")
            assert user.last.text, "it answers"
            log.append(await stop(process))
        finally:
            await late.stop()
    output = "".join(log)
    lines = output.splitlines()
    assert re.search(r"database \S+/data/bystander\.db; \d+ scenario\(s\) in en, sv", output)
    retries = [line for line in lines if "cannot reach the Telegram Bot API yet" in line]
    assert "WARNING bystander: " in retries[0] and "trying again in 1 s" in retries[0]
    assert "trying again in 2 s" in retries[1], "the pause grows"
    assert "bot @bystander_test_bot is running" in output
    assert "Traceback" not in output and " ERROR " not in output


async def test_it_gives_up_after_the_start_wait_with_one_line(bot_env) -> None:
    env = {
        **bot_env,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot",
        "BYSTANDER_START_WAIT": "2",
    }
    async with bot_process(env) as process:
        async with asyncio.timeout(30):
            _, err = await process.communicate()
    lines = err.decode().splitlines()
    assert process.returncode == 1
    assert re.fullmatch(
        r"bystander run: cannot reach the Telegram Bot API: aiohttp\.ClientConnectorError: .*"
        r" \(tried [23] times in 2 s\)",
        lines[-1],
    )
    assert all(TEXT_LINE.match(line) and " bystander: " in line for line in lines[:-1]), lines


async def test_a_rejected_token_is_not_retried(bot_env, fake_bot_api: FakeBotApi) -> None:
    env = {**bot_env, "TELEGRAM_BOT_TOKEN": "123456:not-the-token-of-this-bot-at-all"}
    async with bot_process(env) as process:  # BYSTANDER_START_WAIT is 300 s by default
        async with asyncio.timeout(30):
            _, err = await process.communicate()
    lines = err.decode().splitlines()
    assert process.returncode == 1
    assert lines[-1] == "bystander run: Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN"
    assert len(fake_bot_api.calls("getMe")) == 1
    start = [line for line in lines if "INFO bystander: database " in line]
    own_warnings = [line for line in lines[:-1] if " WARNING bystander: help line " in line]
    assert len(start) == 1 and len(lines) == 2 + len(own_warnings), "no retries, no noise"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_library_errors_of_a_failed_start_show_only_at_debug(
    bot_env, fake_bot_api: FakeBotApi, level: str
) -> None:
    fake_bot_api.fail_next("deleteWebhook", status=502)  # PTB's own start step fails
    env = {**bot_env, "LOG_LEVEL": level}
    async with bot_process(env) as process:
        async with asyncio.timeout(30):
            _, err = await process.communicate()
    output = err.decode()
    assert process.returncode == 1
    assert (
        output.splitlines()[-1] == "bystander run: cannot reach the Telegram Bot API: Bad Gateway"
    )
    library_error = "ERROR telegram.ext: Network Retry Loop (Bootstrap delete Webhook)"
    if level == "DEBUG":
        assert library_error in output and "Traceback" in output
        # Libraries' debug lines would quote updates, SQL and the database key.
        assert "getUpdates" not in output and "PRAGMA key" not in output
    else:
        assert library_error not in output and "Traceback" not in output, output


async def test_json_logs_are_one_masked_object_per_line(bot_env, fake_bot_api) -> None:
    env = {**bot_env, "BYSTANDER_LOG_FORMAT": "json", "BYSTANDER_MIN_GRUP": "3"}
    log: list[str] = []
    async with bot_process(env) as process:
        await wait_until_polling(fake_bot_api, process)
        await wait_for_line(process, "is running", log)
        log.append(await stop(process))
    entries = [json.loads(line) for line in "".join(log).splitlines()]
    assert {"time", "level", "logger", "message"} <= entries[0].keys()
    messages = [entry["message"] for entry in entries]
    assert messages[0].endswith(
        "is not a setting and is ignored; did you mean BYSTANDER_MIN_GROUP?"
    )
    assert "bot @bystander_test_bot is running" in messages
    assert fake_bot_api.token.split(":")[1] not in "".join(log)


@dataclass
class ForwardingProxy:
    """An HTTP proxy for http:// URLs: it forwards each connection to the host its first
    request names, and keeps each connection's first request head."""

    heads: list[str] = field(default_factory=list)
    connections: set[asyncio.Task] = field(default_factory=set)

    async def handle(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter):
        self.connections.add(asyncio.current_task())
        head = await client.readuntil(b"\r\n\r\n")
        self.heads.append(head.decode("latin-1"))
        target = urlsplit(head.split(b" ")[1].decode())  # absolute-form, as proxies get it
        server, to_server = await asyncio.open_connection(target.hostname, target.port)
        to_server.write(head)
        await asyncio.gather(pipe(client, to_server), pipe(server, to_client))


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@asynccontextmanager
async def forwarding_proxy() -> AsyncIterator[tuple[ForwardingProxy, int]]:
    proxy = ForwardingProxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    try:
        yield proxy, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for connection in proxy.connections:
            connection.cancel()
        await asyncio.gather(*proxy.connections, return_exceptions=True)


@pytest.mark.parametrize("bypassed", [False, True])
async def test_the_bot_api_is_reached_through_the_proxy_of_the_environment(
    bot_env, fake_bot_api: FakeBotApi, bypassed: bool
) -> None:
    async with forwarding_proxy() as (proxy, port):
        env = {**bot_env, "HTTP_PROXY": f"http://bystander:proxy-pass-77@127.0.0.1:{port}"}
        if not bypassed:
            env["NO_PROXY"] = env["no_proxy"] = ""
        log: list[str] = []
        async with bot_process(env) as process:
            await wait_until_polling(fake_bot_api, process)
            await wait_for_line(process, "is running", log)
            log.append(await stop(process))
    output = "".join(log)
    assert "proxy-pass-77" not in output
    if bypassed:
        assert proxy.heads == [] and "proxy" not in output
        return
    assert f"Bot API through the proxy http://<token>@127.0.0.1:{port}" in output
    first = proxy.heads[0]
    assert first.startswith(f"POST {fake_bot_api.base_url}{fake_bot_api.token}/getMe HTTP/1.1")
    assert "\r\nProxy-Authorization: Basic " in first
