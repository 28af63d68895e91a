"""Finding the hard words of a step, so the player can ask what they mean."""

from __future__ import annotations

from bot.engine.glossary import MAX_TERMS, terms_in, word_forms

GLOSSARY = {
    "orosanmalan": word_forms("orosanmälan, orosanmäla"),
    "socialtjansten": word_forms("socialtjänst"),
    "kurator": word_forms("kurator"),
}


def test_a_word_is_found_in_any_of_its_forms_and_case() -> None:
    assert terms_in(["Kuratorn kan orosanmäla."], GLOSSARY) == ["kurator", "orosanmalan"]
    assert terms_in(["Socialtjänsten ringer."], GLOSSARY) == ["socialtjansten"]


def test_only_the_start_of_a_word_matches() -> None:
    assert terms_in(["en skolkurator"], GLOSSARY) == [], "not inside another word"


def test_terms_come_in_the_order_they_are_read_and_are_few() -> None:
    texts = ["Prata med socialtjänsten.", "Eller en kurator", "om en orosanmälan"]
    assert terms_in(texts, GLOSSARY) == ["socialtjansten", "kurator", "orosanmalan"]
    many = {f"w{n}": [f"ord{n}"] for n in range(MAX_TERMS + 2)}
    assert len(terms_in([" ".join(f"ord{n}" for n in range(9))], many)) == MAX_TERMS


def test_a_text_without_hard_words_has_no_terms() -> None:
    assert terms_in(["Yusuf sitter ensam."], GLOSSARY) == []
