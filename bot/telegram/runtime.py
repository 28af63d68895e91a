"""The bot's life under PTB's Application: start, jobs, polling or webhook, stop.

bot.bootstrap.build_runtime wires it; kept apart from bot.bootstrap so the server commands
(report, invite, purge) and the author tools start without importing Telegram's libraries.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from telegram.ext import Application, CallbackContext

from bot.config import BotConfig
from bot.content.catalog import Catalog
from bot.http.bot_server import BotHttp
from bot.http.webhook import Webhook
from bot.services.group_play import GroupPlayService
from bot.services.reports import ReportService
from bot.services.roles import RoleService
from bot.services.routing import Router
from bot.services.staff import BOT_USERNAME
from bot.services.young_people import YoungPeople
from bot.storage.coordination import SingleProcess
from bot.storage.ports import Coordination, Storage
from bot.telegram.app import ALLOWED_UPDATES, publish_commands
from bot.telegram.group_channel import TelegramGroupChannel
from bot.telegram.jobs import (
    END_QUESTIONS_INTERVAL_S,
    FORGET_INTERVAL_S,
    LESSON_END_INTERVAL_S,
    PURGE_INTERVAL_S,
    REMINDER_INTERVAL_S,
    purge_old_events,
    release_last_month,
    send_due_reminders,
    send_end_questions,
)
from bot.telegram.loop import new_event_loop
from bot.telegram.startup import connect
from bot.telegram.transport import Transports

log = logging.getLogger("bystander")
EACH_TIME = timedelta(0)
PURGE_PERIOD = timedelta(seconds=PURGE_INTERVAL_S)


@dataclass
class Runtime:
    config: BotConfig
    catalog: Catalog
    storage: Storage
    young: YoungPeople
    roles: RoleService
    app: Application
    transports: Transports = field(default_factory=Transports)
    reports: ReportService | None = None
    router: Router | None = None
    group_play: GroupPlayService | None = None
    http: BotHttp | None = None  # webhook, health, metrics: bot/http
    coordination: Coordination = field(default_factory=SingleProcess)  # with other workers
    unsaved_sweeps: tuple[Callable[[], Awaitable[int]], ...] = ()  # unsaved play kept shared

    async def post_init(self, app: Application) -> None:
        await self.storage.lifecycle.initialize()
        await self.coordination.open()
        if self.http is not None:
            await self.http.server.start()
            log.info("serving HTTP on %s:%d", self.http.server.host, self.http.server.port)
        # Invitation and class links need the bot's username, also from the server CLI.
        await self.storage.staff.set_setting(BOT_USERNAME, app.bot.username)
        await publish_commands(app, self.router, self.young.account.presenter)
        self.group_play.channel = TelegramGroupChannel(app.bot)
        if app.job_queue is not None:
            app.job_queue.run_repeating(self._reminders, REMINDER_INTERVAL_S, first=10)
            app.job_queue.run_repeating(self._purge, PURGE_INTERVAL_S, first=60)
            app.job_queue.run_repeating(self._end_lessons, LESSON_END_INTERVAL_S, first=30)
            app.job_queue.run_repeating(
                self._end_questions, END_QUESTIONS_INTERVAL_S, first=END_QUESTIONS_INTERVAL_S
            )
            if self.unsaved_sweeps:
                app.job_queue.run_repeating(self._forget, FORGET_INTERVAL_S, first=120)
        log.info("bot @%s is running", app.bot.username)

    async def send_reminders(self, today: date | None = None) -> int:
        if self.young.questionnaire.survey is None:
            return 0
        return await send_due_reminders(self.app.bot, self.young.questionnaire.survey, today)

    async def send_end_questions(self, now: datetime | None = None) -> int:
        if self.young.questionnaire.survey is None:
            return 0
        return await send_end_questions(self.app.bot, self.young.questionnaire.survey, now)

    # The jobs: every worker schedules each, and the database lets one worker at a time run
    # it (Coordination.job). Reminders, end questions and lessons are closed as they are
    # sent and ended, so runs one after the other never repeat one; maintenance is heavy
    # and runs once a day, by whichever worker is up.

    async def reminders_job(self, today: date | None = None) -> int:
        async with self.coordination.job("reminders", EACH_TIME) as mine:
            return await self.send_reminders(today) if mine else 0

    async def lessons_job(self) -> int:
        async with self.coordination.job("lesson-end", EACH_TIME) as mine:
            ended = await self.group_play.end_due_lessons() if mine else 0
        if ended:
            log.info("%d lesson(s) ended by time", ended)
        return ended

    async def end_questions_job(self, now: datetime | None = None) -> int:
        async with self.coordination.job("end-questions", EACH_TIME) as mine:
            return await self.send_end_questions(now) if mine else 0

    async def maintenance_job(self) -> bool:
        async with self.coordination.job("maintenance", PURGE_PERIOD) as mine:
            if mine:
                await self._maintain()
        return mine

    async def forget_job(self) -> int:
        """Unsaved play kept in the database is deleted within a day of its last use."""
        async with self.coordination.job("forget-unsaved", EACH_TIME) as mine:
            forgotten = sum([await sweep() for sweep in self.unsaved_sweeps]) if mine else 0
        if forgotten:
            log.info("forgot %d idle row(s) of unsaved play", forgotten)
        return forgotten

    async def _maintain(self) -> None:
        # Releasing first: a period must be released before retention folds its events.
        if self.reports is not None:
            month = await release_last_month(self.reports, datetime.now(UTC).date())
            log.info("the numbers of %s are released", month)
        await purge_old_events(
            self.storage.retention, self.config.retention_months, self.roles.settings.k
        )

    async def _end_lessons(self, context: CallbackContext) -> None:
        await self.lessons_job()

    async def _end_questions(self, context: CallbackContext) -> None:
        await self.end_questions_job()

    async def _reminders(self, context: CallbackContext) -> None:
        await self.reminders_job()

    async def _purge(self, context: CallbackContext) -> None:
        await self.maintenance_job()

    async def _forget(self, context: CallbackContext) -> None:
        await self.forget_job()

    async def post_shutdown(self, app: Application) -> None:
        if self.http is not None:
            await self.http.server.stop()
        await self.coordination.close()
        await self.storage.lifecycle.close()
        log.info("bot stopped")

    def log_start(self) -> None:
        """What this start serves, said before waiting for the network."""
        drafts = self.catalog.locales.drafts_said()
        log.info(
            "database %s; %d scenario(s) in %s%s",
            self.config.database_place,
            len(self.catalog.scenarios),
            ", ".join(self.catalog.locales.languages),
            f"; staff may preview the drafts {drafts} (BYSTANDER_OFFERED_TRANSLATIONS is "
            f"{self.config.offered_translations})"
            if drafts
            else "",
        )
        if self.config.proxy:
            log.info("Bot API through the proxy %s", self.config.proxy)  # password masked

    @property
    def webhook(self) -> Webhook | None:
        return self.http.webhook if self.http is not None else None

    def run(self) -> None:
        """Long polling, or the webhook when configured, until SIGINT or SIGTERM."""
        loop = new_event_loop()
        asyncio.set_event_loop(loop)  # PTB's run_polling runs on the current loop
        self.log_start()
        try:
            loop.run_until_complete(connect(self.app, self.config.start_wait_s))
            if self.webhook is None:
                self.app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
            else:
                loop.run_until_complete(self._serve_until_stopped())
        finally:
            loop.run_until_complete(self.transports.close())
            loop.close()

    async def _serve_until_stopped(self) -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        async with self.running():
            await stop.wait()
        log.info("stopping on a signal")

    @asynccontextmanager
    async def running(self, poll_timeout: float = 10) -> AsyncIterator[Application]:
        """Start and stop as PTB's run_polling does, inside an existing event loop: the
        webhook's way, and the tests'."""
        async with AsyncExitStack() as stack:
            stack.push_async_callback(self.transports.close)
            await stack.enter_async_context(self.app)
            # Closing the database also when the body fails: its worker thread would
            # otherwise keep the process (a test run) from ever ending.
            stack.push_async_callback(self.post_shutdown, self.app)
            await self.post_init(self.app)
            updater = self.app.updater
            if self.webhook is not None:
                await self.webhook.register()
            else:  # deletes a webhook set before: back to long polling
                await updater.start_polling(
                    poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            await self.app.start()
            try:
                yield self.app
            finally:
                if updater is not None:
                    await updater.stop()
                if self.http is not None:
                    # No webhook post is taken (and answered 200) that would not be handled.
                    await self.http.server.stop()
                await self.app.stop()
