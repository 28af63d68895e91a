"""Server-rendered HTML: Jinja2 templates (bot/web/templates) with every value escaped,
texts from the locales, in the page's language and direction."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.content.bidi import is_right_to_left
from bot.content.locales import Locales

HTML = "text/html"
# The only markup of the locales' texts (T511 keeps translations to the Swedish's tags).
_ALLOWED_TAG = re.compile(r"&lt;(/?[bi])&gt;")


def locale_markup(text: str) -> Markup:
    """A text of the locales (or made of them) as HTML: everything escaped, then <b> and <i>
    let through again, so that no file or value can add a link, an image or a refresh."""
    return Markup(_ALLOWED_TAG.sub(r"<\1>", str(escape(text))))


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
        self._env.filters["locale_markup"] = locale_markup

    def translator(self, language: str) -> Callable[..., Markup]:
        """`t(key, **values)` for a template: the locale's text as HTML with <b> and <i>
        only (locale_markup)."""

        def t(key: str, **values: object) -> Markup:
            return locale_markup(self.locales.text(language, key, **values))

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
