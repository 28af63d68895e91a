from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.content.catalog import Catalog
from bot.engine import engine
from bot.engine.engine import Run
from bot.engine.model import Phase, Scenario, Strategy


@pytest.fixture
def scenario(minimal_catalog: Catalog) -> Scenario:
    return minimal_catalog.scenarios["minimal"]


def test_a_run_goes_through_the_phases_to_an_ending_and_a_debrief(scenario: Scenario) -> None:
    run = engine.start(scenario)
    assert engine.current_step(scenario, run).phase is Phase.BEFORE
    first = engine.choose(scenario, run, "act")
    assert first.choice.strategy is Strategy.DISTRACT
    assert first.phase_changed and first.next_step.id == "middle"
    engine.choose(scenario, run, "help")
    last = engine.choose(scenario, run, "ask")
    assert last.ending is not None and last.ending.id == "good" and run.finished
    debrief = engine.debrief(scenario, run)
    assert debrief.strategies_used == (Strategy.DISTRACT, Strategy.DELEGATE, Strategy.DELAY)
    assert (debrief.helpful_choices, debrief.total_choices) == (3, 3)
    assert debrief.help == ("bris",)


def test_passive_choices_are_counted_but_not_listed_as_strategies(scenario: Scenario) -> None:
    run = engine.start(scenario)
    for choice in ("wait", "ignore"):
        engine.choose(scenario, run, choice)
    debrief = engine.debrief(scenario, run)
    assert debrief.strategies_used == ()
    assert debrief.passive_choices == 2 and debrief.ending.id == "alone"


def test_the_run_survives_a_json_round_trip_and_continues(scenario: Scenario) -> None:
    run = engine.start(scenario)
    engine.choose(scenario, run, "act")
    stored = json.loads(json.dumps(run.to_json()))
    restored = Run.from_json(stored)
    assert restored == run
    assert engine.current_step(scenario, restored).id == "middle"


def test_an_old_button_cannot_answer_a_newer_step(scenario: Scenario) -> None:
    run = engine.start(scenario)
    engine.choose(scenario, run, "act", run_id=run.run_id, step_id="first")
    with pytest.raises(engine.StaleAnswer):
        engine.choose(scenario, run, "wait", run_id=run.run_id, step_id="first")
    with pytest.raises(engine.StaleAnswer):
        engine.choose(scenario, run, "help", run_id="other", step_id="middle")
    assert run.path == [("first", "act")]


def test_unknown_choices_and_finished_runs_are_refused(scenario: Scenario) -> None:
    run = engine.start(scenario)
    with pytest.raises(engine.UnknownChoice):
        engine.choose(scenario, run, "fly")
    for choice in ("wait", "ignore"):
        engine.choose(scenario, run, choice)
    with pytest.raises(engine.RunFinished):
        engine.choose(scenario, run, "ask")


def test_a_run_on_an_old_version_is_detected_not_silently_continued(scenario: Scenario) -> None:
    run = engine.start(scenario)
    engine.choose(scenario, run, "act")
    newer = replace(scenario, version=2)
    with pytest.raises(engine.ScenarioChanged):
        engine.current_step(newer, run)
    resumed = engine.resume(newer, run)
    assert resumed.version_changed and resumed.kept_position
    assert resumed.run.version == 2 and resumed.run.position == "middle"


def test_resume_restarts_when_the_step_no_longer_exists(scenario: Scenario) -> None:
    run = engine.start(scenario)
    engine.choose(scenario, run, "act")
    steps = {k: v for k, v in scenario.steps.items() if k != "middle"}
    newer = replace(scenario, version=2, steps=steps)
    resumed = engine.resume(newer, run)
    assert resumed.version_changed and not resumed.kept_position
    assert resumed.run.position == scenario.start and resumed.run.path == []


def test_the_engine_imports_no_channel_database_or_file_format() -> None:
    import ast
    from pathlib import Path

    import bot.engine

    for path in Path(bot.engine.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (node.names if isinstance(node, ast.Import) else [node])
            if getattr(alias, "name", None)
        } | {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not imported & {"telegram", "aiosqlite", "yaml", "sqlite3", "sqlcipher3"}, path
