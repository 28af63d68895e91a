"""docs/help-resources.md, which the help-resource file refers to, covers every line shipped."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.catalog import Catalog
from bot.engine.help import HelpResource

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "help-resources.md"


def test_the_help_resource_file_refers_to_a_document_that_exists() -> None:
    header = (ROOT / "locales" / "help-resources.yaml").read_text(encoding="utf-8")
    referred = set(re.findall(r"docs/[\w-]+\.md", header))
    assert referred == {"docs/help-resources.md"} and DOC.is_file()


def ages(resource: HelpResource) -> str:
    """How the table writes a line's ages."""
    low, high = resource.min_age, resource.max_age
    if high == 120:
        return "all" if low == 0 else f"{low} and older"
    return f"up to {high}" if low == 0 else f"{low}–{high}"


def test_every_shipped_line_is_described_with_its_ages(shipped_catalog: Catalog) -> None:
    table = re.findall(r"^\| `(\w+)` \|[^|]*\|[^|]*\| ([^|]*) \|", DOC.read_text("utf-8"), re.M)
    assert dict(table) == {key: ages(r) for key, r in shipped_catalog.help.items()}
