"""HTTP to the Bot API over aiohttp instead of PTB's default httpx.

Each answer to a tap costs three Bot API calls (answer the query, edit the tapped message,
send the next step). Under load, httpx's client spent about 4 ms of CPU per call on this
machine against aiohttp's 0.25 ms (benchmarks/README.md), which made HTTP, not the bot,
the bottleneck. PTB supports other clients through `BaseRequest`; this is one, with PTB's
default timeouts and errors (TimedOut, NetworkError) so the rest of the bot cannot tell.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logsafe import redact
from bot.telegram.shedding import Queues, shed

Timeout = float | None
# Told of every call: the Bot API method, its seconds, and the HTTP status (None: no answer).
Observer = Callable[[str, float, int | None], None]


@dataclass(frozen=True)
class Timeouts:
    """Seconds, as PTB's HTTPXRequest has them by default; None waits forever."""

    read: Timeout = 5.0
    write: Timeout = 5.0
    connect: Timeout = 5.0
    pool: Timeout = 1.0
    media_write: Timeout = 20.0  # the write timeout of an upload (a chart, a report file)


class AiohttpRequest(BaseRequest):
    """One aiohttp session (created in the running event loop) with a bounded pool.

    `proxy`: the HTTP proxy for the Bot API (bot.config.proxy_for), or None to connect
    directly. Chosen once: the bot talks to one host only."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        timeouts: Timeouts = Timeouts(),
        proxy: str | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self.timeouts = timeouts
        self.proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        self.shed: Queues | None = None  # set on the getUpdates client: see shedding.py
        self.observer: Observer | None = None  # set for metrics (bot/http/metrics.py)

    @property
    def read_timeout(self) -> Timeout:
        return self.timeouts.read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = self._timeout(
            request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        started, status = time.perf_counter(), None
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                proxy=self.proxy,
            ) as response:
                body = await response.read()
                status = response.status
                if self.shed is not None and url.endswith("/getUpdates"):
                    body = shed(body, self.shed)
                return response.status, body
        except TimeoutError as error:
            if isinstance(error, aiohttp.ConnectionTimeoutError):
                raise TimedOut("no connection to the Bot API in time; not sent") from error
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some aiohttp errors quote the URL, which holds the token: masked here already,
            # since PTB and the CLI pass this text on.
            raise NetworkError(f"aiohttp.{type(error).__name__}: {redact(str(error))}") from error
        finally:
            if self.observer is not None:
                # The method is the URL's last part; the token before it stays out.
                self.observer(url.rsplit("/", 1)[-1], time.perf_counter() - started, status)

    def _timeout(
        self, request_data: RequestData | None, read, write, connect, pool
    ) -> aiohttp.ClientTimeout:
        """PTB's four timeouts on aiohttp's: `connect` covers the wait for a pooled
        connection and opening it, `sock_read` each read. aiohttp has no write timeout, so
        the write time bounds the whole request, on top of the rest."""
        defaults = self.timeouts
        if write is BaseRequest.DEFAULT_NONE and request_data and request_data.contains_files:
            write = defaults.media_write
        read, write, connect, pool = (
            getattr(defaults, name) if value is BaseRequest.DEFAULT_NONE else value
            for name, value in (("read", read), ("write", write), ("connect", connect),
                                ("pool", pool))
        )  # fmt: skip
        limits = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in limits else sum(limits),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    if request_data is None:
        return None
    form = aiohttp.FormData(request_data.json_parameters)  # url-encoded unless files follow
    for name, (filename, content, mime_type) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


@dataclass(frozen=True)
class Transports:
    """The Bot's two HTTP clients: one for getUpdates (long polling), one for the rest.

    PTB shuts them down only after a successful start; whoever runs the bot closes them
    after a failed one (a rejected token), so no session is left open.
    """

    general: AiohttpRequest = field(default_factory=AiohttpRequest)
    updates: AiohttpRequest = field(default_factory=lambda: AiohttpRequest(1))

    @classmethod
    def through(cls, proxy: str | None) -> Transports:
        """Both clients, connecting through `proxy` (None: directly)."""
        return cls(AiohttpRequest(proxy=proxy), AiohttpRequest(1, proxy=proxy))

    async def close(self) -> None:
        await self.general.shutdown()
        await self.updates.shutdown()
