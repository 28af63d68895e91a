"""The storage ports: what services may ask of storage, one small protocol per capability.

Services and the Telegram layer depend on these protocols only; bot/bootstrap.py picks the
backend that implements them (bot.storage.sqlite or bot.storage.postgres; for unsaved play
bot.storage.memory, or bot.storage.postgres.unsaved when several workers share PostgreSQL).
Each docstring is the contract a backend keeps, including what the SQLCipher backend does
with SQL triggers: another backend must do the same, with triggers or without. The
contract suite in tests/storage/contract/ runs against every backend.

Common to every port: a person appears only as a pseudonym; every write is one transaction,
committed (and durable) before the method returns, so the bot may answer as soon as it
does; "today" and "now" are the backend's clock (UTC), which tests may set.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from bot.engine.ages import WHOLE_AUDIENCE, ClassAge
from bot.evaluation.data import Filters, ReportData
from bot.privacy.class_view import Release
from bot.storage.records import (
    ChoiceRecord,
    ClassPoll,
    ClassQuestions,
    ClassRecord,
    CountRow,
    DueMessage,
    ExportFacts,
    FollowUpState,
    GroupChat,
    Lesson,
    Play,
    PollLink,
    Profile,
    PurgeSummary,
    ResearchExport,
    ResearchRow,
    RoleGrant,
    ScenarioProgress,
    StepAnswers,
    SurveyState,
    UserData,
    WebToken,
)

RunState = dict[str, Any]  # the engine's Run.to_json(): keys "run", "scenario", "version", …


class Lifecycle(Protocol):
    """A backend is opened once before use and closed once at the end."""

    # Called with the seconds each write took (metrics); None: not measured.
    write_timer: Callable[[float], None] | None

    @property
    def is_open(self) -> bool: ...

    async def initialize(self) -> None:
        """Open (creating or migrating what the backend keeps); refuses to start when the
        backend cannot be used (wrong key, newer schema, nothing there when told not to
        create). Every other method refuses before this."""

    async def close(self) -> None:
        """Close; nothing is lost, and a later `initialize` opens it again."""


class PlayerStore(Protocol):
    """A young person's profile and runs: what playing needs. The SQLCipher backend keeps
    those who agreed to saving; the memory backend those who did not, forgetting them on
    restart and after a while, and never keeping a choice."""

    async def get_profile(self, user: str) -> Profile | None:
        """The profile as last saved; None for a person never saved (or deleted)."""

    async def save_profile(self, profile: Profile) -> None:
        """Create or replace the profile. A saving backend refuses (ValueError) a profile
        whose consent is not CONSENT_SAVE: people who said no to saving get no rows. A
        saved profile records today as the person's first (once) and last activity."""

    async def get_active_run(self, user: str) -> RunState | None:
        """The run in progress, as last stored by `start_run` or `save_progress`."""

    async def start_run(self, user: str, run: RunState, class_id: int | None = None) -> None:
        """Record a new run and make it the active run, replacing any other (which stays
        recorded, unfinished). A saving backend also:
        - refuses an unknown person (UnknownUser) and writes nothing;
        - counts today as the person's activity;
        - marks the run a replay when `run` has "replay_of", and a first play when it is
          not a replay and the person has no other run of the scenario (reports count
          first and later plays);
        - gives it its report class: the class of the person's first run in the run's
          calendar month (None when that run was outside classes), so a person counts in
          one class a month;
        - keeps `class_id` (a run played as a member of that class) for class results."""

    async def save_progress(
        self, user: str, run: RunState, choice: ChoiceRecord | None, finished: bool
    ) -> None:
        """Store the run's new state and the choice made (if any) together, or neither.
        Refuses a choice of another run (ValueError). A saving backend also refuses an
        unknown person (UnknownUser) and a run never started (ValueError); counts today as
        activity; adds the choice to its run's tally (answers, and helpful answers: those
        assessed "helpful"). When `finished`: the run is finished today (the first time
        only), it stops being active, and it becomes the person's last finished run
        (`get_finished_run`); otherwise it is the active run."""

    async def clear_active_run(self, user: str) -> None:
        """Forget the run in progress (it stays recorded, unfinished); nothing happens for
        an unknown person."""

    async def get_finished_run(self, user: str) -> RunState | None:
        """The state of the person's last finished run, which a replay starts from."""

    async def describe_user(self, user: str) -> UserData | None:
        """Everything kept about the person, summarised (/mydata); None when nothing is."""

    async def delete_user(self, user: str) -> int:
        """Erase everything kept under the pseudonym and return how many records that was
        (0: nothing). A saving backend removes the profile, runs, choices, memberships,
        answers and follow-ups, and the person's staff rows: roles (what they gave ends as
        on revocation, see `RoleStore.revoke_role`), classes with their lessons and polls,
        sessions, command menu, invitations they made; no row keeps them as inviter. The
        deletion is logged so that restoring an older backup deletes them again."""


