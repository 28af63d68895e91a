"""Report speed: `bystander report` over a generated database of a million choice events.

Seeds an encrypted database (or, with --backend postgres, a throwaway PostgreSQL cluster)
with 20,000 pseudonyms playing 30 generated scenarios in January–November 2026 (1,000,000
choices, questionnaire pairs, classes), then times `bystander report --period 2026-06` in a
new process: first the report that releases the month (the only one that reads raw rows:
everybody, the runs outside classes, and each class), then each format rendered from the
stored release, and a report of one class and one scenario, with wall time and peak memory;
last the release of November, the newest month, as the daily job makes it the day after.
Goal: under 3 s and 300 MB for a report; the releases, made once per month (by the daily
job, before anyone asks), are reported beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, header, table
from _pg_seed import seed as pg_seed
from _postgres import FAST, create_schema, postgres_server
from lint_speed import generate

from bot.config import content_dirs
from bot.content.catalog import load_catalog
from bot.storage.keys import load_secrets
from bot.storage.sqlite.store import SqlCipherStore, transaction

AGE_BANDS = ("15_or_younger", "16_17", "18_19", "20_plus", "unsaid")
PERIOD = "2026-06"
LATEST = "2026-11"  # the data's last month: what the daily job releases the day it ends
BACKENDS = ("sqlite", "postgres")


async def seed(env: dict[str, str], scenarios, people: int, events: int, classes: int, rng):
    secrets = load_secrets(Path(env["BYSTANDER_KEY_DIR"]), Path(env["BYSTANDER_DATA_DIR"]), {})
    store = SqlCipherStore(Path(env["BYSTANDER_DATA_DIR"]) / "bystander.db", secrets.database_key)
    await store.initialize()
    users = [f"{n:064x}" for n in range(people)]
    class_ids = range(1, classes + 1)
    runs, choices, answers = [], [], []
    run_of: dict[str, int] = {}
    while len(choices) < events:
        user = rng.choice(users)
        scenario = rng.choice(scenarios)
        run_of[user] = run_of.get(user, 0) + 1
        run_id = f"r{run_of[user]}"
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        step_list = list(scenario.steps.values())
        taken = rng.randint(3, len(step_list))
        for step in step_list[:taken]:
            choice = rng.choice(step.choices)
            choices.append((user, run_id, scenario.id, 1, step.id, choice.id, choice.strategy.value,
                            choice.assessment.value, step.phase.value, day))  # fmt: skip
        finished = day if taken == len(step_list) else None
        runs.append((user, run_id, scenario.id, 1, day, finished, rng.choice([None, *class_ids])))
    for user in users[: people // 2]:
        for item in ("efficacy", "help-friend", "help-stranger", "needs-action"):
            before = rng.randint(1, 5)
            after = min(5, before + rng.randint(0, 2))
            for wave, value in (("T1", before), ("T2", after)):
                answers.append((user, scenarios[0].id, wave, item, value, "2026-03-01"))
    async with store.session() as db, transaction(db):
        await db.executemany(
            "INSERT INTO users VALUES (?, 'sv', ?, 'save', '2026-01-01', '2026-11-01')",
            [(u, AGE_BANDS[n % len(AGE_BANDS)]) for n, u in enumerate(users)],
        )
        await db.executemany(
            "INSERT INTO classes (id, owner, name, code, created_on, expires_on)"
            " VALUES (?, 'o', ?, ?, '2026-01-01', '2030-01-01')",
            [(n, f"Klass {n}", f"code{n:06d}") for n in class_ids],
        )
        await db.executemany(
            "INSERT INTO runs (user, run_id, scenario_id, version, started_on, finished_on,"
            " class_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            runs,
        )
        await db.executemany(
            "INSERT INTO choices (user, run_id, scenario_id, version, step_id, choice_id, strategy,"
            " assessment, phase, recorded_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            choices[:events],
        )
        await db.executemany("INSERT INTO measure_answers VALUES (?, ?, ?, ?, ?, ?)", answers)
    await store.close()


def seed_database(env: dict[str, str], content: Path, args: argparse.Namespace) -> None:
    catalog = load_catalog([content], content_dirs({})[1])
    scenarios = sorted(catalog.scenarios.values(), key=lambda s: s.id)
    if args.backend == "postgres":
        # The key files the bot would create; the database then only needs its schema.
        load_secrets(Path(env["BYSTANDER_KEY_DIR"]), Path(env["BYSTANDER_DATA_DIR"]), {})
        create_schema(env["BYSTANDER_DATABASE_URL"])
        pg_seed(env["BYSTANDER_DATABASE_URL"], scenarios, args.people, args.choices,
                args.classes, 11)  # fmt: skip
    else:
        rng = random.Random(11)
        asyncio.run(seed(env, scenarios, args.people, args.choices, args.classes, rng))


def run_report(
    env: dict[str, str], out: Path, *options: str, period: str = PERIOD
) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one `bystander report` process."""
    started = time.perf_counter()
    peak_kb = _report(env, out, "--period", period, *options)
    return time.perf_counter() - started, peak_kb / 1024


