"""The manual accessibility checklist (docs/web-accessibility-checklist.md) as far as a
headless browser can run it, on the projector page and the dashboard's pages: keyboard
(A1–A4), what a screen reader is given (B1–B3, saved as artifacts/aria/NAME.yml for a person
to read), zoom, reflow and text spacing (C1–C3), the projector's font sizes (E1) and reduced
motion (I1). Screen readers, contrast of graphics and the real projector stay with a person."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from e2e.classroom import lesson_in_the_room, lesson_on_phones, projector_link
from e2e.test_reports import evaluator
from fakebotapi import FakeBotApi, FakeUser
from playwright.async_api import Browser, BrowserContext, Page, expect

from bot.telegram.runtime import Runtime

from .conftest import screenshots_dir

PROJECTOR = "projector"
DASHBOARD = ("dashboard-home", "dashboard-classes", "dashboard-class", "dashboard-report")
LIVE_S = 20_000  # ms, as in test_projector_page

# Every element a keyboard user can reach, in document order; "stop" is an element's place
# in this list, so a tab order is a list of numbers.
FOCUSABLE_JS = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
)].filter(element => !element.disabled && element.getClientRects().length)"""

FOCUSED_JS = f"""() => {{
  const element = document.activeElement;
  const stop = ({FOCUSABLE_JS})().indexOf(element);
  if (stop < 0) return null;  // the page itself, or the browser's own controls
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {{
    stop,
    name: element.outerHTML.slice(0, 80),
    outline: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
    shadow: style.boxShadow !== "none",
    // in view (a tall table need not fit), and not cut off at the sides
    onScreen: box.width > 0 && box.height > 0 && box.top < innerHeight && box.bottom > 0
      && box.left >= 0 && box.right <= innerWidth,
  }};
}}"""

# Text cut off: an element that hides what overflows it while its content is larger.
CLIPPED_JS = """() => [...document.querySelectorAll('body *')].filter(element => {
  if (element.closest('.visually-hidden, .skip')) return false;
  const style = getComputedStyle(element);
  const hides = value => value === 'hidden' || value === 'clip';
  return (hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1)
    || (hides(style.overflowY) && element.scrollHeight > element.clientHeight + 1);
}).map(element => element.outerHTML.slice(0, 80))"""

SCROLLS_SIDEWAYS_JS = "() => document.scrollingElement.scrollWidth > innerWidth"

# WCAG 1.4.12's text spacing, as the text-spacing bookmarklets set it, through the CSS
# object model: the pages' Content-Security-Policy refuses a <style> element.
TEXT_SPACING_JS = """() => { for (const element of document.querySelectorAll('*')) {
  element.style.setProperty('line-height', '1.5', 'important');
  element.style.setProperty('letter-spacing', '0.12em', 'important');
  element.style.setProperty('word-spacing', '0.16em', 'important');
  if (element.matches('p')) element.style.setProperty('margin-bottom', '2em', 'important');
} }"""

MOVING_JS = """() => ({
  animations: document.getAnimations().length,
  transitions: [...document.querySelectorAll('*')].filter(element =>
    getComputedStyle(element).transitionDuration.split(',').some(d => parseFloat(d) > 0)
  ).map(element => element.outerHTML.slice(0, 80)),
})"""


class Site:
    """A youth worker leading Bråk på bussen in the room (its class, projector link and
    dashboard) and an evaluator: who can open each page of the checklist."""

    def __init__(self, runtime: Runtime, worker: FakeUser, reporter: FakeUser, projector: str):
        self.origin = runtime.config.http.public_url
        self.worker, self.reporter, self.projector = worker, reporter, projector

    async def open(self, context: BrowserContext, name: str) -> Page:
        page = await context.new_page()
        if name == PROJECTOR:
            await page.goto(self.projector)
            return page
        await self.log_in(page, self.reporter if name == "dashboard-report" else self.worker)
        if name == "dashboard-classes":
            await page.goto(f"{self.origin}/dashboard/classes")
        elif name == "dashboard-class":
            await page.goto(f"{self.origin}/dashboard/classes")
            await page.get_by_role("link", name="åk 6 Alby").click()
        elif name == "dashboard-report":
            await page.goto(f"{self.origin}/dashboard/report")
            await page.get_by_role("button", name="Visa rapporten").click()
        await expect(page.locator("h1")).to_be_visible()
        return page

    @staticmethod
    async def log_in(page: Page, user: FakeUser) -> None:
        await user.send("/dashboard")
        [[link]] = user.last.urls
        await page.goto(link)
        await page.get_by_role("button", name="Logga in").click()
        await expect(page.get_by_role("heading", name="Översikt")).to_be_visible()


