"""Reads a scenario's structure file (`scenario.yaml`, Swedish text inline) into a draft.

The draft keeps every Swedish text under a stable translation key together with its
location, so translations can be checked against it and diagnostics point at the text.
A step's `text` and an ending's `debrief` may be a list of lines, some with an `if:`; each
line has its own key, `<key>.<n>` counting from 1 (see docs/scenario-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields, check_choice
from bot.content.yamlsafe import Node
from bot.engine.callback_data import ID_PATTERN
from bot.engine.model import Assessment, Condition, FocusArea, Phase, Principle, Strategy

SCENARIO_REQUIRED = (
    "id",
    "version",
    "title",
    "description",
    "focus_areas",
    "principles",
    "age",
    "minutes",
    "content_note",
    "phases",
    "endings",
)
STEP_REQUIRED = ("id", "text", "choices")
CHOICE_REQUIRED = ("id", "label", "feedback", "strategy", "assessment", "next")
ENDING_REQUIRED = ("id", "title", "debrief", "remember", "help")
ENDING_OPTIONAL = ("discuss",)
CONDITION_KEYS = (
    "chose",
    "not_chose",
    "strategy",
    "not_strategy",
    "assessment",
    "not_assessment",
    "helpful_at_least",
)
TEXT_KINDS = {
    "title",
    "description",
    "content_note",
    "text",
    "label",
    "feedback",
    "debrief",
    "remember",
    "discuss",
}


@dataclass
class SourceText:
    text: str
    where: Location
    kind: str  # which field it is, for length rules: "text", "label", "feedback", ...


@dataclass
class ConditionDraft:
    """An `if:` as written; choice ids are resolved once every step is read."""

    where: Location
    chose: list[tuple[str, Location]]
    not_chose: list[tuple[str, Location]]
    others: Condition  # strategies, assessments and the helpful count, already read
    valid: bool  # False: lint reported a problem in it
    resolved: Condition | None = None  # set by the story checks when every part is valid


@dataclass
class LineDraft:
    key: str  # the translation key of its text
    where: Location
    condition: ConditionDraft | None = None  # None: shown on every path


@dataclass
class ChoiceDraft:
    id: str
    strategy: Strategy
    assessment: Assessment
    next: str
    next_where: Location
    where: Location


@dataclass
class StepDraft:
    id: str
    phase: Phase
    where: Location
    text: list[LineDraft]
    choices: list[ChoiceDraft]
    choices_where: Location
    choice_count: int  # as written, also counting choices that had errors


@dataclass
class EndingDraft:
    id: str
    help: list[tuple[str, Location]]
    where: Location
    debrief: list[LineDraft]
    discuss: list[LineDraft] = field(default_factory=list)


@dataclass
class ScenarioDraft:
    path: str
    id: str = ""
    version: int = 0
    focus_areas: list[FocusArea] = field(default_factory=list)
    principles: list[Principle] = field(default_factory=list)
    age_min: int = 0
    age_max: int = 0
    minutes: int = 0
    phase_order: list[tuple[str, Location]] = field(default_factory=list)
    steps: list[StepDraft] = field(default_factory=list)
    endings: list[EndingDraft] = field(default_factory=list)
    strings: dict[str, SourceText] = field(default_factory=dict)
    where: Location = field(default_factory=lambda: Location("", 1, 1))

    def source(self, key: str) -> str:
        return self.strings[key].text


def read_scenario(root: Node, path: str, report: Report) -> ScenarioDraft:
    draft = ScenarioDraft(path=path, where=root.where)
    top = Fields(root, report, "the scenario", required=SCENARIO_REQUIRED)
    draft.id = _read_id(top, report) or ""
    draft.version = top.number("version", minimum=1) or 0
    draft.minutes = top.number("minutes", minimum=1) or 0
    for key in ("title", "description", "content_note"):
        _collect(draft, top, key, key)
    draft.focus_areas = _enum_list(top, "focus_areas", FocusArea, "focus area", report)
    draft.principles = _enum_list(top, "principles", Principle, "principle", report)
    _read_age(draft, top, report)
    _read_phases(draft, top, report)
    for node in top.items("endings"):
        _read_ending(draft, node, report)
    return draft


def _read_id(fields: Fields, report: Report) -> str | None:
    value = fields.text("id")
    if value is not None and not ID_PATTERN.fullmatch(value):
        report.add(
            fields.where("id"),
            "S106",
            f"id {value!r} must be 1–32 lowercase letters a–z, digits, '-' or '_', "
            "starting with a letter or digit",
        )
    return value


def _collect(draft: ScenarioDraft, fields: Fields, field_name: str, key: str) -> None:
    value = fields.text(field_name)
    if value is not None:
        draft.strings[key] = SourceText(value, fields.where(field_name), field_name)


def _enum_list(fields: Fields, key: str, enum: type, what: str, report: Report) -> list:
    options = [e.value for e in enum]
    words = _listed(fields, key, what, report)
    return [enum(w) for w, where in words if check_choice(w, where, options, what, report)]


def _listed(fields: Fields, key: str, what: str, report: Report) -> list[tuple[str, Location]]:
    words = fields.words(key)
    if key in fields.values and not words:
        report.add(fields.where(key), "S102", f"{key!r} needs at least one {what}")
    return words


def _collect_lines(
    draft: ScenarioDraft, fields: Fields, field_name: str, key: str, report: Report
) -> list[LineDraft]:
    """A text that is one plain string, or a list of lines each maybe with an `if:`."""
    node = fields.get(field_name)
    if node is None or not isinstance(node.value, list):
        _collect(draft, fields, field_name, key)
        return [LineDraft(key, node.where)] if key in draft.strings else []
    if not node.value:
        report.add(node.where, "S102", f"{field_name!r} needs at least one line")
    lines = [
        _read_line(draft, item, field_name, f"{key}.{number}", report)
        for number, item in enumerate(node.value, 1)
    ]
    return [line for line in lines if line is not None]


def _read_line(
    draft: ScenarioDraft, node: Node, field_name: str, key: str, report: Report
) -> LineDraft | None:
    if isinstance(node.value, str):  # a line shown on every path
        node = Node({"text": node}, node.where)
    line = Fields(node, report, f"a line of {field_name!r}", required=("text",), optional=("if",))
    text = line.text("text")
    if text is None:
        return None
    draft.strings[key] = SourceText(text, line.where("text"), field_name)
    condition = line.mapping("if")
    if condition is None:
        return LineDraft(key, line.where("text"))
    return LineDraft(key, line.where("text"), _read_condition(condition, report))


def _read_condition(node: Node, report: Report) -> ConditionDraft:
    errors = len(report.errors)
    fields = Fields(node, report, "an 'if'", required=(), optional=CONDITION_KEYS)
    if node.is_mapping and not fields.values:
        report.add(
            node.where, "S102", f"an 'if' needs at least one of: {', '.join(CONDITION_KEYS)}"
        )
    others = Condition(
        strategy=frozenset(_enum_list(fields, "strategy", Strategy, "strategy", report)),
        not_strategy=frozenset(_enum_list(fields, "not_strategy", Strategy, "strategy", report)),
        assessment=frozenset(_enum_list(fields, "assessment", Assessment, "assessment", report)),
        not_assessment=frozenset(
            _enum_list(fields, "not_assessment", Assessment, "assessment", report)
        ),
        helpful_at_least=fields.number("helpful_at_least", minimum=1) or 0,
    )
    chose = _listed(fields, "chose", "choice id", report)
    not_chose = _listed(fields, "not_chose", "choice id", report)
    return ConditionDraft(node.where, chose, not_chose, others, len(report.errors) == errors)


def _read_age(draft: ScenarioDraft, top: Fields, report: Report) -> None:
    node = top.mapping("age")
    if node is None:
        return
    age = Fields(node, report, "age", required=("min", "max"))
    draft.age_min = age.number("min", minimum=6) or 0
    draft.age_max = age.number("max", minimum=6) or 0
    if draft.age_min and draft.age_max and draft.age_min > draft.age_max:
        report.add(node.where, "S107", "age 'min' must not be above 'max'")


def _read_phases(draft: ScenarioDraft, top: Fields, report: Report) -> None:
    node = top.mapping("phases")
    if node is None:
        return
    phases = Fields(node, report, "phases", required=[p.value for p in Phase])
    for name, steps_node in phases.values.items():
        if name not in {p.value for p in Phase}:
            continue
        draft.phase_order.append((name, steps_node.key_where or steps_node.where))
        for step_node in phases.items(name):
            _read_step(draft, Phase(name), step_node, report)


def _read_step(draft: ScenarioDraft, phase: Phase, node: Node, report: Report) -> None:
    fields = Fields(node, report, "a step", required=STEP_REQUIRED)
    step_id = _read_id(fields, report)
    if step_id is None:
        return
    text = _collect_lines(draft, fields, "text", f"{step_id}.text", report)
    choice_nodes = fields.items("choices")
    choices_node = fields.get("choices")
    where = (choices_node.key_where if choices_node else None) or node.where
    step = StepDraft(step_id, phase, node.where, text, [], where, len(choice_nodes))
    for choice_node in choice_nodes:
        choice = _read_choice(draft, step_id, choice_node, report)
        if choice is not None:
            if any(c.id == choice.id for c in step.choices):
                report.add(
                    choice.where,
                    "S105",
                    f"choice id {choice.id!r} is used twice in step {step_id!r}",
                )
                continue
            step.choices.append(choice)
    draft.steps.append(step)


def _read_choice(
    draft: ScenarioDraft, step_id: str, node: Node, report: Report
) -> ChoiceDraft | None:
    fields = Fields(node, report, "a choice", required=CHOICE_REQUIRED)
    choice_id = _read_id(fields, report)
    if choice_id is None:
        return None
    for key in ("label", "feedback"):
        _collect(draft, fields, key, f"{step_id}.{choice_id}.{key}")
    strategy = _enum_value(fields, "strategy", Strategy, "strategy", report)
    assessment = _enum_value(fields, "assessment", Assessment, "assessment", report)
    target = fields.text("next")
    if strategy is None or assessment is None or target is None:
        return None
    return ChoiceDraft(choice_id, strategy, assessment, target, fields.where("next"), node.where)


def _enum_value(fields: Fields, key: str, enum: type, what: str, report: Report):
    value = fields.text(key)
    if value is None:
        return None
    options = [e.value for e in enum]
    return enum(value) if check_choice(value, fields.where(key), options, what, report) else None


def _read_ending(draft: ScenarioDraft, node: Node, report: Report) -> None:
    fields = Fields(node, report, "an ending", required=ENDING_REQUIRED, optional=ENDING_OPTIONAL)
    ending_id = _read_id(fields, report)
    if ending_id is None:
        return
    _collect(draft, fields, "title", f"{ending_id}.title")
    debrief = _collect_lines(draft, fields, "debrief", f"{ending_id}.debrief", report)
    _collect(draft, fields, "remember", f"{ending_id}.remember")
    discuss = _collect_lines(draft, fields, "discuss", f"{ending_id}.discuss", report)
    draft.endings.append(EndingDraft(ending_id, fields.words("help"), node.where, debrief, discuss))
