"""In-memory Telegram: chats, messages, files, callback queries and the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, forbidden, too_many_requests

JSON = dict[str, Any]
# Telegram leaves these out unless a bot asks for them in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Telegram's limit for a bot in one group: about 20 messages in any minute.
GROUP_MESSAGES_PER_MINUTE = 20
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


# Who a group sees when an administrator posts anonymously "as the group".
ANONYMOUS_ADMIN = Profile(1087968824, "Group", "GroupAnonymousBot", is_bot=True)


def member_json(user: Profile, status: str, *, forum: bool = False) -> JSON:
    """A ChatMember object for `status` with the fields PTB requires."""
    data: JSON = {"user": user.user_json(), "status": status}
    if status == "creator":
        return data | {"is_anonymous": False}
    if status == "kicked":
        return data | {"until_date": 0}
    if status == "administrator":
        rights = ["manage_chat", "delete_messages", "manage_video_chats", "restrict_members"]
        rights += ["change_info", "invite_users", "pin_messages"]
        denied = ["promote_members", "post_stories", "edit_stories", "delete_stories"]
        return (
            data
            | {"can_be_edited": False, "is_anonymous": False, "can_manage_topics": forum}
            | {f"can_{right}": True for right in rights}
            | {f"can_{right}": False for right in denied}
        )
    return data


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

    chat: JSON  # the Chat object as messages carry it
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
    sender_chat: JSON | None = None
    thread_id: int | None = None  # the forum topic it is in
    reply_to: StoredMessage | None = None
    poll: PollRecord | None = None
    service: JSON = field(default_factory=dict)  # e.g. new_chat_members, forum_topic_created

    @property
    def from_bot(self) -> bool:
        """Sent by the bot under test (GroupAnonymousBot is a bot account speaking for a person)."""
        return self.sender.is_bot and self.sender.id != ANONYMOUS_ADMIN.id

    def to_json(self) -> JSON:
        """The Message object as the Bot API returns it."""
        data: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "from": self.sender.user_json(),
        }
        optional: JSON = {
            "sender_chat": self.sender_chat,
            "message_thread_id": self.thread_id,
            "is_topic_message": self.thread_id is not None,
            "reply_to_message": self._replied_json(),
            "poll": self.poll.to_json() if self.poll else None,
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
        return data | {key: value for key, value in optional.items() if value} | self.service

    def _replied_json(self) -> JSON | None:
        """Telegram nests the replied-to message one level deep only."""
        if self.reply_to is None:
            return None
        nested = self.reply_to.to_json()
        nested.pop("reply_to_message", None)
        return nested

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
    actor: str = ""  # who clicked or saw the answer (groups have many people)


@dataclass
class PollRecord:
    """A native poll the bot sent, with every person's current vote."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int]
    open_period: int | None
    close_date: int | None
    protect_content: bool
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        chosen = [index for indices in self.votes.values() for index in indices]
        return [chosen.count(index) for index in range(len(self.options))]

    def has_expired(self) -> bool:
        return self.close_date is not None and time.time() >= self.close_date

    def to_json(self) -> JSON:
        """The Poll object (Bot API 10.0 fields PTB 22.8 requires)."""
        options = [
            {"text": text, "voter_count": count, "persistent_id": self.option_key(index)}
            for index, (text, count) in enumerate(zip(self.options, self.counts(), strict=True))
        ]
        data: JSON = {
            "id": self.id,
            "question": self.question,
            "options": options,
            "total_voter_count": len(self.votes),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        optional: JSON = {
            "open_period": self.open_period,
            "close_date": self.close_date,
            "correct_option_ids": self.correct_option_ids if self.type == "quiz" else None,
        }
        return data | {key: value for key, value in optional.items() if value is not None}

    def option_key(self, index: int) -> str:
        return f"{self.id}-{index}"


@dataclass(kw_only=True)
class Conversation:
    """What private chats and groups share: messages in order and what the bot set there."""

    id: int
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    timeline: list[ChatEvent] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    chat_action: str | None = None
    menu_button: JSON | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def chat_json(self) -> JSON:
        raise NotImplementedError

    def refusal(self) -> ApiError | None:
        """Telegram's error for any call of the bot about this chat, if it is refused."""
        return None

    def thread_for(self, thread_id: int | None) -> int | None:
        """The topic a bot's message with `message_thread_id` lands in."""
        return None

    def admit_send(self) -> None:
        """Raise 429 when the bot sends faster than Telegram allows here."""

    def note_send(self) -> None:
        """The bot's message was sent (for sending limits)."""

    def add_message(self, sender: Profile, revision: int, **content: Any) -> StoredMessage:
        """Store a new message; people and the bot share one id sequence, as in Telegram."""
        message = StoredMessage(self.chat_json(), next(self._ids), sender, revision, **content)
        self.messages[message.message_id] = message
        self.timeline.append(ChatEvent("message", message.message_id))
        return message

    def visible_bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]


