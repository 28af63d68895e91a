"""Prometheus metrics at GET /metrics (prometheus_client, the standard client library).

Nothing here is about a person: no metric has a label that names a user, a chat or a
class, only Bot API method names and fixed words.
"""

from __future__ import annotations

from asyncio import Queue
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.http.server import HttpServer
from bot.telegram.ordering import PerUserOrder

# Seconds: a Bot API call takes tens of ms, a database write a few ms; both can hang.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TOO_MANY_REQUESTS = 429


class Metrics:
    def __init__(self, processor: PerUserOrder, update_queue: Queue) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_UpdateCounts(processor, update_queue))
        self.errors = Counter(
            "bystander_errors",
            "Updates whose handling failed with an error (each is logged).",
            registry=self.registry,
        )
        self.bot_api_seconds = Histogram(
            "bystander_bot_api_seconds",
            "Time of one Bot API call (long polling's getUpdates not counted), by method.",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.bot_api_retries = Counter(
            "bystander_bot_api_retries",
            "Bot API calls answered 429 (too many requests): each waits and is retried.",
            registry=self.registry,
        )
        self.bot_api_failures = Counter(
            "bystander_bot_api_failures",
            "Bot API calls that got no answer (timed out, no connection).",
            registry=self.registry,
        )
        self.database_write_seconds = Histogram(
            "bystander_database_write_seconds",
            "Time of one write to the database (a statement or a transaction), "
            "not counting the wait for its turn.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_bot_api(self, method: str, seconds: float, status: int | None) -> None:
        if status is None:
            self.bot_api_failures.inc()
            return
        # Method names are letters; anything else (a file's path) must not become a label.
        self.bot_api_seconds.labels(method if method.isalpha() else "other").observe(seconds)
        if status == TOO_MANY_REQUESTS:
            self.bot_api_retries.inc()

    async def count_error(self, update: object, context: object) -> None:
        """An Application error handler beside the one that tells the person."""
        self.errors.inc()

    async def serve(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    def add_to(self, server: HttpServer) -> None:
        server.add("GET", "/metrics", self.serve)


class _UpdateCounts(Collector):
    """Read from the update processor when scraped, so it needs no hooks of its own."""

    def __init__(self, processor: PerUserOrder, update_queue: Queue) -> None:
        self._processor = processor
        self._update_queue = update_queue

    def collect(self) -> Iterator[Metric]:
        processor = self._processor
        yield CounterMetricFamily(
            "bystander_updates_handled",
            "Updates handled (successfully or not) since the bot started.",
            value=processor.handled,
        )
        yield CounterMetricFamily(
            "bystander_updates_dropped",
            "Updates dropped because their conversation already had a full queue (a flood).",
            value=processor.dropped,
        )
        yield GaugeMetricFamily(
            "bystander_updates_queued",
            "Updates received but not handled yet: waiting for their conversation's turn "
            "or for the Application to take them.",
            value=processor.waiting + self._update_queue.qsize(),
        )
