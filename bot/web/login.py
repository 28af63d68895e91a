"""Logging in to the dashboard, two ways, and out.

- Inside Telegram: /dashboard's Mini App button opens `/app`. Telegram puts its signed
  launch data in the page's URL fragment; the page's script (static/miniapp.js) posts it
  to `/app/login`, which checks Telegram's signature and age (bot.web.telegram_auth),
  refuses a launch used before (a copy of it after logout too) and starts a session. No
  script of Telegram's is loaded.
- In a browser: /dashboard's one-time link `/login/{token}` shows a page whose button
  posts back to the same address; only that post uses the link up, so a link preview or
  a prefetch cannot spend it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.services.web_access import LOGIN_LINK_MINUTES, WebAccess
from bot.storage.keys import pseudonym
from bot.web.pages import Pages
from bot.web.security import same_origin
from bot.web.sessions import Sessions, read_form
from bot.web.static_files import StaticFiles
from bot.web.telegram_auth import (
    FUTURE_SKEW_S,
    MAX_AGE_S,
    InitDataError,
    validate_init_data,
)

log = logging.getLogger("bystander")

DASHBOARD = "/dashboard"


class Login:
    def __init__(
        self,
        access: WebAccess,
        sessions: Sessions,
        pages: Pages,
        static: StaticFiles,
        *,
        bot_token: str,
        pseudonym_secret: bytes,
    ) -> None:
        self.access = access
        self.sessions = sessions
        self.pages = pages
        self.static = static
        self._bot_token = bot_token
        self._secret = pseudonym_secret

    def add_routes(self, add) -> None:
        add("GET", "/app", self.mini_app)
        add("POST", "/app/login", self.mini_app_login)
        add("GET", "/login/{token}", self.link_page)
        add("POST", "/login/{token}", self.link_login)
        add("POST", "/logout", self.logout)

    async def mini_app(self, request: web.Request) -> web.Response:
        language = self.pages.browser_language(request)
        return self.pages.response("mini_app.html", language, static=self.static)

    async def mini_app_login(self, request: web.Request) -> web.Response:
        same_origin(request, self.sessions.public_url)
        init_data = (await read_form(request)).get("init_data")
        try:
            if init_data is None:
                raise InitDataError("no launch data")
            user = validate_init_data(init_data, self._bot_token, now=time.time())
        except InitDataError as error:
            log.info("web: Mini App launch data refused (%s)", error)
            raise web.HTTPForbidden() from None
        # Dated up to FUTURE_SKEW_S ahead, launch data passes the age check that much longer.
        until = datetime.now(UTC) + timedelta(seconds=MAX_AGE_S + FUTURE_SKEW_S)
        holder = pseudonym(self._secret, user.id)
        login = await self.access.use_launch(init_data, holder, user.language_code or None, until)
        if login is None:
            log.info("web: Mini App launch refused (used before, or no staff role)")
            raise web.HTTPForbidden()
        response = web.Response(status=204)
        await self.sessions.start(request, response, login.pseudonym, login.language)
        return response

    async def link_page(self, request: web.Request) -> web.Response:
        found = await self.access.login_link(request.match_info["token"])
        language = found.language if found else self.pages.browser_language(request)
        return self.pages.response(
            "login.html",
            language,
            status=200 if found else 404,
            static=self.static,
            usable=found is not None,
            minutes=LOGIN_LINK_MINUTES,
        )

    async def link_login(self, request: web.Request) -> web.Response:
        same_origin(request, self.sessions.public_url)
        login = await self.access.use_login_link(request.match_info["token"])
        if login is None:
            return await self.link_page(request)
        response = web.Response(status=303, headers={"Location": DASHBOARD})
        await self.sessions.start(request, response, login.pseudonym, login.language)
        return response

    async def logout(self, request: web.Request) -> web.Response:
        session = await self.sessions.current(request)
        if session is not None:
            await self.sessions.form(request, session)  # a forged logout is refused
        language = session.language if session else self.pages.browser_language(request)
        response = self.pages.response("logged_out.html", language, static=self.static)
        if session is not None:
            await self.sessions.end(session, response)
        return response
