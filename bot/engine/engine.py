"""The pure scenario engine: start a run, answer a step, reach an ending, build the debrief.

The engine knows no channel, database or file format. A run is a small JSON-serialisable
value tagged with the scenario id and version so it can be stored and resumed later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from bot.engine.conditions import Taken, fitted, kept
from bot.engine.model import Assessment, Choice, Ending, Phase, Principle, Scenario, Step, Strategy

RUN_ID_LENGTH = 6
_RUN_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class EngineError(Exception):
    """A request that does not fit the run's current state."""


class RunFinished(EngineError):
    pass


class StaleAnswer(EngineError):
    """The answer is for another run or another step than the current one (an old button)."""


class UnknownChoice(EngineError):
    pass


class ScenarioChanged(EngineError):
    """The run was started on another version of the scenario."""


class NotReplayable(EngineError):
    """A replay of a run that has not finished, or from a step it did not pass."""


@dataclass
class Run:
    scenario_id: str
    version: int
    run_id: str
    position: str  # the current step id, or the ending id once finished
    path: list[tuple[str, str]] = field(default_factory=list)  # (step id, choice id)
    finished: bool = False
    # A replay ("what else could I have done?"): the path of the first play it branched
    # from. None for a play of its own.
    replay_of: list[tuple[str, str]] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scenario": self.scenario_id,
            "version": self.version,
            "run": self.run_id,
            "at": self.position,
            "path": [list(p) for p in self.path],
            "finished": self.finished,
        }
        if self.replay_of is not None:
            data["replay_of"] = [list(p) for p in self.replay_of]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        return cls(
            scenario_id=str(data["scenario"]),
            version=int(data["version"]),
            run_id=str(data["run"]),
            position=str(data["at"]),
            path=_path(data.get("path", [])),
            finished=bool(data.get("finished", False)),
            replay_of=_path(data["replay_of"]) if "replay_of" in data else None,
        )


def _path(data: list) -> list[tuple[str, str]]:
    return [(str(s), str(c)) for s, c in data]


@dataclass(frozen=True)
class Answer:
    """What applying a choice produced: the feedback to show and where the story goes."""

    step: Step
    choice: Choice
    next_step: Step | None
    ending: Ending | None

    @property
    def phase_changed(self) -> bool:
        return self.next_step is not None and self.next_step.phase is not self.step.phase


@dataclass(frozen=True)
class Comparison:
    """A replay's strategies next to those of the first play, each in the order first used
    (NONE excluded, so a passive path has none)."""

    first: tuple[Strategy, ...]
    now: tuple[Strategy, ...]


@dataclass(frozen=True)
class Debrief:
    ending: Ending  # its debrief holds the lines that fit the run's path
    strategies_used: tuple[Strategy, ...]  # in the order first used; NONE excluded
    passive_choices: int
    helpful_choices: int
    total_choices: int
    principles: tuple[Principle, ...]
    help: tuple[str, ...]
    comparison: Comparison | None = None  # for a replay only


@dataclass(frozen=True)
class Resumption:
    """The outcome of resuming a run against the scenario as it is now."""

    run: Run
    kept_position: bool  # False: the step no longer exists and the run restarted
    version_changed: bool


def new_run_id() -> str:
    return "".join(secrets.choice(_RUN_ID_ALPHABET) for _ in range(RUN_ID_LENGTH))


def start(scenario: Scenario, run_id: str | None = None) -> Run:
    return Run(scenario.id, scenario.version, run_id or new_run_id(), scenario.start)


def current_step(scenario: Scenario, run: Run) -> Step:
    """The step the run is at, as this run sees it: its text fits the choices made so far."""
    _check_version(scenario, run)
    if run.finished:
        raise RunFinished(run.position)
    step = scenario.step(run.position)
    if step is None:
        raise ScenarioChanged(run.position)
    return replace(step, text=fitted(step.text, taken(scenario, run)))


def taken(scenario: Scenario, run: Run) -> list[Taken]:
    """The choices made so far in this run, in order."""
    return [Taken(s, scenario.steps[s].choice(c)) for s, c in run.path]


