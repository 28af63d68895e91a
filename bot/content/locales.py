"""Interface strings (`locales/<language>.yaml`) and the help-resource list.

Swedish is the source; every other language is checked against it. English must be
complete. A new language is a new file, no code change.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields
from bot.content.translations import LANGUAGE_FILE, REQUIRED_LANGUAGES
from bot.content.yamlsafe import read_yaml
from bot.engine.help import HelpResource
from bot.engine.model import SOURCE_LANGUAGE

HELP_FILE = "help-resources.yaml"


@dataclass(frozen=True)
class Locales:
    strings: Mapping[str, Mapping[str, str]]  # language -> key -> text
    names: Mapping[str, str]  # language -> its own name, e.g. "Svenska"

    @property
    def languages(self) -> list[str]:
        return list(self.strings)

    def pick(self, language: str | None) -> str:
        """The supported language closest to a Telegram language code such as 'en-GB'."""
        base = (language or "").split("-")[0].lower()
        return base if base in self.strings else SOURCE_LANGUAGE

    def text(self, language: str, key: str, **values: object) -> str:
        table = self.strings.get(language, {})
        template = table.get(key) or self.strings[SOURCE_LANGUAGE].get(key)
        if template is None:
            raise KeyError(f"no interface string {key!r}")
        return template.format(**values) if values else template


def load_help_resources(folder: Path, report: Report) -> dict[str, HelpResource]:
    path = folder / HELP_FILE
    root = read_yaml(path, report)
    if root is None:
        return {}
    top = Fields(root, report, "the help-resource list", required=("resources",))
    resources: dict[str, HelpResource] = {}
    for node in top.items("resources"):
        item = Fields(
            node,
            report,
            "a help resource",
            required=("key", "ages", "topics"),
            optional=("phone", "url", "emergency"),
        )
        key = item.text("key")
        ages_node = item.mapping("ages")
        ages = Fields(ages_node, report, "ages", required=("min", "max")) if ages_node else None
        if key is None or ages is None:
            continue
        emergency = item.get("emergency")
        resources[key] = HelpResource(
            key=key,
            phone=item.text("phone"),
            url=item.text("url"),
            min_age=ages.number("min") or 0,
            max_age=ages.number("max") or 120,
            topics=tuple(word for word, _ in item.words("topics")),
            emergency=bool(emergency and emergency.value is True),
        )
    return resources


def load_locales(folder: Path, report: Report, help_keys: list[str]) -> Locales:
    tables: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    where: dict[str, dict[str, Location]] = {}
    for path in sorted(folder.glob("*.yaml")):
        if LANGUAGE_FILE.fullmatch(path.name):
            _read_table(path, report, tables, names, where)
    if SOURCE_LANGUAGE not in tables:
        report.add(
            Location.start_of(folder / "sv.yaml"),
            "T501",
            "the Swedish interface strings are missing",
        )
        return Locales(tables, names)
    source = tables[SOURCE_LANGUAGE]
    for key in help_keys:
        for part in ("name", "description"):
            if f"help.{key}.{part}" not in source:
                report.add(
                    Location.start_of(folder / "sv.yaml"),
                    "S102",
                    f"no help.{key}.{part} in sv.yaml",
                )
    for language in REQUIRED_LANGUAGES:
        if language not in tables:
            report.add(
                Location.start_of(folder / f"{language}.yaml"),
                "T501",
                f"no {language} interface strings",
            )
    for language, table in tables.items():
        if language != SOURCE_LANGUAGE:
            _compare(language, table, source, where[language], folder / f"{language}.yaml", report)
    return Locales(tables, names)


def _read_table(path: Path, report: Report, tables: dict, names: dict, where: dict) -> None:
    root = read_yaml(path, report)
    if root is None:
        return
    top = Fields(root, report, path.name, required=("language", "language_name", "strings"))
    strings = top.mapping("strings")
    language = path.stem
    names[language] = top.text("language_name") or language
    tables[language], where[language] = {}, {}
    for key, node in (strings.value if strings else {}).items():
        if isinstance(node.value, str):
            tables[language][key] = node.value.strip()
            where[language][key] = node.where
        else:
            report.add(node.where, "S103", f"{key!r} must be text")


def _compare(
    language: str, table: dict, source: dict, where: dict, path: Path, report: Report
) -> None:
    for key, text in source.items():
        if key not in table:
            report.add(Location.start_of(path), "T502", f"{language}: no translation of {key!r}")
        elif _placeholders(table[key]) != _placeholders(text):
            report.add(
                where[key],
                "T506",
                f"{language}: {key!r} must use the placeholders {sorted(_placeholders(text))}",
            )
    for key in table.keys() - source.keys():
        report.add(where[key], "T504", f"{language}: {key!r} is not in sv.yaml", warning=True)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