def _report(env: dict[str, str], out: Path, *options: str) -> int:
    """Run the command; returns its own peak RSS in KB (wait4 reports that child only)."""
    # As on a server: Python may cache compiled bytecode (some shells forbid it).
    child = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | env
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "report", *options, "--out", str(out)],
        cwd=REPO, env=child, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"bystander report {' '.join(options)} failed:\n{errors.decode()}")
    return usage.ru_maxrss


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--choices", type=int, default=1_000_000)
    parser.add_argument(
        "--people", type=int,
        help="pseudonyms (default: 20,000 on SQLite; one per 50 choices on PostgreSQL)",
    )  # fmt: skip
    parser.add_argument("--scenarios", type=int, default=30)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR",
        help="(sqlite) seed into DIR and keep it; a later run with the same DIR reuses the"
             " database",
    )  # fmt: skip
    args = parser.parse_args()
    if args.keep and args.backend == "postgres":
        parser.error("--keep is for SQLite: the PostgreSQL cluster is removed after the run")
    if args.people is None:
        args.people = args.choices // 50 if args.backend == "postgres" else 20_000
    return args


def main() -> None:
    args = arguments()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    work.mkdir(parents=True, exist_ok=True)
    reuse = (work / "data" / "bystander.db").exists()
    with contextlib.ExitStack() as cleanup:
        if not args.keep:
            cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        env = {
            "BYSTANDER_DATA_DIR": str(work / "data"),
            "BYSTANDER_KEY_DIR": str(work / "keys"),
            "BYSTANDER_SCENARIOS": str(work / "scenarios"),
        }
        if args.backend == "postgres":
            cluster = cleanup.enter_context(postgres_server(FAST))
            env["BYSTANDER_DATABASE_URL"] = cluster.new_database()
        started = time.perf_counter()
        if not reuse:
            write_scenarios(work / "scenarios", args.scenarios)
            # In a process of its own: the seed's million rows would otherwise stay in this
            # process's memory, and every report process forked from it would count them.
            seeder = multiprocessing.get_context("spawn").Process(
                target=seed_database, args=(env, work / "scenarios", args)
            )
            seeder.start()
            seeder.join()
            if seeder.exitcode != 0:
                raise SystemExit("seeding the database failed")
        seeded = time.perf_counter() - started
        rows, release_s = time_reports(env, work, filtered_scenario="gen-0000")
    print(header(f"report speed: bystander report over a generated database ({args.backend})"))
    source = f"reused {work}" if reuse else f"seeded in {seeded:.0f} s"
    print(f"{args.choices:,} choices, {args.people:,} pseudonyms, {args.scenarios}"
          f" scenarios, {args.classes} classes; {source}\n")  # fmt: skip
    print(table(("report", "seconds", "peak MB (process)", "output KB"), rows))
    worst = max(float(r[1]) for r in rows if not r[0].startswith("release"))
    memory = max(float(r[2]) for r in rows)
    print(
        f"\nslowest report {worst:.2f} s [goal < 3 s: {'met' if worst < 3 else 'MISSED'}]; "
        f"peak {memory:.0f} MB [goal < 300 MB: {'met' if memory < 300 else 'MISSED'}]; "
        f"the release of {PERIOD} took {release_s:.1f} s once"
    )


def write_scenarios(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    rng = random.Random(7)
    for index in range(count):
        generate(folder, index, rng)


def time_reports(env: dict[str, str], work: Path, filtered_scenario: str):
    """The release, then each format and one class's scenario from it, then the release of
    the last month (the newest choices, as the daily job releases it): table rows."""
    # One untimed run first, of a month without data: it applies any pending migration
    # and compiles bytecode, which a running server has done long before.
    _report(env, work / "warm-up.json", "--period", "2025-01")
    release_s, release_mb = run_report(env, work / "release.json")
    rows = [(f"release {PERIOD} + json", f"{release_s:.2f}", f"{release_mb:.0f}", "–")]
    reports = [(fmt, f"report.{fmt}", ()) for fmt in ("json", "csv", "html")]
    reports.append(
        (f"json --class 1 --scenario {filtered_scenario}", "filtered.json",
         ("--class", "1", "--scenario", filtered_scenario))
    )  # fmt: skip
    for name, file, options in reports:
        seconds, peak_mb = run_report(env, work / file, *options)
        size = (work / file).stat().st_size / 1024
        rows.append((name, f"{seconds:.2f}", f"{peak_mb:.0f}", f"{size:.0f}"))
    latest_s, latest_mb = run_report(env, work / "latest.json", period=LATEST)
    rows.append((f"release {LATEST} + json", f"{latest_s:.2f}", f"{latest_mb:.0f}", "–"))
    return rows, release_s


if __name__ == "__main__":
    main()
