"""The database keeps days, never times (docs/privacy.md). A sealed address sits in a
lesson round from the moment a student's questions before the lesson were answered: its
sealed text must not carry that moment (Fernet's tokens hold their time of sealing in the
clear, which the database key alone reads)."""

from __future__ import annotations

import base64
import struct
import time

from bot.storage.addresses import AddressBox, SealBox


def test_a_sealed_address_shows_no_time_of_sealing() -> None:
    before = int(time.time())
    sealed = AddressBox(b"s" * 32).seal(123456789)
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    # A Fernet token: version byte 0x80, then the seconds since 1970 as 8 bytes.
    (stamp,) = struct.unpack(">Q", raw[1:9])
    assert not before - 5 <= stamp <= time.time() + 5, "the sealed address tells when it was made"


def test_an_address_sealed_by_an_older_version_still_opens() -> None:
    """A reminder scheduled before an upgrade was sealed with Fernet: it still arrives."""
    secret = b"s" * 32
    older = SealBox(secret, "bystander reminder address").seal(b"123456789")
    assert AddressBox(secret).open(older) == 123456789
    assert AddressBox(secret).open(AddressBox(secret).seal(-1001234567890)) == -1001234567890
    assert AddressBox(b"t" * 32).open(older) is None, "another secret opens nothing"
