"""The documentation lists every diagnostic code the checker can report."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.diagnostics import CODES

DOC = Path(__file__).parents[2] / "docs" / "scenario-format.md"


def test_every_code_is_documented_and_no_unknown_code_is() -> None:
    documented = set(re.findall(r"^\| ([A-Z]\d{3}) \|", DOC.read_text(encoding="utf-8"), re.M))
    assert documented == set(CODES)
