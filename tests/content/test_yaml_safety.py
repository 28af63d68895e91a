"""Scenario files are untrusted input: no tag runs code, no alias bomb hangs, no size surprises."""

from __future__ import annotations

from pathlib import Path

from bot.content.diagnostics import Report
from bot.content.yamlsafe import MAX_FILE_BYTES, parse_yaml, read_yaml

BILLION_LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(9)
)


def codes(report: Report) -> list[str]:
    return [d.code for d in report.items]


def test_alias_bomb_is_refused_without_expanding() -> None:
    report = Report()
    assert parse_yaml(BILLION_LAUGHS, "bomb.yaml", report) is None
    assert codes(report) == ["Y003"]


def test_python_tags_never_construct_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for tag in ("!!python/object/apply:os.system", "!!python/name:os.system", "!custom"):
        report = Report()
        text = f"minutes: {tag} ['touch {marker}']\n"
        assert parse_yaml(text, "tag.yaml", report) is None
        assert codes(report) == ["Y004"]
    assert not marker.exists()


def test_files_over_one_mebibyte_are_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    report = Report()
    assert read_yaml(path, report) is None
    assert codes(report) == ["Y002"]


def test_deep_nesting_is_reported_not_crashing() -> None:
    report = Report()
    assert parse_yaml("a: " + "[" * 100_000 + "]" * 100_000, "deep.yaml", report) is None
    assert codes(report) == ["Y005"]


def test_invalid_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"title: \xff\xfe\n")
    report = Report()
    assert read_yaml(path, report) is None
    assert codes(report) == ["Y006"]


def test_duplicate_keys_are_reported_with_their_line() -> None:
    report = Report()
    parse_yaml("id: a\nversion: 1\nid: b\n", "dup.yaml", report)
    assert [(d.code, d.line) for d in report.items] == [("S105", 3)]
