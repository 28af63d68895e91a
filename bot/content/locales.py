"""Interface strings (`locales/<language>.yaml`) and the help-resource list.

Swedish (`sv.yaml`, plain `key: text`) is the source. Every other language is a
translation in the same format as a scenario's: `key: {source, text}`. English must be
complete; any other language may be partial, and its missing texts are shown in English.
A new language is a new file (`bystander translate --lang <code>`), no code change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.bidi import for_right_to_left, is_right_to_left
from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields
from bot.content.review import REVIEWED, Review, judge, read_review
from bot.content.translations import (
    LANGUAGE_FILE,
    REQUIRED_LANGUAGES,
    Coverage,
    Entry,
    check_kept_as_written,
    compare,
    offered,
    read_entries,
    same_markup,
    same_placeholders,
)
from bot.content.yamlsafe import read_yaml
from bot.engine.glossary import word_forms
from bot.engine.help import HelpResource
from bot.engine.model import FALLBACK_LANGUAGE, SOURCE_LANGUAGE

HELP_FILE = "help-resources.yaml"
AWAITING_CONTACT = "H402"  # a warning: a (local) line without a number yet, not shown


GLOSSARY_WORDS = re.compile(r"glossary\.[^.]+\.words")


@dataclass(frozen=True)
class Locales:
    """Every language read, drafts too (staff preview them); `languages` are those offered
    to young people: Swedish, English and the translations at least `offered_from`."""

    strings: Mapping[str, Mapping[str, str]]  # language -> key -> text
    names: Mapping[str, str]  # language -> its own name, e.g. "Svenska"
    coverage: Mapping[str, Coverage] = field(default_factory=dict)  # translations, by code
    reviews: Mapping[str, Review] = field(default_factory=dict)  # translations, by code
    offered_from: str = REVIEWED  # the lowest review status offered (a setting)

    @property
    def languages(self) -> list[str]:
        return [code for code in self.strings if self.is_offered(code)]

    @property
    def drafts(self) -> list[str]:
        """Languages below the offered status: only staff may choose them, to preview."""
        return [code for code in self.strings if not self.is_offered(code)]

    def drafts_said(self) -> str:
        """The languages only staff may preview, with their status, for the start's log line
        (shipping drafts is normal: not a warning)."""
        return ", ".join(f"{code} ({self.reviews[code].effective})" for code in self.drafts)

    def is_offered(self, code: str) -> bool:
        if code == SOURCE_LANGUAGE:
            return True
        return code in self.strings and offered(code, self.reviews.get(code), self.offered_from)

    def for_everyone(self, language: str | None) -> str:
        """`language` if young people are offered it, else Swedish: for what a group, a
        projector or a young person reads (a draft is previewed only in staff's own chat)."""
        return language if language and self.is_offered(language) else SOURCE_LANGUAGE

    def pick(self, language: str | None) -> str:
        """The offered language closest to a Telegram language code such as 'en-GB'."""
        base = (language or "").split("-")[0].lower()
        return base if self.is_offered(base) else SOURCE_LANGUAGE

    def glossary(self) -> dict[str, dict[str, list[str]]]:
        """Each language's glossary word forms by entry (`glossary.<id>.words`), drafts too,
        a form the language lacks in English, then Swedish; as written (no direction marks)."""
        keys = self.strings.get(SOURCE_LANGUAGE, {})
        terms = [k.split(".")[1] for k in keys if GLOSSARY_WORDS.fullmatch(k)]
        return {
            language: {t: word_forms(self._find(language, f"glossary.{t}.words")[1]) for t in terms}
            for language in self.strings
        }

    def _find(self, language: str, key: str) -> tuple[str, str]:
        """The language a text is written in (its fallback when `language` lacks it) and
        its template."""
        for fallback in (language, FALLBACK_LANGUAGE, SOURCE_LANGUAGE):
            template = self.strings.get(fallback, {}).get(key)
            if template:
                return fallback, template
        raise KeyError(f"no interface string {key!r}")

    def text(self, language: str, key: str, **values: object) -> str:
        """The text in `language`; a text it lacks is shown in English, then Swedish."""
        written_in, template = self._find(language, key)
        text = template.format(**values) if values else template
        return for_right_to_left(text) if is_right_to_left(written_in) else text


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
        phone, url = _contact(item, "phone"), _contact(item, "url")
        if phone is None and url is None:
            report.add(
                item.where("key"),
                AWAITING_CONTACT,
                f"the help line {key!r} awaits the operator's phone number or web address; "
                "it is hidden until then (docs/help-resources.md#local-services)",
                warning=True,
            )
        resources[key] = HelpResource(
            key=key,
            phone=phone,
            url=url,
            min_age=ages.number("min") or 0,
            max_age=ages.number("max") or 120,
            topics=tuple(word for word, _ in item.words("topics")),
            emergency=bool(emergency and emergency.value is True),
        )
    return resources


def _contact(item: Fields, key: str) -> str | None:
    """A phone number or web address; empty ("") is a place the operator has yet to fill."""
    found = item.get(key)
    if found is not None and found.value == "":
        return None
    return item.text(key)


def load_locales(
    folder: Path, report: Report, help_keys: list[str], offered_from: str = REVIEWED
) -> Locales:
    source_path = folder / f"{SOURCE_LANGUAGE}.yaml"
    source, names = _read_source(source_path, report) if source_path.exists() else ({}, {})
    if not source:
        report.add(
            Location.start_of(source_path), "T501", "the Swedish interface strings are missing"
        )
        return Locales({}, {})
    for key in help_keys:
        for part in ("name", "description"):
            if f"help.{key}.{part}" not in source:
                report.add(
                    Location.start_of(source_path), "S102", f"no help.{key}.{part} in sv.yaml"
                )
    for language in REQUIRED_LANGUAGES:
        if not (folder / f"{language}.yaml").exists():
            report.add(
                Location.start_of(folder / f"{language}.yaml"),
                "T501",
                f"no {language} interface strings (bystander translate --lang {language})",
            )
    tables = {SOURCE_LANGUAGE: source}
    coverage: dict[str, Coverage] = {}
    reviews: dict[str, Review] = {}
    for path in sorted(folder.glob("*.yaml")):
        language = path.stem
        if LANGUAGE_FILE.fullmatch(path.name) and language != SOURCE_LANGUAGE:
            read = _read_translation(path, source, report)
            if read is not None:
                names[language], tables[language], coverage[language], reviews[language] = read
    return Locales(dict(sorted(tables.items())), names, coverage, reviews, offered_from)


def _read_source(path: Path, report: Report) -> tuple[dict[str, str], dict[str, str]]:
    root = read_yaml(path, report)
    if root is None:
        return {}, {}
    top = Fields(root, report, path.name, required=("language", "language_name", "strings"))
    strings = top.mapping("strings")
    table: dict[str, str] = {}
    for key, node in (strings.value if strings else {}).items():
        if isinstance(node.value, str):
            table[key] = node.value.strip()
        else:
            report.add(node.where, "S103", f"{key!r} must be text")
    return table, {SOURCE_LANGUAGE: top.text("language_name") or SOURCE_LANGUAGE}


def _read_translation(
    path: Path, source: dict[str, str], report: Report
) -> tuple[str, dict[str, str], Coverage, Review] | None:
    """A translation's own name, its usable texts, its coverage and its review status."""
    language = path.stem
    root = read_yaml(path, report)
    if root is None:
        return None
    top = Fields(
        root,
        report,
        path.name,
        required=("language", "language_name", "strings"),
        optional=("review",),
    )
    name = top.get("language_name")
    if name is None or not isinstance(name.value, str) or not name.value.strip():
        report.add(
            top.where("language_name"),
            "T502",
            f"{language}: no language_name (the language's own name, shown in the language menu)",
            warning=language not in REQUIRED_LANGUAGES,
        )
    entries = read_entries(top.mapping("strings"), report)

    def usable(key: str, entry: Entry) -> bool:
        check_kept_as_written(key, source[key], entry, language, report)
        return same_placeholders(key, source[key], entry, language, report) and same_markup(
            key, source[key], entry, language, report
        )

    texts, coverage = compare(language, path, source, entries, report, usable)
    problems = coverage.missing + coverage.stale
    review = judge(read_review(top, report), entries, problems, language, path, report)
    own_name = name.value.strip() if name is not None and isinstance(name.value, str) else ""
    return own_name or language, texts, coverage, review
