"""Every scenario reaches an ending in every shipped language with `bystander play`, in that
language: its story, its debrief and the help lines explained, not the English fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.config import content_dirs
from bot.content.catalog import scenario_files

SCENARIOS, LOCALES = content_dirs({})
IDS = sorted(p.parent.name for p in scenario_files([SCENARIOS]))
TRANSLATIONS = sorted(
    p.stem for p in LOCALES.glob("*.yaml") if p.stem not in {"sv", "help-resources"}
)
DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def translated(path: Path, key: str) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["strings"][key]["text"]


def plain(text: str) -> str:
    """Without markup and the invisible marks of right-to-left text, as the terminal shows."""
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        text = text.replace(tag, "")
    return text.translate(DIRECTION_MARKS)


def test_the_four_languages_of_botkyrka_are_shipped() -> None:
    assert {"en", "ar", "fi", "so", "tr"} <= set(TRANSLATIONS)


@pytest.mark.parametrize("language", TRANSLATIONS)
@pytest.mark.parametrize("scenario", IDS)
def test_a_scenario_is_played_to_its_end_in_the_language(
    capsys: pytest.CaptureFixture[str], scenario: str, language: str
) -> None:
    story = SCENARIOS / scenario / f"{language}.yaml"
    for choices in ("first", "random:7"):
        assert main(["play", scenario, "--lang", language, "--choices", choices]) == 0
        out = plain(capsys.readouterr().out)
        assert plain(translated(story, "title")) in out
        heading = plain(translated(LOCALES / f"{language}.yaml", "help.heading"))
        assert heading in out, "the debrief ends with the help lines, in the language"
        assert "Stopped at step" not in out
        if language != "en":
            english = SCENARIOS / scenario / "en.yaml"
            assert plain(translated(english, "description")) not in out, "no English fallback"
