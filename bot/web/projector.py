"""The projector page and its live stream: thin adapters over bot.services.projector.

The page is complete without JavaScript (reloading it shows the latest numbers); its small
script (static/projector.js) listens to `/p/{token}/events`, server-sent events that carry
the page's main part, rendered again whenever what it shows changes. Each stream asks the
service again every few seconds, so a stopped link or an ended lesson closes it, and a
lesson played through another worker's process shows here too (the database is shared).
A link streams to a few screens at once; a new one ends the oldest, so the classroom's
screen reconnecting always gets in, however many streams a leaked link has opened.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from dataclasses import dataclass

import segno
from aiohttp import web
from markupsafe import Markup

from bot.services.projector import STREAMS_PER_LINK, Closed, ProjectorPage, ProjectorService
from bot.web.pages import Pages
from bot.web.security import HEADERS
from bot.web.static_files import StaticFiles

log = logging.getLogger("bystander")
RETRY_MS = 15_000


@dataclass(frozen=True)
class StreamSettings:
    check_s: float = 1.0  # how often a stream looks for news: a few indexed queries
    keep_alive_s: float = 15.0  # a comment line, so that proxies keep an idle stream open


class ProjectorPages:
    def __init__(
        self,
        service: ProjectorService,
        pages: Pages,
        static: StaticFiles,
        settings: StreamSettings,
        stopping: asyncio.Event,
    ) -> None:
        self.service = service
        self.pages = pages
        self.static = static
        self.settings = settings
        self._stopping = stopping  # set when the server shuts down: every stream ends
        self._streams: dict[str, deque[asyncio.Event]] = {}  # per link, oldest first

    def add_routes(self, add) -> None:
        add("GET", "/p/{token}", self.page)
        add("GET", "/p/{token}/events", self.events)

    async def page(self, request: web.Request) -> web.Response:
        shown = await self.service.page(request.match_info["token"])
        status = 404 if isinstance(shown, Closed) else 200
        return self.pages.response(
            "projector.html",
            shown.language,
            status=status,
            main=Markup(self._main(shown)),  # rendered by our own templates, values escaped
            heading=_heading(shown),
            live=not isinstance(shown, Closed),
            static=self.static,
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        streams = self._streams.setdefault(token, deque())
        if len(streams) >= STREAMS_PER_LINK:
            streams.popleft().set()  # the oldest stream ends within a check
        replaced = asyncio.Event()
        streams.append(replaced)
        try:
            return await self._stream(request, token, replaced)
        finally:
            if replaced in streams:
                streams.remove(replaced)
            if not streams and self._streams.get(token) is streams:
                del self._streams[token]

    async def _stream(
        self, request: web.Request, token: str, replaced: asyncio.Event
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                **HEADERS,
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # nginx: pass each event on at once
            }
        )
        await response.prepare(request)
        try:
            await self._events(request, response, token, replaced)
        except ConnectionResetError:
            pass  # the browser went away
        except Exception as error:  # never an error page inside an open stream
            log.warning("projector stream ended: %s", type(error).__name__)
        return response

    async def _events(
        self,
        request: web.Request,
        response: web.StreamResponse,
        token: str,
        replaced: asyncio.Event,
    ) -> None:
        """An event whenever what the page shows changes, until it closes."""
        last = ""
        quiet = 0.0
        while not self._stopping.is_set() and not _gone(request):
            if replaced.is_set():  # its page stops quietly and says why
                await response.write(_event("replaced", ""))
                return
            shown = await self.service.page(token)
            main = self._main(shown)
            if isinstance(shown, Closed):
                await response.write(_event("closed", main))
                return
            if main != last:
                await response.write(_event("update", main, first=not last))
                last, quiet = main, 0.0
            elif quiet >= self.settings.keep_alive_s:
                await response.write(b": still here\n\n")
                quiet = 0.0
            await _first_of(self._stopping, replaced, timeout=self.settings.check_s)
            quiet += self.settings.check_s

    def _main(self, shown: ProjectorPage | Closed) -> str:
        if isinstance(shown, Closed):
            return self.pages.render("projector_closed.html", shown.language, key=shown.key)
        qr = qr_svg(shown.join.link) if shown.join else None
        return self.pages.render("projector_main.html", shown.language, page=shown, qr=qr)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Until one of the events is set, or the timeout."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def _heading(shown: ProjectorPage | Closed) -> str:
    """The browser tab's name for the screen: the class, and its scenario once chosen."""
    if isinstance(shown, Closed):
        return ""
    return " · ".join(part for part in (shown.title, shown.scenario) if part)


def _gone(request: web.Request) -> bool:
    """Whether the browser closed the stream: its place is given back within a check."""
    return request.transport is None or request.transport.is_closing()


def _event(name: str, data: str, *, first: bool = False) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    # With the first event: a browser that loses the stream (a database away, a restart)
    # tries again after 15 s, so a room full of screens does not flood the server's log.
    retry = f"retry: {RETRY_MS}\n" if first else ""
    return f"event: {name}\n{lines}{retry}\n".encode()


@functools.lru_cache(maxsize=256)
def qr_svg(link: str) -> Markup:
    """The join link's QR code as inline SVG: crisp at any size, no image request. Kept
    once drawn: a class's link never changes, and drawing it was most of what a live
    screen cost each second (benchmarks/projector_streams.py)."""
    qr = segno.make_qr(link, error="q", boost_error=False)
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))
