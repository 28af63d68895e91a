"""Running a real PTB Application against the fake, with a fast and clean shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application


@asynccontextmanager
async def running_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    poll_timeout: float = 1.0,
    allowed_updates: list[str] | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """initialize → start_polling → start, then the reverse, as `run_polling` does.

    `allowed_updates` as the bot passes it (None: Telegram's default, all but opt-in types).

    `run_polling` itself cannot be used inside an async test (it drives its own event loop).
    Stopping is quick whatever `poll_timeout` is: PTB cancels the pending getUpdates.
    """
    async with app:  # initialize() (calls getMe) ... shutdown()
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=allowed_updates
        )
        try:
            await app.start()
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
