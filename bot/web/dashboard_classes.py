"""A youth worker's classes on the dashboard: the list and a new class, one class with its
join QR code, results, assignments and closing (bot.services.dashboard does the work)."""

from __future__ import annotations

from aiohttp import web

from bot.services.dashboard import ClassDashboard
from bot.storage.records import YOUTH_WORKER
from bot.web.dashboard import Dashboard, see_other
from bot.web.projector import qr_svg
from bot.web.sessions import StaffSession

CLASSES = "/dashboard/classes"
ASSIGN_FIELD = "scenario."  # a checkbox per scenario: scenario.<id>
DONE = {  # the short confirmation after a form, named in the redirect's address
    "created": "web.done_created",
    "assigned": "web.done_assigned",
    "closed": "web.done_closed",
}


class ClassPages(Dashboard):
    def __init__(self, desk: ClassDashboard, *parts) -> None:
        super().__init__(*parts)
        self.desk = desk

    def add_routes(self, add) -> None:
        add("GET", CLASSES, self.classes)
        add("POST", CLASSES, self.create)
        add("GET", CLASSES + "/{id}", self.one_class)
        add("POST", CLASSES + "/{id}/assignments", self.assign)
        add("POST", CLASSES + "/{id}/close", self.close)

    async def classes(self, request: web.Request) -> web.Response:
        session = await self._staff(request, YOUTH_WORKER)
        if isinstance(session, web.Response):
            return session
        return await self._classes_page(session, done=_done(request))

    async def create(self, request: web.Request) -> web.Response:
        session = await self._staff(request, YOUTH_WORKER)
        if isinstance(session, web.Response):
            return session
        name = (await self.sessions.form(request, session)).get("name", "")
        record = await self.desk.create(session.holder, name)
        if record is None:
            return await self._classes_page(session, name=name, status=400)
        return see_other(f"{CLASSES}/{record.id}?done=created")

    async def one_class(self, request: web.Request) -> web.Response:
        session = await self._staff(request, YOUTH_WORKER)
        if isinstance(session, web.Response):
            return session
        return await self._class_page(request, session, done=_done(request))

    async def assign(self, request: web.Request) -> web.Response:
        session = await self._staff(request, YOUTH_WORKER)
        if isinstance(session, web.Response):
            return session
        form = await self.sessions.form(request, session)
        wanted = {name.removeprefix(ASSIGN_FIELD) for name in form if name.startswith(ASSIGN_FIELD)}
        if not await self.desk.assign(session.holder, request.match_info["id"], wanted):
            raise web.HTTPNotFound()
        return see_other(f"{CLASSES}/{request.match_info['id']}?done=assigned")

    async def close(self, request: web.Request) -> web.Response:
        session = await self._staff(request, YOUTH_WORKER)
        if isinstance(session, web.Response):
            return session
        form = await self.sessions.form(request, session)
        if form.get("confirm") != "yes":
            return await self._class_page(request, session, unconfirmed=True, status=400)
        if not await self.desk.close(session.holder, request.match_info["id"]):
            raise web.HTTPNotFound()
        return see_other(f"{CLASSES}/{request.match_info['id']}?done=closed")

    async def _classes_page(
        self, session: StaffSession, *, done: str = "", name: str = "", status: int = 200
    ) -> web.Response:
        classes = await self.desk.classes_of(session.holder, session.language)
        return self._page(
            "dashboard_classes.html",
            session,
            status=status,
            classes=classes,
            done=done,
            name=name,
            unreadable=status == 400,
        )

    async def _class_page(
        self,
        request: web.Request,
        session: StaffSession,
        *,
        done: str = "",
        unconfirmed: bool = False,
        status: int = 200,
    ) -> web.Response:
        page = await self.desk.page(session.holder, request.match_info["id"], session.language)
        if page is None:
            raise web.HTTPNotFound()
        return self._page(
            "dashboard_class.html",
            session,
            status=status,
            page=page,
            qr=qr_svg(page.join_link) if page.join_link else None,
            done=done,
            unconfirmed=unconfirmed,
        )


def _done(request: web.Request) -> str:
    """The confirmation's locale key, or "" (only the known ones: an address is no text)."""
    return DONE.get(request.query.get("done", ""), "")
