"""Routing help resources (help lines) by topic and age. Names and texts live in locales/."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class AgeBand(StrEnum):
    UP_TO_15 = "15_or_younger"
    AGE_16_17 = "16_17"
    AGE_18_19 = "18_19"
    AGE_20_PLUS = "20_plus"
    UNSAID = "unsaid"

    @property
    def ages(self) -> tuple[int, int] | None:
        return _AGE_BANDS.get(self)


_AGE_BANDS = {
    AgeBand.UP_TO_15: (0, 15),
    AgeBand.AGE_16_17: (16, 17),
    AgeBand.AGE_18_19: (18, 19),
    AgeBand.AGE_20_PLUS: (20, 120),
}


@dataclass(frozen=True)
class HelpResource:
    key: str
    phone: str | None
    url: str | None
    min_age: int
    max_age: int
    topics: tuple[str, ...]
    emergency: bool = False  # shown first, always

    def fits(self, band: AgeBand) -> bool:
        """Whether anyone in the age band may use it; an unknown age keeps everything."""
        ages = band.ages
        return ages is None or (self.min_age <= ages[1] and self.max_age >= ages[0])


MAX_ROUTED = 5


def route_help(
    resources: Mapping[str, HelpResource],
    chosen: Iterable[str],
    topics: Iterable[str],
    band: AgeBand,
) -> list[HelpResource]:
    """Emergency first, then the ending's own choices, then resources on the same topics.

    Resources outside the user's age band are left out, so a 20-year-old is not sent to
    a line for children and a 15-year-old is not sent to an adults-only line.
    """
    topic_set = set(topics)
    emergency = [r for r in resources.values() if r.emergency]
    named = [resources[k] for k in chosen if k in resources]
    related = [r for r in resources.values() if topic_set & set(r.topics)]
    routed: list[HelpResource] = []
    for resource in [*emergency, *named, *related]:
        if resource not in routed and resource.fits(band):
            routed.append(resource)
    return routed[: max(MAX_ROUTED, len(emergency) + len(named))]


# The /help card, also the answer to anything typed: a resource is listed under the first
# of these topics it has (emergency first, so 112 leads); one with none of them is left off.
CARD_GROUPS = ("emergency", "talk", "violence", "health")


def help_card(
    resources: Mapping[str, HelpResource], band: AgeBand
) -> list[tuple[str, list[HelpResource]]]:
    """The card's groups in order, each with the resources that fit the band; empty ones dropped."""
    placed: dict[str, list[HelpResource]] = {group: [] for group in CARD_GROUPS}
    for resource in resources.values():
        group = next((g for g in CARD_GROUPS if g in resource.topics), None)
        if group is not None and resource.fits(band):
            placed[group].append(resource)
    return [(group, lines) for group, lines in placed.items() if lines]
