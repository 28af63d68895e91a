"""Safe YAML reading that keeps every node's position.

Only YAML's plain data types are accepted. Tags and aliases are refused: no tag ever
constructs an object, and without aliases an "alias bomb" cannot expand. The text is
composed into nodes (never constructed into objects) so each value keeps its line and
column for precise diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from bot.content.diagnostics import Location, Report

MAX_FILE_BYTES = 1024 * 1024
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")
}


@dataclass(slots=True)
class Node:
    """A YAML value with its location. Mappings hold `dict[str, Node]`, sequences `list[Node]`."""

    value: Any
    where: Location
    key_where: Location | None = None  # for mapping values: where the key stands

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)


class _Refused(Exception):
    def __init__(self, where: Location, code: str, message: str) -> None:
        super().__init__(message)
        self.where, self.code, self.message = where, code, message


def read_yaml(path: Path, report: Report) -> Node | None:
    """Read a YAML file into nodes; on failure add a diagnostic and return None."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            report.add(
                Location.start_of(path), "Y002", f"file is {size:,} bytes; the limit is 1 MiB"
            )
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.add(Location.start_of(path), "Y006", f"cannot read the file: {error}")
        return None
    return parse_yaml(text, str(path), report)


def parse_yaml(text: str, path: str, report: Report) -> Node | None:
    try:
        _refuse_aliases(text, path)
        loader = _Loader(text)
        loader.name = path
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        return _Converter(path, report).convert(root) if root is not None else None
    except _Refused as refused:
        report.add(refused.where, refused.code, refused.message)
    except yaml.MarkedYAMLError as error:
        unclosed = error.context == "while scanning a quoted scalar"
        # An unclosed quote is found where the file ends up making no sense, often many lines
        # later: point at the quote itself.
        first, then = error.problem_mark, error.context_mark
        mark = (then or first) if unclosed else (first or then)
        where = _location(mark, path) if mark else Location.start_of(path)
        problem = error.problem or error.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit
            report.add(where, "Y005", "the file is nested too deeply")
        else:
            hint = _UNCLOSED_QUOTE if unclosed else _hint(problem)
            report.add(where, "Y001", f"YAML syntax error: {problem}{hint}")
    except yaml.YAMLError as error:
        report.add(Location.start_of(path), "Y001", f"YAML syntax error: {error}")
    except UnicodeEncodeError:
        report.add(Location.start_of(path), "Y001", "the text has characters that are not valid")
    except RecursionError:
        report.add(Location.start_of(path), "Y005", "the file is nested too deeply")
    return None


_UNCLOSED_QUOTE = (
    ": a quote mark opened here is not closed; end the text with the same mark (\" or ')"
)
# What a translator or author can do about the errors they meet most (docs/translating.md).
_HINTS = {
    "mapping values are not allowed": "a text with a colon followed by a space, or ending "
    "with a colon, must be in double quotes",
    "tab character": "indent with spaces, never the Tab key",
    "did not find expected key": "check the indentation of this line, and the lines above it "
    "for a quote mark that was opened and never closed",
}


def _hint(problem: str) -> str:
    return next((f": {hint}" for start, hint in _HINTS.items() if start in problem), "")


# libyaml (C) scans and parses about ten times faster than PyYAML's Python reader.
_Loader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


def _refuse_aliases(text: str, path: str) -> None:
    """Refuse anchors and aliases from the event stream, before any node is composed.

    Composition never expands an alias, but converting would: an "alias bomb" must never
    reach the converter.
    """
    if "&" not in text and "*" not in text:
        return  # neither can occur: skip parsing twice
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            message = "YAML aliases (*name) are not allowed; write the value out"
        elif getattr(event, "anchor", None):
            message = "YAML anchors (&name) are not allowed; write the value out"
        else:
            continue
        raise _Refused(_location(event.start_mark, path), "Y003", message)


_scalars = SafeConstructor()
_TEXT = "tag:yaml.org,2002:str"


class _Converter:
    """Turns composed YAML nodes into `Node`s; duplicate keys are reported, not fatal."""

    def __init__(self, path: str, report: Report) -> None:
        self.path, self.report = path, report

    def convert(self, node: yaml.Node) -> Node:
        where = _location(node.start_mark, self.path)
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(
                where, "Y004", f"the tag {tag} is not allowed: write plain text, numbers and lists"
            )
        if isinstance(node, yaml.MappingNode):
            return Node(self._mapping(node), where)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.convert(item) for item in node.value], where)
        if node.tag == _TEXT:
            return Node(node.value, where)  # most values: no constructor needed
        return Node(_scalars.construct_object(node), where)

    def _mapping(self, node: yaml.MappingNode) -> dict[str, Node]:
        result: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node)
            if isinstance(key.value, dict | list) or key.value is None:
                self.report.add(key.where, "S103", "a key must be a plain word")
                continue
            name = str(key.value)
            if name in result:
                self.report.add(key.where, "S105", f"the key {name!r} appears twice here")
                continue
            value = self.convert(value_node)
            value.key_where = key.where
            result[name] = value
        return result


def _location(mark: yaml.Mark, path: str) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)
