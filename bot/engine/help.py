"""Routing help resources (help lines) by topic and age. Names and texts live in locales/."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.engine.ages import AUDIENCE, AgeBand, Audience, ClassAge, is_for
from bot.engine.model import AgeRange


@dataclass(frozen=True)
class HelpResource:
    key: str
    phone: str | None
    url: str | None
    min_age: int
    max_age: int
    topics: tuple[str, ...]
    emergency: bool = False  # shown first, always

    @property
    def reachable(self) -> bool:
        """False for a line still waiting for its number (a local service the operator adds):
        it is never shown, since a name without a way to reach it helps nobody."""
        return bool(self.phone or self.url)

    def fits(self, audience: Audience) -> bool:
        """Whether the audience may use it (bot/engine/ages.py): everyone of a player's age
        band; some of a class, whose room holds several ages (a class of 16–19 needs both
        BRIS, under 18, and Hjälplinjen, from 18: each line says whom it is for).

        An unknown age keeps every line: a line that turns out not to fit costs a call that
        is redirected, a missing one may cost the help. (Scenarios go the other way: an
        unknown age gets only those for the whole audience.)"""
        if audience is AgeBand.UNSAID:
            return True
        if isinstance(audience, ClassAge):
            return self.min_age <= audience.ages.max and audience.ages.min <= self.max_age
        return is_for(AgeRange(self.min_age, self.max_age), audience)


MAX_ROUTED = 5


def route_help(
    resources: Mapping[str, HelpResource],
    chosen: Iterable[str],
    topics: Iterable[str],
    band: Audience,
) -> list[HelpResource]:
    """Emergency first, then the ending's own choices, then resources on the same topics.

    Resources outside the user's age band are left out, so a 20-year-old is not sent to
    a line for children and a 15-year-old is not sent to an adults-only line. A class
    younger than the bot's audience (led by a youth worker) gets only 112 and the lines
    the ending names: a push in the schoolyard is not for the police's tip line.
    """
    topic_set = set(topics) if band.ages.max >= AUDIENCE.min else set()
    emergency = [r for r in resources.values() if r.emergency]
    named = [resources[k] for k in chosen if k in resources]
    related = [r for r in resources.values() if topic_set & set(r.topics)]
    routed: list[HelpResource] = []
    for resource in [*emergency, *named, *related]:
        if resource not in routed and resource.reachable and resource.fits(band):
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
        if group is not None and resource.reachable and resource.fits(band):
            placed[group].append(resource)
    return [(group, lines) for group, lines in placed.items() if lines]
