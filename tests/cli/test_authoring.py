"""The author CLI as a new author would use it: `bystander lint | play | graph | scenarios`."""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOLDEN = Path(__file__).parent.parent / "golden"
MINIMAL = FIXTURES / "valid" / "minimal"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lint_is_clean_on_the_shipped_scenarios(capsys) -> None:
    code, out, _ = run(capsys, "lint")
    assert code == 0
    assert "0 error(s)" in out and "Translation coverage" in out


def test_lint_reminds_the_operator_that_a_local_help_line_awaits_its_number(capsys) -> None:
    code, out, _ = run(capsys, "lint")
    assert code == 0, "a warning: the line is hidden until then"
    (line,) = [line for line in out.splitlines() if " H402 " in line]
    assert re.search(r"locales/help-resources\.yaml:\d+:\d+: H402 warning: ", line)
    assert line.endswith(
        "the help line 'socialtjanst_botkyrka' awaits the operator's phone number or web "
        "address; it is hidden until then (docs/help-resources.md#local-services)"
    )


def test_lint_fails_with_located_errors_and_a_coverage_table(capsys) -> None:
    code, out, _ = run(capsys, "lint", str(FIXTURES / "invalid"))
    assert code == 1
    assert "scenario.yaml:16:11: S101 unknown key 'lable'" in out
    assert "en " in out.split("Translation coverage")[1]


def test_lint_json_lists_every_diagnostic(capsys) -> None:
    code, out, _ = run(
        capsys, "lint", "--format", "json", str(FIXTURES / "invalid" / "next-unknown")
    )
    report = json.loads(out)
    assert code == 1
    in_scenario = [d for d in report["diagnostics"] if "next-unknown" in d["path"]]
    assert [(d["code"], d["line"]) for d in in_scenario] == [("G201", 36)]
    assert report["coverage"]["en"]["total"] > 0


def test_lint_on_a_missing_path_says_so(capsys) -> None:
    code, _, err = run(capsys, "lint", "no/such/folder")
    assert code == 1 and "no such file or folder" in err


@pytest.mark.parametrize("command", ["lint", "scenarios", "play bus-fight", "graph bus-fight"])
def test_a_missing_locales_folder_is_one_line(capsys, monkeypatch, command) -> None:
    monkeypatch.setenv("BYSTANDER_LOCALES", "no/such/locales")
    name, *rest = command.split()
    code, out, err = run(capsys, name, *rest)
    assert code == 1 and out == ""
    assert (
        err == f"bystander {name}: no/such/locales: no such folder of interface texts (locales)\n"
    )


def test_scenarios_lists_id_version_languages_and_title(capsys) -> None:
    code, out, _ = run(capsys, "scenarios", "--format", "json")
    listing = json.loads(out)
    assert code == 0
    bus = next(s for s in listing if s["id"] == "bus-fight")
    assert bus["version"] >= 1 and bus["title"]
    assert bus["languages"][0] == "sv" and {"en", "ar", "fi", "so", "tr"} <= set(bus["languages"])
    code, out, _ = run(capsys, "scenarios")
    assert any(line.startswith("bus-fight\tv") for line in out.splitlines())


@pytest.mark.parametrize(
    ("reference", "lang", "choices"),
    [
        (str(MINIMAL), "sv", "1,1,1"),
        (str(MINIMAL), "en", "2,2"),
        ("bus-fight", "sv", "first"),
        ("bus-fight", "en", "random:3"),
        ("bus-fight", "ar", "first"),
        ("honour-control", "so", "random:5"),
        ("hijab-harassment", "tr", "first"),
        ("neighbour-violence", "fi", "random:2"),
    ],
)
def test_play_prints_the_same_transcript_as_stored(capsys, update_golden, reference, lang, choices):
    code, out, _ = run(capsys, "play", reference, "--lang", lang, "--choices", choices)
    assert code == 0
    name = f"{Path(reference).name}-{lang}-{choices.replace(',', '').replace(':', '')}.txt"
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8"), (
        f"rerun with --update-golden if intended: {name}"
    )


def test_play_stops_with_a_clear_message_on_a_bad_choice_number(capsys) -> None:
    code, _, err = run(capsys, "play", str(MINIMAL), "--choices", "1,9")
    assert code == 1 and "choice 9 at step 'middle': pick 1–2" in err


