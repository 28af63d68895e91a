"""docs/operations.md, "From a fresh machine to a running bot", in its order, as a newcomer
follows it: the installed wheel, the settings file made from deploy/bystander.env.example,
`bystander init`, `check`, `run` in webhook mode behind nginx with health and metrics,
`backup` while people play, a `/delete`, `restore`, and a restart on the restored data.

Every `bystander` command is the installed one, run as a process of its own with
`--config`, as on the server. The fake Bot API stands in for Telegram and posts updates
through nginx. Left out: `runuser -u bystander` (the test runs as one user), and systemd
and cron themselves (tests/deploy/test_systemd.py checks the unit).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from botharness import open_scenario
from e2e.test_flood import join
from fakebotapi import FakeBotApi
from prometheus_client.parser import text_string_to_metric_families

from .conftest import DEPLOY
from .proxy import WEBHOOK_URL, free_port, nginx_in_front

COMMAND_TIMEOUT_S = 120
PLAYER, DELETER = 7_770_001, 7_770_002


@dataclass
class Server:
    """The operator's machine: the installed command, its settings file, its folders."""

    bystander: Path
    settings: Path
    root: Path
    http_port: int
    env: dict[str, str]

    async def command(self, *argv: str) -> tuple[int, str, str]:
        """`bystander COMMAND --config FILE …` from a shell: exit status, stdout, stderr."""
        process = await asyncio.create_subprocess_exec(
            self.bystander, argv[0], "--config", self.settings, *argv[1:],
            cwd=self.root, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            out, err = await process.communicate()
        return process.returncode, out.decode(), err.decode()

    async def succeeds(self, *argv: str) -> str:
        status, out, err = await self.command(*argv)
        assert status == 0, f"bystander {' '.join(argv)} failed ({status}):\n{out}\n{err}"
        return out

    async def get(self, path: str) -> tuple[int, str]:
        """What `curl http://127.0.0.1:PORT/path` shows on the server."""
        url = f"http://127.0.0.1:{self.http_port}{path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()


def settings_file(path: Path, root: Path, server: FakeBotApi, http_port: int) -> None:
    """deploy/bystander.env.example filled in as the docs say; each line must be found."""
    text = (DEPLOY / "bystander.env.example").read_text()
    filled = {
        "TELEGRAM_BOT_TOKEN=\n": f"TELEGRAM_BOT_TOKEN={server.token}\n",
        "BYSTANDER_DATA_DIR=/var/lib/bystander\n": f"BYSTANDER_DATA_DIR={root}/var/lib/bystander\n",
        "BYSTANDER_KEY_DIR=/etc/bystander/keys\n": f"BYSTANDER_KEY_DIR={root}/etc/bystander/keys\n",
        "BYSTANDER_WEBHOOK_URL=\n": f"BYSTANDER_WEBHOOK_URL={WEBHOOK_URL}\n",
        "BYSTANDER_HTTP_PORT=8080\n": f"BYSTANDER_HTTP_PORT={http_port}\n",
        "BYSTANDER_HEALTH=no\n": "BYSTANDER_HEALTH=yes\n",
        "BYSTANDER_METRICS=no\n": "BYSTANDER_METRICS=yes\n",
    }
    for old, new in filled.items():
        assert text.count(old) == 1, f"deploy/bystander.env.example no longer has {old!r}"
        text = text.replace(old, new)
    text += f"TELEGRAM_BASE_URL={server.base_url}\n"  # the fake Bot API stands in for Telegram
    path.write_text(text)
    path.chmod(0o640)


@dataclass
class HandledProbe:
    """Idle once the bot process has handled every update posted to it since it started,
    as its /metrics say: the fake Bot API's settling then waits for the bot itself, not for
    a quiet moment, which a busy machine can fake between two calls of one answer."""

    server: Server
    fake: FakeBotApi
    posted_before: int
    handled: float = 0.0
    watching: asyncio.Task | None = field(default=None, repr=False)

    def idle(self) -> bool:
        posted = self.fake.webhook_statuses[self.posted_before :].count(200)
        return self.handled >= posted

    async def watch(self) -> None:
        while True:
            try:
                _, text = await self.server.get("/metrics")
            except aiohttp.ClientError as error:
                print(f"no metrics this time: {error!r}")  # shown if the test fails
            else:
                self.handled = metric(text, "bystander_updates_handled_total")
            await asyncio.sleep(0.02)


def metric(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} is not in /metrics")


@asynccontextmanager
async def bot_running(server: Server, fake: FakeBotApi) -> AsyncIterator[None]:
    """`bystander run --config FILE` as systemd starts it, ready once /readyz says so;
    stopped with SIGTERM as `systemctl stop` does, which must end it cleanly."""
    log = server.root / f"bot-{len(fake.calls('setWebhook'))}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            server.bystander, "run", "--config", server.settings,
            cwd=server.root, env=server.env, stdout=stderr, stderr=stderr,
        )  # fmt: skip
    probe = HandledProbe(server, fake, len(fake.webhook_statuses))
    try:
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            while await ready(server) != 200:
                assert process.returncode is None, log.read_text()
                await asyncio.sleep(0.05)
        probe.watching = asyncio.create_task(probe.watch())
        fake.idle_probe = probe.idle
        yield
    finally:
        fake.idle_probe = None
        if probe.watching:
            probe.watching.cancel()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(COMMAND_TIMEOUT_S):
            await process.wait()
    assert process.returncode == 0, log.read_text()
    assert "bot stopped" in log.read_text()


