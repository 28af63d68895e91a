"""End-to-end throughput and latency: simulated users against the real bot over HTTP.

    python benchmarks/e2e_throughput.py [--users 200] [--seconds 20] [--think 2]

For each variant (the real bot as `bystander run` builds it; the same without PTB's rate
limiter, as a diagnostic; a bare PTB bot that answers every update with one sendMessage)
and each phase, a fresh bot process polls a lean fake Bot API (benchmarks/lean_bot_api.py)
on 127.0.0.1 in this process, and `--users` simulated people play:

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
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from _common import bot_process, header, percentile, process_cpu_seconds, table
from lean_bot_api import TOKEN, LeanBotApi, SimUser, Stats


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
    bot_cpu: float
    load_cpu: float
    bot_log_lines: int

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


async def run_phase(variant: str, phase: str, args: argparse.Namespace) -> Result:
    api = LeanBotApi()
    await api.start()
    try:
        async with bot_process(variant, api.base_url, TOKEN, stop_timeout=15) as (process, log):
            return await _load(variant, phase, api, process.pid, log, args)
    finally:
        await api.stop()


async def _load(
    variant: str, phase: str, api: LeanBotApi, pid: int, log_path: Path, args
) -> Result:
    think = 0.0 if phase == "saturate" else args.think
    stats = Stats(limit=args.max_updates)
    rng = random.Random(args.seed)
    begin = time.perf_counter()
    window_start = begin + args.warmup
    stop_at = window_start + args.seconds
    users = [
        SimUser(api, slot, stats, reactive=variant != "bare", think=think,
                timeout=args.timeout, rng=random.Random(rng.random()))
        for slot in range(args.users)
    ]  # fmt: skip
    # Stagger the first taps over a second, as people do not all press at the same instant.
    tasks = [
        asyncio.create_task(u.run(stop_at, start_delay=i / max(1, args.users)))
        for i, u in enumerate(users)
    ]
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    cpu0, load0 = process_cpu_seconds(pid), time.process_time()
    await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.perf_counter()))
    window_end = min(time.perf_counter(), stop_at)
    cpu1, load1 = process_cpu_seconds(pid), time.process_time()
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
    log_lines = len(log_path.read_text(errors="replace").splitlines())
    return Result(
        args.round, variant, phase, args.users, think, seconds, len(completed),
        [1000 * (s.first - s.made_available) for s in in_window if s.first and s.complete],
        [1000 * (s.complete - s.made_available) for s in in_window if s.complete],
        stats.timeouts, unfinished, stats.unexpected, stats.cycles,
        cpu1 - cpu0, load1 - load0, log_lines,
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
            round(100 * r.bot_cpu / r.seconds), round(100 * r.load_cpu / r.seconds),
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
                "loadgen CPU %",
            ],
            rows,
        ),
        "",
    ]
    by = {(r.round, r.variant, r.phase): r for r in results}
    rounds = sorted({r.round for r in results})
    for variant in ("real", "real-nolimit"):
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
    for variant in ("real", "real-nolimit"):
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
    parser.add_argument("--variants", default="real,bare", help="also: real-nolimit")
    parser.add_argument("--phases", default="saturate,paced")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print(header("e2e throughput: simulated users → fake Bot API (127.0.0.1) → bot process"))
    print(
        f"users {args.users}, {args.seconds:g} s measured per phase after {args.warmup:g} s "
        f"warm-up; paced think time {args.think:g} s (mean); latency in ms\n",
        flush=True,
    )
    results = []
    for number in range(1, args.repeat + 1):
        args.round = number
        for phase, variant in itertools.product(args.phases.split(","), args.variants.split(",")):
            result = asyncio.run(run_phase(variant, phase, args))
            results.append(result)
            print(
                f"  round {number} {variant:>12} {phase:<8} {result.rate:8.1f} updates/s, "
                f"p99 first {percentile(result.first, 99):.0f} ms",
                flush=True,
            )
    print()
    print(report(results, args))


if __name__ == "__main__":
    main()
