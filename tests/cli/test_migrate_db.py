"""`bystander migrate-db` and `bystander redelete` as an operator runs them: the real command
in a subprocess, a real SQLCipher file and the throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from storage.contract.lessons import GROUP_8B, VOTES, group_lesson, new_class
from storage.contract.plays import seed

from bot.privacy.class_view import Release, Tally
from bot.storage import Profile, transfer
from bot.storage.addresses import ChatKeys
from bot.storage.deletions import DeletionLog
from bot.storage.keys import KeyCheck, key_check
from bot.storage.ports import Storage
from bot.storage.postgres.classes import PostgresClassStore
from bot.storage.postgres.database import describe
from bot.storage.postgres.lessons import PostgresLessonStore
from bot.storage.postgres.reports import PostgresReportStore
from bot.storage.postgres.retention import PostgresRetentionStore
from bot.storage.postgres.store import PostgresStore
from bot.storage.postgres.survey import PostgresSurveyStore
from bot.storage.postgres.web import PostgresWebStore
from bot.storage.records import POLL, PROJECTOR, SESSION, GroupChat, WebToken
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.database import connect
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.lock import DatabaseLock
from bot.storage.sqlite.store import SqlCipherStore
from bot.storage.sqlite.web import SqlCipherWebStore
from bot.storage.transfer import Progress

KEY = bytes(range(32))
SECRET = bytes(range(32, 64))
CHECK = KeyCheck(key_check(SECRET), "the test's pseudonym secret")
PASSWORD = "s3cret-pw"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 2, 10, 9, 0, tzinfo=UTC)

    @property
    def day(self) -> date:
        return self.now.date()


@dataclass(frozen=True)
class Operator:
    """An operator's shell: key files in place, the settings in the environment."""

    home: Path

    @property
    def database(self) -> Path:
        return self.home / "data" / "bystander.db"

    def run(self, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli.main", *argv],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=300,
        )


@pytest.fixture
def operator(server: Path) -> Operator:
    keys = server / "keys"
    keys.mkdir(mode=0o700)
    for name, secret in (("database.key", KEY), ("pseudonym.key", SECRET)):
        (keys / name).write_text(secret.hex() + "\n")
        (keys / name).chmod(0o600)
    return Operator(server)


def sqlite_storage(database: Path, clock: Clock) -> Storage:
    store = SqlCipherStore(
        database, KEY, today=lambda: clock.day, now=lambda: clock.now, key_check=CHECK
    )
    evaluation = SqlCipherEvaluationStore(store)
    lessons = SqlCipherLessonStore(store, ChatKeys(SECRET))
    classes, web = SqlCipherClassStore(store), SqlCipherWebStore(store)
    return Storage(store, store, classes, lessons, *[evaluation] * 3, web)


def postgres_storage(url: str, log: DeletionLog | None = None) -> Storage:
    store = PostgresStore(url, key_check=CHECK, deletions=log)
    return Storage(
        store, store, PostgresClassStore(store), PostgresLessonStore(store, ChatKeys(SECRET)),
        PostgresSurveyStore(store), PostgresReportStore(store), PostgresRetentionStore(store),
        PostgresWebStore(store),
    )  # fmt: skip


