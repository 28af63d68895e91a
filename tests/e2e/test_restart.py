"""Restarts and crashes: the bot process itself, started as an operator would start it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from botharness import BotFactory, build_bot, open_scenario, pseudonym_of, running
from fakebotapi import FakeBotApi

from bot.storage.keys import load_secrets, pseudonym
from bot.storage.sqlite.store import SqlCipherStore


async def test_resume_after_a_restart_on_the_same_database(
    bot_factory: BotFactory, fake_bot_api
) -> None:
    user = fake_bot_api.user()
    async with bot_factory():
        await user.send("/start")
        await user.click("18–19 år")
        await user.click("Spela och spara mina svar")
        await open_scenario(user, "Bråk på bussen")
        await user.click("Fråga Yusuf när bussen går")
    async with bot_factory() as runtime:
        await user.send("/scenarios")
        assert user.buttons()[0] == "▶️ Fortsätt: Bråk på bussen"
        await user.send("/resume")
        assert user.last.text.startswith("⚡ Under")
        await user.click("Gå fram och säg till chauffören")
        await user.click("Sätt dig hos honom")
        assert "Yusuf är inte ensam" in user.last.text
        data = await runtime.storage.players.describe_user(pseudonym_of(runtime, user.id))
        assert data.choices == 3


@asynccontextmanager
async def bot_process(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def wait_until_polling(server: FakeBotApi, process, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not server.calls("getUpdates"):
            assert process.returncode is None, (await process.stderr.read()).decode()
            await asyncio.sleep(0.05)


async def test_sigkill_mid_scenario_loses_no_acknowledged_choice(bot_env, fake_bot_api) -> None:
    user = fake_bot_api.user(user_id=424242, first_name="Nora")
    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
        await user.send("/start")
        await user.click("16–17 år")
        await user.click("Spela och spara mina svar")
        await open_scenario(user, "Bråk på bussen")
        await user.click("De brukar hålla på så – det är deras grej")
        assert user.last.text.startswith("⚡ Under"), "acknowledged: the next step is shown"
        process.send_signal(signal.SIGKILL)
        await process.wait()
    fake_bot_api.requests.clear()
    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
        await user.send("/resume")
        assert user.last.text.startswith("⚡ Under")
        await user.click("Sätt dig bredvid Yusuf")
        assert "Efter" in user.last.text


async def test_sigkill_with_fifty_people_mid_scenario(bot_env, fake_bot_api) -> None:
    """Every choice the bot acknowledged (answered its button) is stored; all can go on."""
    people = [fake_bot_api.user(user_id=7_100_000 + n) for n in range(50)]
    fake_bot_api.settle_timeout = 60  # fifty people at once on a shared CI machine
    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
        await asyncio.gather(*(start_scenario(person) for person in people))
        await everyone_sees(fake_bot_api, people, "🕐 Före")
        before_choices = set(fake_bot_api.state.callback_queries)
        await asyncio.gather(*(person.click(person.buttons()[0]) for person in people))
        await everyone_sees(fake_bot_api, people, "⚡ Under")
        # Everyone taps again; the bot is killed as soon as it has answered a few of them.
        first_round = set(fake_bot_api.state.callback_queries)
        taps = [asyncio.create_task(p.click(p.buttons()[0])) for p in people]
        async with asyncio.timeout(30):
            while answered_since(fake_bot_api, first_round) < 3:
                await asyncio.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        for tap in taps:
            tap.cancel()
        await asyncio.gather(*taps, return_exceptions=True)
    acknowledged = {person.chat_id: 0 for person in people}
    for query_id, query in fake_bot_api.state.callback_queries.items():
        if query_id not in before_choices and query.answered:
            acknowledged[query.chat_id] += 1
    assert all(count >= 1 for count in acknowledged.values())
    assert any(count == 1 for count in acknowledged.values()), "killed too late to test"

    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
        stored = await stored_choices(bot_env, people)
        for person in people:
            assert stored[person.id] >= acknowledged[person.chat_id], person.transcript()
        await asyncio.gather(*(person.send("/resume") for person in people))
        await everyone_sees(fake_bot_api, people, "⚡ Under", "🤝 Efter")


async def everyone_sees(server: FakeBotApi, people, *headings: str) -> None:
    """Wait until each person got, since their latest action, a step under one of HEADINGS
    with its buttons: settling alone trusts a quiet moment, and a busy bot in another
    process may pause mid-work."""

    def shown() -> bool:
        return all(
            any(m.text.startswith(headings) and m.labels for m in p.new_messages()) for p in people
        )

    await server.eventually(shown, f"not everyone reached one of {headings} with buttons")


def answered_since(server: FakeBotApi, earlier: set[str]) -> int:
    queries = server.state.callback_queries
    return sum(1 for key, query in queries.items() if key not in earlier and query.answered)


async def start_scenario(person) -> None:
    await person.send("/start")
    await person.click("16–17 år")
    await person.click("Spela och spara mina svar")
    await open_scenario(person, "Bråk på bussen")


async def stored_choices(bot_env: dict[str, str], people) -> dict[int, int]:
    """Read the database beside the running bot, as an operator could (WAL allows it)."""
    data_dir, key_dir = Path(bot_env["BYSTANDER_DATA_DIR"]), Path(bot_env["BYSTANDER_KEY_DIR"])
    secrets = load_secrets(key_dir, data_dir, {})
    store = SqlCipherStore(data_dir / "bystander.db", secrets.database_key)
    await store.initialize()
    try:
        found = {}
        for person in people:
            data = await store.describe_user(pseudonym(secrets.pseudonym_secret, person.id))
            found[person.id] = data.choices if data else 0
        return found
    finally:
        await store.close()


async def test_sigterm_stops_gracefully_and_logs_nothing_personal(bot_env, fake_bot_api) -> None:
    user = fake_bot_api.user(user_id=987654321, first_name="Zlatan", language_code="sv")
    async with bot_process(bot_env) as process:
        await wait_until_polling(fake_bot_api, process)
        await user.send("/start")
        await user.send("jag heter Zlatan och bor på Tumbavägen 12")
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            await process.wait()
        logs = (await process.stderr.read()).decode() + (await process.stdout.read()).decode()
    assert process.returncode == 0, logs
    assert "bot stopped" in logs
    for secret in (fake_bot_api.token, "987654321", "Zlatan", "Tumbavägen"):
        assert secret not in logs


def test_the_database_is_encrypted_and_holds_no_telegram_id(bot_env, tmp_path) -> None:
    asyncio.run(_play_once(bot_env))
    database = Path(bot_env["BYSTANDER_DATA_DIR"]) / "bystander.db"
    raw = database.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"5550001" not in raw and b"bus-fight" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(database).execute("SELECT * FROM sqlite_master").fetchall()
    assert not Path(bot_env["BYSTANDER_KEY_DIR"]).is_relative_to(database.parent)
    assert (Path(bot_env["BYSTANDER_KEY_DIR"]) / "database.key").stat().st_mode & 0o777 == 0o600


async def _play_once(bot_env: dict[str, str]) -> None:
    async with FakeBotApi() as server:
        env = {**bot_env, "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url}
        async with running(build_bot(env), server):
            user = server.user(user_id=5550001)
            await user.send("/start")
            await user.click("16–17 år")
            await user.click("Spela och spara mina svar")
            await open_scenario(user, "Bråk på bussen")
            await user.click("Fråga Yusuf när bussen går")


async def test_a_rejected_token_is_one_clear_line(bot_env, fake_bot_api) -> None:
    env = {**bot_env, "TELEGRAM_BOT_TOKEN": "123:wrong-token-wrong-token-wrong-token"}
    async with bot_process(env) as process:
        async with asyncio.timeout(20):
            await process.wait()
        err = (await process.stderr.read()).decode()
    assert process.returncode == 1
    assert err.strip().splitlines()[-1] == (
        "bystander run: Telegram rejected the bot token: check TELEGRAM_BOT_TOKEN"
    )
    assert "wrong-token" not in err


async def test_a_missing_token_is_one_clear_line(bot_env) -> None:
    env = {k: v for k, v in bot_env.items() if k != "TELEGRAM_BOT_TOKEN"}
    async with bot_process({**env, "TELEGRAM_BOT_TOKEN": ""}) as process:
        await process.wait()
        err = (await process.stderr.read()).decode()
    assert process.returncode == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in err and "Traceback" not in err
