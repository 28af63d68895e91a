"""Shared helpers for the benchmarks: the machine they ran on, percentiles and plain tables,
and the bot under test in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import random
import resource
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOT_PROCESS = Path(__file__).with_name("_bot_process.py")


@contextlib.asynccontextmanager
async def bot_process(
    kind: str,
    base_url: str,
    token: str,
    *,
    stop_timeout: float,
    options: Sequence[str] = (),
    workdir: Path | None = None,
) -> AsyncIterator[tuple[asyncio.subprocess.Process, Path]]:
    """The bot (`kind`: real or bare; more `options` for _bot_process.py) started in its
    own process and ready; then stopped with SIGTERM (killed after `stop_timeout` s) and its
    folder removed. `workdir`: a folder already seeded (data/ and keys/), kept for its
    owner. Yields the process and its log file."""
    owned = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BOT_PROCESS), "--kind", kind, "--base-url", base_url,
            "--token", token, "--data-dir", str(workdir), "--poll-timeout", "10", *options,
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )  # fmt: skip
    try:
        async with asyncio.timeout(120):
            line = await process.stdout.readline()
        if line.strip() != b"READY":
            raise RuntimeError(f"the {kind} bot did not start:\n{log_path.read_text()[-3000:]}")
        yield process, log_path
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(stop_timeout):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)


def machine() -> str:
    """CPU model, cores and Python version, as one line for the report."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    versions = [f"Python {platform.python_version()} ({platform.python_implementation()})"]
    try:
        import telegram

        versions.append(f"python-telegram-bot {telegram.__version__}")
    except ImportError:
        pass
    load = ""
    with contextlib.suppress(OSError):
        load = " load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    cores = f"{usable} core(s) usable of {os.cpu_count()}"
    return f"machine: {model}, {cores}; {', '.join(versions)};{load}"


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: text left-aligned, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
        for i, h in enumerate(headers)
    ]
    numeric = [
        all(_is_number(row[i]) for row in rows) if rows else False for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line([str(h) for h in headers]), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def max_rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def goal(met: bool) -> str:
    return "met" if met else "MISSED"


def header(title: str) -> str:
    return f"{title}\n{machine()}\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}"


def pick_button(buttons: list[str], last: str, rng: random.Random) -> str | None:
    """What a simulated person taps next, by callback data: play on, saving their answers.

    None when only the scenario menu is left to choose from after `last`, or at a debrief.
    """

    def having(prefix: str) -> list[str]:
        return [b for b in buttons if b.startswith(prefix)]

    if ages := [b for b in having("age:") if b.split(":")[1] in ("16_17", "18_19")]:
        return rng.choice(ages)
    if consent := [b for b in having("consent:") if ":save:" in b]:
        return consent[0]
    if answers := having("a:"):
        return rng.choice(answers)
    if questions := having("mq:"):  # the evaluation questionnaire: answer or skip it
        skip = having("ms:")
        return skip[0] if skip and rng.random() < 0.5 else rng.choice(questions)
    if last == "sc" and (go := having("go:")):
        return go[0]
    return None
