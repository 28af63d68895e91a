"""The deletion log: whose data was deleted on request, so a restore deletes it again.

A backup holds the data of everyone who had some when it was made. Restoring it must not
bring back the data of people who deleted theirs since, so every deletion is logged here,
outside the database that a restore replaces, for as long as backups are kept
(BYSTANDER_BACKUP_DAYS). Each line is encrypted (Fernet) with a key derived from the
pseudonym secret: like the data, the log is unreadable without a key kept elsewhere, and it
stays readable when `bystander rekey` rotates the database key.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.storage.errors import StorageError, StorageUnavailable
from bot.storage.keys import fsync_directory

DELETION_LOG_FILE = "deletions.log"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deletion:
    at: datetime
    user: str  # the pseudonym


class DeletionLog:
    def __init__(
        self,
        path: Path,
        pseudonym_secret: bytes,
        keep_days: int,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path
        self.keep_days = keep_days
        self._now = now
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"bystander deletion log"
        ).derive(pseudonym_secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def ensure(self) -> None:
        """Start the log if there is none: it covers deletions from now on."""
        with self._held():
            if not self.path.exists():
                self._write(self._now(), [])

    def record(self, user: str) -> None:
        """Log a deletion (durably, before returning) and forget those past the keep time.
        Several workers on one host share the log: each rewrite holds it to itself."""
        with self._held():
            since, deletions = self._read()
            cutoff = self._now() - timedelta(days=self.keep_days)
            kept = [deletion for deletion in deletions if deletion.at >= cutoff]
            self._write(max(since, cutoff), [*kept, Deletion(self._now(), user)])

    @contextmanager
    def _held(self) -> Iterator[None]:
        """An exclusive lock (flock) on a file beside the log, released however this ends."""
        path = self.path.with_name(f"{self.path.name}.lock")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageUnavailable(f"cannot open {path}: {error.strerror}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def covered_since(self) -> datetime:
        """Deletions from this moment on are known: a backup made before it cannot be
        restored without risking someone's deleted data coming back."""
        since, _ = self._read()
        return max(since, self._now() - timedelta(days=self.keep_days))

    def refuse_uncovered(self, made: datetime, backup: str) -> None:
        """Refuse to restore `backup`, made at `made`, when deletions since then may be
        missing from the log."""
        since = self.covered_since()
        if made < since:
            raise StorageError(
                f"{backup} is from {made:%Y-%m-%d %H:%M} UTC, before the deletion log "
                f"{self.path} begins ({since:%Y-%m-%d %H:%M} UTC; it keeps "
                f"BYSTANDER_BACKUP_DAYS = {self.keep_days} days): restoring it could bring "
                "back data people deleted"
            )

    def deletions_since(self, moment: datetime | None) -> list[Deletion]:
        """The deletions logged at or after `moment` (all of them for None)."""
        _, deletions = self._read()
        return [d for d in deletions if moment is None or d.at >= moment]

    def _seal(self, record: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(record).encode()).decode() + "\n"

    def _read(self) -> tuple[datetime, list[Deletion]]:
        try:
            lines = self.path.read_text(encoding="ascii").split()
        except FileNotFoundError:
            raise StorageError(
                f"the deletion log {self.path} is missing: without it a restore could bring "
                "back deleted data"
            ) from None
        except OSError as error:
            raise StorageUnavailable(f"cannot read {self.path}: {error.strerror}") from error
        try:
            header, *entries = (json.loads(self._fernet.decrypt(line)) for line in lines)
        except (InvalidToken, ValueError):
            raise StorageError(
                f"cannot read the deletion log {self.path}: it is damaged or belongs to another "
                "pseudonym secret"
            ) from None
        deletions = [Deletion(datetime.fromisoformat(e["at"]), e["user"]) for e in entries]
        return datetime.fromisoformat(header["since"]), deletions

    def _write(self, since: datetime, deletions: list[Deletion]) -> None:
        records = [{"since": since.isoformat()}]
        records += [{"at": d.at.isoformat(), "user": d.user} for d in deletions]
        text = "".join(self._seal(record) for record in records)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # A synced temporary file renamed into place: a crash leaves the old log or the
            # new one, never half of one.
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".deletions-")
            try:
                with os.fdopen(fd, "w", encoding="ascii") as file:
                    file.write(text)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            fsync_directory(self.path.parent)
        except OSError as error:
            raise StorageUnavailable(f"cannot write {self.path}: {error.strerror}") from error
