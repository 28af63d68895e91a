"""Errors raised by the storage layer, each with a message an operator can act on."""


class StorageError(Exception):
    """Base class for storage failures."""


class KeyLocationError(StorageError):
    """A secret is missing, malformed, too widely readable or stored next to the data."""


class DatabaseKeyError(StorageError):
    """The database cannot be decrypted with the configured key."""


class PseudonymKeyError(StorageError):
    """The pseudonym secret is not the one the database's pseudonyms were made with."""


class SchemaVersionError(StorageError):
    """The database schema is newer than this code understands."""


class StorageUnavailable(StorageError):
    """The disk or file system refused the operation (full, read-only, I/O error)."""


class UnknownUser(StorageError):
    """A write for a user without a profile, that is, one who has not agreed to saving."""


class DatabaseInUse(StorageError):
    """Restore or rekey while the bot runs, or the bot while a restore or rekey runs."""


class NoDatabase(StorageError):
    """A command that must not create anything found no database where it looked."""


class DatabaseMoved(StorageError):
    """The data was copied to another database by `bystander migrate-db`: this copy must
    not go on living a life of its own (splitting the data, missing deletions)."""


def moved_away(place: str, moved_to: str) -> DatabaseMoved:
    return DatabaseMoved(
        f"the data of {place} was moved to {moved_to} with `bystander migrate-db`: point the "
        'bot at that one (docs/operations.md, "Moving to PostgreSQL"), and delete this one '
        "and its backups once you are satisfied"
    )
