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
from bot.storage.evaluation import SKIPPED, EvaluationStore

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
        evaluation: EvaluationStore,
        addresses: AddressBox,
        follow_up_days: int = 30,
    ) -> None:
        self.measures = measures
        self.presenter = presenter
        self.evaluation = evaluation
        self.addresses = addresses
        self.follow_up_days = follow_up_days

    async def due(self, user: str, scenario_id: str, wave: Wave) -> bool:
        """Whether this wave is still to be asked for this person and scenario."""
        return not await self.evaluation.answers(user, scenario_id, wave)

    async def answered_before(self, user: str, scenario_id: str) -> bool:
        """Whether T1 has a real answer to pair with: after skipping all, T2 is not asked."""
        values = await self.evaluation.answers(user, scenario_id, Wave.BEFORE)
        return any(v != SKIPPED for v in values.values())

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

    async def skip_rest(self, user: str, scenario_id: str, wave: Wave) -> None:
        answered = await self.evaluation.answers(user, scenario_id, wave)
        for item in self.measures.items:
            if item.id not in answered:
                await self.evaluation.record_answer(user, scenario_id, wave, item.id, SKIPPED)

    def is_last(self, index: int) -> bool:
        return index + 1 >= len(self.measures.items)

    # -- follow-up -------------------------------------------------------------------------

    async def offer(self, user: str, scenario_id: str, language: str) -> Message | None:
        if await self.evaluation.has_follow_up(user, scenario_id):
            return None
        text = self.measures.follow_up.offer.get(language).format(days=self.follow_up_days)
        yes = Button(
            self.presenter.t(language, "survey.remind_yes", days=self.follow_up_days),
            Action(OFFER, (scenario_id, "yes")),
        )
        no = Button(
            self.presenter.t(language, "survey.remind_no"), Action(OFFER, (scenario_id, "no"))
        )
        return Message(escape(text), column(yes, no))

    async def accept_offer(self, user: str, scenario_id: str, chat_id: int) -> bool:
        due_on = _today() + timedelta(days=self.follow_up_days)
        sealed = self.addresses.seal(chat_id)
        return await self.evaluation.schedule_follow_up(user, scenario_id, due_on, sealed)

    async def due_reminders(self, today: date | None = None) -> list[Reminder]:
        reminders = []
        for due in await self.evaluation.due_follow_ups(today or _today()):
            chat_id = self.addresses.open(due.address)
            if chat_id is None:
                await self.evaluation.close_follow_up(due.id, "cancelled")
                continue
            reminders.append(Reminder(due.id, chat_id, self._reminder(due.id, due.language)))
        return reminders

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
