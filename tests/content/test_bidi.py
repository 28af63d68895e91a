"""Right-to-left interface texts (bot/content/bidi.py): what an Arabic reader sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bidi import get_base_level, get_display

from bot.config import content_dirs
from bot.content.bidi import (
    LRI,
    PDI,
    RLM,
    for_right_to_left,
    is_right_to_left,
    isolate_left_to_right,
)
from bot.content.catalog import Catalog, load_catalog
from bot.content.review import MACHINE_DRAFT
from bot.engine.model import Scenario, Text

# Phone numbers, 112 and commands, as they must read on the screen.
NUMBER = re.compile(r"\d[\d -]*\d")
COMMAND = re.compile(r"/[a-z]+")
MARKUP = re.compile(r"<[^>]*>")


def seen(text: str) -> str:
    """The text in screen order, left to right, as a phone lays it out."""
    return get_display(text).replace(LRI, "").replace(PDI, "")


def test_a_phone_number_in_an_arabic_sentence_keeps_its_order() -> None:
    sentence = "اتصل بـ BRIS على 116 111 أو اكتب /help."
    assert "111 116" in seen(sentence), "without isolation the groups swap"
    shown = seen(isolate_left_to_right(sentence))
    assert "116 111" in shown and "BRIS" in shown and "/help" in shown


def test_markup_telegram_parses_is_left_as_it_is() -> None:
    text = '<b>مرحبا</b> &amp; <a href="https://umo.se">UMO</a> 020-50 50 50'
    isolated = isolate_left_to_right(text)
    assert isolated.startswith('<b>مرحبا</b> &amp; <a href="https://umo.se">')
    assert f"{LRI}UMO{PDI}" in isolated and f"{LRI}020-50 50 50{PDI}" in isolated


@pytest.mark.parametrize("language", ["ar"])
def test_every_shipped_arabic_text_shows_numbers_and_commands_in_order(
    shipped_catalog: Catalog, language: str
) -> None:
    locales = shipped_catalog.locales
    checked = 0
    for key, template in locales.strings[language].items():
        if "{" in template:
            continue  # filled in at run time; the same function isolates them then
        shown = seen(locales.text(language, key))
        words = MARKUP.sub(" ", template)  # "</b>" is no command
        for run in [*NUMBER.findall(words), *COMMAND.findall(words)]:
            assert run in shown, f"{key}: {run!r} is not shown in order: {shown!r}"
            checked += 1
    assert checked > 30, "the help lines and glossary have numbers and commands"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", True),
        ("fa", True),
        ("ckb", True),
        ("ku-Arab", True),
        ("ku", False),
        ("sr-Latn", False),
        ("uz-Arab-AF", True),
        ("so", False),
        ("ti", False),
    ],
)
def test_direction_comes_from_the_code_or_its_script(language: str, expected: bool) -> None:
    assert is_right_to_left(language) is expected


def test_a_left_to_right_language_is_not_touched(shipped_catalog: Catalog) -> None:
    text = shipped_catalog.locales.text("sv", "help.typed")
    assert LRI not in text and PDI not in text


def test_isolating_twice_changes_nothing() -> None:
    once = for_right_to_left("<b>BRIS</b> 116 111 – للأطفال تحت 18 سنة")
    assert for_right_to_left(once) == once
    assert for_right_to_left(f"• {once}") == f"• {once}", "a value filled into a line"


def test_a_line_starting_with_a_latin_name_is_laid_out_right_to_left() -> None:
    text = "<b>BRIS</b> 116 111 – خط للأطفال\nاتصل بـ 112\n• <b>UMO</b> umo.se"
    lines = for_right_to_left(text).split("\n")
    assert [line.startswith(RLM) for line in lines] == [True, False, True]
    assert all(get_base_level(line) == 1 for line in lines)


def shipped_right_to_left_texts() -> list[tuple[str, str]]:
    """(where, text) for every shipped Arabic text, drafts included, as players see it."""
    scenarios, locales_dir = content_dirs({})
    catalog = load_catalog([scenarios], locales_dir, offered_from=MACHINE_DRAFT)
    locales = catalog.locales
    found = [
        (key, locales.text("ar", key))
        for key, template in locales.strings.get("ar", {}).items()
        if "{" not in template  # filled in at run time, by the same function
    ]
    for scenario in catalog.scenarios.values():
        for where, text in scenario_texts(scenario):
            if "ar" in text.values:
                found.append((f"{scenario.id}: {where}", text.values["ar"]))
    return found


def scenario_texts(scenario: Scenario) -> Iterator[tuple[str, Text]]:
    yield "title", scenario.title
    yield "description", scenario.description
    yield "content_note", scenario.content_note
    for step in scenario.steps.values():
        for line in step.text.lines:
            yield step.id, line.text
        for choice in step.choices:
            yield f"{step.id}.{choice.id}.label", choice.label
            yield f"{step.id}.{choice.id}.feedback", choice.feedback
    for ending in scenario.endings.values():
        yield ending.id, ending.title
        yield ending.id, ending.remember
        for line in (*ending.debrief.lines, *ending.discuss.lines):
            yield ending.id, line.text


def test_every_shipped_arabic_line_reads_right_to_left_with_numbers_in_order() -> None:
    texts = shipped_right_to_left_texts()
    assert len(texts) > 300
    for where, text in texts:
        for line in MARKUP.sub("", text).split("\n"):
            if any(c.isalpha() for c in line):
                assert get_base_level(line) == 1, f"{where}: {line!r} is laid out left to right"
            shown = seen(line)
            for run in [*NUMBER.findall(line), *COMMAND.findall(line)]:
                clean = run.replace(LRI, "").replace(PDI, "")
                assert clean in shown, f"{where}: {clean!r} is not shown in order: {shown!r}"


def test_the_arabic_transcript_reads_right_to_left_with_numbers_in_order() -> None:
    # tests/golden/bus-fight-ar-first.txt: what `bystander play bus-fight --lang ar` prints,
    # the texts a player reads in Telegram, with the interface's lines around them.
    golden = Path(__file__).parent.parent / "golden" / "bus-fight-ar-first.txt"
    lines = [line for line in golden.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 30
    for line in lines:
        if any(c.isalpha() for c in line):
            assert get_base_level(line) == 1, f"laid out left to right: {line!r}"
        shown = seen(line)
        for run in NUMBER.findall(line.replace(LRI, "").replace(PDI, "")):
            assert run in shown, f"{run!r} is not shown in order: {shown!r}"
