"""The staff dashboard's use cases, for any channel that shows pages (bot.web.dashboard*):
a youth worker's classes, one class with its results and assignments, and the evaluation
report with its filters.

Everything goes through the same gates and privacy rules as the Telegram views: `_owned`
for a class, steps of K for progress (bot/privacy/class_view.py), the released
distributions of `ClassResults` for answers, and `ReportService` (the period's release)
for reports. Texts come from the locales in the person's language, as plain text: the
page escapes them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.ages import is_for, joins_itself
from bot.engine.model import Scenario, Step
from bot.evaluation.release import Period, PeriodError, RetiredError
from bot.evaluation.report import Report
from bot.privacy.class_view import Release
from bot.services.class_results import ClassResults
from bot.services.classes import ClassService
from bot.services.reports import ReportError, ReportService
from bot.services.staff import StaffDesk, percent, utc_today
from bot.services.web_access import WebPerson
from bot.storage.records import ClassRecord, StepAnswers

PERIODS_OFFERED = 12  # closed months in the report's period list


@dataclass(frozen=True)
class ClassSummary:
    id: int
    name: str
    age: str  # "åk 8 (14 år)", as the Telegram view words it
    state: str  # open until a date, or closed
    members: str  # in steps of K
    is_open: bool


@dataclass(frozen=True)
class Share:
    label: str
    count: int | None  # None where hidden
    percent: int | None


@dataclass(frozen=True)
class Distribution:
    status: str  # how many answered, or why nothing is shown yet
    shares: tuple[Share, ...]  # empty while nothing is shown


@dataclass(frozen=True)
class StepResults:
    heading: str  # "Före 1"
    text: str  # the situation
    students: Distribution
    hands: Distribution | None  # only where the room's hands were counted


@dataclass(frozen=True)
class ScenarioResults:
    id: str
    title: str
    progress: str  # started and finished, in steps of K
    steps: tuple[StepResults, ...]


@dataclass(frozen=True)
class AssignOption:
    id: str
    label: str  # the title, with a warning and its ages when not written for the class
    assigned: bool
    fits: bool


@dataclass(frozen=True)
class ClassPage:
    summary: ClassSummary
    join_link: str | None  # only for a class whose students join it themselves, while open
    release_note: str
    scenarios: tuple[ScenarioResults, ...]
    options: tuple[AssignOption, ...]
    closed: bool


class ClassDashboard(StaffDesk):
    """A youth worker's classes on the dashboard."""

    def __init__(self, class_admin: ClassService, results: ClassResults) -> None:
        super().__init__(class_admin.catalog, class_admin.classes, class_admin.settings)
        self.class_admin = class_admin
        self.results = results

    async def classes_of(self, pseudonym: str, language: str) -> list[ClassSummary]:
        records = await self.classes.classes_of(pseudonym)
        return [await self._summary(record, language) for record in records]

    async def create(self, pseudonym: str, name: str) -> ClassRecord | None:
        """None when the name starts with no age (the page shows /newclass's usage)."""
        return await self.class_admin.create(pseudonym, name)

    async def page(self, pseudonym: str, class_id: str, language: str) -> ClassPage | None:
        """One class of this youth worker's; None reveals nothing (not theirs, or none)."""
        record = await self._owned(WebPerson(pseudonym), class_id)
        if record is None:
            return None
        assigned = await self.classes.assigned(record.id)
        staff = self.settings.admins
        progress = {p.scenario_id: p for p in await self.classes.progress(record.id, staff)}
        scenarios = []
        for scenario in self._assigned_scenarios(assigned):
            line = self._progress_line(progress.get(scenario.id), language)
            steps = await self._results(record, scenario, language)
            title = scenario.title.get(language)
            scenarios.append(ScenarioResults(scenario.id, title, line, steps))
        link = None
        if joins_itself(record.age) and record.is_open(utc_today()):
            link = await self._join_link(record)
        return ClassPage(
            await self._summary(record, language),
            link,
            self.t(language, "class.release_note", k=self.settings.k),
            tuple(scenarios),
            self._options(record, set(assigned), language),
            record.closed_on is not None,
        )

    async def assign(self, pseudonym: str, class_id: str, wanted: set[str]) -> bool:
        """The class's assignments become `wanted` (scenarios of the catalog); False if the
        class is not this youth worker's."""
        record = await self._owned(WebPerson(pseudonym), class_id)
        if record is None:
            return False
        await self.classes.set_assignments(record.id, wanted & set(self.catalog.scenarios))
        return True

    async def close(self, pseudonym: str, class_id: str) -> bool:
        record = await self._owned(WebPerson(pseudonym), class_id)
        if record is None:
            return False
        await self.classes.close_class(record.id)
        return True

    async def _summary(self, record: ClassRecord, language: str) -> ClassSummary:
        members = await self.classes.members(record.id, self.settings.admins)
        is_open = record.is_open(utc_today())
        state = (
            self.t(language, "class.open_until", date=record.expires_on)
            if is_open
            else self.t(language, "class.is_closed")
        )
        return ClassSummary(
            record.id,
            record.name,
            self._age_text(record.age, language),
            state,
            self.t(language, "web.joined", n=self._progress(members, language)),
            is_open,
        )

    def _options(
        self, record: ClassRecord, assigned: set[str], language: str
    ) -> tuple[AssignOption, ...]:
        """The assign view's choices: those written for the class's age first."""
        return tuple(
            AssignOption(
                scenario.id,
                self._scenario_label(scenario, record.age, language),
                scenario.id in assigned,
                is_for(scenario.age, record.age),
            )
            for scenario in self._by_fit(self.catalog.scenarios.values(), record.age, language)
        )

    async def _results(
        self, record: ClassRecord, scenario: Scenario, language: str
    ) -> tuple[StepResults, ...]:
        """Each step as the 📊 view shows it: the students' released answers, and the
        room's hand counts where there are any (only from K)."""
        students = await self.results.released(record, scenario)
        k = self.settings.k
        hands = await self.classes.facilitated_answers(record.id, scenario.id, k)
        return tuple(
            StepResults(
                self._step_name(scenario, step, language, short=True),
                self._step_line(step, language),
                self._distribution(step, students.get(step.id), "class.students", language),
                self._distribution(step, hands[step.id], "class.hands", language)
                if step.id in hands
                else None,
            )
            for step in self._steps(scenario)
        )

    def _distribution(
        self, step: Step, answers: Release | StepAnswers | None, source_key: str, language: str
    ) -> Distribution:
        source = self.t(language, source_key)
        counts = self.results.shown(step, answers)
        if answers is None or counts is None:
            status = self.t(language, "class.too_few", source=source, k=self.settings.k)
            return Distribution(status.strip(), ())
        total = self.results.total(answers)
        shares = tuple(
            Share(c.label.get(language), counts[c.id], percent(counts[c.id], total))
            for c in step.choices
        )
        return Distribution(self.t(language, "web.answered", n=total, source=source), shares)


