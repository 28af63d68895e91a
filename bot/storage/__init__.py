"""Encrypted storage of pseudonymous training progress (see PRODUCT.md §3, privacy model)."""

from bot.storage.errors import (
    DatabaseKeyError,
    KeyLocationError,
    PseudonymKeyError,
    SchemaVersionError,
    StorageError,
    StorageUnavailable,
    UnknownUser,
)
from bot.storage.keys import Secrets, load_or_create_secret, load_secrets, pseudonym
from bot.storage.records import AGE_BANDS, CONSENT_SAVE, ChoiceRecord, Profile, UserData
from bot.storage.sqlite.store import SqlCipherStore, Store

__all__ = [
    "AGE_BANDS",
    "CONSENT_SAVE",
    "ChoiceRecord",
    "DatabaseKeyError",
    "KeyLocationError",
    "Profile",
    "PseudonymKeyError",
    "SchemaVersionError",
    "Secrets",
    "SqlCipherStore",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "UnknownUser",
    "UserData",
    "load_or_create_secret",
    "load_secrets",
    "pseudonym",
]
