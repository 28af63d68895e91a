"""Author commands: lint, scenarios, play, graph, paths and translate."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path

from bot.cli.graph import render_graph
from bot.cli.paths import render_paths
from bot.config import content_dirs
from bot.content.catalog import Catalog, LoadedScenario, load_catalog
from bot.content.diagnostics import Report, Severity
from bot.content.measures_file import LoadedMeasures
from bot.content.review import DRAFT, MACHINE_DRAFT, REVIEWED, SOFTWARE, Review, fingerprint, lowest
from bot.content.translation_files import (
    TranslationFileError,
    complete,
    entries_of,
    new_file,
    review_block,
    with_review,
)
from bot.content.translations import (
    LANGUAGE_FILE,
    Coverage,
    language_files,
    load_translations,
    read_language,
)
from bot.engine import engine
from bot.engine.help import AgeBand
from bot.engine.model import FALLBACK_LANGUAGE, SOURCE_LANGUAGE, Scenario, Step
from bot.services.presenter import Presenter, plain


class CliError(Exception):
    """A problem the author can fix; printed as one line, exit status 1."""


def add_commands(sub: argparse._SubParsersAction) -> None:
    lint = sub.add_parser("lint", help="check scenario files and report every problem")
    lint.add_argument("paths", nargs="*", type=Path, help="files or folders (default: scenarios/)")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--locales", type=Path, help="the locales folder (default: locales/)")
    lint.add_argument(
        "--lang",
        help="only the problems in this language's files (a translator's view), e.g. fa",
    )
    lint.add_argument(
        "--no-missing",
        action="store_true",
        help="leave out texts not translated yet (T502 warnings), to see the real problems",
    )
    lint.set_defaults(handler=cmd_lint)

    listing = sub.add_parser("scenarios", help="list the scenarios that pass lint")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_scenarios)

    play = sub.add_parser("play", help="play a scenario in the terminal")
    play.add_argument("scenario", help="a scenario id or a path to its file or folder")
    play.add_argument("--lang", default="sv", help="language code (default: sv)")
    play.add_argument(
        "--choices",
        help="non-interactive: '1,2,1' (option numbers), 'first' or 'random:SEED'",
    )
    play.add_argument(
        "--age-band",
        default="unsaid",
        choices=[b.value for b in AgeBand],
        help="age band used to route help lines in the debrief",
    )
    play.set_defaults(handler=cmd_play)

    graph = sub.add_parser("graph", help="print the branch graph of a scenario")
    graph.add_argument("scenario", help="a scenario id or a path to its file or folder")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument("--lang", default="sv")
    graph.set_defaults(handler=cmd_graph)

    paths = sub.add_parser(
        "paths",
        help="list every path through a scenario with the debrief it ends with, for review",
    )
    paths.add_argument("scenario", help="a scenario id or a path to its file or folder")
    paths.add_argument("--lang", default="sv", help="language code (default: sv)")
    paths.set_defaults(handler=cmd_paths)

    translate = sub.add_parser(
        "translate",
        help="create or complete translation files for a language: the interface strings "
        "and every scenario, or one scenario",
    )
    translate.add_argument(
        "scenario",
        nargs="?",
        help="a scenario id or a path to its file or folder (default: the interface strings, "
        "every scenario and the questionnaire)",
    )
    translate.add_argument("--lang", required=True, help="language code, e.g. en, ar, so")
    mark = translate.add_mutually_exclusive_group()
    mark.add_argument(
        "--mark-reviewed",
        metavar="NAME",
        help="only record that NAME, a translator, reviewed every text of these files; "
        "refused while a text is missing or stale",
    )
    mark.add_argument(
        "--mark-draft",
        metavar="NAME",
        help="only record that NAME, a person, wrote or edited these files (a draft)",
    )
    translate.set_defaults(handler=cmd_translate)


def _catalog(paths: list[Path] | None = None, locales: Path | None = None) -> Catalog:
    default_scenarios, default_locales = content_dirs()
    paths = paths or [default_scenarios]
    for path in paths:
        if not path.exists():
            raise CliError(f"{path}: no such file or folder")
    locales = locales or default_locales
    if not locales.is_dir():  # else every scenario fails on help keys, and not this
        raise CliError(f"{locales}: no such folder of interface texts (locales)")
    return load_catalog(paths, locales, MACHINE_DRAFT)  # authors and reviewers see drafts


def _loaded(reference: str) -> tuple[Catalog, LoadedScenario | LoadedMeasures]:
    """Find a scenario (or the questionnaire, id "measures") by path or by id."""
    path = Path(reference)
    catalog = _catalog([path]) if path.exists() else _catalog()
    if catalog.questionnaire and (
        reference == "measures" or path == catalog.questionnaire.path.parent
    ):
        return catalog, catalog.questionnaire
    for item in catalog.loaded:
        if path.exists() or (item.draft is not None and item.draft.id == reference):
            return catalog, item
    known = ", ".join(sorted(i.draft.id for i in catalog.loaded if i.draft and i.draft.id))
    raise CliError(f"no scenario {reference!r}; known ids: {known or 'none'}")


def _story(reference: str, doing: str) -> tuple[Catalog, LoadedScenario]:
    catalog, item = _loaded(reference)
    if isinstance(item, LoadedMeasures):
        raise CliError(f"the questionnaire cannot be {doing}; try bystander lint")
    return catalog, item


def _scenario(reference: str) -> tuple[Catalog, Scenario]:
    catalog, item = _story(reference, "played")
    if item.scenario is None:
        for diagnostic in item.report.sorted():
            print(diagnostic, file=sys.stderr)
        raise CliError(f"{item.path} has errors; fix them first (bystander lint {item.path})")
    return catalog, item.scenario


def cmd_lint(args: argparse.Namespace) -> int:
    catalog = _catalog(args.paths, args.locales)
    report = _shown(catalog.all_diagnostics(), args.lang, args.no_missing)
    coverage = _coverage(catalog)
    reviews = _file_reviews(catalog)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "scenarios": len(catalog.loaded),
                    "errors": len(report.errors),
                    "warnings": len(report.warnings),
                    "diagnostics": [d.to_json() for d in report.sorted()],
                    "coverage": {lang: vars(c) for lang, c in coverage.items()},
                    "interface_coverage": {
                        lang: vars(c) for lang, c in catalog.locales.coverage.items()
                    },
                    "review": {
                        name: {lang: vars(r) for lang, r in by_language.items()}
                        for name, by_language in reviews.items()
                    },
                    "interface_review": {
                        lang: vars(r) for lang, r in catalog.locales.reviews.items()
                    },
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for diagnostic in report.sorted():
            print(diagnostic)
        questionnaire = " and the questionnaire" if catalog.questionnaire else ""
        print(
            f"{len(catalog.loaded)} scenario(s){questionnaire} checked: "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
        print(_coverage_table("scenarios", coverage, _language_statuses(reviews)))
        interface = {lang: r.describe() for lang, r in catalog.locales.reviews.items()}
        print(_coverage_table("interface strings", catalog.locales.coverage, interface))
        print(_review_table(reviews))
    return 1 if report.errors else 0


def _shown(report: Report, language: str | None, no_missing: bool) -> Report:
    """The problems a translator asked to see: those of one language's files, and without
    the texts still to translate (missing Swedish or English stays an error, and is shown)."""
    shown = Report()
    shown.items = [
        d
        for d in report.items
        if (language is None or Path(d.path).name == f"{language}.yaml")
        and not (no_missing and d.code == "T502" and d.severity is Severity.WARNING)
    ]
    return shown


def _coverage(catalog: Catalog) -> dict[str, Coverage]:
    total: dict[str, Coverage] = {}
    for item in _content_items(catalog):
        for language, coverage in item.coverage.items():
            total.setdefault(language, Coverage()).add(coverage)
    return dict(sorted(total.items()))


def _content_items(catalog: Catalog) -> list[LoadedScenario | LoadedMeasures]:
    return [*catalog.loaded, *filter(None, [catalog.questionnaire])]


def _file_reviews(catalog: Catalog) -> dict[str, dict[str, Review]]:
    """Each scenario's (and the questionnaire's) translation files: their review status."""
    return {
        item.draft.id if item.draft and item.draft.id else str(item.path): item.reviews
        for item in _content_items(catalog)
        if item.reviews
    }


def _language_statuses(reviews: Mapping[str, Mapping[str, Review]]) -> dict[str, str]:
    """A language's scenarios count as their least reviewed file."""
    statuses: dict[str, list[str]] = {}
    for by_language in reviews.values():
        for language, review in by_language.items():
            statuses.setdefault(language, []).append(review.effective)
    return {language: lowest(found) for language, found in statuses.items()}


