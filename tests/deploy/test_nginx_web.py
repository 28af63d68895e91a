"""deploy/nginx.conf in front of the web pages (projector page, Mini App, dashboard): their
paths reach the bot with the name the browser used and https, the projector's event
stream arrives event by event, and the machine-only paths stay hidden.

The first two tests' upstream is a small aiohttp app of the test that answers every path,
so a 404 or 403 there can only come from nginx; the last runs the bot itself behind nginx.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from botharness import bot_idle, build_bot
from e2e.classroom import lesson_on_phones, projector_link
from fakebotapi import FakeBotApi
from web.initdata import launch_fields, sign_init_data

from .proxy import free_port, nginx_site

BROWSER_HOST = "127.0.0.1"  # the host of the URL the browser opened, as bot.example.org
EVENTS = "/p/projector-token/events"


@dataclass
class Upstream:
    """What reached the stand-in bot, and when its stream may send its second event."""

    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    second_event_may_go: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path_qs))
        self.headers[request.path] = (
            request.headers.get("Host"),
            request.headers.get("X-Forwarded-Proto"),
        )

    async def answer(self, request: web.Request) -> web.Response:
        self.record(request)
        return web.Response(text="from the bot")

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Two events with a wait between them; no X-Accel-Buffering header, so only the
        nginx file can keep the stream unbuffered."""
        self.record(request)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        await self.second_event_may_go.wait()
        await response.write(b"data: second\n\n")
        return response


@asynccontextmanager
async def running_upstream() -> AsyncIterator[Upstream]:
    upstream = Upstream()
    app = web.Application()
    app.router.add_get(EVENTS, upstream.events)
    app.router.add_route("*", "/{path:.*}", upstream.answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    upstream.port = runner.addresses[0][1]
    try:
        yield upstream
    finally:
        upstream.second_event_may_go.set()  # a stream still waiting ends
        await runner.cleanup()


async def test_the_web_paths_reach_the_bot_and_nothing_else_does(tool, tmp_path: Path) -> None:
    binary = tool("nginx", "nginx")
    async with (
        running_upstream() as upstream,
        nginx_site(binary, tmp_path, upstream.port) as (proxy, trust),
        aiohttp.ClientSession() as session,
    ):

        async def status(method: str, path: str) -> int:
            async with session.request(method, proxy + path, ssl=trust) as response:
                return response.status

        passed = [
            ("GET", "/p/projector-token"),
            ("GET", "/static/web.css"),
            ("GET", "/app"),
            ("POST", "/app/login"),
            ("GET", "/login/login-token"),
            ("POST", "/login/login-token"),
            ("GET", "/dashboard"),
            ("GET", "/dashboard/report?wave=1"),
            ("POST", "/dashboard/classes"),
            ("POST", "/logout"),
            ("POST", "/telegram/updates"),
        ]
        for method, path in passed:
            assert await status(method, path) == 200, f"{method} {path} does not reach the bot"
        assert upstream.requests == passed, "a path reached the bot changed"
        for path, (host, scheme) in upstream.headers.items():
            assert host == BROWSER_HOST, f"{path}: the bot sees Host {host!r}"
            if path != "/telegram/updates":
                assert scheme == "https", f"{path}: the bot sees X-Forwarded-Proto {scheme!r}"

        refused = [("GET", "/app/login"), ("GET", "/logout"), ("POST", "/p/projector-token"),
                   ("POST", "/static/web.css"), ("DELETE", "/dashboard")]  # fmt: skip
        for method, path in refused:
            assert await status(method, path) == 403, f"{method} {path} is let through"
        for inside in ("/healthz", "/readyz", "/metrics", "/", "/app/other"):
            assert await status("GET", inside) == 404, f"{inside} is exposed"
        assert upstream.requests == passed, "a refused or hidden path reached the bot"


async def test_the_projector_stream_arrives_event_by_event(tool, tmp_path: Path) -> None:
    binary = tool("nginx", "nginx")
    async with (
        running_upstream() as upstream,
        nginx_site(binary, tmp_path, upstream.port) as (proxy, trust),
        aiohttp.ClientSession() as session,
    ):
        try:
            # The bot is still waiting to send the second event: a buffering proxy would
            # hold the first (and its headers) until the response ends, and this times out.
            async with asyncio.timeout(10):
                stream = await session.get(
                    proxy + EVENTS, ssl=trust, headers={"Accept": "text/event-stream"}
                )
                first = await stream.content.readuntil(b"\n\n")
        except TimeoutError:
            raise AssertionError("nginx holds the first event back") from None
        async with stream:
            assert stream.status == 200
            assert stream.content_type == "text/event-stream"
            assert first == b"data: first\n\n"
            upstream.second_event_may_go.set()
            async with asyncio.timeout(10):
                assert await stream.content.readuntil(b"\n\n") == b"data: second\n\n"
        assert upstream.headers[EVENTS] == (BROWSER_HOST, "https")


async def test_a_lesson_on_the_projector_and_a_dashboard_login_through_nginx(
    tool, tmp_path: Path, bot_env: dict[str, str], fake_bot_api: FakeBotApi
) -> None:
    binary = tool("nginx", "nginx")
    port = free_port()
    public_url = f"https://127.0.0.1:{port}"
    runtime = build_bot({**bot_env, "BYSTANDER_HTTP_PORT": "0", "BYSTANDER_PUBLIC_URL": public_url})
    async with runtime.running(poll_timeout=1):
        fake_bot_api.idle_probe = lambda: bot_idle(runtime)
        async with (
            nginx_site(binary, tmp_path, runtime.http.server.port, port) as (proxy, trust),
            # the session cookie is for an address, not a name, here
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser,
        ):
            assert proxy == public_url
            worker, _ = await lesson_on_phones(fake_bot_api, "åk 9 Tumba")
            link = await projector_link(worker)
            assert link.startswith(f"{public_url}/p/")

            async with browser.get(link, ssl=trust) as page:
                assert page.status == 200 and "åk 9 Tumba" in await page.text()
            async with asyncio.timeout(10):
                stream = await browser.get(link + "/events", ssl=trust)
                first = await stream.content.readuntil(b"\n\n")
            async with stream:
                assert first.startswith(b"event: update\n") and "Bråk på bussen" in first.decode()
                await worker.click("⏹ Stoppa länken")
                async with asyncio.timeout(10):
                    closed = await stream.content.readuntil(b"\n\n")
                assert closed.startswith(b"event: closed\n"), "the stop did not reach the screen"

            launch = sign_init_data(launch_fields(worker.id, int(time.time())), fake_bot_api.token)
            async with browser.post(
                public_url + "/app/login",
                data={"init_data": launch},
                headers={"Origin": public_url},
                ssl=trust,
            ) as login:
                assert login.status == 204, "the Mini App login did not pass nginx"
            async with browser.get(public_url + "/dashboard", ssl=trust) as dashboard:
                assert dashboard.status == 200 and "Översikt" in await dashboard.text()
        fake_bot_api.idle_probe = None
