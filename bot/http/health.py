"""Liveness and readiness, for a supervisor, a load balancer or a container HEALTHCHECK.

GET /healthz (live): the process runs and its event loop answers. If this fails the bot
is stuck or gone: restart it.
GET /readyz (ready): the database is open and the Application is running, i.e. updates
are being handled. Not ready while the bot starts or stops; during that time a webhook
post may wait in Telegram's queue, nothing is lost.
Both answer JSON; 200 when so, 503 when not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiohttp import web

from bot.http.server import HttpServer

Checks = Callable[[], Mapping[str, bool]]


def add_health(server: HttpServer, readiness: Checks) -> None:
    async def live(request: web.Request) -> web.Response:
        return web.json_response({"live": True})

    async def ready(request: web.Request) -> web.Response:
        checks = dict(readiness())
        return web.json_response(
            {"ready": all(checks.values()), **checks}, status=200 if all(checks.values()) else 503
        )

    server.add("GET", "/healthz", live)
    server.add("GET", "/readyz", ready)
