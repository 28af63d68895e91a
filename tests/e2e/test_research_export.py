"""Researchers get the row-level export in Telegram, behind their own role: fresh ids in
every export, nothing that identifies anyone, every export logged, and a button that works
once."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from botharness import ADMIN_ID, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.services import research
from bot.telegram.runtime import Runtime

from .rounds import solo_round
from .test_forged_callbacks import OLD_BUTTON
from .test_reports import evaluator

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL

UNKNOWN = "känner jag inte igen"
PURPOSE = "Studie om åskådarbeteende, etikgodkännande 2026-01234"


@pytest.fixture(autouse=True)
def next_month(monkeypatch: pytest.MonkeyPatch) -> date:
    """Exports cover closed months: the tests read this month's answers from the next."""
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(research, "_today", lambda: first)
    return first


async def researcher(server: FakeBotApi) -> FakeUser:
    admin = server.user(user_id=ADMIN_ID)
    await admin.send("/invite researcher Anna Svensson, KI")
    payload = re.search(r"start=([\w-]+)", admin.last.text).group(1)
    user = server.user()
    await user.send(f"/start {payload}")
    assert "Välkommen som forskare (Anna Svensson, KI)" in user.last.text
    return user


async def students_answer(server: FakeBotApi, count: int) -> list[FakeUser]:
    students = [server.user() for _ in range(count)]
    for student in students:
        await solo_round(student, 2, 4)
        await student.click("Nej tack")
    return students


def last_document(user: FakeUser) -> tuple[str, bytes]:
    message = next(m for m in reversed(user.messages) if m.document)
    return message.document_name, message.document


def rows_of(document: bytes) -> list[dict]:
    sheet = list(openpyxl.load_workbook(io.BytesIO(document))["rows"].iter_rows(values_only=True))
    return [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]


async def test_a_researcher_gets_rows_that_identify_nobody(bot: Runtime, fake_bot_api) -> None:
    students = await students_answer(fake_bot_api, 5)
    user = await researcher(fake_bot_api)
    await user.send("/help")
    assert "/export SYFTE" in user.last.text
    await user.send(f"/export {PURPOSE}")
    counted = re.search(r"5 personer, (\d+) rader", user.last.text)
    assert counted and PURPOSE in user.last.text
    await user.click("Excel (.xlsx)")
    name, workbook = last_document(user)
    rows, count = rows_of(workbook), int(counted[1])
    assert name.endswith(".xlsx") and f"{count} rader, 5 personer" in user.messages[-1].caption
    assert len(rows) == count and len({r["export_person"] for r in rows}) == 5
    waves = [r["wave"] for r in rows]
    assert waves.count("T1") == waves.count("T2") == count // 2, "each answered before and after"
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        xml = "".join(book.read(part).decode() for part in book.namelist())
    cells = {str(v) for r in rows for v in r.values() if v is not None}
    for student in students:
        assert pseudonym_of(bot, student.id) not in xml, "no pseudonym"
        assert not any(str(student.id) in cell for cell in cells), "no chat id"

    await user.send(f"/export {PURPOSE}")
    await user.click("CSV (semikolon)")
    csv_name, data = user.messages[-2].document_name, user.messages[-2].document
    assert csv_name.endswith(".csv") and last_document(user)[0].endswith("-dictionary.csv")
    second = {line.split(";")[0] for line in data.decode("utf-8-sig").splitlines()[1:]}
    assert len(second) == 5 and not second & {r["export_person"] for r in rows}

    log = await bot.storage.reports.research_exports()
    assert [(e.who, e.purpose, e.fmt, e.rows, e.people) for e in log] == [
        ("Anna Svensson, KI", PURPOSE, "xlsx", count, 5),
        ("Anna Svensson, KI", PURPOSE, "csv", count, 5),
    ]
    assert log[0].sha256 == hashlib.sha256(workbook).hexdigest()
    assert log[1].sha256 == hashlib.sha256(data).hexdigest()


async def test_an_export_button_works_once(bot: Runtime, fake_bot_api) -> None:
    await students_answer(fake_bot_api, 5)
    user = await researcher(fake_bot_api)
    await user.send(f"/export {PURPOSE}")
    confirmation, ((_, csv),) = user.last.id, user.last.callback_data
    await user.click("Excel (.xlsx)")
    assert not user.message(confirmation).buttons, "the buttons go once used"
    documents = sum(1 for m in user.messages if m.document)
    await user.click_data(csv, message_id=confirmation)  # kept from before, or forged
    assert user.alerts[-1].startswith(OLD_BUTTON)
    assert sum(1 for m in user.messages if m.document) == documents
    assert len(await bot.storage.reports.research_exports()) == 1


async def test_only_a_researcher_exports(bot: Runtime, fake_bot_api) -> None:
    await students_answer(fake_bot_api, 5)
    student, judge = fake_bot_api.user(), await evaluator(fake_bot_api)
    for someone in (student, judge):
        await someone.send(f"/export {PURPOSE}")
        assert UNKNOWN in someone.last.text
    user = await researcher(fake_bot_api)
    await user.send("/report")
    assert UNKNOWN in user.last.text, "a researcher gets no report by that role"
    await user.send(f"/export {PURPOSE}")
    (excel, _), *_ = user.last.callback_data
    # The researcher's own button, forged by others, and made-up numbers: old buttons.
    for someone, data in ((student, excel), (judge, excel), (user, "rx:999:xlsx"),
                          (user, excel.replace("xlsx", "pdf"))):  # fmt: skip
        alerts = len(someone.alerts)
        await someone.click_data(data, message_id=someone.messages[0].id)
        assert someone.alerts[alerts:] and someone.alerts[-1].startswith(OLD_BUTTON), data
    assert not any(m.document for m in [*student.messages, *judge.messages, *user.messages])
    assert [e.made_on for e in await bot.storage.reports.research_exports()] == [None]


async def test_an_export_is_refused_kindly(bot: Runtime, fake_bot_api) -> None:
    await students_answer(fake_bot_api, 4)
    user = await researcher(fake_bot_api)
    await user.send("/export")
    assert "Skriv vad datan ska användas till" in user.last.text
    await user.send("/export 2026-10")
    assert "Skriv vad datan ska användas till" in user.last.text
    await user.send(f"/export 2999-01 {PURPOSE}")
    assert "bara avslutade månader" in user.last.text
    await user.send("/export 2026-13 Studie")
    assert "bara avslutade månader" in user.last.text
    for purpose in (PURPOSE, "3 klasser i Tumba"):  # a number first is no month
        await user.send(f"/export {purpose}")
        assert "färre än 5 personer" in user.last.text
    assert await bot.storage.reports.research_exports() == [], "nothing asked, nothing logged"
