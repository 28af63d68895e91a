"""Per-language string tables, kept apart from the Swedish they translate.

A scenario's translation `<language>.yaml` sits beside `scenario.yaml`; the interface's
sits beside `locales/sv.yaml`. Each entry is keyed by a stable id and holds the Swedish
`source` it was translated from and the translated `text`. When the Swedish changes,
`source` no longer matches and the entry is stale. A missing text is shown in English,
which must be complete (see docs/translating.md).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields
from bot.content.review import Review, at_least, judge, read_review
from bot.content.scenario_file import ScenarioDraft, SourceText
from bot.content.story_checks import check_player_words, check_text_limits
from bot.content.yamlsafe import Node, read_yaml
from bot.engine.glossary import terms_in
from bot.engine.model import FALLBACK_LANGUAGE, SOURCE_LANGUAGE

REQUIRED_LANGUAGES = (FALLBACK_LANGUAGE,)
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
    reviews: dict[str, Review] = field(default_factory=dict)

    def offered(self, threshold: str) -> dict[str, dict[str, str]]:
        """The texts of the languages offered to young people: English (every language
        falls back to it) and those at least `threshold`; the others fall back."""
        return {
            language: texts
            for language, texts in self.texts.items()
            if offered(language, self.reviews.get(language), threshold)
        }


def offered(language: str, review: Review | None, threshold: str) -> bool:
    return language in REQUIRED_LANGUAGES or (
        review is not None and at_least(review.effective, threshold)
    )


@dataclass(frozen=True)
class Entry:
    """One translated string. `source` is None for plain `key: text`, which records no
    Swedish: it counts as stale until `bystander translate` records the source."""

    source: str | None
    text: str
    where: Location


# Checks a translated text; False when it cannot be shown (the fallback is shown instead).
TextCheck = Callable[[str, Entry], bool]
# language -> glossary entry id -> its word forms (Locales.glossary)
Glossary = Mapping[str, Mapping[str, list[str]]]


def language_files(folder: Path) -> dict[str, Path]:
    return {
        p.stem: p
        for p in sorted(folder.glob("*.yaml"))
        if p.name != STRUCTURE_FILE and LANGUAGE_FILE.fullmatch(p.name)
    }


def read_entries(strings: Node | None, report: Report) -> dict[str, Entry]:
    """The entries of a `strings:` mapping: `key: {source, text}` or plain `key: text`."""
    entries: dict[str, Entry] = {}
    for key, node in (strings.value if strings is not None and strings.is_mapping else {}).items():
        if isinstance(node.value, str):
            entries[key] = Entry(None, node.value.strip(), node.where)
            continue
        entry = Fields(node, report, f"translation {key!r}", required=("source", "text"))
        entries[key] = Entry(_plain(entry, "source"), _plain(entry, "text"), entry.where("text"))
    return entries


def compare(
    language: str,
    path: Path,
    sources: Mapping[str, str],
    entries: Mapping[str, Entry],
    report: Report,
    check: TextCheck,
) -> tuple[dict[str, str], Coverage]:
    """The usable texts of one language and its coverage; every gap is reported.

    A missing text is an error in English, which every other language falls back to,
    and a warning elsewhere.
    """
    coverage = Coverage(total=len(sources))
    texts: dict[str, str] = {}
    for key, source in sources.items():
        entry = entries.get(key)
        if entry is None or not entry.text:
            coverage.missing += 1
            report.add(
                entry.where if entry else Location.start_of(path),
                "T502",
                f"{language}: no translation of {key!r} (Swedish: {_short(source)})",
                warning=language not in REQUIRED_LANGUAGES,
            )
            continue
        if not check(key, entry):
            coverage.missing += 1
            continue
        texts[key] = entry.text
        if entry.source == source:
            coverage.translated += 1
            continue
        coverage.stale += 1  # the old translation is still shown meanwhile
        if entry.source is None:
            report.add(
                entry.where,
                "T503",
                f"{language}: {key!r} records no Swedish source; run bystander translate "
                f"--lang {language} to record it",
                warning=True,
            )
        else:
            report.add(
                entry.where,
                "T503",
                f"{language}: {key!r} was translated from older Swedish; the Swedish is now: "
                f"{_short(source)} (update text, then copy the new Swedish into source)",
                warning=True,
            )
    for key in entries.keys() - sources.keys():
        report.add(
            entries[key].where,
            "T504",
            f"{language}: {key!r} matches no Swedish text; delete it when it is no longer needed",
            warning=True,
        )
    return texts, coverage


def load_translations(
    folder: Path,
    draft: ScenarioDraft,
    report: Report,
    for_everyone: Collection[str] = (),
    glossary: Glossary | None = None,
) -> Translations:
    """Read every language file of a scenario; `for_everyone` names the keys whose texts
    every player reads whatever they did (they must not speak to the player, C604);
    `glossary` the word forms of each language's glossary, to check the 📖 buttons (T509)."""
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
    sources = {key: source.text for key, source in draft.strings.items()}
    # The 📖 buttons each Swedish text shows, found once for all languages (T509).
    explained = {
        key: terms_in([text], glossary[SOURCE_LANGUAGE], limit=None)
        for key, text in (sources.items() if glossary else ())
    }
    for language, path in files.items():
        entries, review = read_language(path, language, report)

        def within_limits(key: str, entry: Entry, language: str = language) -> bool:
            kind = draft.strings[key].kind
            check_text_limits(key, SourceText(entry.text, entry.where, kind), report, language)
            if key in for_everyone:
                check_player_words(key, entry.text, entry.where, language, report)
            check_kept_as_written(key, sources[key], entry, language, report)
            if explained.get(key) and glossary is not None:
                check_glossary_words(key, explained[key], entry, language, glossary, report)
            return same_placeholders(key, sources[key], entry, language, report) and same_markup(
                key, sources[key], entry, language, report
            )

        texts, coverage = compare(language, path, sources, entries, report, within_limits)
        result.texts[language] = texts
        result.coverage[language] = coverage
        problems = coverage.missing + coverage.stale
        result.reviews[language] = judge(review, entries, problems, language, path, report)
    return result


