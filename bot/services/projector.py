"""The projector page: a lesson as the classroom's screen shows it, live.

A youth worker (or their mentor, for what the room sees) asks for a link in Telegram; it
works until the lesson ends, or until they stop it, on any browser without an account.
The page shows what the youth worker's Telegram views may show and nothing more: the
students' answers as released under the class view's rules (bot/privacy/class_view.py),
a room's hand counts and a group's poll totals only from K answers on, progress in steps
of K. A youth worker's mentor, who may lead but never see the class's answers, gets a link
only for lessons in the room or the group, which show what the room saw anyway.

The link is a signed random token (bot.services.web_tokens); the database keeps only its
digest, with the lesson and the person it was made for, both checked again on every view.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.catalog import Catalog
from bot.engine.ages import AgeBand, joins_itself
from bot.engine.model import Scenario, Step
from bot.services import class_results
from bot.services.play_state import PlayState
from bot.services.presenter import escape
from bot.services.routing import action, button
from bot.services.staff import StaffDesk, StaffSettings, percent, utc_today
from bot.services.views import Button, Outcome, column
from bot.services.web_access import WebPerson
from bot.services.web_tokens import digest_of, new_token
from bot.storage.ports import LessonStore, StaffStore, WebStore
from bot.storage.records import GROUP, PHONES, PROJECTOR, ClassRecord, Lesson, WebToken

STREAMS_PER_LINK = 4  # browsers showing one link at once (a new one ends the oldest)


@dataclass(frozen=True)
class Bar:
    """One option as the screen shows it: its count and share, None where hidden."""

    label: str
    strategy: str
    count: int | None
    share: int | None
    verdict: str = ""  # after a room's vote: helpful, partly, harmful
    feedback: str = ""


@dataclass(frozen=True)
class StepPanel:
    heading: str  # "Före 1"
    text: str  # the situation
    status: str  # how many answered, or why nothing is shown yet
    bars: tuple[Bar, ...]  # empty while nothing is shown
    options: tuple[str, ...] = ()  # while a room or group votes: the options, no numbers
    discussion: str = ""  # a question for the room (Telegram-flavoured: <b> only)


@dataclass(frozen=True)
class JoinPanel:
    link: str  # the class's join link, drawn as a QR code by the page


@dataclass(frozen=True)
class ProjectorPage:
    language: str
    title: str  # the class's name
    scenario: str  # the scenario's title, or ""
    mode: str
    steps: tuple[StepPanel, ...]
    progress: tuple[str, ...] = ()
    join: JoinPanel | None = None
    note: str = ""  # what the room waits for
    hidden_note: str = ""  # what "hidden" means, beside a step with hidden counts


@dataclass(frozen=True)
class Closed:
    """Why a link shows nothing: it never worked, was stopped, or its lesson ended."""

    language: str
    key: str  # web.link_gone | web.lesson_ended


class ProjectorService(StaffDesk):
    def __init__(
        self,
        catalog: Catalog,
        classes: StaffStore,
        settings: StaffSettings,
        lessons_store: LessonStore,
        web: WebStore,
        results: class_results.ClassResults,
        token_key: bytes,
        public_url: str,
    ) -> None:
        super().__init__(catalog, classes, settings)
        self.lessons = lessons_store
        self.web = web
        self.results = results
        self._key = token_key
        self.public_url = public_url

    # -- in Telegram ------------------------------------------------------------------------

    @button("pj")
    async def open(self, person, class_id: str) -> Outcome:
        """A link to the projector page of the class's lesson going on."""
        language = await self._language(person)
        record = await self._led(person, class_id)
        if record is None:
            return self._stale(language)
        if not self.public_url:
            return Outcome.say(self.t(language, "projector.web_off"))
        lesson = await self.lessons.open_lesson_of_class(record.id)
        if lesson is None:
            return Outcome.say(self.t(language, "projector.no_lesson", name=escape(record.name)))
        if not await self._may_show(person, record, lesson):
            return Outcome.say(self.t(language, "projector.not_yours"))
        token, digest = new_token(self._key, PROJECTOR)
        page_language = self.presenter.locales.for_everyone(language)
        await self.web.save_token(
            digest,
            WebToken(PROJECTOR, person.pseudonym, lesson.ends_at, lesson.id, page_language),
        )
        stop = Button(self.t(language, "projector.stop"), action(self.stop, str(lesson.id)))
        text = self.t(language, "projector.link", link=f"{self.public_url}/p/{token}")
        if lesson.mode == PHONES and record.age.ages.max <= AgeBand.UP_TO_15.ages.max:
            # Nothing is saved for them: the screen would wait for answers that never come.
            text += "\n\n" + self.t(language, "projector.young")
        return Outcome.say(text, column(stop))

    @button("px")
    async def stop(self, person, lesson_id: str) -> Outcome:
        """Every projector link of the lesson stops working at once."""
        language = await self._language(person)
        lesson = await self._lesson(lesson_id)
        if lesson is None or await self._led(person, str(lesson.class_id)) is None:
            return self._stale(language)
        await self.web.revoke_lesson_links(lesson.id)
        return Outcome(notice=self.t(language, "projector.stopped"), close_buttons=True)

    async def _may_show(self, person, record: ClassRecord, lesson: Lesson) -> bool:
        """Students' own answers are the youth worker's to see; the room's, its leaders'."""
        if lesson.mode == PHONES:
            return record.owner == person.pseudonym and await self._owned(person, str(record.id))
        return True

    async def _lesson(self, lesson_id: str) -> Lesson | None:
        return await self.lessons.get_lesson(int(lesson_id)) if lesson_id.isdigit() else None

    # -- on the web ---------------------------------------------------------------------------

    async def page(self, token: str) -> ProjectorPage | Closed:
        """What the link shows now; checked in full every time (the stream asks again)."""
        fallback = Closed(self.presenter.locales.pick(None), "web.link_gone")
        digest = digest_of(self._key, PROJECTOR, token)
        found = await self.web.token(digest) if digest else None
        if found is None or found.lesson_id is None:
            return fallback
        closed = Closed(found.language, "web.link_gone")
        lesson = await self.lessons.get_lesson(found.lesson_id)
        record = await self.classes.get_class(lesson.class_id) if lesson else None
        holder = WebPerson(found.holder)  # the person the link was made for
        if lesson is None or record is None or await self._led(holder, str(record.id)) is None:
            return closed
        if not await self._may_show(holder, record, lesson):
            return closed
        if not lesson.is_open(self.lessons.now()) or not record.is_open(utc_today()):
            return Closed(found.language, "web.lesson_ended")
        if lesson.mode == PHONES:
            return await self._phones_page(record, lesson, found.language)
        return await self._room_page(record, lesson, found.language)

    async def _phones_page(
        self, record: ClassRecord, lesson: Lesson, language: str
    ) -> ProjectorPage:
        scenario = self.catalog.scenarios.get(lesson.scenario_id or "")
        base = ProjectorPage(language, record.name, "", lesson.mode, ())
        if scenario is None:
            return base
        released = await self.results.released(record, scenario)
        # The steps with answers to show, in the story's order: a branch nobody has reached
        # yet stays off the screen; before any, the first step waits for its answers.
        shown = [s for s in self._steps(scenario) if s.id in released] or self._steps(scenario)[:1]
        steps = tuple(
            self._released_panel(scenario, step, released.get(step.id), language) for step in shown
        )
        return ProjectorPage(
            language,
            record.name,
            scenario.title.get(language),
            lesson.mode,
            steps,
            await self._progress_lines(record, scenario, language),
            await self._join_panel(record),
            hidden_note=self.t(language, "web.release_note", k=self.settings.k),
        )

    def _released_panel(self, scenario: Scenario, step: Step, release, language: str) -> StepPanel:
        counts = self.results.shown(step, release)
        heading, text = self._heading(scenario, step, language), self._step_line(step, language)
        if counts is None:
            return StepPanel(heading, text, self.t(language, "web.too_few", k=self.settings.k), ())
        total = self.results.total(release)
        bars = tuple(
            Bar(
                c.label.get(language),
                self.presenter.strategy_name(c.strategy, language),
                counts[c.id],
                percent(counts[c.id], total),
            )
            for c in step.choices
        )
        first_of_phase = scenario.steps_in(step.phase)[0].id == step.id
        discussion = f"group.discuss.{step.phase}" if first_of_phase else "group.discuss.again"
        return StepPanel(
            heading,
            text,
            self.t(language, "web.answered_students", n=total),
            bars,
            discussion=self.t(language, discussion),
        )

    async def _room_page(self, record: ClassRecord, lesson: Lesson, language: str) -> ProjectorPage:
        """In the room or the group: the step the story is at, its vote when it is in."""
        play = await self.lessons.play_of_lesson(lesson.id)
        scenario = self.catalog.scenarios.get(play.scenario_id) if play else None
        waiting = "web.wait_group" if lesson.mode == GROUP else "web.wait_room"
        if play is None or scenario is None or scenario.version != play.version:
            note = self.t(language, waiting)
            return ProjectorPage(language, record.name, "", lesson.mode, (), note=note)
        title = scenario.title.get(language)
        if play.finished:
            note = self.t(language, "web.scenario_done")
            return ProjectorPage(language, record.name, title, lesson.mode, (), note=note)
        panel = self._vote_panel(scenario, PlayState.of(play), lesson.mode, language)
        return ProjectorPage(language, record.name, title, lesson.mode, (panel,))

    def _vote_panel(
        self, scenario: Scenario, state: PlayState, mode: str, language: str
    ) -> StepPanel:
        step, counts = self.stories.step(scenario, state.run), state.shown_counts
        heading, text = self._heading(scenario, step, language), self._step_line(step, language)
        if counts is None or len(counts) != len(step.choices):
            vote = self.t(language, "web.vote_group" if mode == GROUP else "web.vote_room")
            options = tuple(c.label.get(language) for c in step.choices)
            return StepPanel(heading, text, vote, (), options=options)
        text = ""  # the room has read the situation: its counts and feedback need the room
        total = sum(counts)
        # Counted aloud in the room (or polled in its group): only the K threshold applies,
        # as in the youth worker's class results (bot.services.class_results).
        shown = total >= self.settings.k
        bars = tuple(
            Bar(
                c.label.get(language),
                self.presenter.strategy_name(c.strategy, language),
                n if shown else None,
                percent(n, total) if shown else None,
                self.t(language, f"assessment.{c.assessment}"),
                c.feedback.get(language),
            )
            for c, n in zip(step.choices, counts, strict=True)
        )
        answered = "web.answered_votes" if mode == GROUP else "web.answered_hands"
        status = (
            self.t(language, answered, n=total)
            if shown
            else self.t(language, "web.too_few", k=self.settings.k)
        )
        question = self.t(language, self.stories.discussion_key(scenario, step, state.run))
        return StepPanel(heading, text, status, bars, discussion=question)

    async def _progress_lines(
        self, record: ClassRecord, scenario: Scenario, language: str
    ) -> tuple[str, ...]:
        staff = self.settings.admins
        progress = {p.scenario_id: p for p in await self.classes.progress(record.id, staff)}
        # Not how many joined: on the class's screen that would press the rest to join too.
        return (self._progress_line(progress.get(scenario.id), language),)

    async def _join_panel(self, record: ClassRecord) -> JoinPanel | None:
        if not joins_itself(record.age):
            return None
        return JoinPanel(await self._join_link(record))

    def _heading(self, scenario: Scenario, step: Step, language: str) -> str:
        return self._step_name(scenario, step, language, short=True)
