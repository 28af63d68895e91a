"""Every path through every scenario, with the debrief it ends with, as a reviewer reads it.

tests/golden/paths/<scenario>.<language>.txt is what `bystander paths` prints. A change to
a scenario changes its file: rerun with --update-golden and read the difference – it shows
which players now read which words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import content_dirs
from bot.content.catalog import scenario_files

GOLDEN = Path(__file__).parent.parent / "golden" / "paths"
FITTING = Path(__file__).parent.parent / "fixtures" / "valid" / "fitting"
LANGUAGES = ("sv", "en")
SCENARIOS = {p.parent.name: p.parent for p in scenario_files([content_dirs({})[0]])} | {
    "fitting": FITTING
}
CASES = [(name, language) for name in sorted(SCENARIOS) for language in LANGUAGES]


@pytest.mark.parametrize(("name", "language"), CASES)
def test_paths_print_what_is_stored_for_review(capsys, update_golden, name, language) -> None:
    assert main(["paths", str(SCENARIOS[name]), "--lang", language]) == 0
    out = capsys.readouterr().out
    golden = GOLDEN / f"{name}.{language}.txt"
    if update_golden:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8"), f"rerun with --update-golden: {golden}"


def test_there_is_a_stored_file_for_each_scenario_and_no_other() -> None:
    stored = {p.name for p in GOLDEN.glob("*.txt")}
    assert stored == {f"{name}.{language}.txt" for name, language in CASES}


def test_the_fixture_shows_two_debriefs_at_one_ending(capsys) -> None:
    main(["paths", str(FITTING), "--lang", "en"])
    out = capsys.readouterr().out
    assert "-- debrief 1 of 3, after 1 path:" in out
    told = out.split("-- debrief 3 of 3")[0]
    waited = out.split("-- debrief 3 of 3")[1]
    assert "You fetched an adult" in told and "You fetched an adult" not in waited
    assert "No adult heard about it" in waited
    assert "Wait and see ✗ → Look away ✗ → Walk past ~" in waited