async def ready(server: Server) -> int:
    try:
        return (await server.get("/readyz"))[0]
    except aiohttp.ClientConnectionError:
        return 0  # not listening yet


async def test_a_newcomer_follows_the_operator_path(
    tool, installed_venv: Path, tmp_path: Path, fake_bot_api: FakeBotApi
) -> None:
    nginx = tool("nginx", "nginx")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYSTANDER_", "PYTHON"))}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"  # the fake is local: never via a proxy
    http_port = free_port()
    settings = tmp_path / "etc" / "bystander" / "bystander.env"
    settings.parent.mkdir(parents=True)
    settings_file(settings, tmp_path, fake_bot_api, http_port)
    server = Server(installed_venv / "bin" / "bystander", settings, tmp_path, http_port, env)

    # First install: init makes the database and the keys, check says all is well.
    init = await server.succeeds("init")
    assert f"created the database {tmp_path}/var/lib/bystander/bystander.db" in init
    assert "back up the keys now" in init
    checked = await server.succeeds("check")
    assert checked.splitlines()[-1] == "ok   Bot API: reached as @bystander_test_bot"

    player, deleter = fake_bot_api.user(PLAYER), fake_bot_api.user(DELETER)
    backups = tmp_path / "var" / "backups" / "bystander"
    backups.mkdir(parents=True, mode=0o700)
    backup = backups / "bystander-2026-12-03.db"
    async with nginx_in_front(nginx, tmp_path / "nginx", http_port, fake_bot_api):
        async with bot_running(server, fake_bot_api):
            # Two young people play; Telegram (the fake) posts each update through nginx.
            for person in (player, deleter):
                await join(person)
                await open_scenario(person)
                await person.click("Fråga Yusuf när bussen går")
                assert person.last.text.startswith("⚡ Under")
            [registered] = fake_bot_api.calls("setWebhook")
            assert registered.params["url"] == WEBHOOK_URL
            assert set(fake_bot_api.webhook_statuses) == {200}

            # Health and metrics on the bot's own port, as the monitoring sees them.
            assert await server.get("/healthz") == (200, '{"live": true}')
            assert (await server.get("/readyz"))[1] == (
                '{"ready": true, "database": true, "application": true}'
            )
            _, metrics = await server.get("/metrics")
            handled = metric(metrics, "bystander_updates_handled_total")
            assert handled == len(fake_bot_api.webhook_statuses) > 0
            assert metric(metrics, "bystander_errors_total") == 0

            # The nightly backup while the bot runs; then one plays on, the other deletes.
            written = await server.succeeds("backup", str(backup))
            assert written.startswith(f"wrote {backup} (") and backup.stat().st_mode & 0o077 == 0
            await player.click("Gå fram och säg till chauffören")  # after the backup
            assert not player.last.text.startswith("⚡ Under")
            await deleter.send("/delete")
            await deleter.click("Ja, radera allt")
            assert "raderat" in deleter.last.text

        # Restore needs the bot stopped; the deletion after the backup is applied again.
        restored = await server.succeeds("restore", str(backup))
        assert "deleted again the data of 1 person(s) who deleted it since" in restored

        async with bot_running(server, fake_bot_api):
            await player.send("/mydata")
            assert "Bråk på bussen" in player.last.text
            await player.send("/resume")
            assert player.last.text.startswith("⚡ Under"), "back where the backup has her"
            await deleter.send("/mydata")
            assert deleter.last.text == "Vi har inget sparat om dig."
