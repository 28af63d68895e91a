"""Kind error pages for the web: what went wrong in the reader's language, never a stack
trace or a bare status line."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web.pages import Pages
from bot.web.security import WEB_PREFIXES
from bot.web.static_files import StaticFiles

log = logging.getLogger("bystander")

MESSAGES = {
    400: "web.error_bad_request",
    403: "web.error_forbidden",
    404: "web.error_not_found",
    405: "web.error_bad_request",
    413: "web.error_too_large",
    429: "web.error_busy",
}
SERVER_ERROR = "web.error_server"


def error_pages(pages: Pages, static: StaticFiles):
    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith(WEB_PREFIXES):
            return await handler(request)
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            message = MESSAGES.get(error.status, SERVER_ERROR)
            return _page(pages, static, request, error.status, message)
        except Exception:
            log.exception("web: %s %s failed", request.method, request.path.split("/")[1])
            return _page(pages, static, request, 500, SERVER_ERROR)

    return middleware


def _page(
    pages: Pages, static: StaticFiles, request: web.Request, status: int, message: str
) -> web.Response:
    language = pages.browser_language(request)
    return pages.response("error.html", language, status=status, message=message, static=static)
