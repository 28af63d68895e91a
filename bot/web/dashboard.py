"""The staff dashboard: thin adapters from the web to the staff services.

Every page asks for the session first (bot.web.sessions): without one it says how to log
in; every form is checked for its origin and CSRF field. What each role may see and do is
the same as in Telegram, through the same services and gates."""

from __future__ import annotations

from aiohttp import web

from bot.services.web_access import WebAccess
from bot.storage.records import EVALUATOR, YOUTH_WORKER
from bot.web.pages import Pages
from bot.web.sessions import Sessions, StaffSession
from bot.web.static_files import StaticFiles


class Dashboard:
    def __init__(
        self, access: WebAccess, sessions: Sessions, pages: Pages, static: StaticFiles
    ) -> None:
        self.access = access
        self.sessions = sessions
        self.pages = pages
        self.static = static

    def add_routes(self, add) -> None:
        add("GET", "/dashboard", self.home)

    async def _session(self, request: web.Request) -> StaffSession | web.Response:
        """The session, or the page that says how to log in."""
        session = await self.sessions.current(request)
        if session is None or not session.roles:
            language = self.pages.browser_language(request)
            return self.pages.response(
                "login_needed.html", language, status=401, static=self.static
            )
        return session

    def _page(self, template: str, session: StaffSession, **values: object) -> web.Response:
        return self.pages.response(
            template,
            session.language,
            static=self.static,
            session=session,
            youth_worker=YOUTH_WORKER in session.roles,
            evaluator=EVALUATOR in session.roles,
            **values,
        )

    async def home(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if isinstance(session, web.Response):
            return session
        return self._page("dashboard_home.html", session)
