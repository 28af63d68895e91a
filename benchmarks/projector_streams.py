"""What the projector page's live streams cost the server, per open screen.

    python benchmarks/projector_streams.py [--streams 1,4,20,80] [--seconds 20] [--students 30]

The real bot runs in its own process (`_bot_process.py`, built as `bystander run` builds
it) with its web pages on (BYSTANDER_PUBLIC_URL=http://localhost:PORT), polling the lean
fake Bot API (lean_bot_api.py) in this process. Before it starts, this process seeds its
SQLCipher database through the storage ports: a youth worker, and one class per lesson,
each with `--students` members who joined and answered Bråk på bussen on their phones,
a lesson on phones going on (LessonStore.start_lesson) and a projector link
(WebStore.save_token).

After three seconds of page loads to warm the bot up, phases, in one run: `idle` (no
stream), then N streams open at once (at most four per link, as the server allows, so
N/4 lessons), each held for `--seconds` once every stream has had its first event. Each
stream asks the service for its page every second and sends an event only when the page
changed: with no student answering, that is the steady cost of a screen left open.
Throughout every phase, the idle one included, a fresh `GET /p/{token}` is fetched four
times a second: its p50/p95 is what someone opening the page waits for while the streams
run. Reported: the bot process's CPU seconds per wall second (of one core), the part
above idle per stream, and the page latency.

SQLite (SQLCipher) only: the PostgreSQL variant is not written yet.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from _common import bot_process, header, percentile, process_cpu_seconds, table
from lean_bot_api import TOKEN, LeanBotApi

from bot.bootstrap import build_services
from bot.config import load_config
from bot.engine.ages import WHOLE_AUDIENCE
from bot.engine.model import Scenario
from bot.services.web_tokens import new_token, web_key
from bot.storage import ChoiceRecord, Profile
from bot.storage.records import PHONES, PROJECTOR, YOUTH_WORKER, WebToken

SCENARIO = "bus-fight"  # Bråk på bussen
STREAMS_PER_LINK = 4  # the server's limit (bot.services.projector.STREAMS_PER_LINK)
PROBES_PER_SECOND = 4
CLASSROOM = 2  # screens in one classroom: the projector and the youth worker's laptop


@dataclass
class Phase:
    streams: int
    cpu_per_s: float  # the bot process's CPU seconds per wall second
    latencies: list[float]
    events: int  # events the streams received (first pages and changes)


def bot_settings(data: Path, base_url: str, port: int) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "BYSTANDER_DATA_DIR": str(data / "data"),
        "BYSTANDER_KEY_DIR": str(data / "keys"),
        "BYSTANDER_PUBLIC_URL": f"http://localhost:{port}",
        "BYSTANDER_HTTP_PORT": str(port),
    }


async def seed(settings: dict[str, str], lessons: int, students: int) -> list[str]:
    """Classes with a lesson on phones and answers, through the ports; their links' tokens."""
    services = build_services(load_config(settings))
    storage = services.storage
    await storage.lifecycle.initialize()
    try:
        scenario = services.catalog.scenarios[SCENARIO]
        worker = "bench-youth-worker"
        await storage.staff.grant_role(worker, YOUTH_WORKER, "Tumba fritidsgård")
        key = web_key(services.pseudonym_secret)
        expires = date.today() + timedelta(days=30)
        rng = random.Random(18)
        tokens = []
        for number in range(lessons):
            record = await storage.staff.create_class(
                worker, f"klass {number}", f"BENCH{number:04d}", expires, WHOLE_AUDIENCE
            )
            await storage.staff.toggle_assignment(record.id, SCENARIO)
            for student in range(students):
                user = f"bench-{number}-{student}"
                await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))
                await storage.staff.join_class(record.id, user)
                await play_through(storage.players, user, scenario, record.id, rng)
            ends = datetime.now(UTC) + timedelta(hours=2)
            lesson = await storage.lessons.start_lesson(
                record.id, worker, PHONES, SCENARIO, ends, None
            )
            token, digest = new_token(key, PROJECTOR)
            link = WebToken(PROJECTOR, worker, ends, lesson_id=lesson.id, language="sv")
            await storage.web.save_token(digest, link)
            tokens.append(token)
        return tokens
    finally:
        await storage.lifecycle.close()


async def play_through(players, user: str, scenario: Scenario, class_id: int, rng) -> None:
    """One run of the scenario to an ending, random choices, as a class member."""
    run = {"scenario": scenario.id, "version": scenario.version, "run": f"{user}-r",
           "at": "x", "path": [], "finished": False}  # fmt: skip
    await players.start_run(user, run, class_id)
    step = scenario.steps[scenario.start]
    while step is not None:
        choice = rng.choice(step.choices)
        following = scenario.steps.get(choice.next)
        record = ChoiceRecord(run["run"], scenario.id, scenario.version, step.id, choice.id,
                              choice.strategy, choice.assessment, step.phase)  # fmt: skip
        await players.save_progress(user, run, record, following is None)
        step = following


async def stream(
    session: aiohttp.ClientSession, url: str, first: asyncio.Event, seen: list[bytes]
) -> None:
    """One open screen: reads the stream until cancelled, counting its events. Refused
    for a full link (the previous phase's streams give their places back within a check),
    it asks again, as a browser's EventSource reconnects."""
    while True:
        async with session.get(url) as response:
            if response.status == 429:
                await asyncio.sleep(0.2)
                continue
            response.raise_for_status()
            async for line in response.content:
                if line.startswith(b"event:"):
                    seen.append(line)
                    first.set()
            return


