"""Each folder in tests/fixtures/invalid/ holds one mistake an author could make.

The files end with `# expect: CODE FILE:LINE` comments; lint must report exactly those
errors, no more and no fewer, so a mistake is never hidden or buried in noise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import content_dirs
from bot.content.catalog import load_catalog
from bot.content.diagnostics import Severity

INVALID = Path(__file__).parent.parent / "fixtures" / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.is_dir())
EXPECT = re.compile(r"^# expect: (\w+) (\S+):(\d+)$", re.MULTILINE)


def expected(folder: Path) -> set[tuple[str, str, int]]:
    found = set()
    for path in folder.glob("*.yaml"):
        for code, name, line in EXPECT.findall(path.read_text(encoding="utf-8")):
            found.add((code, name, int(line)))
    return found


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_lint_reports_exactly_the_expected_problem(folder: Path) -> None:
    catalog = load_catalog([folder], content_dirs({})[1])
    # Only the fixture's own files: the shipped locales may warn of their own (H402).
    problems = [d for d in catalog.all_diagnostics().items if Path(d.path).is_relative_to(folder)]
    got = {(d.code, Path(d.path).name, d.line) for d in problems}
    assert got == expected(folder), "\n".join(map(str, problems))
    offered = catalog.scenarios != {}
    errors = [d for d in problems if d.severity is Severity.ERROR]
    assert offered == (not errors), "only a scenario without errors is offered"


def test_there_is_a_fixture_for_every_file_and_structure_code() -> None:
    covered = {code for folder in CASES for code, _, _ in expected(folder)}
    wanted = {"Y001", "Y003", "Y004", "S101", "S102", "S103", "S104", "S105", "S106",
              "G201", "G202", "G203", "G204", "G206", "G207", "L301", "L302", "L303", "L304",
              "H401", "T501", "T502", "T503", "G208",
              "C601", "C602", "C603", "C604", "C605"}  # fmt: skip
    assert wanted <= covered, sorted(wanted - covered)


def test_diagnostics_read_as_path_line_column_code_message() -> None:
    catalog = load_catalog([INVALID / "unknown-key"], content_dirs({})[1])
    (line,) = [str(d) for d in catalog.all_diagnostics().errors]
    assert re.match(
        r"^.+/scenario\.yaml:16:11: S101 unknown key 'lable' .*did you mean 'label'", line
    )
