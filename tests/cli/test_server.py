"""The server commands as an operator runs them: `bystander report`, on a fresh data folder."""

from __future__ import annotations

import contextlib
import io
import json
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bot.cli.main import main


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def installed(server: Path) -> None:
    """The commands below need an installation, as `bystander init` makes it."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["init"]) == 0


def test_a_report_file_is_readable_by_its_owner_only(server: Path, capsys) -> None:
    out = server / "report.csv"
    assert main(["report", "--format", "csv", "--out", str(out)]) == 0
    assert mode(out) == 0o600
    assert out.read_text(encoding="utf-8").startswith("\ufefftable;")
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_a_workbook_and_its_data_dictionary(server: Path, capsys, monkeypatch) -> None:
    book = server / "report.xlsx"
    assert main(["report", "--out", str(book)]) == 0
    assert mode(book) == 0o600
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets[0] == "about" and sheets[-1] == "dictionary"
    capsys.readouterr()
    assert main(["report", "--dictionary"]) == 0
    dictionary = capsys.readouterr().out
    assert dictionary.startswith("\ufeffTabell;Kolumn;Rubrik;Typ;Beskrivning\r\n")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["report", "--format", "xlsx"]) == 1
    assert capsys.readouterr().err == (
        "bystander report: a workbook is not for a terminal: give --out FILE.xlsx\n"
    )
    assert main(["report", "--dictionary", "--out", str(server / "d.html")]) == 1
    assert capsys.readouterr().err == (
        "bystander report: --dictionary writes a CSV: name the file .csv and leave out --format\n"
    )


def test_a_report_replacing_a_readable_file_is_private_too(server: Path, capsys) -> None:
    out = server / "report.html"
    out.write_text("last month's report")
    out.chmod(0o644)
    assert main(["report", "--out", str(out)]) == 0
    assert mode(out) == 0o600
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in server.iterdir()) == ["data", "keys", "report.html"]


def test_a_report_to_a_missing_folder_is_one_line(server: Path, capsys) -> None:
    out = server / "no-such-folder" / "report.json"
    assert main(["report", "--format", "json", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (f"bystander report: cannot write {out}: No such file or directory\n")
    assert not out.parent.exists()


@pytest.mark.parametrize(("configured", "asked"), [(None, "4"), (None, "2"), ("7", "6")])
def test_min_group_cannot_lower_k(server: Path, monkeypatch, capsys, configured, asked) -> None:
    if configured:
        monkeypatch.setenv("BYSTANDER_MIN_GROUP", configured)
    out = server / "report.json"
    assert main(["report", "--format", "json", "--min-group", asked, "--out", str(out)]) == 1
    captured = capsys.readouterr()
    k = configured or "5"
    assert captured.err == (
        f"bystander report: --min-group {asked} is below K = {k} (BYSTANDER_MIN_GROUP): a "
        f"report may hide more than the bot does, never less; use {k} or more\n"
    )
    assert captured.out == "" and not out.exists()


@pytest.mark.parametrize(("configured", "asked", "k"), [(None, "5", 5), ("7", "9", 9)])
def test_min_group_can_raise_k(server: Path, monkeypatch, capsys, configured, asked, k) -> None:
    if configured:
        monkeypatch.setenv("BYSTANDER_MIN_GROUP", configured)
    assert main(["report", "--format", "json", "--min-group", asked]) == 0
    assert json.loads(capsys.readouterr().out)["k"] == k


# -- keys that do not fit the database ------------------------------------------------------

COMMANDS = [
    ["report", "--format", "json"],
    ["purge", "--dry-run"],
    ["invite", "--role", "evaluator", "--label", "Team"],
]


def first_start(server: Path, capsys) -> dict[str, bytes]:
    assert main(["init"]) == 0  # creates both keys and the database
    capsys.readouterr()
    return files(server)


def files(server: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(server)): p.read_bytes() for p in sorted(server.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_server_commands_refuse_another_pseudonym_key(server: Path, capsys, command) -> None:
    first_start(server, capsys)
    key = server / "keys" / "pseudonym.key"
    key.write_text("ab" * 32 + "\n")  # a new key where the lost one was; still 0600
    before = files(server)

    assert main(command) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"bystander {command[0]}: the pseudonym key in {key} does not belong to the database "
        f"{server / 'data' / 'bystander.db'}: restore the key from your backup\n"
    )
    assert files(server) == before


def test_another_pseudonym_secret_in_the_environment_is_refused(
    server: Path, monkeypatch, capsys
) -> None:
    first_start(server, capsys)
    monkeypatch.setenv("BYSTANDER_PSEUDONYM_SECRET", "cd" * 32)
    assert main(["purge", "--dry-run"]) == 1
    assert capsys.readouterr().err.startswith(
        "bystander purge: the pseudonym secret in BYSTANDER_PSEUDONYM_SECRET does not belong"
    )


@pytest.mark.parametrize("lost", ["pseudonym.key", "database.key"])
@pytest.mark.parametrize("command", COMMANDS)
def test_server_commands_never_replace_a_lost_key(server: Path, capsys, command, lost) -> None:
    first_start(server, capsys)
    (server / "keys" / lost).unlink()
    before = files(server)

    assert main(command) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"bystander {command[0]}: the key file {server / 'keys' / lost} is missing but the "
        f"database {server / 'data' / 'bystander.db'} exists: restore the key from your "
        "backup (a new key would not fit the data)\n"
    )
    assert files(server) == before


def test_the_restored_key_works_again(server: Path, capsys) -> None:
    first = first_start(server, capsys)
    key = server / "keys" / "pseudonym.key"
    key.unlink()
    assert main(["purge", "--dry-run"]) == 1
    key.write_bytes(first["keys/pseudonym.key"])
    key.chmod(0o600)
    assert main(["purge", "--dry-run"]) == 0


def test_a_wrong_database_key_is_one_line(server: Path, capfd) -> None:
    assert main(["init"]) == 0
    key = server / "keys" / "database.key"
    key.write_text("cd" * 32 + "\n")
    capfd.readouterr()
    assert main(["purge", "--dry-run"]) == 1
    out, err = capfd.readouterr()  # also what SQLCipher itself writes to file descriptor 2
    assert out == ""
    assert err == (
        f"bystander purge: cannot decrypt {server / 'data' / 'bystander.db'}: the database key "
        "is wrong or the file is not a SQLCipher database\n"
    )


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("r.csv", "\ufefftable;".encode()),
        ("r.json", b"{"),
        ("r.htm", b"<!"),
        ("r.xlsx", b"PK\x03\x04"),  # a zip, as every .xlsx is
    ],
)
def test_the_report_format_follows_the_out_file_name(server: Path, capsys, name, start) -> None:
    out = server / name
    assert main(["report", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(start)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "html", "--out", "r.csv"], "--format html does not fit --out {dir}/r.csv"),
        (["--out", "r.txt"], "--out {dir}/r.txt: end the name in .html, .xlsx, .csv or .json"),
        (["--out", "."], "cannot write {dir}: it is a folder"),
        (["--out", "gone/r.csv"], "cannot write {dir}/gone/r.csv: No such file or directory"),
    ],
)
def test_a_report_that_cannot_be_written_is_refused_before_any_work(
    server: Path, capsys, argv, message
) -> None:
    argv = [str(server / a) if a.startswith(("r.", ".", "gone")) else a for a in argv]
    installation = sorted(server.rglob("*"))
    capsys.readouterr()
    assert main(["report", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"bystander report: {message.format(dir=server)}")
    assert captured.err.count("\n") == 1
    assert sorted(server.rglob("*")) == installation, "no database was opened or file made"


def test_an_explicit_format_wins_over_a_name_without_one(server: Path, capsys) -> None:
    out = server / "report.txt"
    assert main(["report", "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))


def test_a_report_read_by_head_ends_quietly(server: Path) -> None:
    command = [sys.executable, "-m", "bot.cli.main", "report", "--format", "csv"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader went away, like `| head` after its lines
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
    process.stderr.close()


def test_a_server_command_warns_about_a_setting_it_does_not_know(
    server: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYSTANDER_MIN_GRUOP", "10")
    assert main(["report", "--format", "json", "--out", str(server / "r.json")]) == 0
    assert capsys.readouterr().err == (
        "bystander report: warning: BYSTANDER_MIN_GRUOP in the environment is not a setting"
        " and is ignored; did you mean BYSTANDER_MIN_GROUP?\n"
    )


def test_a_mentor_is_not_invited_from_the_server(server: Path, capsys) -> None:
    before = files(server)
    assert main(["invite", "--role", "mentor", "--label", "Mentor NA2b"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "bystander invite: a mentor leads the classes of the youth worker who invited them, "
        "so the youth worker invites them in the bot: /invite mentor LABEL\n"
    )
    assert files(server) == before
