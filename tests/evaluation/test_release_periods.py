"""Report periods are calendar months, and a release keeps pair counts, not a row per
person. The releases stored by a backend are in tests/storage/contract/."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.evaluation.data import Filters, MeasurePair, ReportData
from bot.evaluation.release import Period, PeriodError, Release


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-HT", "26-01", "2026-1", "x"])
def test_periods_are_months(text: str) -> None:
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_periods_have_their_days() -> None:
    assert Period.parse("2026-07") == Period(date(2026, 7, 1), date(2026, 7, 31), "2026-07")
    assert Period.parse("2024-02").last == date(2024, 2, 29)
    assert Period.last_closed_month(date(2026, 1, 15)).name == "2025-12"


def test_a_release_keeps_pair_counts_not_a_row_per_person() -> None:
    pairs = [MeasurePair("efficacy", "T1-T2", 2, 4)] * 3 + [MeasurePair("efficacy", "T1-T2", 3, 3)]
    data = ReportData(Filters(), measures=pairs)
    release = Release("2025-05", 5, {"all": data}, frozenset({("2025-05", "all", "x")}))
    body = json.loads(release.to_json())
    assert body["scopes"]["all"]["measures"] == [
        ["efficacy", "T1-T2", 2, 4, 3],
        ["efficacy", "T1-T2", 3, 3, 1],
    ]
    assert Release.from_json("2025-05", release.to_json()) == release
