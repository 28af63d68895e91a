"""Telegram's webhook: updates that Telegram posts, fed to the Application.

python-telegram-bot's custom-webhook pattern: the Application has no Updater, and each
update is put on `application.update_queue`. setWebhook gives Telegram a secret that it
sends back in a header with every post; a post without it is refused with 403 before its
body is read. A flood is shed as with long polling (shedding.py): an update its
conversation has no room for is answered 200 (so Telegram does not send it again) and
never parsed.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot.config import WEBHOOK_SECRET, BotConfig, ConfigError
from bot.telegram.app import ALLOWED_UPDATES
from bot.telegram.shedding import Queues, admit

log = logging.getLogger("bystander")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FILE = "webhook-secret"  # in the key folder, when BYSTANDER_WEBHOOK_SECRET is not set


class Webhook:
    def __init__(self, url: str, secret: str, app: Application, queues: Queues) -> None:
        self.url = url
        self.path = urlsplit(url).path or "/"  # where the reverse proxy passes it on
        self._secret = secret.encode()
        self._app = app
        self._queues = queues

    async def register(self) -> None:
        """Tell Telegram where to post; long polling's start deletes it again."""
        try:
            await self._app.bot.set_webhook(
                self.url, secret_token=self._secret.decode(), allowed_updates=ALLOWED_UPDATES
            )
        except BadRequest as error:
            raise ConfigError(f"Telegram refused the webhook {self.url}: {error.message}") from None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not given.isascii() or not hmac.compare_digest(given.encode(), self._secret):
            raise web.HTTPForbidden()
        data = _update_json(await request.read())  # 413 beyond MAX_BODY_BYTES
        if admit(data, self._queues):
            try:
                update = Update.de_json(data, self._app.bot)
            except (TypeError, KeyError, ValueError) as error:
                # Not from Telegram, which knows the secret: its content is not logged.
                log.warning("webhook: an update that is not one (%s)", type(error).__name__)
                raise web.HTTPBadRequest() from None
            await self._app.update_queue.put(update)
        return web.Response()


def _update_json(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise web.HTTPBadRequest() from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise web.HTTPBadRequest()
    return data


def webhook_secret(config: BotConfig) -> str:
    """BYSTANDER_WEBHOOK_SECRET, else one made once and kept in the key folder."""
    if config.http.webhook_secret:
        return config.http.webhook_secret
    path = config.key_dir / SECRET_FILE
    try:
        stored = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _new_secret(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the webhook secret {path}: {error}") from None
    # An empty or damaged file would let anyone post updates: never accept it.
    if not WEBHOOK_SECRET.fullmatch(stored):
        raise ConfigError(
            f"the webhook secret in {path} is not 16 to 256 letters, digits, '_' or '-': "
            "delete the file and start again to make a new one"
        )
    return stored


def _new_secret(path: Path) -> str:
    """A new secret, written whole or not at all (a temporary file renamed into place)."""
    secret = secrets.token_urlsafe(32)  # letters, digits, '_' and '-', as Telegram asks
    partial = path.with_name(f".{path.name}.new")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secret + "\n")
        os.replace(partial, path)
    except OSError as error:
        raise ConfigError(f"cannot write the webhook secret {path}: {error.strerror}") from None
    return secret
