"""Loads scenarios from disk, checks them and builds the engine's model.

A scenario with any error is left out of the catalog (and its problems kept for the
operator); the others keep working.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.content.bidi import for_right_to_left, is_right_to_left
from bot.content.diagnostics import Location, Report
from bot.content.fields import check_choice
from bot.content.locales import Locales, load_help_resources, load_locales
from bot.content.measures_file import LoadedMeasures, load_measures, measures_path
from bot.content.review import REVIEWED, Review
from bot.content.scenario_file import LineDraft, ScenarioDraft, read_scenario
from bot.content.story_checks import (
    check_lines_shown,
    check_story,
    check_text_limits,
    start_step,
    unconditional_debrief_lines,
)
from bot.content.translations import STRUCTURE_FILE, Coverage, Glossary, load_translations
from bot.content.yamlsafe import read_yaml
from bot.engine.help import HelpResource
from bot.engine.measures import Measures
from bot.engine.model import (
    SOURCE_LANGUAGE,
    AgeRange,
    Choice,
    Ending,
    Line,
    Passage,
    Scenario,
    Step,
    Text,
)


@dataclass
class LoadedScenario:
    path: Path
    report: Report
    draft: ScenarioDraft | None = None
    scenario: Scenario | None = None
    preview: Scenario | None = None  # with the drafts too, for staff who chose a draft language
    coverage: dict[str, Coverage] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)


@dataclass
class Catalog:
    scenarios: dict[str, Scenario]
    loaded: list[LoadedScenario]
    help: dict[str, HelpResource]
    locales: Locales
    report: Report  # problems in locales/ and across files
    questionnaire: LoadedMeasures | None = None

    @cached_property
    def previews(self) -> dict[str, Scenario]:
        """The scenarios with every translation, drafts too: what staff who chose a draft
        language read (young people are shown only the offered ones)."""
        return {
            item.scenario.id: item.preview or item.scenario
            for item in self.loaded
            if item.scenario is not None
        }

    @property
    def awaiting_contact(self) -> list[str]:
        """Help lines (local services) still without a number or web address: hidden."""
        return [key for key, resource in self.help.items() if not resource.reachable]

    @property
    def measures(self) -> Measures | None:
        return self.questionnaire.measures if self.questionnaire else None

    def all_diagnostics(self) -> Report:
        combined = Report()
        combined.extend(self.report)
        for item in [*self.loaded, *filter(None, [self.questionnaire])]:
            combined.extend(item.report)
        return combined


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Each path may be a scenario.yaml, a scenario folder, or a folder of scenario folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif (path / STRUCTURE_FILE).is_file():
            found.append(path / STRUCTURE_FILE)
        else:
            found.extend(sorted(path.glob(f"*/{STRUCTURE_FILE}")))
    return found


def load_catalog(paths: Iterable[Path], locales_dir: Path, offered_from: str = REVIEWED) -> Catalog:
    """`offered_from`: the lowest review status of a translation young people are shown
    (BYSTANDER_OFFERED_TRANSLATIONS); the texts of a lower one are left out, so the
    English (else the Swedish) is shown instead, as for a text not yet translated."""
    paths = list(paths)
    report = Report()
    help_resources = load_help_resources(locales_dir, report)
    locales = load_locales(locales_dir, report, list(help_resources), offered_from)
    glossary = locales.glossary()
    loaded = _load_all(scenario_files(paths), set(help_resources), offered_from, glossary)
    scenarios: dict[str, Scenario] = {}
    for item in loaded:
        if item.scenario is None:
            continue
        if item.scenario.id in scenarios:
            item.report.add(
                item.draft.where,
                "S105",
                f"another file already has the scenario id {item.scenario.id!r}",
            )
            item.scenario = None
            continue
        scenarios[item.scenario.id] = item.scenario
    questionnaire_path = measures_path([p for p in paths if p.is_dir()])
    questionnaire = load_measures(questionnaire_path, offered_from) if questionnaire_path else None
    return Catalog(scenarios, loaded, help_resources, locales, report, questionnaire)


PARALLEL_FROM = 64  # files; below this, starting worker processes costs more than it saves


def _load_all(
    files: list[Path], help_keys: set[str], offered_from: str, glossary: Glossary
) -> list[LoadedScenario]:
    """Load scenario files; a large library (an author's lint run) uses every core."""
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_FROM or workers < 2:
        return [load_scenario(path, help_keys, offered_from, glossary) for path in files]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        same = [help_keys] * len(files), [offered_from] * len(files), [glossary] * len(files)
        return list(pool.map(load_scenario, files, *same, chunksize=16))


def load_scenario(
    path: Path, help_keys: set[str], offered_from: str = REVIEWED, glossary: Glossary | None = None
) -> LoadedScenario:
    result = LoadedScenario(path, Report())
    root = read_yaml(path, result.report)
    if root is None:
        if not result.report.items:
            result.report.add(Location.start_of(path), "S102", "the file is empty")
        return result
    draft = read_scenario(root, str(path), result.report)
    result.draft = draft
    check_story(draft, result.report)
    _check_help(draft, help_keys, result.report)
    for key, source in draft.strings.items():
        check_text_limits(key, source, result.report)
    everyone = unconditional_debrief_lines(draft)
    translations = load_translations(path.parent, draft, result.report, everyone, glossary)
    result.coverage, result.reviews = translations.coverage, translations.reviews
    if not result.report.errors:
        offered = translations.offered(offered_from)
        scenario = build_scenario(draft, offered)
        check_lines_shown(scenario, draft, result.report)  # needs the built story's paths
        result.scenario = None if result.report.errors else scenario
        if result.scenario is not None and len(offered) < len(translations.texts):
            result.preview = build_scenario(draft, translations.texts)
    return result


def _check_help(draft: ScenarioDraft, help_keys: set[str], report: Report) -> None:
    for ending in draft.endings:
        for key, where in ending.help:
            check_choice(key, where, sorted(help_keys), "help resource", report, "H401")


def build_scenario(draft: ScenarioDraft, translations: dict[str, dict[str, str]]) -> Scenario:
    """`translations`: language -> key -> text, of the languages shown."""

    def text(key: str) -> Text:
        values = {SOURCE_LANGUAGE: draft.source(key)}
        for language, table in translations.items():
            if key in table:
                shown = table[key]
                values[language] = for_right_to_left(shown) if is_right_to_left(language) else shown
        return Text(values)

    def passage(lines: list[LineDraft]) -> Passage:
        return Passage(
            tuple(
                Line(text(line.key), line.condition.resolved if line.condition else None)
                for line in lines
            )
        )

    steps = {
        s.id: Step(
            s.id,
            s.phase,
            passage(s.text),
            tuple(
                Choice(
                    c.id,
                    text(f"{s.id}.{c.id}.label"),
                    text(f"{s.id}.{c.id}.feedback"),
                    c.strategy,
                    c.assessment,
                    c.next,
                )
                for c in s.choices
            ),
        )
        for s in draft.steps
    }
    endings = {
        e.id: Ending(
            e.id,
            text(f"{e.id}.title"),
            passage(e.debrief),
            text(f"{e.id}.remember"),
            tuple(k for k, _ in e.help),
            passage(e.discuss),
        )
        for e in draft.endings
    }
    return Scenario(
        id=draft.id,
        version=draft.version,
        title=text("title"),
        description=text("description"),
        focus_areas=tuple(draft.focus_areas),
        principles=tuple(draft.principles),
        age=AgeRange(draft.age_min, draft.age_max),
        minutes=draft.minutes,
        content_note=text("content_note"),
        start=start_step(draft),
        steps=steps,
        endings=endings,
        languages=(SOURCE_LANGUAGE, *sorted(translations)),
    )