def check_glossary_words(
    key: str, explained: list[str], entry: Entry, language: str, glossary: Glossary, report: Report
) -> None:
    """T509: the Swedish shows a 📖 button under this text (for each term in `explained`)
    that the translation would not: it uses none of the forms its language's glossary lists."""
    own = glossary.get(language)
    if not own:
        return
    shown = terms_in([entry.text], own, limit=None)
    for term in explained:
        if term not in shown:
            swedish = glossary[SOURCE_LANGUAGE][term][0]
            report.add(
                entry.where,
                "T509",
                f"{key}: the Swedish shows the 📖 {swedish} button here, but this text has none "
                f"of the forms in glossary.{term}.words of the {language} interface file "
                f"({', '.join(own[term])}): use one, or add there the form this text uses",
                warning=True,
            )


def same_placeholders(key: str, source: str, entry: Entry, language: str, report: Report) -> bool:
    """T506: the translation must fill in the same values the same way as the Swedish: the
    same {placeholders}, with no format of their own ("{title:>300000000}" would build a
    huge text) and no stray brace (which would stop the text being filled in at all)."""
    expected = format_fields(source)
    if expected is None or format_fields(entry.text) == expected:
        return True  # (a Swedish text with a stray brace is no template: never filled in)
    names = sorted(name for name, _, _ in expected)
    report.add(
        entry.where,
        "T506",
        f"{language}: {key!r} must use the placeholders {names}, written as in the Swedish "
        f"({', '.join('{' + n + '}' for n in names) or 'none'}); the {FALLBACK_LANGUAGE} text "
        "is shown instead",
        warning=language not in REQUIRED_LANGUAGES,
    )
    return False


# A tag as Telegram's HTML and the web pages read it; the Swedish uses <b> and <i> only.
_TAG = re.compile(r"<[^<>]*>")


def same_markup(key: str, source: str, entry: Entry, language: str, report: Report) -> bool:
    """T511: the translation must use exactly the tags of the Swedish, so that a translation
    file cannot add a link, an image or a page refresh to what the bot and its web pages
    show (they render these texts as markup)."""
    expected = sorted(_TAG.findall(source))
    if sorted(_TAG.findall(entry.text)) == expected:
        return True
    report.add(
        entry.where,
        "T511",
        f"{language}: {key!r} must use the tags of the Swedish ({' '.join(expected) or 'none'})"
        f" and no others; the {FALLBACK_LANGUAGE} text is shown instead",
        warning=language not in REQUIRED_LANGUAGES,
    )
    return False


def format_fields(text: str) -> frozenset[tuple[str, str, str | None]] | None:
    """The {fields} a text is filled in with (name, format, conversion), None if it cannot be."""
    try:
        fields = string.Formatter().parse(text)
        return frozenset(
            (name, spec or "", conv) for _, name, spec, conv in fields if name is not None
        )
    except ValueError:
        return None


# Written the same in every language: a command Telegram recognises only in Latin letters,
# and the digits of a number a phone must be able to call (112, 116 111) or an age.
_COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z_]*")
_DIGITS = re.compile(r"[0-9]+")


def check_kept_as_written(
    key: str, source: str, entry: Entry, language: str, report: Report
) -> None:
    """T510: a command or a number of the Swedish is missing from the translation, or the
    translation writes digits other than 0–9 (a phone does not dial ١١٢ or ۱۱۲)."""
    kept = {*_COMMAND.findall(entry.text), *_DIGITS.findall(entry.text)}
    lost = [w for w in (*_COMMAND.findall(source), *_DIGITS.findall(source)) if w not in kept]
    other = sorted({c for c in entry.text if c.isdecimal() and not "0" <= c <= "9"})
    if lost:
        report.add(
            entry.where,
            "T510",
            f"{language}: {key!r} lacks {', '.join(dict.fromkeys(lost))} of the Swedish: keep "
            "commands and numbers exactly as written there (digits 0–9, /commands in Latin "
            "letters)",
            warning=True,
        )
    if other:
        report.add(
            entry.where,
            "T510",
            f"{language}: {key!r} writes the digits {' '.join(other)}: write 0–9, as the "
            "Swedish does, so that a phone can call a number and everyone reads it the same",
            warning=True,
        )


def read_language(path: Path, language: str, report: Report) -> tuple[dict[str, Entry], Review]:
    """A scenario's or the questionnaire's translation: its entries and its review record."""
    root = read_yaml(path, report)
    if root is None:
        return {}, Review()
    top = Fields(
        root,
        report,
        f"the {language} translation",
        required=("language", "strings"),
        optional=("review",),
    )
    declared = top.text("language")
    if declared is not None and declared != language:
        report.add(
            top.where("language"),
            "T505",
            f"the file is named {path.name} but says language: {declared}",
        )
    return read_entries(top.mapping("strings"), report), read_review(top, report)


def _plain(entry: Fields, key: str) -> str:
    node = entry.get(key)
    return node.value.strip() if node is not None and isinstance(node.value, str) else ""


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
