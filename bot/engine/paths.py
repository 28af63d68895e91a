"""Every way through a scenario: for reviewing what each player reads, and for lint.

Lint refuses a story that goes round in a circle (G208), so every path is finite.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

from bot.engine.conditions import Taken
from bot.engine.engine import EngineError
from bot.engine.model import Assessment, Condition, Scenario


def every_path(scenario: Scenario) -> Iterator[list[Taken]]:
    """Each sequence of choices from the start to an ending, in the order of the buttons."""
    yield from _paths_from(scenario, scenario.start, [])


def _paths_from(scenario: Scenario, position: str, path: list[Taken]) -> Iterator[list[Taken]]:
    step = scenario.step(position)
    if step is None:
        yield path
        return
    if any(taken.step == step.id for taken in path):
        raise EngineError(f"the story goes round in a circle at {step.id!r}")
    for choice in step.choices:
        yield from _paths_from(scenario, choice.next, [*path, Taken(step.id, choice)])


def path_variants(
    scenario: Scenario, target: str, conditions: Sequence[Condition]
) -> list[list[Taken]]:
    """Paths to `target` (a step or an ending), one for each way `conditions` can be judged.

    Two paths that agree on everything the conditions look at – which of the named
    choices were made, which strategies and assessments occurred, and the helpful count
    up to the highest threshold – are judged alike, so one of them stands for both.
    That keeps the search small where listing every path would not be.
    """
    named = frozenset(ref for c in conditions for ref in c.chose | c.not_chose)
    cap = max((c.helpful_at_least for c in conditions), default=0)

    def facts(path: list[Taken]) -> tuple:
        return (
            frozenset(t.ref for t in path) & named,
            frozenset(t.choice.strategy for t in path),
            frozenset(t.choice.assessment for t in path),
            min(cap, sum(t.choice.assessment is Assessment.HELPFUL for t in path)),
        )

    found: list[list[Taken]] = []
    seen = {(scenario.start, facts([]))}
    queue: deque[tuple[str, list[Taken]]] = deque([(scenario.start, [])])
    while queue:
        position, path = queue.popleft()
        if position == target:
            found.append(path)
            continue
        step = scenario.step(position)
        if step is None:  # another ending
            continue
        for choice in step.choices:
            longer = [*path, Taken(step.id, choice)]
            state = (choice.next, facts(longer))
            if state not in seen:
                seen.add(state)
                queue.append((choice.next, longer))
    return found
