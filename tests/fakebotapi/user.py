"""Simulated people: they send messages, press buttons and read what the bot shows them."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .formatting import command_entities
from .state import (
    JSON,
    CallbackQueryRecord,
    Chat,
    ChatEvent,
    Conversation,
    PollRecord,
    Profile,
    StoredMessage,
)

if TYPE_CHECKING:
    from .group import FakeGroup
    from .server import FakeBotApi

# A valid 1x1 PNG, so bots that inspect photos get real image bytes.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
_query_ids = itertools.count(4_200_000_000_000_000_001)


@dataclass(frozen=True)
class PollView:
    """A native poll as everyone sees it: counts only, never who voted what."""

    id: str
    chat_id: int
    message_id: int
    question: str
    options: list[str]
    counts: list[int]
    total_voters: int
    is_anonymous: bool
    is_closed: bool
    type: str
    allows_multiple_answers: bool
    open_period: int | None
    close_date: int | None
    protect_content: bool

    @classmethod
    def of(cls, poll: PollRecord) -> PollView:
        return cls(
            id=poll.id,
            chat_id=poll.chat_id,
            message_id=poll.message_id,
            question=poll.question,
            options=list(poll.options),
            counts=poll.counts(),
            total_voters=len(poll.votes),
            is_anonymous=poll.is_anonymous,
            is_closed=poll.is_closed,
            type=poll.type,
            allows_multiple_answers=poll.allows_multiple_answers,
            open_period=poll.open_period,
            close_date=poll.close_date,
            protect_content=poll.protect_content,
        )


@dataclass(frozen=True)
class VisibleMessage:
    """A message as the person sees it now (after edits). Absent text/caption is ''.

    `sender` is "bot" or the person's first name; `thread_id` the forum topic, if any.
    """

    id: int
    text: str
    caption: str
    buttons: list[list[str]]
    callback_data: list[list[str | None]]
    urls: list[list[str | None]]  # a link button's address (a Mini App's too)
    entities: list[JSON]
    parse_mode: str | None
    photo: bytes | None
    document: bytes | None
    document_name: str | None
    edited: bool
    sender: str = "bot"
    thread_id: int | None = None
    poll: PollView | None = None

    @property
    def labels(self) -> list[str]:
        """All button labels, row by row."""
        return [label for row in self.buttons for label in row]

    @classmethod
    def of(cls, message: StoredMessage) -> VisibleMessage:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return cls(
            id=message.message_id,
            text=message.text,
            caption=message.caption,
            buttons=[[b["text"] for b in row] for row in rows],
            callback_data=[[b.get("callback_data") for b in row] for row in rows],
            urls=[[b.get("url") or b.get("web_app", {}).get("url") for b in row] for row in rows],
            entities=message.entities or message.caption_entities,
            parse_mode=message.parse_mode,
            photo=message.photo.data if message.photo else None,
            document=message.document.data if message.document else None,
            document_name=message.document.filename if message.document else None,
            edited=message.edit_date is not None,
            sender=sender_name(message),
            thread_id=message.thread_id,
            poll=PollView.of(message.poll) if message.poll else None,
        )


class FakeUser:
    """A person in a private chat with the bot (chat id == user id).

    Every action enqueues an update and then waits until the bot has settled, so assertions
    right after an action see the bot's complete reaction.
    """

    def __init__(self, server: FakeBotApi, chat: Chat) -> None:
        self._server = server
        self._chat = chat
        self._seen_revision = 0

    @property
    def id(self) -> int:
        return self._chat.user.id

    @property
    def chat_id(self) -> int:
        return self._chat.user.id

    @property
    def first_name(self) -> str:
        return self._chat.user.first_name

    @property
    def profile(self) -> Profile:
        return self._chat.user

    @property
    def language_code(self) -> str | None:
        return self._chat.user.language_code

    # --- actions -------------------------------------------------------------------------------

    async def send(self, text: str, *, wait: bool = True) -> None:
        """Type and send `text`; commands get bot_command entities like in Telegram.

        With `wait=False` the update is only queued: nothing waits for the bot's answer.
        """
        entities = command_entities(text)
        await self._send_message(text=text, entities=entities, wait=wait)

    async def send_sticker(self, emoji: str = "👍") -> None:
        sticker = {
            "file_id": f"FAKE-STICKER-{self._server.state.next_id()}",
            "file_unique_id": "sticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        await self._send_message(sticker=sticker)

    async def send_photo(self, data: bytes = TINY_PNG, caption: str = "") -> None:
        photo = self._server.state.store_file(data, mime_type="image/png")
        await self._send_message(photo=photo, caption=caption)

    async def click(self, label: str, *, message_id: int | None = None, wait: bool = True) -> None:
        """Press the inline button `label` (exact, or a unique substring).

        Uses the newest bot message with a keyboard unless `message_id` picks an older one,
        which is how stale buttons are tested. With `wait=False` the press is only queued.
        """
        message = self._keyboard_message(message_id)
        await self.press_button(self._chat, message, label, wait=wait)

    async def send_in(
        self,
        group: FakeGroup,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        expect_reply: bool | None = None,
        wait: bool = True,
    ) -> None:
        """Write `text` in `group` (in forum topic `thread_id`, as a reply to `reply_to`).

        The bot gets it only as privacy mode allows (see `FakeGroup`). Waiting expects an
        answer to a command the bot gets, unless `expect_reply` says otherwise.
        """
        self._begin_action()
        await group.post(self.profile, text, thread_id, reply_to, expect_reply, wait)

    async def click_in(
        self, group: FakeGroup, label: str, *, message_id: int | None = None, wait: bool = True
    ) -> None:
        """Press the inline button `label` under the bot's newest group message with a
        keyboard (or `message_id`); the answer's toast is in this user's `alerts`."""
        await self.press_button(group.chat, group.keyboard_message(message_id), label, wait=wait)

    async def press_button(
        self, chat: Conversation, message: StoredMessage, label: str, *, wait: bool = True
    ) -> None:
        button = _find_button(message, label)
        if "callback_data" not in button:
            raise AssertionError(f"button {button['text']!r} sends no callback: {button}")
        await self._press(chat, message, button["callback_data"], button["text"], wait=wait)

    async def click_data(self, data: str, *, message_id: int | None = None) -> None:
        """Send forged callback data, as a malicious or outdated client could."""
        if message_id is not None:
            message = self._visible(message_id)
        else:
            message = self._newest_with_keyboard() or self._newest_bot_message()
        await self._press(self._chat, message, data, f"<data {data!r}>")

    def block(self) -> None:
        """From now on the bot gets 403 'bot was blocked by the user'."""
        self._chat.blocked = True

    def unblock(self) -> None:
        self._chat.blocked = False

    # --- what the person sees ------------------------------------------------------------------

    @property
    def messages(self) -> list[VisibleMessage]:
        """The bot's messages still in the chat, oldest first."""
        return [VisibleMessage.of(m) for m in self._chat.visible_bot_messages()]

    @property
    def last(self) -> VisibleMessage:
        return VisibleMessage.of(self._newest_bot_message())

    def message(self, message_id: int) -> VisibleMessage:
        return VisibleMessage.of(self._visible(message_id))

    def buttons(self) -> list[str]:
        """Labels on the newest message with an inline keyboard, flattened ([] if none)."""
        message = self._newest_with_keyboard()
        return VisibleMessage.of(message).labels if message else []

    def new_messages(self) -> list[VisibleMessage]:
        """Bot messages sent or edited since this user's latest action began."""
        return [
            VisibleMessage.of(m)
            for m in self._chat.visible_bot_messages()
            if m.revision > self._seen_revision
        ]

    @property
    def sent(self) -> list[VisibleMessage]:
        """This person's own messages still in the chat, oldest first."""
        own = [m for m in self._chat.messages.values() if not m.from_bot and not m.deleted]
        return [VisibleMessage.of(m) for m in own]

    def let_time_pass(self, hours: float) -> None:
        """Make every message in the chat `hours` older, for Telegram's time limits."""
        for message in self._chat.messages.values():
            message.date -= round(hours * 3600)

    @property
    def alerts(self) -> list[str]:
        """Texts of callback answers (toasts and alerts) shown to this user."""
        return list(self._chat.alerts)

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The custom reply keyboard currently shown instead of the letter keyboard."""
        return self._chat.reply_keyboard

    @property
    def chat_action(self) -> str | None:
        """The latest 'typing…'-style status the bot sent."""
        return self._chat.chat_action

    def command_menu(self) -> list[tuple[str, str]]:
        """The '/' menu this user sees, resolved by scope and language as Telegram does."""
        scopes = [{"type": "chat", "chat_id": self.chat_id}, {"type": "all_private_chats"}]
        return self._server.resolve_commands([*scopes, {"type": "default"}], self.language_code)

    def transcript(self) -> str:
        """The chat as readable text, for assertion messages and debugging."""
        return render_timeline(self._chat)

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    # --- internals -----------------------------------------------------------------------------

    async def _send_message(self, *, wait: bool = True, **content: Any) -> None:
        self._begin_action()
        state = self._server.state
        message = self._chat.add_message(self._chat.user, state.next_revision(), **content)
        await self._deliver({"message": message.to_json()}, wait)

    async def _press(
        self,
        chat: Conversation,
        message: StoredMessage,
        data: str,
        label: str,
        *,
        wait: bool = True,
    ) -> None:
        self._begin_action()
        query = CallbackQueryRecord(
            str(next(_query_ids)), chat.id, message.message_id, data, self.id
        )
        self._server.state.callback_queries[query.id] = query
        chat.timeline.append(ChatEvent("click", message.message_id, label, self.first_name))
        payload = {
            "id": query.id,
            "from": self._chat.user.user_json(),
            "message": message.to_json(),
            "chat_instance": str(-7_000_000_000 - chat.id),
            "data": data,
        }
        await self._deliver({"callback_query": payload}, wait)

    async def _deliver(self, update: JSON, wait: bool) -> None:
        if wait:
            await self._server.deliver(update)
        else:
            self._server.enqueue(update)

    def _begin_action(self) -> None:
        self._seen_revision = self._server.state.revision

    def _visible(self, message_id: int) -> StoredMessage:
        message = self._chat.messages.get(message_id)
        if message is None or message.deleted:
            raise AssertionError(f"message {message_id} is not in the chat\n{self.transcript()}")
        return message

    def _newest_bot_message(self) -> StoredMessage:
        messages = self._chat.visible_bot_messages()
        if not messages:
            raise AssertionError(f"the bot has shown {self!r} no messages\n{self.transcript()}")
        return messages[-1]

    def _newest_with_keyboard(self) -> StoredMessage | None:
        with_keyboard = [m for m in self._chat.visible_bot_messages() if m.reply_markup]
        return with_keyboard[-1] if with_keyboard else None

    def _keyboard_message(self, message_id: int | None) -> StoredMessage:
        message = (
            self._visible(message_id) if message_id is not None else self._newest_with_keyboard()
        )
        if message is None or not message.reply_markup:
            where = "any bot message" if message_id is None else f"message {message_id}"
            raise AssertionError(f"no inline keyboard on {where}\n{self.transcript()}")
        return message


def render_timeline(chat: Conversation) -> str:
    """A chat's history as readable text; in groups, answers name who saw them."""
    lines = [_render_event(chat, event) for event in chat.timeline]
    return "\n".join(line for line in lines if line)


