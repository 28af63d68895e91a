"""Reads the evaluation questionnaire (`scenarios/measures/measures.yaml`) and its
translations, with the same checks and string tables as scenarios. The format is in
docs/evaluation.md ("The questionnaire and its sources")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content.diagnostics import Report
from bot.content.fields import Fields
from bot.content.review import REVIEWED, Review
from bot.content.scenario_file import SourceText
from bot.content.story_checks import check_text_limits
from bot.content.translations import Coverage, load_translations
from bot.content.yamlsafe import Node, read_yaml
from bot.engine.callback_data import ID_PATTERN
from bot.engine.measures import (
    BEHAVIOURS,
    OTHER,
    SCALE_POINTS,
    Block,
    FollowUpTexts,
    MeasureItem,
    Measures,
    Option,
    Scale,
    Wave,
)
from bot.engine.model import SOURCE_LANGUAGE, Text

MEASURES_FILE = Path("measures") / "measures.yaml"
FOLLOW_UP_TEXTS = ("offer", "reminder", "opportunity")
MAX_REASONS = 9  # the reasons' buttons, with "done", fit a phone's screen


@dataclass
class DraftBlock:
    id: str
    scale: str
    has_stem: bool
    items: list[tuple[str, str | None]]  # (item id, the source it is comparable with)


@dataclass
class MeasuresDraft:
    """Duck-types the parts of ScenarioDraft that translations need."""

    path: str
    id: str = "measures"
    version: int = 0
    scales: list[str] = field(default_factory=list)
    blocks: list[DraftBlock] = field(default_factory=list)
    class_items: list[str] = field(default_factory=list)
    behaviours: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    strings: dict[str, SourceText] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        return [item for block in self.blocks for item, _ in block.items]


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
    draft = _Reader(str(path), result.report).read(root)
    result.draft = draft
    for key, source in draft.strings.items():
        check_text_limits(key, source, result.report)
    translations = load_translations(path.parent, draft, result.report)
    result.coverage, result.reviews = translations.coverage, translations.reviews
    if not result.report.errors:
        result.measures = _build(draft, translations.offered(offered_from))
    return result


class _Reader:
    def __init__(self, path: str, report: Report) -> None:
        self.draft = MeasuresDraft(path)
        self.report = report
        self.ids: set[str] = set()  # blocks and items share the string keys' namespace

    def read(self, root: Node) -> MeasuresDraft:
        top = Fields(root, self.report, "the questionnaire",
                     required=("id", "version", "intro", "scales", "blocks", "class_items",
                               "follow_up"))  # fmt: skip
        self.draft.version = top.number("version", minimum=1) or 0
        intro = top.mapping("intro")
        if intro is not None:
            self._texts(Fields(intro, self.report, "intro", required=list(Wave)), "intro", Wave)
        scales = top.mapping("scales")
        if scales is not None:
            for scale_id, labels in scales.value.items():
                self._scale(scale_id, labels)
        for node in top.items("blocks"):
            self._block(node)
        self._class_items(top)
        follow_up = top.mapping("follow_up")
        if follow_up is not None:
            self._follow_up(follow_up)
        return self.draft

    def _scale(self, scale_id: str, labels: Node) -> None:
        if not self._valid_id(scale_id, labels.key_where or labels.where, "scale", shared=False):
            return
        if not isinstance(labels.value, list) or len(labels.value) != SCALE_POINTS:
            self.report.add(labels.where, "S107",
                            f"the scale {scale_id!r} needs a list of exactly {SCALE_POINTS}"
                            " labels, lowest first")  # fmt: skip
            return
        self.draft.scales.append(scale_id)
        for number, label in enumerate(labels.value, 1):
            self._label(label, f"scale.{scale_id}.{number}")

    def _block(self, node: Node) -> None:
        block = Fields(node, self.report, "a block", required=("id", "source", "scale", "items"),
                       optional=("stem",))  # fmt: skip
        block_id, scale = block.text("id"), block.text("scale")
        block.text("source")  # the published measure it adapts: for readers, checked as text
        if block_id is None or not self._valid_id(block_id, block.where("id"), "block"):
            return
        if scale is not None and scale not in self.draft.scales:
            self.report.add(block.where("scale"), "S104",
                            f"the block {block_id!r} uses the scale {scale!r}, which the"
                            f" questionnaire's `scales` do not define")  # fmt: skip
        draft = DraftBlock(block_id, scale or "", "stem" in block.values, [])
        self._collect(block, "stem", f"{block_id}.stem")
        for item_node in block.items("items"):
            item = Fields(item_node, self.report, "a question", required=("id", "text"),
                          optional=("comparable",))  # fmt: skip
            item_id = item.text("id")
            if item_id is None or not self._valid_id(item_id, item.where("id"), "question"):
                continue
            draft.items.append((item_id, item.text("comparable")))
            self._collect(item, "text", f"{item_id}.text")
        if not draft.items:
            self.report.add(block.where("items"), "S102", f"the block {block_id!r} has no items")
        self.draft.blocks.append(draft)

    def _class_items(self, top: Fields) -> None:
        known = set(self.draft.item_ids)
        for item_id, where in top.words("class_items"):
            if item_id not in known:
                self.report.add(where, "S104", f"class_items: there is no question {item_id!r}")
            elif item_id in self.draft.class_items:
                self.report.add(where, "S105", f"class_items: {item_id!r} is listed twice")
            else:
                self.draft.class_items.append(item_id)

    def _follow_up(self, node: Node) -> None:
        texts = Fields(node, self.report, "follow_up",
                       required=(*FOLLOW_UP_TEXTS, "behaviour", "reasons"))  # fmt: skip
        for key in FOLLOW_UP_TEXTS:
            self._collect(texts, key, f"follow_up.{key}")
        behaviours = self._options(texts, "behaviour")
        if behaviours is not None and sorted(behaviours) != sorted(BEHAVIOURS):
            self.report.add(texts.where("behaviour"), "S104",
                            "follow_up.behaviour needs exactly the options "
                            + ", ".join(BEHAVIOURS))  # fmt: skip
        self.draft.behaviours = behaviours or []
        reasons = self._options(texts, "reasons") or []
        if reasons and (reasons[-1] != OTHER or len(reasons) > MAX_REASONS):
            self.report.add(texts.where("reasons"), "S104",
                            f"follow_up.reasons: at most {MAX_REASONS} options, the last one"
                            f" {OTHER!r}")  # fmt: skip
        self.draft.reasons = reasons

    def _options(self, texts: Fields, name: str) -> list[str] | None:
        node = texts.mapping(name)
        if node is None:
            return None
        fields = Fields(node, self.report, f"follow_up.{name}",
                        required=("question", "options"))  # fmt: skip
        self._collect(fields, "question", f"follow_up.{name}")
        options = fields.mapping("options")
        if options is None:
            return None
        ids = []
        for option_id, label in options.value.items():
            if self._valid_id(option_id, label.key_where or label.where, "option", shared=False):
                ids.append(option_id)
                self._label(label, f"follow_up.{name}.{option_id}")
        return ids

    def _valid_id(self, value: str, where, what: str, *, shared: bool = True) -> bool:
        if not ID_PATTERN.fullmatch(value):
            self.report.add(where, "S106", f"{what} id {value!r}: use a–z, 0–9, - or _")
            return False
        if not shared:
            return True
        if value in self.ids:
            self.report.add(where, "S105", f"the id {value!r} is used twice")
            return False
        self.ids.add(value)
        return True

    def _label(self, label: Node, key: str) -> None:
        if isinstance(label.value, str) and label.value.strip():
            self.draft.strings[key] = SourceText(label.value.strip(), label.where, "label")
        else:
            self.report.add(label.where, "S103", "a label must be text")

    def _texts(self, fields: Fields, prefix: str, names) -> None:
        for name in names:
            self._collect(fields, name, f"{prefix}.{name}")

    def _collect(self, fields: Fields, name: str, key: str) -> None:
        value = fields.text(name)
        if value is not None:
            self.draft.strings[key] = SourceText(value, fields.where(name), "text")


def _build(draft: MeasuresDraft, texts: dict[str, dict[str, str]]) -> Measures:
    def text(key: str) -> Text:
        values = {SOURCE_LANGUAGE: draft.strings[key].text}
        values.update({lang: table[key] for lang, table in texts.items() if key in table})
        return Text(values)

    def options(name: str, ids: list[str]) -> tuple[Option, ...]:
        return tuple(Option(i, text(f"follow_up.{name}.{i}")) for i in ids)

    scales = {
        s: Scale(s, tuple(text(f"scale.{s}.{n}") for n in range(1, SCALE_POINTS + 1)))
        for s in draft.scales
    }
    items = []
    for b in draft.blocks:
        block = Block(b.id, text(f"{b.id}.stem") if b.has_stem else None, scales[b.scale])
        items += [MeasureItem(i, text(f"{i}.text"), block, c) for i, c in b.items]
    return Measures(
        version=draft.version,
        intros={wave: text(f"intro.{wave}") for wave in Wave},
        items=tuple(items),
        follow_up=FollowUpTexts(
            *(text(f"follow_up.{k}") for k in FOLLOW_UP_TEXTS),
            behaviour=text("follow_up.behaviour"),
            behaviours=options("behaviour", draft.behaviours),
            reasons_question=text("follow_up.reasons"),
            reasons=options("reasons", draft.reasons),
        ),
        class_items=tuple(draft.class_items),
    )


def measures_path(scenario_dirs: list[Path]) -> Path | None:
    for folder in scenario_dirs:
        candidate = folder / MEASURES_FILE
        if candidate.is_file():
            return candidate
    return None
