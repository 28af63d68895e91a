"""Which help lines each age band is given, on the /help card and after an ending.

The expectations are written out per band, with the shipped help-resource list, so a change
to the age rule or to the list shows here as a named line that appears or goes missing.
"""

from __future__ import annotations

import pytest

from bot.content.catalog import Catalog
from bot.engine.ages import ClassAge, of_school_year
from bot.engine.help import AgeBand, HelpResource, help_card, route_help
from bot.engine.model import AgeRange

# A band is given a line only if the line is for every age in the band (bot/engine/ages.py):
# a 13-year-old is not sent to a line for 15–20-year-olds, nor a 40-year-old to one for
# 13–25-year-olds. An unknown age keeps every line.


def violence(*young: str) -> list[str]:
    """Support lines first, then Polisen for what is not urgent (the reviewer's order)."""
    return ["brottsofferjouren", "kvinnofridslinjen", *young, "police"]


EVERYONE = {
    "emergency": ["emergency"],
    "violence": violence(),
    "health": ["healthcare"],
}
YOUNG = {  # 13–19
    "violence": violence("origo"),
    "health": [*EVERYONE["health"], "umo"],
}
CARDS = {  # Hjälplinjen before Självmordslinjen (mind): talking comes before a crisis line
    AgeBand.UP_TO_15: {**EVERYONE, **YOUNG, "talk": ["bris", "mind"]},
    AgeBand.AGE_16_17: {**EVERYONE, **YOUNG, "talk": ["bris", "mind"]},
    AgeBand.AGE_18_19: {**EVERYONE, **YOUNG, "talk": ["hjalplinjen", "mind"]},
    AgeBand.AGE_20_PLUS: {**EVERYONE, "talk": ["hjalplinjen", "mind"]},
    AgeBand.UNSAID: {**EVERYONE, **YOUNG, "talk": ["bris", "hjalplinjen", "mind"]},
}


def card_keys(catalog: Catalog, band: AgeBand) -> dict[str, list[str]]:
    return {group: [r.key for r in lines] for group, lines in help_card(catalog.help, band)}


@pytest.mark.parametrize("band", list(AgeBand))
def test_every_band_gets_a_complete_card_in_groups_with_112_first(
    shipped_catalog: Catalog, band: AgeBand
) -> None:
    card = card_keys(shipped_catalog, band)
    assert list(card) == ["emergency", "talk", "violence", "health"]
    assert card == {group: CARDS[band][group] for group in card}


def test_the_card_leaves_out_lines_that_do_not_fit_the_age(shipped_catalog: Catalog) -> None:
    on_card = {
        band: {key for keys in card_keys(shipped_catalog, band).values() for key in keys}
        for band in AgeBand
    }
    assert "bris" not in on_card[AgeBand.AGE_18_19], "BRIS is for under 18"
    assert "hjalplinjen" not in on_card[AgeBand.AGE_16_17], "Hjälplinjen is from 18"
    assert {"mind", "police", "healthcare"} <= on_card[AgeBand.AGE_20_PLUS]


def ending_help(catalog: Catalog, scenario_id: str, ending_id: str, band: AgeBand) -> list[str]:
    scenario = catalog.scenarios[scenario_id]
    ending = scenario.endings[ending_id]
    return [r.key for r in route_help(catalog.help, ending.help, scenario.focus_areas, band)]


@pytest.mark.parametrize("band", list(AgeBand))
@pytest.mark.parametrize(
    ("scenario_id", "ending_id"),
    [("friend-unwell", "end-safe"), ("friend-unwell", "end-alone"), ("shared-image", "end-alone")],
)
def test_an_ending_where_someone_cannot_go_on_gives_the_suicide_line(
    shipped_catalog: Catalog, scenario_id: str, ending_id: str, band: AgeBand
) -> None:
    routed = ending_help(shipped_catalog, scenario_id, ending_id, band)
    assert routed[0] == "emergency" and "mind" in routed


