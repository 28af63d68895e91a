"""The event loop the bot runs on: uvloop where it is installed, else asyncio's own.

uvloop (libuv) runs the same asyncio code with less CPU per socket read and write; the
bot spends most of its time in those (benchmarks/README.md). It does not exist for
Windows, where the bot falls back to asyncio's loop.
"""

from __future__ import annotations

import asyncio


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
