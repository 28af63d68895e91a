"""The pages' own CSS and JavaScript, read once at start-up and served from memory: only
the files listed here exist, so no path can reach anything else on the disk."""

from __future__ import annotations

import hashlib
from importlib.resources import files

from aiohttp import web

TYPES = {".css": "text/css", ".js": "text/javascript"}
NAMES = ("style.css", "projector.js", "miniapp.js")


class StaticFiles:
    def __init__(self) -> None:
        folder = files("bot.web") / "static"
        self._files = {name: (folder / name).read_bytes() for name in NAMES}
        # A version in each URL: a new release's file is fetched, an unchanged one cached.
        self.versions = {
            name: hashlib.sha256(body).hexdigest()[:12] for name, body in self._files.items()
        }

    def url(self, name: str) -> str:
        return f"/static/{name}?v={self.versions[name]}"

    async def serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = self._files.get(name)
        if body is None:
            raise web.HTTPNotFound()
        response = web.Response(body=body, content_type=TYPES[name[name.rindex(".") :]])
        response.charset = "utf-8"
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response
