"""The bot's HTTP server as configured: which routes it serves, and the metric hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram.ext import Application

from bot.config import BotConfig
from bot.http.health import add_health
from bot.http.server import HttpServer
from bot.http.webhook import Webhook, webhook_secret
from bot.storage.ports import Lifecycle
from bot.telegram.ordering import PerUserOrder
from bot.telegram.transport import Transports

if TYPE_CHECKING:
    from bot.web.site import WebParts


@dataclass
class BotHttp:
    server: HttpServer
    webhook: Webhook | None


def build_bot_http(
    config: BotConfig,
    app: Application,
    storage: Lifecycle,
    transports: Transports,
    web: WebParts | None,
) -> BotHttp | None:
    """None when nothing is to be served (long polling, no health, no metrics, no web)."""
    settings = config.http
    if not settings.enabled:
        return None
    server = HttpServer(settings.host, settings.port)
    processor = app.update_processor
    assert isinstance(processor, PerUserOrder)
    webhook = None
    if settings.webhook_url:
        webhook = Webhook(settings.webhook_url, webhook_secret(config), app, processor)
        server.add("POST", webhook.path, webhook.receive)
    if settings.health:

        def readiness() -> Mapping[str, bool]:
            return {"database": storage.is_open, "application": app.running}

        add_health(server, readiness)
    if settings.metrics:
        from bot.http.metrics import Metrics  # prometheus_client only when asked for

        metrics = Metrics(processor, app.update_queue)
        metrics.add_to(server)
        app.add_error_handler(metrics.count_error)
        transports.general.observer = metrics.observe_bot_api
        storage.write_timer = metrics.database_write_seconds.observe
    if web is not None:
        from bot.web.site import add_web  # Jinja2 and the pages only with the web on

        add_web(server, web)
    return BotHttp(server, webhook)
