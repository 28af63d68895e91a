"""Evaluators get the report in Telegram and on the server; small groups stay hidden."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from botharness import ADMIN_ID, build_bot, open_scenario, running
from fakebotapi import FakeBotApi, FakeUser

from bot.cli.main import main
from bot.evaluation.report import Report
from bot.services import reports
from bot.telegram.runtime import Runtime
from e2e.rounds import LATER, solo_round

pytestmark = pytest.mark.both_backends  # the same behaviour on SQLite and PostgreSQL


def workbook(document: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(document))


async def evaluator(server: FakeBotApi) -> FakeUser:
    admin = server.user(user_id=ADMIN_ID)
    await admin.send("/invite evaluator Utvärderingsteamet")
    payload = re.search(r"start=([\w-]+)", admin.last.text).group(1)
    user = server.user()
    await user.send(f"/start {payload}")
    return user


async def students_play(server: FakeBotApi, count: int) -> None:
    async def one() -> None:
        student = server.user()
        await student.send("/start")
        await student.click("16–17 år")
        await student.click("Spela och spara mina svar")
        await open_scenario(student)
        await student.click("Fråga Yusuf när bussen går")

    await asyncio.gather(*(one() for _ in range(count)))


@pytest.fixture(autouse=True)
def next_month(monkeypatch: pytest.MonkeyPatch) -> date:
    """Reports cover closed months: the tests read this month's answers from the next."""
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(reports, "_today", lambda: first)
    return first


async def test_an_evaluator_gets_summary_charts_and_files(bot: Runtime, fake_bot_api) -> None:
    await students_play(fake_bot_api, 6)
    user = await evaluator(fake_bot_api)
    await user.send("/report")
    documents = {m.document_name: m.document for m in user.messages if m.document}
    html_name = next(n for n in documents if n.endswith(".html"))
    assert not any(n.endswith(".csv") for n in documents), "the workbook replaces the CSV"
    html = documents[html_name].decode()
    assert "<table" in html and "Bråk på bussen" in html and 'lang="sv"' in html
    book = workbook(documents[next(n for n in documents if n.endswith(".xlsx"))])
    assert book["scenarios"]["A2"].value == "Bråk på bussen"
    assert book.sheetnames[-1] == "dictionary"
    await user.send("/report no-such-scenario")
    assert "Jag förstår inte ”no-such-scenario”" in user.last.text
    await user.send(f"/report {date.today():%Y-%m}")
    assert "inte avslutad än" not in user.last.text
    await user.send("/report 2999-01")
    assert "2999-01 är inte avslutad än" in user.last.text


