"""The evaluation questionnaire in the chat, asked per round (docs/evaluation.md, "When"):

- T1 at the start of a round: before the first scenario a person ever plays (a solo round),
  or before the scenario of a lesson on phones going on in their class (a lesson round);
- T2 at its end: sent to everyone in a lesson round when the lesson ends; in a solo round
  after the person's SOLO_ROUND_SCENARIOS-th scenario, about what a lesson plays;
- T3 at an opt-in follow-up reminder: whether they had an opportunity to act, what they
  did (several answers) or why they did nothing, then the items again.

A round is named by the scenario it started with. Only people who agreed to saving are
asked. Every question can be skipped (stored as 0, never part of a before/after pair);
"skip all" skips the rest of the wave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.engine.callback_data import Action
from bot.engine.measures import NOTHING, OPPORTUNITIES, SCALE_POINTS, Measures, Option, Wave
from bot.services.presenter import Presenter, escape
from bot.services.views import Button, Message, column
from bot.storage.addresses import AddressBox
from bot.storage.ports import SurveyStore
from bot.storage.records import (
    CANCELLED,
    SENT,
    SKIPPED,
    DueMessage,
    FollowUpState,
    SurveyState,
)

# Button kinds.
QUESTION, SKIP_ALL, OFFER, OPPORTUNITY, BEHAVIOUR, REASONS = "mq", "ms", "fu", "fo", "fb", "fr"
TICK, DONE = "t", "done"  # a question with several answers: tick one, or done
SOLO_ROUND_SCENARIOS = 2  # a solo round's T2 comes after this many scenarios
NOTHING_CHOSEN = ""  # "done" with no answer ticked: the question was skipped
ANSWERED = "✓"  # what an answered question becomes (no words: nothing to translate)


@dataclass(frozen=True)
class Unasked:
    """A message to send someone who did not just write: a reminder or end questions."""

    id: int
    chat_id: int
    message: Message


def _today() -> date:
    return datetime.now(UTC).date()


class SurveyService:
    def __init__(
        self,
        measures: Measures,
        presenter: Presenter,
        evaluation: SurveyStore,
        addresses: AddressBox,
        follow_up_days: int = 30,
        class_follow_up_days: int = 90,
    ) -> None:
        self.measures = measures
        self.presenter = presenter
        self.evaluation = evaluation
        self.addresses = addresses
        self.follow_up_days = follow_up_days
        self.class_follow_up_days = class_follow_up_days

    async def state(self, user: str, scenario_id: str) -> SurveyState:
        return await self.evaluation.survey_state(user, scenario_id)

    # -- when each wave is asked ------------------------------------------------------------

    @staticmethod
    def starts_round(state: SurveyState, in_lesson: bool) -> bool:
        """Whether starting this scenario starts a round (T1 first): never played, and
        either the first scenario the person plays or their lesson's scenario."""
        return not state.played and (not state.played_any or in_lesson)

    def asks_before(self, state: SurveyState, in_lesson: bool) -> bool:
        return not state.answers.get(Wave.BEFORE) and self.starts_round(state, in_lesson)

    async def solo_round_to_end(self, user: str) -> str | None:
        """The scenario of the person's solo round whose T2 is due now, if any."""
        scenario_id = await self.evaluation.solo_round(user)
        if scenario_id is None:
            return None
        state = await self.state(user, scenario_id)
        return scenario_id if self._solo_round_done(state) else None

    @staticmethod
    def _solo_round_done(state: SurveyState) -> bool:
        return state.lesson_round is None and state.finished_scenarios >= SOLO_ROUND_SCENARIOS

    def accepts(
        self, state: SurveyState, wave: Wave, index: int | None, *, in_lesson: bool = False
    ) -> bool:
        """Whether an answer to `index` of this wave (None: "skip all") is one the person
        is actually being asked: anything else is an old or forged button.

        Questions come one by one, so only the first unanswered one can be answered. T1 only
        before the round's first run; T2 only when T1 has a real answer and the round has
        ended (its lesson's end questions were sent, or the solo round is done); T3 only for
        a sent reminder whose first questions were answered.
        """
        expected = self._next_item(state, wave)
        if expected is None or index not in (None, expected):
            return False
        if wave is Wave.BEFORE:
            return self.starts_round(state, in_lesson)
        if wave is Wave.AFTER:
            ended = state.lesson_round == SENT or self._solo_round_done(state)
            return ended and self._answered_before(state)
        return self._follow_up_items_due(state.follow_up)

    @staticmethod
    def _follow_up_items_due(follow_up: FollowUpState | None) -> bool:
        if follow_up is None or follow_up.status != SENT or follow_up.opportunity is None:
            return False
        if follow_up.opportunity != "yes":
            return True
        if follow_up.acted is None:
            return False
        return NOTHING not in follow_up.acted.split(",") or follow_up.reasons is not None

    def may_offer(self, state: SurveyState, limit: int) -> bool:
        """The reminder is offered once T2 is done, once per round, `limit` in all."""
        return (
            bool(state.answers.get(Wave.AFTER))
            and self._next_item(state, Wave.AFTER) is None
            and state.follow_up is None
            and state.follow_ups < limit
        )

    def _next_item(self, state: SurveyState, wave: Wave) -> int | None:
        answered = state.answers.get(wave, {})
        return next(
            (n for n, item in enumerate(self.measures.items) if item.id not in answered), None
        )

    @staticmethod
    def _answered_before(state: SurveyState) -> bool:
        return any(v != SKIPPED for v in state.answers.get(Wave.BEFORE, {}).values())

    # -- the items ----------------------------------------------------------------------------

    def question(self, language: str, wave: Wave, scenario_id: str, index: int) -> Message:
        item = self.measures.items[index]
        stem = item.block.stem
        text = escape(item.text.get(language))
        if stem is not None:
            text = f"{escape(stem.get(language))}\n<b>{text}</b>"
        text = f"<b>{index + 1}/{len(self.measures.items)}</b> · {text}"
        if index == 0:
            text = f"{escape(self.measures.intro(wave).get(language))}\n\n{text}"
        scale = [
            Button(
                f"{value} – {item.block.scale.labels[value - 1].get(language)}",
                Action(QUESTION, (wave, scenario_id, str(index), str(value))),
            )
            for value in range(1, SCALE_POINTS + 1)
        ]
        skip = Button(
            self.presenter.t(language, "survey.skip"),
            Action(QUESTION, (wave, scenario_id, str(index), str(SKIPPED))),
        )
        skip_all = Button(
            self.presenter.t(language, "survey.skip_all"), Action(SKIP_ALL, (wave, scenario_id))
        )
        return Message(text, column(*scale, skip, skip_all))

    def parse(self, wave: str, index: str, value: str) -> tuple[Wave, int, int] | None:
        """Validate a tapped answer; None for anything forged or out of range."""
        if wave not in set(Wave) or not index.isdigit() or not value.isdigit():
            return None
        if int(index) >= len(self.measures.items) or int(value) > SCALE_POINTS:
            return None
        return Wave(wave), int(index), int(value)

    async def record(self, user: str, scenario_id: str, wave: Wave, index: int, value: int) -> None:
        await self.evaluation.record_answer(
            user, scenario_id, wave, self.measures.items[index].id, value
        )

    async def skip_rest(self, user: str, scenario_id: str, wave: Wave, state: SurveyState) -> None:
        answered = state.answers.get(wave, {})
        for item in self.measures.items:
            if item.id not in answered:
                await self.evaluation.record_answer(user, scenario_id, wave, item.id, SKIPPED)

    def progress(self, index: int) -> str:
        """An answered item: its number only."""
        return f"{ANSWERED} {index + 1}/{len(self.measures.items)}"

    def is_last(self, index: int) -> bool:
        return index + 1 >= len(self.measures.items)

    # -- lesson rounds --------------------------------------------------------------------------

    async def join_lesson(self, user: str, scenario_id: str, lesson_id: int, chat_id: int) -> None:
        """The round's end questions will come when the lesson ends, to this chat."""
        sealed = self.addresses.seal(chat_id)
        await self.evaluation.join_lesson_round(user, scenario_id, lesson_id, sealed)

    async def due_end_questions(self, now: datetime | None = None) -> list[int]:
        return await self.evaluation.due_lesson_rounds(now or datetime.now(UTC))

    async def end_questions(self, round_id: int, now: datetime | None = None) -> Unasked | None:
        """T2 of a lesson round whose lesson has ended, or None when no longer due."""
        due = await self.evaluation.due_lesson_round(round_id, now or datetime.now(UTC))
        opened = await self._open(due, self.evaluation.close_lesson_round)
        if opened is None:
            return None
        chat_id, language = opened
        return Unasked(due.id, chat_id, self.question(language, Wave.AFTER, due.scenario_id, 0))

    async def close_end_questions(self, round_id: int, *, delivered: bool) -> None:
        await self.evaluation.close_lesson_round(round_id, SENT if delivered else CANCELLED)

    async def _open(self, due: DueMessage | None, close) -> tuple[int, str] | None:
        """The chat and language to send a due message to; its address is opened only here,
        right before sending. None, and closed, when it can never be sent."""
        if due is None:
            return None
        chat_id = self.addresses.open(due.address)
        if chat_id is None:
            await close(due.id, CANCELLED)
            return None
        return chat_id, self.presenter.locales.for_everyone(due.language)  # offered only

    # -- follow-up ------------------------------------------------------------------------------

    def follow_up_delay(self, state: SurveyState) -> int:
        """Days until the reminder: a class study's default is longer (docs/evaluation.md)."""
        return self.class_follow_up_days if state.lesson_round else self.follow_up_days

    def offer(self, scenario_id: str, language: str, days: int) -> Message:
        text = self.measures.follow_up.offer.get(language).format(days=days)
        yes = Button(
            self.presenter.t(language, "survey.remind_yes", days=days),
            Action(OFFER, (scenario_id, "yes")),
        )
        no = Button(
            self.presenter.t(language, "survey.remind_no"), Action(OFFER, (scenario_id, "no"))
        )
        return Message(escape(text), column(yes, no))

    async def accept_offer(
        self, user: str, scenario_id: str, chat_id: int, days: int, limit: int
    ) -> bool:
        due_on = _today() + timedelta(days=days)
        sealed = self.addresses.seal(chat_id)
        return await self.evaluation.schedule_follow_up(user, scenario_id, due_on, sealed, limit)

    async def due_reminders(self, today: date | None = None) -> list[int]:
        """The follow-ups whose reminder is due; send each with `reminder` (it checks again)."""
        return await self.evaluation.due_follow_ups(today or _today())

    async def reminder(self, follow_up_id: int, today: date | None = None) -> Unasked | None:
        """The reminder to send now, or None when it is no longer due: sent meanwhile, or its
        person deleted their data."""
        due = await self.evaluation.due_follow_up(follow_up_id, today or _today())
        opened = await self._open(due, self.evaluation.close_follow_up)
        if opened is None:
            return None
        chat_id, language = opened
        return Unasked(due.id, chat_id, self._reminder(due.id, language))

    async def close_reminder(self, follow_up_id: int, *, delivered: bool) -> None:
        """Sent, or cancelled when it can never arrive: either way never sent again."""
        await self.evaluation.close_follow_up(follow_up_id, SENT if delivered else CANCELLED)

    async def sent_follow_up(self, user: str, follow_up_id: int) -> FollowUpState | None:
        """The person's follow-up whose reminder was sent (what its buttons answer)."""
        return await self.evaluation.sent_follow_up(user, follow_up_id)

    async def answer_follow_up(
        self, user: str, follow_up_id: int, question: str, answer: str
    ) -> None:
        """`question`: "opportunity", "acted" or "reasons"; the first answer counts."""
        await self.evaluation.answer_follow_up(user, follow_up_id, question, answer)

    def _reminder(self, follow_up_id: int, language: str) -> Message:
        texts = self.measures.follow_up
        text = (
            f"{escape(texts.reminder.get(language))}\n\n{escape(texts.opportunity.get(language))}"
        )
        buttons = [
            Button(
                self.presenter.t(language, f"survey.opportunity_{answer}"),
                Action(OPPORTUNITY, (str(follow_up_id), answer)),
            )
            for answer in OPPORTUNITIES
        ]
        return Message(text, column(*buttons))

    # -- questions with several answers ---------------------------------------------------------

    def options(self, kind: str) -> tuple[Option, ...]:
        texts = self.measures.follow_up
        return texts.behaviours if kind == BEHAVIOUR else texts.reasons

    def several(self, kind: str, follow_up_id: int, language: str, chosen: int = 0) -> Message:
        """What they did (BEHAVIOUR) or why not (REASONS): tick any, then "done". The ticks
        live in the buttons, so nothing is stored until "done"."""
        texts = self.measures.follow_up
        question = texts.behaviour if kind == BEHAVIOUR else texts.reasons_question
        buttons = []
        for number, option in enumerate(self.options(kind)):
            label = option.text.get(language)
            if chosen & 1 << number:
                label = self.presenter.t(language, "survey.ticked", label=label)
            toggled = self._toggle(kind, chosen, number)
            buttons.append(Button(label, Action(kind, (str(follow_up_id), str(toggled), TICK))))
        done = Action(kind, (str(follow_up_id), str(chosen), DONE))
        buttons.append(Button(self.presenter.t(language, "survey.done"), done))
        return Message(escape(question.get(language)), column(*buttons))

    def _toggle(self, kind: str, chosen: int, number: int) -> int:
        """Tick or untick one answer; "I did nothing" and doing something exclude each other."""
        toggled = chosen ^ 1 << number
        if kind == BEHAVIOUR and toggled & 1 << number:
            nothing = 1 << self._index(kind, NOTHING)
            toggled = nothing if number == self._index(kind, NOTHING) else toggled & ~nothing
        return toggled

    def _index(self, kind: str, option_id: str) -> int:
        return [o.id for o in self.options(kind)].index(option_id)

    def parse_chosen(self, kind: str, chosen: str) -> int | None:
        """The ticked answers from a button; None when forged: out of range, or "I did
        nothing" beside something done (the tick buttons never offer both)."""
        if not chosen.isdigit() or int(chosen) >= 1 << len(self.options(kind)):
            return None
        ticked = int(chosen)
        if kind == BEHAVIOUR:
            nothing = 1 << self._index(kind, NOTHING)
            if ticked & nothing and ticked != nothing:
                return None
        return ticked

    def chosen_ids(self, kind: str, chosen: int) -> str:
        """The ticked answers as stored: ids in the questionnaire's order, by commas."""
        ids = [o.id for n, o in enumerate(self.options(kind)) if chosen & 1 << n]
        return ",".join(ids) or NOTHING_CHOSEN
