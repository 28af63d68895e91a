"""`bystander research-export` as an operator runs it on a data folder with a closed month
of answers: a private file, a log entry per export, and kind refusals."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import stat
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.cli.main import main
from bot.config import load_config
from bot.evaluation.release import Period
from bot.storage import Profile
from bot.storage.keys import load_secrets
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.store import SqlCipherStore

PEOPLE = [f"{n:x}".rjust(64, "f") for n in range(7)]  # pseudonyms, as stored
LAST_MONTH = Period.last_closed_month(datetime.now(UTC).date())


async def answered(people: list[str], day: date) -> None:
    """Each person plays s1 and answers T1 and T2 on `day`, as the bot would store it."""
    config = load_config(os.environ, require_token=False)
    secrets = load_secrets(
        config.key_dir, config.data_dir, config.secrets_env, database=config.database_path
    )
    store = SqlCipherStore(
        config.database_path, secrets.database_key, today=lambda: day, key_check=secrets.key_check
    )
    survey = SqlCipherEvaluationStore(store)
    await store.initialize()
    try:
        for user in people:
            await store.save_profile(Profile(user, "sv", "16_17", "save"))
            run = {"scenario": "s1", "version": 1, "run": "r1", "at": "x", "path": [],
                   "finished": False}  # fmt: skip
            await store.start_run(user, run)
            await survey.record_answer(user, "s1", "T1", "efficacy", 2)
            await survey.record_answer(user, "s1", "T2", "efficacy", 4)
    finally:
        await store.close()


@pytest.fixture(autouse=True)
def installed(server: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["init"]) == 0


def export(server: Path, name: str, *extra: str) -> int:
    who = ["--for", "Anna Svensson/KI", "--purpose", "Bystander study, approval 2026-01234"]
    return main(["research-export", *who, "--out", str(server / name), *extra])


def person_ids(path: Path) -> set[str]:
    rows = list(openpyxl.load_workbook(path)["rows"].iter_rows(values_only=True))
    return {row[0] for row in rows[1:]}


def test_an_export_is_private_logged_and_new_ids_each_time(server: Path, capsys) -> None:
    asyncio.run(answered(PEOPLE, LAST_MONTH.first + timedelta(days=9)))
    assert export(server, "first.xlsx") == 0
    assert export(server, "second.xlsx") == 0
    first, second = server / "first.xlsx", server / "second.xlsx"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert f"wrote {first}: 14 rows, 7 people, 0 named class(es)" in out
    assert len(person_ids(first)) == 7
    assert not person_ids(first) & person_ids(second)
    with zipfile.ZipFile(first) as book:
        xml = "".join(book.read(name).decode() for name in book.namelist())
    assert not any(user in xml for user in PEOPLE), "no pseudonym in the file"
    assert f"{LAST_MONTH.first.isoformat()}" not in xml, "no day"

    assert main(["research-export", "--log"]) == 0
    header, *entries = capsys.readouterr().out.splitlines()
    assert header.split("\t")[:5] == ["id", "asked_on", "made_on", "who", "purpose"]
    assert len(entries) == 2
    fields = entries[0].split("\t")
    assert fields[3:9] == ["Anna Svensson/KI", "Bystander study, approval 2026-01234",
                           f"period={LAST_MONTH.name}", "xlsx", "14", "7"]  # fmt: skip
    assert fields[-1] == hashlib.sha256(first.read_bytes()).hexdigest()


def test_a_csv_export_writes_its_dictionary_beside_it(server: Path, capsys) -> None:
    asyncio.run(answered(PEOPLE, LAST_MONTH.first))
    assert export(server, "rows.csv") == 0
    data = (server / "rows.csv").read_text(encoding="utf-8")
    assert data.startswith("\ufeffexport_person;class;age_band;")
    dictionary = server / "rows-dictionary.csv"
    assert stat.S_IMODE(dictionary.stat().st_mode) == 0o600
    assert "export_person" in dictionary.read_text(encoding="utf-8")
    assert not any(user in data for user in PEOPLE)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--purpose", "x"], 'say who receives the data: --for "NAME/ORG"'),
        (["--for", "Anna"], 'say what the data is for: --purpose "TEXT"'),
        (["--for", "Anna", "--purpose", "  "], 'say what the data is for: --purpose "TEXT"'),
        (["--for", "Anna", "--purpose", "x", "--period", "2999-01"], "2999-01 is not over yet"),
        (["--for", "Anna", "--purpose", "x", "--out", "x.pdf"], "end the name in .xlsx or .csv"),
        (["--for", "Anna", "--purpose", "x"], "the export would hold 4 people, fewer than K = 5"),
    ],
)  # fmt: skip
def test_refusals_are_one_line_and_log_nothing(
    server: Path, capsys, arguments: list[str], error: str
) -> None:
    asyncio.run(answered(PEOPLE[:4], LAST_MONTH.first))
    assert main(["research-export", *arguments]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("bystander research-export: ") and error in captured.err
    assert captured.err.count("\n") == 1 and not captured.out
    assert main(["research-export", "--log"]) == 0
    assert capsys.readouterr().out == "no research exports yet\n"
    assert not list(server.glob("research-export-*"))
