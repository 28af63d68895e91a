"""One aiohttp.web server in the bot process, for every route the bot serves over HTTP.

It listens on 127.0.0.1 by default and speaks plain HTTP: it is meant to sit behind a
reverse proxy that terminates TLS and exposes only the webhook path (deploy/nginx.conf).
No access log: the addresses of whoever calls are nobody's business here.
"""

from __future__ import annotations

import os

from aiohttp import web

from bot.config import ConfigError

# Telegram's updates are a few kB (a message holds at most 4096 characters); nothing
# posted here needs more, and aiohttp answers 413 beyond it without reading the rest.
MAX_BODY_BYTES = 256 * 1024


class HttpServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port  # the port listened on once started (a free one for port 0)
        self.web = web.Application(client_max_size=MAX_BODY_BYTES)
        self._runner: web.AppRunner | None = None

    def add(self, method: str, path: str, handler: web.Handler) -> None:
        """A route; all are added before start()."""
        self.web.router.add_route(method, path, handler)

    async def start(self) -> None:
        runner = web.AppRunner(self.web, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise ConfigError(
                f"cannot listen on {self.host}:{self.port} (BYSTANDER_HTTP_HOST/_PORT): "
                f"{os.strerror(error.errno) if error.errno else error}"
            ) from None
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
