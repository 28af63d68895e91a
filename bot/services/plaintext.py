"""Names that staff type (class names, invitation labels) as one line of plain text.

Such a name is shown to others: on buttons, in class results, in `/roles` and in reports.
Control characters could break a line or a file, and bidirectional overrides make a name
read as something else (after U+202E, "8B gpj.exe" shows as "8B exe.jpg"), so neither is
kept. ZWJ and ZWNJ stay: Persian, Arabic and Indic scripts and emoji sequences need them,
as they need combining marks and variation selectors.
"""

from __future__ import annotations

import unicodedata

ZWNJ, ZWJ = "\u200c", "\u200d"
# Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks U+200E,
# U+200F. All are format characters (Cf), removed anyway; listed to say what is meant.
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = ZWNJ + ZWJ
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # two of them make a flag


def plain_text(text: str, limit: int) -> str:
    """NFKC, without control, format (but ZWJ, ZWNJ) and bidi characters, whitespace
    collapsed to single spaces, trimmed, at most `limit` characters, not cut inside a
    character sequence. "" when nothing visible is left."""
    text = unicodedata.normalize("NFKC", text)
    # Whitespace controls (tab, line breaks) become spaces; str.split() knows them all.
    text = " ".join("".join(c for c in text if _kept(c)).split())
    text = _cut(text, limit).strip(" " + _JOINERS)
    # Only joiners, marks or selectors left: nothing anyone could read.
    if not any(unicodedata.category(c)[0] in "LNPS" for c in text):
        return ""
    return text


def _kept(c: str) -> bool:
    if c.isspace():
        return True
    if c in BIDI_CONTROLS:
        return False
    category = unicodedata.category(c)
    if category == "Cf":
        return c in _JOINERS
    return category not in ("Cc", "Cs")  # Cs: a lone surrogate half, from broken JSON


def _cut(text: str, limit: int) -> str:
    """The first `limit` characters, moved back so no sequence is split: a base character
    keeps its marks, selectors and skin tones, a ZWJ the character it joins, a flag both of
    its regional indicators."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and (_extends(text[cut]) or text[cut - 1] in _JOINERS or _splits_flag(text, cut)):
        cut -= 1
    return text[:cut]


def _extends(c: str) -> bool:
    """Attaches to the character before it."""
    return (
        c in _JOINERS
        or unicodedata.category(c) in ("Mn", "Mc", "Me")  # marks; U+FE0F is Mn
        or 0x1F3FB <= ord(c) <= 0x1F3FF  # skin tone modifiers (Sk)
    )


def _splits_flag(text: str, cut: int) -> bool:
    if ord(text[cut]) not in _REGIONAL_INDICATORS:
        return False
    run = 0
    while cut - run > 0 and ord(text[cut - run - 1]) in _REGIONAL_INDICATORS:
        run += 1
    return run % 2 == 1
