"""Storage of pseudonymous training progress (see PRODUCT.md §3, privacy model): the ports
(bot.storage.ports) and their backends (bot.storage.sqlite, bot.storage.memory), which only
bot.bootstrap chooses."""

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
    "StorageError",
    "StorageUnavailable",
    "UnknownUser",
    "UserData",
    "load_or_create_secret",
    "load_secrets",
    "pseudonym",
]
