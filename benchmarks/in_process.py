"""Per-update handling cost with the network removed.

    python benchmarks/in_process.py [--updates 5000] [--runs 10000]

The runtime is built by bot.bootstrap.build_runtime on a temporary data folder, exactly as
`bystander run` builds it; then its Bot's HTTP requests are replaced by `CannedRequest`, a
PTB `BaseRequest` that answers every Bot API method with canned JSON and no I/O (as PTB's
own test suite does). The database is first seeded through the store API with `--runs`
stored runs (finished runs with all their choices, plus one run in progress per person).

Then simulated people send updates one at a time, round-robin, through the same path PTB's
update fetcher uses (`update_processor.process_update(update, app.process_update(update))`),
and each call is timed. Half of the people are new (/start, age, consent, a scenario, its
choices to the debrief); the other half are seeded people coming back (/start, continue,
the rest of their run, sometimes /mydata).

PTB's AIORateLimiter (Telegram's 30 messages/s) is taken off the Bot for the main
measurement: it only sleeps, which is not handling cost. A short second pass with it left
on shows what it does to one-at-a-time handling. Memory: the process's peak RSS
(getrusage) and tracemalloc's peak while handling updates.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from _common import current_rss_mb, goal, header, max_rss_mb, percentile, pick_button, table
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.bootstrap import build_runtime
from bot.config import load_config
from bot.engine import engine
from bot.storage.keys import load_secrets, pseudonym
from bot.storage.records import ChoiceRecord, Profile
from bot.telegram.runtime import Runtime

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
SEEDED_IDS = 50_000_000
NEW_IDS = 60_000_000


class CannedRequest(BaseRequest):
    """Answers every Bot API call at once with a minimal valid result; remembers keyboards."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.keyboards: dict[int, list[str]] = {}
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        self.calls[name] += 1
        params = request_data.parameters if request_data else {}
        result: Any = True
        if name == "getMe":
            result = BOT_USER | {"can_join_groups": True, "can_read_all_group_messages": False,
                                 "supports_inline_queries": False}  # fmt: skip
        elif name in ("sendMessage", "editMessageReplyMarkup", "editMessageText"):
            chat_id = int(params["chat_id"])
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            result = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Sim"},
                "from": BOT_USER,
                "text": params.get("text", "…"),
            }
            if markup:
                result["reply_markup"] = markup
            if name == "sendMessage" and markup and markup.get("inline_keyboard"):
                self.keyboards[chat_id] = [
                    b.get("callback_data", "") for row in markup["inline_keyboard"] for b in row
                ]
        return 200, json.dumps({"ok": True, "result": result}).encode()


# --- seeding ---------------------------------------------------------------------------------


