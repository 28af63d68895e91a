"""A throwaway PostgreSQL for the benchmarks: the tests' cluster (tests/pgcluster.py: the
machine's own initdb and pg_ctl, 127.0.0.1 on a free port, run by an unprivileged account
when we are root, removed when the benchmark ends however it ends)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from _common import REPO, process_cpu_seconds

sys.path.insert(0, str(REPO / "tests"))

from pgcluster import FAST_SETTINGS, PostgresCluster, postgres_bindir, throwaway_cluster

from bot.storage.postgres.database import connect, migrate

# What the bot's writes are measured with: PostgreSQL's defaults, so every commit waits for
# its WAL to reach the disk, as SQLCipher's synchronous=FULL does.
DURABLE: Sequence[str] = ()
# For seeding data that is then only read: durability is worthless there.
FAST = FAST_SETTINGS


@contextmanager
def postgres_server(settings: Sequence[str] = DURABLE) -> Iterator[PostgresCluster]:
    """A running cluster; its `new_database()` gives the URL of a new empty database."""
    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
    with throwaway_cluster(bindir, settings) as cluster:
        yield cluster


def server_cpu_seconds(cluster: PostgresCluster) -> float:
    """User + system CPU time of the cluster's server processes that are running now (the
    postmaster and its children: one backend per connection, the WAL writer, ...)."""
    postmaster = int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == postmaster or int(stat.parent.name) == postmaster:
            total += process_cpu_seconds(int(stat.parent.name))
    return total


def create_schema(url: str) -> None:
    """Apply the bot's migrations, as the first `bystander run` would."""

    async def apply() -> None:
        async with await connect(url) as db:
            await migrate(db)

    asyncio.run(apply())