def choose(
    scenario: Scenario,
    run: Run,
    choice_id: str,
    *,
    run_id: str | None = None,
    step_id: str | None = None,
) -> Answer:
    """Apply a choice and advance the run in place.

    `run_id` and `step_id`, when given, must match the run's current position; they come
    from the button that was tapped, so an old button can never answer a newer question.
    """
    step = current_step(scenario, run)
    if (run_id is not None and run_id != run.run_id) or (
        step_id is not None and step_id != step.id
    ):
        raise StaleAnswer(step.id)
    choice = step.choice(choice_id)
    if choice is None:
        raise UnknownChoice(choice_id)
    run.path.append((step.id, choice.id))
    run.position = choice.next
    ending = scenario.ending(choice.next)
    run.finished = ending is not None
    return Answer(step, choice, scenario.step(choice.next), ending)


def debrief(scenario: Scenario, run: Run) -> Debrief:
    _check_version(scenario, run)
    ending = scenario.ending(run.position)
    if not run.finished or ending is None:
        raise EngineError("the run has not reached an ending")
    path = taken(scenario, run)
    choices = [t.choice for t in path]
    strategies = _strategies(choices)
    comparison = None
    if run.replay_of is not None:
        comparison = Comparison(_strategies(_known_choices(scenario, run.replay_of)), strategies)
    return Debrief(
        ending=replace(
            ending, debrief=fitted(ending.debrief, path), discuss=kept(ending.discuss, path)
        ),
        strategies_used=strategies,
        passive_choices=sum(c.strategy is Strategy.NONE for c in choices),
        helpful_choices=sum(c.assessment is Assessment.HELPFUL for c in choices),
        total_choices=len(choices),
        principles=scenario.principles,
        help=ending.help,
        comparison=comparison,
    )


def _strategies(choices: list[Choice]) -> tuple[Strategy, ...]:
    """The strategies of these choices in the order first used, without NONE."""
    found = dict.fromkeys(c.strategy for c in choices if c.strategy is not Strategy.NONE)
    return tuple(found)


def _known_choices(scenario: Scenario, path: list[tuple[str, str]]) -> list[Choice]:
    """The choices of a path that the scenario still has: a replay resumed after the
    scenario was edited remembers a first play on the old version."""
    steps = [(scenario.step(s), c) for s, c in path]
    return [choice for step, c in steps if step and (choice := step.choice(c))]


def branch(scenario: Scenario, run: Run, index: int) -> Run:
    """A replay of a finished run from the `index`-th step of its path (0 is the first):
    a new run that has made the same choices before that step and is at it, to choose
    again. It remembers the first play's path, also when `run` is itself a replay, so its
    debrief compares the two."""
    _check_version(scenario, run)
    if not run.finished or not 0 <= index < len(run.path):
        raise NotReplayable(f"{run.run_id} at {index}")
    return Run(
        scenario.id,
        scenario.version,
        new_run_id(),
        position=run.path[index][0],
        path=run.path[:index],
        replay_of=list(run.replay_of if run.replay_of is not None else run.path),
    )


def resume(scenario: Scenario, run: Run) -> Resumption:
    """Continue a stored run, also after the scenario was edited.

    Rule: same version, continue. Changed version: continue at the same step when it
    still exists (the answers so far are kept, tagged with the old version); otherwise
    start the scenario again from the beginning.
    """
    if run.scenario_id != scenario.id:
        raise EngineError("run belongs to another scenario")
    if run.version == scenario.version:
        return Resumption(run, kept_position=True, version_changed=False)
    # A replay stays one: it never counts as a first play, and its debrief still compares.
    if not run.finished and run.position in scenario.steps:
        # A new run id: buttons from the old version can no longer answer.
        moved = Run(
            scenario.id, scenario.version, new_run_id(), run.position, replay_of=run.replay_of
        )
        return Resumption(moved, kept_position=True, version_changed=True)
    restarted = replace(start(scenario), replay_of=run.replay_of)
    return Resumption(restarted, kept_position=False, version_changed=True)


def phase_of(scenario: Scenario, run: Run) -> Phase | None:
    step = scenario.step(run.position)
    return step.phase if step else None


def _check_version(scenario: Scenario, run: Run) -> None:
    if run.scenario_id != scenario.id or run.version != scenario.version:
        raise ScenarioChanged(f"{run.scenario_id} v{run.version}")
