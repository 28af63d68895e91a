"""Staff use cases: invitations and roles, classes, assignments, live class results and
facilitator mode.

Every role-protected use case answers anyone without the role exactly as it answers an
unknown command, so it reveals nothing. Class results are shown only for groups of at
least K students (never fewer than 3).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.engine.ages import (
    AUDIENCE,
    GYMNASIUM_START,
    SCHOOL_YEARS,
    WHOLE_AUDIENCE,
    ClassAge,
    is_for,
    joins_itself,
    of_school_year,
)
from bot.engine.engine import Run
from bot.engine.model import AgeRange, Scenario, Step
from bot.privacy.class_view import (
    Release,
    Tally,
    may_release,
    next_release,
    rounded_progress,
)
from bot.services.class_age import read_class_age
from bot.services.links import (
    CLASS_PREFIX,
    INVITE_PREFIX,
    deep_link,
    new_class_code,
    new_invite_token,
    token_hash,
)
from bot.services.plaintext import plain_text
from bot.services.play_session import PlaySession
from bot.services.presenter import Presenter, escape
from bot.services.routing import Audience, action, button, command
from bot.services.views import Button, Keyboard, Message, Outcome, column
from bot.storage.classes import EVALUATOR, YOUTH_WORKER, ClassRecord, ClassStore, StepAnswers

MIN_GROUP_FLOOR = 3
MAX_HANDS = 500
MAX_CLASS_NAME = 60
ROLE_WORDS = {
    "youth_worker": YOUTH_WORKER,
    "ungdomsledare": YOUTH_WORKER,
    "fritidsledare": YOUTH_WORKER,
    "evaluator": EVALUATOR,
    "utvärderare": EVALUATOR,
}
BOT_USERNAME = "bot_username"  # settings key, written at start-up

WHOLE_AUDIENCE_CHOICE = "all"  # the age button for 13–19, next to the school years


@dataclass(frozen=True)
class StaffSettings:
    admins: frozenset[str]  # pseudonyms of the configured admins
    min_group: int = 5
    class_days: int = 14
    invite_days: int = 7

    @property
    def k(self) -> int:
        return max(MIN_GROUP_FLOOR, self.min_group)


def _today() -> date:
    return datetime.now(UTC).date()


class StaffService:
    def __init__(self, catalog: Catalog, classes: ClassStore, settings: StaffSettings) -> None:
        self.catalog = catalog
        self.presenter = Presenter(catalog.locales, catalog.help)
        self.stories = PlaySession(self.presenter)
        self.classes = classes
        self.settings = settings

    def t(self, language: str, key: str, **values: object) -> str:
        return self.presenter.t(language, key, **values)

    async def _language(self, person) -> str:
        profile = await self.classes.store.get_profile(person.pseudonym)
        return (
            profile.language if profile else self.presenter.locales.pick(person.telegram_language)
        )

    def _stale(self, language: str) -> Outcome:
        return Outcome(notice=self.t(language, "play.old_button"))

    async def has_role(self, person, role: str) -> bool:
        return role in await self.classes.roles_of(person.pseudonym)

    async def roles_of(self, person) -> frozenset[str]:
        """The person's staff roles as the commands table names them (bot.services.routing)."""
        roles = await self.classes.roles_of(person.pseudonym)
        admin = {Audience.ADMIN.value} if person.pseudonym in self.settings.admins else set()
        return frozenset(roles | admin)

    async def staff_help(self, person) -> str | None:
        """Extra /help lines for staff, one paragraph per role, or None for everyone else."""
        roles = await self.roles_of(person)
        if not roles:
            return None
        language = await self._language(person)
        return "\n".join(self.t(language, f"staff.help_{a}") for a in Audience if a in roles)

    # -- invitations and roles -------------------------------------------------------

    @command("invite", Audience.ADMIN, menu=40)
    async def invite(self, person, args: list[str]) -> Outcome:
        language = await self._language(person)
        role = ROLE_WORDS.get(args[0].lower()) if args else None
        label = plain_text(" ".join(args[1:]), MAX_CLASS_NAME)
        if role is None or not label:
            return Outcome.say(self.t(language, "staff.invite_usage"))
        link, expires = await self.create_invitation(role, label)
        return Outcome.say(
            self.t(
                language,
                "staff.invite_created",
                role=self.t(language, f"role.{role}"),
                label=escape(label),
                link=link,
                expires=expires.isoformat(),
            )
        )

    async def create_invitation(self, role: str, label: str) -> tuple[str, date]:
        """Also used by `bystander invite` on the server."""
        token = new_invite_token()
        expires = _today() + timedelta(days=self.settings.invite_days)
        await self.classes.create_invitation(token_hash(token), role, label, expires)
        return deep_link(await self.bot_username(), INVITE_PREFIX + token), expires

    async def bot_username(self) -> str:
        username = await self.classes.setting(BOT_USERNAME)
        if username is None:
            raise LookupError("the bot's username is not known yet: start the bot once first")
        return username

    async def redeem(self, person, token: str, membership) -> Outcome:
        language = await self._language(person)
        if membership.too_many_wrong_codes(person.pseudonym):
            return Outcome.say(self.t(language, "class.too_many_tries"))
        grant = await self.classes.redeem_invitation(token_hash(token), person.pseudonym)
        if grant == "conflict":
            return Outcome.say(self.t(language, "staff.invite_conflict"))
        if grant is None:
            membership.note_wrong_code(person.pseudonym)
            return Outcome.say(self.t(language, "staff.invite_invalid"))
        key = (
            "staff.welcome_youth_worker"
            if grant.role == YOUTH_WORKER
            else "staff.welcome_evaluator"
        )
        return Outcome.say(self.t(language, key, label=escape(grant.label)))

    @command("roles", Audience.ADMIN, menu=41)
    async def list_roles(self, person) -> Outcome:
        language = await self._language(person)
        grants = await self.classes.active_roles()
        if not grants:
            return Outcome.say(self.t(language, "staff.no_roles"))
        lines = [self.t(language, "staff.roles_heading")]
        buttons = []
        for grant in grants:
            role = self.t(language, f"role.{grant.role}")
            lines.append(f"• {escape(grant.label)} – {role} ({grant.granted_on})")
            label = self.t(language, "staff.revoke", label=grant.label)
            buttons.append(Button(label, action(self.revoke, str(grant.id))))
        return Outcome.say("\n".join(lines), column(*buttons))

    @button("rv")
    async def revoke(self, person, grant_id: str) -> Outcome:
        language = await self._language(person)
        number = cb.number(grant_id)
        if person.pseudonym not in self.settings.admins or number is None:
            return self._stale(language)
        await self.classes.revoke_role(number)
        refreshed = await self.list_roles(person)
        return Outcome(refreshed.messages, edit=True, notice=self.t(language, "staff.revoked"))

    # -- classes --------------------------------------------------------------------------

    # Every youth-worker button goes through one of two gates, and both check the role as it
    # is now: `_owned` (a class of theirs) and `_facilitation` (their session in progress).
    # A revoked youth worker's old buttons and typed hand counts are therefore refused at
    # once; revoking also closes their classes and ends their session (ClassStore).

    async def _owned(self, person, class_id: str) -> ClassRecord | None:
        """The class, if it exists and belongs to this youth worker; None reveals nothing."""
        number = cb.number(class_id)
        if number is None or not await self.has_role(person, YOUTH_WORKER):
            return None
        found = await self.classes.get_class(number)
        return found if found and found.owner == person.pseudonym else None

    async def _facilitation(self, person):
        """The youth worker's facilitated session in progress; None for anyone else."""
        # Typed text of everyone passes here: the cheap question (a session?) goes first.
        facilitation = await self.classes.active_facilitation(person.pseudonym)
        if facilitation is None or not await self.has_role(person, YOUTH_WORKER):
            return None
        return facilitation

    @command("newclass", Audience.YOUTH_WORKER, menu=20)
    async def new_class(self, person, args: list[str]) -> Outcome:
        language = await self._language(person)
        name = plain_text(" ".join(args), MAX_CLASS_NAME)
        age = read_class_age(name)
        if age is None:
            return Outcome.say(self.t(language, "class.new_usage"))
        expires = _today() + timedelta(days=self.settings.class_days)
        record = await self.classes.create_class(
            person.pseudonym, name, new_class_code(), expires, age
        )
        created = Message(
            self.t(language, "class.created", name=escape(name), age=self._age_text(age, language))
        )
        if joins_itself(record.age):
            share = await self._share_message(record, language)
        else:
            share = Message(self.t(language, "class.facilitation_only", youngest=AUDIENCE.min))
        assign = await self._assign_message(record, language)
        return Outcome([created, share, assign])

    def _age_text(self, age: ClassAge, language: str) -> str:
        """As the youth worker gave it: "åk 8 (14 år)", "gymnasiet 1 (16 år)" or "13–16 år"."""
        year, ages = age.school_year, age.ages
        if year is None:
            return self._range_text(ages, language)
        if year < GYMNASIUM_START:
            return self.t(language, "class.age_school_year", year=year, age=ages.min)
        return self.t(
            language, "class.age_gymnasium", year=year - GYMNASIUM_START + 1, age=ages.min
        )

    def _range_text(self, ages: AgeRange, language: str) -> str:
        if ages.min == ages.max:
            return self.t(language, "class.age_one", age=ages.min)
        return self.t(language, "class.age_range", min=ages.min, max=ages.max)

    async def _share_message(self, record: ClassRecord, language: str) -> Message:
        link = deep_link(await self.bot_username(), CLASS_PREFIX + record.code)
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
        state = "" if record.is_open(_today()) else self.t(language, "class.closed_mark")
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
            if record.is_open(_today())
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
            buttons.append(Button(label, action(self.results, str(record.id), scenario.id)))
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
        if record.closed_on is None:
            buttons.append(
                Button(self.t(language, "class.close_button"), action(self.close_prompt, cid))
            )
        return Message("\n".join(lines), column(*buttons))

    def _progress(self, count: int, language: str) -> str:
        """A progress count as a youth worker sees it: in steps of K (bot/privacy/class_view.py)."""
        shown = rounded_progress(count, self.settings.k)
        if shown is None:
            return self.t(language, "class.fewer", k=self.settings.k)
        return self.t(language, "class.at_least", n=shown) if shown else "0"

    def _assigned_scenarios(self, ids: list[str]) -> list[Scenario]:
        return [self.catalog.scenarios[i] for i in ids if i in self.catalog.scenarios]

    # -- assignments -----------------------------------------------------------------------

    @button("as")
    async def assignments(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None:
            return self._stale(language)
        return Outcome([await self._assign_message(record, language)])

    async def _assign_message(self, record: ClassRecord, language: str) -> Message:
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

    def _by_fit(
        self, scenarios: Iterable[Scenario], age: ClassAge, language: str
    ) -> list[Scenario]:
        """The scenarios written for the class's age first, each group by title."""
        return sorted(scenarios, key=lambda s: (not is_for(s.age, age), s.title.get(language)))

    def _scenario_label(self, scenario: Scenario, age: ClassAge, language: str) -> str:
        """The title, and a warning with the scenario's ages when it is not for the class."""
        title = scenario.title.get(language)
        if is_for(scenario.age, age):
            return title
        return self.t(
            language,
            "class.unfit_label",
            title=title,
            ages=self._range_text(scenario.age, language),
        )

    def _unfit_warning(
        self, scenario: Scenario, age: ClassAge, language: str, key: str = "class.unfit_warning"
    ) -> str:
        return self.t(
            language,
            key,
            ages=self._range_text(scenario.age, language),
            age=self._age_text(age, language),
        )

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
        message = await self._assign_message(record, language)
        return Outcome([message], edit=True, notice=warning)

    # -- a class's age ----------------------------------------------------------------------

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

    # -- results ---------------------------------------------------------------------------

    @button("cr")
    async def results(self, person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        if record is None or scenario is None:
            return self._stale(language)
        students = await self._released(record, scenario)
        hands = await self.classes.facilitated_answers(record.id, scenario.id)
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
                counts = self._shown(step, shown)
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
        back = Button(self.t(language, "menu.back"), action(self.class_view, str(record.id)))
        return Outcome([Message("\n".join(lines)[:4000], column(*buttons, refresh, back))])

    async def _released(self, record: ClassRecord, scenario: Scenario) -> dict[str, Release]:
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

    def _shown(self, step: Step, answers: Release | StepAnswers | None) -> dict | None:
        """Each choice's count as shown (None where hidden), or None when nothing is shown.

        Students' answers follow the release rules; a show of hands is counted aloud in the
        room, so only the K threshold applies to it."""
        if isinstance(answers, Release):
            return {c.id: answers.shown.get(c.id, 0) for c in step.choices}
        if answers is None or answers.students < self.settings.k:
            return None
        return {c.id: answers.counts.get(c.id, 0) for c in step.choices}

    @staticmethod
    def _total(answers: Release | StepAnswers) -> int:
        return answers.tally.total if isinstance(answers, Release) else answers.students

    def _steps(self, scenario: Scenario) -> list[Step]:
        return list(scenario.steps.values())

    def _step_name(
        self, scenario: Scenario, step: Step, language: str, *, short: bool = False
    ) -> str:
        phase = self.presenter.phase_heading(step.phase, language)
        number = [s.id for s in scenario.steps_in(step.phase)].index(step.id) + 1
        if short:
            return f"{phase} {number}"
        text = " ".join(step.text.get(language).split())
        return f"{phase} {number}: {escape(text[:60])}…"

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
        total = self._total(answers)
        rows = [self.t(language, "class.answered", source=source, n=total)]
        hidden = self.t(language, "class.hidden")
        rows += [
            _share_line(c.label.get(language), counts[c.id], total, hidden) for c in step.choices
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
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        steps = self._steps(scenario) if scenario else []
        if record is None or not index.isdigit() or int(index) >= len(steps):
            return self._stale(language)
        step = steps[int(index)]
        if not hands:
            answers = (await self._released(record, scenario)).get(step.id)
        else:
            answers = (await self.classes.facilitated_answers(record.id, scenario.id)).get(step.id)
        counts = self._shown(step, answers)
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
            total_label=self.t(language, "chart.total", n=self._total(answers)),
            facilitated_note=self.t(language, "chart.hands") if hands else None,
            total=self._total(answers),
            hidden_label=self.t(language, "chart.hidden"),
        )
        caption = self._step_name(scenario, step, language)
        # Rendering takes a few tenths of a second: keep the event loop serving others.
        photo = await asyncio.to_thread(charts.render_choice_chart, chart)
        return Outcome([Message(caption, photo=photo)])

    # -- facilitator mode -------------------------------------------------------------------

    @command("facilitate", Audience.YOUTH_WORKER, menu=22)
    async def facilitate(self, person) -> Outcome:
        language = await self._language(person)
        records = [
            r for r in await self.classes.classes_of(person.pseudonym) if r.is_open(_today())
        ]
        if not records:
            return Outcome.say(self.t(language, "class.none"))
        buttons = [Button(r.name, action(self.facilitate_class, str(r.id))) for r in records]
        return Outcome.say(self.t(language, "facilitate.pick_class"), column(*buttons))

    @button("fc")
    async def facilitate_class(self, person, class_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        if record is None or not record.is_open(_today()):
            return self._stale(language)
        scenarios = self._assigned_scenarios(await self.classes.assigned(record.id))
        if not scenarios:
            return Outcome([await self._assign_message(record, language)], close_buttons=True)
        buttons = [
            Button(
                self._scenario_label(s, record.age, language),
                action(self.facilitate_start, class_id, s.id),
            )
            for s in self._by_fit(scenarios, record.age, language)
        ]
        return Outcome.say(
            self.t(language, "facilitate.pick_scenario"), column(*buttons), close_buttons=True
        )

    @button("fs")
    async def facilitate_start(self, person, class_id: str, scenario_id: str) -> Outcome:
        record = await self._owned(person, class_id)
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(scenario_id)
        if (
            record is None
            or scenario is None
            or not record.is_open(_today())
            or scenario.id not in await self.classes.assigned(record.id)
        ):
            return self._stale(language)
        run = self.stories.start(scenario)
        state = {"run": run.to_json(), "awaiting": "counts"}
        await self.classes.start_facilitation(
            record.id, person.pseudonym, scenario.id, scenario.version, state
        )
        intro = self.t(language, "facilitate.started", name=escape(record.name))
        if not is_for(scenario.age, record.age):
            # Allowed: the youth worker knows the group; the warning says what they chose.
            warning = self._unfit_warning(scenario, record.age, language, "facilitate.unfit")
            intro = f"{warning}\n\n{intro}"
        return Outcome(
            [Message(intro), self._count_prompt(scenario, run, language, heading=True)],
            close_buttons=True,
        )

    def _count_prompt(
        self, scenario: Scenario, run: Run, language: str, *, heading: bool
    ) -> Message:
        step = self.stories.step(scenario, run)
        options = "\n".join(
            f"{n}. {escape(c.label.get(language))}" for n, c in enumerate(step.choices, 1)
        )
        ask = self.t(
            language,
            "facilitate.enter_counts",
            n=len(step.choices),
            example=" ".join(str(n + 2) for n in range(len(step.choices))),
        )
        text = self.stories.step_text(step, language, heading=heading)
        return Message(f"{text}\n\n{options}\n\n{ask}")

    async def hand_counts(self, person, text: str) -> Outcome | None:
        """Typed hand counts during a facilitated session; None when none is waiting."""
        facilitation = await self._facilitation(person)
        if facilitation is None or facilitation.state.get("awaiting") != "counts":
            return None
        language = await self._language(person)
        scenario = self.catalog.scenarios.get(facilitation.scenario_id)
        run = Run.from_json(facilitation.state["run"])
        if scenario is None or scenario.version != run.version:
            return Outcome.say(self.t(language, "play.gone"))
        step = self.stories.step(scenario, run)
        counts = _parse_counts(text, len(step.choices))
        if counts is None:
            return Outcome.say(
                self.t(
                    language,
                    "facilitate.bad_counts",
                    n=len(step.choices),
                    example=" ".join("3" for _ in step.choices),
                )
            )
        state = {**facilitation.state, "awaiting": "follow"}
        await self.classes.save_facilitation(
            facilitation.id, state, self.stories.totals(step, counts)
        )
        lines = [self.t(language, "facilitate.counted", n=sum(counts))]
        lines += [
            _share_line(c.label.get(language), hands, sum(counts))
            for c, hands in zip(step.choices, counts, strict=True)
        ]
        lines.append(self.t(language, "facilitate.which"))
        return Outcome.say(
            "\n".join(lines), self._follow_buttons(step, counts, facilitation.id, language)
        )

    def _follow_buttons(
        self, step: Step, counts: list[int], facilitation_id: int, language: str
    ) -> Keyboard:
        """A button per option, the most chosen first and marked: the story follows the
        room, and the youth worker may still take another path to talk about."""
        most = self.stories.most_chosen(step, counts)
        buttons = []
        for index, choice in sorted(enumerate(step.choices), key=lambda c: c[1] not in most):
            label = choice.label.get(language)
            if choice in most:
                label = self.t(language, "facilitate.most_chosen", label=label)
            buttons.append(Button(label, action(self.follow, str(facilitation_id), str(index))))
        return column(*buttons)

    @button("ff")
    async def follow(self, person, facilitation_id: str, index: str) -> Outcome:
        language = await self._language(person)
        facilitation = await self._facilitation(person)
        if (
            facilitation is None
            or str(facilitation.id) != facilitation_id
            or facilitation.state.get("awaiting") != "follow"
            or not index.isdigit()
        ):
            return self._stale(language)
        scenario = self.catalog.scenarios.get(facilitation.scenario_id)
        run = Run.from_json(facilitation.state["run"])
        step = self.stories.step(scenario, run) if scenario else None
        if step is None or int(index) >= len(step.choices):
            return self._stale(language)
        record = await self.classes.get_class(facilitation.class_id)
        turn = self.stories.choose(scenario, run, step.choices[int(index)].id, language, record.age)
        state = {"run": run.to_json(), "awaiting": "counts"}
        await self.classes.save_facilitation(facilitation.id, state, finished=run.finished)
        feedback = Message(turn.feedback)
        if turn.finished:
            done = Message(self.t(language, "facilitate.done"))
            return Outcome([feedback, Message(turn.debrief), done], close_buttons=True)
        next_prompt = self._count_prompt(scenario, run, language, heading=turn.heading)
        return Outcome([feedback, next_prompt], close_buttons=True)


_NUMBERS = re.compile(r"\d+")


def _share_line(label: str, count: int | None, total: int, hidden: str = "") -> str:
    if count is None:
        return f"  • {escape(label)}: {hidden}"
    share = round(100 * count / total) if total else 0
    return f"  • {escape(label)}: {count} ({share} %)"


def _parse_counts(text: str, expected: int) -> list[int] | None:
    if re.search(r"[^\d\s,;]", text):
        return None
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if len(numbers) != expected or any(n > MAX_HANDS for n in numbers):
        return None
    return numbers
