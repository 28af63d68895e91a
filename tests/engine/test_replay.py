"""Replays ("what else could I have done?"): branching a finished run at a step it passed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import content_dirs
from bot.content.catalog import Catalog, load_catalog
from bot.engine import engine
from bot.engine.engine import Comparison, Run
from bot.engine.model import Scenario, Strategy

FITTING = Path(__file__).parent.parent / "fixtures" / "valid" / "fitting"


@pytest.fixture
def scenario(minimal_catalog: Catalog) -> Scenario:
    return minimal_catalog.scenarios["minimal"]


@pytest.fixture(scope="module")
def fitting() -> Scenario:
    return load_catalog([FITTING], content_dirs({})[1]).scenarios["fitting"]


def play(scenario: Scenario, *choices: str, run: Run | None = None) -> Run:
    run = run or engine.start(scenario)
    for choice in choices:
        engine.choose(scenario, run, choice)
    return run


def test_a_replay_keeps_the_choices_before_the_step_and_asks_it_again(
    scenario: Scenario,
) -> None:
    first = play(scenario, "act", "help", "ask")
    replay = engine.branch(scenario, first, 1)
    assert replay.run_id != first.run_id, "buttons of the first play cannot answer the replay"
    assert (replay.path, replay.position, replay.finished) == ([("first", "act")], "middle", False)
    assert engine.current_step(scenario, replay).id == "middle"
    assert first.path == [("first", "act"), ("middle", "help"), ("last", "ask")], "untouched"


def test_a_replay_can_take_another_way_and_its_debrief_compares_strategies(
    scenario: Scenario,
) -> None:
    first = play(scenario, "act", "help", "ask")
    replay = play(scenario, "ignore", run=engine.branch(scenario, first, 1))
    debrief = engine.debrief(scenario, replay)
    assert debrief.ending.id == "alone"
    assert debrief.comparison == Comparison(
        first=(Strategy.DISTRACT, Strategy.DELEGATE, Strategy.DELAY), now=(Strategy.DISTRACT,)
    )
    assert engine.debrief(scenario, first).comparison is None, "a first play compares nothing"


def test_a_replay_of_a_replay_still_compares_with_the_first_play(scenario: Scenario) -> None:
    first = play(scenario, "wait", "ignore")
    second = play(scenario, "act", "help", "skip", run=engine.branch(scenario, first, 0))
    third = engine.branch(scenario, second, 2)
    assert third.path == [("first", "act"), ("middle", "help")]
    play(scenario, "ask", run=third)
    assert engine.debrief(scenario, third).comparison == Comparison(
        first=(), now=(Strategy.DISTRACT, Strategy.DELEGATE, Strategy.DELAY)
    )


def test_lines_that_depend_on_the_path_see_the_choices_kept(fitting: Scenario) -> None:
    told = play(fitting, "tell", "driver", "ask")
    waited = play(fitting, "wait", "driver", "ask")
    teacher = "Läraren du pratade med står vid dörren."
    assert teacher in engine.current_step(fitting, engine.branch(fitting, told, 1)).text.get("sv")
    at_middle = engine.current_step(fitting, engine.branch(fitting, waited, 1))
    assert teacher not in at_middle.text.get("sv")


@pytest.mark.parametrize("index", [-1, 3, 99])
def test_only_a_step_the_run_passed_can_be_replayed(scenario: Scenario, index: int) -> None:
    with pytest.raises(engine.NotReplayable):
        engine.branch(scenario, play(scenario, "act", "help", "ask"), index)


def test_a_run_in_progress_or_of_another_version_cannot_be_replayed(scenario: Scenario) -> None:
    with pytest.raises(engine.NotReplayable):
        engine.branch(scenario, play(scenario, "act"), 0)
    edited = replace(scenario, version=scenario.version + 1)
    with pytest.raises(engine.ScenarioChanged):
        engine.branch(edited, play(scenario, "act", "help", "ask"), 0)


def test_a_replay_survives_a_json_round_trip_and_old_json_still_loads(
    scenario: Scenario,
) -> None:
    replay = engine.branch(scenario, play(scenario, "act", "help", "ask"), 2)
    assert Run.from_json(json.loads(json.dumps(replay.to_json()))) == replay
    plain = play(scenario, "act").to_json()
    assert "replay_of" not in plain, "a first play's stored state is as before"
    assert Run.from_json(plain).replay_of is None


def test_a_replay_resumed_after_an_edit_stays_a_replay(scenario: Scenario) -> None:
    replay = engine.branch(scenario, play(scenario, "act", "help", "ask"), 1)
    edited = replace(scenario, version=scenario.version + 1)
    moved = engine.resume(edited, replay).run
    assert moved.replay_of == replay.replay_of and moved.position == "middle"
    play(edited, "help", "ask", run=moved)
    assert engine.debrief(edited, moved).comparison is not None
