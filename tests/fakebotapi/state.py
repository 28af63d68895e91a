"""In-memory Telegram: chats, messages, files, callback queries and the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, forbidden

JSON = dict[str, Any]
# Telegram leaves these out unless a bot asks for them in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT = ApiError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)


@dataclass
class Profile:
    """A Telegram account: the bot itself or a simulated person."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def user_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        return data | {key: value for key, value in optional.items() if value}

    def private_chat_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        return data | {key: value for key, value in optional.items() if value}


@dataclass
class StoredFile:
    """A file Telegram knows; `data` is None for files sent by URL (never fetched)."""

    file_id: str
    file_unique_id: str
    data: bytes | None
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None

    def size_json(self) -> JSON:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id} | (
            {"file_size": len(self.data)} if self.data is not None else {}
        )


@dataclass
class StoredMessage:
    """One message in a chat, in its current (possibly edited) state."""

    chat: Profile
    message_id: int
    sender: Profile
    revision: int
    date: int = field(default_factory=lambda: int(time.time()))
    text: str = ""
    entities: list[JSON] = field(default_factory=list)
    caption: str = ""
    caption_entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    sticker: JSON | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    def to_json(self) -> JSON:
        """The Message object as the Bot API returns it."""
        data: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.private_chat_json(),
            "from": self.sender.user_json(),
        }
        optional: JSON = {
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
            "edit_date": self.edit_date,
            "sticker": self.sticker,
            "photo": [self._photo_size()] if self.photo else None,
            "document": self._document_json() if self.document else None,
        }
        return data | {key: value for key, value in optional.items() if value}

    def _photo_size(self) -> JSON:
        assert self.photo
        return self.photo.size_json() | {"width": 320, "height": 320}

    def _document_json(self) -> JSON:
        assert self.document
        extra = {"file_name": self.document.filename, "mime_type": self.document.mime_type}
        return self.document.size_json() | {k: v for k, v in extra.items() if v}


@dataclass(frozen=True)
class ChatEvent:
    """One line of a chat's history as a person experienced it."""

    kind: str  # "message", "click", "toast" or "alert"
    message_id: int | None = None
    text: str = ""


@dataclass
class Chat:
    """A private chat between the bot and one simulated user."""

    user: Profile
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    timeline: list[ChatEvent] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    chat_action: str | None = None
    menu_button: JSON | None = None
    blocked: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_message(self, sender: Profile, revision: int, **content: Any) -> StoredMessage:
        """Store a new message; user and bot share one id sequence, as in Telegram."""
        message = StoredMessage(self.user, next(self._ids), sender, revision, **content)
        self.messages[message.message_id] = message
        self.timeline.append(ChatEvent("message", message.message_id))
        return message

    def visible_bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]


@dataclass
class CallbackQueryRecord:
    """A button press and whether the bot answered it (Telegram wants an answer)."""

    id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False


@dataclass
class PendingUpdate:
    update_id: int
    payload: JSON
    delivered: bool = False

    @property
    def type(self) -> str:
        return next(key for key in self.payload if key != "update_id")


class UpdateQueue:
    """Telegram's per-bot update queue with getUpdates long polling semantics."""

    def __init__(self) -> None:
        self.pending: list[PendingUpdate] = []
        self.allowed: frozenset[str] | None = None
        self.last_delivery = 0.0
        self.closed = False
        self._ids = itertools.count(100_000_001)
        self._wakeup = asyncio.Event()
        self._generation = 0

    def put(self, payload: JSON) -> PendingUpdate:
        update = PendingUpdate(next(self._ids), payload)
        update.payload = {"update_id": update.update_id, **payload}
        self.pending.append(update)
        self._wake()
        return update

    def undelivered(self) -> list[PendingUpdate]:
        return [u for u in self.pending if not u.delivered]

    def next_for_webhook(self) -> PendingUpdate | None:
        """The oldest update to post, marked delivered; `confirm` or `retry` it after."""
        self.pending = [u for u in self.pending if self._is_allowed(u)]
        update = next((u for u in self.pending if not u.delivered), None)
        if update is not None:
            update.delivered = True
        return update

    def confirm(self, update: PendingUpdate) -> None:
        """The webhook answered 2xx: Telegram forgets the update."""
        if update in self.pending:
            self.pending.remove(update)
        self.last_delivery = asyncio.get_running_loop().time()

    def retry(self, update: PendingUpdate) -> None:
        update.delivered = False

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is not None:
            self.allowed = frozenset(allowed) if allowed else None

    async def changed(self) -> None:
        """Wait for the next new update, webhook change or close."""
        await self._wakeup.wait()

    def wake(self) -> None:
        self._wake()

    def drop_all(self) -> None:
        self.pending.clear()

    def close(self) -> None:
        """Make every waiting getUpdates return at once (server shutdown)."""
        self.closed = True
        self._wake()

    async def poll(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JSON]:
        """getUpdates: confirm below `offset`, then wait up to `timeout` s for updates."""
        self._generation += 1
        generation = self._generation
        self._wake()  # an older poller now fails with 409, like Telegram
        self._confirm(offset)
        self.set_allowed(allowed)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.closed:
                return []
            if generation != self._generation:
                raise CONFLICT
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            event = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u.update_id >= offset]

    def _take(self, limit: int) -> list[JSON]:
        self.pending = [u for u in self.pending if self._is_allowed(u)]
        batch = self.pending[:limit]
        for update in batch:
            update.delivered = True
        if batch:
            self.last_delivery = asyncio.get_running_loop().time()
        return [update.payload for update in batch]

    def _is_allowed(self, update: PendingUpdate) -> bool:
        if self.allowed is None:
            return update.type not in OPT_IN_UPDATES
        return update.type in self.allowed

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()


class BotState:
    """Everything the fake Telegram remembers for one bot."""

    def __init__(self, bot: Profile) -> None:
        self.bot = bot
        self.chats: dict[int, Chat] = {}
        self.updates = UpdateQueue()
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.default_menu_button: JSON = {"type": "default"}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.revision = 0
        self._ids = itertools.count(1)

    def next_revision(self) -> int:
        """A counter bumped on every visible change, so users can ask what is new."""
        self.revision += 1
        return self.revision

    def next_id(self) -> int:
        return next(self._ids)

    def chat_for_bot(self, chat_id: Any) -> Chat:
        """The chat the bot addresses, with Telegram's errors for unknown or blocked chats."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def store_file(
        self,
        data: bytes | None,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        number = self.next_id()
        stored = StoredFile(f"FAKE-FILE-{number}", f"U{number}", data, filename, mime_type, url)
        self.files[stored.file_id] = stored
        return stored
