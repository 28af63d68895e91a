"""The tokens of the web pages in the SQLCipher database (bot.storage.ports.WebStore), on the
connections of `SqlCipherStore`: projector links, one-time login links and sessions, each
kept under the SHA-256 digest of its secret only. Expiry is the store's clock (`moment()`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.records import PROJECTOR, WebToken, check_digest
from bot.storage.sqlite.roles import stamp
from bot.storage.sqlite.store import SqlCipherStore, fetch_one, transaction

_TOKEN_COLUMNS = "kind, holder, expires_at, lesson_id, language"


class SqlCipherWebStore:
    def __init__(self, store: SqlCipherStore) -> None:
        self.store = store  # its `moment()` is "now" for expiry

    def _now(self) -> datetime:
        return datetime.fromisoformat(self.store.moment())

    async def save_token(self, digest: bytes, token: WebToken) -> None:
        await self._insert("INSERT", digest, token)

    async def first_use(self, digest: bytes, token: WebToken) -> bool:
        """INSERT OR IGNORE in SQLite's one write at a time: the second of two finds the row."""
        return await self._insert("INSERT OR IGNORE", digest, token) == 1

    async def _insert(self, insert: str, digest: bytes, token: WebToken) -> int:
        check_digest(digest)
        values = {
            "digest": digest, "kind": token.kind, "holder": token.holder,
            "lesson": token.lesson_id, "language": token.language,
            "expires_at": stamp(token.expires_at), "now": self.store.moment(),
        }  # fmt: skip
        async with self.store.session() as db, transaction(db):
            await db.execute("DELETE FROM web_tokens WHERE expires_at <= :now", values)
            cursor = await db.execute(
                f"{insert} INTO web_tokens (digest, kind, holder, lesson_id, language, expires_at)"
                " VALUES (:digest, :kind, :holder, :lesson, :language, :expires_at)",
                values,
            )
        return cursor.rowcount

    async def token(self, digest: bytes) -> WebToken | None:
        async with self.store.reading() as db:
            row = await fetch_one(
                db,
                f"SELECT {_TOKEN_COLUMNS} FROM web_tokens WHERE digest = ? AND expires_at > ?",
                (digest, self.store.moment()),
            )
        return _token(row) if row else None

    async def take_token(self, digest: bytes) -> WebToken | None:
        """One statement, so one write: of two takes at once (two processes too), SQLite's
        write lock lets the second find the row gone."""
        async with self.store.statement() as db:
            row = await fetch_one(
                db, f"DELETE FROM web_tokens WHERE digest = ? RETURNING {_TOKEN_COLUMNS}", (digest,)
            )
        token = _token(row) if row else None
        return token if token and token.expires_at > self._now() else None

    async def delete_token(self, digest: bytes) -> None:
        await self._delete("digest = ?", digest)

    async def revoke_lesson_links(self, lesson_id: int) -> int:
        return await self._delete(f"lesson_id = ? AND kind = '{PROJECTOR}'", lesson_id)

    async def _delete(self, where: str, value: Any) -> int:
        async with self.store.statement() as db:
            cursor = await db.execute(f"DELETE FROM web_tokens WHERE {where}", (value,))
        return cursor.rowcount


def _token(row: Any) -> WebToken:
    kind, holder, expires_at, lesson_id, language = row
    return WebToken(kind, holder, datetime.fromisoformat(expires_at), lesson_id, language)
