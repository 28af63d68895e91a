"""A real, throwaway PostgreSQL for the tests: one cluster per test session, started with the
machine's own `initdb` and `pg_ctl`, and a fresh empty database for each test that asks.

PostgreSQL refuses to run as root (CI runs as root), so there the cluster belongs to the
unprivileged `postgres` user (Debian's package creates it) or `nobody`. It listens on
127.0.0.1 on a free port and keeps its socket in its own temporary folder, so it needs nothing
of the machine's own PostgreSQL setup. A janitor process removes it when the session ends,
also when pytest is interrupted or killed: it waits for its stdin to close, which happens
however this process ends.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest

# Where a developer points the tests at another PostgreSQL (a folder with pg_ctl and initdb).
BINDIR_VARIABLE = "BYSTANDER_TEST_POSTGRES_BIN"
SUPERUSER = "postgres"
# Durability is worthless for a cluster that is deleted at the end of the session.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
JANITOR = 'cat >/dev/null; "$1" stop --pgdata="$2" --mode=immediate >/dev/null 2>&1; rm -rf "$3"'


def postgres_bindir() -> Path | None:
    """The folder of `pg_ctl` and `initdb`: the override, PATH, or Debian's newest version."""
    if BINDIR_VARIABLE in os.environ:
        chosen = Path(os.environ[BINDIR_VARIABLE])
        return chosen if (chosen / "pg_ctl").is_file() else None
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    debian = Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")  # /usr/lib/postgresql/17/bin
    newest = max(debian, key=lambda pg_ctl: version(pg_ctl.parents[1].name), default=None)
    return newest.parent if newest else None


def version(name: str) -> tuple[int, ...]:
    return tuple(int(number) for number in re.findall(r"\d+", name))


@dataclass(frozen=True)
class Owner:
    """The unprivileged account that runs the server when the tests run as root."""

    name: str
    uid: int
    gid: int

    @classmethod
    def for_this_process(cls) -> Owner | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return cls(name, entry.pw_uid, entry.pw_gid)
        raise RuntimeError("running as root, and neither a postgres nor a nobody account exists")

    def as_popen_arguments(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def run_as(owner: Owner | None, argv: list[str], cwd: Path) -> None:
    """Run a PostgreSQL program as the cluster's owner; its output becomes the error."""
    done = subprocess.run(
        argv,
        cwd=cwd,
        env={"PATH": os.defpath, "LC_ALL": "C"},
        capture_output=True,
        text=True,
        timeout=120,
        **(owner.as_popen_arguments() if owner else {}),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresCluster:
    """A running throwaway cluster; `new_database` gives an empty database's URL."""

    host: str
    port: int
    user: str
    folder: Path
    names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def new_database(self) -> str:
        # template0 rather than template1: nothing a test put into template1 leaks.
        name = f"test_{next(self.names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop it even while a test still holds connections to it."""
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def _admin(self, statement: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement)


@contextmanager
def throwaway_cluster(
    bindir: Path, settings: Sequence[str] = FAST_SETTINGS
) -> Iterator[PostgresCluster]:
    """A running cluster with `settings` (-c options); the benchmarks measure writes with
    PostgreSQL's durable defaults (no settings)."""
    owner = Owner.for_this_process()
    folder = Path(tempfile.mkdtemp(prefix="bystander-pg-"))
    if owner:
        os.chown(folder, owner.uid, owner.gid)
    data, log, pg_ctl = folder / "data", folder / "server.log", str(bindir / "pg_ctl")
    janitor = subprocess.Popen(
        ["sh", "-c", JANITOR, "janitor", pg_ctl, str(data), str(folder)],
        stdin=subprocess.PIPE,
        cwd=folder,
        start_new_session=True,  # Ctrl-C reaches pytest, not the janitor
        **(owner.as_popen_arguments() if owner else {}),
    )
    try:
        initdb = [str(bindir / "initdb"), "--pgdata", str(data), "--username", SUPERUSER,
                  "--auth=trust", "--no-locale", "--encoding=UTF8", "--no-sync"]  # fmt: skip
        run_as(owner, initdb, folder)
        port = free_port()
        options = " ".join(
            [f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(str(folder))}"]
            + [f"-c {setting}" for setting in settings]
        )
        try:
            run_as(owner, [pg_ctl, "start", "--pgdata", str(data), "--wait",
                           "--log", str(log), "-o", options], folder)  # fmt: skip
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log.read_text(errors='replace')}") from None
        yield PostgresCluster("127.0.0.1", port, SUPERUSER, folder)
    finally:
        janitor.communicate()  # closes its stdin: it stops the server and removes the folder


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; in CI (.ci/run installs PostgreSQL) it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the whole test session."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed: apt-get install postgresql")
    with throwaway_cluster(bindir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)
