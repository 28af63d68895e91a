"""Server-rendered HTML: Jinja2 templates (bot/web/templates) with every value escaped,
texts from the locales, in the page's language and direction."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.content.bidi import is_right_to_left
from bot.content.locales import Locales

HTML = "text/html"


class Pages:
    def __init__(self, locales: Locales, accessibility_url: str = "") -> None:
        self.locales = locales
        self.accessibility_url = accessibility_url  # the statement every page links to
        self._env = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,  # a missing value is a bug, never an empty string
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def translator(self, language: str) -> Callable[..., Markup]:
        """`t(key, **values)` for a template: the locale's text, whose only markup is <b>
        and <i> (checked by `bystander lint`), with every value escaped."""

        def t(key: str, **values: object) -> Markup:
            escaped = {name: escape(value) for name, value in values.items()}
            return Markup(self.locales.text(language, key, **escaped))

        return t

    def browser_language(self, request: web.Request) -> str:
        """Before anyone is known: the browser's first language if offered, else Swedish."""
        wanted = request.headers.get("Accept-Language", "").split(",")[0].strip()
        return self.locales.pick(wanted[:16] or None)

    def render(self, template: str, language: str, **values: object) -> str:
        return self._env.get_template(template).render(
            language=language,
            direction="rtl" if is_right_to_left(language) else "ltr",
            t=self.translator(language),
            accessibility_url=self.accessibility_url,
            **values,
        )

    def response(self, template: str, language: str, *, status: int = 200, **values: object):
        return web.Response(
            text=self.render(template, language, **values),
            status=status,
            content_type=HTML,
            charset="utf-8",
        )
