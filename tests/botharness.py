"""The bot under test: fixtures and helpers shared by the end-to-end and fault tests.

The real Application runs over HTTP against the fake Bot API on 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi

from bot.bootstrap import build_runtime, load_content
from bot.config import BotConfig, content_dirs, load_config
from bot.content.catalog import Catalog
from bot.storage.keys import load_secrets, pseudonym
from bot.telegram.runtime import Runtime

BotFactory = Callable[[], AbstractAsyncContextManager[Runtime]]
TEST_TOKEN_VARIABLE = "BYSTANDER_TEST_BOT_TOKEN"
ADMIN_ID = 900001  # the configured admin of every test bot


# The Swedish source and English: the content every test may rely on being shipped.
SOURCE_AND_ENGLISH = {"sv.yaml", "en.yaml", "help-resources.yaml", "scenario.yaml", "measures.yaml"}


def token_shaped(bot_id: int = 7000000001) -> str:
    """A bot token for a test that needs one of Telegram's shape (digits, a colon, 35
    letters): BYSTANDER_TEST_BOT_TOKEN if set, else a random one made at run time, so that
    nothing that looks like a bot token is kept in the repository."""
    return os.environ.get(TEST_TOKEN_VARIABLE) or random_token(bot_id)


def random_token(bot_id: int) -> str:
    """A token of Telegram's shape that no bot has: another bot's, in a test."""
    return f"{bot_id}:{secrets.token_urlsafe(26)}"


def copy_shipped_content(destination: Path) -> tuple[Path, Path]:
    """Copies of the shipped scenarios and interface strings without their other
    translations, so that a test adding a language sees it alone, whatever else ships."""
    scenarios, locales = destination / "scenarios", destination / "locales"
    for shipped, copy in zip(content_dirs({}), (scenarios, locales), strict=True):
        shutil.copytree(shipped, copy, ignore=_other_translations)
    return scenarios, locales


def _other_translations(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n.endswith(".yaml") and n not in SOURCE_AND_ENGLISH]


def build_bot(env: Mapping[str, str]) -> Runtime:
    """The bot `env` configures, wired by `build_runtime` as `bystander run` wires it."""
    config = load_config(env)
    return build_runtime(config, catalog=shipped_content(config))


def shipped_content(config: BotConfig) -> Catalog | None:
    """The shipped scenarios and locales, read and checked once per test session rather than
    at every bot start (about a second each: 20 scenarios in up to 7 languages); None for a
    test's own content folders, which the bot reads as it starts."""
    if (config.scenarios_dir, config.locales_dir) != content_dirs({}):
        return None
    offered = config.offered_translations  # the only other setting the content depends on
    if offered not in _SHIPPED:
        _SHIPPED[offered] = load_content(config)
    return _SHIPPED[offered]


_SHIPPED: dict[str, Catalog] = {}


@pytest.fixture
def backend() -> str:
    """Where the bot under test keeps its data: the SQLite file, unless a module marked
    `both_backends` runs its tests on PostgreSQL too (tests/conftest.py)."""
    return "sqlite"


@pytest.fixture
def bot_env(
    tmp_path: Path, fake_bot_api: FakeBotApi, backend: str, request: pytest.FixtureRequest
) -> dict[str, str]:
    database = {}
    if backend == "postgres":
        database["BYSTANDER_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return {
        **database,
        "TELEGRAM_BOT_TOKEN": fake_bot_api.token,
        "TELEGRAM_BASE_URL": fake_bot_api.base_url,
        "BYSTANDER_DATA_DIR": str(tmp_path / "data"),
        "BYSTANDER_KEY_DIR": str(tmp_path / "keys"),
        "BYSTANDER_ADMINS": str(ADMIN_ID),
        # The fake Bot API is local: never through a proxy the machine may have set.
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


def bot_idle(runtime: Runtime) -> bool:
    """Every update PTB queued has been handled to the end (or dropped): PTB marks each
    done in its queue only then, also while it waits for its conversation's turn, so there
    is no moment between taking an update and handling it when the bot looks idle."""
    # asyncio.Queue counts these in `_unfinished_tasks`; `join()` is its only public face.
    return runtime.app.update_queue._unfinished_tasks == 0


@asynccontextmanager
async def running(
    runtime: Runtime, server: FakeBotApi, poll_timeout: float = 1
) -> AsyncIterator[Runtime]:
    """The bot running in this process, `server` settling by its state (`bot_idle`) rather
    than by waiting for a quiet moment after every action."""
    async with runtime.running(poll_timeout=poll_timeout):
        server.idle_probe = lambda: bot_idle(runtime)
        try:
            yield runtime
        finally:
            server.idle_probe = None


@pytest.fixture
def bot_factory(bot_env: dict[str, str], fake_bot_api: FakeBotApi) -> BotFactory:
    """Start a bot on the test's data folder; call again for a restart on the same data."""
    return lambda: running(build_bot(bot_env), fake_bot_api)


@pytest.fixture
async def bot(bot_factory: BotFactory) -> AsyncIterator[Runtime]:
    async with bot_factory() as runtime:
        yield runtime


def pseudonym_of(runtime: Runtime, user_id: int) -> str:
    """The pseudonym the bot derives, computed from the key file as the operator could."""
    secrets = load_secrets(runtime.config.key_dir, runtime.config.data_dir, {})
    return pseudonym(secrets.pseudonym_secret, user_id)


async def answer_questionnaire(user, value: int = 3) -> int:
    """Answer each questionnaire item as it comes with `value` (1–5); how many were asked."""
    answered = 0
    while label := next((b for b in user.buttons() if b.startswith(f"{value} – ")), None):
        await user.click(label)
        answered += 1
    return answered


async def open_scenario(user, title: str = "Bråk på bussen", start: str = "Starta") -> None:
    """Pick a scenario and start it, skipping the questionnaire when it is asked."""
    await user.click(title)
    await user.click(start)
    skip = [b for b in user.buttons() if b in ("Hoppa över alla frågor", "Skip all questions")]
    if skip:
        await user.click(skip[0])
