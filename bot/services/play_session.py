"""One story played through, whatever chose the option: a person's tap, a room's hand
counts or a group poll's totals. Every way of playing goes through here, so feedback, the
next step and the debrief are the same for a young person alone and for a whole class.

The session knows no channel and no storage: it advances the engine's run and returns
what to show; each channel (solo, facilitator mode, group play) draws its own buttons,
prompt or poll around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine import engine
from bot.engine.ages import Audience
from bot.engine.engine import Answer, Run
from bot.engine.model import Choice, Scenario, Step
from bot.services.presenter import Presenter
from bot.storage.records import ChoiceRecord

# The room's questions after the phase's own (group.discuss.<phase>) at its first step.
LATER_QUESTIONS = ("group.discuss.again", "group.discuss.changed")

# A class-level total of one option: (step, choice, strategy, assessment, phase, count).
TotalRow = tuple[str, str, str, str, str, int]


@dataclass(frozen=True)
class Turn:
    """What one choice produced: the feedback, then either the next step or the debrief."""

    answer: Answer
    feedback: str
    next_step: Step | None  # as the run sees it now (its text fits the path taken)
    debrief: str | None  # when the choice ended the story

    @property
    def finished(self) -> bool:
        return self.debrief is not None

    @property
    def heading(self) -> bool:
        """Whether the next step opens a new phase (Före, Under, Efter): shown as a heading."""
        return self.answer.phase_changed


class PlaySession:
    def __init__(self, presenter: Presenter) -> None:
        self.presenter = presenter

    def start(self, scenario: Scenario) -> Run:
        return engine.start(scenario)

    def step(self, scenario: Scenario, run: Run) -> Step:
        return engine.current_step(scenario, run)

    def step_text(self, step: Step, language: str, *, heading: bool) -> str:
        return self.presenter.step(step, language, with_heading=heading)

    def choose(
        self,
        scenario: Scenario,
        run: Run,
        choice_id: str,
        language: str,
        audience: Audience,
        *,
        run_id: str | None = None,
        step_id: str | None = None,
        room: bool = False,
    ) -> Turn:
        """Apply one chosen option (engine errors pass through: an old or forged choice).
        `audience` is whom the debrief's help lines must fit: a player or a class; `room`:
        a class played it together."""
        answer = engine.choose(scenario, run, choice_id, run_id=run_id, step_id=step_id)
        feedback = self.presenter.feedback(answer, language)
        if run.finished:
            summary = engine.debrief(scenario, run)
            debrief = self.presenter.debrief(scenario, summary, language, audience, room=room)
            return Turn(answer, feedback, None, debrief)
        return Turn(answer, feedback, engine.current_step(scenario, run), None)

    @staticmethod
    def discussion_key(scenario: Scenario, step: Step, run: Run) -> str:
        """The room's question about a step: the phase's own at its first step, then others,
        so that the same question never comes twice in a row."""
        earlier = sum(scenario.steps[done].phase == step.phase for done, _ in run.path)
        if earlier == 0:
            return f"group.discuss.{step.phase}"
        return LATER_QUESTIONS[min(earlier, len(LATER_QUESTIONS)) - 1]

    @staticmethod
    def most_chosen(step: Step, counts: Sequence[int]) -> tuple[Choice, ...]:
        """The options a room chose most (several on a tie; none when nobody answered): the
        story follows one of them, and a tie is the leader's to decide."""
        top = max(counts, default=0)
        return tuple(c for c, n in zip(step.choices, counts, strict=True) if n == top and n)

    @staticmethod
    def totals(step: Step, counts: Sequence[int]) -> list[TotalRow]:
        """A room's answers to one step as class-level totals: nothing about anyone."""
        return [
            (step.id, c.id, c.strategy.value, c.assessment.value, step.phase.value, n)
            for c, n in zip(step.choices, counts, strict=True)
        ]

    @staticmethod
    def record(scenario: Scenario, run: Run, answer: Answer) -> ChoiceRecord:
        """One person's choice, as it is kept for those who agreed to saving."""
        return ChoiceRecord(
            run.run_id, scenario.id, scenario.version, answer.step.id, answer.choice.id,
            answer.choice.strategy.value, answer.choice.assessment.value, answer.step.phase.value,
        )  # fmt: skip