def _coverage_table(
    title: str, coverage: Mapping[str, Coverage], statuses: Mapping[str, str]
) -> str:
    rows = [
        "",
        f"Translation coverage of the {title} (Swedish is the source; a missing text is "
        "shown in English)",
        f"{'language':<10}{'strings':>9}{'translated':>12}{'stale':>7}{'missing':>9}  status",
    ]
    for language, c in coverage.items():
        share = f"{100 * c.translated // c.total if c.total else 100}%"
        status = statuses.get(language, "–")
        rows.append(f"{language:<10}{c.total:>9}{share:>12}{c.stale:>7}{c.missing:>9}  {status}")
    if not coverage:
        rows.append("(no translations found)")
    return "\n".join(rows)


def _review_table(reviews: Mapping[str, Mapping[str, Review]]) -> str:
    """What each scenario file counts as now, one row a scenario, one column a language."""
    languages = sorted({language for by_language in reviews.values() for language in by_language})
    if not languages:
        return ""
    width = max(len(MACHINE_DRAFT), *map(len, languages)) + 2
    rows = [
        "",
        "Review status of each scenario file (- no file; docs/translating.md#review-status)",
        (f"{'scenario':<24}" + "".join(f"{language:<{width}}" for language in languages)).rstrip(),
    ]
    for name, by_language in sorted(reviews.items()):
        cells = [by_language[lang].effective if lang in by_language else "-" for lang in languages]
        rows.append(f"{name:<24}" + "".join(f"{cell:<{width}}" for cell in cells).rstrip())
    return "\n".join(rows)


