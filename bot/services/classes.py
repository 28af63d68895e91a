"""A youth worker's classes: creating one, its join link and QR code, assignments, its age,
closing it, and the class view of its progress."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.engine.ages import (
    AUDIENCE,
    SCHOOL_YEARS,
    WHOLE_AUDIENCE,
    is_for,
    joins_itself,
    of_school_year,
)
from bot.services import class_results, projector  # each links to the other: as modules
from bot.services.class_age import read_class_age
from bot.services.links import new_class_code
from bot.services.plaintext import plain_text
from bot.services.presenter import escape
from bot.services.routing import Audience, action, button, command
from bot.services.staff import MAX_CLASS_NAME, WHOLE_AUDIENCE_CHOICE, StaffDesk, utc_today
from bot.services.views import Button, Message, Outcome, column
from bot.storage.records import ClassRecord


class ClassService(StaffDesk):
    """Classes, their join links, assignments and ages."""

    @command("newclass", Audience.YOUTH_WORKER, menu=20)
    async def new_class(self, person, args: list[str]) -> Outcome:
        language = await self._language(person)
        record = await self.create(person.pseudonym, " ".join(args))
        if record is None:
            return Outcome.say(self.t(language, "class.new_usage"))
        age_text = self._age_text(record.age, language)
        created = Message(self.t(language, "class.created", name=escape(record.name), age=age_text))
        if joins_itself(record.age):
            share = await self._share_message(record, language)
        else:
            share = Message(self.t(language, "class.facilitation_only", youngest=AUDIENCE.min))
        assign = await self.assign_message(record, language)
        return Outcome([created, share, assign])

    async def create(self, owner: str, text: str) -> ClassRecord | None:
        """A new class of this youth worker's, named by `text`, which starts with the class's
        age; None when no age can be read from it (in Telegram and on the web alike)."""
        name = plain_text(text, MAX_CLASS_NAME)
        age = read_class_age(name)
        if age is None:
            return None
        expires = utc_today() + timedelta(days=self.settings.class_days)
        return await self.classes.create_class(owner, name, new_class_code(), expires, age)

    async def _share_message(self, record: ClassRecord, language: str) -> Message:
        link = await self._join_link(record)
        caption = self.t(
            language, "class.share", name=escape(record.name), link=link, expires=record.expires_on
        )
        from bot import charts  # matplotlib and segno: imported when first drawn

        return Message(caption, photo=await asyncio.to_thread(charts.render_qr, link))

    @button("qr")
    async def share(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None or not joins_itself(record.age):
            return self._stale(language)
        return Outcome([await self._share_message(record, language)])

    @command("class", Audience.YOUTH_WORKER, menu=21)
    async def my_classes(self, person) -> Outcome:
        language = await self._language(person)
        records = await self.classes.classes_of(person.pseudonym)
        if not records:
            return Outcome.say(self.t(language, "class.none"))
        if len(records) == 1:
            return Outcome([await self._class_message(records[0], language)])
        buttons = [
            Button(self._class_label(r, language), action(self.class_view, str(r.id)))
            for r in records
        ]
        return Outcome.say(self.t(language, "class.pick"), column(*buttons))

    def _class_label(self, record: ClassRecord, language: str) -> str:
        state = "" if record.is_open(utc_today()) else self.t(language, "class.closed_mark")
        return f"{record.name}{state}"

    @button("cv")
    async def class_view(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        return Outcome([await self._class_message(record, language)], edit=True)

    async def _class_message(self, record: ClassRecord, language: str) -> Message:
        staff = self.settings.admins
        progress = {p.scenario_id: p for p in await self.classes.progress(record.id, staff)}
        lines = [
            self.t(
                language,
                "class.view_heading",
                name=escape(record.name),
                members=self._progress(await self.classes.members(record.id, staff), language),
            ),
            self.t(language, "class.age_line", age=self._age_text(record.age, language)),
            self.t(language, "class.open_until", date=record.expires_on)
            if record.is_open(utc_today())
            else self.t(language, "class.is_closed"),
        ]
        buttons: list[Button] = []
        for scenario in self._assigned_scenarios(await self.classes.assigned(record.id)):
            p = progress.get(scenario.id)
            title = scenario.title.get(language)
            lines.append(
                self.t(
                    language,
                    "class.progress_line",
                    title=escape(title),
                    started=self._progress(p.started if p else 0, language),
                    finished=self._progress(p.finished if p else 0, language),
                )
            )
            label = self.t(language, "class.results_button", title=title)
            buttons.append(
                Button(
                    label, action(class_results.ClassResults.results, str(record.id), scenario.id)
                )
            )
        if not buttons:
            lines.append(self.t(language, "class.nothing_assigned"))
        cid = str(record.id)
        buttons += [
            Button(self.t(language, "class.refresh"), action(self.class_view, cid)),
            Button(self.t(language, "class.assign_button"), action(self.assignments, cid)),
            Button(self.t(language, "class.age_button"), action(self.age_prompt, cid)),
        ]
        if joins_itself(record.age):
            buttons.append(Button(self.t(language, "class.share_button"), action(self.share, cid)))
        if record.is_open(utc_today()):
            open_page = action(projector.ProjectorService.open, cid)
            buttons.append(Button(self.t(language, "class.projector_button"), open_page))
        if record.closed_on is None:
            buttons.append(
                Button(self.t(language, "class.close_button"), action(self.close_prompt, cid))
            )
        return Message("\n".join(lines), column(*buttons))

    @button("as")
    async def assignments(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        return Outcome([await self.assign_message(record, language)])

    async def assign_message(self, record: ClassRecord, language: str) -> Message:
        assigned = set(await self.classes.assigned(record.id))
        buttons = []
        for scenario in self._by_fit(self.catalog.scenarios.values(), record.age, language):
            mark = "✅" if scenario.id in assigned else "⬜"
            label = f"{mark} {self._scenario_label(scenario, record.age, language)}"
            buttons.append(Button(label, action(self.toggle, str(record.id), scenario.id)))
        done = Button(
            self.t(language, "class.assign_done"), action(self.class_view, str(record.id))
        )
        text = self.t(
            language,
            "class.assign_heading",
            name=escape(record.name),
            age=self._age_text(record.age, language),
        )
        return Message(text, column(*buttons, done))

    @button("tg")
    async def toggle(self, person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        if record is None or scenario is None:
            return self._stale(language)
        assigned = await self.classes.toggle_assignment(record.id, scenario_id)
        warning = None
        if assigned and not is_for(scenario.age, record.age):
            warning = self._unfit_warning(scenario, record.age, language)
        message = await self.assign_message(record, language)
        return Outcome([message], edit=True, notice=warning)

    @button("ca")
    async def age_prompt(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        choices = [(str(year), of_school_year(year)) for year in SCHOOL_YEARS]
        choices.append((WHOLE_AUDIENCE_CHOICE, WHOLE_AUDIENCE))
        buttons = [
            Button(self._age_text(age, language), action(self.set_age, class_id, choice))
            for choice, age in choices
        ]
        back = Button(self.t(language, "menu.back"), action(self.class_view, class_id))
        text = self.t(
            language,
            "class.age_question",
            name=escape(record.name),
            age=self._age_text(record.age, language),
        )
        return Outcome([Message(text, column(*buttons, back))], edit=True)

    @button("cg")
    async def set_age(self, person, class_id: str, choice: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if choice == WHOLE_AUDIENCE_CHOICE:
            age = WHOLE_AUDIENCE
        else:
            age = of_school_year(int(choice)) if choice.isdigit() else None
        if record is None or age is None:
            return self._stale(language)
        await self.classes.set_class_age(record.id, age)
        refreshed = await self.classes.get_class(record.id)
        return Outcome(
            [await self._class_message(refreshed, language)],
            edit=True,
            notice=self.t(language, "class.age_changed", age=self._age_text(age, language)),
        )

    @button("cl")
    async def close_prompt(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        yes = Button(self.t(language, "class.close_confirm"), action(self.close, class_id))
        no = Button(self.t(language, "delete.cancel"), action(self.class_view, class_id))
        return Outcome.say(
            self.t(language, "class.close_question", name=escape(record.name)), column(yes, no)
        )

    @button("cx")
    async def close(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        await self.classes.close_class(record.id)
        refreshed = await self.classes.get_class(record.id)
        return Outcome([await self._class_message(refreshed, language)], edit=True)
