"""The web pages on the bot's one HTTP server: which routes, with which headers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from bot.http.server import HttpServer
from bot.services.dashboard import ClassDashboard, ReportDesk
from bot.services.projector import ProjectorService
from bot.services.web_access import WebAccess
from bot.web.dashboard import Dashboard
from bot.web.dashboard_classes import ClassPages
from bot.web.dashboard_report import ReportPages
from bot.web.errors import error_pages
from bot.web.login import Login
from bot.web.pages import Pages
from bot.web.projector import ProjectorPages, StreamSettings
from bot.web.security import secure_headers
from bot.web.sessions import Sessions
from bot.web.static_files import StaticFiles


@dataclass(frozen=True)
class WebParts:
    """What the web pages are made of, as bot.bootstrap built it."""

    projector: ProjectorService
    access: WebAccess
    token_key: bytes = field(repr=False)
    pseudonym_secret: bytes = field(repr=False)
    bot_token: str = field(repr=False)
    public_url: str
    class_desk: ClassDashboard
    report_desk: ReportDesk
    accessibility_url: str = ""
    stream: StreamSettings = field(default_factory=StreamSettings)


def add_web(server: HttpServer, parts: WebParts) -> None:
    """The projector page, the dashboard, its login and the static files, with the security
    headers and kind error pages."""
    pages = Pages(parts.projector.catalog.locales, parts.accessibility_url)
    static = StaticFiles()
    stopping = asyncio.Event()

    async def stop_streams(app: web.Application) -> None:
        stopping.set()

    server.web.middlewares.extend((secure_headers, error_pages(pages, static)))
    server.web.on_shutdown.append(stop_streams)
    server.add("GET", "/static/{name}", static.serve)
    ProjectorPages(parts.projector, pages, static, parts.stream, stopping).add_routes(server.add)
    sessions = Sessions(parts.access.web, parts.token_key, parts.access.roles, parts.public_url)
    login = Login(
        parts.access,
        sessions,
        pages,
        static,
        bot_token=parts.bot_token,
        pseudonym_secret=parts.pseudonym_secret,
    )
    login.add_routes(server.add)
    dashboard = (parts.access, sessions, pages, static)
    Dashboard(*dashboard).add_routes(server.add)
    ClassPages(parts.class_desk, *dashboard).add_routes(server.add)
    ReportPages(parts.report_desk, *dashboard).add_routes(server.add)