async def test_a_long_summary_comes_whole_in_several_messages(
    bot: Runtime, fake_bot_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every item and comparison adds a finding: many of them pass Telegram's 4096
    characters, which the (fake) Bot API refuses in one message."""
    build = reports.build_report

    def long_summary(*args, **kwargs) -> Report:
        report = build(*args, **kwargs)
        lines = tuple(f"Fynd {n}: " + "förändrades " * 30 for n in range(40))
        return dataclasses.replace(report, summary=lines)

    monkeypatch.setattr(reports, "build_report", long_summary)
    await students_play(fake_bot_api, 6)
    user = await evaluator(fake_bot_api)
    await user.send("/report")
    texts = [m.text for m in user.messages if m.text and m.text.startswith("Fynd ")]
    assert len(texts) > 1 and all(len(text) <= 4096 for text in texts)
    assert [line.split(":")[0] for t in texts for line in t.split("\n")] == [
        f"Fynd {n}" for n in range(40)
    ]
    assert any(name.endswith(".xlsx") for name in (m.document_name or "" for m in user.messages))


async def test_a_report_of_a_period_never_changes(bot: Runtime, fake_bot_api) -> None:
    """Numbers released once: played later, or deleted later, they stay as they were."""
    await students_play(fake_bot_api, 5)
    leaving = fake_bot_api.user()
    await leaving.send("/start")
    await leaving.click("16–17 år")
    await leaving.click("Spela och spara mina svar")
    await open_scenario(leaving)
    await leaving.click("De brukar hålla på så – det är deras grej")
    user = await evaluator(fake_bot_api)

    async def numbers() -> list[tuple]:
        await user.send("/report bus-fight")
        document = next(
            m for m in reversed(user.messages) if (m.document_name or "").endswith(".xlsx")
        ).document
        return [row for sheet in workbook(document) for row in sheet.iter_rows(values_only=True)]

    before = await numbers()
    scenario = next(row for row in before if row[0] == "Bråk på bussen")
    assert scenario[1:3] == (6, None), "six participants, shown (no reason to be empty)"
    await students_play(fake_bot_api, 5)
    await leaving.send("/delete")
    await leaving.click("Ja, radera allt")
    assert await numbers() == before, "comparing before and after tells nothing about anyone"


async def test_telegram_report_takes_no_k_from_the_evaluator(bot: Runtime, fake_bot_api) -> None:
    await students_play(fake_bot_api, 4)
    user = await evaluator(fake_bot_api)
    for words in ("bus-fight", "bus-fight 3", "bus-fight --min-group 3", "k=1 bus-fight"):
        await user.send(f"/report {words}")
    documents = [m.document for m in user.messages if m.document]
    assert len(documents) == 2, "only /report bus-fight gives files"
    book = workbook(documents[1])
    scenarios = list(book["scenarios"].iter_rows(min_row=2, values_only=True))
    hidden = (None, "hidden_k")
    assert scenarios == [("Bråk på bussen", *hidden * 4)]
    assert 4 not in {v for s in book for row in s.iter_rows(values_only=True) for v in row}, (
        "four students stay hidden"
    )


async def test_others_cannot_get_the_report(bot: Runtime, fake_bot_api) -> None:
    student = fake_bot_api.user()
    await student.send("/report")
    assert "känner jag inte igen" in student.last.text
    assert not any(m.document for m in student.messages)


def test_the_server_report_suppresses_small_groups(bot_env, tmp_path, monkeypatch, capsys):
    async def seed(count: int) -> None:
        async with FakeBotApi() as server:
            env = {
                **bot_env,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_BASE_URL": server.base_url,
            }
            async with running(build_bot(env), server):
                await students_play(server, count)

    asyncio.run(seed(4))
    for name in ("BYSTANDER_DATA_DIR", "BYSTANDER_KEY_DIR", "BYSTANDER_DATABASE_URL"):
        if name in bot_env:
            monkeypatch.setenv(name, bot_env[name])
    monkeypatch.setenv("BYSTANDER_MIN_GROUP", "3")
    out = tmp_path / "report.json"
    assert main(["report", "--format", "json", "--out", str(out)]) == 0
    assert '"value":4' in out.read_text(encoding="utf-8"), "with K = 3, four students are shown"
    capsys.readouterr()
    assert main(["report", "--format", "json", "--min-group", "5"]) == 0
    shown = capsys.readouterr().out
    assert "färre än 5" in shown and '"value":4' not in shown, "--min-group can raise K"
    assert main(["report", "--min-group", "2"]) == 1
    assert "below K = 3" in capsys.readouterr().err
    monkeypatch.setenv("BYSTANDER_MIN_GROUP", "5")
    assert main(["report", "--format", "json"]) == 0
    assert '"value":4' not in capsys.readouterr().out, "a larger K hides more of a release"
    assert main(["report", "--format", "json", "--min-group", "3"]) == 1, "K is 5: no lower"
    assert "--min-group 3 is below K = 5" in capsys.readouterr().err
    assert main(["report", "--scenario", "nope"]) == 1
    assert main(["report", "--period", "2026-13"]) == 1
    assert "not a month" in capsys.readouterr().err


async def test_the_report_of_the_reminders_month_says_what_people_did_at_follow_up(
    bot: Runtime, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five solo rounds whose reminders come next month: that month's report counts who
    had an opportunity and what they did, in people, and hides what fewer than K did."""
    people = [fake_bot_api.user() for _ in range(5)]

    for user in people:  # one at a time: each waits for the bot to settle
        await solo_round(user, before=3, after=4)
        await user.click("Ja, påminn mig om 30 dagar")
    assert await bot.send_reminders(LATER) == len(people)

    helped, spoke = (
        "Jag tog hjälp: en vuxen, en kompis eller 112",
        "Jag sa ifrån till den som gjorde det",
    )
    for n, user in enumerate(people):
        await user.click("Ja")
        for tick in (helped, spoke) if n < 2 else (helped,):
            await user.click(tick)
        await user.click("Klar")
    after = (LATER.replace(day=1) + timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(reports, "_today", lambda: after)
    user = await evaluator(fake_bot_api)
    await user.send(f"/report {LATER:%Y-%m}")
    documents = {m.document_name: m.document for m in user.messages if m.document}
    html = next(d for n, d in documents.items() if n.endswith(".html")).decode()
    assert "Vid uppföljningen: tillfälle och vad de gjorde" in html
    book = workbook(next(d for n, d in documents.items() if n.endswith(".xlsx")))
    rows = list(book["follow_up"].iter_rows(values_only=True))
    header = rows[0]
    counts = {
        (row[header.index("question")], row[header.index("answer_id")]): (
            row[header.index("answer")],
            row[header.index("respondents")],
        )
        for row in rows[1:]
    }
    assert counts["opportunity", "yes"] == ("Ja", 5)
    assert counts["acted", "delegate"] == ("Delegera – hämta hjälp", 5), "the strategy's name"
    assert counts["acted", "direct"][1] is None, "two people: hidden"
    assert counts["acted", "nothing"][1] is None
