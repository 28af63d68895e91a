"""The projector page over HTTP: the link from /class, what it shows, its end."""

from __future__ import annotations

import aiohttp
import pytest
from e2e.classroom import lesson_on_phones, projector_link
from fakebotapi import FakeBotApi

from bot.telegram.runtime import Runtime

pytestmark = pytest.mark.both_backends  # links and releases the same on SQLite and PostgreSQL


async def fetch(url: str) -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_a_lesson_on_phones_on_the_projector(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker, _ = await lesson_on_phones(fake_bot_api, "åk 9 Tumba")
    link = await projector_link(worker)
    assert "15 eller yngre får inga svar sparade" in worker.last.text, "åk 9: nothing to show"

    status, html, headers = await fetch(link)
    assert status == 200
    assert "åk 9 Tumba" in html and "Bråk på bussen" in html
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Gå med i klassen" in html and "<svg" in html
    assert "Visas när minst 5 har svarat" in html

    await worker.click("⏹ Stoppa länken")
    status, html, _ = await fetch(link)
    assert status == 404 and "Länken fungerar inte" in html