async def fill(storage: Storage, clock: Clock) -> None:
    """A history with a row in every table: plays, answers and a lesson with a poll in
    February 2024, folded into the aggregates by retention in 2025; then classes, roles,
    invitations, menus, releases, follow-ups, a researcher's export, a lesson round and plays
    of 2025; and a session and a projector link of the web pages, which are not moved."""
    players, staff, survey = storage.players, storage.staff, storage.survey
    await seed(players, 6, "old-")
    for n in range(6):
        await survey.record_answer(f"old-{n}", "s1", "T1", "efficacy", 2)
        await survey.record_answer(f"old-{n}", "s1", "T2", "efficacy", 4)
    old_class = await new_class(storage, "7A")
    await play_lesson(storage, old_class)
    await staff.close_class(old_class)
    clock.now = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    for n in range(6):  # still active: their profiles stay, their old events are folded
        await players.save_profile(Profile(f"old-{n}", "en", "16_17", "save"))
    await storage.retention.purge(date(2025, 1, 1), dry_run=False, min_group=1)

    class_id = await new_class(storage, "8B")
    await seed(players, 4, "new-", class_id=class_id)
    await staff.join_class(class_id, "new-0")
    await staff.toggle_assignment(class_id, "s1")
    await staff.save_release(class_id, "s1", "a", Release(Tally(5, {"a": 3}), {"a": 3}))
    await staff.create_invitation("token-hash", "evaluator", "Team", date(2025, 3, 8))
    await staff.grant_role("worker", "youth_worker", "Tumba fritidsgård")
    await staff.set_menu("worker", "staff")
    await staff.set_setting("bot_username", "bystander_bot")
    await survey.record_answer("new-1", "s1", "T1", "efficacy", 3)
    await survey.schedule_follow_up("new-1", "s1", date(2025, 4, 1), "sealed-address", 3)
    await storage.reports.save_release("2025-02", date(2025, 2, 28), '{"k": 5}')
    await storage.reports.ask_research_export("Anna, KI", None, "a study", "2025-02")
    lesson = await play_lesson(storage, class_id)
    await survey.join_lesson_round("new-1", "s1", lesson, "sealed-round-address")
    later = clock.now + timedelta(hours=1)
    await storage.web.save_token(bytes(32), WebToken(SESSION, "worker", later))
    await storage.web.save_token(bytes(range(32)), WebToken(PROJECTOR, "worker", later, lesson))


async def play_lesson(storage: Storage, class_id: int) -> int:
    lesson = await group_lesson(storage, class_id, GroupChat(GROUP_8B))
    started = await storage.lessons.start_play(lesson.id, class_id, "worker", "s1", 1, {}, POLL)
    await storage.lessons.link_poll(f"poll-{class_id}", started.id, "s1", 5)
    await storage.lessons.save_play(started.id, {"at": "end"}, 0, VOTES, finished=True)
    await storage.lessons.ask_class_questions(lesson.id, "T2")
    await storage.lessons.link_class_poll(f"class-poll-{class_id}", lesson.id, "T2", "item", 6)
    for wave, answers in (("T1", [1, 2, 3, 4, 5]), ("T2", [0, 1, 2, 6, 6])):
        await storage.lessons.record_class_answers(lesson.id, wave, "item", answers, POLL)
    return lesson.id


async def filled_sqlite(database: Path) -> None:
    clock = Clock()
    storage = sqlite_storage(database, clock)
    await storage.lifecycle.initialize()
    try:
        await fill(storage, clock)
    finally:
        await storage.lifecycle.close()


def sqlite_rows(database: Path) -> dict[str, list[tuple]]:
    """Every row of every table with its rowid, JSON read as values (its spacing may differ)."""

    def value(cell: object) -> object:
        if isinstance(cell, str) and cell[:1] in ("{", "["):  # ("" is in every string)
            return json.dumps(json.loads(cell), sort_keys=True)
        return cell

    with contextlib.closing(connect(database, KEY)) as db:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
        return {
            table: sorted(
                tuple(map(value, row)) for row in db.execute(f"SELECT rowid, * FROM {table}")
            )
            for table in tables
        }


def with_password(url: str) -> str:
    """The test cluster trusts every login; a password in the URL must still never show."""
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


