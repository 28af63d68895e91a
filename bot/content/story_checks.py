"""Checks on a scenario draft as a story: its graph, its phases and Telegram's limits."""

from __future__ import annotations

from collections import deque

from bot.content.diagnostics import Report
from bot.content.fields import did_you_mean
from bot.content.scenario_file import ScenarioDraft, SourceText
from bot.engine.callback_data import MAX_BYTES, longest_answer_bytes
from bot.engine.model import Phase

MESSAGE_LIMIT = 4096
# A step message also carries a phase heading and the feedback of the previous choice,
# so a single text may use only part of Telegram's limit.
TEXT_LIMIT = 3500
LABEL_LIMIT = 64
MIN_CHOICES, MAX_CHOICES = 2, 6
# Soft limits for reading on a phone (warnings, see docs/content-guide.md).
PHONE_LIMITS = {
    "label": 48,
    "text": 700,
    "feedback": 400,
    "debrief": 900,
    "remember": 200,
    "content_note": 200,
    "description": 200,
    "title": 60,
}


def check_story(draft: ScenarioDraft, report: Report) -> None:
    _check_ids_unique(draft, report)
    _check_phases(draft, report)
    _check_targets(draft, report)
    if not report.errors:
        _check_reachability(draft, report)
    _check_choice_counts(draft, report)


def check_text_limits(key: str, source: SourceText, report: Report, language: str = "sv") -> None:
    text, where = source.text, source.where
    limit = LABEL_LIMIT if source.kind == "label" else TEXT_LIMIT
    code = "L302" if source.kind == "label" else "L301"
    suffix = "" if language == "sv" else f" ({language})"
    if len(text) > limit:
        report.add(where, code, f"{key}{suffix} is {len(text)} characters; the limit is {limit}")
    elif len(text) > PHONE_LIMITS.get(source.kind, TEXT_LIMIT):
        soft = PHONE_LIMITS[source.kind]
        report.add(
            where,
            "L305",
            f"{key}{suffix} is {len(text)} characters; aim for at most {soft} on a phone",
            warning=True,
        )


def _check_ids_unique(draft: ScenarioDraft, report: Report) -> None:
    seen: set[str] = set()
    for item in [*draft.steps, *draft.endings]:
        if item.id in seen:
            report.add(
                item.where,
                "S105",
                f"the id {item.id!r} is used twice (steps and endings share ids)",
            )
        seen.add(item.id)


def _check_phases(draft: ScenarioDraft, report: Report) -> None:
    names = [name for name, _ in draft.phase_order]
    for (name, where), previous in zip(draft.phase_order[1:], names, strict=False):
        if Phase(name).order < Phase(previous).order:
            report.add(
                where,
                "G204",
                f"the {name!r} phase comes after {previous!r}; "
                "phases go in the order before, during, after",
            )
    for name, where in draft.phase_order:
        if not any(s.phase.value == name for s in draft.steps):
            report.add(where, "G205", f"the phase {name!r} has no steps")


def _check_targets(draft: ScenarioDraft, report: Report) -> None:
    phase_of = {s.id: s.phase for s in draft.steps}
    targets = [*phase_of, *(e.id for e in draft.endings)]
    for step in draft.steps:
        for choice in step.choices:
            if choice.next not in targets:
                hint = did_you_mean(choice.next, targets)
                report.add(
                    choice.next_where,
                    "G201",
                    f"next: {choice.next!r} names no step or ending{hint}",
                )
            elif choice.next in phase_of and phase_of[choice.next].order < step.phase.order:
                report.add(
                    choice.next_where,
                    "G206",
                    f"next: {choice.next!r} is in the {phase_of[choice.next].value} phase, "
                    f"before this step's {step.phase.value} phase",
                )


def _check_reachability(draft: ScenarioDraft, report: Report) -> None:
    edges = {s.id: [c.next for c in s.choices] for s in draft.steps}
    reachable = _walk([start_step(draft)], edges)
    for item in [*draft.steps, *draft.endings]:
        if item.id not in reachable:
            code = "G202" if item.id in edges else "G207"
            report.add(item.where, code, f"{item.id!r} cannot be reached from the start")
    reverse: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    can_end = _walk([e.id for e in draft.endings], reverse)
    for step in draft.steps:
        if step.id in reachable and step.id not in can_end:
            report.add(step.where, "G203", f"from step {step.id!r} no ending can be reached")


def start_step(draft: ScenarioDraft) -> str:
    """The first step of the 'before' phase is where every run starts."""
    return next(s.id for s in draft.steps if s.phase is Phase.BEFORE)


def _walk(starts: list[str], edges: dict[str, list[str]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_choice_counts(draft: ScenarioDraft, report: Report) -> None:
    for step in draft.steps:
        count = step.choice_count
        if not MIN_CHOICES <= count <= MAX_CHOICES:
            report.add(
                step.choices_where,
                "L303",
                f"step {step.id!r} has {count} choices; give {MIN_CHOICES}–{MAX_CHOICES}",
            )
        for choice in step.choices:
            size = longest_answer_bytes(step.id, choice.id)
            if size > MAX_BYTES:
                report.add(
                    choice.where,
                    "L304",
                    f"ids {step.id!r} + {choice.id!r} make {size}-byte button data; "
                    f"Telegram allows {MAX_BYTES}: shorten them",
                )