class UnsavedMemory(Protocol):
    """What class membership keeps of people who play without saving (or have not answered
    the consent question yet): the class they joined by link, and their wrong join codes
    and invitations, which are limited. Kept as unsaved play is: a class is forgotten once
    unused for `bounded.MAX_IDLE_S`, a wrong code once older than the window the memory was
    built with."""

    async def remember_class(self, user: str, class_id: int) -> None:
        """Remember the class, replacing any other."""

    async def recall_class(self, user: str) -> int | None:
        """The class remembered (None: none, or forgotten); recalling counts as a use."""

    async def forget_class(self, user: str) -> None: ...

    async def note_wrong_code(self, user: str) -> None:
        """Count a wrong join code or invitation, now."""

    async def wrong_codes(self, user: str) -> int:
        """How many wrong codes the person tried within the window."""


class SettingsStore(Protocol):
    async def set_setting(self, key: str, value: str) -> None:
        """Create or replace a setting (e.g. the bot's username, for links)."""

    async def setting(self, key: str) -> str | None: ...


class RoleStore(Protocol):
    """Staff roles (youth worker, evaluator, mentor), their invitations and mentors."""

    async def create_invitation(
        self,
        token_hash: str,
        role: str,
        label: str,
        expires_on: date,
        invited_by: str | None = None,
    ) -> None:
        """`invited_by`: the youth worker who invites a mentor (None: an admin invites)."""

    async def redeem_invitation(
        self, token_hash: str, user: str
    ) -> RoleGrant | Literal["conflict"] | None:
        """Grant the invitation's role once (granted today); None when unknown, used or
        expired (an invitation is valid through its expiry day). "conflict", the invitation
        staying unused, when the person holds another active role, or is already the
        mentor of another youth worker."""

    async def grant_role(self, user: str, role: str, label: str) -> None: ...

    async def roles_of(self, user: str) -> set[str]:
        """The person's active (not revoked) roles."""

    async def grant_of(self, user: str, role: str) -> RoleGrant | None:
        """The person's latest active grant of the role (None: they hold none)."""

    async def active_roles(self) -> list[RoleGrant]:
        """Every active grant, oldest first; a mentor's with the label of the active youth
        worker grant of the person who invited them."""

    async def revoke_role(self, grant_id: int) -> bool:
        """Revoke an active grant (False: unknown or already revoked). When it was the
        person's last active grant of a role, in the same transaction: a youth worker's
        classes close, their unused mentor invitations are deleted and the mentors they
        invited lose their role (and with it the same); the sessions and lessons of a
        youth worker or mentor left without a leading role end (with their plays), as do
        the lessons of the classes that closed; everyone who lost a grant has a set
        command menu marked RESET_MENU."""

    async def mentors_of(self, youth_worker: str) -> list[RoleGrant]:
        """The active mentor grants of the people `youth_worker` invited."""

    async def inviter_of(self, mentor: str) -> str | None:
        """The youth worker whose active mentor the person is (None: none, or an admin's)."""

    async def language_of(self, user: str) -> str | None:
        """The language of the person's saved profile (None: no profile), for staff texts."""


class MenuStore(Protocol):
    """The command menu the bot set in a person's private chat."""

    async def menu_and_roles(self, user: str) -> tuple[str | None, set[str]]:
        """The stored menu ('' for none, RESET_MENU after a revocation, None when never
        set) and the person's active roles, read together."""

    async def set_menu(self, user: str, menu: str) -> None: ...
    async def forget_menu(self, user: str) -> None: ...


