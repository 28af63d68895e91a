"""The evaluation report as plain data, in one language, with every small cell hidden.

`build_report` turns the aggregated counts of `ReportData` into titled sections of tables
and chart data; `render.py` only lays them out (JSON, CSV, HTML) and decides nothing.

Suppression, so that nobody can be singled out:

1. Primary: a count of fewer than K distinct people (zero included), each count tested
   against its own people, shows the locale's "fewer than K" marker instead of numbers.
2. Secondary: no shown number may let a reader subtract their way to a hidden one. Every
   sum a reader can form is recorded: a step's choices add up to the step total and their
   shares to 100 %; the same answers add up again by strategy, by first or later play, by
   age band and by class; completions by scenario, age band and class; answers and the
   people who gave them are one number when nobody replays; and, for a released period,
   everybody = the classes + the runs outside classes (`protect_release`). Whenever such a
   sum has one hidden term alone, or hidden terms of fewer than K people together, one
   more is hidden (the one with the fewest people beside it in its own table or step,
   else in the sum), until no sum has. A second cell is hidden rather than the total
   because shares always add up to 100 %: hiding a total alone would protect nothing.
   Sums that may not hold exactly (classes overlap, replays) are still recorded; that only
   hides more.
3. A share is shown only when both of its numbers are, and charts are drawn from the
   finished tables, so they can only show what the tables show.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from bot.content.catalog import Catalog
from bot.engine.measures import BEHAVIOURS, NOTHING, OPPORTUNITIES, SCALE_POINTS, Option
from bot.engine.model import Assessment, Choice, Scenario, Strategy
from bot.evaluation.class_answers import WAVES, ClassItemWaves, class_item_waves
from bot.evaluation.data import (
    ANSWERED,
    SOMETHING,
    ChoiceCount,
    FacilitatedCount,
    Filters,
    GroupCounts,
    MeasurePair,
    MeasurePeople,
    ReportData,
    StepTotal,
)
from bot.evaluation.stats import PairedChange, linked_clusters, paired_change

MIN_K = 3  # below three, two people could tell each other's answers apart
ALL, UNCLASSED, CLASS_SCOPE = "all", "unclassed", "class:"  # the scopes of a release
# The class answers in everybody's report of lessons no class's report has: of classes that
# ended (retention folded them) or that are no scope of the release. Never shown, but
# everybody's minus the classes', so protected like UNCLASSED (`_build_scopes`).
OTHER_LESSONS = "other_lessons"
COMPARISONS = ("T1-T2", "T1-T3")
PLAYS = ("first", "later")
DIMENSIONS = ("age_band", "class")
LABELS = ("summary", "about", "empty")
PER_SCENARIO = ("participation", "choices", "facilitated")  # shown with a scenario filter
# Terwee et al. 2007: a ceiling effect when more than 15 % answer at the top of the scale.
CEILING_PERCENT = 15
CHANGE_COLUMNS = (
    "item", "item_id", "pairs", "people", "classes", "clusters", "mean_before", "mean_after",
    "mean_difference", "se", "ci_low", "ci_high", "df", "small_df", "d_z", "d_av",
    "ceiling_t1", "ceiling_flag",
)  # fmt: skip
MACHINE_COLUMNS = frozenset(
    {"item_id", "answer_id"}
)  # for spreadsheets and programs, not for reading
# Below 4 Satterthwaite degrees of freedom a CR2 interval may cover less than it claims
# (Tipton 2015's rule of thumb): shown, but flagged and said so.
SMALL_DF = 4
# Why a numeric cell is empty (the exports' `<column>_suppressed`). One code for every cell
# the K rule hides, whether it rests on fewer than K people or would reveal one that does:
# telling the two apart would tell a reader which hidden cell is the small one.
HIDDEN = "hidden_k"
NO_CI_ONE_CLUSTER = "no_ci_one_cluster"  # one cluster: no variance between clusters
NO_VARIANCE = "no_variance"  # every change (or every answer) the same: no spread
NOT_APPLICABLE = "not_applicable"  # nothing to show by design: a total row's share...
STEP_TEXT_CHARS = 70

Key = tuple[str, ...]
_Recorded = TypeVar("_Recorded", ChoiceCount, FacilitatedCount)  # one choice at one step


# --- The report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # stable machine name: the CSV header and JSON key
    label: str  # localised heading
    machine: bool = False  # an id for programs: exported, not shown in the HTML report


@dataclass(frozen=True)
class Cell:
    text: str  # what a reader sees, localised
    value: int | float | str | None = None  # machine-readable; None for text and hidden cells
    suppressed: bool = False
    reason: str = ""  # why a cell has no number: HIDDEN, NO_VARIANCE...; "" when it has one


@dataclass(frozen=True)
class Table:
    id: str  # the kind of table, e.g. "choices": one id for every step's table
    caption: str
    context: tuple[tuple[Column, Cell], ...]  # what the whole table is about (ids for machines)
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]  # the first cell of each row names the row


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    text: str  # the value as the tables show it, e.g. "42 %"
    low: float | None = None  # interval charts only
    high: float | None = None


@dataclass(frozen=True)
class Chart:
    id: str
    kind: str  # "bars" (shares in %) or "intervals" (estimate with 95 % CI)
    title: str
    axis: str
    alt: str
    points: tuple[Point, ...]
    decimal_mark: str  # for the axis numbers, as in the tables


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    findings: tuple[str, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class Report:
    language: str
    title: str
    k: int
    generated: date
    summary: tuple[str, ...]
    metadata: tuple[tuple[str, str], ...]  # (label, value): filters, K, date
    privacy: str
    sections: tuple[Section, ...]
    labels: Mapping[str, str]  # the renderers' own words: "summary", "about", "empty"


def build_report(
    data: ReportData,
    catalog: Catalog,
    language: str,
    k: int,
    *,
    generated: date | None = None,
    release: ReleasedCells | None = None,
    scenario: str | None = None,
    period: str | None = None,
) -> Report:
    """The report for one language; raises ValueError when K is below MIN_K.

    With `release`, what it hides was decided when the period's numbers were released
    (`protect_release`), for every report that can be asked of them at once; a larger K
    than the release's hides more on top, never less. `scenario` shows only that
    scenario's tables: the numbers stay those of the release."""
    if k < MIN_K:
        raise ValueError(f"K must be at least {MIN_K}, not {k}")
    ledger = _Ledger(k)
    builder = _Builder(data, catalog, language, k, ledger, release.prefix if release else ())
    drafts = builder.drafts()
    if release is not None:
        ledger.hidden |= release.hidden
    if release is None or k > release.k:  # a larger K hides more: its sums need checking
        ledger.protect()
    return builder.report(drafts, generated or date.today(), scenario=scenario, period=period)


@dataclass(frozen=True)
class ReleasedCells:
    """What a release hides of one scope: its keys start with `prefix` (period, scope)."""

    prefix: Key
    hidden: frozenset[Key]
    k: int


