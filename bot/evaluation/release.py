"""Released periods: the numbers of a closed month, fixed once and for all.

Reports are only ever made of released numbers (docs/privacy.md): a period is released
once it is over, with one suppression pattern for every report that can be asked of it
(everybody, each class, each scenario), and never changes afterwards. Two reports of the
same period on different days are therefore identical, and a person who deletes their
data after the release cannot be found by comparing before and after. Answers that come
later (T3) belong to the period in which they were given.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any

from bot.evaluation import data as report_data
from bot.evaluation.data import Filters, MeasurePair, ReportData
from bot.evaluation.report import Key

_PERIOD = re.compile(r"(\d{4})-(\d{2})")
_RANDOM = random.SystemRandom()


class PeriodError(ValueError):
    """A period that does not exist or is not over yet; the message is for the user."""


class RetiredError(PeriodError):
    """A period whose numbers are past the retention period."""


@dataclass(frozen=True, order=True)
class Period:
    first: date
    last: date
    name: str  # "2026-11"

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text.strip())
        if match is None:
            raise PeriodError(f"{text!r} is not a month: write it like 2026-11")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r} is not a month: months are 01 to 12")
        return cls(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")

    @classmethod
    def last_closed_month(cls, today: date) -> Period:
        previous = today.replace(day=1) - timedelta(days=1)
        return cls.parse(f"{previous.year}-{previous.month:02d}")

    def check_closed(self, today: date) -> None:
        if self.last >= today:
            raise PeriodError(
                f"{self.name} is not over yet: its numbers are released once it has ended "
                f"(the last closed month is {Period.last_closed_month(today).name})"
            )

    def filters(self, class_id: int | None = None, *, unclassed: bool = False) -> Filters:
        return Filters(None, class_id, self.first, self.last, unclassed)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class Release:
    """A released period: its numbers per scope, and what every report of it hides."""

    period: str
    k: int
    scopes: dict[str, ReportData]  # ALL, UNCLASSED, "class:<id>"
    hidden: frozenset[Key]

    def to_json(self) -> str:
        return json.dumps(
            {
                "k": self.k,
                "scopes": {scope: _plain(data) for scope, data in self.scopes.items()},
                "hidden": sorted(self.hidden),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, period: str, text: str) -> Release:
        body = json.loads(text)
        return cls(
            period,
            body["k"],
            {scope: _report_data(data) for scope, data in body["scopes"].items()},
            frozenset(tuple(key) for key in body["hidden"]),
        )


def _plain(data: ReportData) -> dict[str, Any]:
    plain = asdict(data)
    filters = plain["filters"]
    for name in ("since", "until"):
        filters[name] = filters[name] and filters[name].isoformat()
    # Questionnaire pairs are kept as how many gave each (before, after) in each cluster,
    # not one row each (stored_pairs).
    counted = Counter(stored_pairs(data.measures))
    plain["measures"] = [[*pair, n] for pair, n in sorted(counted.items(), key=_by_cluster)]
    return plain


def stored_pairs(pairs: list[MeasurePair]) -> list[tuple]:
    """The pairs as a release keeps them: what the report's clustered intervals need, and
    no more. Pairs of a class keep the class's label and lose their person's, unless that
    person also has pairs of the same item and comparison in another class or outside any
    class: such a person links the clusters (report.py, `_clusters`), so the link is kept.
    Person labels kept are drawn at random for each item and comparison, so that nothing
    links one person's answers to different items, or to another report."""
    places: dict[tuple[str, str, int], set[int | None]] = defaultdict(set)
    for p in pairs:
        if p.person_label is not None:
            places[p.item_id, p.comparison, p.person_label].add(p.class_label)
    people: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for (item_id, comparison, person), classes in places.items():
        if None in classes or len(classes) > 1:
            people[item_id, comparison][person] = 0
    for labels in people.values():
        drawn = _RANDOM.sample(range(1, len(labels) + 1), len(labels))
        labels.update(zip(labels, drawn, strict=True))
    return [
        (p.item_id, p.comparison, p.before, p.after, p.class_label,
         people[p.item_id, p.comparison].get(p.person_label))
        for p in pairs
    ]  # fmt: skip


def _by_cluster(counted: tuple[tuple, int]) -> tuple:
    """Sort order for pairs whose labels may be None (pairs folded by retention)."""
    *values, class_label, person_label = counted[0]
    return (*values, class_label or 0, person_label or 0)


# The list fields of ReportData and the row type each holds.
_ROWS = {
    f.name: getattr(report_data, f.type.removeprefix("list[").removesuffix("]"))
    for f in fields(ReportData)
    if isinstance(f.type, str) and f.type.startswith("list[")
}


def _report_data(plain: dict[str, Any]) -> ReportData:
    filters = dict(plain["filters"])
    for name in ("since", "until"):
        filters[name] = filters[name] and date.fromisoformat(filters[name])
    counted = plain.pop("measures", [])
    rows = {name: [kind(**row) for row in plain.get(name, [])] for name, kind in _ROWS.items()}
    rows["measures"] = [MeasurePair(*pair) for *pair, n in counted for _ in range(n)]
    return ReportData(filters=Filters(**filters), folded=plain.get("folded", False), **rows)
