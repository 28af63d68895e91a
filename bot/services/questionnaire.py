"""The evaluation questionnaire's buttons: answers at the start and end of a round, skipping,
and the opt-in follow-up reminder and its questions (bot.services.survey builds them).

Every questionnaire and follow-up button is checked against where the person really is:
a forged or old one gets the kind notice and writes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.engine import callback_data as cb
from bot.engine.measures import NOTHING, OPPORTUNITIES, Wave
from bot.services.player import Person, PlayerDesk, Session
from bot.services.routing import button
from bot.services.survey import (
    ANSWERED,
    BEHAVIOUR,
    DONE,
    OFFER,
    OPPORTUNITY,
    QUESTION,
    REASONS,
    SKIP_ALL,
    TICK,
)
from bot.services.views import Message, Outcome
from bot.storage.records import SKIPPED, FollowUpState, SurveyState

if TYPE_CHECKING:  # play imports this module's base, PlayerDesk
    from bot.services.play import PlayService


class QuestionnaireFlow(PlayerDesk):
    def __init__(self, *args: object, play: PlayService, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.play = play  # the scenario starts after the questions before it

    @button(QUESTION)
    async def survey_answer(
        self, person: Person, wave: str, scenario_id: str, index: str, value: str
    ) -> Outcome:
        session = await self._session(person)
        parsed = self.survey.parse(wave, index, value) if self.survey else None
        state = await self._survey_state(session, scenario_id) if parsed else None
        if state is None or not await self._accepts(session, scenario_id, state, *parsed[:2]):
            return self._stale(session)
        wave_, number, answer = parsed
        await self.survey.record(person.pseudonym, scenario_id, wave_, number, answer)
        if not self.survey.is_last(number):
            question = self.survey.question(session.language, wave_, scenario_id, number + 1)
            return _answered(Outcome([question]), self.survey.progress(number))
        return _answered(
            await self._after_wave(session, wave_, scenario_id), self.survey.progress(number)
        )

    @button(SKIP_ALL)
    async def survey_skip_all(self, person: Person, wave: str, scenario_id: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if wave in set(Wave) else None
        if state is None or not await self._accepts(session, scenario_id, state, Wave(wave), None):
            return self._stale(session)
        await self.survey.skip_rest(person.pseudonym, scenario_id, Wave(wave), state)
        return _answered(await self._after_wave(session, Wave(wave), scenario_id))

    async def _accepts(
        self, session: Session, scenario_id: str, state: SurveyState, wave: Wave, index: int | None
    ) -> bool:
        lesson = await self._phones_lesson(session) if wave is Wave.BEFORE else None
        in_lesson = lesson is not None and lesson.scenario_id == scenario_id
        return self.survey.accepts(state, wave, index, in_lesson=in_lesson)

    async def _after_wave(self, session: Session, wave: Wave, scenario_id: str) -> Outcome:
        if wave is Wave.BEFORE:
            scenario = self._scenarios(session).get(scenario_id)
            if scenario is None:
                return await self._gone(session)
            await self._join_lesson(session, scenario_id)
            return await self.play.start_run(session, scenario)
        offer = None
        if wave is Wave.AFTER:
            state = await self.survey.state(session.person.pseudonym, scenario_id)
            if self.survey.may_offer(state, self._follow_up_limit):
                days = self.survey.follow_up_delay(state)
                offer = self.survey.offer(scenario_id, session.language, days)
        return Outcome([offer or Message(self.t(session, "survey.thanks"))], close_buttons=True)

    async def _join_lesson(self, session: Session, scenario_id: str) -> None:
        """A round started in a lesson on phones ends with the lesson: its end questions
        come then (only when T1 has an answer to pair them with)."""
        lesson = await self._phones_lesson(session)
        person = session.person
        if lesson is None or lesson.scenario_id != scenario_id or person.chat_id is None:
            return
        state = await self.survey.state(person.pseudonym, scenario_id)
        if any(v != SKIPPED for v in state.answers.get(Wave.BEFORE, {}).values()):
            await self.survey.join_lesson(person.pseudonym, scenario_id, lesson.id, person.chat_id)

    @property
    def _follow_up_limit(self) -> int:
        """At most one reminder per round, so never more than there are scenarios."""
        return len(self.catalog.scenarios)

    @button(OFFER)
    async def follow_up_offer(self, person: Person, scenario_id: str, answer: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if answer in ("yes", "no") else None
        if state is None or not self.survey.may_offer(state, self._follow_up_limit):
            return self._stale(session)
        days = self.survey.follow_up_delay(state)
        if answer == "yes" and person.chat_id is not None:
            await self.survey.accept_offer(
                person.pseudonym, scenario_id, person.chat_id, days, self._follow_up_limit
            )
            key = "survey.remind_set"
        else:
            key = "survey.remind_declined"
        return Outcome.say(self.t(session, key, days=days), close_buttons=True)

    @button(OPPORTUNITY)
    async def follow_up_opportunity(
        self, person: Person, follow_up_id: str, answer: str
    ) -> Outcome:
        session, follow_up = await self._follow_up(person, follow_up_id)
        if follow_up is None or follow_up.opportunity is not None or answer not in OPPORTUNITIES:
            return self._stale(session)
        await self.survey.answer_follow_up(person.pseudonym, follow_up.id, "opportunity", answer)
        if answer == "yes":
            message = self.survey.several(BEHAVIOUR, follow_up.id, session.language)
        else:
            message = self._follow_up_items(session, follow_up)
        return _in_place(message)

    @button(BEHAVIOUR)
    async def follow_up_behaviour(
        self, person: Person, follow_up_id: str, chosen: str, step: str
    ) -> Outcome:
        """What they did: ticks change the message in place; "done" stores them."""
        session, follow_up = await self._follow_up(person, follow_up_id)
        due = follow_up is not None and follow_up.opportunity == "yes" and follow_up.acted is None
        return await self._several(session, follow_up if due else None, BEHAVIOUR, chosen, step)

    @button(REASONS)
    async def follow_up_reasons(
        self, person: Person, follow_up_id: str, chosen: str, step: str
    ) -> Outcome:
        """Why they did nothing, asked after "I did nothing"."""
        session, follow_up = await self._follow_up(person, follow_up_id)
        due = (
            follow_up is not None
            and NOTHING in (follow_up.acted or "").split(",")
            and follow_up.reasons is None
        )
        return await self._several(session, follow_up if due else None, REASONS, chosen, step)

    async def _several(
        self,
        session: Session,
        follow_up: FollowUpState | None,
        kind: str,
        chosen: str,
        step: str,
    ) -> Outcome:
        ticked = self.survey.parse_chosen(kind, chosen)
        if follow_up is None or ticked is None or step not in (TICK, DONE):
            return self._stale(session)
        if step == TICK:
            message = self.survey.several(kind, follow_up.id, session.language, ticked)
            return Outcome([message], edit=True)
        answer = self.survey.chosen_ids(kind, ticked)
        column_name = "acted" if kind == BEHAVIOUR else "reasons"
        await self.survey.answer_follow_up(
            session.person.pseudonym, follow_up.id, column_name, answer
        )
        if kind == BEHAVIOUR and NOTHING in answer.split(","):
            message = self.survey.several(REASONS, follow_up.id, session.language)
        else:
            message = self._follow_up_items(session, follow_up)
        return _in_place(message)

    def _follow_up_items(self, session: Session, follow_up: FollowUpState) -> Message:
        return self.survey.question(session.language, Wave.FOLLOW_UP, follow_up.scenario_id, 0)

    async def _follow_up(
        self, person: Person, follow_up_id: str
    ) -> tuple[Session, FollowUpState | None]:
        """The person's sent follow-up with this id, if there is one."""
        session = await self._session(person)
        number = cb.number(follow_up_id)
        if self.survey is None or not session.saved or number is None:
            return session, None
        return session, await self.survey.sent_follow_up(person.pseudonym, number)


def _in_place(message: Message) -> Outcome:
    """The follow-up's first questions follow one another in one message, ending as the
    first item: the chat keeps no trace of which of them were asked, so none of what was
    answered (an opportunity, doing nothing)."""
    return Outcome([message], edit=True)


def _answered(outcome: Outcome, note: str = ANSWERED) -> Outcome:
    """The answered question becomes a bare check mark (and its number), so someone
    scrolling the person's phone later reads neither the question nor the answer."""
    return replace(outcome, messages=[Message(note), *outcome.messages], edit=True)