def postgres_counts(url: str) -> dict[str, int]:
    """Rows per table the data lives in (not the unlogged memory of unsaved play)."""
    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
            " AND table_name NOT LIKE 'unsaved\\_%'"
        )
        tables = [name for (name,) in cursor]
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.mark.postgres
def test_a_database_moves_to_postgresql_and_back_unchanged(
    operator: Operator, postgres_url: str
) -> None:
    asyncio.run(filled_sqlite(operator.database))
    original = sqlite_rows(operator.database)
    assert all(original.values()), [t for t, rows in original.items() if not rows]
    moved_rows = {t: rows for t, rows in original.items() if t not in transfer.NOT_MOVED}
    left_behind = dict.fromkeys(transfer.NOT_MOVED, 0)

    on_postgresql = {"BYSTANDER_DATABASE_URL": postgres_url}
    assert operator.run("init", env=on_postgresql).returncode == 0  # as docs/operations.md allows

    moved = operator.run("migrate-db", "--to", with_password(postgres_url))

    assert moved.returncode == 0, moved.stderr
    counts = postgres_counts(postgres_url)
    assert counts == {table: len(rows) for table, rows in moved_rows.items()} | left_behind
    counts = {table: n for table, n in counts.items() if table not in left_behind}
    assert f"choices: {counts['choices']:,} / {counts['choices']:,} rows" in moved.stderr
    verifying, summary = moved.stderr.splitlines()[-2:]
    assert verifying == "verifying: every table of the copy read back and summed"
    assert summary.startswith(f"copied {sum(counts.values()):,} rows of {len(counts)} tables in ")
    lines = moved.stdout.splitlines()
    assert lines[0].split() == ["table", "SQLite", "rows", "PostgreSQL", "rows", "checksums"]
    table_lines = {line.split()[0]: line.split() for line in lines[1 : 1 + len(counts)]}
    assert table_lines["choices"][1:4] == [f"{counts['choices']:,}"] * 2 + ["equal"]
    assert set(table_lines) == set(counts)
    assert "the evaluation report over the whole history is the same" in moved.stdout
    assert lines[-1] == (
        f"now set BYSTANDER_DATABASE_URL={postgres_url} (with its password, unless it is in "
        f"~/.pgpass) and start the bot; keep the SQLite file {operator.database} "
        "until you are satisfied"
    )
    assert PASSWORD not in moved.stdout + moved.stderr
    assert next_class_id(postgres_url) == len(original["classes"]) + 1, "numbered after the copy"
    stale = operator.run("purge", "--dry-run")  # a worker still set up for the file
    assert stale.returncode == 1
    moved_to = f"was moved to {describe(postgres_url)} on {date.today().isoformat()}"
    assert f"the data of the database {operator.database} {moved_to}" in stale.stderr

    operator.database.rename(operator.home / "original.db")
    back = operator.run("migrate-db", "--from", postgres_url)

    assert back.returncode == 0, back.stderr
    assert sqlite_rows(operator.database) == moved_rows | {t: [] for t in transfer.NOT_MOVED}
    assert stat.S_IMODE(operator.database.stat().st_mode) == 0o600
    assert "the evaluation report over the whole history is the same" in back.stdout
    assert "now remove BYSTANDER_DATABASE_URL" in back.stdout.splitlines()[-1]
    assert list(operator.database.parent.glob(".*")) == [], "nothing of the copy left beside it"
    stale = operator.run("purge", "--dry-run", env=on_postgresql)
    assert stale.returncode == 1 and "was moved to the SQLite database" in stale.stderr


def next_class_id(url: str) -> int:
    """The id PostgreSQL gives the next class made on the copy."""
    with psycopg.connect(url, autocommit=True) as db:
        query = "SELECT nextval(pg_get_serial_sequence('classes', 'id'))"
        return db.execute(query).fetchone()[0]


def refusal(result: subprocess.CompletedProcess) -> str:
    """The one line a refused command says; it says nothing else."""
    assert (result.returncode, result.stdout) == (1, ""), result
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert PASSWORD not in result.stderr
    return result.stderr.removeprefix("bystander migrate-db: ").rstrip("\n")


@pytest.mark.postgres
def test_migrate_db_refuses_a_target_that_holds_data(operator: Operator, postgres_url: str) -> None:
    asyncio.run(filled_sqlite(operator.database))
    unmoved = {path: path.read_bytes() for path in operator.database.parent.glob("bystander.db*")}
    assert operator.run("migrate-db", "--to", postgres_url).returncode == 0
    before = postgres_counts(postgres_url)

    twice = refusal(operator.run("migrate-db", "--to", postgres_url))
    assert twice == (
        f"the database {operator.database} was moved to {describe(postgres_url)} on "
        f"{date.today().isoformat()} already: nothing to do"
    )
    for path, content in unmoved.items():  # another copy of the file, from before the move
        path.write_bytes(content)
    again = refusal(operator.run("migrate-db", "--to", postgres_url))

    assert again.startswith("PostgreSQL at 127.0.0.1:")
    held = sum(before.values()) - 1  # all but the key check a bot records at its start
    tables = sum(1 for n in before.values() if n)  # not those left behind
    assert again.endswith(
        f"already holds data ({held} row(s) in {tables} table(s)): migrate-db copies "
        "into an empty database only"
    )
    assert postgres_counts(postgres_url) == before
    back = refusal(operator.run("migrate-db", "--from", postgres_url))
    assert back == f"the database {operator.database} already exists: migrate-db never replaces one"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("INSERT INTO choices (user, run_id, scenario_id, version, step_id, choice_id, strategy,"
         " assessment, phase, recorded_on) VALUES ('nobody', 'r9', 's1', 1, 'a', 'good',"
         " 'delegate', 'helpful', 'during', '2025-03-01')",
         "PostgreSQL refused the rows of choices: insert or update on table \"choices\" "
         "violates foreign key constraint \"choices_pseudonym_run_id_fkey\""),
        ("UPDATE users SET first_seen_on = 'soon' WHERE user = 'new-1'",
         "the column users.first_seen_on holds a value that is not a date: the database is "
         "damaged; restore it from a backup"),
    ],
)  # fmt: skip
def test_a_copy_that_fails_leaves_postgresql_as_it_was(
    operator: Operator, postgres_url: str, damage: str, said: str
) -> None:
    asyncio.run(filled_sqlite(operator.database))
    with contextlib.closing(connect(operator.database, KEY)) as db:
        db.execute(damage)

    failed = operator.run("migrate-db", "--to", postgres_url)

    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr.splitlines()[-1] == f"bystander migrate-db: {said}"
    assert postgres_counts(postgres_url) == {}, "not even the schema is left"


