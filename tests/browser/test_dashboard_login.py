"""Logging in to the dashboard in a real browser: from Telegram as a Mini App (valid,
stale and forged launch data), with the one-time link, and out again."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from e2e.classroom import youth_worker
from fakebotapi import FakeBotApi
from playwright.async_api import Browser, Page, expect
from web.initdata import launch_fields, sign_init_data

from bot.services.web_access import LOGIN_LINK_MINUTES
from bot.telegram.runtime import Runtime

from .conftest import check_accessibility, new_page, save_screenshot

FAILED = "Inloggningen gick inte"


def mini_app_url(runtime: Runtime, init_data: str) -> str:
    """/app as Telegram opens it: its launch data in the URL's fragment."""
    fragment = f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=ios"
    return f"{runtime.config.http.public_url}/app#{fragment}"


async def open_mini_app(browser: Browser, runtime: Runtime, init_data: str) -> Page:
    page = await new_page(browser, "phone")
    await page.goto(mini_app_url(runtime, init_data))
    return page


async def test_a_youth_worker_opens_the_dashboard_in_telegram(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker = await youth_worker(fake_bot_api)
    launch = sign_init_data(launch_fields(worker.id, int(time.time())), fake_bot_api.token)
    page = await open_mini_app(browser, web_bot, launch)
    await expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    await expect(page, "the launch data left the address").to_have_url(re.compile(r"/dashboard$"))
    [cookie] = await page.context.cookies()
    assert cookie["name"] == "__Host-bystander"
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")
    await check_accessibility(page)
    await save_screenshot(page, "dashboard-home-phone")

    await page.get_by_role("button", name="Logga ut").click()
    await expect(page.get_by_role("heading", name="Du är utloggad")).to_be_visible()
    await page.goto(f"{web_bot.config.http.public_url}/dashboard")
    await expect(page.get_by_text("Du är inte inloggad")).to_be_visible()


async def test_stale_forged_or_roleless_launch_data_is_refused(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker = await youth_worker(fake_bot_api)
    student = fake_bot_api.user(language_code="sv")
    await student.send("/start")
    now = int(time.time())
    refused = {
        "stale": sign_init_data(launch_fields(worker.id, now - 3600), fake_bot_api.token),
        "forged": sign_init_data(launch_fields(worker.id, now), "123:another-bots-token"),
        "altered": sign_init_data(launch_fields(student.id, now), fake_bot_api.token).replace(
            f"%22id%22%3A{student.id}", f"%22id%22%3A{worker.id}"
        ),
        "no role": sign_init_data(launch_fields(student.id, now), fake_bot_api.token),
    }
    for why, launch in refused.items():
        page = await open_mini_app(browser, web_bot, launch)
        await expect(page.get_by_role("status")).to_contain_text(FAILED), why
        await page.goto(f"{web_bot.config.http.public_url}/dashboard")
        await expect(page.get_by_text("Du är inte inloggad")).to_be_visible()
    await check_accessibility(page)

    outside = await new_page(browser, "phone")
    await outside.goto(f"{web_bot.config.http.public_url}/app")
    await expect(outside.get_by_role("status")).to_contain_text("öppnas inifrån Telegram")


async def test_the_one_time_link_logs_in_once(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/dashboard")
    assert "Webbpanelen" in worker.last.text
    [[link]] = worker.last.urls  # http://localhost: no Mini App button without https
    page = await new_page(browser, "projector")
    await page.goto(link)
    await check_accessibility(page)
    await page.get_by_role("button", name="Logga in").click()
    await expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    await save_screenshot(page, "dashboard-home-1080p")

    again = await new_page(browser, "phone")
    await again.goto(link)
    await expect(again.get_by_text("Länken fungerar inte längre")).to_be_visible()


async def test_an_expired_link_says_why_and_how_to_get_a_new_one(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser, monkeypatch
) -> None:
    """Checklist H3: the message says how long the link works; once that is over, the page
    says why it does not work and what to do, and logging in with it is refused."""
    minutes = f"{LOGIN_LINK_MINUTES} minuter"
    worker = await youth_worker(fake_bot_api)
    await worker.send("/dashboard")
    assert minutes in worker.last.text
    [[link]] = worker.last.urls
    store = web_bot.storage.web.store  # the database's clock decides what has expired
    later = datetime.now(UTC) + timedelta(minutes=LOGIN_LINK_MINUTES, seconds=1)
    monkeypatch.setattr(store, "_now", lambda: later)
    page = await new_page(browser, "phone")
    response = await page.goto(link)
    assert response is not None and response.status == 404
    gone = page.get_by_text("Länken fungerar inte längre")
    await expect(gone).to_contain_text(f"mer än {minutes}")
    await expect(gone).to_contain_text("/dashboard")
    await expect(page.get_by_role("button", name="Logga in")).to_have_count(0)
    await check_accessibility(page)
    # The login form's post, sent anyway (an old tab, a script): no session.
    origin = web_bot.config.http.public_url
    posted = await page.request.post(link, headers={"Origin": origin}, max_redirects=0)
    assert posted.status == 404 and "Länken fungerar inte längre" in await posted.text()
    assert await page.context.cookies() == []