@dataclass(frozen=True)
class ReportProblem:
    """Why no report is shown: a locale key and its values, for the page to word."""

    key: str
    values: dict[str, str]


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    scenario: str | None
    class_id: int | None


class ReportDesk:
    """The evaluation report with filters, as the dashboard asks for it: the same service
    (and so the same released numbers) as /report and `bystander report`."""

    def __init__(self, reports: ReportService) -> None:
        self.reports = reports

    def periods(self) -> list[Period]:
        """The closed months offered, the last one first."""
        return self.reports.closed_periods(PERIODS_OFFERED)

    def query(self, period: str, scenario: str, class_number: str) -> ReportQuery | ReportProblem:
        """The filters as the form sends them ("" for the default or all)."""
        last = self.periods()[0]
        try:
            chosen = Period.parse(period) if period else last
        except PeriodError:
            return ReportProblem("web.report_bad_period", {"last": last.name})
        if scenario and scenario not in self.reports.catalog.scenarios:
            return ReportProblem("web.report_bad_scenario", {})
        number = class_number.strip()
        if number and not number.isdigit():
            return ReportProblem("web.report_class_number", {})
        return ReportQuery(chosen, scenario or None, int(number) if number else None)

    async def build(self, query: ReportQuery, language: str) -> Report | ReportProblem:
        name = query.period.name
        try:
            return await self.reports.build(
                query.period, language, class_id=query.class_id, scenario=query.scenario
            )
        except RetiredError:
            return ReportProblem("staff.report_retired", {"period": name})
        except PeriodError:
            last = self.periods()[0].name
            return ReportProblem("staff.report_not_closed", {"period": name, "last": last})
        except ReportError:
            return ReportProblem("web.report_no_class", {"number": str(query.class_id)})