@pytest.mark.postgres
def test_a_copy_whose_report_differs_is_removed_again(
    operator: Operator, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(filled_sqlite(operator.database))

    async def reports_differ(*_: object) -> None:  # as if a backend counted otherwise
        raise transfer.TransferError("the evaluation report … differs on the two sides")

    monkeypatch.setattr(transfer, "refuse_other_reports", reports_differ)
    to_postgres = transfer.to_postgres(
        operator.database, KEY, CHECK, postgres_url, Progress(io.StringIO())
    )
    with pytest.raises(transfer.TransferError):
        asyncio.run(to_postgres)

    assert set(postgres_counts(postgres_url).values()) == {0}
    assert operator.run("migrate-db", "--to", postgres_url).returncode == 0, "it may try again"


@pytest.mark.postgres
def test_migrate_db_from_a_database_the_bot_never_set_up_refuses(
    operator: Operator, postgres_url: str
) -> None:
    refused = refusal(operator.run("migrate-db", "--from", postgres_url))

    assert refused.startswith("PostgreSQL at 127.0.0.1:")
    assert refused.endswith(" holds no bot database")
    assert not operator.database.exists()


async def set_up_with_another_secret(url: str) -> None:
    store = PostgresStore(url, key_check=KeyCheck(key_check(bytes(32)), "another secret"))
    await store.initialize()
    await store.close()


@pytest.mark.postgres
def test_migrate_db_refuses_a_database_of_another_pseudonym_secret(
    operator: Operator, postgres_url: str
) -> None:
    asyncio.run(filled_sqlite(operator.database))
    asyncio.run(set_up_with_another_secret(postgres_url))
    pseudonym_key = operator.home / "keys" / "pseudonym.key"

    to = refusal(operator.run("migrate-db", "--to", postgres_url))
    operator.database.unlink()
    back = refusal(operator.run("migrate-db", "--from", postgres_url))

    assert to.endswith(
        f"was set up with another pseudonym secret than the pseudonym key in {pseudonym_key}"
    )
    assert back.startswith(f"the pseudonym key in {pseudonym_key} does not belong to PostgreSQL")
    assert sum(postgres_counts(postgres_url).values()) == 1, "only the other secret's check"
    assert not operator.database.exists()


def test_migrate_db_refuses_while_the_bot_runs(operator: Operator) -> None:
    asyncio.run(filled_sqlite(operator.database))
    bot = DatabaseLock(operator.database)
    bot.acquire(exclusive=False)  # as a running bot holds it
    try:
        refused = refusal(operator.run("migrate-db", "--to", "postgresql://bot@localhost/db"))
    finally:
        bot.release()
    assert refused == (
        f"the database {operator.database} is in use by the running bot or another bystander "
        "command: stop the bot first (e.g. systemctl stop bystander)"
    )


def test_migrate_db_asks_for_a_database_of_the_current_schema(operator: Operator) -> None:
    asyncio.run(filled_sqlite(operator.database))
    with contextlib.closing(connect(operator.database, KEY)) as db:
        latest = db.execute("PRAGMA user_version").fetchone()[0]
        db.execute(f"PRAGMA user_version = {latest - 1}")

    refused = refusal(operator.run("migrate-db", "--to", "postgresql://bot@localhost/db"))

    assert refused == (
        f"the database {operator.database} has schema version {latest - 1}, this code "
        f"{latest}: start the bot of this version once (it updates the schema), stop it, and "
        "run migrate-db again"
    )


@pytest.mark.parametrize(
    ("option", "url", "said"),
    [
        ("--to", f"mysql://bot:{PASSWORD}@db/bystander",
         "--to must be a postgresql://<token>@host/database URL"),
        ("--from", f"postgresql://bot:{PASSWORD}@db.example.org/bystander?sslmode=require",
         "--from has sslmode=require for db.example.org, another machine: use "
         "sslmode=verify-full (TLS with a verified certificate), or set "
         "BYSTANDER_DATABASE_TLS=optional if you accept an unverified connection"),
        ("--to", f"postgresql://bot:{PASSWORD}@db:99999/bystander",
         "--to is not a usable URL: percent-encode any / ? # @ : in the user name or password"),
    ],
)  # fmt: skip
def test_migrate_db_refuses_a_url_the_bot_would_refuse(
    operator: Operator, option: str, url: str, said: str
) -> None:
    # (bot.logsafe masks the user part of every URL in a message, the example's too.)
    assert refusal(operator.run("migrate-db", option, url)) == said
    assert not operator.database.exists()


def test_migrate_db_names_an_unreachable_server_without_its_password(operator: Operator) -> None:
    asyncio.run(filled_sqlite(operator.database))

    refused = refusal(
        operator.run("migrate-db", "--to", f"postgresql://bot:{PASSWORD}@127.0.0.1:1/db")
    )

    assert refused.startswith("PostgreSQL at 127.0.0.1:1/db is unavailable: ")


def test_progress_says_at_most_once_a_second_how_far_a_table_is() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(out, clock=lambda: now[0])

    progress.start("choices", 1_000_000)
    for _ in range(10):
        now[0] += 0.25
        progress.advance(100_000)
    progress.finish()
    progress.summary(1)

    assert out.getvalue().splitlines() == [
        "choices: 400,000 / 1,000,000 rows",
        "choices: 800,000 / 1,000,000 rows",
        "choices: 1,000,000 / 1,000,000 rows",
        "copied 1,000,000 rows of 1 tables in 2.5 s",
    ]


@pytest.mark.postgres
def test_redelete_deletes_again_who_deleted_their_data_after_the_backup(
    operator: Operator, postgres_url: str
) -> None:
    backup_day = datetime.now(UTC).date() - timedelta(days=2)
    started = datetime.combine(backup_day, datetime.min.time(), UTC) - timedelta(days=5)
    here = operator.home / "data" / "deletions.log"
    there = operator.home / "worker-2-deletions.log"
    for path in (here, there):  # each host's log, begun long before the backup
        DeletionLog(path, SECRET, 30, now=lambda: started).ensure()
    DeletionLog(here, SECRET, 30).record("ana")  # after the backup, on this host
    DeletionLog(there, SECRET, 30).record("bo")  # and on another worker

    async def restored_backup() -> None:  # it holds all three
        storage = postgres_storage(postgres_url)
        await storage.lifecycle.initialize()
        for user in ("ana", "bo", "cy"):
            await storage.players.save_profile(Profile(user, "sv", "16_17", "save"))
        await storage.lifecycle.close()

    async def profiles() -> list[str]:
        storage = postgres_storage(postgres_url)
        await storage.lifecycle.initialize()
        found = [u for u in ("ana", "bo", "cy") if await storage.players.get_profile(u)]
        await storage.lifecycle.close()
        return found

    asyncio.run(restored_backup())
    env = {"BYSTANDER_DATABASE_URL": postgres_url}
    too_old = (started - timedelta(days=1)).date()

    refused = operator.run("redelete", "--since", str(too_old), env=env)
    done = operator.run("redelete", "--since", str(backup_day), "--log", str(there), env=env)

    assert refused.returncode == 1
    assert refused.stderr.startswith(f"bystander redelete: the backup is from {too_old} 00:00 UTC")
    assert "before the deletion log" in refused.stderr
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"deleted again the data of 2 person(s) who deleted it since {backup_day} 00:00 UTC "
        "(2 deletion(s) in 2 log(s))\n"
    )
    assert asyncio.run(profiles()) == ["cy"]
