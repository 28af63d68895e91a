"""Typed access to a YAML mapping that reports every problem with its location."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from bot.content.diagnostics import Location, Report
from bot.content.yamlsafe import Node


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def closest(word: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = closest(word, options)
    return f"; did you mean {close!r}?" if close else ""


class Fields:
    """One YAML mapping read against its allowed and required keys."""

    def __init__(
        self,
        node: Node,
        report: Report,
        what: str,
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        self.node, self.report, self.what = node, report, what
        self.values: dict[str, Node] = node.value if node.is_mapping else {}
        if not node.is_mapping:
            report.add(node.where, "S103", f"{what} must be a mapping, not {type_name(node.value)}")
            return
        allowed = [*required, *optional]
        misspelt: set[str] = set()
        for key, value in self.values.items():
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                misspelt.add(closest(key, allowed) or key)
                report.add(
                    value.key_where or value.where, "S101", f"unknown key {key!r} in {what}{hint}"
                )
        for key in required:
            if key not in self.values and key not in misspelt:
                report.add(
                    node.key_where or node.where,
                    "S102",
                    f"{what} is missing the required field {key!r}",
                )

    def get(self, key: str) -> Node | None:
        return self.values.get(key)

    def where(self, key: str) -> Location:
        found = self.values.get(key)
        return found.where if found else self.node.where

    def text(self, key: str) -> str | None:
        found = self.values.get(key)
        if found is None:
            return None
        if not isinstance(found.value, str) or not found.value.strip():
            self._wrong(key, found, "some text")
            return None
        return found.value.strip()

    def number(self, key: str, *, minimum: int = 0) -> int | None:
        found = self.values.get(key)
        if found is None:
            return None
        if not isinstance(found.value, int) or isinstance(found.value, bool):
            self._wrong(key, found, "a whole number")
            return None
        if found.value < minimum:
            self.report.add(found.where, "S107", f"{key!r} must be at least {minimum}")
            return None
        return found.value

    def words(self, key: str) -> list[tuple[str, Location]]:
        """A list of plain words (a single word is accepted as a list of one)."""
        found = self.values.get(key)
        if found is None:
            return []
        items = found.value if isinstance(found.value, list) else [found]
        words: list[tuple[str, Location]] = []
        for item in items:
            if isinstance(item.value, str) and item.value.strip():
                words.append((item.value.strip(), item.where))
            else:
                self._wrong(key, item, "a word or a list of words")
        return words

    def items(self, key: str) -> list[Node]:
        found = self.values.get(key)
        if found is None:
            return []
        if not isinstance(found.value, list):
            self._wrong(key, found, "a list")
            return []
        return found.value

    def mapping(self, key: str) -> Node | None:
        found = self.values.get(key)
        if found is not None and not found.is_mapping:
            self._wrong(key, found, "a mapping")
            return None
        return found

    def _wrong(self, key: str, found: Node, expected: str) -> None:
        self.report.add(
            found.where,
            "S103",
            f"{key!r} in {self.what} must be {expected}, not {type_name(found.value)}",
        )


def check_choice(
    value: str,
    where: Location,
    options: Iterable[str],
    what: str,
    report: Report,
    code: str = "S104",
) -> bool:
    options = list(options)
    if value in options:
        return True
    hint = did_you_mean(value, options) or f"; use one of: {', '.join(options)}"
    report.add(where, code, f"unknown {what} {value!r}{hint}")
    return False
