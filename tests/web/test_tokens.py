"""Web tokens: a link or cookie works only as issued, for its kind, under the bot's key;
what the database keeps cannot be used as a link."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.services.web_tokens import csrf_ok, csrf_token, digest_of, new_token, web_key

KEY = web_key(b"\x01" * 32)
SESSION = "session"
PROJECTOR = "projector"
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_token_gives_back_the_digest_issued_with_it():
    token, digest = new_token(KEY, SESSION)
    assert digest_of(KEY, SESSION, token) == digest
    assert len(digest) == 32


def test_a_token_fits_a_url_and_a_cookie_unescaped():
    token, _ = new_token(KEY, PROJECTOR)
    assert set(token) <= URL_SAFE
    assert len(token) <= 100


def test_a_token_of_another_kind_is_refused():
    session_cookie, _ = new_token(KEY, SESSION)
    projector_link, _ = new_token(KEY, PROJECTOR)
    assert digest_of(KEY, PROJECTOR, session_cookie) is None
    assert digest_of(KEY, SESSION, projector_link) is None


def test_every_flipped_character_is_refused():
    token, _ = new_token(KEY, SESSION)
    for position, character in enumerate(token):
        for replacement in {"A", "B", "f", "g", "-", "_", "0"} - {character}:
            flipped = token[:position] + replacement + token[position + 1 :]
            assert digest_of(KEY, SESSION, flipped) is None, (position, replacement)


def test_a_twin_spelling_of_the_same_bytes_is_refused():
    """The last character of 32 bytes in base64 carries 2 unused bits; setting them must
    not make a second working link."""
    token, _ = new_token(KEY, SESSION)
    random_part, tag = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(random_part[-1]) ^ 1]
    twin_token = f"{random_part[:-1]}{twin}.{tag}"
    decoded = base64.urlsafe_b64decode(twin_token.split(".")[0] + "=")
    assert decoded == base64.urlsafe_b64decode(random_part + "=")
    assert digest_of(KEY, SESSION, twin_token) is None


@pytest.mark.parametrize("cut", [1, 10, 23, 30])
def test_a_truncated_token_is_refused(cut):
    token, _ = new_token(KEY, SESSION)
    assert digest_of(KEY, SESSION, token[:-cut]) is None


def test_a_token_of_another_key_is_refused():
    other_key = web_key(b"\x02" * 32)
    assert other_key != KEY
    token, _ = new_token(other_key, SESSION)
    assert digest_of(KEY, SESSION, token) is None


def test_a_token_with_a_non_ascii_letter_is_refused():
    token, _ = new_token(KEY, SESSION)
    assert digest_of(KEY, SESSION, "å" + token[1:]) is None
    assert digest_of(KEY, SESSION, token[:-1] + "٣") is None


@pytest.mark.parametrize("malformed", ["", ".", "abc", "a" * 43 + "." + "a" * 22 + "\n"])
def test_an_empty_or_malformed_token_is_refused(malformed):
    assert digest_of(KEY, SESSION, malformed) is None


def test_a_very_long_token_is_refused():
    token, _ = new_token(KEY, SESSION)
    assert digest_of(KEY, SESSION, token + "A" * 100_000) is None
    assert digest_of(KEY, SESSION, "A" * 1_000_000) is None


def test_two_tokens_differ():
    tokens = [new_token(KEY, SESSION) for _ in range(100)]
    assert len({token for token, _ in tokens}) == 100
    assert len({digest for _, digest in tokens}) == 100


def test_the_stored_digest_is_nothing_found_in_the_token():
    token, digest = new_token(KEY, SESSION)
    parts = [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]
    for part in parts:
        assert digest not in part and part not in digest
    for spelling in (digest.hex(), base64.urlsafe_b64encode(digest).decode().rstrip("=")):
        assert spelling[:8] not in token
    # It is SHA-256 of the random part: a database reader learns nothing to sign with.
    assert digest == hashlib.sha256(parts[0]).digest()


def test_a_stored_digest_cannot_be_used_as_a_link():
    _, digest = new_token(KEY, SESSION)
    spelled = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert digest_of(KEY, SESSION, spelled) is None
    assert digest_of(KEY, SESSION, f"{spelled}.{spelled[:22]}") is None


def test_the_web_key_is_hkdf_of_the_pseudonym_secret_for_web_tokens():
    secret = b"\x01" * 32
    derivation = HKDF(hashes.SHA256(), length=32, salt=None, info=b"bystander web tokens")
    assert web_key(secret) == derivation.derive(secret)
    assert web_key(b"\x03" * 32) != KEY


def test_the_csrf_field_belongs_to_its_session_only():
    session_a, _ = new_token(KEY, SESSION)
    session_b, _ = new_token(KEY, SESSION)
    field_a = csrf_token(KEY, session_a)
    assert csrf_ok(KEY, session_a, field_a)
    assert not csrf_ok(KEY, session_b, field_a)
    assert not csrf_ok(web_key(b"\x02" * 32), session_a, field_a)
    assert field_a != session_a and field_a not in session_a
    assert set(field_a) <= URL_SAFE


@pytest.mark.parametrize("given", ["", "x", "é" * 43, "\x00"])
def test_a_missing_or_garbled_csrf_field_is_refused(given):
    session, _ = new_token(KEY, SESSION)
    assert not csrf_ok(KEY, session, given)


def test_a_csrf_field_with_one_character_changed_is_refused():
    session, _ = new_token(KEY, SESSION)
    field = csrf_token(KEY, session)
    changed = ("B" if field[0] == "A" else "A") + field[1:]
    assert not csrf_ok(KEY, session, changed)


@pytest.mark.parametrize("kind", ["", "session\0projector"])
def test_a_kind_must_be_a_plain_name(kind):
    """A NUL would let one kind's signed bytes pass for another's (and for a CSRF field)."""
    with pytest.raises(ValueError, match="kind"):
        new_token(KEY, kind)
