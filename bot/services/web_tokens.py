"""Unguessable, signed tokens for the web's links and sessions, and the forms' CSRF field.

A token is `<random>.<tag>`: 32 random bytes and an HMAC of its kind and those bytes (16
bytes), each url-safe base64 without padding. The database keeps only SHA-256 of the random
bytes, so whoever reads the database cannot rebuild a link from it; the tag lets a forged or
mistyped token be refused before any database look-up, and binds the kind, so a session
cookie is never a projector link or the reverse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from bot.storage.addresses import purpose_key

RANDOM_BYTES = 32
TAG_BYTES = 16
# Unpadded url-safe base64 of 32 and 16 bytes: 43 and 22 characters, so exactly 66 in all
# (any longer input fails the match at once, however long).
_TOKEN = re.compile(r"([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{22})")


def web_key(pseudonym_secret: bytes) -> bytes:
    """The web tokens' own key, derived from the pseudonym secret (HKDF-SHA256)."""
    return purpose_key(pseudonym_secret, "bystander web tokens")


def new_token(key: bytes, kind: str) -> tuple[str, bytes]:
    """A fresh token of this kind for a URL or cookie, and the digest to store for it."""
    random_part = secrets.token_bytes(RANDOM_BYTES)
    token = f"{_b64(random_part)}.{_b64(_tag(key, kind, random_part))}"
    return token, _digest(random_part)


def digest_of(key: bytes, kind: str, token: str) -> bytes | None:
    """The stored digest of a token of this kind; None if malformed or not signed by key."""
    parts = _TOKEN.fullmatch(token)
    if parts is None:
        return None
    random_part, tag = (_unb64(part) for part in parts.groups())
    # Only the one canonical spelling: base64's unused low bits could give a token twins.
    if _b64(random_part) != parts[1] or _b64(tag) != parts[2]:
        return None
    if not hmac.compare_digest(_tag(key, kind, random_part), tag):
        return None
    return _digest(random_part)


def csrf_token(key: bytes, session_token: str) -> str:
    """The hidden field of every form of this session: an HMAC of its session token."""
    # The leading NUL sets it apart from every token tag (a kind never starts with one).
    mac = hmac.new(key, b"\0csrf\0" + session_token.encode(), hashlib.sha256)
    return _b64(mac.digest())


def csrf_ok(key: bytes, session_token: str, given: str) -> bool:
    """Whether a form's CSRF field belongs to this session (compared in constant time)."""
    return given.isascii() and hmac.compare_digest(csrf_token(key, session_token), given)


def _tag(key: bytes, kind: str, random_part: bytes) -> bytes:
    if not kind or "\0" in kind:
        raise ValueError("a token kind is a non-empty name without NUL")
    message = kind.encode() + b"\0" + random_part
    return hmac.new(key, message, hashlib.sha256).digest()[:TAG_BYTES]


def _digest(random_part: bytes) -> bytes:
    return hashlib.sha256(random_part).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
