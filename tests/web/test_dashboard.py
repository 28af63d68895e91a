"""The staff dashboard over HTTP: a youth worker's classes and an evaluator's report, each
only for their role and owner, every form only from this site with its CSRF field."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import aiohttp
import openpyxl
import pytest
from botharness import open_scenario
from e2e.classroom import link_payload, student_plays, youth_worker
from e2e.test_reports import evaluator
from fakebotapi import FakeBotApi, FakeUser

from bot.evaluation.dictionary import CSV_TABLE_COLUMN
from bot.services import reports
from bot.telegram.runtime import Runtime

from .test_web_attacks import logged_in, origin

ASK, TEACHER, JOKING = (
    "Fråga Yusuf när bussen går",
    "Säg till läraren vid skolgrinden",
    "De brukar hålla på så – det är deras grej",
)


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url, allow_redirects=False) as response:
        return response.status, await response.text()


async def post(
    session: aiohttp.ClientSession, url: str, form: dict[str, str], origin_header: str
) -> tuple[int, str]:
    async with session.post(
        url, data=form, headers={"Origin": origin_header}, allow_redirects=False
    ) as response:
        location = response.headers.get("Location", "")
        return response.status, location or await response.text()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def class_id_of(location: str) -> str:
    return re.search(r"/dashboard/classes/(\d+)", location).group(1)


async def worker_with_class(runtime: Runtime, server: FakeBotApi, name: str):
    """A logged-in youth worker who made a class on the dashboard: (worker, session, id)."""
    worker = await youth_worker(server)
    session = await logged_in(runtime, server, worker)
    base = origin(runtime)
    _, page = await get(session, f"{base}/dashboard/classes")
    status, location = await post(
        session, f"{base}/dashboard/classes", {"csrf": csrf_of(page), "name": name}, base
    )
    assert status == 303
    return worker, session, class_id_of(location)


async def test_without_a_session_the_dashboard_says_how_to_log_in(web_bot: Runtime) -> None:
    base = origin(web_bot)
    async with aiohttp.ClientSession() as browser:
        for path in ("/dashboard/classes", "/dashboard/classes/1", "/dashboard/report"):
            status, html = await get(browser, base + path)
            assert status == 401 and "Du är inte inloggad" in html
        status, html = await post(browser, f"{base}/dashboard/classes", {"name": "åk 8"}, base)
        assert status == 401 and "Du är inte inloggad" in html


async def test_a_youth_worker_creates_assigns_and_closes_a_class(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    base = origin(web_bot)
    worker, session, class_id = await worker_with_class(web_bot, fake_bot_api, "gy 2 Tumba")
    async with session:
        status, html = await get(session, f"{base}/dashboard/classes/{class_id}?done=created")
        assert status == 200 and "Klassen är skapad" in html
        assert "gymnasiet 2 (17 år)" in html and "<svg" in html, "its join QR code"
        assert "Inga scenarier är valda än" in html

        status, html = await post(
            session,
            f"{base}/dashboard/classes/{class_id}/assignments",
            {"csrf": csrf_of(html), "scenario.bus-fight": "on"},
            base,
        )
        assert (status, html) == (303, f"/dashboard/classes/{class_id}?done=assigned")
        status, html = await get(session, f"{base}{html}")
        assert "Scenarierna är sparade" in html
        assert re.search(r'name="scenario.bus-fight" value="on" checked', html)
        await worker.send("/class")
        assert "Bråk på bussen" in worker.last.text, "Telegram's class view shows it too"

        _, listing = await get(session, f"{base}/dashboard/classes")
        assert "gy 2 Tumba" in listing and "gymnasiet 2 (17 år)" in listing
        assert "<td>0 sparar sina svar</td>" in listing

        status, html = await post(
            session, f"{base}/dashboard/classes/{class_id}/close", {"csrf": csrf_of(html)}, base
        )
        assert status == 400 and "Kryssa i rutan först" in html, "not closed unconfirmed"
        status, location = await post(
            session,
            f"{base}/dashboard/classes/{class_id}/close",
            {"csrf": csrf_of(html), "confirm": "yes"},
            base,
        )
        assert status == 303
        _, html = await get(session, base + location)
        assert "Klassen är stängd" in html and "<svg" not in html, "no QR code to join"


async def test_a_name_without_an_age_is_explained_beside_the_field(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    async with await logged_in(web_bot, fake_bot_api, worker) as session:
        _, page = await get(session, f"{base}/dashboard/classes")
        status, html = await post(
            session, f"{base}/dashboard/classes", {"csrf": csrf_of(page), "name": "Tumba"}, base
        )
        assert status == 400 and "Namnet börjar inte med årskurs eller ålder" in html
        assert 'value="Tumba"' in html and 'aria-invalid="true"' in html
        assert "Du har inga klasser än" in html


async def test_forms_without_their_field_or_from_elsewhere_change_nothing(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    base = origin(web_bot)
    _, session, class_id = await worker_with_class(web_bot, fake_bot_api, "åk 8 Alby")
    async with session:
        _, page = await get(session, f"{base}/dashboard/classes/{class_id}")
        token = csrf_of(page)
        assign = f"{base}/dashboard/classes/{class_id}/assignments"
        close = f"{base}/dashboard/classes/{class_id}/close"
        for url, form, sender in (
            (assign, {"scenario.bus-fight": "on"}, base),
            (assign, {"csrf": token[:-2] + "xx", "scenario.bus-fight": "on"}, base),
            (assign, {"csrf": token, "scenario.bus-fight": "on"}, "https://evil.example"),
            (close, {"csrf": "", "confirm": "yes"}, base),
            (close, {"csrf": token, "confirm": "yes"}, "https://evil.example"),
            (f"{base}/dashboard/classes", {"name": "åk 7 X"}, base),
        ):
            status, html = await post(session, url, form, sender)
            assert status == 403 and "Det här får du inte göra" in html, (url, form, sender)
        _, page = await get(session, f"{base}/dashboard/classes/{class_id}")
        assert "Inga scenarier är valda än" in page and "Stäng klassen" in page
        _, listing = await get(session, f"{base}/dashboard/classes")
        assert "åk 7 X" not in listing


async def test_a_youth_worker_sees_only_their_own_classes(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    base = origin(web_bot)
    _, theirs, class_id = await worker_with_class(web_bot, fake_bot_api, "åk 8 Fittja")
    await theirs.close()
    other = await youth_worker(fake_bot_api)
    async with await logged_in(web_bot, fake_bot_api, other) as session:
        _, listing = await get(session, f"{base}/dashboard/classes")
        assert "åk 8 Fittja" not in listing
        for path in (class_id, "999", "x"):
            status, html = await get(session, f"{base}/dashboard/classes/{path}")
            assert status == 404 and "Sidan finns inte" in html and "Fittja" not in html
        status, html = await post(
            session,
            f"{base}/dashboard/classes/{class_id}/close",
            {"csrf": csrf_of(listing), "confirm": "yes"},
            base,
        )
        assert status == 404
        status, html = await get(session, f"{base}/dashboard/report")
        assert status == 403, "the report is the evaluators'"


async def test_the_class_page_shows_what_the_telegram_view_shows(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass gy 2 Tumba")
    payload = link_payload(worker.messages[-2].caption)
    await worker.click("⬜ Bråk på bussen")
    for choice in (ASK, TEACHER, ASK, JOKING, TEACHER):
        await student_plays(fake_bot_api, payload, [choice])
    await worker.send("/class")
    await worker.click("📊 Svar: Bråk på bussen")
    telegram = worker.last.text
    base = origin(web_bot)
    async with await logged_in(web_bot, fake_bot_api, worker) as session:
        _, listing = await get(session, f"{base}/dashboard/classes")
        class_id = re.search(r'href="/dashboard/classes/(\d+)"', listing).group(1)
        _, html = await get(session, f"{base}/dashboard/classes/{class_id}")
    assert "5 svar (elever)" in html and "5+ har börjat" in html and "5+ sparar sina svar" in html
    table = html[html.index("5 svar (elever)") :]
    for choice in (ASK, TEACHER, JOKING):
        shown = re.search(rf"{re.escape(choice)}: (dolt|\d+) ?(\(\d+ %\))?", telegram)
        cell = re.search(rf"<th scope=\"row\">{re.escape(choice)}</th>\s*<td[^>]*>([^<]+)<", table)
        assert cell.group(1) == shown.group(1), choice
    assert "dolt" in table, "2+2+1 hides the choices under K"


@pytest.fixture
def next_month(monkeypatch: pytest.MonkeyPatch) -> str:
    """Reports cover closed months: the tests read this month's answers from the next."""
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(reports, "_today", lambda: first)
    return f"{date.today():%Y-%m}"