def cmd_scenarios(args: argparse.Namespace) -> int:
    catalog = _catalog()
    scenarios = sorted(catalog.scenarios.values(), key=lambda s: s.id)
    if args.format == "json":
        print(json.dumps([_summary(s) for s in scenarios], ensure_ascii=False, indent=2))
    else:
        for s in scenarios:
            print(f"{s.id}\tv{s.version}\t{','.join(s.languages)}\t{s.title.get('sv')}")
    skipped = [i.path for i in catalog.loaded if i.scenario is None]
    for path in skipped:
        print(f"skipped {path}: it has errors (bystander lint {path})", file=sys.stderr)
    return 0


def _summary(s: Scenario) -> dict[str, object]:
    return {
        "id": s.id,
        "version": s.version,
        "title": s.title.get("sv"),
        "titles": dict(s.title.values),
        "languages": list(s.languages),
        "focus_areas": [str(f) for f in s.focus_areas],
        "principles": [str(p) for p in s.principles],
        "minutes": s.minutes,
        "age": {"min": s.age.min, "max": s.age.max},
    }


def cmd_play(args: argparse.Namespace) -> int:
    catalog, scenario = _scenario(args.scenario)
    if args.lang not in scenario.languages:
        raise CliError(
            f"{scenario.id} has no {args.lang!r} text; it has {', '.join(scenario.languages)}"
        )
    presenter = Presenter(catalog.locales, catalog.help)
    pick = _interactive_pick if args.choices is None else _listed_picks(args.choices)
    return _play(scenario, presenter, args.lang, AgeBand(args.age_band), pick)


Pick = Callable[[Step, list[str]], int | None]  # an option's index, or None to quit


def _play(
    scenario: Scenario, presenter: Presenter, language: str, band: AgeBand, pick: Pick
) -> int:
    run = engine.start(scenario)
    show = lambda message: print(plain(message) + "\n")  # noqa: E731
    show(presenter.scenario_intro(scenario, language))
    heading = True
    while not run.finished:
        step = engine.current_step(scenario, run)
        show(presenter.step(step, language, with_heading=heading))
        labels = presenter.choice_labels(step, language)
        print("\n".join(f"  {n}. {label}" for n, label in enumerate(labels, 1)) + "\n")
        index = pick(step, labels)
        if index is None:  # the player quit: their choice, not a failure
            print(f"Stopped at step {step.id!r}, before an ending.")
            return 0
        answer = engine.choose(scenario, run, step.choices[index].id)
        show(presenter.feedback(answer, language))
        heading = answer.phase_changed
    show(presenter.debrief(scenario, engine.debrief(scenario, run), language, band))
    return 0


def _interactive_pick(step: Step, labels: list[str]) -> int | None:
    while True:
        try:
            typed = input(f"Choose 1–{len(labels)} (q quits): ").strip()
        except EOFError:
            if sys.stdin.isatty():  # Ctrl-D at the keyboard quits like q
                return None
            # Piped answers that run out are a script's mistake, like --choices running out.
            raise CliError(f"the input ended at step {step.id!r}, before an ending") from None
        if typed.lower() in {"q", "quit"}:
            return None
        if typed.isdigit() and 1 <= int(typed) <= len(labels):
            return int(typed) - 1
        print(f"Please type a number from 1 to {len(labels)}.")


