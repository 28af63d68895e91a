"""Creating and completing translation files without disturbing a translator's work.

People edit these files: their texts, comments, blank lines and line wrapping stay byte
for byte. A missing entry is inserted as new lines after the entry that comes before it
in the Swedish order; nothing else is rewritten, and entries the Swedish no longer has are
kept (lint reports them). A round-trip YAML library (ruamel.yaml) was tried and refused:
it re-wraps hand-wrapped text every time it writes a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from bot.content.diagnostics import Report
from bot.content.review import MACHINE_DRAFT, SOFTWARE
from bot.content.translations import Entry, read_entries
from bot.content.yamlsafe import Node, parse_yaml
from bot.engine.model import FALLBACK_LANGUAGE, SOURCE_LANGUAGE

_NO_WRAP = 1 << 20  # new entries keep each text on one line: editors wrap for display
_DEFAULT_INDENT = 2


class TranslationFileError(Exception):
    """The file cannot be completed safely; one line saying what to fix."""


@dataclass
class Completion:
    text: str  # the whole file, completed
    added: list[str] = field(default_factory=list)  # new keys, each with an empty text
    recorded: list[str] = field(default_factory=list)  # plain `key: text` given its source
    orphans: list[str] = field(default_factory=list)  # keys the Swedish no longer has
    untranslated: int = 0
    stale: int = 0


def review_block(status: str, by: str, date: str, fingerprint: str = "") -> str:
    """The `review:` mapping that records who or what made a file (bot.content.review)."""
    record = {"status": status, "by": by, "date": date}
    if fingerprint:
        record["fingerprint"] = fingerprint
    body = yaml.dump(
        {"review": record}, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=_NO_WRAP
    )
    return body.replace("review:", "review:  # set by bystander translate: do not edit", 1)


def new_file(language: str, subject: str, *, interface: bool, date: str) -> str:
    """The opening of a new translation file, before any entry: a machine draft."""
    reference = (
        f" The `# {FALLBACK_LANGUAGE}:` line above it shows the English."
        if language != FALLBACK_LANGUAGE
        else ""
    )
    lines = [
        f"# {language} strings for {subject}.",
        "# How to translate: docs/translating.md. Write your translation in each `text`;",
        f"# `source` is the Swedish it translates.{reference}",
        "# Keep {placeholders}, <b>tags</b>, numbers, phone numbers and /commands as they are.",
        "# When the Swedish changes, `bystander lint` marks the entry stale: update `text`,",
        "# then copy the new Swedish into `source`.",
        f"language: {language}",
    ]
    if interface:
        lines.append("language_name: ''  # the language's own name, as its speakers write it")
    lines.append(review_block(MACHINE_DRAFT, SOFTWARE, date).rstrip("\n"))
    return "\n".join([*lines, "strings:", ""])


def with_review(current: str, path: str, block: str) -> str:
    """The file with its `review:` mapping replaced by `block` (or added before `strings:`);
    every other line stays as it is."""
    strings = _strings(current, path)
    root = parse_yaml(current, path, Report())
    lines = current.splitlines(keepends=True)
    old = root.value.get("review")
    if old is None:
        first = last = strings.key_where.line - 1
        kept = [lines[first]]
    else:
        first, last = _span(lines, old, 0)
        kept = []
    text = "".join([*lines[:first], block, *kept, *lines[last + 1 :]])
    if _content(_strings(text, path)) != _content(strings):
        raise TranslationFileError(f"{path}: the review record cannot be written safely")
    return text


def complete(
    current: str, path: str, sources: Mapping[str, str], reference: Mapping[str, str]
) -> Completion:
    """Add an entry for every Swedish text the file lacks; keep everything else as it is.

    `reference` holds the English texts, written as a comment above each new entry.
    """
    strings = _strings(current, path)
    entries = read_entries(strings, Report())  # lint reports what is wrong inside entries
    nodes: dict[str, Node] = strings.value if strings.is_mapping else {}
    lines = current.splitlines(keepends=True)
    indent = next((n.key_where.column - 1 for n in nodes.values() if n.key_where), None)
    indent = indent or _DEFAULT_INDENT
    result = Completion(current)
    replaced: dict[int, tuple[int, list[str]]] = {}  # first line -> (last line, new lines)
    inserted: dict[int, list[str]] = {}  # after this line -> new lines
    anchor = strings.key_where.line - 1  # new entries before the first existing one go here
    spans = {key: _span(lines, node, indent) for key, node in nodes.items()}
    for key, source in sources.items():
        entry = entries.get(key)
        if key not in spans:
            result.added.append(key)
            inserted.setdefault(anchor, []).extend(
                _render(key, source, "", reference.get(key), indent)
            )
            result.untranslated += 1
            continue
        first, anchor = spans[key]
        if entry is not None and entry.source is None and isinstance(nodes[key].value, str):
            result.recorded.append(key)
            kept = [line for line in lines[first : anchor + 1] if _is_comment(line)]
            replaced[first] = (anchor, _render(key, source, entry.text, None, indent) + kept)
        elif entry is None or not entry.text:
            result.untranslated += 1
        elif entry.source != source:
            result.stale += 1
    result.orphans = [key for key in nodes if key not in sources]
    result.text = "".join(_rebuilt(lines, replaced, inserted))
    _verify(result, path, entries, sources)
    return result


def entries_of(text: str, path: str) -> dict[str, Entry]:
    """The entries of a translation file's text, as `bystander translate` reads them."""
    return read_entries(_strings(text, path), Report())


