"""Hard words in a story, found so that the player can ask what they mean.

The words and their meanings are content (locales/: `glossary.<id>.words` and
`glossary.<id>.meaning`); this module only finds which of them a text uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

MAX_TERMS = 3  # buttons under one message: more would crowd out the choices


def word_forms(listed: str) -> list[str]:
    """The comma-separated forms of a glossary entry ("orosanmälan, orosanmäla")."""
    return [form.strip() for form in listed.split(",") if form.strip()]


# Invisible marks that set the direction of right-to-left text (bot/content/bidi.py): a word
# form is found whether or not they surround it.
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def terms_in(
    texts: Iterable[str], glossary: Mapping[str, Sequence[str]], limit: int | None = MAX_TERMS
) -> list[str]:
    """The glossary ids whose word forms start a word in the texts, in order of first
    appearance (at most `limit`). A form matches its inflections: "socialtjänst" finds
    "socialtjänsten"."""
    text = "\n".join(texts).translate(_DIRECTION_MARKS)
    found: list[tuple[int, str]] = []
    for term, forms in glossary.items():
        if forms and (match := _forms_pattern(tuple(forms)).search(text)):
            found.append((match.start(), term))
    return [term for _, term in sorted(found)][:limit]


@cache
def _forms_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One search finds the first of a term's forms: lint runs it over every text of every
    language, and a step over its story on every answer."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, forms))})", re.IGNORECASE)