def _listed_picks(spec: str) -> Pick:
    if spec == "first":
        return lambda step, labels: 0
    if spec.startswith("random:"):
        seed = spec.removeprefix("random:")
        if not seed.isdigit():
            raise CliError(f"--choices {spec!r}: the seed must be a whole number, e.g. random:7")
        rng = random.Random(int(seed))
        return lambda step, labels: rng.randrange(len(labels))
    numbers = _numbers(spec)

    def pick(step: Step, labels: list[str]) -> int:
        number = next(numbers, None)
        if number is None:
            raise CliError(f"the listed choices ran out at step {step.id!r}, before an ending")
        if not 1 <= number <= len(labels):
            raise CliError(f"choice {number} at step {step.id!r}: pick 1–{len(labels)}")
        print(f"> {number}\n")
        return number - 1

    return pick


def _numbers(spec: str) -> Iterator[int]:
    parts = [p.strip() for p in spec.split(",")]
    if not all(p.isdigit() for p in parts):
        raise CliError(
            f"--choices {spec!r}: give option numbers like 1,2,1, or 'first' or 'random:SEED'"
        )
    return iter(int(p) for p in parts)


def cmd_graph(args: argparse.Namespace) -> int:
    catalog, item = _story(args.scenario, "drawn")
    draft = item.draft
    if draft is None:
        raise CliError(f"{item.path} cannot be read; run bystander lint {item.path}")
    translations = load_translations(item.path.parent, draft, Report()).texts
    languages = [SOURCE_LANGUAGE, *sorted(translations)]
    if args.lang not in languages:
        name = draft.id or item.path
        raise CliError(f"{name} has no {args.lang!r} text; it has {', '.join(languages)}")
    translated = translations.get(args.lang, {})
    fallback = translations.get(FALLBACK_LANGUAGE, {})

    def text(key: str) -> str:  # like the bot: the translation, else English, else Swedish
        source = draft.strings.get(key)
        swedish = source.text if source else ""
        if args.lang == SOURCE_LANGUAGE:
            return swedish
        return translated.get(key) or fallback.get(key) or swedish

    presenter = Presenter(catalog.locales, catalog.help)
    errors = item.report.errors
    print(render_graph(draft, text, errors, presenter, args.lang, args.format))
    if errors:
        print(
            f"bystander graph: warning: {item.path} has {len(errors)} error(s), red where the "
            f"graph shows them; bystander lint {item.path} lists them all",
            file=sys.stderr,
        )
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    _, scenario = _scenario(args.scenario)
    if args.lang not in scenario.languages:
        raise CliError(
            f"{scenario.id} has no {args.lang!r} text; it has {', '.join(scenario.languages)}"
        )
    print(render_paths(scenario, args.lang, f"bystander paths {scenario.id} --lang {args.lang}"))
    return 0


# A language code, BCP 47-like: never a path. The bot reads at most one subtag (below).
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def cmd_translate(args: argparse.Namespace) -> int:
    if not LANGUAGE_CODE.fullmatch(args.lang):
        raise CliError(f"--lang {args.lang!r} is not a language code like en, ar, so or pt-BR")
    if not LANGUAGE_FILE.fullmatch(f"{args.lang}.yaml"):
        raise CliError(
            f"--lang {args.lang}: the bot reads a language with at most one region or script, "
            "like pt-BR or sr-Latn"
        )
    if args.lang == SOURCE_LANGUAGE:
        raise CliError(
            "Swedish is the source language: write it in scenario.yaml or locales/sv.yaml"
        )
    if args.mark_reviewed is not None or args.mark_draft is not None:
        return _mark(args)
    if args.scenario is not None:
        _, item = _loaded(args.scenario)
        _translate_content(item, args.lang)
        return 0
    catalog = _catalog()
    _translate_interface(catalog, content_dirs()[1], args.lang)
    for item in [*catalog.loaded, *filter(None, [catalog.questionnaire])]:
        if _readable(item):
            _translate_content(item, args.lang)
        else:
            print(
                f"skipped {item.path}: it cannot be read (bystander lint {item.path})",
                file=sys.stderr,
            )
    return 0


def _translate_interface(catalog: Catalog, folder: Path, language: str) -> None:
    source = catalog.locales.strings.get(SOURCE_LANGUAGE)
    if not source:
        raise CliError(f"{folder / 'sv.yaml'} cannot be read; run bystander lint")
    reference = catalog.locales.strings.get(FALLBACK_LANGUAGE, {})
    subject = "the bot's interface (buttons, menus, messages)"
    opening = new_file(language, subject, interface=True, date=date.today().isoformat())
    _write_translation(folder / f"{language}.yaml", opening, source, reference)


