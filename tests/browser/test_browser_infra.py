"""The browser fixtures themselves: axe-core passes a well-made page and fails a poor one,
under the strict Content-Security-Policy the web pages have, and screenshots come out at
phone and projector size."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Error

from bot.http.server import HttpServer

from .conftest import check_accessibility, new_page, save_screenshot

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
STYLE = "body { color: #1a1a1a; background: #fff; font: 1.125rem/1.5 sans-serif; }\n"
STYLE += ".faint { color: #c8c8c8; }\n"
WELL_MADE = """<h1>Gå med i klassen</h1>
<form method="post" action="/join">
  <label for="code">Klasskod</label> <input id="code" name="code" autocomplete="off">
  <button type="submit">Gå med</button>
</form>"""
POOR = """<h1>Gå med i klassen</h1>
<p class="faint">Skriv koden som står på tavlan.</p>
<form method="post" action="/join">
  <input name="code"> <button type="submit">Gå med</button>
</form>"""


def html_page(main: str) -> str:
    return (
        '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<title>Gå med</title>\n<link rel="stylesheet" href="/static/smoke.css">\n'
        f"</head>\n<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"
    )


def serving(body: str, content_type: str) -> web.Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            text=body, content_type=content_type, headers={"Content-Security-Policy": CSP}
        )

    return handler


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """The two pages and their stylesheet from the bot's own HTTP server."""
    server = HttpServer("127.0.0.1", 0)
    server.add("GET", "/well-made", serving(html_page(WELL_MADE), "text/html"))
    server.add("GET", "/poor", serving(html_page(POOR), "text/html"))
    server.add("GET", "/static/smoke.css", serving(STYLE, "text/css"))
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def test_a_well_made_page_passes_under_its_own_strict_csp(
    browser: Browser, site: str
) -> None:
    page = await new_page(browser)
    await page.goto(f"{site}/well-made")

    with pytest.raises(Error, match="Content Security Policy"):
        await page.add_script_tag(content="document.title = 'injected'")
    await check_accessibility(page)


async def test_a_poor_page_fails_with_each_broken_rule_named(browser: Browser, site: str) -> None:
    page = await new_page(browser)
    await page.goto(f"{site}/poor")

    with pytest.raises(AssertionError) as failure:
        await check_accessibility(page)
    assert str(failure.value).splitlines() == [
        f"2 accessibility rule(s) broken on {site}/poor (axe-core, WCAG 2.1 AA):",
        "  color-contrast (serious): Elements must meet minimum color contrast ratio thresholds: p",
        "  label (critical): Form elements must have labels: input",
    ]


@pytest.mark.parametrize(
    ("size", "css_width", "png_size"),
    [("phone", 390, (780, 1688)), ("projector", 1920, (1920, 1080))],
)
async def test_screenshots_are_saved_at_phone_and_projector_size(
    browser: Browser,
    site: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: str,
    css_width: int,
    png_size: tuple[int, int],
) -> None:
    monkeypatch.setenv("BYSTANDER_ARTIFACTS", str(tmp_path))
    page = await new_page(browser, size)
    await page.goto(f"{site}/well-made")
    assert await page.evaluate("[innerWidth, navigator.language]") == [css_width, "sv-SE"]

    path = await save_screenshot(page, f"well-made-{size}")

    assert path == tmp_path / "screenshots" / f"well-made-{size}.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == png_size