@pytest.fixture
async def site(web_bot: Runtime, fake_bot_api: FakeBotApi) -> AsyncIterator[Site]:
    worker = await lesson_in_the_room(fake_bot_api)
    link = await projector_link(worker)
    await worker.send("10 6 2")  # the room's hands: the projector shows bars
    yield Site(web_bot, worker, await evaluator(fake_bot_api), link)


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    options.setdefault("viewport", {"width": 1280, "height": 800})
    return await browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", **options)


async def tab_stops(page: Page, key: str, count: int) -> list[dict[str, Any] | None]:
    """Where focus goes on each of COUNT presses of KEY."""
    stops = []
    for _ in range(count):
        await page.keyboard.press(key)
        stops.append(await page.evaluate(FOCUSED_JS))
    return stops


def order(stops: list[dict[str, Any] | None]) -> list[int]:
    return [stop["stop"] for stop in stops if stop is not None]


async def test_tab_reaches_everything_in_order_visibly_and_cycles(
    site: Site, browser: Browser
) -> None:
    """A1–A4: the skip link first, then every control in the order it is shown, each with
    a visible focus outline, and from the last one back to the first (no trap)."""
    context = await new_context(browser)
    for name in (PROJECTOR, *DASHBOARD):
        page = await site.open(context, name)
        count = await page.evaluate(f"() => ({FOCUSABLE_JS})().length")
        forward = await tab_stops(page, "Tab", count + 3)
        assert forward[0] is not None and 'class="skip"' in forward[0]["name"], name
        # Round the page in document order, then from the first again.
        assert len(order(forward)) > count, f"{name}: focus did not come back to the top"
        assert order(forward) == [*range(count), *range(len(order(forward)) - count)], name
        for stop in filter(None, forward):
            assert stop["onScreen"], f"{name}: focus off screen on {stop['name']}"
            assert stop["outline"] >= 2 or stop["shadow"], f"{name}: no focus ring {stop['name']}"
        # Back from the skip link: round the other way, from the last control. The page is
        # loaded again and the skip link reached by Tab, as a person would: a script's focus()
        # while the browser's own focus is outside the page left Shift+Tab's start unsure.
        await page.reload()
        await page.keyboard.press("Tab")
        backward = await tab_stops(page, "Shift+Tab", count + 2)
        assert order(backward)[:count] == list(reversed(range(count))), name


async def test_the_skip_link_moves_on_to_the_main_content(site: Site, browser: Browser) -> None:
    """A1: Enter on the skip link, then Tab: focus goes on to the first control in main
    (or after it), past the header's links."""
    context = await new_context(browser)
    for name in (PROJECTOR, *DASHBOARD):
        page = await site.open(context, name)
        await page.keyboard.press("Tab")
        await expect(page.locator("a.skip"), name).to_be_focused()
        await page.keyboard.press("Enter")
        # The page's address is reported by an event that may come after the key press.
        await expect(page, name).to_have_url(re.compile(r"#main$"))
        expected = await page.evaluate(
            f"""() => ({FOCUSABLE_JS})().findIndex(element => document.getElementById('main')
              .compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING)"""
        )
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED_JS)
        stop = None if focused is None else focused["stop"]
        # Nothing focusable after main (the projector): round to the top again.
        assert stop == expected if expected >= 0 else stop in (None, 0), name


@pytest.mark.parametrize(
    "viewport, scale",
    [
        pytest.param({"width": 320, "height": 640}, 1, id="320px-reflow"),
        pytest.param({"width": 640, "height": 400}, 2, id="1280px-at-200%"),
    ],
)
async def test_narrow_and_zoomed_pages_need_no_sideways_scrolling(
    site: Site, browser: Browser, viewport: dict[str, int], scale: int
) -> None:
    """C1, C2: at 320 CSS px (1.4.10) and at 200 % zoom of a 1280 px window (1.4.4) the
    page fits its width, and no text is cut off."""
    context = await new_context(browser, viewport=viewport, device_scale_factor=scale)
    for name in (PROJECTOR, *DASHBOARD):
        page = await site.open(context, name)
        assert not await page.evaluate(SCROLLS_SIDEWAYS_JS), f"{name} scrolls sideways"
        assert await page.evaluate(CLIPPED_JS) == [], name


async def test_wider_text_spacing_cuts_nothing_off(site: Site, browser: Browser) -> None:
    """C3 (1.4.12): with the bookmarklet's spacing, on a phone and on the projector."""
    for viewport in ({"width": 390, "height": 844}, {"width": 1920, "height": 1080}):
        context = await new_context(browser, viewport=viewport)
        for name in (PROJECTOR, *DASHBOARD):
            page = await site.open(context, name)
            await page.evaluate(TEXT_SPACING_JS)
            assert not await page.evaluate(SCROLLS_SIDEWAYS_JS), f"{name} at {viewport}"
            assert await page.evaluate(CLIPPED_JS) == [], f"{name} at {viewport}"


