"""Every scenario reaches an ending in every shipped language with `bystander play`, in that
language: its story, its debrief and the help lines explained, not the English fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli.authoring import _listed_picks, _play
from bot.cli.main import main
from bot.config import content_dirs
from bot.content.catalog import Catalog, load_catalog, scenario_files
from bot.content.review import MACHINE_DRAFT
from bot.engine.help import AgeBand
from bot.services.presenter import Presenter

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


@pytest.fixture(scope="module")
def presenter_and_catalog() -> tuple[Presenter, Catalog]:
    catalog = load_catalog([SCENARIOS], LOCALES, offered_from=MACHINE_DRAFT)  # as `play` reads
    return Presenter(catalog.locales, catalog.help), catalog


def assert_played_in(out: str, scenario: str, language: str) -> None:
    out = plain(out)
    assert plain(translated(SCENARIOS / scenario / f"{language}.yaml", "title")) in out
    heading = plain(translated(LOCALES / f"{language}.yaml", "help.heading"))
    assert heading in out, "the debrief ends with the help lines, in the language"
    assert "Stopped at step" not in out
    if language != "en":
        english = translated(SCENARIOS / scenario / "en.yaml", "description")
        assert plain(english) not in out, "no English fallback"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_bystander_play_plays_a_scenario_to_its_end_in_the_language(
    capsys: pytest.CaptureFixture[str], language: str
) -> None:
    assert main(["play", "knife", "--lang", language, "--choices", "random:3"]) == 0
    assert_played_in(capsys.readouterr().out, "knife", language)


@pytest.mark.parametrize("language", TRANSLATIONS)
@pytest.mark.parametrize("scenario", IDS)
def test_every_scenario_reaches_an_ending_in_every_language(
    capsys: pytest.CaptureFixture[str], presenter_and_catalog, scenario: str, language: str
) -> None:
    # The function `bystander play` runs, on one catalog read for all: reading the content
    # takes longer than playing a scenario.
    presenter, catalog = presenter_and_catalog
    for choices in ("first", "random:7"):
        pick = _listed_picks(choices)
        assert _play(catalog.scenarios[scenario], presenter, language, AgeBand.UNSAID, pick) == 0
        assert_played_in(capsys.readouterr().out, scenario, language)
