"""Synthetic report data, built by hand: no database, the real scenario catalog.

`boundary_data(n)` puts one small group of every kind at exactly n participants, each with
its own distinctive count (79xx–80xx) that appears nowhere else, so a test can search
every output format for a number that must be hidden.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.content.catalog import Catalog
from bot.evaluation.data import (
    ANSWERED,
    SOMETHING,
    ChoiceCount,
    FacilitatedCount,
    Filters,
    FollowUpCount,
    GroupCounts,
    HelpfulShare,
    MeasurePair,
    MeasurePeople,
    ReportData,
    ScenarioCounts,
    StepTotal,
    StrategyCount,
)

K = 5

# Counts that belong to the small groups only: none of them may show below K.
SMALL_COUNTS = {
    "starts of the small scenario": 7901,
    "completions of the small scenario": 7907,
    "answers of the small choice": 7937,
    "answers of the small strategy": 7949,
    "helpful answers on later plays": 7951,
    "answers on later plays": 7963,
    "answers of the small age band": 7993,
    "answers of the small class": 8009,
}


@pytest.fixture(scope="session")
def catalog(shipped_catalog: Catalog) -> Catalog:
    return shipped_catalog


def boundary_data(n: int) -> ReportData:
    c = SMALL_COUNTS
    return ReportData(
        filters=Filters(),
        scenarios=[
            ScenarioCounts("bus-fight", 40, 52, 44, 38),
            ScenarioCounts(
                "party-pressure",
                n,
                c["starts of the small scenario"],
                c["completions of the small scenario"],
                n,
            ),
        ],
        steps=[StepTotal("bus-fight", "stop", 40, 8000)],
        choices=[
            ChoiceCount("bus-fight", "stop", "ask-time", "distract", "helpful", "before", 3313, 20),
            ChoiceCount(
                "bus-fight", "stop", "tell-teacher", "delegate", "helpful", "before", 3331, 16
            ),
            ChoiceCount(
                "bus-fight",
                "stop",
                "just-joking",
                "none",
                "harmful",
                "before",
                c["answers of the small choice"],
                n,
            ),
        ],
        strategies=[
            StrategyCount("distract", 3313, 20),
            StrategyCount("delegate", 3331, 16),
            StrategyCount("none", 3343, 12),
            StrategyCount("document", c["answers of the small strategy"], n),
        ],
        helpful=[
            HelpfulShare("first", 3359, 3361, 40, 40),
            HelpfulShare(
                "later", c["helpful answers on later plays"], c["answers on later plays"], n, n
            ),
        ],
        # Changes of 2 on average (1 after T3), with some spread, so intervals exist.
        measures=[MeasurePair("efficacy", "T1-T2", 2, 4)] * 10
        + [MeasurePair("efficacy", "T1-T2", 1, 4)] * 10
        + [MeasurePair("efficacy", "T1-T2", 3, 4)] * 10
        + [MeasurePair("efficacy", "T1-T3", 2, 3)] * (n - 2)
        + [MeasurePair("efficacy", "T1-T3", 2, 4), MeasurePair("efficacy", "T1-T3", 2, 2)],
        measure_people=[
            MeasurePeople("efficacy", "T1-T2", 30),
            MeasurePeople("efficacy", "T1-T3", n),
        ],
        groups=[
            GroupCounts("age_band", "16_17", 30, 33, 2000, 3371, 28, 30),
            GroupCounts("age_band", "18_19", 25, 27, 2100, 3373, 24, 25),
            GroupCounts("age_band", "20_plus", n, 3, 3, c["answers of the small age band"], n, n),
            GroupCounts("class", "8B", n, 3, 3, c["answers of the small class"], n, n),
            GroupCounts("class", "9A", 20, 21, 1500, 3389, 19, 20),
            GroupCounts("class", "9C", 22, 23, 1600, 3391, 21, 22),
        ],
        facilitated=[
            FacilitatedCount("bus-fight", "bus", "driver", "delegate", n, 1),
            FacilitatedCount("bus-fight", "bus", "music", "none", 0, 1),
        ],
        follow_ups=follow_up_counts(n),
    )


def follow_up_counts(n: int) -> list[FollowUpCount]:
    """At follow-up, "not sure", "other", "nothing" and every reason are n people."""
    answers = {
        "opportunity": {ANSWERED: 40 + n, "yes": 25, "no": 15, "unsure": n},
        "acted": {ANSWERED: 24, SOMETHING: 24 - n, "nothing": n, "direct": 12, "delegate": 10,
                  "delay": 6, "other": n},
        "reasons": {ANSWERED: n, "afraid": n, "didnt-know": n},
    }  # fmt: skip
    return [
        FollowUpCount(q, a, people) for q, given in answers.items() for a, people in given.items()
    ]


@pytest.fixture
def data_with_small_groups() -> Callable[[int], ReportData]:
    return boundary_data
