"""The measurable parts of the writing rubric (docs/content-guide.md), for every scenario.

A new scenario that breaks the rubric fails CI, even when it is valid YAML.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.config import content_dirs
from bot.content.catalog import Catalog, scenario_files
from bot.engine.model import Assessment, FocusArea, Phase, Scenario, Strategy

IDS = [p.parent.name for p in scenario_files([content_dirs({})[0]])]
MIN_CHOICES_PER_D = 5
MIN_SCENARIOS_PER_FOCUS_AREA = 5
MIN_SCENARIOS = 20


@pytest.fixture(params=IDS)
def scenario(request, shipped_catalog: Catalog) -> Scenario:
    return shipped_catalog.scenarios[request.param]


def choices(scenario: Scenario):
    return [c for s in scenario.steps.values() for c in s.choices]


def test_all_three_phases_have_steps(scenario: Scenario) -> None:
    assert all(scenario.steps_in(phase) for phase in Phase)


def test_the_story_really_branches(scenario: Scenario) -> None:
    assert any(len({c.next for c in s.choices}) >= 2 for s in scenario.steps.values())


def test_there_are_at_least_two_endings_each_with_help(scenario: Scenario) -> None:
    assert len(scenario.endings) >= 2
    assert all(e.help for e in scenario.endings.values())


def test_every_step_offers_a_helpful_choice(scenario: Scenario) -> None:
    for step in scenario.steps.values():
        assert any(c.assessment is Assessment.HELPFUL for c in step.choices), step.id


def test_there_is_a_tempting_passive_or_harmful_choice(scenario: Scenario) -> None:
    assert any(
        c.strategy is Strategy.NONE or c.assessment is Assessment.HARMFUL for c in choices(scenario)
    )


def test_texts_are_complete_in_english(scenario: Scenario) -> None:
    texts = [scenario.title, scenario.description, scenario.content_note]
    for step in scenario.steps.values():
        texts += [line.text for line in step.text.lines]
        texts += [*(c.label for c in step.choices), *(c.feedback for c in step.choices)]
    for ending in scenario.endings.values():
        texts += [ending.title, *(line.text for line in ending.debrief.lines), ending.remember]
        texts += [line.text for line in ending.discuss.lines]
    assert all("en" in t.values for t in texts)


def test_each_d_appears_in_enough_choices_across_the_library(shipped_catalog: Catalog) -> None:
    used = Counter(c.strategy for s in shipped_catalog.scenarios.values() for c in choices(s))
    for strategy in Strategy:
        if strategy is not Strategy.NONE:
            assert used[strategy] >= MIN_CHOICES_PER_D, strategy


def test_each_focus_area_has_enough_scenarios(shipped_catalog: Catalog) -> None:
    areas = Counter(f for s in shipped_catalog.scenarios.values() for f in s.focus_areas)
    for area in FocusArea:
        assert areas[area] >= MIN_SCENARIOS_PER_FOCUS_AREA, area


def test_the_library_has_enough_scenarios(shipped_catalog: Catalog) -> None:
    assert len(shipped_catalog.scenarios) >= MIN_SCENARIOS


def test_every_ending_leaves_something_to_discuss(shipped_catalog: Catalog) -> None:
    """The discussion is the method in a lesson (docs/content-guide.md)."""
    for scenario in shipped_catalog.scenarios.values():
        for ending in scenario.endings.values():
            assert 1 <= len(ending.discuss.lines) <= 3, f"{scenario.id}: {ending.id}"
