"""Right-to-left interface texts (bot/content/bidi.py): what an Arabic reader sees."""

from __future__ import annotations

import re

import pytest
from bidi import get_display

from bot.content.bidi import LRI, PDI, isolate_left_to_right
from bot.content.catalog import Catalog

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


def test_a_left_to_right_language_is_not_touched(shipped_catalog: Catalog) -> None:
    text = shipped_catalog.locales.text("sv", "help.typed")
    assert LRI not in text and PDI not in text
