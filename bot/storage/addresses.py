"""Sealed chat ids: reply addresses for opt-in follow-up reminders, and the Telegram groups
that lessons play in; and the keys of their own purposes that seal or hash anything else
kept under the pseudonym secret (unsaved play on PostgreSQL).

A reminder or a lesson's end questions must reach a person whom the database knows only by
pseudonym, so the chat id is kept – only until the message is sent – encrypted with
a key derived from the pseudonym secret, which lives outside the database. The database
key alone never reveals a Telegram id. A group's chat id is sealed the same way (with a key
of its own purpose) for as long as its lesson is kept.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.storage.keys import chat_ref

REMINDER = "reminder"
GROUP_CHAT = "group chat"


def purpose_key(secret: bytes, purpose: str) -> bytes:
    """A key of its own for one purpose, derived from the pseudonym secret: what is sealed
    or hashed for one use never opens or matches for another."""
    derivation = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return derivation.derive(secret)


class SealBox:
    """Seals bytes with a key of its own purpose (Fernet: authenticated encryption)."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(purpose_key(secret, purpose)))

    def seal(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode()

    def open(self, sealed: str) -> bytes | None:
        """None when it was sealed with another secret or purpose, or was changed."""
        try:
            return self._fernet.decrypt(sealed.encode())
        except InvalidToken:
            return None


class TimelessBox:
    """Seals bytes with AES-GCM under a key of its own purpose, for data that must show
    nothing but its presence: unlike Fernet's, the sealed text holds no time of sealing,
    its length is padded to a multiple of `pad_to` bytes (so it shows little of how much it
    holds), and it opens only in the `place` it was sealed for (a row cannot be moved to
    another person's)."""

    NONCE_BYTES = 12
    LENGTH_BYTES = 4

    def __init__(self, secret: bytes, purpose: str, pad_to: int = 512) -> None:
        self._aead = AESGCM(purpose_key(secret, purpose))
        self._pad_to = pad_to

    def seal(self, data: bytes, place: bytes) -> str:
        body = len(data).to_bytes(self.LENGTH_BYTES, "big") + data
        body += bytes(-len(body) % self._pad_to)
        nonce = os.urandom(self.NONCE_BYTES)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, body, place)).decode()

    def open(self, sealed: str, place: bytes) -> bytes | None:
        """None when it was sealed with another secret or purpose, for another place, or
        was changed."""
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            nonce, box = raw[: self.NONCE_BYTES], raw[self.NONCE_BYTES :]
            body = self._aead.decrypt(nonce, box, place)
        except (ValueError, InvalidTag):  # binascii.Error is a ValueError
            return None
        length = int.from_bytes(body[: self.LENGTH_BYTES], "big")
        return body[self.LENGTH_BYTES : self.LENGTH_BYTES + length]


class AddressBox:
    """A chat id sealed without a time of sealing: the database keeps days, never times,
    and a Fernet token would tell the second a student answered. Addresses sealed by older
    versions (Fernet) still open, so reminders scheduled before an upgrade arrive."""

    _PLACE = b"chat address"

    def __init__(self, secret: bytes, purpose: str = REMINDER) -> None:
        self._box = TimelessBox(secret, f"bystander {purpose} address", pad_to=32)
        self._older = SealBox(secret, f"bystander {purpose} address")

    def seal(self, chat_id: int) -> str:
        return self._box.seal(str(chat_id).encode(), self._PLACE)

    def open(self, sealed: str) -> int | None:
        opened = self._box.open(sealed, self._PLACE) or self._older.open(sealed)
        try:
            return int(opened) if opened is not None else None
        except ValueError:
            return None


class ChatKeys:
    """Turns a group's chat id into what is stored: a lookup ref and a sealed address. Both
    are keyed with the pseudonym secret, which is kept outside the database."""

    def __init__(self, pseudonym_secret: bytes) -> None:
        self._secret = pseudonym_secret
        self._box = AddressBox(pseudonym_secret, GROUP_CHAT)

    def ref(self, chat_id: int) -> str:
        return chat_ref(self._secret, chat_id)

    def seal(self, chat_id: int) -> str:
        return self._box.seal(chat_id)

    def open(self, sealed: str) -> int | None:
        return self._box.open(sealed)