def _translate_content(item: LoadedScenario | LoadedMeasures, language: str) -> None:
    if not _readable(item):
        raise CliError(f"{item.path} cannot be read; run bystander lint {item.path}")
    folder = item.path.parent
    sources = {key: text.text for key, text in item.draft.strings.items()}
    english = language_files(folder).get(FALLBACK_LANGUAGE)
    reference = {}
    if english is not None and language != FALLBACK_LANGUAGE:
        entries, _ = read_language(english, FALLBACK_LANGUAGE, Report())
        reference = {key: entry.text for key, entry in entries.items() if entry.text}
    subject = f"the {'questionnaire' if isinstance(item, LoadedMeasures) else 'scenario'}"
    opening = new_file(
        language, f"{subject} {item.draft.id!r}", interface=False, date=date.today().isoformat()
    )
    _write_translation(folder / f"{language}.yaml", opening, sources, reference)


def _readable(item: LoadedScenario | LoadedMeasures) -> bool:
    return item.draft is not None and bool(item.draft.strings)


def _write_translation(
    path: Path, opening: str, sources: dict[str, str], reference: dict[str, str]
) -> None:
    """Create or complete one file; the translator's own lines are never changed."""
    try:
        current = path.read_text(encoding="utf-8") if path.exists() else opening
        done = complete(current, str(path), sources, reference)
        if done.text != current or not path.exists():
            path.write_text(done.text, encoding="utf-8")
    except TranslationFileError as error:
        raise CliError(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    recorded = f", {len(done.recorded)} given their Swedish source" if done.recorded else ""
    print(
        f"{path}: {len(sources)} strings, {len(done.added)} added{recorded}; "
        f"{done.untranslated} to translate, {done.stale} stale"
    )
    if done.orphans:
        count = f"{len(done.orphans)} {'entry' if len(done.orphans) == 1 else 'entries'}"
        print(
            f"  kept {count} the Swedish no longer has (delete when no longer needed): "
            + ", ".join(done.orphans)
        )


def _mark(args: argparse.Namespace) -> int:
    """Record a person's review (or draft) in every file of the language, or of one
    scenario: all of them, or none when a file is not complete enough."""
    status = REVIEWED if args.mark_reviewed is not None else DRAFT
    name = " ".join((args.mark_reviewed or args.mark_draft or "").split())
    option = f"--mark-{status}"
    if not name or name.lower() == SOFTWARE:
        raise CliError(f'{option} needs the name of the person, e.g. {option} "Amina Yusuf"')
    files = _files_of(args.lang, args.scenario)
    absent = [path for path, coverage in files if coverage is None or not path.exists()]
    if absent:
        raise CliError(
            f"{absent[0]}: no such translation file; nothing was marked (create it with "
            f"bystander translate --lang {args.lang})"
        )
    if status == REVIEWED:
        _refuse_incomplete(files)
    today = date.today().isoformat()
    for path, _ in files:
        try:
            current = path.read_text(encoding="utf-8")
            seal = fingerprint(entries_of(current, str(path))) if status == REVIEWED else ""
            path.write_text(
                with_review(current, str(path), review_block(status, name, today, seal)),
                encoding="utf-8",
            )
        except TranslationFileError as error:
            raise CliError(str(error)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"{path}: {error.strerror or error}") from None
        print(f"{path}: marked {status} by {name} on {today}")
    return 0


def _files_of(language: str, scenario: str | None) -> list[tuple[Path, Coverage | None]]:
    """The translation files of a language and their coverage: one scenario's, or the
    interface's, every scenario's and the questionnaire's."""
    if scenario is not None:
        catalog, item = _loaded(scenario)
        items: list[LoadedScenario | LoadedMeasures] = [item]
        files = []
    else:
        catalog = _catalog()
        items = [*catalog.loaded, *filter(None, [catalog.questionnaire])]
        interface = content_dirs()[1] / f"{language}.yaml"
        files = [(interface, catalog.locales.coverage.get(language))]
    for item in items:
        if not _readable(item):
            raise CliError(f"{item.path} cannot be read; run bystander lint {item.path}")
        files.append((item.path.parent / f"{language}.yaml", item.coverage.get(language)))
    return files


def _refuse_incomplete(files: list[tuple[Path, Coverage | None]]) -> None:
    """Only a complete file that matches the Swedish can be reviewed."""
    incomplete = [(path, c) for path, c in files if c is not None and (c.missing or c.stale)]
    if not incomplete:
        return
    path, coverage = incomplete[0]
    more = f" (and {len(incomplete) - 1} more file(s); bystander lint lists them)"
    raise CliError(
        f"{path}: {coverage.missing} text(s) missing and {coverage.stale} stale; nothing was "
        "marked reviewed: translate them, then review again" + (more if len(incomplete) > 1 else "")
    )
