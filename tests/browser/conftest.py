"""Pages in a real browser: Debian's Chromium driven by Playwright, axe-core's accessibility
check, and screenshots kept as test artifacts.

Playwright drives the Chromium that apt installed (`executable_path`); nothing here runs
`playwright install`, so no browser is ever downloaded. axe-core comes from npm, pinned in
tests/browser/package-lock.json and installed by `.ci/run` (NPM_CI below).
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pgcluster import unavailable
from playwright.async_api import Browser, Page, async_playwright
from web.conftest import web_bot, web_env  # noqa: F401  (the bot with its web pages on)

CHROMIUM = shutil.which("chromium")
# No setuid sandbox (CI runs as root in a container), no GPU, and none of Chromium's own
# traffic to Google: the tests have no internet, and waiting on it only slows them down.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_TESTS = Path(__file__).parent
AXE_SCRIPT = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"
NPM_CI = "npm ci --prefix tests/browser --no-audit --no-fund"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

Size = Literal["phone", "projector"]
# A young person's phone (CSS pixels, drawn at twice the density) and the classroom projector.
SIZES: dict[Size, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,  # honours <meta name="viewport">, as a phone's browser does
        "has_touch": True,
    },
    "projector": {"viewport": {"width": 1920, "height": 1080}},
}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for one test.

    One browser per test because Playwright's objects belong to the event loop they were
    made in, and each test runs in a loop of its own, as everywhere in this suite: a browser
    shared by a module fails with "attached to a different loop" unless every test and
    async fixture there moves to the module's loop. Starting Playwright's driver and
    Chromium takes about 0.5 s here, closing them 0.2 s, a page about 0.2 s.
    """
    if CHROMIUM is None:
        unavailable("Chromium is not installed: apt-get install chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def new_page(browser: Browser, size: Size = "phone") -> Page:
    """A page in a fresh context (no cookies shared with other pages) in Swedish and
    Stockholm's time, as the centre's users see it; it closes with the browser."""
    context = await browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", **SIZES[size]
    )
    return await context.new_page()


@functools.cache
def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is not installed in tests/browser/node_modules: run `{NPM_CI}`")
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def check_accessibility(page: Page) -> None:
    """Fail unless axe-core finds the page free of WCAG 2.1 A and AA violations.

    The script goes in through page.evaluate (the DevTools protocol's Runtime.evaluate),
    which the page's Content-Security-Policy does not govern: the page stays under the CSP
    it really has, where a <script> tag would be refused and bypass_csp would switch the
    policy off for everything else on the page too.
    """
    await page.evaluate(axe_source())
    results = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    if results["violations"]:  # a plain message: pytest would append the whole result's repr
        raise AssertionError(describe_violations(page.url, results["violations"]))


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility rule(s) broken on {url} (axe-core, WCAG 2.1 AA):"]
    for violation in violations:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(node["target"]) for node in nodes[:3])
        more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']}: {targets}{more}"
        )
    return "\n".join(lines)


def screenshots_dir() -> Path:
    """$BYSTANDER_ARTIFACTS/screenshots, by default artifacts/screenshots in the repository
    (git-ignored)."""
    artifacts = os.environ.get("BYSTANDER_ARTIFACTS") or BROWSER_TESTS.parent.parent / "artifacts"
    return Path(artifacts) / "screenshots"


async def save_screenshot(page: Page, name: str) -> Path:
    """The visible part of the page as screenshots/NAME.png, for a person to look at."""
    path = screenshots_dir() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path)
    return path
