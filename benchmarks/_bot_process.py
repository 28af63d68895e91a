"""The bot under load, in its own process: the real bot or the bare baseline.

    python benchmarks/_bot_process.py --kind real|real-nolimit|bare --base-url URL
        --token TOKEN --data-dir DIR [--database-url postgresql://...] [--key-dir DIR]
        [--setting NAME=VALUE ...]

Prints READY once it polls; stops on SIGTERM or SIGINT. Used by e2e_throughput.py and
flood.py
and projector_streams.py.

- real:         bot.bootstrap.build_runtime(config) exactly as `bystander run` builds it;
                on PostgreSQL with --database-url (BYSTANDER_DATABASE_URL), and then
                workers sharing that database share their keys with --key-dir.
- real-nolimit: the same, with PTB's AIORateLimiter taken off the Bot altogether (a
                diagnostic: what the limiter's bookkeeping costs).
- bare:         a PTB Application that answers every update with one sendMessage, with
                the same concurrency (256 updates at once) and HTTP defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bot.telegram.loop import new_event_loop

ALLOWED_UPDATES = ["message", "callback_query"]


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.kind == "bare":
        await _serve_bare(args, stop)
    else:
        await _serve_real(args, stop)


async def _serve_real(args: argparse.Namespace, stop: asyncio.Event) -> None:
    from bot.bootstrap import build_runtime
    from bot.config import load_config

    data = Path(args.data_dir)
    env = {
        "TELEGRAM_BOT_TOKEN": args.token,
        "TELEGRAM_BASE_URL": args.base_url,
        "BYSTANDER_DATA_DIR": str(data / "data"),
        "BYSTANDER_KEY_DIR": args.key_dir or str(data / "keys"),
    }
    if args.database_url:
        env["BYSTANDER_DATABASE_URL"] = args.database_url
    env.update(setting.split("=", 1) for setting in args.setting)
    runtime = build_runtime(load_config(env))
    if args.kind == "real-nolimit":
        runtime.app.bot._rate_limiter = None  # benchmark-only diagnostic, see module doc
    async with runtime.running(poll_timeout=args.poll_timeout):
        print("READY", flush=True)
        await stop.wait()


async def _serve_bare(args: argparse.Namespace, stop: asyncio.Event) -> None:
    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None:
            await update.effective_chat.send_message("ok")

    app = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        .concurrent_updates(256)
        .build()
    )
    app.add_handler(TypeHandler(Update, reply))
    async with app:
        await app.updater.start_polling(
            poll_interval=0, timeout=args.poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        print("READY", flush=True)
        try:
            await stop.wait()
        finally:
            await app.updater.stop()
            await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("real", "real-nolimit", "bare"), required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--poll-timeout", type=float, default=10)
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLCipher (real kinds)")
    parser.add_argument("--key-dir", help="the secrets' folder (default: in --data-dir)")
    parser.add_argument(
        "--setting", action="append", default=[], help="NAME=VALUE, more configuration"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="bot: %(levelname)s %(name)s: %(message)s")
    # The real bot runs on the loop `bystander run` uses; the bare bot on asyncio's default.
    loop_factory = new_event_loop if args.kind != "bare" else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args))


if __name__ == "__main__":
    main()
