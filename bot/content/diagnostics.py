"""Located problems found in content files, with stable codes (see docs/scenario-format.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Every code the checker can report. The docs list the same table; a test keeps them in step.
CODES: dict[str, str] = {
    # Files and YAML
    "Y001": "YAML syntax error",
    "Y002": "file too large",
    "Y003": "YAML aliases and anchors are not allowed",
    "Y004": "YAML tags are not allowed",
    "Y005": "nested too deeply",
    "Y006": "file cannot be read",
    # Structure
    "S101": "unknown key",
    "S102": "missing required field",
    "S103": "wrong type",
    "S104": "unknown value",
    "S105": "duplicate id",
    "S106": "invalid id",
    "S107": "invalid number",
    # Story graph
    "G201": "next names no step or ending",
    "G202": "step cannot be reached from the start",
    "G203": "no ending can be reached from this step",
    "G204": "phases out of order",
    "G205": "phase missing or empty",
    "G206": "choice goes back to an earlier phase",
    "G207": "ending cannot be reached",
    "G208": "the story goes round in a circle",
    # Telegram limits
    "L301": "message text too long",
    "L302": "button label too long",
    "L303": "wrong number of choices",
    "L304": "callback data too long",
    "L305": "long text for a phone screen",
    # Help resources
    "H401": "unknown help resource",
    # Translations
    "T501": "translation file missing",
    "T502": "missing translation",
    "T503": "stale translation",
    "T504": "translation for a text that does not exist",
    "T505": "translation file for another language",
    "T506": "placeholder mismatch",
    "T507": "unknown review status",
    "T508": "reviewed translation changed since its review",
    "T511": "markup mismatch",
    # Lines that fit the player's path
    "C601": "unknown choice in a condition",
    "C602": "ambiguous choice id in a condition",
    "C603": "a line with a condition is never shown",
    "C604": "a line every player reads speaks to the player",
    "C605": "some path shows none of the lines",
}


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        kind = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}:{self.column}: {self.code} {kind}{self.message}"

    def to_json(self) -> dict[str, object]:
        return asdict(self) | {"severity": str(self.severity)}


class Location(NamedTuple):
    """Where a value stands; a tuple because the loader makes one for every YAML node."""

    path: str
    line: int  # 1-based
    column: int  # 1-based

    @classmethod
    def start_of(cls, path: Path | str) -> Location:
        return cls(str(path), 1, 1)


class Report:
    """Collects diagnostics so every problem is reported at once."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, where: Location, code: str, message: str, *, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.items.append(Diagnostic(where.path, where.line, where.column, code, message, severity))

    def extend(self, other: Report) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.path, d.line, d.column, d.code))
