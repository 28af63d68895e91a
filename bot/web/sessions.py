"""Staff sessions on the web: a signed random token in a `__Host-` cookie (TLS only, not
readable by scripts, never sent from another site), kept in the database as a digest with
the person's pseudonym. Roles are looked up again on every request, so revoking one in
Telegram closes the dashboard at once. Every form carries a CSRF field derived from the
session, and a form posted from another origin is refused whatever it carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from aiohttp import web

from bot.services.web_tokens import csrf_ok, csrf_token, digest_of, new_token
from bot.storage.ports import WebStore
from bot.storage.records import SESSION, WebToken
from bot.web.security import same_origin

COOKIE = "__Host-bystander"
SESSION_HOURS = 8  # a working day; the dashboard logs out after it
MAX_FORM_BYTES = 16 * 1024  # the dashboard's forms are a few fields

Roles = Callable[[str], Awaitable[frozenset[str]]]


@dataclass(frozen=True)
class StaffSession:
    token: str
    holder: str  # the pseudonym
    language: str
    roles: frozenset[str]
    csrf: str  # the hidden field of this session's forms


class Sessions:
    def __init__(self, store: WebStore, key: bytes, roles: Roles, public_url: str) -> None:
        self.store = store
        self._key = key
        self._roles = roles
        self.public_url = public_url

    async def start(
        self, request: web.Request, response: web.StreamResponse, holder: str, language: str
    ) -> None:
        """A new session for this person, its cookie set on the response. The browser's
        earlier session, if any, ends: a login never leaves a second one open."""
        earlier = digest_of(self._key, SESSION, request.cookies.get(COOKIE, ""))
        if earlier:
            await self.store.delete_token(earlier)
        token, digest = new_token(self._key, SESSION)
        expires = datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
        await self.store.save_token(digest, WebToken(SESSION, holder, expires, None, language))
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_HOURS * 3600,
            path="/",
            secure=True,
            httponly=True,
            samesite="Strict",
        )

    async def current(self, request: web.Request) -> StaffSession | None:
        """The request's session, with the person's roles as they are now; None if none."""
        token = request.cookies.get(COOKIE, "")
        digest = digest_of(self._key, SESSION, token)
        found = await self.store.token(digest) if digest else None
        if found is None or found.kind != SESSION:
            return None
        roles = await self._roles(found.holder)
        return StaffSession(
            token, found.holder, found.language, roles, csrf_token(self._key, token)
        )

    async def end(self, session: StaffSession, response: web.StreamResponse) -> None:
        digest = digest_of(self._key, SESSION, session.token)
        if digest:
            await self.store.delete_token(digest)
        response.del_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="Strict")

    async def form(self, request: web.Request, session: StaffSession) -> dict[str, str]:
        """A posted form of this session, or 403: from this origin, with its CSRF field."""
        same_origin(request, self.public_url)
        fields = await read_form(request)
        if not csrf_ok(self._key, session.token, fields.get("csrf", "")):
            raise web.HTTPForbidden()
        return fields


async def read_form(request: web.Request) -> dict[str, str]:
    """A small url-encoded form, or 413 (400 if malformed). Read up to one byte past the
    limit whatever the headers say: a chunked body has no Content-Length to check first."""
    body = b""
    while len(body) <= MAX_FORM_BYTES:
        chunk = await request.content.read(MAX_FORM_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_FORM_BYTES, len(body))
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest() from None
    return dict(pairs)
