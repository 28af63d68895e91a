"""The first contact with the Bot API, retried while the network is not up yet.

At boot the bot may start before the network (or the municipality's proxy) is reachable.
Exiting at once would make systemd restart it in quick succession until it hits its start
limit and gives up; so `getMe` is retried with growing pauses for a bounded time
(BYSTANDER_START_WAIT). A rejected token is an answer, not a network error: never retried.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram.error import NetworkError
from telegram.ext import Application

log = logging.getLogger("bystander")
FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 30.0


async def connect(app: Application, wait_s: float) -> None:
    """`app.initialize()` (which calls getMe), tried again on network errors for `wait_s`
    seconds; then the last NetworkError is raised, saying how long it was tried."""
    deadline = time.monotonic() + wait_s
    pause = FIRST_PAUSE_S
    attempt = 1
    while True:
        try:
            await app.initialize()
            return
        except NetworkError as error:  # TimedOut too; InvalidToken is no NetworkError
            left = deadline - time.monotonic()
            if left <= 0:
                tried = f" (tried {attempt} times in {wait_s:g} s)" if attempt > 1 else ""
                raise NetworkError(f"{error.message}{tried}") from error
            pause = min(pause, left)
            log.warning(
                "cannot reach the Telegram Bot API yet (attempt %d: %s); trying again in %.0f s",
                attempt,
                error.message,
                pause,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)
            attempt += 1
