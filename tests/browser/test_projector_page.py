"""The projector page in a real browser, as the classroom's computer shows it: opened from
/class, updated live while students answer, following the class view's K rules, closed
when the link is stopped or the lesson ends; accessible at projector and phone size."""

from __future__ import annotations

import asyncio
import re

import aiohttp
from e2e.classroom import lesson_in_the_room, lesson_on_phones, projector_link
from fakebotapi import FakeBotApi, FakeUser
from playwright.async_api import Browser, Page, expect

from bot.services.projector import STREAMS_PER_LINK
from bot.telegram.runtime import Runtime

from .conftest import check_accessibility, new_page, save_screenshot

ASK, TEACHER, JOKING = (
    "Fråga Yusuf när bussen går",
    "Säg till läraren vid skolgrinden",
    "De brukar hålla på så – det är deras grej",
)
LIVE_S = 20_000  # ms: a stream looks for news every second; a busy machine may be slower


async def student_answers(server: FakeBotApi, payload: str, choice: str) -> None:
    """A student joins, opens the lesson's scenario (first in the menu), skips the questions
    before it and answers its first step."""
    student = server.user(language_code="sv")
    await student.send(f"/start {payload}")
    await student.click("16–17 år")
    await student.click("Spela och spara mina svar")
    await student.send("/scenarios")
    await student.click(student.buttons()[0])
    await student.click("Starta")
    await student.click("Hoppa över alla frågor")
    await student.click(choice)


async def open_projector(browser: Browser, worker: FakeUser, size: str = "projector") -> Page:
    page = await new_page(browser, size)
    await page.goto(await projector_link(worker))
    return page


async def test_the_page_fills_in_live_as_the_class_answers(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker, payload = await lesson_on_phones(fake_bot_api)
    page = await open_projector(browser, worker)
    await expect(page.get_by_role("heading", name="Gå med i klassen")).to_be_visible()
    await expect(page.locator(".join-steps")).to_contain_text("Du väljer själv om dina svar sparas")
    await expect(page.locator(".qr svg")).to_be_visible()
    await expect(page.locator(".answered")).to_have_text(re.compile("Visas när minst 5"))
    await check_accessibility(page)
    await save_screenshot(page, "projector-waiting-1080p")

    for choice in (ASK, TEACHER, ASK, JOKING):
        await student_answers(fake_bot_api, payload, choice)
    progress = page.locator(".progress")
    await expect(progress).to_contain_text("färre än 5 har börjat", timeout=LIVE_S)
    await expect(page.locator(".bars")).to_have_count(0)  # four answers: nothing to show

    await student_answers(fake_bot_api, payload, TEACHER)
    step = page.locator(".step").first
    await expect(step.locator(".answered")).to_have_text("5 elever har svarat", timeout=LIVE_S)
    rows = step.locator(".bars li")
    await expect(rows).to_have_count(3)
    # As the youth worker's 📊 view shows it (bot/privacy/class_view.py): 2+2+1 would tell
    # who chose alone, so the choices under K are hidden together, never one lone count.
    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    telegram = worker.last.text
    for choice in (ASK, TEACHER, JOKING):
        row = rows.filter(has_text=choice)
        shown = re.search(rf"{re.escape(choice)}: (dolt|\d+ \(\d+ %\))", telegram).group(1)
        await expect(row.locator(".count")).to_have_text(shown)
    await expect(step.locator(".hidden-note")).to_contain_text("Dolt = för få valde det")
    await expect(step.locator(".discussion")).to_contain_text("Prata om det tillsammans")
    await expect(step.locator(".strategy").first).to_have_text("Distrahera")
    await expect(page.get_by_role("status")).to_have_text("Nya svar visas.")
    await check_accessibility(page)
    await save_screenshot(page, "projector-answers-1080p")

    phone = await open_projector(browser, worker, "phone")
    answered = phone.locator(".step").first.locator(".answered")
    await expect(answered).to_have_text("5 elever har svarat")
    await check_accessibility(phone)
    await save_screenshot(phone, "projector-answers-phone")


async def test_a_stopped_link_and_an_ended_lesson_close_the_page(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker, _ = await lesson_on_phones(fake_bot_api)
    first = await open_projector(browser, worker)
    await expect(first.locator("h1")).to_contain_text("gy 2 Tumba")
    await worker.click("⏹ Stoppa länken")
    assert "stoppad" in worker.alerts[-1]
    await expect(first.locator("h1")).to_have_text("Länken fungerar inte", timeout=LIVE_S)
    await first.reload()
    await expect(first.locator("h1")).to_have_text("Länken fungerar inte")
    await check_accessibility(first)

    second = await open_projector(browser, worker)
    await expect(second.locator("h1")).to_contain_text("gy 2 Tumba")
    await worker.send("/endlesson")
    await expect(second.locator("h1")).to_have_text("Lektionen är slut", timeout=LIVE_S)
    await save_screenshot(second, "projector-lesson-ended-1080p")


async def test_in_the_room_the_screen_shows_the_step_then_the_hands(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker = await lesson_in_the_room(fake_bot_api)
    page = await open_projector(browser, worker)
    await expect(page.locator(".options li")).to_have_count(3)
    await expect(page.locator(".answered")).to_contain_text("Räck upp handen för det du")
    await expect(page.locator(".join")).to_have_count(0)  # 12-year-olds join nothing themselves
    await expect(page.locator(".strategy")).to_have_count(0)  # no strategy before the vote

    await worker.send("10 6 2")
    await expect(page.locator(".bars li")).to_have_count(3, timeout=LIVE_S)
    ask = page.locator(".bars li").filter(has_text=ASK)
    await expect(ask.locator(".count")).to_have_text("10 (56 %)")
    await expect(ask.locator(".feedback")).to_contain_text("Hjälper")
    await expect(page.locator(".discussion")).to_contain_text("Prata om det tillsammans")
    await check_accessibility(page)
    await save_screenshot(page, "projector-room-1080p")

    await worker.click(ASK)
    await expect(page.locator(".options li")).to_have_count(5, timeout=LIVE_S)
    await worker.send("1 1 1 0 1")
    await expect(page.locator(".answered")).to_have_text(
        re.compile("Visas när minst 5 har svarat"), timeout=LIVE_S
    )
    await expect(page.locator(".bars .count").first).to_have_text("dolt")


async def test_a_screen_taken_over_by_other_streams_says_so_and_a_reload_wins(
    web_bot: Runtime, fake_bot_api: FakeBotApi, browser: Browser
) -> None:
    worker, _ = await lesson_on_phones(fake_bot_api)
    link = await projector_link(worker)
    screen = await new_page(browser, "projector")
    async with screen.expect_response("**/events"):
        await screen.goto(link)
    async with aiohttp.ClientSession() as student:  # the link leaked: streams from elsewhere
        streams = [await student.get(f"{link}/events") for _ in range(STREAMS_PER_LINK)]
        try:
            for stream in streams:
                await stream.content.readuntil(b"\n\n")
            note = screen.locator(".live-off")
            await expect(note).to_have_text(re.compile("^Sidan visas nu på en annan skärm"))
            await check_accessibility(screen)

            async with screen.expect_response("**/events"):
                await screen.reload()
            await expect(note).to_have_count(0)
            ended = await asyncio.wait_for(streams[0].content.readuntil(b"\n\n"), 10)
            assert ended.startswith(b"event: replaced\n")
        finally:
            for stream in streams:
                stream.close()