async def test_the_projector_text_is_large_at_1080p(site: Site, browser: Browser) -> None:
    """E1: body text at least 32 px, headings larger, the counts at least as large."""
    context = await new_context(browser, viewport={"width": 1920, "height": 1080})
    page = await site.open(context, PROJECTOR)
    await expect(page.locator(".bars .count")).to_have_count(3, timeout=LIVE_S)

    async def size(selector: str) -> float:
        return await page.locator(selector).first.evaluate(
            "element => parseFloat(getComputedStyle(element).fontSize)"
        )

    body = await size("body")
    assert body >= 32
    assert await size("h1") > body
    assert await size(".step h2") > body
    assert await size(".bars .count") >= body
    assert await size(".bars .label") >= body
    assert await size(".feedback") >= 32  # (the situation, read before the vote, gives way)


# Every element in main with text of its own, and its computed font size in px.
TEXT_SIZES_JS = """() => [...document.querySelectorAll('main *')].filter(element =>
  [...element.childNodes].some(node => node.nodeType === Node.TEXT_NODE && node.textContent.trim())
).map(element =>
  [element.className || element.tagName, parseFloat(getComputedStyle(element).fontSize)])"""


async def test_all_projector_text_is_at_least_32px(
    site: Site, browser: Browser, fake_bot_api: FakeBotApi
) -> None:
    """E1, every text and not only the body's: the join panel and each bar's strategy and
    feedback are read from the back of the room too."""
    context = await new_context(browser, viewport={"width": 1920, "height": 1080})
    page = await site.open(context, PROJECTOR)
    await expect(page.locator(".feedback")).to_have_count(3, timeout=LIVE_S)
    worker, _ = await lesson_on_phones(fake_bot_api, "gy 1 Tumba")
    joining = await context.new_page()
    await joining.goto(await projector_link(worker))
    await expect(joining.locator(".join-steps")).to_be_visible()
    for shown in (page, joining):
        small = [(name, px) for name, px in await shown.evaluate(TEXT_SIZES_JS) if px < 32]
        assert small == [], small


async def test_a_step_with_its_results_fits_the_projector(site: Site, browser: Browser) -> None:
    """K3: at 1920×1080 the step, its results with feedback and the discussion prompt
    are all on the screen without scrolling."""
    context = await new_context(browser, viewport={"width": 1920, "height": 1080})
    page = await site.open(context, PROJECTOR)
    await expect(page.locator(".discussion")).to_be_visible(timeout=LIVE_S)
    assert await page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")


def aria_dir() -> Path:
    return screenshots_dir().parent / "aria"


def headings(snapshot: str) -> list[int]:
    return [int(level) for level in re.findall(r"^\s*- '?heading .*\[level=(\d)\]", snapshot, re.M)]


async def test_what_a_screen_reader_is_given(site: Site, browser: Browser) -> None:
    """B1–B4 as far as the accessibility tree tells: a title, one h1 and no skipped
    heading level, a main landmark (and navigation on the dashboard), named fields, and the
    projector's live status region. The trees are saved for a person to read."""
    context = await new_context(browser)
    aria_dir().mkdir(parents=True, exist_ok=True)
    for name in (PROJECTOR, *DASHBOARD):
        page = await site.open(context, name)
        snapshot = await page.locator("html").aria_snapshot()
        (aria_dir() / f"{name}.yml").write_text(snapshot, encoding="utf-8")
        assert await page.title(), name
        levels = headings(snapshot)
        assert levels[0] == 1 and levels.count(1) == 1, f"{name}: {levels}"
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), name
        assert re.search(r"^\s*- main", snapshot, re.MULTILINE), name
        if name == PROJECTOR:
            assert await page.get_by_role("status").count() == 1
            assert "- status" in snapshot, "the live region is missing from the tree"
        else:
            assert "- navigation" in snapshot, name
            assert not re.search(r"- (textbox|combobox|checkbox)(:|$| \[)", snapshot, re.M), (
                f"{name}: a field without a name"
            )
    await expect(page.get_by_role("combobox", name="Scenario")).to_be_visible()
    await expect(page.get_by_role("textbox", name="Klassnummer")).to_be_visible()


async def test_nothing_moves_when_motion_is_reduced(site: Site, browser: Browser) -> None:
    """I1: with prefers-reduced-motion, no animation or transition, also while the
    projector's results change."""
    context = await new_context(browser, reduced_motion="reduce")
    page = await site.open(context, PROJECTOR)
    await expect(page.locator(".bars li")).to_have_count(3, timeout=LIVE_S)
    await site.worker.click("Fråga Yusuf när bussen går")
    await expect(page.locator(".options li")).to_have_count(5, timeout=LIVE_S)
    assert await page.evaluate(MOVING_JS) == {"animations": 0, "transitions": []}
    for name in DASHBOARD:
        page = await site.open(context, name)
        assert await page.evaluate(MOVING_JS) == {"animations": 0, "transitions": []}, name
