"""Reports over events past the retention period: the counts folded into aggregate tables
add up with the raw counts of the same key, the same way on every backend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import fields

from bot.evaluation.data import ReportData


def with_archived(raw: ReportData, archived: ReportData) -> ReportData:
    """Add archived counts to raw counts with the same key (participants add up per month)."""
    merged = {
        "filters": raw.filters,
        "measures": raw.measures + archived.measures,
        "measure_people": raw.measure_people,  # folded pairs count no people: kept hidden
        "follow_ups": raw.follow_ups,  # deleted past retention, never folded
        "folded": raw.folded or any(getattr(archived, name) for name in _PEOPLE_SUMMED),
    }
    for name, key in _MERGE_KEYS.items():
        merged[name] = _sum_by_key(getattr(raw, name) + getattr(archived, name), key)
    return ReportData(**merged)


_MERGE_KEYS: dict[str, Callable] = {
    "scenarios": lambda r: (r.scenario_id,),
    "choices": lambda r: (r.scenario_id, r.step_id, r.choice_id, r.strategy, r.assessment, r.phase),
    "steps": lambda r: (r.scenario_id, r.step_id),
    "strategies": lambda r: (r.strategy,),
    "helpful": lambda r: (r.play,),
    "groups": lambda r: (r.dimension, r.group),
    "facilitated": lambda r: (r.scenario_id, r.step_id, r.choice_id, r.strategy),
}

# The rows whose distinct people become sums once folded (hand counts never had people).
_PEOPLE_SUMMED = ("scenarios", "choices", "steps", "strategies", "helpful", "groups")


def _sum_by_key(rows: list, key: Callable) -> list:
    if not rows:
        return []
    kind = type(rows[0])
    numeric = [f.name for f in fields(kind) if f.type in ("int", int)]
    totals: dict[tuple, dict] = defaultdict(dict)
    for row in rows:
        slot = totals[key(row)]
        for f in fields(kind):
            value = getattr(row, f.name)
            slot[f.name] = slot.get(f.name, 0) + (value or 0) if f.name in numeric else value
    return [kind(**values) for values in totals.values()]
