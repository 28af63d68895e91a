"""Right-to-left text: runs of digits, Latin script and commands inside it are isolated.

In an Arabic sentence, a phone number such as "116 111" is laid out by the Unicode
bidirectional algorithm as two separate numbers in right-to-left order ("111 116"): a
young person copying it would dial the wrong number. Commands ("/help" shown as "help/"),
names in Latin script and ranges suffer the same. Each such run is wrapped in a
left-to-right isolate (U+2066 … U+2069), which Telegram's apps honour, so it keeps its own
order whatever surrounds it. HTML tags and entities, which Telegram parses, are left as
they are.

A line's direction is set by its first letter: a help line starting with "BRIS" would be
laid out left to right. Isolated runs do not count (Unicode's rule P2), but not every app
applies that rule, so such a line also starts with a right-to-left mark.
"""

from __future__ import annotations

import re
import unicodedata

# Languages written right to left, by their code (ISO 639-1, else 639-3): Arabic, Persian
# and Dari, Hebrew, Urdu, Pashto, Kurdish Sorani, Yiddish, Dhivehi, Sindhi, Uyghur, Syriac.
RIGHT_TO_LEFT = frozenset(
    {"ar", "fa", "prs", "he", "ur", "ps", "ckb", "yi", "dv", "sd", "ug", "syr", "arc"}
)
# A script subtag says it for any language (ku-Arab, pa-Arab; sr-Latn is left to right).
RIGHT_TO_LEFT_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"})
LRI, PDI = "\u2066", "\u2069"
RLM = "\u200f"  # right-to-left mark: a strong right-to-left character with no glyph

# Left as they are: Telegram's HTML (a tag or an entity, never to be split), and a run
# isolated already (a value filled into a text was isolated on its own).
_MARKUP = re.compile(r"(<[^<>]*>|&#?\w+;|\u2066[^\u2066\u2069]*\u2069)")
# A run that reads left to right: from a Latin letter, a digit, "/" (a command) or "+" (a
# phone number) to the last such character, over the spaces and punctuation between them
# ("116 111", "BRIS 116 111", "/scenarios", "16–17", "020-50 50 50"); a full stop or
# space after it stays with the right-to-left sentence.
_STRONG = r"[A-Za-z0-9À-ɏ/+]"
_LEFT_TO_RIGHT = re.compile(rf"{_STRONG}(?:[@_.:'’–\- \u00a0]*{_STRONG})*")


def is_right_to_left(language: str) -> bool:
    """By the language code, or its script subtag when it has one ("ku-Arab")."""
    parts = language.lower().split("-")
    scripts = [part for part in parts[1:] if len(part) == 4]
    if scripts:
        return scripts[0] in RIGHT_TO_LEFT_SCRIPTS
    return parts[0] in RIGHT_TO_LEFT


def isolate_left_to_right(text: str) -> str:
    """`text` with each left-to-right run isolated; markup untouched."""
    parts = _MARKUP.split(text)
    return "".join(
        part if index % 2 else _LEFT_TO_RIGHT.sub(lambda run: f"{LRI}{run.group()}{PDI}", part)
        for index, part in enumerate(parts)
    )


def for_right_to_left(text: str) -> str:
    """`text` as a right-to-left language shows it: left-to-right runs isolated, and each
    line right to left, also one that starts with a Latin name."""
    return "\n".join(
        RLM + isolate_left_to_right(line)
        if _starts_left_to_right(line)
        else isolate_left_to_right(line)
        for line in text.split("\n")
    )


def _starts_left_to_right(line: str) -> bool:
    for char in "".join(_MARKUP.split(line)[::2]):  # the words, without tags and entities
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return False
        if direction == "L":
            return True
    return False
