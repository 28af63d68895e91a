"""Three workers behind a reverse proxy share one PostgreSQL (issue: several workers).

Each worker is a whole bot (its own PTB Application, HTTP server, connection pool and
connection for taking turns) in webhook mode; the fake Telegram posts updates over several
connections at once, each post to the next worker in turn, as a reverse proxy spreads
them. So one person's consecutive taps reach different workers, and a double tap reaches
two workers at the same moment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from botharness import bot_idle, build_bot, pseudonym_of
from fakebotapi import FakeBotApi, FakeUser

from bot.storage.errors import DatabaseInUse
from bot.storage.postgres.coordination import JOB_SETTING
from bot.telegram.runtime import Runtime
from e2e.rounds import LATER, solo_round
from e2e.test_playing import join
from e2e.test_webhook import WEBHOOK_URL

WORKERS = 3
PEOPLE = 9
CHOICES = ("Fråga Yusuf när bussen går", "Gå fram och säg till chauffören", "Sätt dig hos honom")
OLD_BUTTON = "Den knappen är gammal"


@pytest.fixture
def workers_env(bot_env: dict[str, str], postgres_url: str) -> dict[str, str]:
    return {
        **bot_env,
        "BYSTANDER_DATABASE_URL": postgres_url,
        "BYSTANDER_WEBHOOK_URL": WEBHOOK_URL,
        "BYSTANDER_HTTP_PORT": "0",
    }


@asynccontextmanager
async def workers(env: dict[str, str], server: FakeBotApi) -> AsyncIterator[list[Runtime]]:
    async with AsyncExitStack() as stack:
        runtimes = [build_bot(env) for _ in range(WORKERS)]
        for runtime in runtimes:
            await stack.enter_async_context(runtime.running())
            for job in runtime.app.job_queue.jobs():  # the tests run the jobs themselves
                job.schedule_removal()
        server.webhook_origins = [f"http://127.0.0.1:{r.http.server.port}" for r in runtimes]
        server.use_webhook_connections(8)
        server.idle_probe = lambda: all(bot_idle(r) for r in runtimes)
        try:
            yield runtimes
        finally:
            server.idle_probe = None


def handled(runtimes: list[Runtime]) -> list[int]:
    return [r.app.update_processor.handled for r in runtimes]


async def start_bus_fight(user: FakeUser) -> None:
    await join(user)
    await user.click("Bråk på bussen")
    await user.click("Starta")
    if "Hoppa över alla frågor" in user.buttons():  # the questions before
        await user.click("Hoppa över alla frågor")


async def test_people_playing_at_once_across_workers_lose_and_double_nothing(
    workers_env, fake_bot_api: FakeBotApi
) -> None:
    people = [fake_bot_api.user() for _ in range(PEOPLE)]
    async with workers(workers_env, fake_bot_api) as runtimes:
        await asyncio.gather(*(start_bus_fight(p) for p in people))
        for choice in CHOICES:
            await asyncio.gather(*(p.click(choice) for p in people))
        for person in people:
            assert person.last.text.startswith("Yusuf är inte ensam"), "the debrief"
            data = await runtimes[0].storage.players.describe_user(
                pseudonym_of(runtimes[0], person.id)
            )
            assert (data.choices, data.runs_started, data.runs_finished) == (len(CHOICES), 1, 1)
        posted = fake_bot_api.webhook_statuses
        assert set(posted) == {200} and sum(handled(runtimes)) == len(posted), "each update once"
        assert all(count >= len(posted) // WORKERS for count in handled(runtimes)), "spread out"
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_a_double_tap_reaching_two_workers_counts_once(
    workers_env, fake_bot_api: FakeBotApi
) -> None:
    people = [fake_bot_api.user() for _ in range(PEOPLE)]
    async with workers(workers_env, fake_bot_api) as runtimes:
        await asyncio.gather(*(start_bus_fight(p) for p in people))
        for person in people:  # each tap twice, one after the other: to two workers
            await person.click(CHOICES[0], wait=False)
            await person.click(CHOICES[0], message_id=person.last.id, wait=False)
        await fake_bot_api.settle(expect_reply=True)
        for person in people:
            data = await runtimes[1].storage.players.describe_user(
                pseudonym_of(runtimes[1], person.id)
            )
            assert data.choices == 1, "the second tap found its button used"
            feedback = [m for m in person.messages if m.text.startswith("⚡ Under")]
            assert len(feedback) == 1
    assert fake_bot_api.unanswered_callback_queries() == []


async def test_one_flooding_person_holds_no_connection_of_the_others(
    workers_env, fake_bot_api: FakeBotApi
) -> None:
    flooder, other = fake_bot_api.user(), fake_bot_api.user()
    async with workers(workers_env, fake_bot_api) as runtimes:
        await start_bus_fight(other)
        await flooder.send("/start")
        with fake_bot_api.holding(flooder.chat_id):  # the first update hangs, holding the turn
            for _ in range(60):  # 20 to each worker: their queues are full, none dropped
                await flooder.send("/help", wait=False)
            await other.click(CHOICES[0], wait=False)
            async with asyncio.timeout(fake_bot_api.settle_timeout):
                while not other.last.text.startswith("⚡ Under"):
                    await asyncio.sleep(0.01)
            pools = [r.storage.players._pool.get_stats() for r in runtimes]
            assert all(stats.get("requests_waiting", 0) == 0 for stats in pools), pools
        await fake_bot_api.settle()
    help_cards = [m for m in flooder.messages if "Prata med någon" in m.text]
    assert len(help_cards) == 60, "every worker handled its share, one at a time"


async def solo_round_with_reminder(person: FakeUser) -> None:
    await solo_round(person, 2, 4)
    await person.click("Ja, påminn mig om 30 dagar")


async def test_reminders_go_out_once_whichever_workers_run_the_job(
    workers_env, fake_bot_api: FakeBotApi
) -> None:
    people = [fake_bot_api.user() for _ in range(4)]
    async with workers(workers_env, fake_bot_api) as runtimes:
        for person in people:  # a round is 40 taps: one person at a time settles in time
            await solo_round_with_reminder(person)
        sent = await asyncio.gather(*(r.reminders_job(LATER) for r in runtimes))
        assert sorted(sent) == [0, 0, len(people)], "one worker sent them all"
        assert await asyncio.gather(*(r.reminders_job(LATER) for r in runtimes)) == [0, 0, 0]
        await fake_bot_api.settle()
    for person in people:
        reminders = [m for m in person.messages if "Har du sedan dess sett eller hört" in m.text]
        assert len(reminders) == 1


async def unsaved_rows(postgres_url: str, sql: str = "SELECT count(*) FROM unsaved_play") -> int:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as db:
        cursor = await db.execute(sql)
        return (await cursor.fetchone())[0] if cursor.description else cursor.rowcount


async def test_maintenance_runs_once_a_day_while_any_worker_is_up(
    workers_env, fake_bot_api: FakeBotApi, postgres_url: str
) -> None:
    unsaved = fake_bot_api.user()
    async with workers(workers_env, fake_bot_api) as runtimes:
        await join(unsaved, saving="Spela utan att spara")
        await unsaved.click("Bråk på bussen")
        assert await unsaved_rows(postgres_url) == 1, "unsaved play is shared by the workers"
        await unsaved_rows(
            postgres_url, "UPDATE unsaved_play SET seen_at = now() - interval '25 hours'"
        )
        assert sorted(await asyncio.gather(*(r.forget_job() for r in runtimes))) == [0, 0, 1]
        assert await unsaved_rows(postgres_url) == 0, "idle unsaved play is forgotten"
        ran = await asyncio.gather(*(r.maintenance_job() for r in runtimes))
        assert sorted(ran) == [False, False, True]
        assert not any(await asyncio.gather(*(r.maintenance_job() for r in runtimes)))
        # A day later (the last run's start moved back), whichever worker is up runs it.
        store = runtimes[0].storage.staff
        day_ago = datetime.now(UTC) - timedelta(days=1, minutes=1)
        await store.set_setting(JOB_SETTING.format("maintenance"), day_ago.isoformat())
        assert await runtimes[2].maintenance_job() is True
        assert await runtimes[0].maintenance_job() is False


async def test_a_second_bot_on_one_sqlite_file_is_refused(bot_factory, fake_bot_api) -> None:
    async with bot_factory():
        with pytest.raises(DatabaseInUse) as refused:
            async with bot_factory():
                pass
    assert "another bot process is running on" in str(refused.value)
    assert "several workers need PostgreSQL" in str(refused.value)
    async with bot_factory():  # once the first has stopped, a new one starts
        pass


async def test_a_worker_on_postgresql_warns_of_a_sqlite_file_left_beside_it(
    bot_env, postgres_url: str, fake_bot_api: FakeBotApi, caplog
) -> None:
    async with bot_factory_on(bot_env):  # the SQLite install an operator starts from
        pass
    bot_env["BYSTANDER_DATABASE_URL"] = postgres_url  # set before moving the data
    with caplog.at_level(logging.WARNING, logger="bystander"):
        async with bot_factory_on(bot_env):
            pass
    assert "the data folder still holds the SQLite database" in caplog.text
    assert "if it was not moved with `bystander migrate-db --to`" in caplog.text


@asynccontextmanager
async def bot_factory_on(env: dict[str, str]) -> AsyncIterator[Runtime]:
    runtime = build_bot(env)
    async with runtime.running(poll_timeout=1):
        yield runtime
