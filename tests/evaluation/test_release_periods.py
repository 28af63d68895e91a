"""Report periods are calendar months, and a release keeps pair counts, not a row per
person. The releases stored by a backend are in tests/storage/contract/."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from bot.evaluation.data import Filters, FollowUpCount, MeasurePair, ReportData
from bot.evaluation.release import Period, PeriodError, Release, stored_pairs
from bot.evaluation.report import _clusters
from bot.evaluation.stats import paired_change


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
    data = ReportData(Filters(), measures=pairs, folded=True)
    release = Release("2025-05", 5, {"all": data}, frozenset({("2025-05", "all", "x")}))
    body = json.loads(release.to_json())
    assert body["scopes"]["all"]["measures"] == [
        ["efficacy", "T1-T2", 2, 4, None, None, 3],
        ["efficacy", "T1-T2", 3, 3, None, None, 1],
    ]
    assert Release.from_json("2025-05", release.to_json()) == release


def test_a_release_keeps_the_clusters_but_links_no_answers_of_one_person() -> None:
    """Pairs in a class are counted per class; outside classes, which pairs of one item
    share a person is kept under labels drawn anew per item, linking no two items."""
    in_class = [MeasurePair(item, "T1-T2", 2, 4, 1, person) for person in (1, 2)
                for item in ("efficacy", "help-friend")]  # fmt: skip
    outside = [MeasurePair(item, "T1-T2", 3, 4, None, person) for person in range(3, 40)
               for item in ("efficacy", "help-friend") for _ in range(2)]  # fmt: skip
    data = ReportData(Filters(), measures=in_class + outside)
    release = Release("2025-05", 5, {"all": data}, frozenset())
    stored = json.loads(release.to_json())["scopes"]["all"]["measures"]
    assert ["efficacy", "T1-T2", 2, 4, 1, None, 2] in stored  # two people of class 1
    again = Release.from_json("2025-05", release.to_json()).scopes["all"].measures
    assert sorted(again, key=str) != sorted(outside, key=str)  # labels drawn anew
    for item in ("efficacy", "help-friend"):
        sizes = Counter(
            p.person_label for p in again if p.item_id == item and p.class_label is None
        )
        assert sorted(sizes.values()) == [2] * 37  # each person's two scenarios, together
    drawn = {
        item: {p.person_label: row[5] for p, row in zip(outside, stored_pairs(outside), strict=True)
               if p.item_id == item}
        for item in ("efficacy", "help-friend")
    }  # fmt: skip
    assert drawn["efficacy"] != drawn["help-friend"]  # 1 in 37! that they would be equal


def test_a_release_keeps_the_person_who_links_two_classes() -> None:
    """One person answered in class 1 and in class 2: the released pairs link the two
    classes as the raw ones do, so a report of the release has the same clusters and
    interval; people in one class only keep no label."""
    pairs = [MeasurePair("efficacy", "T1-T2", b, b + c, cls, 10 * cls + person)
             for cls, c in ((1, 2), (2, 0), (3, 1))
             for person in range(6) for b in (1, 2)]  # fmt: skip
    pairs += [
        MeasurePair("efficacy", "T1-T2", 2, 4, 1, 99),
        MeasurePair("efficacy", "T1-T2", 2, 2, 2, 99),
    ]
    data = ReportData(Filters(), measures=pairs)
    again = Release.from_json(
        "2025-05", Release("2025-05", 5, {"all": data}, frozenset()).to_json()
    )
    released = again.scopes["all"].measures

    def change(of: list[MeasurePair]) -> tuple[float | None, ...]:
        result = paired_change([(p.before, p.after) for p in of], _clusters(of))
        return (result.clusters, result.ci_low, result.ci_high, result.df)

    assert change(released) == pytest.approx(change(pairs))
    assert change(pairs)[0] == 2  # classes 1 and 2 are one cluster, class 3 another
    linked = {p.person_label for p in released if p.person_label is not None}
    assert len(linked) == 1  # only the person who links them keeps a label


def test_a_release_carries_the_follow_up_counts_and_reads_releases_made_before_them() -> None:
    counts = [FollowUpCount("opportunity", "yes", 7), FollowUpCount("acted", "delay", 3)]
    release = Release("2025-05", 5, {"all": ReportData(Filters(), follow_ups=counts)}, frozenset())
    again = Release.from_json("2025-05", release.to_json())
    assert again.scopes["all"].follow_ups == counts
    body = json.loads(release.to_json())
    del body["scopes"]["all"]["follow_ups"]  # a month released before follow-ups were counted
    older = Release.from_json("2025-04", json.dumps(body))
    assert older.scopes["all"].follow_ups == []