def test_play_stops_when_the_listed_choices_run_out(capsys) -> None:
    code, _, err = run(capsys, "play", str(MINIMAL), "--choices", "1")
    assert code == 1 and "ran out at step 'middle'" in err


def test_play_rejects_a_malformed_choice_list(capsys) -> None:
    code, _, err = run(capsys, "play", str(MINIMAL), "--choices", "one,two")
    assert code == 1 and "option numbers" in err


def test_interactive_play_asks_again_after_invalid_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("7\nhello\n1\n1\n1\n"))
    code, out, _ = run(capsys, "play", str(MINIMAL))
    assert code == 0
    assert out.count("Please type a number from 1 to 2.") == 2
    assert "Det gick bra" in out


def test_quitting_play_is_not_a_failure(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1\nq\n"))
    code, out, err = run(capsys, "play", str(MINIMAL))
    assert code == 0 and err == ""
    assert out.endswith("Stopped at step 'middle', before an ending.\n")


def test_piped_answers_that_run_out_are_a_failure(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n"))  # a script, not a person at a keyboard
    code, _, err = run(capsys, "play", str(MINIMAL))
    assert code == 1
    assert err == "bystander play: the input ended at step 'middle', before an ending\n"


def test_play_refuses_a_broken_scenario_and_shows_why(capsys) -> None:
    code, _, err = run(capsys, "play", str(FIXTURES / "invalid" / "next-unknown"))
    assert code == 1 and "G201" in err and "has errors" in err


def test_play_with_an_unknown_id_lists_the_known_ones(capsys) -> None:
    code, _, err = run(capsys, "play", "no-such-scenario")
    assert code == 1 and "bus-fight" in err


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_shows_phases_strategies_and_endings(capsys, fmt) -> None:
    code, out, _ = run(capsys, "graph", str(MINIMAL), "--format", fmt)
    assert code == 0
    for expected in ("Före", "Under", "Efter", "Delegera", "🏁 good", "🏁 alone"):
        assert expected in out
    assert ("flowchart TD" if fmt == "mermaid" else "digraph") in out


def edge_line(graph: str, label: str) -> str:
    (line,) = [line for line in graph.splitlines() if f': {label}"' in line]
    return line


def test_graph_tells_helpful_partly_and_harmful_choices_apart(capsys) -> None:
    code, mermaid, _ = run(capsys, "graph", str(MINIMAL))
    assert code == 0
    assert '"✓ Distrahera: Gör något" ==>' in edge_line(mermaid, "Gör något")  # thick
    assert '"~ Ingen strategi – passiv: Gå förbi" -->' in edge_line(mermaid, "Gå förbi")
    assert '"✗ Ingen strategi – passiv: Vänta" .->' in edge_line(mermaid, "Vänta")  # dotted
    assert "✓ helpful" in mermaid and "~ partly" in mermaid and "✗ harmful" in mermaid
    code, dot, _ = run(capsys, "graph", str(MINIMAL), "--format", "dot")
    assert 'color="#1a7f37"' in edge_line(dot, "Gör något")
    assert 'color="#b35900", fontcolor="#b35900", style=solid' in edge_line(dot, "Gå förbi")
    assert "style=dashed" in edge_line(dot, "Vänta")
    assert "legend [shape=note" in dot


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_draws_a_scenario_with_errors_and_marks_them(capsys, fmt) -> None:
    broken = FIXTURES / "invalid" / "next-unknown"
    code, out, err = run(capsys, "graph", str(broken), "--format", fmt)
    assert code == 0, "drawing is what an author needs to find the error"
    assert "⚠ lasst: no such step or ending" in out.replace("\\n", ": ")
    assert "⚠ ✓ Delegera – hämta hjälp: Hämta hjälp" in out  # the choice that points nowhere
    assert "1 error(s)" in out and "🏁 good" in out
    if fmt == "mermaid":
        assert re.search(r'^  (n\d+)\{\{"⚠ lasst', out, re.M)
        assert re.search(r"^  class n\d+ missing$", out, re.M)
    else:
        assert re.search(r'label="⚠ lasst.*shape=hexagon, style=dashed, color="#d00000"', out)
    assert err.count("\n") == 1 and err.startswith("bystander graph: warning:")
    assert "1 error(s)" in err and f"bystander lint {broken}" in err


def test_graph_outlines_an_unreachable_step_in_red(capsys) -> None:
    code, out, _ = run(capsys, "graph", str(FIXTURES / "invalid" / "unreachable-step"))
    (orphan,) = re.findall(r'^    (n\d+)\["orphan:', out, re.M)
    assert code == 0 and re.search(rf"^  class note,{orphan} broken$", out, re.M)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([str(FIXTURES / "invalid" / "yaml-syntax")], "scenario.yaml cannot be read"),
        (["measures"], "the questionnaire cannot be drawn"),
        (["bus-fight", "--lang", "de"], "bus-fight has no 'de' text; it has sv, ar, en, fi"),
    ],
)
def test_graph_refuses_what_it_cannot_draw_in_one_line(capsys, argv, message) -> None:
    code, out, err = run(capsys, "graph", *argv)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_translate_writes_a_skeleton_that_lint_then_reports_as_missing(tmp_path, capsys) -> None:
    folder = tmp_path / "minimal"
    shutil.copytree(MINIMAL, folder)
    code, out, _ = run(capsys, "translate", str(folder), "--lang", "de")
    assert code == 0 and "to translate" in out
    assert "source: Något verkar fel." in (folder / "de.yaml").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "lint", str(folder))
    assert code == 0, "a missing optional language is a warning: the bot shows Swedish"
    assert "T502 warning: de: no translation of 'first.text'" in out


