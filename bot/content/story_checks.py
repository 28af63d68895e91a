"""Checks on a scenario draft as a story: its graph, its phases and Telegram's limits."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import replace

from bot.content.diagnostics import Location, Report
from bot.content.fields import did_you_mean
from bot.content.scenario_file import LineDraft, ScenarioDraft, SourceText
from bot.engine.callback_data import MAX_BYTES, longest_answer_bytes
from bot.engine.conditions import Taken, holds
from bot.engine.model import ChoiceRef, Phase, Scenario
from bot.engine.paths import path_variants

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
    "discuss": 160,
    "content_note": 200,
    "description": 200,
    "title": 60,
}


# Words that speak to the player, per language (whole words, any case).
SECOND_PERSON = {
    "sv": re.compile(r"\b(du|dig|din|ditt|dina)\b", re.IGNORECASE),
    "en": re.compile(r"\b(you|your|yours)\b", re.IGNORECASE),
}


def check_story(draft: ScenarioDraft, report: Report) -> None:
    _check_ids_unique(draft, report)
    _check_phases(draft, report)
    _check_targets(draft, report)
    if not report.errors:
        _check_reachability(draft, report)
    if not report.errors:  # a circle no path leaves is already reported as G203
        _check_circles(draft, report)
    _check_choice_counts(draft, report)
    _resolve_conditions(draft, report)
    for key, line in unconditional_debrief_lines(draft).items():
        check_player_words(key, draft.source(key), line.where, "sv", report)


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


def _check_circles(draft: ScenarioDraft, report: Report) -> None:
    """A path must end: a choice may not lead back to a step already on the way."""
    step_ids = {s.id for s in draft.steps}
    edges = {s.id: [c for c in s.choices if c.next in step_ids] for s in draft.steps}
    done: set[str] = set()

    def visit(step_id: str, on_way: list[str]) -> None:
        if step_id in done:
            return
        for choice in edges[step_id]:
            if choice.next in on_way:
                circle = " → ".join([*on_way[on_way.index(choice.next) :], choice.next])
                report.add(
                    choice.next_where,
                    "G208",
                    f"next: {choice.next!r} goes round in a circle ({circle}); every path "
                    "must lead on to an ending",
                )
            else:
                visit(choice.next, [*on_way, choice.next])
        done.add(step_id)

    for step in draft.steps:
        visit(step.id, [step.id])


def _passages(draft: ScenarioDraft) -> list[tuple[str, list[LineDraft]]]:
    """Each text made of lines, with the step or ending whose path it is judged on."""
    return [
        *((s.id, s.text) for s in draft.steps),
        *((e.id, e.debrief) for e in draft.endings),
        *((e.id, e.discuss) for e in draft.endings if e.discuss),
    ]


def _resolve_conditions(draft: ScenarioDraft, report: Report) -> None:
    """Turn each `if:`'s choice ids into choices of this scenario (C601, C602)."""
    steps_with: dict[str, list[str]] = {}
    for step in draft.steps:
        for choice in step.choices:
            steps_with.setdefault(choice.id, []).append(step.id)
    for _, lines in _passages(draft):
        for condition in (line.condition for line in lines if line.condition):
            chose = [
                _choice_ref(word, where, steps_with, report) for word, where in condition.chose
            ]
            not_chose = [
                _choice_ref(w, where, steps_with, report) for w, where in condition.not_chose
            ]
            refs = [*chose, *not_chose]
            if condition.valid and None not in refs:
                condition.resolved = replace(
                    condition.others, chose=frozenset(chose), not_chose=frozenset(not_chose)
                )


def _choice_ref(
    word: str, where: Location, steps_with: dict[str, list[str]], report: Report
) -> ChoiceRef | None:
    step_id, _, choice_id = word.rpartition(".")
    steps = steps_with.get(choice_id, [])
    if step_id in steps or (not step_id and len(steps) == 1):
        return ChoiceRef(step_id or steps[0], choice_id)
    if not step_id and steps:
        spelled = " or ".join(f"'{s}.{choice_id}'" for s in steps)
        report.add(
            where,
            "C602",
            f"choice id {choice_id!r} is in more than one step: write {spelled}",
        )
        return None
    known = [f"{s}.{c}" for c, ids in steps_with.items() for s in ids] + list(steps_with)
    report.add(where, "C601", f"no choice {word!r} in this scenario{did_you_mean(word, known)}")
    return None


def unconditional_debrief_lines(draft: ScenarioDraft) -> dict[str, LineDraft]:
    """The debrief lines every player reads, whatever they did, by translation key."""
    return {
        line.key: line
        for ending in draft.endings
        for line in ending.debrief
        if line.condition is None
    }


def check_player_words(key: str, text: str, where: Location, language: str, report: Report) -> None:
    """C604: a line every player reads must not tell them what they did."""
    words = SECOND_PERSON.get(language)
    found = words.search(text) if words else None
    if found:
        suffix = "" if language == "sv" else f" ({language})"
        report.add(
            where,
            "C604",
            f"{key}{suffix} says {found.group(0)!r} to every player, whatever they did: move "
            "that sentence into a line with an 'if:', or into 'remember:'",
            warning=True,
        )


def check_lines_shown(scenario: Scenario, draft: ScenarioDraft, report: Report) -> None:
    """C603: every line with an 'if:' is shown on some path; C605: no path shows nothing."""
    for target, lines in _passages(draft):
        conditions = [line.condition.resolved for line in lines if line.condition]
        if not conditions:
            continue
        variants = path_variants(scenario, target, conditions)
        for line in lines:
            if line.condition and not any(holds(line.condition.resolved, v) for v in variants):
                report.add(
                    line.condition.where,
                    "C603",
                    f"{line.key} is never shown: no path to {target!r} makes its 'if:' hold",
                )
        empty = next((v for v in variants if not any(_shown(line, v) for line in lines)), None)
        if empty is not None:
            report.add(
                lines[0].where,
                "C605",
                f"the path {_described(empty)} to {target!r} shows none of its lines; "
                "add a line without 'if:' or one that fits this path",
            )


def _shown(line: LineDraft, path: list[Taken]) -> bool:
    return line.condition is None or holds(line.condition.resolved, path)


def _described(path: list[Taken]) -> str:
    return " → ".join(f"{t.step}.{t.choice.id}" for t in path) or "(the start)"
