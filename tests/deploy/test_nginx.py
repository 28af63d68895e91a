"""deploy/nginx.conf in front of the bot in webhook mode: Telegram's posts reach the bot
through nginx over TLS (a self-signed certificate here), and nothing else is exposed.

nginx runs unprivileged-safe: on 127.0.0.1, a free port, its pid and temp files in the
test's folder, the example's server block included as it is but for the addresses.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from botharness import bot_idle
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fakebotapi import FakeBotApi

from bot.config import load_config
from bot.telegram.runtime import build_runtime

from .conftest import DEPLOY

WEBHOOK_URL = "https://bot.example.org/telegram/updates"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_config(bot_port: int, port: int, cert: Path, key: Path) -> str:
    """The shipped server block with this machine's addresses; each must be found."""
    site = (DEPLOY / "nginx.conf").read_text()
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "listen [::]:443 ssl;": "",
        "/etc/letsencrypt/live/bot.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/bot.example.org/privkey.pem": str(key),
        "proxy_pass http://127.0.0.1:8080;": f"proxy_pass http://127.0.0.1:{bot_port};",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    return site


@asynccontextmanager
async def nginx(binary: str, folder: Path, site: str, port: int) -> AsyncIterator[None]:
    (folder / "site.conf").write_text(site)
    temp_paths = "".join(
        f"  {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"daemon off;\npid {folder}/nginx.pid;\nerror_log stderr warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n{temp_paths}  include {folder}/site.conf;\n}}\n"
    )
    process = await asyncio.create_subprocess_exec(
        binary, "-e", "stderr", "-p", str(folder), "-c", str(folder / "nginx.conf"),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            while True:
                assert process.returncode is None, (await process.stderr.read()).decode()
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                break
        yield
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def test_an_update_through_nginx_reaches_the_bot(
    tool, tmp_path: Path, bot_env: dict[str, str], fake_bot_api: FakeBotApi
) -> None:
    binary = tool("nginx", "nginx")
    cert, key = self_signed(tmp_path)
    env = {**bot_env, "BYSTANDER_WEBHOOK_URL": WEBHOOK_URL, "BYSTANDER_HTTP_PORT": "0",
           "BYSTANDER_HEALTH": "yes", "BYSTANDER_METRICS": "yes"}  # fmt: skip
    runtime = build_runtime(load_config(env))
    port = free_port()
    user = fake_bot_api.user(user_id=8_880_001)
    async with runtime.running():
        fake_bot_api.idle_probe = lambda: bot_idle(runtime)
        site = site_config(runtime.http.server.port, port, cert, key)
        async with nginx(binary, tmp_path, site, port):
            proxy = f"https://127.0.0.1:{port}"
            trust = ssl.create_default_context(cafile=str(cert))
            fake_bot_api.webhook_origin, fake_bot_api.webhook_ssl = proxy, trust
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
        fake_bot_api.idle_probe = None