class ClassStore(Protocol):
    """Classes, their members and assigned scenarios."""

    async def create_class(
        self, owner: str, name: str, code: str, expires_on: date, age: ClassAge = WHOLE_AUDIENCE
    ) -> ClassRecord: ...

    async def set_class_age(self, class_id: int, age: ClassAge) -> None: ...

    async def classes_of(self, owner: str) -> list[ClassRecord]:
        """The owner's classes, the newest first."""

    async def get_class(self, class_id: int) -> ClassRecord | None: ...
    async def class_by_code(self, code: str) -> ClassRecord | None: ...

    async def class_id_by_name(self, name: str) -> int | None:
        """The oldest class of that name."""

    async def close_class(self, class_id: int) -> None:
        """Closed today; a class closed before keeps its first closing day."""

    async def join_class(self, class_id: int, user: str) -> None:
        """Idempotent: joining twice keeps the first joining day."""

    async def member_classes(self, user: str) -> list[ClassRecord]:
        """The classes the person joined, the most recently joined first."""

    async def members(self, class_id: int, staff: Collection[str] = ()) -> int:
        """Students who joined: never the owner, anyone who holds or held a role, or
        `staff` (the configured admins), who would make a small group look big enough."""

    async def assigned(self, class_id: int) -> list[str]:
        """The assigned scenario ids, sorted."""

    async def toggle_assignment(self, class_id: int, scenario_id: str) -> bool:
        """Assign or unassign; returns whether the scenario is now assigned."""

    async def set_assignments(self, class_id: int, scenario_ids: Collection[str]) -> None:
        """The assigned scenarios become exactly `scenario_ids`, in one transaction."""


class ClassResultStore(Protocol):
    """What a class's results are made of: counts, never rows about a person. Students are
    counted as in `ClassStore.members`."""

    async def progress(self, class_id: int, staff: Collection[str] = ()) -> list[ScenarioProgress]:
        """Per scenario, distinct students who started and finished a run played in the
        class, replays left out."""

    async def step_answers(
        self, class_id: int, scenario_id: str, staff: Collection[str] = ()
    ) -> dict[str, StepAnswers]:
        """Per step, each student's first answer in the class's runs; replays never count,
        also at a step first reached in one."""

    async def releases(self, class_id: int, scenario_id: str) -> dict[str, list[Release]]:
        """Every release of each step of the live class view, oldest first."""

    async def save_release(
        self, class_id: int, scenario_id: str, step_id: str, release: Release
    ) -> bool:
        """Add a step's release; False, nothing added, when one with at least as many
        answers exists (a concurrent refresh made it)."""

    async def facilitated_answers(
        self, class_id: int, scenario_id: str, k: int
    ) -> dict[str, StepAnswers]:
        """Hand counts and poll totals per step, summed over the class's sessions, leaving
        out a session's step of fewer than `k` hands or votes."""


class StaffStore(SettingsStore, RoleStore, MenuStore, ClassStore, ClassResultStore, Protocol):
    """What the staff desk (bot.services.staff) holds: every staff capability together."""


class LessonStore(Protocol):
    """Lessons, the scenarios played in them (plays) and their anonymous polls. A group's
    chat id is never stored in the clear (bot.storage.addresses.ChatKeys)."""

    def now(self) -> datetime:
        """The time lessons are kept by (aware, UTC, whole seconds)."""

    async def start_lesson(
        self,
        class_id: int,
        leader: str,
        mode: str,
        scenario_id: str | None,
        ends_at: datetime,
        chat: GroupChat | None,
    ) -> Lesson:
        """Start a lesson now, ending in the same transaction every other open lesson of
        the class and, in group mode, the open lesson in the same chat and topic (with
        their plays). ValueError for an unknown mode, or a chat given to a lesson that is
        not in group mode (or none to one that is)."""

    async def get_lesson(self, lesson_id: int) -> Lesson | None: ...

    async def open_lesson_of_class(self, class_id: int) -> Lesson | None:
        """Open: not ended, and its end is still ahead."""

    async def open_lesson_in_chat(self, chat_id: int, thread_id: int | None) -> Lesson | None:
        """The open lesson in this chat and topic; the general thread (None) is a place of
        its own."""

    async def open_lessons_led_by(self, leader: str) -> list[Lesson]: ...

    async def lessons_due_to_end(self, now: datetime) -> list[Lesson]:
        """Not ended, their time up at `now`."""

    async def end_lesson(self, lesson_id: int) -> bool:
        """End the lesson and its running play; False when it had already ended, so only
        one of several callers ending it at once acts."""

    async def end_lessons_in_chat(self, chat_id: int) -> int:
        """End every lesson in the chat, all topics; returns how many ended."""

    async def start_play(
        self,
        lesson_id: int,
        class_id: int,
        leader: str,
        scenario_id: str,
        version: int,
        state: dict[str, Any],
        source: str,
    ) -> Play:
        """Start a scenario in the lesson, finishing its running play. ValueError for an
        unknown source, or a lesson that is not the class's."""

    async def get_play(self, play_id: int) -> Play | None: ...

    async def play_of_lesson(self, lesson_id: int) -> Play | None:
        """The lesson's running play, if any."""

    async def save_play(
        self,
        play_id: int,
        state: dict[str, Any],
        expected_revision: int,
        totals_rows: Iterable[CountRow] = (),
        finished: bool = False,
    ) -> bool:
        """Store the new state and a step's totals together if the play still runs at
        `expected_revision` (which then moves on by one); False, nothing written, when
        another save came first. A step counted again replaces its earlier numbers."""

    async def link_poll(
        self, poll_id: str, play_id: int, step_id: str, message_id: int
    ) -> None: ...

    async def poll(self, poll_id: str) -> PollLink | None:
        """The poll with its lesson's place (None once the lesson is gone)."""

    async def close_poll(self, poll_id: str) -> bool:
        """Mark the poll closed; False when it already was, or is unknown."""

    async def class_questions(self, lesson_id: int) -> ClassQuestions:
        """The wave and item the lesson's room is answering now and the items answered."""

    async def ask_class_questions(
        self, lesson_id: int, wave: str | None, item_id: str | None = None
    ) -> bool:
        """The room answers the class items of `wave` now, and the hand counts of `item_id`
        are awaited (None: between items); no wave: none. False, nothing changed, when the
        lesson was asked just that already (so of several callers only one acts), has ended
        or is gone. ValueError for a wave that is not T1 or T2, or an item without one."""

    async def record_class_answers(
        self, lesson_id: int, wave: str, item_id: str, answers: Sequence[int], source: str
    ) -> bool:
        """Keep how many answered each scale point (answers[0] for 1 …) of a class item in
        the lesson, once: False, nothing written, when this item already has its answers at
        this wave (a repeated message, a second closing of a poll) or the lesson is gone.
        ValueError for an unknown wave or source, or not one number per scale point."""

    async def link_class_poll(
        self, poll_id: str, lesson_id: int, wave: str, item_id: str, message_id: int
    ) -> None: ...

    async def class_poll(self, poll_id: str) -> ClassPoll | None: ...

    async def open_class_polls(self, lesson_id: int) -> list[ClassPoll]:
        """The lesson's class polls not closed yet, oldest first."""

    async def close_class_poll(self, poll_id: str) -> bool:
        """Mark the class poll closed; False when it already was, or is unknown."""


