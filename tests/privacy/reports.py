"""What the report attackers share: every report an evaluator can ask for, released as the
bot releases them, and the reports' JSON values read back as exact intervals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

from bot.content.catalog import Catalog
from bot.evaluation.data import ReportData
from bot.evaluation.report import UNCLASSED, ReleasedCells, Report, build_report, protect_release


def every_report(
    catalog: Catalog,
    periods: Iterable[str],
    scopes: Iterable[str],
    data_of: Callable[[str, str], ReportData],
    k: int,
) -> dict[tuple[str, str], Report]:
    """Every report an evaluator can ask for: each period, each scope, with what the
    period's release hides (`protect_release` over all its scopes at once).
    `data_of(period, scope)` is what the database gives for that report. UNCLASSED is
    protected but never shown: it is everybody minus the classes."""
    scopes = list(scopes)
    reports = {}
    for period in periods:
        data = {scope: data_of(period, scope) for scope in scopes}
        hidden = protect_release(period, data, catalog, k)
        for scope in scopes:
            if scope == UNCLASSED:
                continue
            cells = ReleasedCells((period, scope), hidden, k)
            reports[period, scope] = build_report(data[scope], catalog, "en", k, release=cells)
    return reports


def exact(value: float) -> tuple[Fraction, Fraction]:
    """A JSON value rounded to four decimals (a mean), as an exact interval."""
    centre, half = Fraction(str(value)), Fraction(1, 20000)
    return centre - half, centre + half


def percent(value: float) -> tuple[Fraction, Fraction]:
    """A JSON percentage with one decimal (a share), as an exact interval of the ratio."""
    centre, half = Fraction(str(value)) / 100, Fraction(1, 2000)
    return centre - half, centre + half
