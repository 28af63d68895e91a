"""Evaluation reports for evaluators: in Telegram (/report) and on the server
(`bystander report`). Made only of released periods (bot/evaluation/release.py), so every
report of a period, on any day, with any filter, hides what the others hide."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from bot.content.catalog import Catalog
from bot.content.story_checks import MESSAGE_LIMIT
from bot.evaluation.release import Period, PeriodError, Release, RetiredError
from bot.evaluation.report import (
    ALL,
    CLASS_SCOPE,
    UNCLASSED,
    ReleasedCells,
    Report,
    build_report,
    protect_release,
)
from bot.services.presenter import escape
from bot.services.routing import Audience, command
from bot.services.views import Message, Outcome
from bot.storage.ports import ReportStore, StaffStore
from bot.storage.records import RETIRED

FORMATS = ("html", "xlsx", "csv", "json")
TELEGRAM_CHARTS = 3


class ReportError(ValueError):
    """A report that cannot be made as asked; the message is for the user."""


def _today() -> date:
    return datetime.now(UTC).date()


class ReportService:
    def __init__(
        self, catalog: Catalog, evaluation: ReportStore, classes: StaffStore, min_group: int
    ) -> None:
        self.catalog = catalog
        self.evaluation = evaluation
        self.classes = classes
        self.min_group = min_group

    async def build(
        self,
        period: Period | None,
        language: str,
        *,
        class_id: int | None = None,
        scenario: str | None = None,
        k: int | None = None,
    ) -> Report:
        """A report of a closed period (default: last month): of everybody or one class,
        maybe one scenario. `k` may only raise the K the period was released with (or the
        configured one)."""
        period = period or Period.last_closed_month(_today())
        period.check_closed(_today())
        release = await self.release(period)
        scope = ALL if class_id is None else f"{CLASS_SCOPE}{class_id}"
        if scope not in release.scopes:
            raise ReportError(f"class {class_id} has no answers in {period.name}")
        k = max(k or 0, release.k, self.min_group)
        cells = ReleasedCells((period.name, scope), release.hidden, release.k)
        return build_report(
            release.scopes[scope],
            self.catalog,
            language,
            k,
            release=cells,
            scenario=scenario,
            period=period.name,
        )

    def closed_periods(self, count: int) -> list[Period]:
        """The last `count` closed months, the latest first: the ones a report may be of."""
        periods = [Period.last_closed_month(_today())]
        while len(periods) < count:
            periods.append(Period.last_closed_month(periods[-1].first))
        return periods

    async def release(self, period: Period) -> Release:
        """The period's release, made now if this is the first report of it."""
        stored = await self.evaluation.release(period.name)
        if stored is None:
            classes = await self.evaluation.classes_with_runs(period.first, period.last)
            filters = [
                period.filters(),
                period.filters(unclassed=True),
                *(period.filters(class_id) for class_id in classes),
            ]
            data = await self.evaluation.report_scopes(filters)
            names = [ALL, UNCLASSED, *(f"{CLASS_SCOPE}{class_id}" for class_id in classes)]
            scopes = dict(zip(names, data, strict=True))
            hidden = await asyncio.to_thread(
                protect_release, period.name, scopes, self.catalog, self.min_group
            )
            made = Release(period.name, self.min_group, scopes, hidden)
            await self.evaluation.save_release(period.name, period.last, made.to_json())
            stored = await self.evaluation.release(period.name)  # a concurrent one may have won
        if stored == RETIRED:
            raise RetiredError(
                f"the numbers of {period.name} are past the retention period and no longer "
                "kept (docs/evaluation.md)"
            )
        return Release.from_json(period.name, stored)

    def export(self, report: Report, fmt: str) -> bytes:
        """The report as a file: one of FORMATS, or "dictionary" (its data dictionary, CSV)."""
        # Rendering pulls in matplotlib (~100 MB): loaded on the first report, not at start-up.
        from bot.evaluation import render
        from bot.evaluation.workbook import to_xlsx

        if fmt == "xlsx":
            return to_xlsx(report, self.catalog.locales)
        if fmt == "dictionary":
            return render.dictionary_csv(report, self.catalog.locales).encode()
        text = {"html": render.to_html, "csv": render.to_csv, "json": render.to_json}[fmt]
        return text(report).encode()

    async def class_id(self, reference: str) -> int | None:
        """A class by its number or its exact name."""
        if reference.isdigit():
            return int(reference)
        return await self.classes.class_id_by_name(reference)

    @command("report", Audience.EVALUATOR, menu=30)
    async def telegram_report(self, person, words: list[str]) -> Outcome:
        """/report [period] [scenario id]: the summary, a few charts, and the files."""
        locales = self.catalog.locales
        language = await self.classes.language_of(person.pseudonym)
        language = language or locales.pick(person.telegram_language)
        period, scenario = Period.last_closed_month(_today()), None
        for word in words[:2]:
            if word in self.catalog.scenarios:
                scenario = word
                continue
            try:
                period = Period.parse(word)
            except PeriodError:
                known = ", ".join(sorted(self.catalog.scenarios))
                return Outcome.say(
                    locales.text(language, "staff.report_usage", word=escape(word), known=known)
                )
        try:
            report = await self.build(period, language, scenario=scenario)
        except RetiredError:
            return Outcome.say(locales.text(language, "staff.report_retired", period=period.name))
        except (PeriodError, ReportError):
            last = Period.last_closed_month(_today()).name
            return Outcome.say(
                locales.text(language, "staff.report_not_closed", period=period.name, last=last)
            )
        from bot.evaluation import render  # matplotlib: loaded on the first report only

        stamp = f"{period.name}-{_today().isoformat()}"
        charts = [c for section in report.sections for c in section.charts][:TELEGRAM_CHARTS]
        images = await asyncio.gather(*(asyncio.to_thread(render.chart_png, c) for c in charts))
        html, workbook = await asyncio.gather(
            asyncio.to_thread(self.export, report, "html"),
            asyncio.to_thread(self.export, report, "xlsx"),
        )
        summary = report.summary or (report.title,)
        # HTML to read and print; the workbook for the numbers, with its data dictionary:
        # Excel on a municipal PC opens it in any locale, where a CSV needs an import dialog.
        # The CSV and JSON, for tools, come from `bystander report`.
        return Outcome(
            [
                *(Message(text) for text in _messages(summary)),
                *(
                    Message(escape(c.title), photo=image)
                    for c, image in zip(charts, images, strict=True)
                ),
                Message(escape(report.title), document=(f"report-{stamp}.html", html)),
                Message("Excel", document=(f"report-{stamp}.xlsx", workbook)),
            ]
        )


def _messages(lines: tuple[str, ...]) -> list[str]:
    """The summary's lines, escaped, in as few messages as Telegram's length limit allows:
    each item and comparison adds a finding, and the caveats come after them."""
    messages: list[str] = []
    for line in map(escape, lines):
        if messages and len(messages[-1]) + 1 + len(line) <= MESSAGE_LIMIT:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    return messages