async def seed(runtime: Runtime, secret: bytes, runs: int, per_person: int) -> int:
    """Store `runs` runs through the store API; returns the number of seeded people."""
    store, catalog = runtime.storage.players, runtime.catalog
    rng = random.Random(7)
    scenarios = sorted(catalog.scenarios.values(), key=lambda s: s.id)
    people = max(1, runs // per_person)
    # Setup only: no fsync per seeded transaction (the measured part runs with FULL again).
    async with store.session() as db:
        await db.execute("PRAGMA synchronous = OFF")
    made = 0
    for n in range(people):
        user = pseudonym(secret, SEEDED_IDS + n)
        await store.save_profile(Profile(user, "sv", rng.choice(["16_17", "18_19"]), "save"))
        for k in range(per_person):
            if made >= runs:
                break
            made += 1
            scenario = rng.choice(scenarios)
            run = engine.start(scenario)
            await store.start_run(user, run.to_json())
            in_progress = k == per_person - 1
            while not run.finished:
                step = engine.current_step(scenario, run)
                answer = engine.choose(scenario, run, rng.choice(step.choices).id)
                record = ChoiceRecord(
                    run.run_id, scenario.id, scenario.version, answer.step.id,
                    answer.choice.id, answer.choice.strategy.value,
                    answer.choice.assessment.value, answer.step.phase.value,
                )  # fmt: skip
                await store.save_progress(user, run.to_json(), record, run.finished)
                if in_progress and not run.finished:
                    break  # leave this one in progress, to be resumed
    async with store.session() as db:
        await db.execute("PRAGMA synchronous = FULL")
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return people


# --- simulated people --------------------------------------------------------------------------


class Person:
    """One person's next update, decided from the buttons the bot last showed them."""

    def __init__(self, user_id: int, returning: bool, rng: random.Random) -> None:
        self.user_id, self.returning, self.rng = user_id, returning, rng
        self.last = ""
        self.done = False
        self.asked_mydata = False
        self.sent = 0
        self._updates = itertools.count(1)

    def next_update(self, keyboard: list[str]) -> tuple[str, dict[str, Any]]:
        self.sent += 1
        if self.sent > 60:  # a person never taps more than this; a loop would be a bug
            self.done = True
        if not self.last:
            return self._message("/start")
        if self.returning and not self.asked_mydata and self.rng.random() < 0.2:
            self.asked_mydata = True
            return self._message("/mydata")
        choice = self._pick(keyboard)
        if choice is None:
            self.done = True
            return self._message("/scenarios")
        return self._callback(choice)

    def _pick(self, keyboard: list[str]) -> str | None:
        if choice := pick_button(keyboard, self.last, self.rng):
            return choice
        having = [b for b in keyboard if b.startswith("resume")] or [
            b for b in keyboard if b.startswith("sc:")
        ]
        if self.last in ("/start", "consent") and having:
            return having[0] if having[0] == "resume" else self.rng.choice(having)
        return None  # the debrief, or something unexpected: this person is done

    def _message(self, text: str) -> tuple[str, dict[str, Any]]:
        self.last = text
        message = {
            "message_id": next(self._updates),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": "Sim"},
            "from": self._from(),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        }
        return text, {"update_id": 0, "message": message}

    def _callback(self, data: str) -> tuple[str, dict[str, Any]]:
        self.last = data.split(":", 1)[0]
        chat = {"id": self.user_id, "type": "private", "first_name": "Sim"}
        query = {
            "id": f"{self.user_id}-{next(self._updates)}",
            "from": self._from(),
            "chat_instance": str(-self.user_id),
            "data": data,
            "message": {
                "message_id": 999,
                "date": int(time.time()),
                "chat": chat,
                "from": BOT_USER,
                "text": "…",
                "reply_markup": {"inline_keyboard": [[{"text": "…", "callback_data": data}]]},
            },
        }
        return f"button {self.last}", {"update_id": 0, "callback_query": query}

    def _from(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "Sim", "language_code": "sv"}


async def drive(
    runtime: Runtime, request: CannedRequest, count: int, people: int, seeded: int, seed: int
) -> dict[str, list[float]]:
    """Send `count` updates round-robin over `people` active people; per-label timings (ms)."""
    app = runtime.app
    rng = random.Random(seed)
    new_ids = itertools.count(NEW_IDS + seed * 1_000_000)
    returning_ids = iter(rng.sample(range(SEEDED_IDS, SEEDED_IDS + seeded), seeded))

    def fresh(slot: int) -> Person:
        if slot % 2:
            user_id = next(returning_ids, None)
            if user_id is not None:
                return Person(user_id, True, random.Random(rng.random()))
        return Person(next(new_ids), False, random.Random(rng.random()))

    active = [fresh(slot) for slot in range(people)]
    timings: dict[str, list[float]] = defaultdict(list)
    update_ids = itertools.count(1)
    for n in range(count):
        slot = n % people
        person = active[slot]
        label, payload = person.next_update(request.keyboards.get(person.user_id, []))
        payload["update_id"] = next(update_ids)
        update = Update.de_json(payload, app.bot)
        started = time.perf_counter()
        await app.update_processor.process_update(update, app.process_update(update))
        timings[label].append(1000 * (time.perf_counter() - started))
        if person.done:
            active[slot] = fresh(slot)
    return timings


# --- main -------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-inproc-"))
    try:
        return await _measure(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _measure(args: argparse.Namespace, workdir: Path) -> int:
    env = {
        "TELEGRAM_BOT_TOKEN": "7000001:CANNED-token-xxxxxxxxxxxxxxxxxxxxxxxx",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",  # never contacted
        "BYSTANDER_DATA_DIR": str(workdir / "data"),
        "BYSTANDER_KEY_DIR": str(workdir / "keys"),
    }
    rss_start = current_rss_mb()
    started = time.perf_counter()
    runtime = build_runtime(load_config(env))
    build_s = time.perf_counter() - started
    request = CannedRequest()
    bot = runtime.app.bot
    bot._request = (request, request)  # no network: every call is answered in memory
    limiter = bot._rate_limiter
    bot._rate_limiter = None
    secret = load_secrets(runtime.config.key_dir, runtime.config.data_dir, {}).pseudonym_secret
    app = runtime.app
    await app.initialize()
    await runtime.post_init(app)
    await app.start()
    try:
        started = time.perf_counter()
        seeded = await seed(runtime, secret, args.runs, args.runs_per_person)
        seed_s = time.perf_counter() - started
        rss_seeded = current_rss_mb()
        counts = await _row_counts(runtime)
        await drive(runtime, request, args.warmup, args.people, seeded, seed=1)  # warm-up
        gc.collect()
        timings = await drive(runtime, request, args.updates, args.people, seeded, seed=2)
        calls_before = sum(request.calls.values())
        tracemalloc.start()
        await drive(runtime, request, args.traced, args.people, seeded, seed=3)
        traced_now, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        calls = sum(request.calls.values()) - calls_before
        limited: dict[str, list[float]] = {}
        if args.limited and limiter is not None:
            bot._rate_limiter = limiter  # as shipped: PTB's AIORateLimiter
            limited = await drive(runtime, request, args.limited, args.people, seeded, seed=4)
    finally:
        await app.stop()
        await app.shutdown()
        await runtime.post_shutdown(app)
    db_mb = sum(p.stat().st_size for p in (workdir / "data").glob("bystander.db*")) / 2**20

    print(header("in-process: Application.process_update with canned Bot API answers"))
    print(
        f"seeded {counts['runs']:,} runs of {seeded:,} people in {seed_s:.1f} s "
        f"({counts['choices']:,} choices, {counts['active_runs']:,} in progress; "
        f"database {db_mb:.1f} MB); build_runtime {1000 * build_s:.0f} ms; "
        f"{args.people} people active round-robin; {args.warmup} warm-up updates\n"
    )
    everything = [t for values in timings.values() for t in values]
    rows = [_row("all updates (no rate limiter)", everything)]
    rows += [_row(f"  {label}", values) for label, values in sorted(timings.items())]
    if limited:
        flat = [t for values in limited.values() for t in values]
        rows.append(_row("all updates, AIORateLimiter as shipped", flat))
    print(table(["updates", "count", "median ms", "p90 ms", "p99 ms", "max ms"], rows))
    print(f"\nBot API calls per update (traced pass): {calls / max(1, args.traced):.2f}")
    peak_rss = max_rss_mb()
    print(
        "\n"
        + table(
            ["memory", "MB"],
            [
                ["RSS at start (imports done)", round(rss_start, 1)],
                ["RSS after build + seeding", round(rss_seeded, 1)],
                ["peak RSS of the process (getrusage)", round(peak_rss, 1)],
                [f"tracemalloc peak while handling {args.traced} updates", traced_peak / 2**20],
                ["tracemalloc still allocated after them", traced_now / 2**20],
            ],
        )
    )
    median = statistics.median(everything)
    print(
        f"\nmedian per update {median:.2f} ms [goal < 2 ms: {goal(median < 2)}]; "
        f"peak RSS {peak_rss:.0f} MB [goal < 150 MB: {goal(peak_rss < 150)}]"
    )
    return 0


async def _row_counts(runtime: Runtime) -> dict[str, int]:
    counts = {}
    async with runtime.storage.players.session() as db:
        for name in ("users", "runs", "choices", "active_runs"):
            async with db.execute(f"SELECT count(*) FROM {name}") as cursor:
                counts[name] = (await cursor.fetchone())[0]
    return counts


def _row(label: str, values: list[float]) -> list[object]:
    return [
        label,
        len(values),
        statistics.median(values),
        percentile(values, 90),
        percentile(values, 99),
        max(values),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5000, help="timed updates")
    parser.add_argument("--runs", type=int, default=10_000, help="stored runs to seed")
    parser.add_argument("--runs-per-person", type=int, default=5)
    parser.add_argument("--people", type=int, default=50, help="people active at once")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--traced", type=int, default=1000, help="updates under tracemalloc")
    parser.add_argument("--limited", type=int, default=100, help="updates with the limiter on")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
