"""What a curious insider, a leaked link or another site can and cannot do with the web
pages: each attempt is refused kindly and changes nothing."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from botharness import ADMIN_ID, build_bot, running
from e2e.classroom import (
    lesson_in_the_room,
    lesson_on_phones,
    link_payload,
    projector_link,
    youth_worker,
)
from e2e.test_group_play import class_group, start_lesson, vote
from e2e.test_mentors import mentor_of
from fakebotapi import FakeBotApi, FakeUser

from bot.services.projector import STREAMS_PER_LINK
from bot.telegram.runtime import Runtime
from bot.web import projector as projector_web
from bot.web.sessions import COOKIE, MAX_FORM_BYTES
from web.initdata import launch_fields, sign_init_data

from .test_projector import fetch


def origin(runtime: Runtime) -> str:
    return runtime.config.http.public_url


def browser(runtime: Runtime) -> aiohttp.ClientSession:
    # A browser sends a Secure cookie to http://localhost too: aiohttp is told to.
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[origin(runtime)])
    return aiohttp.ClientSession(cookie_jar=jar)


async def mini_app_login(session: aiohttp.ClientSession, base: str, launch: str) -> int:
    async with session.post(
        f"{base}/app/login", data={"init_data": launch}, headers={"Origin": base}
    ) as answer:
        return answer.status


async def logged_in(runtime: Runtime, server: FakeBotApi, user: FakeUser) -> aiohttp.ClientSession:
    """A browser session of this person, logged in through the Mini App."""
    session = browser(runtime)
    launch = sign_init_data(launch_fields(user.id, int(time.time())), server.token)
    assert await mini_app_login(session, origin(runtime), launch) == 204
    return session


async def test_links_and_cookies_are_not_interchangeable(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await lesson_in_the_room(fake_bot_api)
    link = await projector_link(worker)
    token = link.rsplit("/", 1)[1]
    base = origin(web_bot)
    assert (await fetch(link))[0] == 200
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x", "x" * 66, "%00"):
        status, html, headers = await fetch(f"{base}/p/{forged}")
        assert status == 404 and "Länken fungerar inte" in html
        assert "default-src 'none'" in headers["Content-Security-Policy"], "errors carry it too"
    async with aiohttp.ClientSession() as browser:
        async with browser.get(
            f"{base}/dashboard", headers={"Cookie": f"__Host-bystander={token}"}
        ) as page:
            assert page.status == 401, "a projector link is no session"
        async with browser.post(f"{base}/login/{token}", headers={"Origin": base}) as page:
            assert page.status == 404, "nor a login link"
        async with browser.get(f"{base}/static/..%2f..%2fconfig.py") as page:
            assert page.status == 404


async def test_forms_from_elsewhere_or_without_their_field_are_refused(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    session = await logged_in(web_bot, fake_bot_api, worker)
    async with session:
        async with session.get(f"{base}/dashboard") as page:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
        for headers, data in (
            ({"Origin": "https://evil.example"}, {"csrf": csrf}),
            ({"Origin": base}, {}),
            ({"Origin": base}, {"csrf": csrf[:-1] + "x"}),
        ):
            async with session.post(f"{base}/logout", headers=headers, data=data) as answer:
                assert answer.status == 403 and "Det gick inte" in await answer.text()
        async with session.get(f"{base}/dashboard") as page:
            assert page.status == 200, "still logged in: nothing was done"
        async with session.post(
            f"{base}/logout", headers={"Origin": base}, data={"csrf": "x" * 20_000}
        ) as answer:
            assert answer.status == 413
        launch = sign_init_data(launch_fields(worker.id, int(time.time())), fake_bot_api.token)
        async with session.post(
            f"{base}/app/login",
            data={"init_data": launch},
            headers={"Origin": "https://evil.example"},
        ) as answer:
            assert answer.status == 403, "a login posted from another site"


async def test_a_revoked_youth_workers_link_and_session_stop_at_once(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await lesson_in_the_room(fake_bot_api)
    link = await projector_link(worker)
    session = await logged_in(web_bot, fake_bot_api, worker)
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/roles")
    await admin.click("Återkalla: Tumba fritidsgård")
    async with session, session.get(f"{origin(web_bot)}/dashboard") as page:
        assert page.status == 401 and "Du är inte inloggad" in await page.text()
    status, _html, _ = await fetch(link)
    assert status == 404, "the class is closed and its leader no longer one"


async def test_a_mentor_gets_no_link_to_the_students_own_answers(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker, _ = await lesson_on_phones(fake_bot_api)
    mentor = await mentor_of(fake_bot_api, worker)
    await worker.send("/class")
    [data] = [d for row in worker.last.callback_data for d in row if d and d.startswith("pj:")]
    await mentor.click_data(data)  # the youth worker's button, replayed by their mentor
    assert "/p/" not in mentor.last.text
    assert "bara till för klassens ungdomsledare" in mentor.last.text


async def test_a_mentor_leading_in_the_room_puts_it_on_the_screen(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    await worker.send("/newclass åk 6 Alby")
    await worker.click("⬜ Bråk på bussen")
    mentor = await mentor_of(fake_bot_api, worker)
    await mentor.send("/facilitate")
    await mentor.click("åk 6 Alby")
    await mentor.click("Bråk på bussen")
    await mentor.click("🖥 Projektorsida")
    link = re.search(r"(http://\S+/p/\S+)", mentor.last.text).group(1)
    _, html, _ = await fetch(link)
    assert "Räck upp handen" in html and "åk 6 Alby" in html


async def test_one_link_feeds_a_few_screens_not_a_crowd(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await lesson_in_the_room(fake_bot_api)
    link = await projector_link(worker)
    async with aiohttp.ClientSession() as browser:
        streams = [await browser.get(f"{link}/events") for _ in range(STREAMS_PER_LINK)]
        try:
            for stream in streams:
                assert stream.status == 200
                assert stream.headers["Content-Type"].startswith("text/event-stream")
                assert stream.headers["X-Accel-Buffering"] == "no"
                first = await stream.content.readuntil(b"\n\n")
                assert first.startswith(b"event: update\ndata: ")
            # The classroom's screen reconnecting always gets in: the oldest stream ends.
            async with browser.get(f"{link}/events") as screen:
                assert screen.status == 200
                first = await screen.content.readuntil(b"\n\n")
                assert first.startswith(b"event: update\ndata: ")
                ended = await asyncio.wait_for(streams[0].content.readuntil(b"\n\n"), 10)
                assert ended.startswith(b"event: replaced\n")
                assert await asyncio.wait_for(streams[0].content.read(), 10) == b""
                for kept in streams[1:]:
                    assert not kept.content.at_eof()
        finally:
            for stream in streams:
                stream.close()
    await worker.send("/endlesson")
    async with aiohttp.ClientSession() as browser, browser.get(f"{link}/events") as stream:
        closed = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 10)
        assert closed.startswith(b"event: closed\n") and "Lektionen är slut" in closed.decode()


async def test_a_group_lesson_on_the_screen(web_bot: Runtime, fake_bot_api: FakeBotApi) -> None:
    worker = await youth_worker(fake_bot_api)
    group, pupils = await class_group(fake_bot_api, worker)
    await start_lesson(worker, group)
    link = await projector_link(worker)
    _status, html, _ = await fetch(link)
    assert "Rösta i klassens grupp i Telegram. Omröstningen är anonym" in html
    assert "Distrahera" not in html
    await vote(group, pupils, [7, 3, 2])
    await worker.click_in(group, "⏹ Stäng omröstningen")
    _, html, _ = await fetch(link)
    assert "12 har röstat" in html
    assert "7 (58 %)" in html and "Distrahera" in html


@pytest.mark.parametrize("command", ["/dashboard", "/class"])
async def test_without_a_public_address_staff_are_told_why(
    bot_env: dict[str, str], fake_bot_api: FakeBotApi, command: str
) -> None:
    runtime = build_bot(bot_env)
    async with running(runtime, fake_bot_api):
        worker = await youth_worker(fake_bot_api)
        await worker.send("/newclass gy 2 Tumba")
        await worker.send(command)
        if command == "/class":
            await worker.click("🖥 Projektorsida")
        assert "BYSTANDER_PUBLIC_URL" in worker.last.text and "IT" in worker.last.text
    assert runtime.http is None, "no web pages, no HTTP server"


async def test_a_class_name_is_text_on_the_screen_never_markup(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    name = 'gy 2 <img src=x onerror="alert(1)">'
    worker, _ = await lesson_on_phones(fake_bot_api, name)
    _, html, _ = await fetch(await projector_link(worker))
    assert "<img src=x" not in html
    assert "gy 2 &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


async def test_an_english_speaking_youth_workers_screen_is_in_english(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    admin = fake_bot_api.user(user_id=ADMIN_ID, language_code="sv")
    await admin.send("/invite youth_worker Alby")
    worker = fake_bot_api.user(language_code="en")
    await worker.send(f"/start {link_payload(admin.last.text)}")
    await worker.send("/newclass Year 9 Alby")
    await worker.click("⬜ Trouble on the bus")
    await worker.send("/lesson")
    await worker.click("Year 9 Alby")
    await worker.click("🙋 I lead in the room (show of hands)")
    await worker.click("Trouble on the bus")
    await worker.send("/class")
    await worker.click("🖥 Projector page")
    link = re.search(r"(http://\S+/p/\S+)", worker.last.text).group(1)
    _, html, _ = await fetch(link)
    assert '<html lang="en" dir="ltr">' in html
    assert "Raise your hand for what you would do." in html


def cookie_of(session: aiohttp.ClientSession) -> str:
    return next(c.value for c in session.cookie_jar if c.key == COOKIE)


async def csrf(session: aiohttp.ClientSession, base: str) -> str:
    async with session.get(f"{base}/dashboard") as page:
        html = await page.text()
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def test_a_new_login_ends_the_browsers_earlier_session(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    async with await logged_in(web_bot, fake_bot_api, worker) as session:
        earlier = cookie_of(session)
        # Telegram's launch data of the app opened again: signed a moment later.
        launch = sign_init_data(launch_fields(worker.id, int(time.time()) - 1), fake_bot_api.token)
        assert await mini_app_login(session, base, launch) == 204
        assert cookie_of(session) != earlier
    async with (
        aiohttp.ClientSession() as other,
        other.get(f"{base}/dashboard", headers={"Cookie": f"{COOKIE}={earlier}"}) as page,
    ):
        assert page.status == 401


async def chunks(size: int) -> AsyncIterator[bytes]:
    yield b"csrf="
    for _ in range(size // 1024):
        yield b"x" * 1024


async def test_a_chunked_form_beyond_the_limit_is_refused_unread(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    async with await logged_in(web_bot, fake_bot_api, worker) as session:
        async with session.post(
            f"{base}/logout",
            data=chunks(8 * MAX_FORM_BYTES),
            headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
        ) as answer:
            assert answer.status == 413
        async with session.get(f"{base}/dashboard") as page:
            assert page.status == 200  # the refused logout changed nothing


async def test_launch_data_once_used_opens_no_second_session(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    launch = sign_init_data(launch_fields(worker.id, int(time.time())), fake_bot_api.token)
    async with browser(web_bot) as first:
        assert await mini_app_login(first, base, launch) == 204
        async with first.post(
            f"{base}/logout", data={"csrf": await csrf(first, base)}, headers={"Origin": base}
        ) as answer:
            assert answer.status == 200
    async with browser(web_bot) as replayer:  # whoever copied the launch data
        assert await mini_app_login(replayer, base, launch) == 403


async def test_one_launch_posted_twice_at_once_opens_one_session(
    web_bot: Runtime, fake_bot_api: FakeBotApi
) -> None:
    worker = await youth_worker(fake_bot_api)
    base = origin(web_bot)
    launch = sign_init_data(launch_fields(worker.id, int(time.time())), fake_bot_api.token)
    async with browser(web_bot) as one, browser(web_bot) as other:
        answers = await asyncio.gather(
            mini_app_login(one, base, launch), mini_app_login(other, base, launch)
        )
    assert sorted(answers) == [204, 403]


async def test_a_failing_stream_ends_cleanly_without_an_error_page_inside(
    web_bot: Runtime, fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker, _ = await lesson_on_phones(fake_bot_api)
    link = await projector_link(worker)

    def broken(link: str) -> str:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(projector_web, "qr_svg", broken)
    async with aiohttp.ClientSession() as browser, browser.get(f"{link}/events") as stream:
        assert stream.status == 200
        body = await asyncio.wait_for(stream.content.read(), 10)  # to its end
    assert b"HTTP/1.1" not in body and b"<!doctype" not in body
