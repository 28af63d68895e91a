"""Per-language string tables for scenarios, kept apart from the story's structure.

A translation file `<language>.yaml` sits beside `scenario.yaml`. Each entry is keyed by
a stable id and holds the Swedish `source` it was translated from and the translated
`text`. When the Swedish changes, `source` no longer matches and the entry is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields
from bot.content.scenario_file import ScenarioDraft, SourceText
from bot.content.story_checks import check_text_limits
from bot.content.yamlsafe import read_yaml
from bot.engine.model import SOURCE_LANGUAGE

REQUIRED_LANGUAGES = ("en",)
LANGUAGE_FILE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?\.yaml$")
STRUCTURE_FILE = "scenario.yaml"


@dataclass
class Coverage:
    total: int = 0
    translated: int = 0
    stale: int = 0
    missing: int = 0

    def add(self, other: Coverage) -> None:
        self.total += other.total
        self.translated += other.translated
        self.stale += other.stale
        self.missing += other.missing


@dataclass
class Translations:
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> key -> text
    coverage: dict[str, Coverage] = field(default_factory=dict)


def language_files(folder: Path) -> dict[str, Path]:
    return {
        p.stem: p
        for p in sorted(folder.glob("*.yaml"))
        if p.name != STRUCTURE_FILE and LANGUAGE_FILE.fullmatch(p.name)
    }


def load_translations(folder: Path, draft: ScenarioDraft, report: Report) -> Translations:
    result = Translations()
    files = language_files(folder)
    for language in REQUIRED_LANGUAGES:
        if language not in files:
            report.add(
                Location(draft.path, 1, 1),
                "T501",
                f"no {language} translation: create {folder / (language + '.yaml')} "
                f"(bystander translate {draft.id or folder.name} --lang {language})",
            )
            result.coverage[language] = Coverage(len(draft.strings), 0, 0, len(draft.strings))
    for language, path in files.items():
        texts, coverage = _load_language(path, language, draft, report)
        result.texts[language] = texts
        result.coverage[language] = coverage
    return result


def _load_language(
    path: Path, language: str, draft: ScenarioDraft, report: Report
) -> tuple[dict[str, str], Coverage]:
    coverage = Coverage(total=len(draft.strings))
    texts: dict[str, str] = {}
    root = read_yaml(path, report)
    entries = _entries(root, path, language, report) if root is not None else {}
    for key, source in draft.strings.items():
        entry = entries.get(key)
        if entry is None or not entry[1]:
            coverage.missing += 1
            where = entry[2] if entry else Location(str(path), 1, 1)
            # Optional languages fall back to Swedish; English must be complete.
            report.add(
                where,
                "T502",
                f"{language}: no translation of {key!r} (Swedish: {_short(source.text)})",
                warning=language not in REQUIRED_LANGUAGES,
            )
            continue
        old_source, text, where = entry
        texts[key] = text
        check_text_limits(key, SourceText(text, where, source.kind), report, language)
        if old_source != source.text:
            coverage.stale += 1
            report.add(
                where,
                "T503",
                f"{language}: {key!r} was translated from older Swedish; the Swedish is now: "
                f"{_short(source.text)} (update text, then copy the new Swedish into source)",
                warning=True,  # the old translation is still shown meanwhile
            )
        else:
            coverage.translated += 1
    for key, (_, _, where) in entries.items():
        if key not in draft.strings:
            report.add(
                where, "T504", f"{language}: {key!r} matches no text in the scenario", warning=True
            )
    return texts, coverage


def _entries(
    root, path: Path, language: str, report: Report
) -> dict[str, tuple[str, str, Location]]:
    top = Fields(root, report, f"the {language} translation", required=("language", "strings"))
    declared = top.text("language")
    if declared is not None and declared != language:
        report.add(
            top.where("language"),
            "T505",
            f"the file is named {path.name} but says language: {declared}",
        )
    strings = top.mapping("strings")
    entries: dict[str, tuple[str, str, Location]] = {}
    for key, node in (strings.value if strings else {}).items():
        entry = Fields(node, report, f"translation {key!r}", required=("source", "text"))
        source, text = _plain(entry, "source"), _plain(entry, "text")
        entries[key] = (source, text, entry.where("text"))
    return entries


def _plain(entry: Fields, key: str) -> str:
    node = entry.get(key)
    return node.value.strip() if node is not None and isinstance(node.value, str) else ""


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def translation_skeleton(draft: ScenarioDraft, language: str, existing: dict[str, dict]) -> str:
    """A translation file with every key: existing entries kept, new ones with empty text."""
    strings = {
        key: existing.get(key) or {"source": source.text, "text": ""}
        for key, source in draft.strings.items()
    }
    header = (
        f"# {language} strings for the scenario {draft.id!r}.\n"
        f"# Translate each `text`. `source` is the {SOURCE_LANGUAGE} text it was translated from:\n"
        "# when the Swedish changes, `bystander lint` marks the entry stale; update `text`,\n"
        "# then copy the new Swedish into `source`.\n"
    )
    body = yaml.dump(
        {"language": language, "strings": strings},
        Dumper=_BlockDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return header + body


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line text as a `|` block, the way authors write it."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _represent_text)
