"""The staff dashboard: thin adapters from the web to the staff services.

Every page asks for the session first (bot.web.sessions): without one it says how to log
in; a page of another role is refused (403); every form is checked for its origin and
CSRF field. What each role may see and do is the same as in Telegram, through the same
services and gates. The youth worker's pages are in bot.web.dashboard_classes, the
evaluator's in bot.web.dashboard_report."""

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

    async def _staff(self, request: web.Request, role: str) -> StaffSession | web.Response:
        """The session of someone with this role now, the login page, or 403."""
        session = await self._session(request)
        if isinstance(session, StaffSession) and role not in session.roles:
            raise web.HTTPForbidden()
        return session

    def _page(
        self, template: str, session: StaffSession, *, status: int = 200, **values: object
    ) -> web.Response:
        return self.pages.response(
            template,
            session.language,
            status=status,
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


def see_other(location: str) -> web.Response:
    """After a form: the page again, by GET, so that reloading it posts nothing twice."""
    return web.Response(status=303, headers={"Location": location})
