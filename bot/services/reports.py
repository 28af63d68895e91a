"""Evaluation reports for evaluators: in Telegram (/report) and on the server
(`bystander report`). Built from counts and anonymous pairs; cells under K suppressed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.content.catalog import Catalog
from bot.evaluation.data import Filters
from bot.evaluation.report import Report, build_report
from bot.services.presenter import escape
from bot.services.views import Message, Outcome
from bot.storage.classes import EVALUATOR, ClassStore
from bot.storage.evaluation import EvaluationStore

FORMATS = ("html", "csv", "json")
TELEGRAM_CHARTS = 3


def export(report: Report, fmt: str) -> str:
    # Rendering pulls in matplotlib (~100 MB): loaded on the first report, not at start-up.
    from bot.evaluation import render

    return {"html": render.to_html, "csv": render.to_csv, "json": render.to_json}[fmt](report)


class ReportService:
    def __init__(
        self, catalog: Catalog, evaluation: EvaluationStore, classes: ClassStore, min_group: int
    ) -> None:
        self.catalog = catalog
        self.evaluation = evaluation
        self.classes = classes
        self.min_group = min_group

    async def build(self, filters: Filters, language: str, k: int | None = None) -> Report:
        """`k` may raise the configured K for one report (the server CLI), never lower it."""
        if k is not None and k < self.min_group:
            raise ValueError(f"K {k} is below the configured {self.min_group}")
        data = await self.evaluation.report_data(filters)
        return build_report(data, self.catalog, language, self.min_group if k is None else k)

    async def class_id(self, reference: str) -> int | None:
        """A class by its number or its exact name."""
        if reference.isdigit():
            return int(reference)
        return await self.classes.class_id_by_name(reference)

    async def telegram_report(self, person, words: list[str]) -> Outcome:
        """/report [scenario id]: the summary, a few charts, and the files."""
        profile = await self.classes.store.get_profile(person.pseudonym)
        locales = self.catalog.locales
        language = profile.language if profile else locales.pick(person.telegram_language)
        if EVALUATOR not in await self.classes.roles_of(person.pseudonym):
            return Outcome.say(locales.text(language, "unknown.command"))
        scenario = words[0] if words else None
        if scenario is not None and scenario not in self.catalog.scenarios:
            known = ", ".join(sorted(self.catalog.scenarios))
            return Outcome.say(locales.text(language, "staff.report_unknown_scenario", known=known))
        report = await self.build(Filters(scenario=scenario), language)
        from bot.evaluation import render  # matplotlib: loaded on the first report only

        stamp = datetime.now(UTC).date().isoformat()
        charts = [c for section in report.sections for c in section.charts][:TELEGRAM_CHARTS]
        images = await asyncio.gather(*(asyncio.to_thread(render.chart_png, c) for c in charts))
        html = await asyncio.to_thread(export, report, "html")
        return Outcome(
            [
                Message("\n".join(escape(line) for line in report.summary)),
                *(
                    Message(escape(c.title), photo=image)
                    for c, image in zip(charts, images, strict=True)
                ),
                Message(escape(report.title), document=(f"report-{stamp}.html", html.encode())),
                Message("CSV", document=(f"report-{stamp}.csv", export(report, "csv").encode())),
            ]
        )
