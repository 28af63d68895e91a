"""The dashboard's pages in a real browser, at phone and projector (1920 px) size: a youth
worker makes a class, sets its scenarios and sees its answers; an evaluator builds the
report. Each page passes axe-core's WCAG 2.1 AA check under its strict CSP."""

from __future__ import annotations

from e2e.classroom import link_payload, student_plays, youth_worker
from e2e.test_reports import evaluator
from fakebotapi import FakeBotApi, FakeUser
from playwright.async_api import Browser, Page, expect
from web.test_dashboard import ASK, JOKING, TEACHER, next_month, students_play

from bot.telegram.runtime import Runtime

from .conftest import Size, check_accessibility, new_page, save_screenshot

__all__ = ["next_month"]  # the fixture, shared with the HTTP tests

SIZES: tuple[Size, ...] = ("phone", "projector")


async def dashboard(browser: Browser, user: FakeUser, size: Size) -> Page:
    """A browser logged in with the one-time link from /dashboard."""
    await user.send("/dashboard")
    [[link]] = user.last.urls
    page = await new_page(browser, size)
    await page.goto(link)
    await page.get_by_role("button", name="Logga in").click()
    await expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    return page


async def test_a_youth_worker_manages_a_class_in_the_browser(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker = await youth_worker(fake_bot_api)
    page = await dashboard(browser, worker, "phone")
    await page.get_by_role("link", name="Klasser", exact=True).click()
    await page.get_by_label("Klassens namn").fill("Tumba")
    await page.get_by_role("button", name="Skapa klassen").click()
    await expect(page.get_by_text("Namnet börjar inte med årskurs eller ålder")).to_be_visible()
    await check_accessibility(page)

    await page.get_by_label("Klassens namn").fill("gy 2 Tumba")
    await page.get_by_role("button", name="Skapa klassen").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Klassen är skapad. Välj scenarier för den här nedanför."
    )
    await page.get_by_label("Bråk på bussen", exact=True).check()
    await page.get_by_role("button", name="Spara scenarierna").click()
    await expect(page.get_by_role("status")).to_have_text("Scenarierna är sparade.")

    payload = link_payload(await page.locator(".join-link").text_content())
    for choice in (ASK, TEACHER, ASK, JOKING, TEACHER):
        await student_plays(fake_bot_api, payload, [choice])
    for size in SIZES:
        page = await dashboard(browser, worker, size)
        await page.get_by_role("link", name="Klasser", exact=True).click()
        await expect(page.get_by_role("table")).to_contain_text("5+ sparar sina svar")
        await check_accessibility(page)
        await save_screenshot(page, f"dashboard-classes-{size}")
        await page.get_by_role("link", name="gy 2 Tumba").click()
        results = page.get_by_role("table", name="Före 1 · 5 svar (elever)")
        await expect(results.get_by_role("row", name=JOKING)).to_contain_text("dolt")
        await check_accessibility(page)
        await save_screenshot(page, f"dashboard-class-{size}")

    await page.get_by_role("button", name="Stäng klassen").click()
    await expect(page.get_by_text("Kryssa i rutan först")).to_be_visible()
    await page.get_by_label("Ja, jag vill stänga klassen").check()
    await page.get_by_role("button", name="Stäng klassen").click()
    await expect(page.get_by_role("status")).to_contain_text("Klassen är stängd.")
    await check_accessibility(page)


async def test_an_evaluator_builds_the_report_in_the_browser(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser, next_month: str
) -> None:
    await students_play(fake_bot_api, [ASK] * 6 + [JOKING] * 2)
    user = await evaluator(fake_bot_api)
    for size in SIZES:
        page = await dashboard(browser, user, size)
        await page.get_by_role("link", name="Rapport", exact=True).click()
        await expect(page.get_by_label("Månad")).to_have_value(next_month)
        await page.get_by_label("Scenario").select_option(label="Bråk på bussen")
        await page.get_by_role("button", name="Visa rapporten").click()
        await expect(page.locator("td.suppressed").first).to_be_visible()
        await check_accessibility(page)
        await save_screenshot(page, f"dashboard-report-{'desktop' if size != 'phone' else size}")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Excel").click()
    download = await waiting.value
    assert download.suggested_filename == f"report-{next_month}.xlsx"

    await page.get_by_label("Klassnummer").fill("77")
    await page.get_by_role("button", name="Visa rapporten").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Klass 77 har inga svar den månaden. Kontrollera numret, eller välj en annan månad."
    )
    await check_accessibility(page)