class SurveyStore(Protocol):
    """The evaluation questionnaire's answers and the opt-in follow-ups."""

    async def record_answer(
        self, user: str, scenario_id: str, wave: str, item_id: str, value: int
    ) -> None:
        """The first answer to an item counts (a double tap changes nothing); an answer is
        the person's activity today."""

    async def survey_state(self, user: str, scenario_id: str) -> SurveyState: ...

    async def schedule_follow_up(
        self, user: str, scenario_id: str, due_on: date, address: str, limit: int
    ) -> bool:
        """One per person and scenario, at most `limit` per person; False when refused."""

    async def due_follow_ups(self, today: date) -> list[int]:
        """Ids of the scheduled follow-ups due by `today`, the earliest first."""

    async def due_follow_up(self, follow_up_id: int, today: date) -> DueMessage | None:
        """The follow-up with its sealed address and its person's language, if still
        scheduled, due, and its person still exists."""

    async def close_follow_up(self, follow_up_id: int, status: str) -> None:
        """Sent or cancelled, once; the address is deleted either way."""

    async def sent_follow_up(self, user: str, follow_up_id: int) -> FollowUpState | None:
        """The person's follow-up whose reminder was sent, else None."""

    async def answer_follow_up(self, user: str, follow_up_id: int, column: str, value: str) -> None:
        """The first answer ("opportunity", "acted" or "reasons") of a sent follow-up of this
        person counts; answering is activity today. ValueError for another column."""

    async def solo_round(self, user: str) -> str | None:
        """The scenario of the person's round outside lessons whose T1 has a real answer,
        whose scenario they started and whose T2 was not asked yet, if there is one."""

    async def join_lesson_round(
        self, user: str, scenario_id: str, lesson_id: int, address: str
    ) -> None:
        """Make the person's round of this scenario the lesson's: its end questions (T2)
        go to the sealed address when the lesson ends. The first call counts."""

    async def due_lesson_rounds(self, now: datetime) -> list[int]:
        """Ids of the waiting lesson rounds whose lesson has ended (or is gone). A round of
        an ended lesson whose person never finished its scenario is cancelled instead: its
        answers would pair around no lesson."""

    async def due_lesson_round(self, round_id: int, now: datetime) -> DueMessage | None:
        """The round with its sealed address and its person's language, if still waiting,
        its lesson ended, and its person still exists."""

    async def close_lesson_round(self, round_id: int, status: str) -> None:
        """SENT or CANCELLED, once; the address is deleted either way."""


