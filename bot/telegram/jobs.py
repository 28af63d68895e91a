"""Scheduled work on PTB's job queue: opt-in follow-up reminders, the end questions of
lessons that ended, the retention purge and lessons that ran out of time.

Each reads its state from the database, so a restart loses nothing: a due reminder or end
question is sent by the next run of its job, and then closed so it is never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.evaluation.release import Period
from bot.services.reports import ReportService
from bot.services.survey import SurveyService, Unasked
from bot.storage.ports import RetentionStore
from bot.storage.records import retention_cutoff
from bot.telegram.handlers import keyboard

log = logging.getLogger(__name__)

REMINDER_INTERVAL_S = 3600
PURGE_INTERVAL_S = 24 * 3600
FORGET_INTERVAL_S = 3600  # unsaved play kept in PostgreSQL: gone within a day
LESSON_END_INTERVAL_S = 300  # a lesson past its time is ended (and its group told) soon after
# A lesson's end questions reach the students while they are still in the room.
END_QUESTIONS_INTERVAL_S = 20
# Reminders and end questions are a bulk send: Telegram allows about 30 messages/s across
# chats, and people playing at the same time need their share, so they go out at most 20 a
# second.
BULK_SEND_INTERVAL_S = 1 / 20


async def send_due_reminders(bot: Bot, survey: SurveyService, today: date | None = None) -> int:
    ids = await survey.due_reminders(today)
    sent = await _send_unasked(bot, ids, lambda i: survey.reminder(i, today), survey.close_reminder)
    if sent:
        log.info("sent %d follow-up reminder(s)", sent)
    return sent


async def send_end_questions(bot: Bot, survey: SurveyService, now: datetime | None = None) -> int:
    """The questionnaire's end questions (T2) to the students of lessons that ended."""
    ids = await survey.due_end_questions(now)
    sent = await _send_unasked(
        bot, ids, lambda i: survey.end_questions(i, now), survey.close_end_questions
    )
    if sent:
        log.info("sent the end questions of a lesson to %d student(s)", sent)
    return sent


async def _send_unasked(
    bot: Bot,
    ids: list[int],
    prepare: Callable[[int], Awaitable[Unasked | None]],
    close: Callable[..., Awaitable[None]],
) -> int:
    sent = 0
    for message_id in ids:
        # Sending takes a while (20 a second at most): each message is checked again right
        # before it goes, so nobody who deleted their data meanwhile gets one.
        unasked = await prepare(message_id)
        if unasked is None:
            continue
        try:
            await bot.send_message(
                unasked.chat_id,
                unasked.message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(unasked.message.buttons),
            )
        except (Forbidden, BadRequest):
            # Blocked the bot or gone: it can never arrive; forget the address.
            await close(unasked.id, delivered=False)
            continue
        except NetworkError as error:
            log.warning("message not sent, will retry: %s", error.message)
            continue
        await close(unasked.id, delivered=True)
        sent += 1
        await asyncio.sleep(BULK_SEND_INTERVAL_S)
    return sent


async def release_last_month(reports: ReportService, today: date) -> str:
    """Release last month before anyone asks for its report.

    A release reads every class's numbers of the month and can take a while on a large
    database; made here, the first report of a month is as quick as any later one."""
    month = Period.last_closed_month(today)
    await reports.release(month)
    return month.name


async def purge_old_events(
    evaluation: RetentionStore, retention_months: int, min_group: int
) -> None:
    cutoff = retention_cutoff(datetime.now(UTC).date(), retention_months)
    summary = await evaluation.purge(cutoff, dry_run=False, min_group=min_group)
    log.info(
        "retention, before %s: removed %d choice(s), %d run(s), %d answer(s), "
        "%d follow-up(s), %d profile(s), %d membership(s), %d class(es), %d session(s), "
        "%d invitation(s), %d role(s); %d small aggregate row(s) merged or deleted",
        cutoff.isoformat(),
        summary.choices,
        summary.runs,
        summary.measure_answers,
        summary.follow_ups,
        summary.profiles,
        summary.memberships,
        summary.classes,
        summary.facilitations,
        summary.invitations,
        summary.roles,
        summary.small_groups,
    )
