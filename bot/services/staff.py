"""What every staff capability shares: settings, texts, the person's language, the role
gates and how classes, ages and steps are named.

Each capability (roles, classes, class results, facilitator mode, lessons) is a service of
its own built on `StaffDesk`. Every role-protected command is gated by the router
(bot.services.routing), and every staff button by `_owned` or `_led` here, which check the
role as it is now: a revoked youth worker's (or mentor's) old buttons are refused at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.content.catalog import Catalog
from bot.engine import callback_data as cb
from bot.engine.ages import GYMNASIUM_START, ClassAge, is_for
from bot.engine.model import AgeRange, Scenario, Step
from bot.privacy.class_view import rounded_progress
from bot.services.links import CLASS_PREFIX, deep_link
from bot.services.play_session import PlaySession
from bot.services.presenter import Presenter, escape
from bot.services.routing import Audience, action
from bot.services.views import Button, Keyboard, Outcome, column
from bot.storage.ports import StaffStore
from bot.storage.records import (
    EVALUATOR,
    MENTOR,
    RESEARCHER,
    YOUTH_WORKER,
    ClassRecord,
    ScenarioProgress,
)

MIN_GROUP_FLOOR = 3
MAX_HANDS = 500  # a room's count of one option: more is a typing slip (or a forwarded poll)
MAX_CLASS_NAME = 60
ROLE_WORDS = {
    "youth_worker": YOUTH_WORKER,
    "ungdomsledare": YOUTH_WORKER,
    "fritidsledare": YOUTH_WORKER,
    "evaluator": EVALUATOR,
    "utvärderare": EVALUATOR,
    "mentor": MENTOR,
    "researcher": RESEARCHER,
    "forskare": RESEARCHER,
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


def utc_today() -> date:
    return datetime.now(UTC).date()


class StaffDesk:
    """Shared by the staff services; holds no use case of its own."""

    def __init__(self, catalog: Catalog, classes: StaffStore, settings: StaffSettings) -> None:
        self.catalog = catalog
        self.presenter = Presenter(catalog.locales, catalog.help)
        self.stories = PlaySession(self.presenter)
        self.classes = classes
        self.settings = settings

    def t(self, language: str, key: str, **values: object) -> str:
        return self.presenter.t(language, key, **values)

    async def _language(self, person) -> str:
        """The person's language; a draft one only for staff in their own chat, since what
        is posted in a group is read by young people (a role is looked up only then)."""
        language = await self.classes.language_of(person.pseudonym)
        locales = self.presenter.locales
        if language and locales.is_offered(language):
            return language
        if language in locales.drafts and person.group is None and await self.roles_of(person):
            return language
        return locales.pick(person.telegram_language)

    def _progress(self, count: int, language: str) -> str:
        """A progress count as a youth worker sees it: in steps of K (bot/privacy/class_view.py)."""
        shown = rounded_progress(count, self.settings.k)
        if shown is None:
            return self.t(language, "class.fewer", k=self.settings.k)
        return self.t(language, "class.at_least", n=shown) if shown else "0"

    def _stale(self, language: str) -> Outcome:
        return Outcome(notice=self.t(language, "play.old_button"))

    async def bot_username(self) -> str:
        username = await self.classes.setting(BOT_USERNAME)
        if username is None:
            raise LookupError("the bot's username is not known yet: start the bot once first")
        return username

    async def has_role(self, person, role: str) -> bool:
        return role in await self.classes.roles_of(person.pseudonym)

    async def roles_of(self, person) -> frozenset[str]:
        """The person's staff roles as the commands table names them (bot.services.routing)."""
        roles = await self.classes.roles_of(person.pseudonym)
        admin = {Audience.ADMIN.value} if person.pseudonym in self.settings.admins else set()
        return frozenset(roles | admin)

    # Every youth-worker or mentor button goes through one of these gates, and each checks
    # the roles as they are now: `_owned` (a class of theirs: the class view, results,
    # charts), `_led` (a class they may lead: facilitator mode, lessons) and the
    # facilitator's session in progress (bot.services.facilitation, through `_led`). A
    # revoked youth worker's or mentor's old buttons and typed hand counts are therefore
    # refused at once; revoking also closes the classes, revokes the mentors and ends the
    # sessions (bot.storage.sqlite.roles.strip_powers).

    async def _led(self, person, class_id: str) -> ClassRecord | None:
        """The class, if this person may lead it (in a lesson or facilitator mode): a youth
        worker their own classes, a mentor those of the youth worker who invited them. None
        reveals nothing. Leading shows what the room sees, never the class's answers (those
        stay behind `_owned`)."""
        number = cb.number(class_id)
        found = await self.classes.get_class(number) if number is not None else None
        if found is None:
            return None
        return found if found.owner in await self._leaders_for(person) else None

    async def _leadable(self, person) -> list[ClassRecord]:
        """Every class this person may lead."""
        return [
            r
            for owner in await self._leaders_for(person)
            for r in await self.classes.classes_of(owner)
        ]

    async def _leaders_for(self, person) -> set[str]:
        """Whose classes the person may lead, by their roles as they are now."""
        roles = await self.classes.roles_of(person.pseudonym)
        owners = {person.pseudonym} if YOUTH_WORKER in roles else set()
        if MENTOR in roles:
            inviter = await self.classes.inviter_of(person.pseudonym)
            if inviter is not None and YOUTH_WORKER in await self.classes.roles_of(inviter):
                owners.add(inviter)
        return owners

    def _follow_buttons(
        self, step: Step, counts: list[int], follow: Callable, play_id: int, language: str
    ) -> Keyboard:
        """A button per option for the leader, the most chosen first and marked: the story
        follows the room, and the leader may still take another path to talk about."""
        most = self.stories.most_chosen(step, counts)
        buttons = []
        for index, choice in sorted(enumerate(step.choices), key=lambda c: c[1] not in most):
            label = choice.label.get(language)
            if choice in most:
                label = self.t(language, "facilitate.most_chosen", label=label)
            buttons.append(Button(label, action(follow, str(play_id), str(index))))
        return column(*buttons)

    async def _assigned_to(self, record: ClassRecord | None, scenario_id: str) -> Scenario | None:
        """The scenario, if the class is open and has it assigned: what every way of playing
        with a class checks before it starts (a button may be old or forged)."""
        scenario = self.catalog.scenarios.get(scenario_id)
        if record is None or scenario is None or not record.is_open(utc_today()):
            return None
        return scenario if scenario.id in await self.classes.assigned(record.id) else None

    async def _owned(self, person, class_id: str) -> ClassRecord | None:
        """The class, if it exists and belongs to this youth worker; None reveals nothing."""
        number = cb.number(class_id)
        if number is None or not await self.has_role(person, YOUTH_WORKER):
            return None
        found = await self.classes.get_class(number)
        return found if found and found.owner == person.pseudonym else None

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

    def _assigned_scenarios(self, ids: list[str]) -> list[Scenario]:
        return [self.catalog.scenarios[i] for i in ids if i in self.catalog.scenarios]

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

    def _steps(self, scenario: Scenario) -> list[Step]:
        return list(scenario.steps.values())

    def _step_name(
        self, scenario: Scenario, step: Step, language: str, *, short: bool = False
    ) -> str:
        phase = self.presenter.phase_heading(step.phase, language)
        number = [s.id for s in scenario.steps_in(step.phase)].index(step.id) + 1
        if short:
            return f"{phase} {number}"
        return f"{phase} {number}: {escape(self._step_line(step, language)[:60])}…"

    @staticmethod
    def _step_line(step: Step, language: str) -> str:
        """A step's situation on one line, as a list or a screen shows it."""
        return " ".join(step.text.get(language).split())

    async def _join_link(self, record: ClassRecord) -> str:
        """The class's join link (deep link to the bot with its code)."""
        return deep_link(await self.bot_username(), CLASS_PREFIX + record.code)

    def _progress_line(self, progress: ScenarioProgress | None, language: str) -> str:
        """Started and finished of one scenario, in steps of K, for a page."""
        return self.t(
            language,
            "web.progress",
            started=self._progress(progress.started if progress else 0, language),
            finished=self._progress(progress.finished if progress else 0, language),
        )


def percent(count: int | None, total: int) -> int | None:
    """A count's share of the total in whole per cent; None for a hidden count."""
    return None if count is None else round(100 * count / total) if total else 0


def share_line(label: str, count: int | None, total: int, hidden: str = "") -> str:
    if count is None:
        return f"  • {escape(label)}: {hidden}"
    return f"  • {escape(label)}: {count} ({percent(count, total)} %)"
