"""Lines that fit the player's path, judged by the pure engine on hand-made values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import content_dirs
from bot.content.catalog import load_catalog
from bot.engine import engine
from bot.engine.conditions import Taken, holds, shown
from bot.engine.model import (
    Assessment,
    Choice,
    ChoiceRef,
    Condition,
    Line,
    Passage,
    Scenario,
    Strategy,
    Text,
)
from bot.engine.paths import every_path, path_variants


def taken(step: str, choice: str, strategy: Strategy, assessment: Assessment) -> Taken:
    return Taken(
        step, Choice(choice, Text.source(choice), Text.source(""), strategy, assessment, "x")
    )


FITTING = Path(__file__).parent.parent / "fixtures" / "valid" / "fitting"
TOLD = taken("first", "tell", Strategy.DELEGATE, Assessment.HELPFUL)
WAITED = taken("first", "wait", Strategy.NONE, Assessment.HARMFUL)
DROVE = taken("middle", "driver", Strategy.DELEGATE, Assessment.HELPFUL)
FILMED = taken("middle", "film", Strategy.DOCUMENT, Assessment.PARTLY)


@pytest.mark.parametrize(
    ("condition", "path", "expected"),
    [
        (Condition(chose=frozenset({ChoiceRef("first", "tell")})), [TOLD, FILMED], True),
        (Condition(chose=frozenset({ChoiceRef("first", "tell")})), [WAITED, FILMED], False),
        # A choice id names the choice in its own step only.
        (Condition(chose=frozenset({ChoiceRef("middle", "tell")})), [TOLD], False),
        (Condition(not_chose=frozenset({ChoiceRef("middle", "film")})), [TOLD, FILMED], False),
        (Condition(not_chose=frozenset({ChoiceRef("middle", "film")})), [TOLD, DROVE], True),
        (
            Condition(strategy=frozenset({Strategy.DELEGATE, Strategy.DIRECT})),
            [WAITED, DROVE],
            True,
        ),
        (Condition(strategy=frozenset({Strategy.DIRECT})), [WAITED, DROVE], False),
        (Condition(not_strategy=frozenset({Strategy.NONE})), [WAITED, DROVE], False),
        (Condition(assessment=frozenset({Assessment.HARMFUL})), [WAITED, DROVE], True),
        (Condition(not_assessment=frozenset({Assessment.HELPFUL})), [WAITED, FILMED], True),
        (Condition(not_assessment=frozenset({Assessment.HELPFUL})), [WAITED, DROVE], False),
        (Condition(helpful_at_least=2), [TOLD, DROVE], True),
        (Condition(helpful_at_least=2), [TOLD, FILMED], False),
        # Every part of one condition must hold.
        (
            Condition(strategy=frozenset({Strategy.DELEGATE}), not_chose=frozenset({FILMED.ref})),
            [TOLD, FILMED],
            False,
        ),
        (
            Condition(strategy=frozenset({Strategy.DELEGATE}), not_chose=frozenset({FILMED.ref})),
            [TOLD, DROVE],
            True,
        ),
        (Condition(), [], True),
    ],
)
def test_a_condition_is_judged_on_the_choices_made(condition, path, expected) -> None:
    assert holds(condition, path) is expected


def test_the_shown_lines_keep_their_order_and_fall_back_line_by_line() -> None:
    passage = Passage(
        (
            Line(Text({"sv": "Först.", "en": "First.", "ar": "أولا."})),
            Line(
                Text({"sv": "Du hämtade en vuxen.", "en": "You got an adult."}),
                Condition(strategy=frozenset({Strategy.DELEGATE})),
            ),
            Line(
                Text({"sv": "Ingen vuxen.", "en": "No adult."}),
                Condition(not_strategy=frozenset({Strategy.DELEGATE})),
            ),
        )
    )
    text = shown(passage, [TOLD])
    assert text.get("sv") == "Först.\nDu hämtade en vuxen."
    assert text.get("ar") == "أولا.\nYou got an adult."  # the missing line in English
    assert text.get("so") == "First.\nYou got an adult."
    assert shown(passage, [WAITED]).get("en") == "First.\nNo adult."
    assert passage.get("en") == "First.", "what every player reads"


@pytest.fixture(scope="module")
def fitting() -> Scenario:
    catalog = load_catalog([FITTING], content_dirs({})[1])
    return catalog.scenarios["fitting"]


def _play(scenario: Scenario, *choices: str) -> engine.Run:
    run = engine.start(scenario)
    for choice in choices:
        engine.choose(scenario, run, choice)
    return run


def test_two_paths_to_one_ending_read_different_debriefs(fitting: Scenario) -> None:
    helped = engine.debrief(fitting, _play(fitting, "tell", "driver", "ask"))
    waited = engine.debrief(fitting, _play(fitting, "wait", "look", "skip"))
    assert helped.ending.id == waited.ending.id == "ending-done"
    assert helped.ending.debrief.get("sv") == (
        "Det som började vid hållplatsen blev våld på bussen.\n"
        "Du hämtade en vuxen, och då kunde någon ingripa.\n"
        "Alla tre gångerna valde du något som hjälpte."
    )
    assert waited.ending.debrief.get("en") == (
        "What started at the bus stop became violence on the bus.\n"
        "No adult heard about it. Next time you can tell someone."
    )


def test_a_step_text_fits_the_choices_before_it(fitting: Scenario) -> None:
    told = engine.current_step(fitting, _play(fitting, "tell"))
    waited = engine.current_step(fitting, _play(fitting, "wait"))
    assert told.text.get("en").endswith("The teacher you talked to is standing by the door.")
    assert waited.text.get("en") == "Now it happens on the bus."
    assert told.choices == waited.choices == fitting.steps["middle"].choices


@pytest.mark.parametrize(
    "condition",
    [
        Condition(helpful_at_least=3),
        Condition(helpful_at_least=4),
        Condition(chose=frozenset({ChoiceRef("first", "tell")}), helpful_at_least=3),
        Condition(
            not_strategy=frozenset({Strategy.NONE}), assessment=frozenset({Assessment.PARTLY})
        ),
        Condition(
            strategy=frozenset({Strategy.DELAY}), not_chose=frozenset({ChoiceRef("middle", "look")})
        ),
    ],
)
def test_the_few_paths_lint_looks_at_judge_as_all_paths_would(fitting: Scenario, condition) -> None:
    every = [p for p in every_path(fitting)]
    few = path_variants(fitting, "ending-done", [condition])
    assert len(few) <= len(every)
    assert any(holds(condition, p) for p in few) == any(holds(condition, p) for p in every)
    assert any(not holds(condition, p) for p in few) == any(not holds(condition, p) for p in every)
