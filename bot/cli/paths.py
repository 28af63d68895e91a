"""`bystander paths`: every path through a scenario and the texts it shows, for review.

Each path is played through the engine as the bot plays it, so what is listed is what a
player reads. Paths that end with the same words are grouped: a reviewer reads each
debrief once, with every path that leads to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.cli.graph import ASSESSMENT_STYLE
from bot.engine import engine
from bot.engine.conditions import Taken
from bot.engine.model import Passage, Scenario
from bot.engine.paths import every_path

LABEL_CHARS = 40  # a path's choices on one line: long labels are cut


def render_paths(scenario: Scenario, language: str, command: str) -> str:
    paths = list(every_path(scenario))
    step_texts: dict[str, dict[str, list[list[Taken]]]] = {}  # step -> text -> paths to it
    debriefs: dict[str, dict[str, list[list[Taken]]]] = {e: {} for e in scenario.endings}
    for path in paths:
        run = engine.start(scenario)
        for taken in path:
            step = engine.current_step(scenario, run)
            if _depends_on_path(scenario.steps[step.id].text):
                shown = step.text.get(language)
                step_texts.setdefault(step.id, {}).setdefault(shown, []).append(path)
            engine.choose(scenario, run, taken.choice.id)
        ending = engine.debrief(scenario, run).ending
        debriefs[ending.id].setdefault(ending.debrief.get(language), []).append(path)
    variants = sum(len(texts) for texts in debriefs.values())
    parts = [
        f"{scenario.id} ({language}), version {scenario.version}: {_count(len(paths), 'path')}, "
        f"{_count(len(scenario.endings), 'ending')}, "
        f"{_count(variants, 'different debrief')}.\n"
        f"Made by `{command}`. Each path lists the buttons tapped, in order, each marked "
        "✓ helpful, ~ partly or ✗ harmful."
    ]
    for step_id, texts in step_texts.items():
        parts.append(f"== step {step_id}: its text depends on the way there")
        parts += _variants("text", texts, language, before=step_id)
    for ending_id, texts in debriefs.items():
        ending = scenario.endings[ending_id]
        prompts = [
            f"\nDiscuss: {line.text.get(language)}{'' if line.when is None else ' (some paths)'}"
            for line in ending.discuss.lines
        ]
        parts.append(
            f"== {ending_id}: {ending.title.get(language)}\n"
            f"Remember: {ending.remember.get(language)}\n"
            f"Help: {', '.join(ending.help)}" + "".join(prompts)
        )
        parts += _variants("debrief", texts, language)
    return "\n\n".join(parts) + "\n"


def _depends_on_path(passage: Passage) -> bool:
    return any(line.when is not None for line in passage.lines)


def _variants(
    what: str,
    texts: dict[str, list[list[Taken]]],
    language: str,
    before: str | None = None,
) -> list[str]:
    parts = []
    for number, (text, paths) in enumerate(texts.items(), 1):
        ways = _unique(_described(p, language, before) for p in paths)
        listing = "\n".join(f"  {n}. {way}" for n, way in enumerate(ways, 1))
        parts.append(
            f"-- {what} {number} of {len(texts)}, after {_count(len(ways), 'path')}:\n"
            f"{text}\n\n{listing}"
        )
    return parts


def _described(path: list[Taken], language: str, before: str | None) -> str:
    """The buttons tapped, up to `before` (a step) or to the end."""
    labels = []
    for taken in path:
        if taken.step == before:
            break
        mark = ASSESSMENT_STYLE[taken.choice.assessment][0]
        labels.append(f"{_short(taken.choice.label.get(language))} {mark}")
    return " → ".join(labels) or "(the start)"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _unique(ways: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ways))