def protect_release(
    period: str, scopes: Mapping[str, ReportData], catalog: Catalog, k: int
) -> frozenset[Key]:
    """The counts to hide in every report of one period, decided for all of them at once.

    `scopes` are the period's numbers for everybody (ALL), for each class ("class:<id>")
    and for the runs played outside any class (UNCLASSED, never shown, but derivable as
    everybody minus the classes, so protected like the rest). Every sum a reader of any
    of these reports can form is in one ledger: each report's own sums, everybody = the
    classes + the rest, a class's row in everybody's class table = that class's totals;
    and each class's count gates everybody's, whose part it is. The class-level section's
    rest is OTHER_LESSONS: the lessons of everybody's that no class's report has.
    """
    ledger = _Ledger(k)
    _build_scopes(ledger, period, scopes, catalog, k)
    ledger.protect()
    return frozenset(ledger.hidden)


def _other_lessons(scopes: Mapping[str, ReportData]) -> ReportData:
    """Everybody's class answers that no other scope has: folded, or of a class with no
    report of its own."""
    reported = {row.lesson for s, data in scopes.items() if s != ALL for row in data.class_answers}
    others = [r for r in scopes[ALL].class_answers if r.lesson is None or r.lesson not in reported]
    return ReportData(Filters(), class_answers=others)


def _build_scopes(
    ledger: _Ledger, period: str, scopes: Mapping[str, ReportData], catalog: Catalog, k: int
) -> None:
    """Register every count of every scope of a period, and the sums between scopes."""
    language = catalog.locales.languages[0] if catalog.locales.languages else "sv"
    builders = {}
    for scope, data in scopes.items():
        builders[scope] = _Builder(data, catalog, language, k, ledger, (period, scope))
        builders[scope].drafts()
    if ALL in scopes:
        other = _other_lessons(scopes)
        _Builder(other, catalog, language, k, ledger, (period, OTHER_LESSONS)).class_level()
    for key in [key for key in ledger.values if key[1] == ALL]:
        parts = [(period, scope, *key[2:]) for scope in [*scopes, OTHER_LESSONS] if scope != ALL]
        parts = [part for part in parts if part in ledger.values]
        ledger.relate([key, *parts])
        # Shown parts bound everybody's hidden count from below, and a sum whose other
        # hidden terms are zeros bounds it from above by its value: both would pin it.
        ledger.gate(key, parts)
    everybody = builders.get(ALL)
    for scope, builder in builders.items():
        if everybody is None or not scope.startswith(CLASS_SCOPE):
            continue
        row = next(
            (g.group for g in everybody.data.groups
             if g.dimension == "class" and g.group.endswith(f"#{scope[len(CLASS_SCOPE):]}")),
            None,
        )  # fmt: skip
        for margin in ("completions", "answers", "helpful") if row else ():
            family = next(iter(builder.margins[margin].values()), None)
            if family is not None:
                ledger.relate(family, [(period, ALL, "group", "class", row, margin)])


# --- Suppression ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Count:
    key: Key


@dataclass(frozen=True)
class _Share:
    part: Key
    whole: Key


@dataclass(frozen=True)
class _Gated:
    """A cell shown only while the counts it depends on are (a mean: its number of people)."""

    gates: tuple[Key, ...]
    cell: Cell


_Draft = Cell | _Count | _Share | _Gated


class _Ledger:
    """Every count the reports show, which are hidden, and the sums a reader can form.

    A sum is a tuple of families of terms (a step's choices; the step totals of all steps):
    the terms of all its families add up to something a reader knows or can work out.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.values: dict[Key, int] = {}
        self.people: dict[Key, int] = {}  # distinct people behind each count
        self.hidden: set[Key] = set()
        self.sums: list[tuple[frozenset[Key], ...]] = []
        self.gates: list[tuple[Key, frozenset[Key]]] = []  # `gate`

    def count(self, key: Key, value: int, participants: int) -> _Count:
        self.values[key] = value
        self.people[key] = participants
        if participants < self.k:
            self.hidden.add(key)
        return _Count(key)

    def relate(self, *families: Iterable[Key]) -> None:
        self.sums.append(tuple(frozenset(f) for f in families))

    def gate(self, key: Key, subsets: Iterable[Key]) -> None:
        """Counts of subsets of the people of `key`, hidden whenever it is: each one shown
        would bound it from below, and that bound may meet one from above."""
        self.gates.append((key, frozenset(subsets)))

    def protect(self) -> None:
        """Until no sum leaves a reader one hidden term, or hidden terms that add up to
        fewer than K people, hide one more term of each such sum; and a gated count's
        subsets with it."""
        while any([self.hide_more(families) for families in self.sums]) or self.close_gates():
            pass

    def close_gates(self) -> bool:
        closed = [subsets - self.hidden for key, subsets in self.gates if key in self.hidden]
        self.hidden.update(*closed)
        return any(closed)

    def hide_more(self, families: tuple[frozenset[Key], ...]) -> bool:
        terms = frozenset().union(*families)
        hidden = terms & self.hidden
        if not hidden:
            return False
        if len(hidden) > 1 and not 0 < sum(self.people[key] for key in hidden) < self.k:
            return False
        # From a hidden term's own family first: two hidden there cover every sum it is in.
        family = next(f for f in families if f & hidden)
        candidates = (family - self.hidden) or (terms - self.hidden)
        if not candidates:
            return False
        self.hidden.add(min(candidates, key=lambda key: (self.people[key], self.values[key], key)))
        return True


class _Scoped:
    """One scope's view of a shared ledger: its counts' keys start with the scope's prefix."""

    def __init__(self, ledger: _Ledger, prefix: Key) -> None:
        self.base, self.prefix = ledger, prefix

    def count(self, key: Key, value: int, participants: int) -> _Count:
        return self.base.count((*self.prefix, *key), value, participants)

    def relate(self, *families: Iterable[Key]) -> None:
        self.base.relate(*families)

    def gate(self, key: Key, subsets: Iterable[Key]) -> None:
        self.base.gate(key, subsets)

    @property
    def hidden(self) -> set[Key]:
        return self.base.hidden

    @property
    def values(self) -> dict[Key, int]:
        return self.base.values


# --- Building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DraftTable:
    id: str
    caption: str
    context: tuple[tuple[Column, Cell], ...]
    columns: tuple[Column, ...]
    rows: tuple[tuple[_Draft, ...], ...]


@dataclass(frozen=True)
class _DraftSection:
    id: str
    tables: tuple[_DraftTable, ...]
    findings: tuple[tuple[tuple[Key, ...], str], ...] = ()  # shown while its gates are
    charts: Callable[[tuple[Table, ...]], tuple[Chart, ...]] | None = None


