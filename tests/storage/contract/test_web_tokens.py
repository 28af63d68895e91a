"""The WebStore contract (bot.storage.ports): the tokens of the web pages – projector links,
one-time login links and sessions – kept under the digest of their secret, expiring by the
store's clock, taken once, revoked by lesson or by holder, and gone with their lesson, their
class and their holder's data."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime, timedelta

import pytest

from bot.storage.ports import Storage
from bot.storage.records import (
    LAUNCH,
    LOGIN,
    MENTOR,
    PROJECTOR,
    ROOM,
    SESSION,
    YOUTH_WORKER,
    WebToken,
    retention_cutoff,
)

from .conftest import Clock, Rows
from .lessons import HOURS, new_class
from .test_roles import grant, leading

ROUNDS = 10


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def session(holder: str, expires_at: datetime) -> WebToken:
    return WebToken(SESSION, holder, expires_at, language="sv")


def link(holder: str, lesson_id: int, expires_at: datetime) -> WebToken:
    return WebToken(PROJECTOR, holder, expires_at, lesson_id, "en")


async def room_lesson(storage: Storage, class_id: int, leader: str = "worker") -> int:
    ends_at = storage.lessons.now() + HOURS
    lesson = await storage.lessons.start_lesson(class_id, leader, ROOM, "s", ends_at, None)
    return lesson.id


async def web_rows(rows: Rows) -> int:
    return len((await rows.everything())["web_tokens"])


async def test_a_token_is_read_back_as_saved_under_its_digest(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    lesson_id = await room_lesson(storage, await new_class(storage, "8B"))
    saved = {
        "session": session("worker", clock.now + timedelta(hours=8)),
        "login": WebToken(LOGIN, "worker", clock.now + timedelta(minutes=10), language="en"),
        "projector": link("worker", lesson_id, clock.now + HOURS),
    }
    for secret, token in saved.items():
        await storage.web.save_token(digest(secret), token)

    for secret, token in saved.items():
        assert await storage.web.token(digest(secret)) == token
    assert await storage.web.token(digest("never given")) is None
    assert (await rows.holding("worker"))["web_tokens"] == 3
    with pytest.raises(ValueError, match="32 bytes"):
        await storage.web.save_token(b"short", saved["session"])


async def test_times_are_kept_to_the_second_in_utc(storage: Storage, clock: Clock) -> None:
    later = clock.now + timedelta(hours=1, microseconds=654321)
    await storage.web.save_token(digest("s"), session("worker", later))

    kept = await storage.web.token(digest("s"))

    assert kept.expires_at == later.replace(microsecond=0)
    assert kept.expires_at.utcoffset() == timedelta(0)


async def test_a_token_expires_by_the_store_s_clock(storage: Storage, clock: Clock) -> None:
    await storage.web.save_token(digest("s"), session("worker", clock.now + HOURS))

    clock.now += HOURS - timedelta(seconds=1)
    assert await storage.web.token(digest("s")) is not None
    clock.now += timedelta(seconds=1)
    assert await storage.web.token(digest("s")) is None, "gone at the moment it expires"
    assert await storage.web.take_token(digest("s")) is None, "nor can it be taken"


async def test_expired_tokens_are_forgotten_on_the_next_save(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    await storage.web.save_token(digest("old"), session("worker", clock.now + HOURS))
    await storage.web.save_token(digest("older"), session("other", clock.now + timedelta(hours=1)))
    await storage.web.save_token(digest("lasting"), session("worker", clock.now + 4 * HOURS))
    clock.now += 2 * HOURS
    assert await web_rows(rows) == 3, "kept until a save"

    await storage.web.save_token(digest("new"), session("worker", clock.now + HOURS))

    assert await web_rows(rows) == 2
    assert await storage.web.token(digest("lasting")) is not None
    assert await storage.web.token(digest("new")) is not None


async def test_a_one_time_token_is_taken_once(storage: Storage, clock: Clock) -> None:
    login = WebToken(LOGIN, "worker", clock.now + timedelta(minutes=10), language="sv")
    await storage.web.save_token(digest("login"), login)

    assert await storage.web.take_token(digest("login")) == login
    assert await storage.web.take_token(digest("login")) is None
    assert await storage.web.token(digest("login")) is None


@pytest.fixture(params=["one process", "two processes"])
def other_taker(request, storage: Storage) -> Storage:
    """Who takes at the same time as `storage`: itself, or a second process."""
    return storage if request.param == "one process" else request.getfixturevalue("second_process")


async def test_two_takes_at_once_get_the_token_once(
    storage: Storage, other_taker: Storage, clock: Clock
) -> None:
    for round_ in range(ROUNDS):
        secret = digest(f"login-{round_}")
        login = WebToken(LOGIN, "worker", clock.now + timedelta(minutes=10), language="sv")
        await storage.web.save_token(secret, login)

        taken = await asyncio.gather(
            storage.web.take_token(secret), other_taker.web.take_token(secret)
        )

        assert sorted(taken, key=lambda token: token is None) == [login, None]


async def test_a_launch_is_used_once_until_it_expires(storage: Storage, clock: Clock) -> None:
    launch = WebToken(LAUNCH, "worker", clock.now + timedelta(minutes=5))

    assert await storage.web.first_use(digest("launch"), launch)
    assert not await storage.web.first_use(digest("launch"), launch)
    assert await storage.web.first_use(digest("another launch"), launch)
    clock.now += timedelta(minutes=5)
    later = WebToken(LAUNCH, "worker", clock.now + timedelta(minutes=5))
    assert await storage.web.first_use(digest("launch"), later), "forgotten once expired"


async def test_two_uses_of_a_launch_at_once_get_one_first(
    storage: Storage, other_taker: Storage, clock: Clock
) -> None:
    for round_ in range(ROUNDS):
        secret = digest(f"launch-{round_}")
        launch = WebToken(LAUNCH, "worker", clock.now + timedelta(minutes=5))

        first = await asyncio.gather(
            storage.web.first_use(secret, launch), other_taker.web.first_use(secret, launch)
        )

        assert sorted(first) == [False, True]


async def test_revoking_a_lesson_s_links_leaves_other_lessons_and_sessions(
    storage: Storage, clock: Clock
) -> None:
    shown, other = [await room_lesson(storage, await new_class(storage, n)) for n in ("8B", "9C")]
    later = clock.now + HOURS
    for n in range(2):
        await storage.web.save_token(digest(f"shown-{n}"), link("worker", shown, later))
    await storage.web.save_token(digest("other"), link("worker", other, later))
    await storage.web.save_token(digest("session"), session("worker", later))

    assert await storage.web.revoke_lesson_links(shown) == 2

    assert await storage.web.token(digest("shown-0")) is None
    assert await storage.web.token(digest("shown-1")) is None
    assert await storage.web.token(digest("other")) is not None
    assert await storage.web.token(digest("session")) is not None
    assert await storage.web.revoke_lesson_links(shown) == 0


async def test_a_deleted_token_opens_nothing(storage: Storage, clock: Clock) -> None:
    await storage.web.save_token(digest("s"), session("worker", clock.now + HOURS))
    await storage.web.save_token(digest("t"), session("worker", clock.now + HOURS))

    await storage.web.delete_token(digest("s"))
    await storage.web.delete_token(digest("never given"))

    assert await storage.web.token(digest("s")) is None
    assert await storage.web.token(digest("t")) is not None


async def test_deleted_people_and_their_lessons_leave_no_tokens(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    await grant(storage, "colleague", YOUTH_WORKER)
    own = await room_lesson(storage, await new_class(storage, "8B"))
    mentored, _ = await leading(storage, "pupil", "worker", -100)
    later = clock.now + HOURS
    await storage.web.save_token(digest("worker's session"), session("worker", later))
    await storage.web.save_token(digest("worker's link"), link("worker", own, later))
    await storage.web.save_token(digest("pupil's link"), link("pupil", mentored.id, later))
    await storage.web.save_token(digest("colleague's"), session("colleague", later))
    colleague = await room_lesson(storage, await new_class(storage, "9C", "colleague"))
    # the worker shows the colleague's lesson too: the link goes with the worker
    await storage.web.save_token(digest("worker's other"), link("worker", colleague, later))

    assert await storage.players.delete_user("pupil") > 0
    assert await rows.holding("pupil") == {}
    assert await web_rows(rows) == 4

    assert await storage.players.delete_user("worker") > 0
    assert await rows.holding("worker") == {}
    assert await web_rows(rows) == 1
    assert await storage.web.token(digest("colleague's")) is not None


async def test_a_link_goes_with_its_lesson_whoever_holds_it(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    await grant(storage, "worker", YOUTH_WORKER)
    await grant(storage, "pupil", MENTOR, invited_by="worker")
    lesson, _ = await leading(storage, "pupil", "worker", -100)
    await storage.web.save_token(digest("link"), link("worker", lesson.id, clock.now + HOURS))

    await storage.players.delete_user("pupil")  # the lessons they led go

    assert await storage.lessons.get_lesson(lesson.id) is None
    assert await storage.web.token(digest("link")) is None
    assert await web_rows(rows) == 0


async def test_an_ended_class_removed_by_retention_takes_its_links(
    storage: Storage, clock: Clock, rows: Rows
) -> None:
    clock.day = date(2024, 1, 10)
    ended = await storage.staff.create_class("worker", "7A", "code-7A", date(2024, 6, 1))
    kept = await storage.staff.create_class("worker", "8B", "code-8B", date(2030, 6, 1))
    far = clock.now + timedelta(days=5 * 365)  # not what removes it
    for record in (ended, kept):
        lesson_id = await room_lesson(storage, record.id)
        await storage.web.save_token(digest(record.name), link("worker", lesson_id, far))
    today = date(2026, 1, 15)
    clock.day = today

    await storage.retention.purge(retention_cutoff(today, 12), dry_run=False)

    assert await storage.staff.get_class(ended.id) is None
    assert await storage.web.token(digest("7A")) is None
    assert await storage.web.token(digest("8B")) is not None
    assert await web_rows(rows) == 1


@pytest.mark.parametrize(
    ("kind", "lesson_id", "expires_at", "said"),
    [
        ("cookie", None, datetime(2030, 1, 1).astimezone(), "unknown web token kind"),
        (PROJECTOR, None, datetime(2030, 1, 1).astimezone(), "needs its lesson"),
        (SESSION, 3, datetime(2030, 1, 1).astimezone(), "needs its lesson"),
        (SESSION, None, datetime(2030, 1, 1), "aware"),
    ],
)
def test_a_token_that_cannot_be_is_refused(
    kind: str, lesson_id: int | None, expires_at: datetime, said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        WebToken(kind, "worker", expires_at, lesson_id)