async def probe(session: aiohttp.ClientSession, urls: list[str], until: float) -> list[float]:
    """Fresh page loads, four a second, each timed; the latencies in ms."""
    latencies = []
    for n in range(10**9):
        if time.monotonic() >= until:
            break
        started = time.perf_counter()
        async with session.get(urls[n % len(urls)]) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"the projector page answered {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(max(0.0, 1 / PROBES_PER_SECOND - (time.perf_counter() - started)))
    return latencies


async def phase(pid: int, base: str, tokens: list[str], streams: int, seconds: float) -> Phase:
    lessons = tokens[: max(1, -(-streams // STREAMS_PER_LINK))]
    pages = [f"{base}/p/{t}" for t in lessons]
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        firsts = [asyncio.Event() for _ in range(streams)]
        seen: list = []
        tasks = [
            asyncio.create_task(stream(session, f"{pages[n // STREAMS_PER_LINK]}/events", e, seen))
            for n, e in enumerate(firsts)
        ]
        try:
            async with asyncio.timeout(60):
                for first, task in zip(firsts, tasks, strict=True):
                    waiting = asyncio.ensure_future(first.wait())
                    await asyncio.wait([waiting, task], return_when=asyncio.FIRST_COMPLETED)
                    waiting.cancel()
                    if task.done():
                        task.result()  # a stream broken or ended early: say so
                        raise RuntimeError("a projector stream ended before its first event")
            await asyncio.sleep(1)  # every stream past its first page
            cpu, wall = process_cpu_seconds(pid), time.monotonic()
            latencies = await probe(session, pages, wall + seconds)
            cpu_per_s = (process_cpu_seconds(pid) - cpu) / (time.monotonic() - wall)
            if any(task.done() for task in tasks):
                raise RuntimeError("a projector stream ended while it was measured")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return Phase(streams, cpu_per_s, latencies, len(seen))


async def warm_up(base: str, tokens: list[str]) -> None:
    """Each page loaded first (its releases made, templates compiled), then a few seconds
    of page loads, as a server that has run a while has done."""
    pages = [f"{base}/p/{t}" for t in tokens]
    async with aiohttp.ClientSession() as session:
        for page in pages:
            async with session.get(page) as response:
                await response.read()
        await probe(session, pages, time.monotonic() + 3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.streams.split(",")]
    lessons = max(-(-n // STREAMS_PER_LINK) for n in counts)
    api = LeanBotApi()
    await api.start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-projector-"))
    try:
        port = free_port()
        settings = bot_settings(workdir, api.base_url, port)
        started = time.perf_counter()
        tokens = await seed(settings, lessons, args.students)
        print(f"seeded {lessons} classes of {args.students} students through the ports "
              f"in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        options = [f"--setting={name}={value}" for name, value in settings.items()
                   if name.startswith("BYSTANDER_") and "_DIR" not in name]  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        async with bot_process(
            "real", api.base_url, TOKEN, stop_timeout=30, options=options, workdir=workdir
        ) as (process, _log):
            await warm_up(base, tokens)
            results = [await phase(process.pid, base, tokens, 0, args.seconds)]
            for n in counts:
                results.append(await phase(process.pid, base, tokens, n, args.seconds))
                print(f"  {n} streams measured", flush=True)
    finally:
        await api.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args)


def report(results: list[Phase], args: argparse.Namespace) -> None:
    idle = results[0].cpu_per_s
    rows = []
    for r in results:
        extra = (r.cpu_per_s - idle) / r.streams if r.streams else float("nan")
        rows.append([
            r.streams or "idle", max(1, -(-r.streams // STREAMS_PER_LINK)) if r.streams else 0,
            r.cpu_per_s * 100, (r.cpu_per_s - idle) * 100, extra * 1000, r.events,
            percentile(r.latencies, 50), percentile(r.latencies, 95), len(r.latencies),
        ])  # fmt: skip
    print(header("projector page: live streams' server cost"))
    print(
        f"SQLCipher; {args.students} students per class, each through Bråk på bussen; "
        f"{args.seconds:.0f} s per phase; {PROBES_PER_SECOND} fresh page loads/s in each"
    )
    print(table(
        ["streams", "lessons", "bot CPU %", "over idle %", "CPU ms/s per stream", "events",
         "page p50 ms", "page p95 ms", "pages"],
        rows,
    ))  # fmt: skip
    per_stream = _per_stream(results, idle)
    classroom = per_stream * CLASSROOM * 100
    largest = results[-1]
    print(
        f"goal: a classroom ({CLASSROOM} screens) under 2 % of one core: {classroom:.2f} % "
        f"({'met' if classroom < 2 else 'not met'}); {largest.streams} screens under one core: "
        f"{largest.cpu_per_s * 100:.0f} % ({'met' if largest.cpu_per_s < 1 else 'not met'})"
    )


def _per_stream(results: list[Phase], idle: float) -> float:
    """CPU seconds per second of one stream, from the phase with the most streams (the least
    noisy difference from idle)."""
    largest = max(results, key=lambda r: r.streams)
    return (largest.cpu_per_s - idle) / largest.streams


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", default="1,4,20,80", help="stream counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument("--students", type=int, default=30, help="students per class")
    return parser.parse_args()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parse_args()))
