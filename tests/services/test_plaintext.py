"""Class names and staff labels as one line of plain text that reads as it was meant."""

from __future__ import annotations

import pytest

from bot.services.plaintext import plain_text

RLO, LRI, PDI, LRM = "\u202e", "\u2066", "\u2069", "\u200e"
ZWJ, ZWNJ, ZWSP, VS16 = "\u200d", "\u200c", "\u200b", "\ufe0f"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("8B Tumba", "8B Tumba"),
        ("  8B \t\n Tumba  ", "8B Tumba"),
        ("8B\x00\x07\x1b[31mTumba", "8B[31mTumba"),  # NUL, bell, escape
        (f"8B {RLO}gpj.exe", "8B gpj.exe"),  # would show as "8B exe.jpg"
        (f"{LRI}Alby{PDI} {LRM}fritidsgård", "Alby fritidsgård"),
        (f"Nor{ZWSP}sborg\u2028klass\u00ad", "Norsborg klass"),  # zero width space, soft hyphen
        ("Ｆｉｔｔｊａ　９Ａ", "Fittja 9A"),  # full width letters and space: NFKC
        ("Tumba fritidsga\u030ard", "Tumba fritidsgård"),  # a + ring above: one å
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # Persian needs ZWNJ
        (f"क्{ZWJ}ष", f"क्{ZWJ}ष"),  # so does Devanagari ZWJ
        (f"👩{ZWJ}💻 kodklubben", f"👩{ZWJ}💻 kodklubben"),
        (f"❤{VS16} 8B", f"❤{VS16} 8B"),
        ("🇸🇪 Botkyrka", "🇸🇪 Botkyrka"),
        (f"{ZWJ}8B{ZWJ}", "8B"),
        ("\ud800 8B", "8B"),  # a lone surrogate half, as broken JSON can carry
    ],
)
def test_names_are_cleaned_as_a_person_would_expect(typed: str, kept: str) -> None:
    assert plain_text(typed, 60) == kept


@pytest.mark.parametrize(
    "typed", ["", "   ", "\n\t", f"{RLO}{LRI}{PDI}", f"{ZWJ}{ZWNJ}{ZWSP}", f" {VS16} ", "\x00\x1b"]
)
def test_nothing_visible_is_no_name(typed: str) -> None:
    assert plain_text(typed, 60) == ""


def test_long_names_are_cut_to_the_limit() -> None:
    assert plain_text("a" * 100, 60) == "a" * 60
    assert plain_text("abc defgh", 4) == "abc"  # no trailing space


@pytest.mark.parametrize(
    ("typed", "limit", "kept"),
    [
        (f"abc👩{ZWJ}💻", 5, "abc"),  # not a lone 👩 with a dangling ZWJ
        (f"abcd👩{ZWJ}💻", 5, "abcd"),
        (f"abc❤{VS16}", 4, "abc"),  # the heart keeps its selector or goes
        ("abcq\u0301", 4, "abc"),  # q and a combining acute: NFKC has no single character
        ("abc🇸🇪🇫🇮", 6, "abc🇸🇪"),  # never half a flag
        ("abc🇸🇪🇫🇮", 5, "abc🇸🇪"),
        ("ab👍🏽x", 3, "ab"),  # a thumb keeps its skin tone
        ("ab👍🏽x", 4, "ab👍🏽"),
    ],
)
def test_a_cut_never_splits_a_character_sequence(typed: str, limit: int, kept: str) -> None:
    assert plain_text(typed, limit) == kept
