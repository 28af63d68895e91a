"""The evaluation questionnaire's buttons: answers before and after a scenario, skipping,
and the opt-in follow-up reminder and its questions (bot.services.survey builds them).

Every questionnaire and follow-up button is checked against where the person really is:
a forged or old one gets the kind notice and writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine import callback_data as cb
from bot.engine.measures import Wave
from bot.engine.model import Strategy
from bot.services.player import Person, PlayerDesk, Session
from bot.services.routing import button
from bot.services.survey import (
    ACTED,
    OFFER,
    OPPORTUNITIES,
    OPPORTUNITY,
    QUESTION,
    SKIP_ALL,
)
from bot.services.views import Message, Outcome
from bot.storage.records import FollowUpState

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
        if state is None or not self.survey.accepts(state, parsed[0], parsed[1]):
            return self._stale(session)
        wave_, number, answer = parsed
        await self.survey.record(person.pseudonym, scenario_id, wave_, number, answer)
        if not self.survey.is_last(number):
            question = self.survey.question(session.language, wave_, scenario_id, number + 1)
            return Outcome([question], close_buttons=True)
        return await self._after_wave(session, wave_, scenario_id)

    @button(SKIP_ALL)
    async def survey_skip_all(self, person: Person, wave: str, scenario_id: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if wave in set(Wave) else None
        if state is None or not self.survey.accepts(state, Wave(wave), None):
            return self._stale(session)
        await self.survey.skip_rest(person.pseudonym, scenario_id, Wave(wave), state)
        return await self._after_wave(session, Wave(wave), scenario_id)

    async def _after_wave(self, session: Session, wave: Wave, scenario_id: str) -> Outcome:
        if wave is Wave.BEFORE:
            scenario = self._scenarios(session).get(scenario_id)
            return (
                await self.play.start_run(session, scenario)
                if scenario
                else await self._gone(session)
            )
        offer = None
        if wave is Wave.AFTER:
            state = await self.survey.state(session.person.pseudonym, scenario_id)
            if self.survey.may_offer(state, self._follow_up_limit):
                offer = self.survey.offer(scenario_id, session.language)
        return Outcome([offer or Message(self.t(session, "survey.thanks"))], close_buttons=True)

    @property
    def _follow_up_limit(self) -> int:
        """At most one reminder per scenario, so never more than there are scenarios."""
        return len(self.catalog.scenarios)

    @button(OFFER)
    async def follow_up_offer(self, person: Person, scenario_id: str, answer: str) -> Outcome:
        session = await self._session(person)
        state = await self._survey_state(session, scenario_id) if answer in ("yes", "no") else None
        if state is None or not self.survey.may_offer(state, self._follow_up_limit):
            return self._stale(session)
        if answer == "yes" and person.chat_id is not None:
            await self.survey.accept_offer(
                person.pseudonym, scenario_id, person.chat_id, self._follow_up_limit
            )
            key = "survey.remind_set"
        else:
            key = "survey.remind_declined"
        return Outcome.say(
            self.t(session, key, days=self.survey.follow_up_days), close_buttons=True
        )

    @button(OPPORTUNITY)
    async def follow_up_opportunity(
        self, person: Person, follow_up_id: str, answer: str
    ) -> Outcome:
        session, follow_up = await self._follow_up(person, follow_up_id)
        if follow_up is None or follow_up.opportunity is not None or answer not in OPPORTUNITIES:
            return self._stale(session)
        await self.survey.answer_follow_up(person.pseudonym, follow_up.id, "opportunity", answer)
        if answer == "yes":
            message = self.survey.acted_question(follow_up.id, session.language)
        else:
            message = self.survey.question(
                session.language, Wave.FOLLOW_UP, follow_up.scenario_id, 0
            )
        return Outcome([message], close_buttons=True)

    @button(ACTED)
    async def follow_up_acted(self, person: Person, follow_up_id: str, strategy: str) -> Outcome:
        session, follow_up = await self._follow_up(person, follow_up_id)
        if (
            follow_up is None
            or follow_up.opportunity != "yes"
            or follow_up.acted is not None
            or strategy not in set(Strategy)
        ):
            return self._stale(session)
        await self.survey.answer_follow_up(person.pseudonym, follow_up.id, "acted", strategy)
        question = self.survey.question(session.language, Wave.FOLLOW_UP, follow_up.scenario_id, 0)
        return Outcome([question], close_buttons=True)

    async def _follow_up(
        self, person: Person, follow_up_id: str
    ) -> tuple[Session, FollowUpState | None]:
        """The person's sent follow-up with this id, if there is one."""
        session = await self._session(person)
        number = cb.number(follow_up_id)
        if self.survey is None or not session.saved or number is None:
            return session, None
        return session, await self.survey.sent_follow_up(person.pseudonym, number)
