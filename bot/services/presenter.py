"""Turns engine values into the messages a player reads, in their language.

Messages are Telegram-flavoured HTML (only <b> and <i>); `plain()` strips it for the
terminal, so the bot and `bystander play` show the same words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from bot.content.locales import Locales
from bot.engine.ages import Audience
from bot.engine.engine import Answer, Comparison, Debrief
from bot.engine.glossary import MAX_TERMS, terms_in, word_forms
from bot.engine.help import HelpResource, route_help
from bot.engine.model import SOURCE_LANGUAGE, Ending, Phase, Scenario, Step, Strategy

_TAG = re.compile(r"</?[bi]>")


def plain(message: str) -> str:
    return html.unescape(_TAG.sub("", message))


def escape(text: str) -> str:
    """Text from content or staff, made safe inside Telegram HTML."""
    return html.escape(text, quote=False)


_e = escape


@dataclass(frozen=True)
class Presenter:
    locales: Locales
    help: Mapping[str, HelpResource]

    def t(self, language: str, key: str, **values: object) -> str:
        return self.locales.text(language, key, **values)

    def scenario_intro(self, scenario: Scenario, language: str) -> str:
        focus = ", ".join(self.t(language, f"focus.{f}") for f in scenario.focus_areas)
        return self.t(
            language,
            "play.intro",
            title=_e(scenario.title.get(language)),
            description=_e(scenario.description.get(language)),
            focus=focus,
            minutes=scenario.minutes,
            content_note=_e(scenario.content_note.get(language)),
        )

    def phase_heading(self, phase: Phase, language: str) -> str:
        return self.t(language, f"phase.{phase}")

    def step(self, step: Step, language: str, *, with_heading: bool) -> str:
        text = _e(step.text.get(language))
        if with_heading:
            return f"<b>{self.phase_heading(step.phase, language)}</b>\n\n{text}"
        return text

    def glossary_terms(self, story: list[str], feedback: str, language: str) -> list[str]:
        """The glossary entries (ids) for words a step's story and labels use, then those
        of the feedback just read (such as its strategy's name), at most MAX_TERMS."""
        glossary = self._glossary.get(language) or self._glossary[SOURCE_LANGUAGE]
        found = terms_in(story, glossary)
        found += [t for t in terms_in([feedback], glossary) if t not in found]
        return found[:MAX_TERMS]

    def glossary_word(self, term: str, language: str) -> str:
        return word_forms(self.t(language, f"glossary.{term}.words"))[0]

    def glossary_entry(self, term: str, language: str) -> str | None:
        """What a glossary word means, or None for a word the glossary lacks."""
        if term not in self._glossary[SOURCE_LANGUAGE]:
            return None
        meaning = self.t(language, f"glossary.{term}.meaning")
        return self.t(language, "glossary.entry", word=_e(self.glossary_word(term, language)),
                      meaning=_e(meaning))  # fmt: skip

    @cached_property
    def _glossary(self) -> dict[str, dict[str, list[str]]]:
        """Each language's glossary word forms by entry, read once: steps look them up on
        every answer (drafts too: staff preview them)."""
        return self.locales.glossary()

    def choice_labels(self, step: Step, language: str) -> list[str]:
        return [c.label.get(language) for c in step.choices]

    def feedback(self, answer: Answer, language: str) -> str:
        choice = answer.choice
        return self.t(
            language,
            "play.feedback",
            label=_e(choice.label.get(language)),
            verdict=self.t(language, f"assessment.{choice.assessment}"),
            strategy=self.strategy_name(choice.strategy, language),
            feedback=_e(choice.feedback.get(language)),
        )

    def strategy_name(self, strategy: Strategy, language: str) -> str:
        return self.t(language, f"strategy.{strategy}")

    def debrief(
        self,
        scenario: Scenario,
        debrief: Debrief,
        language: str,
        band: Audience,
        *,
        room: bool = False,
    ) -> str:
        """The debrief; `room`: read by a whole class that followed one path together, so
        its strategies are the path's, not "yours"."""
        ending = debrief.ending
        strategies = ", ".join(self.strategy_name(s, language) for s in debrief.strategies_used)
        parts = [
            f"<b>{_e(ending.title.get(language))}</b>",
            _e(ending.debrief.get(language)),
            self.t(
                language,
                "group.debrief_strategies" if room else "debrief.strategies",
                strategies=strategies or self.t(language, "debrief.no_strategies"),
                helpful=debrief.helpful_choices,
                total=debrief.total_choices,
            ),
            *self._comparison(debrief.comparison, language),
            self.t(
                language,
                "debrief.principles",
                principles=", ".join(
                    self.t(language, f"principle.{p}") for p in debrief.principles
                ),
            ),
            self.t(language, "debrief.remember", remember=_e(ending.remember.get(language))),
            *self._discussion(ending, language),
            self.help_list(
                route_help(self.help, debrief.help, scenario.focus_areas, band), language
            ),
        ]
        return "\n\n".join(parts)

    def _comparison(self, comparison: Comparison | None, language: str) -> list[str]:
        """A replay's strategies next to the first play's; a path without any says so
        without labelling the player ("none this time", not "passive")."""
        if comparison is None:
            return []
        none = self.t(language, "debrief.no_strategies")

        def names(strategies: tuple[Strategy, ...]) -> str:
            return ", ".join(self.strategy_name(s, language) for s in strategies) or none

        return [
            self.t(
                language,
                "debrief.comparison",
                first=names(comparison.first),
                now=names(comparison.now),
            )
        ]

    def _discussion(self, ending: Ending, language: str) -> list[str]:
        """The ending's questions to talk about (in a class, or to think over alone)."""
        prompts = [_e(line.text.get(language)) for line in ending.discuss.lines]
        if not prompts:
            return []
        return [self.t(language, "debrief.discuss", prompts="\n".join(f"• {p}" for p in prompts))]

    def help_list(self, resources: list[HelpResource], language: str) -> str:
        lines = [self.t(language, "help.heading")]
        lines.extend(self._help_line(resource, language) for resource in resources)
        return "\n".join(lines)

    def help_card(self, groups: list[tuple[str, list[HelpResource]]], language: str) -> str:
        """The /help card: a short heading per group, so it can be skimmed on a phone."""
        return "\n\n".join(
            "\n".join(
                [self.t(language, f"help.group.{group}")]
                + [self._help_line(resource, language) for resource in resources]
            )
            for group, resources in groups
        )

    def _help_line(self, resource: HelpResource, language: str) -> str:
        contact = " · ".join(x for x in (resource.phone, _short_url(resource.url)) if x)
        return self.t(
            language,
            "help.line",
            name=self.t(language, f"help.{resource.key}.name"),
            contact=contact,
            description=self.t(language, f"help.{resource.key}.description"),
        )


def _short_url(url: str | None) -> str | None:
    """bris.se rather than https://www.bris.se: shorter on a phone, and Telegram still links it."""
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/") if url else None
