"""Versioned schema migrations: numbered SQL files in a backend's migrations folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from bot.storage.errors import StorageError

_MIGRATION_FILE = re.compile(r"(\d{3})_\w+\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migration_files(package: str) -> list[Migration]:
    """The SQL files in the package's migrations folder, numbered 001, 002, … without gaps."""
    folder = resources.files(package) / "migrations"
    migrations = sorted(
        (
            Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8"))
            for entry in folder.iterdir()
            if (match := _MIGRATION_FILE.fullmatch(entry.name))
        ),
        key=lambda migration: migration.version,
    )
    if [m.version for m in migrations] != list(range(1, len(migrations) + 1)):
        names = ", ".join(m.name for m in migrations)
        raise StorageError(f"migration files must be numbered 001, 002, … without gaps: {names}")
    return migrations