@dataclass
class Chat(Conversation):
    """A private chat between the bot and one simulated user (chat id == user id)."""

    user: Profile
    alerts: list[str] = field(default_factory=list)  # every answer this person saw, any chat
    blocked: bool = False

    def chat_json(self) -> JSON:
        return self.user.private_chat_json()

    def refusal(self) -> ApiError | None:
        return forbidden("bot was blocked by the user") if self.blocked else None


@dataclass
class GroupChat(Conversation):
    """A group or supergroup (optionally a forum) with simulated members and maybe the bot."""

    title: str
    supergroup: bool
    forum: bool
    members: dict[int, Profile]
    admins: set[int]
    bot_status: str = "left"  # left, member, administrator or kicked
    bot_removed: bool = False
    topics: dict[int, str] = field(default_factory=dict)
    enforce_rate_limit: bool = False
    sent_count: int = 0
    send_times: list[float] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "supergroup" if self.supergroup else "group"

    @property
    def bot_is_member(self) -> bool:
        return self.bot_status in ("member", "administrator")

    def chat_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.kind, "title": self.title}
        return data | ({"is_forum": True} if self.forum else {})

    def refusal(self) -> ApiError | None:
        if self.bot_is_member:
            return None
        reason = "bot was kicked from" if self.bot_removed else "bot is not a member of"
        return forbidden(f"{reason} the {self.kind} chat")

    def thread_for(self, thread_id: int | None) -> int | None:
        if thread_id is not None and thread_id not in self.topics:
            raise bad_request("message thread not found")
        return thread_id

    def admit_send(self) -> None:
        if not self.enforce_rate_limit:
            return
        recent = [t for t in self.send_times if time.time() - t < 60]
        if len(recent) >= GROUP_MESSAGES_PER_MINUTE:
            raise too_many_requests(max(1, math.ceil(recent[0] + 60 - time.time())))

    def note_send(self) -> None:
        self.sent_count += 1
        self.send_times.append(time.time())

    def reaches_bot(self, message: StoredMessage, bot_username: str) -> bool:
        """Privacy mode (BotFather's default): an ordinary member bot sees only commands meant
        for it, replies to its messages and service messages; an administrator sees all."""
        if not self.bot_is_member:
            return False
        if self.bot_status == "administrator" or message.service:
            return True
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        command, _, addressee = (message.text.split() or [""])[0].partition("@")
        meant_for_bot = not addressee or addressee.lower() == bot_username.lower()
        return command.startswith("/") and len(command) > 1 and meant_for_bot

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins

    def member_status(self, user_id: int) -> str:
        if user_id not in self.members:
            return "left"
        if user_id == next(iter(self.members)):
            return "creator"
        return "administrator" if self.is_admin(user_id) else "member"


@dataclass
class CallbackQueryRecord:
    """A button press and whether the bot answered it (Telegram wants an answer)."""

    id: str
    chat_id: int
    message_id: int
    data: str
    user_id: int
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
        self.chats: dict[int, Conversation] = {}
        self.polls: dict[str, PollRecord] = {}
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

    def chat_for_bot(self, chat_id: Any) -> Conversation:
        """The chat the bot addresses, with Telegram's errors for unknown or refusing chats."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if error := chat.refusal():
            raise error
        return chat

    def close_poll(self, poll: PollRecord) -> None:
        """Close a poll; Telegram tells the bot that sent it with a final `poll` update."""
        poll.is_closed = True
        self.updates.put({"poll": poll.to_json()})

    def expire_polls(self) -> list[PollRecord]:
        """Close the polls whose open_period or close_date has run out, as Telegram does."""
        expired = [p for p in self.polls.values() if not p.is_closed and p.has_expired()]
        for poll in expired:
            self.close_poll(poll)
        return expired

    def person(self, user_id: Any) -> Profile:
        """A simulated person the bot can look up (everyone has a private chat here)."""
        chat = self.chats.get(user_id) if isinstance(user_id, int) else None
        if not isinstance(chat, Chat):
            raise bad_request("user not found")
        return chat.user

    def private_chat(self, user_id: int) -> Chat:
        chat = self.chats[user_id]
        assert isinstance(chat, Chat)
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
