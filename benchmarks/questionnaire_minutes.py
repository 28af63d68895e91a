"""How long one wave of the questionnaire takes, measured on what the bot sends.

Renders each wave's messages exactly as the bot does (bot.services.survey), in every
shipped language, and counts the words a young person reads and the taps they make:
minutes at 100 words a minute and 3 s a tap (a 13-year-old reading a second language,
Telegram's round trip included), and at 150 words a minute and 2 s a tap. The lower figure
reads a block's stem and answer buttons once; the upper reads them again at every item.

    python benchmarks/questionnaire_minutes.py
"""

from __future__ import annotations

import re
from pathlib import Path

from _common import machine

from bot.config import content_dirs
from bot.content.catalog import load_catalog
from bot.engine.measures import Wave
from bot.services.presenter import Presenter
from bot.services.survey import SurveyService

ROOT = Path(__file__).resolve().parent.parent
TAGS = re.compile(r"<[^>]+>")
LESSON_BUDGET_MINUTES = 5  # a wave must leave a 40-minute lesson its scenario and talk
PACES = {"slow": (100, 3), "usual": (150, 2)}  # words a minute, seconds a tap


def words(text: str) -> int:
    return len(TAGS.sub(" ", text).split())


def wave_words(survey: SurveyService, language: str, wave: Wave) -> tuple[int, int]:
    """(words read once per block, words read at every item)."""
    once = every = 0
    seen_blocks: set[str] = set()
    for index, item in enumerate(survey.measures.items):
        message = survey.question(language, wave, "bus-fight", index)
        labels = sum(words(b.label) for row in message.buttons for b in row)
        every += words(message.text) + labels
        stem = item.block.stem.get(language) if item.block.stem else ""
        repeated = 0 if item.block.id not in seen_blocks else words(stem) + labels
        once += words(message.text) + labels - repeated
        seen_blocks.add(item.block.id)
    return once, every


def minutes(word_count: int, taps: int, per_minute: int, tap_seconds: int) -> float:
    return word_count / per_minute + taps * tap_seconds / 60


def main() -> None:
    scenarios, locales = content_dirs({})
    catalog = load_catalog([scenarios], locales, offered_from="machine-draft")
    survey = SurveyService(catalog.measures, Presenter(catalog.locales, catalog.help), None, None)
    taps = len(catalog.measures.items)
    print(machine())
    print(f"{taps} items, one tap each; minutes per wave (budget {LESSON_BUDGET_MINUTES})")
    print(f"{'language':<9}{'wave':<6}{'words':>12}{'100 wpm, 3 s':>16}{'150 wpm, 2 s':>16}")
    worst = dict.fromkeys(PACES, 0.0)
    for language in catalog.locales.languages:
        for wave in (Wave.BEFORE, Wave.AFTER):
            once, every = wave_words(survey, language, wave)
            cells = []
            for pace, (per_minute, tap_seconds) in PACES.items():
                low = minutes(once, taps, per_minute, tap_seconds)
                high = minutes(every, taps, per_minute, tap_seconds)
                worst[pace] = max(worst[pace], low)
                cells.append(f"{low:.1f}–{high:.1f}")
            print(
                f"{language:<9}{wave.value:<6}{f'{once}–{every}':>12}{cells[0]:>16}{cells[1]:>16}"
            )
    for pace, slowest in worst.items():
        verdict = "within" if slowest <= LESSON_BUDGET_MINUTES else "OVER"
        print(
            f"{pace} readers, slowest wave (stems read once): {slowest:.1f} min, {verdict} budget"
        )


if __name__ == "__main__":
    main()