class _Builder:
    def __init__(
        self,
        data: ReportData,
        catalog: Catalog,
        language: str,
        k: int,
        ledger: _Ledger,
        prefix: Key = (),
    ) -> None:
        self.data, self.catalog, self.language, self.k = data, catalog, language, k
        self.ledger = _Scoped(ledger, prefix)
        self.class_scope = bool(prefix) and prefix[-1] not in (ALL, UNCLASSED)
        # margin -> family -> terms; every family of one margin adds up to the same total
        self.margins: dict[str, dict[str, list[Key]]] = defaultdict(lambda: defaultdict(list))
        self.strategy_terms: dict[str, list[Key]] = defaultdict(list)
        self.strategy_people: dict[str, list[Key]] = defaultdict(list)
        self.marker = Cell(self.t("report.suppressed", k=k), None, suppressed=True, reason=HIDDEN)
        self.decimal_mark = self.t("report.decimal_mark")

    def t(self, key: str, **values: object) -> str:
        return self.catalog.locales.text(self.language, key, **values)

    def t_or(self, key: str, fallback: str) -> str:
        """An optional string: report labels for ids the locale files may not know."""
        try:
            return self.t(key)
        except KeyError:
            return fallback

    def column(self, key: str) -> Column:
        if key == "participants" and self.data.folded:
            key = "participants_at_most"  # docs/evaluation.md, "Aggregates"
        return Column(key, self.t(f"report.column.{key}"), key in MACHINE_COLUMNS)

    def drafts(self) -> list[_DraftSection]:
        """Every section with its counts registered in the ledger, before anything is hidden."""
        drafts = [
            self.participation(),
            self.choices(),
            self.strategies(),
            self.helpful(),
            self.change(),
            self.groups(),
            self.facilitated(),
            self.follow_up(),
            self.class_level(),
        ]
        self.relate_margins()
        return drafts

    def report(
        self,
        drafts: list[_DraftSection],
        generated: date,
        *,
        scenario: str | None = None,
        period: str | None = None,
    ) -> Report:
        if scenario is not None:
            drafts = [self.only(draft, scenario) for draft in drafts if draft.id in PER_SCENARIO]
        sections = tuple(self.finish(draft) for draft in drafts)
        return Report(
            language=self.language,
            title=self.t("report.title"),
            k=self.k,
            generated=generated,
            summary=self.summary(sections),
            metadata=(
                (self.t("report.meta.filters"), self.filters(scenario, period)),
                (self.t("report.meta.k"), str(self.k)),
                (self.t("report.meta.generated"), generated.isoformat()),
            ),
            privacy=self.t("report.privacy", k=self.k),
            sections=sections,
            labels={name: self.t(f"report.label.{name}") for name in LABELS},
        )

    def only(self, draft: _DraftSection, scenario: str) -> _DraftSection:
        """A section's tables about one scenario (the participation table: its row)."""
        tables = []
        for table in draft.tables:
            about = dict((column.key, cell.value) for column, cell in table.context)
            if "scenario_id" in about and about["scenario_id"] != scenario:
                continue
            if table.id == "scenarios":
                title = self.scenario_title(scenario)
                table = replace(table, rows=tuple(r for r in table.rows if r[0].text == title))
            tables.append(table)
        return replace(draft, tables=tuple(tables))

    def twins(self, answers: _Count, people: _Count) -> None:
        """A count of answers and of the people who gave them are the same number when
        nobody replays: hidden together, or one would tell the other."""
        self.ledger.relate([answers.key, people.key])

    def relate_margins(self) -> None:
        for families in self.margins.values():
            for first, second in itertools.combinations(families.values(), 2):
                self.ledger.relate(first, second)

    def finish(self, draft: _DraftSection) -> Section:
        tables = tuple(
            Table(
                t.id,
                t.caption,
                t.context,
                t.columns,
                tuple(tuple(map(self.cell, r)) for r in t.rows),
            )
            for t in draft.tables
        )
        intro = self.t(f"report.intro.{draft.id}", k=self.k)
        if draft.id == "change":
            intro = f"{intro} {self.comparability()}"
        return Section(
            id=draft.id,
            title=self.t(f"report.section.{draft.id}"),
            intro=intro,
            findings=tuple(
                text for gates, text in draft.findings if self.ledger.hidden.isdisjoint(gates)
            ),
            tables=tables,
            charts=draft.charts(tables) if draft.charts else (),
        )

    def cell(self, draft: _Draft) -> Cell:
        hidden, values = self.ledger.hidden, self.ledger.values
        if isinstance(draft, Cell):
            return draft
        if isinstance(draft, _Gated):
            return draft.cell if hidden.isdisjoint(draft.gates) else self.marker
        if isinstance(draft, _Count):
            return self.marker if draft.key in hidden else self.integer(values[draft.key])
        if draft.part in hidden or draft.whole in hidden or not values[draft.whole]:
            return self.marker
        share = 100 * values[draft.part] / values[draft.whole]
        return Cell(self.percent(share), round(share, 1))

    # --- a. participation ------------------------------------------------------------------

    def participation(self) -> _DraftSection:
        single = len(self.data.scenarios) == 1  # then its participants are everybody's
        rows = []
        for counts in sorted(self.data.scenarios, key=lambda c: self.scenario_order(c.scenario_id)):
            key, n = ("scenario", counts.scenario_id), counts.participants
            participants = self.ledger.count((*key, "participants"), n, n)
            starts = self.ledger.count((*key, "starts"), counts.starts, n)
            self.twins(starts, participants)
            completions = self.ledger.count(
                (*key, "completions"), counts.completions, counts.completers
            )
            self.margins["completions"]["scenarios"].append(completions.key)
            if single:
                self.margins["participants"]["scenarios"].append(participants.key)
            title = Cell(self.scenario_title(counts.scenario_id))
            rows.append(
                (title, participants, starts, completions, _Share(completions.key, starts.key))
            )
        columns = ("scenario", "participants", "starts", "completions", "completion_rate")
        table = self.table("scenarios", self.t("report.caption.scenarios"), (), columns, rows)
        return _DraftSection("participation", (table,))

    # --- b. choices per step ---------------------------------------------------------------

    def choices(self) -> _DraftSection:
        totals = {(s.scenario_id, s.step_id): s for s in self.data.steps}
        counts: dict[tuple[str, str], list[ChoiceCount]] = defaultdict(list)
        for choice in self.data.choices:
            counts[choice.scenario_id, choice.step_id].append(choice)
        steps = self.step_order({*totals, *counts})
        tables = tuple(
            self.step_table(scenario_id, step_id, totals.get((scenario_id, step_id)), counts)
            for scenario_id, step_id in steps
        )
        return _DraftSection("choices", tables)

    def step_table(
        self,
        scenario_id: str,
        step_id: str,
        total: StepTotal | None,
        counts: Mapping[tuple[str, str], list[ChoiceCount]],
    ) -> _DraftTable:
        step_key = ("step", scenario_id, step_id)
        n = total.participants if total else 0
        participants = self.ledger.count((*step_key, "participants"), n, n)
        answers = self.ledger.count((*step_key, "answers"), total.answers if total else 0, n)
        self.margins["answers"]["steps"].append(answers.key)
        self.twins(answers, participants)
        rows, terms, people = [], [], []
        for choice_id, recorded in self.choice_groups(scenario_id, step_id, counts):
            row, term, persons = self.choice_row(
                scenario_id, step_id, choice_id, recorded, n, answers
            )
            rows.append(row)
            terms.append(term)
            people.append(persons)
        self.ledger.relate(terms)  # the shares add up to 100 %
        self.ledger.relate([*terms, answers.key])
        self.ledger.relate([*people, participants.key])  # exactly so when nobody replays
        blank = Cell("")
        rows.append((Cell(self.t("report.total")), blank, blank, participants, answers, blank))
        columns = ("choice", "strategy", "assessment", "participants", "answers", "share")
        return self.table(
            "choices",
            self.step_caption(scenario_id, step_id),
            self.step_context(scenario_id, step_id),
            columns,
            rows,
        )

    def choice_row(
        self,
        scenario_id: str,
        step_id: str,
        choice_id: str,
        recorded: list[ChoiceCount],
        step_participants: int,
        step_answers: _Count,
    ) -> tuple[tuple[_Draft, ...], Key, Key]:
        choice = self.catalog_choice(scenario_id, step_id, choice_id)
        # Rows of one choice id differ only across content versions; the largest of their
        # participant counts is a lower bound of the distinct count, so it errs towards hiding.
        n = min(max((c.participants for c in recorded), default=0), step_participants)
        key = ("choice", scenario_id, step_id, choice_id)
        answers = self.ledger.count((*key, "answers"), sum(c.answers for c in recorded), n)
        participants = self.ledger.count((*key, "participants"), n, n)
        self.twins(answers, participants)
        strategies = {c.strategy for c in recorded} or {choice.strategy if choice else "none"}
        for strategy in strategies:
            self.strategy_terms[strategy].append(answers.key)
            self.strategy_people[strategy].append(participants.key)
        helpful = [c.assessment for c in recorded] or [choice.assessment if choice else ""]
        if Assessment.HELPFUL in helpful:
            self.margins["helpful"]["choices"].append(answers.key)
        strategy = choice.strategy if choice else recorded[0].strategy
        assessment = choice.assessment if choice else recorded[0].assessment
        label = choice.label.get(self.language) if choice else choice_id
        row = (
            Cell(label),
            Cell(self.strategy_name(strategy)),
            Cell(self.t_or(f"assessment.{assessment}", assessment)),
            participants,
            answers,
            _Share(answers.key, step_answers.key),
        )
        return row, answers.key, participants.key

    # --- c. strategies ---------------------------------------------------------------------

    def strategies(self) -> _DraftSection:
        recorded = {s.strategy: s for s in self.data.strategies}
        names = [*Strategy, *sorted(recorded.keys() - set(Strategy))]
        total_answers = sum(s.answers for s in recorded.values())
        most = max((s.participants for s in recorded.values()), default=0)
        total = self.ledger.count(("strategies", "answers"), total_answers, most)
        self.margins["answers"]["strategy_total"].append(total.key)
        rows, terms = [], []
        for name in names:
            row = recorded.get(name)
            n = row.participants if row else 0
            answers = self.ledger.count(("strategy", name, "answers"), row.answers if row else 0, n)
            participants = self.ledger.count(("strategy", name, "participants"), n, n)
            self.twins(answers, participants)
            self.ledger.relate(self.strategy_terms[name], [answers.key])
            self.ledger.relate(self.strategy_people[name], [participants.key])
            terms.append(answers.key)
            share = _Share(answers.key, total.key)
            rows.append((Cell(self.strategy_name(name)), participants, answers, share))
        self.margins["answers"]["strategies"].extend(terms)
        self.ledger.relate(terms)
        rows.append((Cell(self.t("report.total")), Cell(""), total, Cell("")))
        columns = ("strategy", "participants", "answers", "share")
        table = self.table("strategies", self.t("report.caption.strategies"), (), columns, rows)
        return _DraftSection("strategies", (table,), charts=self.strategy_chart)

    def strategy_chart(self, tables: tuple[Table, ...]) -> tuple[Chart, ...]:
        return self.bar_chart("strategies", tables[0].rows[:-1], share_index=3)

    # --- d. helpful choices, first play vs later -------------------------------------------

    def helpful(self) -> _DraftSection:
        recorded = {h.play: h for h in self.data.helpful}
        rows = []
        for play in PLAYS:
            row = recorded.get(play)
            n = row.participants if row else 0
            key = ("play", play)
            participants = self.ledger.count((*key, "participants"), n, n)
            answers = self.ledger.count((*key, "answers"), row.total if row else 0, n)
            self.twins(answers, participants)
            helpers = row.helpful_people if row else 0
            helpful = self.ledger.count((*key, "helpful"), row.helpful if row else 0, helpers)
            self.margins["answers"]["plays"].append(answers.key)
            if len(self.data.scenarios) == 1:
                self.margins["participants"]["plays"].append(participants.key)
            self.margins["helpful"]["plays"].append(helpful.key)
            label = Cell(self.t(f"report.play.{play}"))
            rows.append((label, participants, answers, helpful, _Share(helpful.key, answers.key)))
        columns = ("play", "participants", "answers", "helpful", "helpful_share")
        table = self.table("helpful", self.t("report.caption.helpful"), (), columns, rows)
        return _DraftSection("helpful", (table,), charts=self.helpful_chart)

    def helpful_chart(self, tables: tuple[Table, ...]) -> tuple[Chart, ...]:
        return self.bar_chart("helpful", tables[0].rows, share_index=4)

    # --- e. change in readiness to act -----------------------------------------------------

    def change(self) -> _DraftSection:
        by_item: dict[str, dict[str, list[MeasurePair]]] = defaultdict(lambda: defaultdict(list))
        for pair in self.data.measures:
            by_item[pair.comparison][pair.item_id].append(pair)
        known = [c for c in COMPARISONS if c in by_item]
        comparisons = [*known, *sorted(by_item.keys() - set(COMPARISONS))]
        people = {(m.comparison, m.item_id): m for m in self.data.measure_people}
        tables, findings = [], []
        for comparison in comparisons:
            rows = []
            for item, pairs in sorted(by_item[comparison].items()):
                counted = people.get((comparison, item), MeasurePeople(item, comparison, 0))
                row, row_findings = self.change_row(comparison, item, pairs, counted)
                rows.append(row)
                findings += row_findings
            caption = self.t("report.caption.change", comparison=self.comparison_name(comparison))
            context = ((self.column("comparison"), Cell(comparison, comparison)),)
            tables.append(self.table("change", caption, context, CHANGE_COLUMNS, rows))
        return _DraftSection("change", tuple(tables), tuple(findings), self.change_charts)

    def change_row(
        self, comparison: str, item: str, pairs: list[MeasurePair], counted: MeasurePeople
    ) -> tuple[tuple[_Draft, ...], list[tuple[tuple[Key, ...], str]]]:
        """One item's row, shown only while its number of people is (the K test), and the
        findings it gives. A follow-up's T1 answers are also counted in T1-T2, by nearly the
        same people: two means (or ceiling shares) of T1 would tell the T1 answer of whoever
        skipped the follow-up. So a follow-up shows how the answers changed, not its means.

        When the answers before, or after, sit at one end of the scale (all 5s, say), the
        row's means tell each person's answer: the split "at that end / elsewhere" has a side
        of fewer than K people (none at all for a group of one mind), which the report hides
        as it hides such a split anywhere (the ceiling share; a step of two choices: the
        small side is hidden and takes the other with it). The row's people then count as
        nobody in the K test, so the whole row is hidden like a group under K and cannot be
        told apart from one (docs/privacy.md, "Reports")."""
        result = paired_change([(p.before, p.after) for p in pairs], _clusters(pairs))
        key = ("change", comparison, item)
        tested = 0 if _near_an_end(pairs, self.k) else counted.people
        gate = self.ledger.count((*key, "people"), counted.people, tested)
        n_pairs = self.ledger.count((*key, "pairs"), result.n, counted.people)
        self.twins(n_pairs, gate)
        classes = len({p.class_label for p in pairs if p.class_label is not None})
        follow_up = comparison != COMPARISONS[0]
        gated = (
            self.integer(classes),
            self.integer(result.clusters),
            *self.inference(result, follow_up),
        )
        findings = [((gate.key,), self.finding(comparison, item, result, counted.people, classes))]
        ceiling: tuple[_Draft, ...] = (Cell("–", reason=NOT_APPLICABLE),) * 2
        if not follow_up:
            ceiling, flagged = self.ceiling(key, pairs, counted, n_pairs)
            findings += flagged
        row = (Cell(self.item_name(item)), Cell(item, item), n_pairs, gate)
        return (*row, *(_Gated((gate.key,), c) for c in gated), *ceiling), findings

    def inference(self, result: PairedChange, follow_up: bool) -> tuple[Cell, ...]:
        """The means, the change with its standard error, interval and degrees of freedom,
        and the effect sizes; each one missing says why (the exports' reason codes)."""
        ci_reason = NO_CI_ONE_CLUSTER if result.df is None else NO_VARIANCE
        shown = result.ci_low is not None
        small = shown and result.df < SMALL_DF
        if shown:
            small_df = Cell(self.t("report.small_df_flag") if small else "", int(small))
        else:
            small_df = Cell("–", reason=ci_reason)
        means = (None, None) if follow_up else (result.mean_before, result.mean_after)
        return (
            *(self.decimal(x, 2) for x in means),
            self.decimal(result.mean_difference, 2),
            self.decimal(result.standard_error if shown else None, 3, ci_reason),
            self.decimal(result.ci_low, 2, ci_reason),
            self.decimal(result.ci_high, 2, ci_reason),
            self.decimal(result.df, 1, NO_CI_ONE_CLUSTER),
            small_df,
            self.decimal(result.d_z, 2, NO_VARIANCE),
            self.decimal(result.d_av, 2, NO_VARIANCE),
        )

    def ceiling(
        self, key: Key, pairs: list[MeasurePair], counted: MeasurePeople, n_pairs: _Count
    ) -> tuple[tuple[_Draft, ...], list[tuple[tuple[Key, ...], str]]]:
        """The share of T1 answers at the top of the scale, flagged when it leaves little
        room to rise. Its count and the rest's are K-tested like a step's choices. (When
        (nearly) every T1 answer is at the top the row is hidden: `change_row`.)"""
        at_top = sum(p.before == SCALE_POINTS for p in pairs)
        top = self.ledger.count((*key, "at_top_before"), at_top, counted.at_top_before)
        rest = len(pairs) - at_top
        below = self.ledger.count((*key, "below_top_before"), rest, counted.below_top_before)
        self.ledger.relate([top.key, below.key, n_pairs.key])
        gates = (top.key, n_pairs.key)
        if 100 * at_top <= CEILING_PERCENT * len(pairs):  # more than 15 %, as Terwee has it
            return (_Share(top.key, n_pairs.key), _Gated(gates, Cell("", 0))), []
        share = self.percent(100 * at_top / len(pairs))
        finding = self.t(
            "report.finding_ceiling",
            when=self.comparison_name(key[1]),
            item=self.item_name(key[2]),
            share=share,
        )
        flag = _Gated(gates, Cell(self.t("report.ceiling_high"), 1))  # 1/0 for machines
        return (_Share(top.key, n_pairs.key), flag), [(gates, finding)]

    def finding(
        self, comparison: str, item: str, result: PairedChange, people: int, classes: int
    ) -> str:
        """The evaluator's question in one sentence: how much it changed, how sure, from
        how many, and when the interval is unreliable."""
        values = {"item": self.item_name(item), "difference": self.signed(result.mean_difference)}
        if comparison == COMPARISONS[0]:
            means = (result.mean_before, result.mean_after)
            before, after = (self.decimal(x, 1).text for x in means)
            change = self.t("report.change.means", before=before, after=after, **values)
        else:
            change = self.t("report.change.only", **values)
        if result.ci_low is None:
            reason = "none" if result.clusters < 2 else "equal"
            interval = self.t(f"report.interval.{reason}")
        else:
            small = "small_df" if result.df < SMALL_DF else "shown"
            interval = self.t(
                f"report.interval.{small}",
                low=self.decimal(result.ci_low, 1).text,
                high=self.decimal(result.ci_high, 1).text,
                df=self.decimal(result.df, 1).text,
            )
        basis_key = "report.basis" if classes else "report.basis_no_class"
        basis = self.t(
            "report.basis_folded" if self.data.folded else basis_key,
            pairs=result.n,
            people=people,
            classes=classes,
        )
        when = self.comparison_name(comparison)
        return self.t("report.finding", when=when, change=change, interval=interval, basis=basis)

    def change_charts(self, tables: tuple[Table, ...]) -> tuple[Chart, ...]:
        charts = []
        for table in tables:
            at = {column.key: i for i, column in enumerate(table.columns)}
            mean, low, high = at["mean_difference"], at["ci_low"], at["ci_high"]
            points = tuple(
                Point(row[0].text, row[mean].value, row[mean].text, row[low].value, row[high].value)
                for row in table.rows
                if not row[mean].suppressed and row[low].value is not None
            )
            if not points:
                continue
            comparison = table.context[0][1].value
            values = "; ".join(
                self.t(
                    "report.chart.interval",
                    label=p.label,
                    value=p.text,
                    low=self.decimal(p.low, 2).text,
                    high=self.decimal(p.high, 2).text,
                )
                for p in points
            )
            title = self.t("report.chart.change", comparison=self.comparison_name(comparison))
            alt = self.t("report.chart.alt", title=title, values=values)
            axis = self.t("report.chart.change_axis")
            charts.append(
                Chart(
                    f"change-{comparison}",
                    "intervals",
                    title,
                    axis,
                    alt,
                    points,
                    self.decimal_mark,
                )
            )
        return tuple(charts)

    # --- f. age bands and classes ----------------------------------------------------------

    def groups(self) -> _DraftSection:
        single = len(self.data.scenarios) == 1
        tables = []
        # A class's own report has one class row: itself, the same numbers as its totals.
        for dimension in DIMENSIONS[:1] if self.class_scope else DIMENSIONS:
            recorded = sorted(
                (g for g in self.data.groups if g.dimension == dimension), key=lambda g: g.group
            )
            rows = [self.group_row(group, single) for group in recorded]
            columns = ("group", "participants", "completions", "answers", "helpful_share")
            caption = self.t(f"report.caption.{dimension}")
            context = ((self.column("dimension"), Cell(dimension, dimension)),)
            if rows:
                tables.append(self.table("groups", caption, context, columns, rows))
        return _DraftSection("groups", tuple(tables))

    def group_row(self, group: GroupCounts, single_scenario: bool) -> tuple[_Draft, ...]:
        key, n = ("group", group.dimension, group.group), group.participants
        participants = self.ledger.count((*key, "participants"), n, n)
        completions = self.ledger.count((*key, "completions"), group.completions, group.completers)
        answers = self.ledger.count((*key, "answers"), group.answers, n)
        self.twins(answers, participants)
        helpful = self.ledger.count((*key, "helpful"), group.helpful, group.helpful_people)
        for margin, term in (
            ("completions", completions),
            ("answers", answers),
            ("helpful", helpful),
        ):
            self.margins[margin][group.dimension].append(term.key)
        if single_scenario:
            self.margins["participants"][group.dimension].append(participants.key)
        label = Cell(self.group_name(group.dimension, group.group))
        return (label, participants, completions, answers, _Share(helpful.key, answers.key))

    # --- g. facilitated sessions -----------------------------------------------------------

    def facilitated(self) -> _DraftSection:
        counts: dict[tuple[str, str], list[FacilitatedCount]] = defaultdict(list)
        for count in self.data.facilitated:
            counts[count.scenario_id, count.step_id].append(count)
        tables = tuple(
            self.hands_table(scenario_id, step_id, counts)
            for scenario_id, step_id in self.step_order(set(counts))
        )
        return _DraftSection("facilitated", tables)

    def hands_table(
        self,
        scenario_id: str,
        step_id: str,
        counts: Mapping[tuple[str, str], list[FacilitatedCount]],
    ) -> _DraftTable:
        recorded = counts[scenario_id, step_id]
        hands = sum(c.hands for c in recorded)
        key = ("hands", scenario_id, step_id)
        total = self.ledger.count(key, hands, hands)
        rows, terms = [], []
        for choice_id, of_choice in self.choice_groups(scenario_id, step_id, counts):
            choice = self.catalog_choice(scenario_id, step_id, choice_id)
            raised = sum(c.hands for c in of_choice)
            term = self.ledger.count((*key, choice_id), raised, min(raised, hands))
            terms.append(term.key)
            strategy = choice.strategy if choice else of_choice[0].strategy
            label = choice.label.get(self.language) if choice else choice_id
            share = _Share(term.key, total.key)
            rows.append((Cell(label), Cell(self.strategy_name(strategy)), term, share))
        self.ledger.relate(terms)
        self.ledger.relate([*terms, total.key])
        rows.append((Cell(self.t("report.total")), Cell(""), total, Cell("")))
        sessions = max((c.sessions for c in recorded), default=0)
        caption = self.t(
            "report.caption.facilitated",
            step=self.step_caption(scenario_id, step_id),
            sessions=sessions,
        )
        context = (
            *self.step_context(scenario_id, step_id),
            (self.column("sessions"), Cell(str(sessions), sessions)),
        )
        return self.table(
            "facilitated", caption, context, ("choice", "strategy", "hands", "share"), rows
        )

    # --- h. at follow-up: opportunity and what they did -----------------------------------

    def follow_up(self) -> _DraftSection:
        """Whether people had an opportunity to act since, what those who had did, and what
        made it hard for those who did nothing: people per answer, each answer K-tested.
        Yes, no and unsure add up to everyone who answered, and so do "did something" and
        "nothing" to everyone who said what they did (a skip answers neither). The several
        answers one person may tick add up to at least those who ticked any: recorded as
        sums too, which only hides more."""
        counts = {(c.question, c.answer): c.people for c in self.data.follow_ups}
        if not counts:
            return _DraftSection("follow_up", ())
        tables, cells = zip(
            *(
                self.follow_up_table(question, counts)
                for question in ("opportunity", "acted", "reasons")
            ),
            strict=True,
        )
        opportunity, acted, reasons = cells
        self.ledger.relate([opportunity[a].key for a in opportunity if a != ANSWERED])
        self.ledger.relate(opportunity[a].key for a in opportunity)
        done = [acted[SOMETHING].key, acted[NOTHING].key]
        self.ledger.relate(done)
        self.ledger.relate([*done, acted[ANSWERED].key])
        # Everyone who did something ticked at least one behaviour, and everyone who said
        # why at least one reason: the shown ticks would bound a lone hidden one from below
        # ("did something" minus them), so these count as sums too.
        ticks = [acted[a].key for a in acted if a not in (ANSWERED, SOMETHING, NOTHING)]
        self.ledger.relate(ticks, [acted[SOMETHING].key])
        self.ledger.relate(
            [reasons[a].key for a in reasons if a != ANSWERED], [reasons[ANSWERED].key]
        )
        # Whoever did something or nothing said yes, and whoever said why did nothing.
        answers_after = [c.key for c in (*acted.values(), *reasons.values())]
        self.ledger.gate(opportunity["yes"].key, answers_after)
        self.ledger.gate(acted[NOTHING].key, [c.key for c in reasons.values()])
        return _DraftSection("follow_up", tables, (self.acted_finding(acted, counts),))

    def follow_up_table(
        self, question: str, counts: Mapping[tuple[str, str], int]
    ) -> tuple[_DraftTable, dict[str, _Count]]:
        """One question's table: a row per answer offered (and recorded under ids no longer
        offered), at "acted" the people who did something, and everyone who answered."""
        names = self.follow_up_answers(question)
        recorded = {a for q, a in counts if q == question} - {ANSWERED, *names}
        answers = [*names, *sorted(recorded)]
        cells = {}
        for answer in [*answers, ANSWERED]:
            n = counts.get((question, answer), 0)
            cells[answer] = self.ledger.count(("follow_up", question, answer), n, n)
        total = cells[ANSWERED].key
        rows: list[tuple[_Draft, ...]] = [
            (Cell(names.get(a, a)), Cell(a, a), cells[a], _Share(cells[a].key, total))
            for a in answers
        ]
        label = self.t("report.follow_up.answered")
        rows.append((Cell(label), Cell(ANSWERED, ANSWERED), cells[ANSWERED], Cell("")))
        caption = self.t(f"report.caption.follow_up_{question}")
        context = ((self.column("question"), Cell(question, question)),)
        columns = ("answer", "answer_id", "respondents", "respondent_share")
        return self.table("follow_up", caption, context, columns, rows), cells

    def follow_up_answers(self, question: str) -> dict[str, str]:
        """The answers a follow-up question offers, in the questionnaire's order, by their
        names in the report's language: the 5 D's by their strategies' names, every other
        answer in the questionnaire's own words."""
        if question == "opportunity":
            return {a: self.t_or(f"survey.opportunity_{a}", a) for a in OPPORTUNITIES}
        texts = self.catalog.measures.follow_up if self.catalog.measures else None
        options: tuple[Option, ...] = (
            (texts.behaviours if question == "acted" else texts.reasons) if texts else ()
        )
        names = {o.id: o.text.get(self.language) for o in options}
        if question == "acted":
            names = names or dict(zip(BEHAVIOURS, BEHAVIOURS, strict=True))
            names.update({s.value: self.strategy_name(s.value) for s in Strategy if s in names})
            names[SOMETHING] = self.t("report.follow_up.something")
        return names

    def acted_finding(
        self, acted: Mapping[str, _Count], counts: Mapping[tuple[str, str], int]
    ) -> tuple[tuple[Key, ...], str]:
        """The main number: the share who did something, of those who had an opportunity
        and said what they did; shown while both its counts are."""
        answered, something = (
            counts.get(("acted", ANSWERED), 0),
            counts.get(("acted", SOMETHING), 0),
        )
        share = self.percent(100 * something / answered) if answered else ""
        text = self.t("report.finding_acted", share=share, people=answered)
        return (acted[SOMETHING].key, acted[ANSWERED].key), text

    # --- class-level before and after (bot/evaluation/class_answers.py) --------------------

    def class_level(self) -> _DraftSection:
        """Per class item, the answers of the lessons whose class answered it at both waves
        by at least K each, added up; no lesson's own numbers."""
        items = class_item_waves(self.data.class_answers, self.k)
        asked = list(self.catalog.measures.class_items) if self.catalog.measures else []

        def place(item_id: str) -> tuple[int, str]:  # as asked; items no longer asked last
            return (asked.index(item_id) if item_id in asked else len(asked), item_id)

        rows = [self.class_item_row(items[item_id]) for item_id in sorted(items, key=place)]
        columns = (
            "item", "lessons", "answers_before", "answers_after", "high_before", "high_after",
            "mean_before", "mean_after",
        )  # fmt: skip
        caption = self.t("report.caption.class_level")
        tables = (self.table("class_level", caption, (), columns, rows),)
        return _DraftSection("class_level", tables if rows else ())

    def class_item_row(self, item: ClassItemWaves) -> tuple[_Draft, ...]:
        """Hidden whole, like a group under K, when a wave's mean would tell that fewer than
        K answered anything but one end of the scale."""
        totals, highs, means = [], [], []
        near_an_end = item.near_an_end(self.k)
        for wave in WAVES:
            key = ("class_level", item.item_id, wave)
            tested = 0 if near_an_end else item.total(wave)
            total = self.ledger.count((*key, "answers"), item.total(wave), tested)
            high = self.ledger.count((*key, "high"), item.high(wave), item.high(wave))
            rest = item.total(wave) - item.high(wave)
            low = self.ledger.count((*key, "low"), rest, rest)
            self.ledger.relate([high.key, low.key])  # the shares add up to 100 %
            self.ledger.relate([high.key, low.key, total.key])
            totals.append(total)
            highs.append(_Share(high.key, total.key))
            # The mean bounds how many answered 4–5 (3.80 from 5 answers: 2 to 4 of them),
            # so it is shown only with both sides of that split. With both at least K, it
            # pins no point's count to 1..K-1 (tests/privacy/test_class_level_attacker.py).
            gates = (total.key, high.key, low.key)
            means.append(_Gated(gates, self.decimal(item.mean(wave), 2)))
        lessons = self.integer(item.lessons)
        return (Cell(self.item_name(item.item_id)), lessons, *totals, *highs, *means)

    # --- summary and metadata --------------------------------------------------------------

    def summary(self, sections: tuple[Section, ...]) -> tuple[str, ...]:
        by_id = {s.id: s for s in sections}
        if "helpful" not in by_id:  # a report of one scenario
            return ()
        findings = by_id["change"].findings
        if findings:
            findings += (self.t("report.summary.caveat"), *self.change_caveats(by_id["change"]))
        else:
            findings = (self.t("report.summary.no_change", k=self.k),)
        if self.data.folded:
            findings += (self.t("report.summary.folded"),)
        first, later = (row[4] for row in by_id["helpful"].tables[0].rows)
        if first.suppressed or later.suppressed:
            return findings
        return (*findings, self.t("report.summary.helpful", first=first.text, later=later.text))

    def change_caveats(self, section: Section) -> tuple[str, ...]:
        """Who the shown changes come from: a follow-up only from people who asked for the
        reminder; a second scenario's pairs only from people who chose to play on."""
        rows = [
            (
                table.context[0][1].value,
                {c.key: cell for c, cell in zip(table.columns, row, strict=True)},
            )
            for table in section.tables
            for row in table.rows
        ]
        shown = [(when, cells) for when, cells in rows if not cells["people"].suppressed]
        caveats = []
        if any(comparison != COMPARISONS[0] for comparison, _ in shown):
            caveats.append(self.t("report.summary.caveat_follow_up"))
        # After folding, people are counted among the recent pairs only: more pairs than
        # people no longer tells that someone played twice.
        several = any(cells["pairs"].value > cells["people"].value for _, cells in shown)
        if several and not self.data.folded:
            caveats.append(self.t("report.summary.caveat_several"))
        return tuple(caveats)

    def filters(self, scenario: str | None, period: str | None) -> str:
        f = self.data.filters
        parts = [
            self.t("report.filter.period", period=period) if period else None,
            self.t("report.filter.scenario", scenario=self.scenario_title(scenario))
            if scenario
            else None,
            self.t("report.filter.class", id=f.class_id) if f.class_id is not None else None,
            self.t("report.filter.since", date=f.since.isoformat())
            if f.since and not period
            else None,
            self.t("report.filter.until", date=f.until.isoformat())
            if f.until and not period
            else None,
        ]
        return " · ".join(p for p in parts if p) or self.t("report.filter.none")

    # --- shared helpers --------------------------------------------------------------------

    def table(
        self,
        table_id: str,
        caption: str,
        context: tuple[tuple[Column, Cell], ...],
        columns: Sequence[str],
        rows: Sequence[tuple[_Draft, ...]],
    ) -> _DraftTable:
        return _DraftTable(
            table_id, caption, context, tuple(map(self.column, columns)), tuple(rows)
        )

    def bar_chart(
        self, chart_id: str, rows: Sequence[tuple[Cell, ...]], share_index: int
    ) -> tuple[Chart, ...]:
        points = tuple(
            Point(row[0].text, row[share_index].value, row[share_index].text)
            for row in rows
            if not row[share_index].suppressed
        )
        if not points:
            return ()
        title = self.t(f"report.chart.{chart_id}")
        values = "; ".join(f"{p.label}: {p.text}" for p in points)
        alt = self.t("report.chart.alt", title=title, values=values)
        axis = self.t(f"report.chart.{chart_id}_axis")
        return (Chart(chart_id, "bars", title, axis, alt, points, self.decimal_mark),)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return self.catalog.scenarios.get(scenario_id)

    def scenario_title(self, scenario_id: str) -> str:
        scenario = self.scenario(scenario_id)
        return scenario.title.get(self.language) if scenario else scenario_id

    def scenario_order(self, scenario_id: str) -> tuple[int, str]:
        known = list(self.catalog.scenarios)
        return (known.index(scenario_id), "") if scenario_id in known else (len(known), scenario_id)

    def step_order(self, steps: set[tuple[str, str]]) -> list[tuple[str, str]]:
        """Scenarios in catalog order, steps in story order; unknown ids last."""

        def position(item: tuple[str, str]) -> tuple:
            scenario = self.scenario(item[0])
            known = list(scenario.steps) if scenario else []
            step = known.index(item[1]) if item[1] in known else len(known)
            return (self.scenario_order(item[0]), step, item[1])

        return sorted(steps, key=position)

    def step_caption(self, scenario_id: str, step_id: str) -> str:
        scenario = self.scenario(scenario_id)
        step = scenario.step(step_id) if scenario else None
        title = self.scenario_title(scenario_id)
        if step is None:
            return self.t("report.caption.step", scenario=title, step=step_id)
        number = [s.id for s in scenario.steps_in(step.phase)].index(step.id) + 1
        # The first line sets the scene; the rest of the step's text is not needed to tell it.
        text = " ".join(step.text.get(self.language).strip().splitlines()[0].split())
        if len(text) > STEP_TEXT_CHARS:
            text = text[: STEP_TEXT_CHARS - 1].rstrip() + "…"
        name = self.t(
            "report.step_name", phase=self.t(f"phase.{step.phase}"), number=number, text=text
        )
        return self.t("report.caption.step", scenario=title, step=name)

    def step_context(self, scenario_id: str, step_id: str) -> tuple[tuple[Column, Cell], ...]:
        return (
            (self.column("scenario_id"), Cell(scenario_id, scenario_id)),
            (self.column("scenario"), Cell(self.scenario_title(scenario_id))),
            (self.column("step_id"), Cell(step_id, step_id)),
        )

    def choice_groups(
        self, scenario_id: str, step_id: str, counts: Mapping[tuple[str, str], list[_Recorded]]
    ) -> list[tuple[str, list[_Recorded]]]:
        """Each choice of the step in button order, with its recorded rows; then choices
        recorded under ids the current content no longer has."""
        recorded: dict[str, list[_Recorded]] = defaultdict(list)
        for row in counts.get((scenario_id, step_id), []):
            recorded[row.choice_id].append(row)
        scenario = self.scenario(scenario_id)
        step = scenario.step(step_id) if scenario else None
        known = [c.id for c in step.choices] if step else []
        return [(c, recorded.get(c, [])) for c in [*known, *sorted(recorded.keys() - set(known))]]

    def catalog_choice(self, scenario_id: str, step_id: str, choice_id: str) -> Choice | None:
        scenario = self.scenario(scenario_id)
        step = scenario.step(step_id) if scenario else None
        return step.choice(choice_id) if step else None

    def strategy_name(self, strategy: str) -> str:
        return self.t_or(f"strategy.{strategy}", strategy)

    def comparability(self) -> str:
        """The items that match a published instrument closely enough to compare numbers
        (the questionnaire's `comparable:`): the report claims comparability for no other."""
        measures = self.catalog.measures
        matched = [i for i in measures.items if i.comparable] if measures else []
        if not matched:
            return self.t("report.comparable.none")
        items = "; ".join(f"{self.item_name(i.id)} ({i.comparable})" for i in matched)
        return self.t("report.comparable.some", items=items)

    def item_name(self, item_id: str) -> str:
        """The question as asked (stem and item, in the report's language); an item no
        longer asked, from an older questionnaire, by its name in the locale files."""
        measures = self.catalog.measures
        item = measures.item(item_id) if measures else None
        if item is None:
            return self.t_or(f"report.item.{item_id}", item_id)
        text = item.text.get(self.language).lstrip("… ")
        stem = item.block.stem.get(self.language).rstrip(" …") if item.block.stem else ""
        return f"{stem} {text}".strip()

    def comparison_name(self, comparison: str) -> str:
        return self.t_or(f"report.comparison.{comparison}", comparison)

    def group_name(self, dimension: str, group: str) -> str:
        return self.t_or(f"age.{group}", group) if dimension == "age_band" else group

    def integer(self, n: int) -> Cell:
        return Cell(str(n), n)

    def decimal(self, x: float | None, places: int, reason: str = NOT_APPLICABLE) -> Cell:
        """`x` written out; "–" when there is none, for the given reason."""
        if x is None:
            return Cell("–", reason=reason)
        text = f"{x:.{places}f}"
        if float(text) == 0:
            text = text.lstrip("-")
        text = text.replace("-", "−").replace(".", self.decimal_mark)
        return Cell(text, round(x, 4))

    def signed(self, x: float) -> str:
        """A change to one decimal with its sign: +0.4, −0.3, 0.0."""
        text = self.decimal(x, 1).text
        return text if text.startswith("−") or float(f"{x:.1f}") == 0 else f"+{text}"

    def percent(self, share: float) -> str:
        return self.t("report.percent", value=self.decimal(share, 0).text)


def _near_an_end(pairs: Sequence[MeasurePair], k: int) -> bool:
    """Whether the answers before, or after, are fewer than K points in all from one end of
    the scale. Then fewer than K of them are anything but that end, and the mean says so:
    a mean of 5.00 tells that everyone answered 5, one of 4.97 from 30 pairs that one
    answered 4 and the rest 5."""
    return any(
        sum(SCALE_POINTS - a for a in answers) < k or sum(a - 1 for a in answers) < k
        for answers in ([p.before for p in pairs], [p.after for p in pairs])
    )


def _clusters(pairs: Sequence[MeasurePair]) -> list[int]:
    """The cluster of each pair for its interval: its class, merged with every other class
    and every pair outside classes that one person's pairs link it to; outside classes, its
    person's; a pair folded by retention, whose class and person are no longer known, alone.
    """
    return linked_clusters(
        [(kind, label) for kind, label in (("class", p.class_label), ("person", p.person_label))
         if label is not None]
        for p in pairs
    )  # fmt: skip