class ReportStore(Protocol):
    """The evaluation report's raw numbers and its released periods. Nothing returned names
    a person. A run is reported in its report class (`PlayerStore.start_run`)."""

    async def report_data(self, filters: Filters) -> ReportData:
        """The counts and questionnaire pairs of one filter. Each pair carries the class of
        its person's first run of the scenario and its person as ordinals numbered afresh
        in each call (None outside classes, and both None for pairs folded by retention):
        enough to cluster the confidence intervals, never a class id or a pseudonym."""

    async def report_scopes(self, scopes: list[Filters]) -> list[ReportData]:
        """The data of several filters, from one consistent state, without holding up
        anyone's play; events past retention count from their folded aggregates."""

    async def classes_with_runs(self, first: date, last: date) -> list[int]:
        """Classes with a run reported in them or a session started between the days."""

    async def release(self, period: str) -> str | None:
        """The stored release: None if never released, RETIRED if past retention."""

    async def save_release(self, period: str, last_day: date, body: str) -> None:
        """Keep the first release of a period; a later one is dropped."""

    async def research_rows(self, first: date, last: date) -> list[ResearchRow]:
        """The researchers' export (bot/evaluation/rows.py): every questionnaire answer given
        and every follow-up answer of a reminder due between the days (inclusive). Each row
        carries its person, the person's round and the class of the person's first run of
        that round as ordinals numbered afresh in each call (the class None outside
        classes), never a pseudonym or a class id."""

    async def ask_research_export(
        self, who: str, grant_id: int | None, purpose: str, filters: str
    ) -> int:
        """Log an export asked for (made or not yet); its number."""

    async def research_export(self, export_id: int) -> ResearchExport | None: ...

    async def made_research_export(self, export_id: int, facts: ExportFacts) -> bool:
        """Log that an asked export was made, today; False if it was made before."""

    async def research_exports(self) -> list[ResearchExport]:
        """The export log, oldest first."""


class RetentionStore(Protocol):
    async def purge(self, cutoff: date, *, dry_run: bool, min_group: int = 5) -> PurgeSummary:
        """Apply the retention rule (docs/evaluation.md) for what is older than `cutoff`:
        fold old events into aggregates, remove idle profiles, ended classes, revoked
        grants and long-expired invitations, merge aggregate rows of fewer than
        `min_group` people, retire old releases. A dry run counts and changes nothing.
        People playing meanwhile are not held up for the whole of it."""


class WebStore(Protocol):
    """The tokens of the web pages (issue 18): projector links, one-time login links and
    sessions. A token is kept only as the SHA-256 digest of its secret (32 bytes), so the
    database never holds what opens a page; deleting its row revokes it. A projector link
    goes with its lesson, every token with its holder's data."""

    async def save_token(self, digest: bytes, token: WebToken) -> None:
        """Keep a new token (digest: SHA-256 of its secret, 32 bytes); forgets every expired
        one."""

    async def token(self, digest: bytes) -> WebToken | None:
        """The token if it exists and has not expired (the store's clock `now()`)."""

    async def take_token(self, digest: bytes) -> WebToken | None:
        """A one-time token: returned and deleted in one atomic step; a second take gets None,
        also when two processes take it at once. An expired token is deleted, not returned."""

    async def first_use(self, digest: bytes, token: WebToken) -> bool:
        """Keep the token unless one is kept under this digest: True if it was not, so the
        first of two uses at once (two processes too) gets True, the second False. Forgets
        every expired token."""

    async def delete_token(self, digest: bytes) -> None: ...

    async def revoke_lesson_links(self, lesson_id: int) -> int:
        """Delete every projector link of a lesson; how many."""


class Coordination(Protocol):
    """How bot processes sharing one database take turns: one process with the SQLite file,
    any number of workers with PostgreSQL."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    def turn(self, conversation: int) -> AbstractAsyncContextManager[None]:
        """Held while one update of a conversation (a person's private chat or a group chat,
        by its Telegram id, which is never stored) is handled: no other process handles an
        update of the same conversation meanwhile. Waiting for it holds no pooled
        connection."""

    def job(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]:
        """True when this process is to run the job now: no other process runs it meanwhile,
        and no process finished it less than `every` ago (each process schedules every job,
        so it runs as long as one of them is up, and once per period). A job that fails is
        not counted as run."""


@dataclass(frozen=True)
class Storage:
    """One backend's ports, as bot.bootstrap.open_storage chose and built them. A backend
    implements several with one object; `lifecycle` opens and closes all of them."""

    lifecycle: Lifecycle
    players: PlayerStore  # those who agreed to saving; unsaved play has a memory store
    staff: StaffStore
    lessons: LessonStore
    survey: SurveyStore
    reports: ReportStore
    retention: RetentionStore
    web: WebStore  # links and sessions of the web pages
