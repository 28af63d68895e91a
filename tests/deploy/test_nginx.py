"""deploy/nginx.conf in front of the bot in webhook mode: Telegram's posts reach the bot
through nginx over TLS (a self-signed certificate here), and nothing else is exposed.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from botharness import build_bot, running
from fakebotapi import FakeBotApi

from .proxy import WEBHOOK_URL, nginx_in_front


async def test_an_update_through_nginx_reaches_the_bot(
    tool, tmp_path: Path, bot_env: dict[str, str], fake_bot_api: FakeBotApi
) -> None:
    binary = tool("nginx", "nginx")
    env = {**bot_env, "BYSTANDER_WEBHOOK_URL": WEBHOOK_URL, "BYSTANDER_HTTP_PORT": "0",
           "BYSTANDER_HEALTH": "yes", "BYSTANDER_METRICS": "yes"}  # fmt: skip
    runtime = build_bot(env)
    user = fake_bot_api.user(user_id=8_880_001)
    async with running(runtime, fake_bot_api):
        bot_port = runtime.http.server.port
        async with nginx_in_front(binary, tmp_path, bot_port, fake_bot_api) as (proxy, trust):
            await user.send("/start")
            assert "aktiv åskådare" in user.last.text
            assert set(fake_bot_api.webhook_statuses) == {200}

            async with aiohttp.ClientSession() as session:

                async def status(method: str, path: str) -> int:
                    async with session.request(method, proxy + path, ssl=trust) as response:
                        return response.status

                assert await status("POST", "/telegram/updates") == 403, "no secret: refused"
                assert await status("GET", "/telegram/updates") == 403, "only POST"
                for inside in ("/healthz", "/readyz", "/metrics"):
                    assert await status("GET", inside) == 404, f"{inside} is exposed"