@pytest.mark.parametrize("band", list(AgeBand))
def test_an_honour_control_ending_gives_origo_and_kvinnofridslinjen(
    shipped_catalog: Catalog, band: AgeBand
) -> None:
    routed = ending_help(shipped_catalog, "honour-control", "end-alone", band)
    expected = {"emergency", "police", "kvinnofridslinjen"}
    if band is not AgeBand.AGE_20_PLUS:
        expected.add("origo")
    assert expected <= set(routed)


def test_the_youngest_band_is_not_sent_to_a_line_for_15_to_20(shipped_catalog: Catalog) -> None:
    routed = ending_help(shipped_catalog, "partner-control", "end-adult", AgeBand.UP_TO_15)
    assert "bris" in routed and "unga_relationer" not in routed


def test_a_witness_is_offered_victim_support(shipped_catalog: Catalog) -> None:
    """Brottsofferjouren also supports witnesses, which every bystander is."""
    for band in (AgeBand.UP_TO_15, AgeBand.AGE_18_19):
        routed = ending_help(shipped_catalog, "bus-fight", "ending-alone", band)
        assert "brottsofferjouren" in routed


def test_a_local_line_without_a_number_yet_is_shown_nowhere(shipped_catalog: Catalog) -> None:
    """Botkyrka's social services wait for the operator's number: a name nobody can reach
    helps nobody, on the card or after an ending that names it."""
    awaiting = shipped_catalog.help["socialtjanst_botkyrka"]
    assert awaiting.phone is None and awaiting.url is None
    for band in AgeBand:
        on_card = {r.key for _, lines in help_card(shipped_catalog.help, band) for r in lines}
        routed = route_help(shipped_catalog.help, [awaiting.key], awaiting.topics, band)
        assert awaiting.key not in on_card | {r.key for r in routed}


def test_a_local_line_is_shown_once_it_has_a_number() -> None:
    local = HelpResource("local", None, None, 0, 120, ("violence", "close_relationships"))
    emergency = HelpResource("emergency", "112", None, 0, 120, ("emergency",), emergency=True)
    filled = {"emergency": emergency, "local": local}
    assert [r.key for r in route_help(filled, ["local"], [], AgeBand.UP_TO_15)] == ["emergency"]
    filled["local"] = HelpResource("local", "08-000 00 00", None, 0, 120, local.topics)
    assert [r.key for r in route_help(filled, ["local"], [], AgeBand.UP_TO_15)] == [
        "emergency",
        "local",
    ]
    assert [group for group, _ in help_card(filled, AgeBand.UP_TO_15)] == ["emergency", "violence"]


def test_a_class_younger_than_the_audience_gets_112_and_the_endings_own_lines(
    shipped_catalog: Catalog,
) -> None:
    """A youth worker reads the schoolyard story to 10-year-olds: no tip line to the police."""
    scenario = shipped_catalog.scenarios["schoolyard-10-12"]
    year_4 = of_school_year(4)
    for ending in scenario.endings.values():
        routed = route_help(shipped_catalog.help, ending.help, scenario.focus_areas, year_4)
        assert [r.key for r in routed] == ["emergency", *ending.help], ending.id
    teenagers = route_help(
        shipped_catalog.help, ["bris"], ["children_and_youth"], of_school_year(8)
    )
    assert "police" in [r.key for r in teenagers], "from 13 the topics route as before"


def test_a_class_spanning_18_gets_the_lines_of_both_ages(shipped_catalog: Catalog) -> None:
    """A room of 16–19-year-olds: BRIS for those under 18 and Hjälplinjen for the others;
    a player of 16–17 gets BRIS only."""
    room = ClassAge(AgeRange(16, 19))
    routed = [r.key for r in route_help(shipped_catalog.help, ["bris", "hjalplinjen"], [], room)]
    assert {"bris", "hjalplinjen"} <= set(routed)
    player = route_help(shipped_catalog.help, ["bris", "hjalplinjen"], [], AgeBand.AGE_16_17)
    assert [r.key for r in player if r.key in ("bris", "hjalplinjen")] == ["bris"]