def _render_event(chat: Conversation, event: ChatEvent) -> str:
    if event.kind == "click":
        return f"{event.actor} clicks [{event.text}] on #{event.message_id}"
    if event.kind in ("toast", "alert"):
        to = "" if isinstance(chat, Chat) else f" to {event.actor}"
        return f"  ({event.kind}{to}: {event.text})"
    message = chat.messages[event.message_id or 0]
    return "" if message.deleted else _render_message(message)


def sender_name(message: StoredMessage) -> str:
    if message.from_bot:
        return "bot"
    if message.sender_chat:
        return f"{message.sender_chat['title']} (anonymous admin)"
    return message.sender.first_name


def _find_button(message: StoredMessage, label: str) -> JSON:
    buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
    exact = [b for b in buttons if b["text"] == label]
    partial = [b for b in buttons if label in b["text"]]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    problem = "ambiguous" if partial else "not found"
    visible = [b["text"] for b in buttons]
    raise AssertionError(
        f"button {label!r} {problem} on message #{message.message_id}; visible: {visible}"
    )


def _render_message(message: StoredMessage) -> str:
    topic = f" [topic {message.thread_id}]" if message.thread_id else ""
    edited = " (edited)" if message.edit_date else ""
    head = f"{sender_name(message)} #{message.message_id}{topic}{edited}:"
    body = message.text or message.caption
    if message.poll:
        body = _render_poll(message.poll)
    elif message.service:
        body = _render_service(message.service)
    elif message.photo:
        body = f"[photo] {body}"
    elif message.document:
        body = f"[document {message.document.filename}] {body}"
    elif message.sticker:
        body = f"[sticker {message.sticker.get('emoji', '')}]"
    first, *rest = f"{head} {body.strip()}".rstrip().split("\n")
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    buttons = [" ".join(f"[{b['text']}]" for b in row) for row in rows]
    return "\n".join([first, *(f"    {line}" if line else "" for line in [*rest, *buttons])])


def _render_service(service: JSON) -> str:
    if topic := service.get("forum_topic_created"):
        return f"[creates topic {topic['name']!r}]"
    added = ", ".join(user["first_name"] for user in service.get("new_chat_members", []))
    return f"[adds {added}]"


def _render_poll(poll: PollRecord) -> str:
    kind = "anonymous" if poll.is_anonymous else "NOT anonymous"
    state = "closed" if poll.is_closed else "open"
    head = f"[{poll.type} poll, {kind}, {state}, {len(poll.votes)} voted] {poll.question}"
    options = zip(poll.options, poll.counts(), strict=True)
    return "\n".join([head, *(f"({count}) {text}" for text, count in options)])
