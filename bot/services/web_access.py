"""How staff reach the web dashboard: /dashboard in Telegram gives a button that opens it
inside Telegram (a Mini App, which signs who opened it) and a one-time login link for a
computer's browser. Both end in a session of the person's own (bot.web.sessions); what
the dashboard shows is gated by the person's roles as they are at each request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.content.catalog import Catalog
from bot.services.routing import Audience, command
from bot.services.staff import StaffDesk, StaffSettings
from bot.services.views import LinkButton, Outcome, column
from bot.services.web_tokens import digest_of, new_token
from bot.storage.ports import StaffStore, WebStore
from bot.storage.records import LAUNCH, LOGIN, WebToken

LOGIN_LINK_MINUTES = 10


@dataclass(frozen=True)
class WebPerson:
    """Someone known on the web only by their pseudonym, as the role gates look them up."""

    pseudonym: str
    telegram_language: str | None = None
    group: None = None


@dataclass(frozen=True)
class WebLogin:
    """Who a login is for, and the language their pages are in."""

    pseudonym: str
    language: str


class WebAccess(StaffDesk):
    def __init__(
        self,
        catalog: Catalog,
        classes: StaffStore,
        settings: StaffSettings,
        web: WebStore,
        token_key: bytes,
        public_url: str,
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.web = web
        self.token_key = token_key
        self.public_url = public_url

    @command("dashboard", Audience.YOUTH_WORKER, Audience.EVALUATOR, menu=26)
    async def dashboard(self, person) -> Outcome:
        language = await self._language(person)
        if not self.public_url:
            return Outcome.say(self.t(language, "dashboard.web_off"))
        token, digest = new_token(self.token_key, LOGIN)
        expires = datetime.now(UTC) + timedelta(minutes=LOGIN_LINK_MINUTES)
        link = WebToken(LOGIN, person.pseudonym, expires, None, language)
        await self.web.save_token(digest, link)
        buttons = []
        # Telegram opens a Mini App only from an https:// address (a local trial has none).
        if self.public_url.startswith("https://"):
            app = f"{self.public_url}/app"
            buttons.append(LinkButton(self.t(language, "dashboard.open_app"), app, mini_app=True))
        login = f"{self.public_url}/login/{token}"
        buttons.append(LinkButton(self.t(language, "dashboard.open_browser"), login))
        text = self.t(language, "dashboard.intro", minutes=LOGIN_LINK_MINUTES)
        return Outcome.say(text, column(*buttons))

    async def login_link(self, token: str) -> WebLogin | None:
        """Who an unused, unexpired login link is for; None for any other token."""
        digest = digest_of(self.token_key, LOGIN, token)
        found = await self.web.token(digest) if digest else None
        return self._login(found)

    async def use_login_link(self, token: str) -> WebLogin | None:
        """Spend a login link: a session for its staff member, once; None if the link is
        not (or no longer) usable, or the person has no staff role any more."""
        digest = digest_of(self.token_key, LOGIN, token)
        found = await self.web.take_token(digest) if digest else None
        login = self._login(found)
        return login if login and await self.roles(login.pseudonym) else None

    async def use_launch(
        self, launch_data: str, pseudonym: str, telegram_language: str | None, until: datetime
    ) -> WebLogin | None:
        """A session for a staff member's Mini App launch (its signature already checked),
        once: a copy of the same launch data, after logout too, opens none. The launch is
        remembered `until` it is too old to pass the signature's age check anyway."""
        digest = hashlib.sha256(b"launch\0" + launch_data.encode()).digest()
        if not await self.web.first_use(digest, WebToken(LAUNCH, pseudonym, until)):
            return None
        if not await self.roles(pseudonym):
            return None
        language = await self._language(WebPerson(pseudonym, telegram_language))
        return WebLogin(pseudonym, language)

    @staticmethod
    def _login(found: WebToken | None) -> WebLogin | None:
        if found is None or found.kind != LOGIN:
            return None
        return WebLogin(found.holder, found.language)

    async def roles(self, pseudonym: str) -> frozenset[str]:
        """The person's staff roles as they are now (admins' from the configuration)."""
        return await self.roles_of(WebPerson(pseudonym))
