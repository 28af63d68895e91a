"""The evaluator's report on the dashboard: filters (a GET form), the report's summary and
tables on the page, and its files to download. The same service as /report and
`bystander report` (the period's release), so the same cells are hidden everywhere."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.evaluation.render import html_table
from bot.evaluation.report import Report, Table
from bot.services.dashboard import ReportDesk, ReportProblem, ReportQuery
from bot.storage.records import EVALUATOR
from bot.web.dashboard import Dashboard

REPORT = "/dashboard/report"
DOWNLOADS = {  # format: (file name's ending, content type)
    "html": ("html", "text/html; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "dictionary": ("dictionary.csv", "text/csv; charset=utf-8"),
}


class ReportPages(Dashboard):
    def __init__(self, desk: ReportDesk, *parts) -> None:
        super().__init__(*parts)
        self.desk = desk

    def add_routes(self, add) -> None:
        add("GET", REPORT, self.report)
        add("GET", REPORT + "/download", self.download)

    async def report(self, request: web.Request) -> web.Response:
        session = await self._staff(request, EVALUATOR)
        if isinstance(session, web.Response):
            return session
        query = self._query(request)
        chosen = query if isinstance(query, ReportQuery) else None
        built = await self.desk.build(chosen, session.language) if chosen else query
        report = built if isinstance(built, Report) else None
        return self._page(
            "dashboard_report.html",
            session,
            status=400 if chosen is None else 200,  # a filter no form sends
            periods=[p.name for p in self.desk.periods()],
            scenarios=self._scenarios(session.language),
            chosen=_fields(request, chosen),
            report=report,
            problem=built if isinstance(built, ReportProblem) else None,
            table_html=_table,
            downloads=_downloads(chosen) if report and chosen else [],
        )

    async def download(self, request: web.Request) -> web.Response:
        session = await self._staff(request, EVALUATOR)
        if isinstance(session, web.Response):
            return session
        fmt = request.query.get("format", "")
        query = self._query(request)
        if fmt not in DOWNLOADS or not isinstance(query, ReportQuery):
            raise web.HTTPBadRequest()
        report = await self.desk.build(query, session.language)
        if isinstance(report, ReportProblem):
            raise web.HTTPNotFound()
        # Rendering HTML draws charts (matplotlib): off the event loop.
        body = await asyncio.to_thread(self.desk.reports.export, report, fmt)
        ending, content_type = DOWNLOADS[fmt]
        name = f"report-{query.period.name}.{ending}"
        return web.Response(
            body=body,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )

    def _query(self, request: web.Request) -> ReportQuery | ReportProblem:
        read = request.query.get
        return self.desk.query(read("period", ""), read("scenario", ""), read("class", ""))

    def _scenarios(self, language: str) -> list[tuple[str, str]]:
        """(id, title) of every scenario, by title."""
        scenarios = self.desk.reports.catalog.scenarios.values()
        return sorted(((s.id, s.title.get(language)) for s in scenarios), key=lambda s: s[1])


def _fields(request: web.Request, query: ReportQuery | None) -> dict[str, str]:
    """What the form shows as chosen: the query's filters, or what was sent."""
    if query is None:
        return {name: request.query.get(name, "") for name in ("period", "scenario", "class")}
    number = "" if query.class_id is None else str(query.class_id)
    return {"period": query.period.name, "scenario": query.scenario or "", "class": number}


def _downloads(query: ReportQuery) -> list[tuple[str, str]]:
    """(format, address) of each download of this report."""
    filters = {"period": query.period.name, "scenario": query.scenario or ""}
    if query.class_id is not None:
        filters["class"] = str(query.class_id)
    return [(f, f"{REPORT}/download?{urlencode({'format': f, **filters})}") for f in DOWNLOADS]


def _table(table: Table) -> Markup:
    """The report's own table HTML (bot.evaluation.render): no inline style, every text
    escaped."""
    return Markup(html_table(table))