def _content(strings: Node) -> dict[str, tuple[str | None, str]]:
    return {k: (e.source, e.text) for k, e in read_entries(strings, Report()).items()}


def _strings(text: str, path: str) -> Node:
    report = Report()
    root = parse_yaml(text, path, report)
    if report.errors:
        raise TranslationFileError(f"{report.sorted()[0]} (fix it, then run translate again)")
    strings = root.value.get("strings") if root is not None and root.is_mapping else None
    if strings is None:
        raise TranslationFileError(f"{path}: there is no `strings:` to complete")
    nodes = strings.value if strings.is_mapping else None
    block = strings.value is None or (
        nodes and min(n.key_where.line for n in nodes.values()) > strings.key_where.line
    )
    if not block:
        raise TranslationFileError(
            f"{path}:{strings.where.line}: write `strings:` on a line of its own, "
            "with one entry a line below it"
        )
    return strings


def _span(lines: list[str], node: Node, indent: int) -> tuple[int, int]:
    """First and last line (0-based) of an entry: its key and every line indented deeper.

    A comment at the entry's own indentation belongs to the next entry, so it ends this one.
    """
    first = node.key_where.line - 1
    last = first
    for number in range(first + 1, len(lines)):
        line = lines[number]
        if not line.strip():
            continue
        if len(line) - len(line.lstrip(" ")) <= indent:
            break
        last = number
    return first, last


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _rebuilt(
    lines: list[str], replaced: dict[int, tuple[int, list[str]]], inserted: dict[int, list[str]]
) -> list[str]:
    out: list[str] = []
    skip_to = -1
    for number, line in enumerate(lines):
        if number in replaced:
            skip_to, new_lines = replaced[number]
            out.extend(new_lines)
        elif number > skip_to:
            out.append(line)
        if number in inserted:
            out[-1] = out[-1].removesuffix("\n") + "\n"  # a last line may lack its line break
            out.extend(inserted[number])
    return out


def _render(key: str, source: str, text: str, reference: str | None, indent: int) -> list[str]:
    body = yaml.dump(
        {key: {"source": source, "text": text}},
        Dumper=_BlockDumper,
        allow_unicode=True,
        sort_keys=False,
        width=_NO_WRAP,
    ).splitlines(keepends=True)
    comment = []
    if reference:
        label = f"# {FALLBACK_LANGUAGE}: "
        for number, line in enumerate(reference.splitlines()):
            prefix = label if number == 0 else "#" + " " * (len(label) - 1)
            comment.append(f"  {prefix}{line}".rstrip() + "\n")
    return [
        " " * indent + line if line.strip() else line for line in [body[0], *comment, *body[1:]]
    ]


def _verify(
    result: Completion, path: str, before: Mapping[str, Entry], sources: Mapping[str, str]
) -> None:
    """Refuse to write unless every old text reads back the same and every key is there."""
    report = Report()
    root = parse_yaml(result.text, path, report)
    strings = root.value.get("strings") if root is not None and root.is_mapping else None
    after = read_entries(strings, report)
    lost = [k for k, e in before.items() if k not in after or after[k].text != e.text]
    if report.errors or lost or not sources.keys() <= after.keys():
        raise TranslationFileError(
            f"{path}: the new entries cannot be added without changing what is there "
            f"({', '.join(lost) or 'the layout'}); add them by hand, with {SOURCE_LANGUAGE} "
            "text as source"
        )


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line text as a `|` block, the way authors write it."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _represent_text)
