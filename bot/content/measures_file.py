"""Reads the evaluation questionnaire (`scenarios/measures/measures.yaml`) and its
translations, with the same checks and string tables as scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content.diagnostics import Report
from bot.content.fields import Fields
from bot.content.review import REVIEWED, Review
from bot.content.scenario_file import SourceText
from bot.content.story_checks import check_text_limits
from bot.content.translations import Coverage, load_translations
from bot.content.yamlsafe import read_yaml
from bot.engine.callback_data import ID_PATTERN
from bot.engine.measures import SCALE_POINTS, FollowUpTexts, MeasureItem, Measures
from bot.engine.model import SOURCE_LANGUAGE, Text

MEASURES_FILE = Path("measures") / "measures.yaml"
FOLLOW_UP_KEYS = ("offer", "reminder", "opportunity", "acted")


@dataclass
class MeasuresDraft:
    """Duck-types the parts of ScenarioDraft that translations need."""

    path: str
    id: str = "measures"
    version: int = 0
    items: list[str] = field(default_factory=list)
    strings: dict[str, SourceText] = field(default_factory=dict)


@dataclass
class LoadedMeasures:
    path: Path
    report: Report
    draft: MeasuresDraft | None = None
    measures: Measures | None = None
    coverage: dict[str, Coverage] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)


def load_measures(path: Path, offered_from: str = REVIEWED) -> LoadedMeasures:
    result = LoadedMeasures(path, Report())
    root = read_yaml(path, result.report)
    if root is None:
        return result
    draft = _read(root, str(path), result.report)
    result.draft = draft
    for key, source in draft.strings.items():
        check_text_limits(key, source, result.report)
    translations = load_translations(path.parent, draft, result.report)
    result.coverage, result.reviews = translations.coverage, translations.reviews
    if not result.report.errors:
        result.measures = _build(draft, translations.offered(offered_from))
    return result


def _read(root, path: str, report: Report) -> MeasuresDraft:
    draft = MeasuresDraft(path)
    top = Fields(root, report, "the questionnaire",
                 required=("id", "version", "intro_before", "intro_after", "scale", "items",
                           "follow_up"))  # fmt: skip
    draft.version = top.number("version", minimum=1) or 0
    for key in ("intro_before", "intro_after"):
        _collect(draft, top, key, key)
    labels = top.items("scale")
    if "scale" in top.values and len(labels) != SCALE_POINTS:
        report.add(top.where("scale"), "S107", f"the scale needs exactly {SCALE_POINTS} labels")
    for number, label in enumerate(labels, 1):
        if isinstance(label.value, str) and label.value.strip():
            draft.strings[f"scale.{number}"] = SourceText(label.value.strip(), label.where, "label")
        else:
            report.add(label.where, "S103", "a scale label must be text")
    for node in top.items("items"):
        item = Fields(node, report, "a question", required=("id", "text"))
        item_id = item.text("id")
        if item_id is None:
            continue
        if item_id in draft.items:
            report.add(item.where("id"), "S105", f"the question id {item_id!r} is used twice")
        elif not ID_PATTERN.fullmatch(item_id):
            report.add(item.where("id"), "S106", f"question id {item_id!r}: use a–z, 0–9, - or _")
        draft.items.append(item_id)
        _collect(draft, item, "text", f"{item_id}.text")
    follow_up = top.mapping("follow_up")
    if follow_up is not None:
        texts = Fields(follow_up, report, "follow_up", required=FOLLOW_UP_KEYS)
        for key in FOLLOW_UP_KEYS:
            _collect(draft, texts, key, f"follow_up.{key}")
    return draft


def _collect(draft: MeasuresDraft, fields: Fields, name: str, key: str) -> None:
    value = fields.text(name)
    if value is not None:
        draft.strings[key] = SourceText(value, fields.where(name), "text")


def _build(draft: MeasuresDraft, texts: dict[str, dict[str, str]]) -> Measures:
    def text(key: str) -> Text:
        values = {SOURCE_LANGUAGE: draft.strings[key].text}
        values.update({lang: table[key] for lang, table in texts.items() if key in table})
        return Text(values)

    return Measures(
        version=draft.version,
        intro_before=text("intro_before"),
        intro_after=text("intro_after"),
        scale=tuple(text(f"scale.{n}") for n in range(1, SCALE_POINTS + 1)),
        items=tuple(MeasureItem(i, text(f"{i}.text")) for i in draft.items),
        follow_up=FollowUpTexts(*(text(f"follow_up.{k}") for k in FOLLOW_UP_KEYS)),
    )


def measures_path(scenario_dirs: list[Path]) -> Path | None:
    for folder in scenario_dirs:
        candidate = folder / MEASURES_FILE
        if candidate.is_file():
            return candidate
    return None