async def students_play(server: FakeBotApi, choices: list[str]) -> None:
    for choice in choices:
        student = server.user(language_code="sv")
        await student.send("/start")
        await student.click("16–17 år")
        await student.click("Spela och spara mina svar")
        await open_scenario(student)
        await student.click(choice)


async def logged_in_evaluator(runtime: Runtime, server: FakeBotApi) -> aiohttp.ClientSession:
    user: FakeUser = await evaluator(server)
    return await logged_in(runtime, server, user)


async def test_an_evaluator_builds_and_downloads_the_report(
    web_bot: Runtime, fake_bot_api: FakeBotApi, next_month: str
) -> None:
    await students_play(fake_bot_api, [ASK] * 6 + [JOKING] * 2)
    base = origin(web_bot)
    async with await logged_in_evaluator(web_bot, fake_bot_api) as session:
        status, html = await get(session, f"{base}/dashboard/report")
        assert status == 200
        assert f'<option value="{next_month}" selected>' in html, "the last closed month"
        assert html.count('<option value="20') == 12
        assert "Bråk på bussen" in html and "<table><caption>" in html
        assert '<td class="suppressed">' in html, "two answers of one choice stay hidden"
        query = f"period={next_month}&scenario=bus-fight"
        status, html = await get(session, f"{base}/dashboard/report?{query}&class=")
        assert '<option value="bus-fight" selected>' in html
        assert f"/dashboard/report/download?format=xlsx&amp;{query.replace('&', '&amp;')}" in html

        async with session.get(f"{base}/dashboard/report/download?format=xlsx&{query}") as got:
            assert got.headers["Content-Disposition"] == (
                f'attachment; filename="report-{next_month}.xlsx"'
            )
            assert got.content_type.endswith("spreadsheetml.sheet")
            book = openpyxl.load_workbook(io.BytesIO(await got.read()))
        assert book["scenarios"]["A2"].value == "Bråk på bussen"
        async with session.get(f"{base}/dashboard/report/download?format=csv&{query}") as got:
            assert got.content_type == "text/csv"
            assert f'filename="report-{next_month}.csv"' in got.headers["Content-Disposition"]
            text = (await got.read()).decode("utf-8-sig")
        header, *rows = csv.reader(io.StringIO(text), delimiter=";")
        assert header[0] == CSV_TABLE_COLUMN and rows
        download = f"{base}/dashboard/report/download"
        async with session.get(f"{download}?format=dictionary&{query}") as got:
            assert (
                f'filename="report-{next_month}.dictionary.csv"'
                in (got.headers["Content-Disposition"])
            )
            assert got.content_type == "text/csv" and b";" in await got.read()
        async with session.get(f"{base}/dashboard/report/download?format=json&{query}") as got:
            assert got.content_type == "application/json" and (await got.json())["title"]


async def test_report_filters_that_cannot_be_met_are_said_kindly(
    web_bot: Runtime, fake_bot_api: FakeBotApi, next_month: str
) -> None:
    base = origin(web_bot)
    async with await logged_in_evaluator(web_bot, fake_bot_api) as session:
        status, html = await get(session, f"{base}/dashboard/report?period=2999-01")
        assert status == 200 and "2999-01 är inte avslutad än" in html
        status, html = await get(session, f"{base}/dashboard/report?period={next_month}&class=77")
        assert "Klass 77 har inga svar den månaden" in html and "<table><caption>" not in html
        status, html = await get(session, f"{base}/dashboard/report?class=7B")
        assert status == 400 and "Skriv klassens nummer med siffror" in html
        status, _ = await get(session, f"{base}/dashboard/report/download?format=exe")
        assert status == 400
        status, html = await get(session, f"{base}/dashboard/classes")
        assert status == 403 and "Det här får du inte göra" in html, "classes are not theirs"
