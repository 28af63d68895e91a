"""The tokens of the web pages in PostgreSQL (bot.storage.ports.WebStore), on the pool of
`PostgresStore`: the same rules as bot.storage.sqlite.web. Times are kept to the second, as
SQLite keeps them; expiry is the store's clock (`moment()`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.storage.postgres.store import PostgresStore
from bot.storage.records import PROJECTOR, WebToken, check_digest

_TOKEN_COLUMNS = "kind, holder, expires_at, lesson_id, language"


class PostgresWebStore:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store  # its `moment()` is "now" for expiry

    async def save_token(self, digest: bytes, token: WebToken) -> None:
        await self._insert("", digest, token)

    async def first_use(self, digest: bytes, token: WebToken) -> bool:
        """ON CONFLICT DO NOTHING: of two at once (two workers too), the second waits for the
        first's uncommitted row and then inserts nothing."""
        return await self._insert(" ON CONFLICT (digest) DO NOTHING", digest, token) == 1

    async def _insert(self, on_conflict: str, digest: bytes, token: WebToken) -> int:
        check_digest(digest)
        values = {
            "digest": digest, "kind": token.kind, "holder": token.holder,
            "lesson": token.lesson_id, "language": token.language,
            "expires_at": token.expires_at, "now": self.store.moment(),
        }  # fmt: skip
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM web_tokens WHERE expires_at <= %(now)s", values)
            cursor = await db.execute(
                "INSERT INTO web_tokens (digest, kind, holder, lesson_id, language, expires_at)"
                " VALUES (%(digest)s, %(kind)s, %(holder)s, %(lesson)s, %(language)s,"
                f" date_trunc('second', %(expires_at)s::timestamptz)){on_conflict}",
                values,
            )
            return cursor.rowcount

    async def token(self, digest: bytes) -> WebToken | None:
        row = await self.store.fetch_one(
            f"SELECT {_TOKEN_COLUMNS} FROM web_tokens WHERE digest = %s AND expires_at > %s",
            (digest, self.store.moment()),
        )
        return _token(row) if row else None

    async def take_token(self, digest: bytes) -> WebToken | None:
        """One DELETE … RETURNING: of two takes at once (two workers too), the second waits
        for the first's row lock and then finds it gone."""
        row = await self.store.fetch_one(
            f"DELETE FROM web_tokens WHERE digest = %s RETURNING {_TOKEN_COLUMNS}", (digest,)
        )
        token = _token(row) if row else None
        return token if token and token.expires_at > self.store.moment() else None

    async def delete_token(self, digest: bytes) -> None:
        await self._delete("digest = %s", digest)

    async def revoke_lesson_links(self, lesson_id: int) -> int:
        return await self._delete(f"lesson_id = %s AND kind = '{PROJECTOR}'", lesson_id)

    async def _delete(self, where: str, value: Any) -> int:
        async with self.store.transaction() as db:
            cursor = await db.execute(f"DELETE FROM web_tokens WHERE {where}", (value,))
            return cursor.rowcount


def _token(row: Any) -> WebToken:
    kind, holder, expires_at, lesson_id, language = row
    return WebToken(kind, holder, expires_at.astimezone(UTC), lesson_id, language)
