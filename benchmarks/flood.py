"""One person floods the bot: how long do the others wait for their answers meanwhile?

    python benchmarks/flood.py [--flood 600] [--users 40] [--think 1] [--seconds 5] [--repeat 1]

Two phases, each a fresh bot process (`_bot_process.py --kind real`, as `bystander run`)
polling the lean fake Bot API (benchmarks/lean_bot_api.py) on 127.0.0.1 in this process:

- quiet: `--users` simulated people play as in e2e_throughput.py (each taps, waits for the
  answer, pauses a random time with mean `--think` s, taps again);
- flood: the same people with the same seed, and at the start of the measured window one
  more person sends `--flood` updates at once (taps on the age button, as fast as a script
  can put them in the queue: more than python-telegram-bot's 256 shared slots).

Latency is the others' tap → answer time, from the moment an update is made available to
getUpdates (`first`: the first answerCallbackQuery or sendMessage; `complete`: the message
with the next buttons), for updates made available in the `--seconds` window. The goal is
that the others' p99 with the flood is at most twice their p99 without it, measured in
the same run. Also reported: how many of the flood's taps the bot answered (the rest were
dropped, see bot/telegram/ordering.py) and when the last of them was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from dataclasses import dataclass
from typing import Any

from _common import bot_process, goal, header, percentile, table
from lean_bot_api import BOT_USER, TOKEN, LeanBotApi, SimUser, Stats

FLOODER = 9_000_001  # a chat id no simulated person gets
RATIO_GOAL = 2.0


class Flooder:
    """One person sending many taps at once; counts the answers the bot gives them."""

    chat_id = FLOODER

    def __init__(self, api: LeanBotApi) -> None:
        self.api = api
        self.answered = 0
        self.sent_at = 0.0
        self.last_answer: float | None = None

    def on_answer(self, now: float) -> None:  # every handled tap is answered exactly once
        self.answered += 1
        self.last_answer = now

    def on_message(self, now: float, markup: dict[str, Any] | None, message_id: int) -> None:
        self.last_answer = now

    def flood(self, count: int) -> None:
        sender = {"id": FLOODER, "is_bot": False, "first_name": "Sim", "language_code": "sv"}
        chat = {"id": FLOODER, "type": "private", "first_name": "Sim"}
        data = "age:16_17:sv"  # a person hammering the first button the bot shows
        for n in range(1, count + 1):
            self.api.enqueue(
                {
                    "callback_query": {
                        "id": f"{FLOODER}-{n}",
                        "from": sender,
                        "chat_instance": str(-FLOODER),
                        "data": data,
                        "message": {
                            "message_id": 1,
                            "date": int(time.time()),
                            "chat": chat,
                            "from": BOT_USER,
                            "text": "…",
                            "reply_markup": {
                                "inline_keyboard": [[{"text": "16–17", "callback_data": data}]]
                            },
                        },
                    }
                }
            )
        self.sent_at = time.perf_counter()


@dataclass
class Result:
    round: int
    phase: str
    first: list[float]
    complete: list[float]
    unanswered: int
    flood_answered: int
    flood_drained_ms: float


async def run_phase(phase: str, args: argparse.Namespace) -> Result:
    api = LeanBotApi()
    await api.start()
    try:
        async with bot_process("real", api.base_url, TOKEN, stop_timeout=30):
            return await _load(phase, api, args)
    finally:
        await api.stop()


async def _load(phase: str, api: LeanBotApi, args: argparse.Namespace) -> Result:
    stats = Stats()
    rng = random.Random(args.seed)
    window_start = time.perf_counter() + args.warmup
    stop_at = window_start + args.seconds
    users = [
        SimUser(api, slot, stats, reactive=True, think=args.think, timeout=args.timeout,
                rng=random.Random(rng.random()))
        for slot in range(args.users)
    ]  # fmt: skip
    tasks = [
        asyncio.create_task(u.run(stop_at, start_delay=i * args.think / max(1, args.users)))
        for i, u in enumerate(users)
    ]
    flooder = Flooder(api)
    api.register(flooder)  # type: ignore[arg-type]  (duck-typed: it only counts answers)
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    if phase == "flood":
        flooder.flood(args.flood)
    await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.perf_counter()))
    _, pending = await asyncio.wait(tasks, timeout=args.timeout + 1)  # drain, bounded
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    window = [s for s in stats.samples if window_start <= s.made_available <= stop_at]
    drained = (
        1000 * (flooder.last_answer - flooder.sent_at)
        if phase == "flood" and flooder.last_answer
        else float("nan")
    )
    return Result(
        args.round,
        phase,
        [1000 * (s.first - s.made_available) for s in window if s.first],
        [1000 * (s.complete - s.made_available) for s in window if s.complete],
        sum(1 for s in window if s.complete is None),
        flooder.answered,
        drained,
    )


def report(results: list[Result], args: argparse.Namespace) -> str:
    rows = []
    for r in results:
        flood = r.phase == "flood"
        rows.append([
            r.round, r.phase, len(r.complete),
            percentile(r.first, 50), percentile(r.first, 99),
            percentile(r.complete, 50), percentile(r.complete, 95), percentile(r.complete, 99),
            max(r.complete, default=float("nan")), r.unanswered,
            f"{r.flood_answered}/{args.flood}" if flood else "–",
            r.flood_drained_ms if flood else float("nan"),
        ])  # fmt: skip
    out = [
        table(
            [
                "round",
                "phase",
                "others' taps",
                "first p50 ms",
                "p99",
                "complete p50",
                "p95",
                "p99",
                "max",
                "unanswered",
                "flood answered",
                "flood drained ms",
            ],
            rows,
        ),
        "",
    ]
    by = {(r.round, r.phase): r for r in results}
    rounds = sorted({r.round for r in results})
    for name, pick in (("first answer", "first"), ("complete answer", "complete")):
        ratios = [
            percentile(getattr(by[(n, "flood")], pick), 99)
            / percentile(getattr(by[(n, "quiet")], pick), 99)
            for n in rounds
        ]
        ratio = statistics.median(ratios)
        each = ", ".join(f"{x:.2f}" for x in ratios)
        lost = sum(by[(n, "flood")].unanswered for n in rounds)
        out.append(
            f"others' p99 {name}, flood/quiet (median of {len(ratios)} round(s): {each}): "
            f"{ratio:.2f}{f' ({lost} unanswered)' if lost else ''}  "
            f"[goal <= {RATIO_GOAL:g}: {goal(ratio <= RATIO_GOAL and not lost)}]"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flood", type=int, default=600, help="updates the flooder sends")
    parser.add_argument("--users", type=int, default=40, help="other people playing")
    parser.add_argument("--think", type=float, default=1.0, help="their mean pause (s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=1, help="rounds, phases interleaved")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on an answer")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print(header("flood: one person floods the bot while others play (127.0.0.1)"))
    print(
        f"flood {args.flood} updates at once; {args.users} others, mean pause "
        f"{args.think:g} s; {args.seconds:g} s measured after {args.warmup:g} s warm-up; "
        "latency in ms\n",
        flush=True,
    )
    results = []
    for number in range(1, args.repeat + 1):
        args.round = number
        for phase in ("quiet", "flood"):
            result = asyncio.run(run_phase(phase, args))
            results.append(result)
            print(
                f"  round {number} {phase:<5} others' p99 complete "
                f"{percentile(result.complete, 99):.0f} ms",
                flush=True,
            )
    print()
    print(report(results, args))


if __name__ == "__main__":
    main()
