"""The evaluation questionnaire in the chat: T1 before a scenario's first run, T2 after its
debrief, and T3 at an opt-in follow-up reminder.

Only people who agreed to saving are asked. Every question can be skipped (stored as 0,
never part of a before/after pair); "skip all" skips the rest of the wave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.engine.callback_data import Action
from bot.engine.measures import SCALE_POINTS, Measures, Wave
from bot.engine.model import Strategy
from bot.services.presenter import Presenter, escape
from bot.services.views import Button, Message, column
from bot.storage.addresses import AddressBox
from bot.storage.ports import SurveyStore
from bot.storage.records import SKIPPED, FollowUpState, SurveyState

# Button kinds.
QUESTION, SKIP_ALL, OFFER, OPPORTUNITY, ACTED = "mq", "ms", "fu", "fo", "fa"
OPPORTUNITIES = ("yes", "no", "unsure")


@dataclass(frozen=True)
class Reminder:
    follow_up_id: int
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
    ) -> None:
        self.measures = measures
        self.presenter = presenter
        self.evaluation = evaluation
        self.addresses = addresses
        self.follow_up_days = follow_up_days

    async def state(self, user: str, scenario_id: str) -> SurveyState:
        return await self.evaluation.survey_state(user, scenario_id)

    def asks(self, state: SurveyState, wave: Wave) -> bool:
        """Whether to start asking this wave now.

        T1 before the person's first run of the scenario; T2 after a finished run, only when
        T1 has a real answer to pair with (after skipping all of T1, T2 is not asked).
        """
        if state.answers.get(wave):
            return False
        if wave is Wave.BEFORE:
            return not state.played
        if wave is Wave.AFTER:
            return state.finished and self._answered_before(state)
        return False  # T3 starts from the reminder

    def accepts(self, state: SurveyState, wave: Wave, index: int | None) -> bool:
        """Whether an answer to `index` of this wave (None: "skip all") is one the person
        is actually being asked: anything else is an old or forged button.

        Questions come one by one, so only the first unanswered one can be answered. T1 is
        answered only before the first run, T2 only after a finished run whose T1 has a
        real answer, and T3 only for a reminder that was sent and whose first questions
        (opportunity, and what they did) were answered.
        """
        expected = self._next_item(state, wave)
        if expected is None or index not in (None, expected):
            return False
        if wave is Wave.BEFORE:
            return not state.played
        if wave is Wave.AFTER:
            return state.finished and self._answered_before(state)
        follow_up = state.follow_up
        return (
            follow_up is not None
            and follow_up.status == "sent"
            and follow_up.opportunity is not None
            and (follow_up.opportunity != "yes" or follow_up.acted is not None)
        )

    def may_offer(self, state: SurveyState, limit: int) -> bool:
        """The reminder is offered once T2 is done, once per scenario, `limit` in all."""
        return (
            state.finished
            and bool(state.answers.get(Wave.AFTER))
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

    def question(self, language: str, wave: Wave, scenario_id: str, index: int) -> Message:
        item = self.measures.items[index]
        text = f"<b>{index + 1}/{len(self.measures.items)}</b> {escape(item.text.get(language))}"
        if index == 0:
            text = f"{escape(self.measures.intro(wave).get(language))}\n\n{text}"
        scale = [
            Button(
                f"{value} – {self.measures.scale[value - 1].get(language)}",
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

    def is_last(self, index: int) -> bool:
        return index + 1 >= len(self.measures.items)

    # -- follow-up -------------------------------------------------------------------------

    def offer(self, scenario_id: str, language: str) -> Message:
        text = self.measures.follow_up.offer.get(language).format(days=self.follow_up_days)
        yes = Button(
            self.presenter.t(language, "survey.remind_yes", days=self.follow_up_days),
            Action(OFFER, (scenario_id, "yes")),
        )
        no = Button(
            self.presenter.t(language, "survey.remind_no"), Action(OFFER, (scenario_id, "no"))
        )
        return Message(escape(text), column(yes, no))

    async def accept_offer(self, user: str, scenario_id: str, chat_id: int, limit: int) -> bool:
        due_on = _today() + timedelta(days=self.follow_up_days)
        sealed = self.addresses.seal(chat_id)
        return await self.evaluation.schedule_follow_up(user, scenario_id, due_on, sealed, limit)

    async def due_reminders(self, today: date | None = None) -> list[int]:
        """The follow-ups whose reminder is due; send each with `reminder` (it checks again)."""
        return await self.evaluation.due_follow_ups(today or _today())

    async def reminder(self, follow_up_id: int, today: date | None = None) -> Reminder | None:
        """The reminder to send now, or None when it is no longer due: sent meanwhile, or its
        person deleted their data. Its address is opened only here, right before sending."""
        due = await self.evaluation.due_follow_up(follow_up_id, today or _today())
        if due is None:
            return None
        chat_id = self.addresses.open(due.address)
        if chat_id is None:
            await self.evaluation.close_follow_up(due.id, "cancelled")
            return None
        language = self.presenter.locales.for_everyone(due.language)  # offered ones only
        return Reminder(due.id, chat_id, self._reminder(due.id, language))

    async def close_reminder(self, follow_up_id: int, *, delivered: bool) -> None:
        """Sent, or cancelled when it can never arrive: either way never sent again."""
        await self.evaluation.close_follow_up(follow_up_id, "sent" if delivered else "cancelled")

    async def sent_follow_up(self, user: str, follow_up_id: int) -> FollowUpState | None:
        """The person's follow-up whose reminder was sent (what its buttons answer)."""
        return await self.evaluation.sent_follow_up(user, follow_up_id)

    async def answer_follow_up(
        self, user: str, follow_up_id: int, question: str, answer: str
    ) -> None:
        """`question`: "opportunity" or "acted"; the first answer counts."""
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

    def acted_question(self, follow_up_id: int, language: str) -> Message:
        buttons = [
            Button(
                self.presenter.strategy_name(s, language)
                if s is not Strategy.NONE
                else self.presenter.t(language, "survey.acted_nothing"),
                Action(ACTED, (str(follow_up_id), s.value)),
            )
            for s in Strategy
        ]
        return Message(escape(self.measures.follow_up.acted.get(language)), column(*buttons))
