"""End-to-end throughput and latency: simulated users against the real bot over HTTP.

    python benchmarks/e2e_throughput.py [--users 200] [--seconds 20] [--think 2]

For each variant and each phase, fresh bot processes poll a lean fake Bot API
(benchmarks/lean_bot_api.py) on 127.0.0.1 in this process. The variants:

- sqlite: the real bot as `bystander run` builds it, on its SQLCipher file;
- pg-1: the same on PostgreSQL (a throwaway cluster on this machine, durable defaults: each
  commit waits for the disk, as SQLCipher's synchronous=FULL does), a fresh database;
- pg-2: two such bot processes sharing one PostgreSQL database, each taking updates from
  the fake's one queue (each update goes to one of them, as webhook calls would);
- bare: a bare PTB bot that answers every update with one sendMessage, the reference;
- real-nolimit (only when asked): sqlite without PTB's rate limiter, a diagnostic.

`--users` simulated people play:

- saturate: every person taps again as soon as the answer is there (closed loop, no
  pause): the most updates per second the bot can serve;
- paced: each person pauses a random time (exponential, mean `--think` s) between taps,
  the same offered load for every variant: the latency people see.

Every person: /start, an age band, "save my answers", a scenario from the menu, its
content note, choices to the debrief; then the next person in that slot (a new user id).
The bare bot gets the same sequence of updates. Latency runs from the moment an update is
made available to getUpdates until the bot's answer reaches the fake (`first`: the first
answerCallbackQuery or sendMessage; `complete`: the message with the next buttons). Each
phase stops by itself after `--seconds` (plus warm-up and a bounded drain) or after
`--max-updates` updates, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import shutil
import statistics
import tempfile
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path

from _common import bot_process, header, percentile, process_cpu_seconds, table
from _postgres import PostgresCluster, postgres_server, server_cpu_seconds
from lean_bot_api import TOKEN, LeanBotApi, SimUser, Stats


@dataclass(frozen=True)
class Variant:
    kind: str  # of _bot_process.py
    workers: int = 1
    postgres: bool = False


VARIANTS = {
    "sqlite": Variant("real"),
    "pg-1": Variant("real", postgres=True),
    "pg-2": Variant("real", workers=2, postgres=True),
    "bare": Variant("bare"),
    "real-nolimit": Variant("real-nolimit"),
}
REAL = [name for name in VARIANTS if name != "bare"]


@dataclass
class Result:
    round: int
    variant: str
    phase: str
    users: int
    think: float
    seconds: float
    updates: int  # completed within the window
    first: list[float]
    complete: list[float]
    timeouts: int
    unfinished: int
    unexpected: int
    cycles: int
    bot_cpu: float  # of all its workers
    db_cpu: float  # of the PostgreSQL server (NaN without)
    load_cpu: float
    bot_log_lines: int
    shares: list[int]  # updates each worker took

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


async def run_phase(
    variant: str, phase: str, args: argparse.Namespace, cluster: PostgresCluster | None
) -> Result:
    spec = VARIANTS[variant]
    api = LeanBotApi()
    await api.start()
    try:
        async with AsyncExitStack() as stack:
            options: list[str] = []
            if spec.postgres:
                url = cluster.new_database()
                stack.callback(cluster.drop_database, url)  # after the workers stopped
                keys = tempfile.mkdtemp(prefix="bench-keys-")  # one pseudonym secret for all
                stack.callback(shutil.rmtree, keys, ignore_errors=True)
                options = ["--database-url", url, "--key-dir", keys]
            workers = [
                # One after the other: the first creates the keys and the schema.
                await stack.enter_async_context(
                    bot_process(
                        spec.kind, api.worker_url(n), TOKEN, stop_timeout=15, options=options
                    )
                )
                for n in range(1, spec.workers + 1)
            ]
            pids = [process.pid for process, _ in workers]
            logs = [log for _, log in workers]
            server = cluster if spec.postgres else None  # an idle server is not measured
            return await _load(variant, phase, api, pids, logs, args, server)
    finally:
        await api.stop()


def _cpu(pids: list[int], cluster: PostgresCluster | None) -> tuple[float, float]:
    bot = sum(process_cpu_seconds(pid) for pid in pids)
    return bot, server_cpu_seconds(cluster) if cluster else float("nan")


async def _load(
    variant: str,
    phase: str,
    api: LeanBotApi,
    pids: list[int],
    logs: list[Path],
    args: argparse.Namespace,
    cluster: PostgresCluster | None,
) -> Result:
    think = 0.0 if phase == "saturate" else args.think
    stats = Stats(limit=args.max_updates)
    rng = random.Random(args.seed)
    begin = time.perf_counter()
    window_start = begin + args.warmup
    stop_at = window_start + args.seconds
    users = [
        SimUser(api, slot, stats, reactive=VARIANTS[variant].kind != "bare", think=think,
                timeout=args.timeout, rng=random.Random(rng.random()))
        for slot in range(args.users)
    ]  # fmt: skip
    # Stagger the first taps over a second, as people do not all press at the same instant.
    tasks = [
        asyncio.create_task(u.run(stop_at, start_delay=i / max(1, args.users)))
        for i, u in enumerate(users)
    ]
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    (bot0, db0), load0 = _cpu(pids, cluster), time.process_time()
    delivered0 = api.delivered.copy()
    await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.perf_counter()))
    window_end = min(time.perf_counter(), stop_at)
    (bot1, db1), load1 = _cpu(pids, cluster), time.process_time()
    shares = [api.delivered[f"w{n}"] - delivered0[f"w{n}"] for n in range(1, len(pids) + 1)]
    _, pending = await asyncio.wait(tasks, timeout=args.timeout + 1)  # drain, bounded
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    seconds = window_end - window_start
    in_window = [s for s in stats.samples if window_start <= s.made_available <= window_end]
    completed = [
        s for s in stats.samples if s.complete and window_start <= s.complete <= window_end
    ]
    unfinished = sum(1 for s in in_window if s.complete is None)
    log_lines = sum(len(log.read_text(errors="replace").splitlines()) for log in logs)
    return Result(
        args.round, variant, phase, args.users, think, seconds, len(completed),
        [1000 * (s.first - s.made_available) for s in in_window if s.first and s.complete],
        [1000 * (s.complete - s.made_available) for s in in_window if s.complete],
        stats.timeouts, unfinished, stats.unexpected, stats.cycles,
        bot1 - bot0, db1 - db0, load1 - load0, log_lines, shares,
    )  # fmt: skip


def report(results: list[Result], args: argparse.Namespace) -> str:
    rows = []
    for r in results:
        cpu_per_update = 1000 * r.bot_cpu / r.updates if r.updates else float("nan")
        rows.append([
            r.round, r.variant, r.phase, r.users, r.think, round(r.rate, 1),
            percentile(r.first, 50), percentile(r.first, 95), percentile(r.first, 99),
            percentile(r.complete, 50), percentile(r.complete, 99),
            r.unfinished + r.timeouts, round(cpu_per_update, 2),
            round(100 * r.bot_cpu / r.seconds), 100 * r.db_cpu / r.seconds,
            round(100 * r.load_cpu / r.seconds), "/".join(map(str, r.shares)),
        ])  # fmt: skip
    out = [
        table(
            [
                "round",
                "variant",
                "phase",
                "users",
                "think s",
                "updates/s",
                "first p50 ms",
                "p95",
                "p99",
                "complete p50",
                "p99",
                "unanswered",
                "bot CPU ms/upd",
                "bot CPU %",
                "db CPU %",
                "loadgen CPU %",
                "updates per worker",
            ],
            rows,
        ),
        "",
    ]
    by = {(r.round, r.variant, r.phase): r for r in results}
    rounds = sorted({r.round for r in results})
    for variant in REAL:
        ratios = [
            by[(n, variant, "saturate")].rate / by[(n, "bare", "saturate")].rate
            for n in rounds
            if (n, variant, "saturate") in by
            and by.get((n, "bare", "saturate"))
            and by[(n, "bare", "saturate")].rate
        ]
        if ratios:
            ratio = statistics.median(ratios)
            each = ", ".join(f"{x:.2f}" for x in ratios)
            out.append(
                f"throughput ratio {variant}/bare (saturate, median of {len(ratios)} round(s): "
                f"{each}): {ratio:.2f}  [goal >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'}]"
            )
    for variant in REAL:
        for phase in ("paced", "saturate"):
            mine = [by[(n, variant, phase)] for n in rounds if (n, variant, phase) in by]
            if not mine:
                continue
            lost = sum(m.unfinished + m.timeouts for m in mine)
            for name, pick in (("first answer", "first"), ("complete answer", "complete")):
                p99 = statistics.median(percentile(getattr(m, pick), 99) for m in mine)
                ok = p99 < 200 and not lost and args.users >= 200
                # Saturated, every person waits for the queue (users / throughput): the
                # latency goal is about people tapping at their own pace.
                verdict = (
                    f"[goal < 200 ms at 200 users: {'met' if ok else 'MISSED'}]"
                    if phase == "paced"
                    else "[no goal: closed loop without pauses]"
                )
                out.append(
                    f"p99 {name}, {variant} {phase} (think {mine[0].think:g} s) at "
                    f"{args.users} users: {p99:,.0f} ms"
                    f"{f' ({lost} unanswered)' if lost else ''}  {verdict}"
                )
    for r in results:
        if r.unexpected or r.bot_log_lines:
            out.append(
                f"round {r.round} {r.variant}/{r.phase}: {r.unexpected} unexpected answer(s), "
                f"{r.bot_log_lines} bot log line(s) (warnings/errors)"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per phase")
    parser.add_argument("--think", type=float, default=5.0, help="mean pause (s) when paced")
    parser.add_argument("--repeat", type=int, default=1, help="rounds, variants interleaved")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on an answer")
    parser.add_argument("--max-updates", type=int, default=200_000, help="per phase")
    parser.add_argument(
        "--variants", default="bare,sqlite,pg-1,pg-2", help=f"of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--phases", default="saturate,paced")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    variants = args.variants.split(",")
    if unknown := set(variants) - set(VARIANTS):
        parser.error(
            f"unknown variant(s) {', '.join(sorted(unknown))}; known: {', '.join(VARIANTS)}"
        )
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print(header("e2e throughput: simulated users → fake Bot API (127.0.0.1) → bot process"))
    print(
        f"users {args.users}, {args.seconds:g} s measured per phase after {args.warmup:g} s "
        f"warm-up; paced think time {args.think:g} s (mean); latency in ms\n",
        flush=True,
    )
    with ExitStack() as stack:
        # One PostgreSQL server for the run; each phase of a pg variant gets a new database.
        postgres = any(VARIANTS[v].postgres for v in variants)
        cluster = stack.enter_context(postgres_server()) if postgres else None
        results = run_all(args, variants, cluster)
    print()
    print(report(results, args))


def run_all(args, variants: list[str], cluster: PostgresCluster | None) -> list[Result]:
    results = []
    for number in range(1, args.repeat + 1):
        args.round = number
        for phase, variant in itertools.product(args.phases.split(","), variants):
            result = asyncio.run(run_phase(variant, phase, args, cluster))
            results.append(result)
            print(
                f"  round {number} {variant:>12} {phase:<8} {result.rate:8.1f} updates/s, "
                f"p99 first {percentile(result.first, 99):.0f} ms",
                flush=True,
            )
    return results


if __name__ == "__main__":
    main()
