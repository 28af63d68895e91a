"""nginx with deploy/nginx.conf in front of the bot, for the deployment tests.

nginx runs unprivileged-safe: on 127.0.0.1, a free port, its pid and temp files in the
test's folder, the example's server block included as it is but for the addresses (a
self-signed certificate stands in for the public CA's).
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

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fakebotapi import FakeBotApi

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


def site_config(upstream_port: int, port: int, cert: Path, key: Path) -> str:
    """The shipped server block with this machine's addresses; each must be found."""
    site = (DEPLOY / "nginx.conf").read_text()
    replacements = {
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "listen [::]:443 ssl;": "",
        "/etc/letsencrypt/live/bot.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/bot.example.org/privkey.pem": str(key),
        "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream_port};",
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


@asynccontextmanager
async def nginx_site(
    binary: str, folder: Path, upstream_port: int, port: int | None = None
) -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    """nginx with the shipped site in front of a server on upstream_port, on port (a free
    one if not given: a bot whose public URL names nginx needs it first). Yields nginx's
    https origin and the context that trusts its certificate."""
    folder.mkdir(exist_ok=True)
    cert, key = self_signed(folder)
    port = port or free_port()
    async with nginx(binary, folder, site_config(upstream_port, port, cert, key), port):
        yield f"https://127.0.0.1:{port}", ssl.create_default_context(cafile=str(cert))


@asynccontextmanager
async def nginx_in_front(
    binary: str, folder: Path, bot_port: int, server: FakeBotApi
) -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    """nginx with the shipped site in front of the bot's port; the fake Bot API posts
    through it, as DNS would route Telegram to the server."""
    async with nginx_site(binary, folder, bot_port) as (origin, trust):
        server.webhook_origin, server.webhook_ssl = origin, trust
        yield origin, trust
