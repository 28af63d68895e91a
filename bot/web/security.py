"""What every web response carries: a strict Content Security Policy (only this server's
own scripts and styles, no inline code, no framing), no referrer to other sites (a projector
link must not leak), no caching of pages, no MIME sniffing."""

from __future__ import annotations

from aiohttp import web

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    # A link to another site gets no referrer (a projector link must not leak); our own
    # forms keep their Origin header, which the CSRF check reads ("no-referrer" sends null).
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
WEB_PREFIXES = ("/p/", "/static/", "/app", "/login/", "/dashboard", "/logout")


@web.middleware
async def secure_headers(request: web.Request, handler) -> web.StreamResponse:
    """The headers on every web page (not on the webhook, health or metrics)."""
    response = await handler(request)
    if request.path.startswith(WEB_PREFIXES) and not response.prepared:
        response.headers.update(HEADERS)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
    return response


def same_origin(request: web.Request, public_url: str) -> None:
    """403 unless a post comes from the pages' own origin: a form or a login posted from
    another site (cross-site request forgery, login CSRF). Every browser the pages support
    sends Origin with a post; a post without it is refused too."""
    if request.headers.get("Origin") != public_url:
        raise web.HTTPForbidden()
