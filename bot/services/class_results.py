"""A class's answers as a youth worker may see them: each step's released distribution of
the students' answers (bot/privacy/class_view.py) and of the room's hand counts, and a
chart of a step for the projector."""

from __future__ import annotations

import asyncio

from bot.content.bidi import is_right_to_left
from bot.engine.model import Scenario, Step
from bot.privacy.class_view import (
    Release,
    Tally,
    may_release,
    next_release,
)
from bot.services import classes  # each links to the other: imported as modules
from bot.services.presenter import escape
from bot.services.routing import action, button
from bot.services.staff import StaffDesk, share_line
from bot.services.views import Button, Message, Outcome, column
from bot.storage.records import ClassRecord, StepAnswers


class ClassResults(StaffDesk):
    """The live class results and their projector charts."""

    @button("cr")
    async def results(self, person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        if record is None or scenario is None:
            return self._stale(language)
        students = await self.released(record, scenario)
        hands = await self.classes.facilitated_answers(record.id, scenario.id, self.settings.k)
        lines = [
            self.t(
                language,
                "class.results_heading",
                title=escape(scenario.title.get(language)),
                name=escape(record.name),
            ),
            self.t(language, "class.release_note", k=self.settings.k),
        ]
        buttons: list[Button] = []
        for index, step in enumerate(self._steps(scenario)):
            lines.append(f"\n<b>{self._step_name(scenario, step, language)}</b>")
            for project, answers, source in (
                (self.project_students, students, "class.students"),
                (self.project_hands, hands, "class.hands"),
            ):
                shown = answers.get(step.id)
                if project == self.project_hands and shown is None:
                    continue
                counts = self.shown(step, shown)
                lines.append(self._distribution(step, shown, counts, language, source))
                if counts is not None:
                    label = self.t(
                        language,
                        "class.project_button",
                        step=self._step_name(scenario, step, language, short=True),
                        source=self.t(language, source),
                    )
                    args = (str(record.id), scenario.id, str(index))
                    buttons.append(Button(label, action(project, *args)))
        refresh = Button(
            self.t(language, "class.refresh"), action(self.results, str(record.id), scenario.id)
        )
        back = Button(
            self.t(language, "menu.back"), action(classes.ClassService.class_view, str(record.id))
        )
        return Outcome([Message("\n".join(lines)[:4000], column(*buttons, refresh, back))])

    async def released(self, record: ClassRecord, scenario: Scenario) -> dict[str, Release]:
        """Each step's latest release of the students' answers, renewed where the rules
        allow (bot/privacy/class_view.py)."""
        current = await self.classes.step_answers(record.id, scenario.id, self.settings.admins)
        history = await self.classes.releases(record.id, scenario.id)
        latest = {step_id: releases[-1] for step_id, releases in history.items()}
        for step in self._steps(scenario):
            answers = current.get(step.id)
            if answers is None:
                continue
            tally = Tally(answers.students, answers.counts)
            choices = [c.id for c in step.choices]
            earlier = history.get(step.id, [])
            if not may_release(earlier, tally, self.settings.k):
                continue  # most refreshes: nothing new to show, nothing to compute
            # The audit solves small integer programs: off the event loop.
            new = await asyncio.to_thread(next_release, earlier, tally, choices, self.settings.k)
            if new is not None and await self.classes.save_release(
                record.id, scenario.id, step.id, new
            ):
                latest[step.id] = new
        return latest

    def shown(self, step: Step, answers: Release | StepAnswers | None) -> dict | None:
        """Each choice's count as shown (None where hidden), or None when nothing is shown.

        Students' answers follow the release rules; a show of hands is counted aloud in the
        room, so only the K threshold applies to it."""
        if isinstance(answers, Release):
            return {c.id: answers.shown.get(c.id, 0) for c in step.choices}
        if answers is None or answers.students < self.settings.k:
            return None
        return {c.id: answers.counts.get(c.id, 0) for c in step.choices}

    @staticmethod
    def total(answers: Release | StepAnswers) -> int:
        return answers.tally.total if isinstance(answers, Release) else answers.students

    def _distribution(
        self,
        step: Step,
        answers: Release | StepAnswers | None,
        counts: dict[str, int | None] | None,
        language: str,
        source_key: str,
    ) -> str:
        source = self.t(language, source_key)
        if answers is None or counts is None:
            return self.t(language, "class.too_few", source=source, k=self.settings.k)
        total = self.total(answers)
        rows = [self.t(language, "class.answered", source=source, n=total)]
        hidden = self.t(language, "class.hidden")
        rows += [
            share_line(c.label.get(language), counts[c.id], total, hidden) for c in step.choices
        ]
        return "\n".join(rows)

    @button("pc")
    async def project_students(
        self, person, class_id: str, scenario_id: str, index: str
    ) -> Outcome:
        """A chart of the students' released answers to one step."""
        return await self._projector(person, class_id, scenario_id, index, hands=False)

    @button("ph")
    async def project_hands(self, person, class_id: str, scenario_id: str, index: str) -> Outcome:
        """A chart of the hand counts of one step."""
        return await self._projector(person, class_id, scenario_id, index, hands=True)

    async def _projector(
        self, person, class_id: str, scenario_id: str, index: str, *, hands: bool
    ) -> Outcome:
        record = await self._owned(person, class_id)
        # The chart is for the classroom's screen: in a language young people are offered.
        language = self.presenter.locales.for_everyone(await self._language(person))
        scenario = self.catalog.scenarios.get(scenario_id)
        steps = self._steps(scenario) if scenario else []
        if record is None or not index.isdigit() or int(index) >= len(steps):
            return self._stale(language)
        step = steps[int(index)]
        if not hands:
            answers = (await self.released(record, scenario)).get(step.id)
        else:
            answers = (
                await self.classes.facilitated_answers(record.id, scenario.id, self.settings.k)
            ).get(step.id)
        counts = self.shown(step, answers)
        if counts is None:
            source = self.t(language, "class.hands" if hands else "class.students")
            return Outcome(
                notice=self.t(language, "class.too_few", source=source, k=self.settings.k)
            )
        from bot import charts

        chart = charts.ChoiceChart(
            title=f"{scenario.title.get(language)} – "
            f"{self._step_name(scenario, step, language, short=True)}",
            bars=tuple(
                charts.Bar(
                    c.label.get(language),
                    counts[c.id],
                    self.presenter.strategy_name(c.strategy, language),
                )
                for c in step.choices
            ),
            total_label=self.t(language, "chart.total", n=self.total(answers)),
            facilitated_note=self.t(language, "chart.hands") if hands else None,
            total=self.total(answers),
            hidden_label=self.t(language, "chart.hidden"),
            right_to_left=is_right_to_left(language),
        )
        caption = self._step_name(scenario, step, language)
        # Rendering takes a few tenths of a second: keep the event loop serving others.
        photo = await asyncio.to_thread(charts.render_choice_chart, chart)
        return Outcome([Message(caption, photo=photo)])
