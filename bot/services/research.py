"""The researchers' row-level export (bot/evaluation/rows.py): for holders of the
researcher role in Telegram (/export, then a format button) and for the operator on the
server (`bystander research-export`). Every export is logged: who (the role grant's label
or the operator's --for text), the purpose, the filters and what the file held.

In Telegram the request is logged first and its number rides on the format buttons, so the
purpose never has to fit in a button; a button works once, for the grant that asked (a
researcher invited anew has a new grant, so their old buttons are old).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime

from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.evaluation.rows import (
    FORMATS,
    ExportFile,
    ExportRefused,
    ResearchTable,
    Span,
    export_files,
    research_table,
    sha256,
)
from bot.services.plaintext import plain_text
from bot.services.presenter import escape
from bot.services.routing import Audience, action, button, command
from bot.services.views import Button, Message, Outcome
from bot.storage.ports import ReportStore, StaffStore
from bot.storage.records import RESEARCHER, ExportFacts, ResearchExport

MAX_PURPOSE = 300
MAX_WHO = 120
PERIOD_FILTER = "period="
# The first word of /export is its period when it starts like one ("2026-1…"): a typo in it
# is then refused as a period, not taken for the purpose.
_LOOKS_LIKE_A_MONTH = re.compile(r"\d{4}-\d")


def _today() -> date:
    return datetime.now(UTC).date()


def export_stem(span: Span, today: date) -> str:
    return f"research-export-{span.name.replace('..', '_')}-{today.isoformat()}"


class ResearchService:
    def __init__(
        self, catalog: Catalog, evaluation: ReportStore, staff: StaffStore, min_group: int
    ) -> None:
        self.locales = catalog.locales
        self.evaluation = evaluation
        self.staff = staff
        self.min_group = min_group

    async def export(
        self, who: str, purpose: str, span: Span, fmt: str, language: str
    ) -> tuple[list[ExportFile], ExportFacts]:
        """An export made at once and logged (the server's `bystander research-export`)."""
        who, purpose = plain_text(who, MAX_WHO), plain_text(purpose, MAX_PURPOSE)
        if not who:
            raise ExportRefused("who", "say who receives the data: --for NAME/ORG")
        if not purpose:
            raise ExportRefused("purpose", "say what the data is for: --purpose TEXT")
        await self._table(span)  # refuse before anything is logged
        entry = await self.evaluation.ask_research_export(who, None, purpose, _filters(span))
        return await self._make(entry, span, fmt, language)

    async def _table(self, span: Span) -> ResearchTable:
        answers = await self.evaluation.research_rows(span.first.first, span.last.last)
        return research_table(answers, self.min_group)

    async def _make(
        self, entry: int, span: Span, fmt: str, language: str
    ) -> tuple[list[ExportFile], ExportFacts]:
        table = await self._table(span)
        stem = export_stem(span, _today())
        files = await asyncio.to_thread(
            export_files, table, fmt, stem, self.locales, language, self.min_group, _today()
        )
        facts = ExportFacts(fmt, len(table.rows), table.people, table.classes,
                            sha256(files[0].content))  # fmt: skip
        if not await self.evaluation.made_research_export(entry, facts):
            raise ExportRefused("made", f"export {entry} was made already")
        return files, facts

    async def log(self) -> list[ResearchExport]:
        return await self.evaluation.research_exports()

    # -- Telegram -----------------------------------------------------------------------

    async def _language(self, person) -> str:
        language = await self.staff.language_of(person.pseudonym)
        return language or self.locales.pick(person.telegram_language)

    @command("export", Audience.RESEARCHER, menu=35)
    async def ask(self, person, words: list[str]) -> Outcome:
        """/export [PERIOD] PURPOSE: what the export would hold, and a button per format."""
        language = await self._language(person)

        def t(key: str, **values: object) -> str:
            return self.locales.text(language, key, **values)

        span, purpose_words = Span.last_month(_today()), words
        if words and _LOOKS_LIKE_A_MONTH.match(words[0]):
            purpose_words = words[1:]
        purpose = plain_text(" ".join(purpose_words), MAX_PURPOSE)
        try:
            if purpose_words is not words:
                span = Span.parse(words[0], _today())
            if not purpose:
                raise ExportRefused("purpose", "no purpose")
            table = await self._table(span)
        except ExportRefused as refused:
            last = Span.last_month(_today()).name
            return Outcome.say(t(f"research.refused_{refused.reason}", k=self.min_group, last=last))
        grant = await self.staff.grant_of(person.pseudonym, RESEARCHER)
        if grant is None:  # revoked a moment ago
            return Outcome.say(t("research.refused_role"))
        entry = await self.evaluation.ask_research_export(
            grant.label, grant.id, purpose, _filters(span)
        )
        text = t(
            "research.confirm",
            period=span.name,
            people=table.people,
            rows=len(table.rows),
            purpose=escape(purpose),
            k=self.min_group,
        )
        buttons = tuple(
            Button(t(f"research.format_{fmt}"), action(self.make, str(entry), fmt))
            for fmt in FORMATS
        )
        return Outcome.say(text, (buttons,))

    @button("rx")
    async def make(self, person, entry_id: str, fmt: str) -> Outcome:
        """A format button: the export, once, for the grant that asked for it."""
        language = await self._language(person)
        stale = Outcome(notice=self.locales.text(language, "play.old_button"))
        number = cb.number(entry_id)
        grant = await self.staff.grant_of(person.pseudonym, RESEARCHER)
        entry = await self.evaluation.research_export(number) if number is not None else None
        if (
            grant is None
            or entry is None
            or entry.grant_id != grant.id
            or entry.made_on is not None
            or fmt not in FORMATS
        ):
            return stale
        span = Span.parse(entry.filters.removeprefix(PERIOD_FILTER), _today())
        try:
            files, facts = await self._make(entry.id, span, fmt, language)
        except ExportRefused:  # a double tap made it meanwhile, or people deleted their data
            return stale
        sent = self.locales.text(
            language, "research.sent", rows=facts.rows, people=facts.people, classes=facts.classes
        )
        messages = [Message(sent, document=(files[0].name, files[0].content))]
        messages += [Message(f.name, document=(f.name, f.content)) for f in files[1:]]
        return Outcome(messages, close_buttons=True)


def _filters(span: Span) -> str:
    return f"{PERIOD_FILTER}{span.name}"