@pytest.mark.parametrize(
    "lang",
    ["../x", "../../etc/x", "en/../../x", "en/x", "{tmp}/x", "en\n", "", "e", "EN", "engelska"],
)
def test_translate_takes_a_language_code_never_a_path(tmp_path, capsys, lang) -> None:
    folder = tmp_path / "a" / "b" / "minimal"
    shutil.copytree(MINIMAL, folder)
    lang = lang.format(tmp=tmp_path)  # an absolute path, inside this test's folder
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, out, err = run(capsys, "translate", str(folder), "--lang", lang)
    assert code == 1 and out == ""
    assert (
        err
        == f"bystander translate: --lang {lang!r} is not a language code like en, ar, so or pt-BR\n"
    )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_translate_refuses_a_code_the_bot_would_not_read(tmp_path, capsys) -> None:
    folder = tmp_path / "minimal"
    shutil.copytree(MINIMAL, folder)
    code, _, err = run(capsys, "translate", str(folder), "--lang", "zh-Hant-TW")
    assert code == 1 and err.count("\n") == 1 and "at most one region or script" in err
    assert not (folder / "zh-Hant-TW.yaml").exists()
    code, _, _ = run(capsys, "translate", str(folder), "--lang", "pt-BR")
    assert code == 0 and (folder / "pt-BR.yaml").exists()


def test_version_names_the_installed_release(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    assert out == f"bystander {importlib.metadata.version('bystander-bot')}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "bystander: the following arguments are required: COMMAND"),
        (["plya"], "bystander: argument COMMAND: invalid choice: 'plya'"),
        (["lint", "--format", "xml"], "bystander lint: argument --format: invalid choice"),
        (["play"], "bystander play: the following arguments are required: scenario"),
    ],
)
def test_a_usage_mistake_is_one_line(capsys, argv, message) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.startswith(message) and err.count("\n") == 1 and "--help" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["scenarios"],
        ["lint", "--format", "json"],
        ["play", "bus-fight", "--choices", "first"],
        ["graph", "bus-fight"],
    ],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(argv) -> None:
    # `bystander scenarios | head -1`: the pipe closes before (or while) the command writes.
    command = [sys.executable, "-m", "bot.cli.main", *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""
    process.stderr.close()


def test_graph_labels_a_step_whose_text_is_in_lines_with_its_first_line(capsys) -> None:
    code, mermaid, _ = run(capsys, "graph", str(FIXTURES / "valid" / "fitting"))
    assert code == 0
    assert 'n1["middle: Nu händer det på bussen."]' in mermaid
