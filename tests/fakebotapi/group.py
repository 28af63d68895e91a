"""Groups, supergroups and forums with simulated members, which the bot can be added to."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .formatting import command_entities
from .state import (
    ANONYMOUS_ADMIN,
    JSON,
    GroupChat,
    PollRecord,
    Profile,
    StoredMessage,
    member_json,
)
from .user import PollView, VisibleMessage, render_timeline

if TYPE_CHECKING:
    from .server import FakeBotApi
    from .user import FakeUser

TOPIC_ICON_COLOR = 7322096  # one of the six colours Telegram offers for a topic


class FakeGroup:
    """A Telegram group of simulated members; the bot is in it after `add_bot`.

    The bot is in privacy mode (BotFather's default): as an ordinary member it gets only
    commands meant for it (`/cmd`, `/cmd@thisbot`, not `/cmd@otherbot`), replies to its own
    messages and service messages; as an administrator (`make_bot_admin`) it gets everything.
    Actions wait until the bot has settled, like `FakeUser`'s.
    """

    def __init__(self, server: FakeBotApi, chat: GroupChat) -> None:
        self._server = server
        self.chat = chat

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title

    @property
    def bot_status(self) -> str:
        """left, member, administrator or kicked."""
        return self.chat.bot_status

    @property
    def sent_count(self) -> int:
        """Messages the bot has sent here (refused ones not counted)."""
        return self.chat.sent_count

    @property
    def enforce_rate_limit(self) -> bool:
        """When True, the bot's 21st message within a minute here gets 429 with retry_after."""
        return self.chat.enforce_rate_limit

    @enforce_rate_limit.setter
    def enforce_rate_limit(self, enforce: bool) -> None:
        self.chat.enforce_rate_limit = enforce

    # --- membership ------------------------------------------------------------------------

    async def add_bot(self, *, by: FakeUser, wait: bool = True) -> None:
        """`by` adds the bot: it gets `my_chat_member` (left → member) and the service message.

        With `wait=False` (as for every action here) the updates are only queued."""
        self._require_member(by.profile)
        self._bot_becomes("member", by.profile)
        bot = self._server.state.bot
        message = self._add(by.profile, service={"new_chat_members": [bot.user_json()]})
        await self._deliver(message, expect_reply=False, wait=wait)

    async def remove_bot(self, *, by: FakeUser, wait: bool = True) -> None:
        """`by` removes the bot: `my_chat_member` (→ kicked in a supergroup, left in a basic
        group), and from then on Telegram refuses its calls here with 403."""
        self._require_member(by.profile)
        self._bot_becomes("kicked" if self.chat.supergroup else "left", by.profile)
        self.chat.bot_removed = True
        await self._settle(wait)

    async def make_bot_admin(self, *, by: FakeUser | None = None, wait: bool = True) -> None:
        """The creator (or `by`) promotes the bot; it now sees every message."""
        self._bot_becomes("administrator", by.profile if by else self._creator)
        await self._settle(wait)

    async def topic(self, name: str, *, by: FakeUser | None = None, wait: bool = True) -> int:
        """Create a forum topic; returns its message_thread_id."""
        if not self.chat.forum:
            raise AssertionError(f"{self.title} is no forum: use server.group(..., forum=True)")
        creator = by.profile if by else self._creator
        created = {"forum_topic_created": {"name": name, "icon_color": TOPIC_ICON_COLOR}}
        message = self._add(creator, service=created)
        message.thread_id = message.message_id  # a topic is named after its first message
        self.chat.topics[message.message_id] = name
        await self._deliver(message, expect_reply=False, wait=wait)
        return message.message_id

    async def send_as_anonymous_admin(
        self,
        text: str,
        *,
        thread_id: int | None = None,
        expect_reply: bool | None = None,
        wait: bool = True,
    ) -> None:
        """An administrator posts as the group: `from` is GroupAnonymousBot, `sender_chat`
        the group."""
        await self.post(ANONYMOUS_ADMIN, text, thread_id, None, expect_reply, wait)

    async def post(
        self,
        sender: Profile,
        text: str,
        thread_id: int | None = None,
        reply_to: int | None = None,
        expect_reply: bool | None = None,
        wait: bool = True,
    ) -> None:
        """A message from `sender` (use `FakeUser.send_in`)."""
        if sender is not ANONYMOUS_ADMIN:
            self._require_member(sender)
        if thread_id is not None and thread_id not in self.chat.topics:
            raise AssertionError(f"no topic {thread_id} in {self.title}: {self.chat.topics}")
        message = self._add(
            sender,
            text=text,
            entities=command_entities(text),
            thread_id=thread_id,
            reply_to=self._visible(reply_to) if reply_to is not None else None,
            sender_chat=self.chat.chat_json() if sender is ANONYMOUS_ADMIN else None,
        )
        if expect_reply is None:
            expect_reply = self._server.expect_replies and text.startswith("/")
        await self._deliver(message, expect_reply=expect_reply, wait=wait)

    # --- polls ---------------------------------------------------------------------------------

    async def vote(
        self,
        user: FakeUser,
        option: int | list[int],
        *,
        message_id: int | None = None,
        wait: bool = True,
    ) -> None:
        """`user` votes for `option` (0-based; a list in a multiple-answer poll) in the bot's
        newest poll here or the one on `message_id`. One vote per person: retract to change."""
        poll = self._open_poll(message_id)
        self._require_member(user.profile)
        chosen = [option] if isinstance(option, int) else sorted(set(option))
        if user.id in poll.votes:
            raise AssertionError(f"{user.first_name} already voted in poll #{poll.message_id}")
        if not chosen or not all(0 <= index < len(poll.options) for index in chosen):
            raise AssertionError(f"no option {option} in {poll.options}")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise AssertionError(f"poll #{poll.message_id} allows one answer only")
        poll.votes[user.id] = chosen
        await self._poll_changed(poll, user, chosen, wait)

    async def retract(
        self, user: FakeUser, *, message_id: int | None = None, wait: bool = True
    ) -> None:
        """`user` takes back their vote, where the poll allows it (not in quizzes)."""
        poll = self._open_poll(message_id)
        if user.id not in poll.votes:
            raise AssertionError(f"{user.first_name} has not voted in poll #{poll.message_id}")
        if not poll.allows_revoting:
            raise AssertionError(f"poll #{poll.message_id} does not allow taking a vote back")
        del poll.votes[user.id]
        await self._poll_changed(poll, user, [], wait)

    @property
    def polls(self) -> list[PollView]:
        """The bot's polls in this group, oldest first."""
        return [PollView.of(p) for p in self._server.state.polls.values() if p.chat_id == self.id]

    @property
    def last_poll(self) -> PollView:
        if not self.polls:
            raise AssertionError(f"the bot sent no poll to {self.title}\n{self.transcript()}")
        return self.polls[-1]

    # --- what the members see --------------------------------------------------------------

    @property
    def messages(self) -> list[VisibleMessage]:
        """Everyone's messages still in the group (no service messages), oldest first."""
        return [VisibleMessage.of(m) for m in self._visible_messages() if not m.service]

    @property
    def bot_messages(self) -> list[VisibleMessage]:
        return [VisibleMessage.of(m) for m in self.chat.visible_bot_messages()]

    @property
    def last(self) -> VisibleMessage:
        """The bot's newest message here."""
        if not self.bot_messages:
            raise AssertionError(f"the bot has posted nothing in {self.title}\n{self.transcript()}")
        return self.bot_messages[-1]

    def messages_in(self, thread_id: int | None) -> list[VisibleMessage]:
        """Messages in forum topic `thread_id` (None: the General topic)."""
        return [m for m in self.messages if m.thread_id == thread_id]

    @property
    def topics(self) -> dict[int, str]:
        return dict(self.chat.topics)

    def buttons(self) -> list[str]:
        """Labels on the bot's newest message here with an inline keyboard ([] if none)."""
        with_keyboard = [m for m in self.bot_messages if m.buttons]
        return with_keyboard[-1].labels if with_keyboard else []

    def keyboard_message(self, message_id: int | None = None) -> StoredMessage:
        """The bot's newest message with an inline keyboard, or the one on `message_id`."""
        candidates = [m for m in self.chat.visible_bot_messages() if m.reply_markup]
        if message_id is not None:
            candidates = [m for m in candidates if m.message_id == message_id]
        if not candidates:
            where = "any bot message" if message_id is None else f"message {message_id}"
            raise AssertionError(f"no inline keyboard on {where}\n{self.transcript()}")
        return candidates[-1]

    def command_menu(self, user: FakeUser) -> list[tuple[str, str]]:
        """The '/' menu `user` sees in this group, resolved as Telegram documents."""
        admin = self.chat.is_admin(user.id)
        chat = {"chat_id": self.id}
        scopes: list[JSON | None] = [
            {"type": "chat_member", "chat_id": self.id, "user_id": user.id},
            {"type": "chat_administrators", **chat} if admin else None,
            {"type": "chat", **chat},
            {"type": "all_chat_administrators"} if admin else None,
            {"type": "all_group_chats"},
            {"type": "default"},
        ]
        applicable = [scope for scope in scopes if scope is not None]
        return self._server.resolve_commands(applicable, user.language_code)

    def transcript(self) -> str:
        """The group's history with sender names, topics and polls, for failure messages."""
        return f"[{self.chat.kind} {self.title}]\n{render_timeline(self.chat)}"

    def let_time_pass(self, seconds: float) -> None:
        """Make everything here `seconds` older: messages, sending history and the closing
        times of polls (then `await server.expire_polls()` closes the ones that ran out)."""
        shift = round(seconds)
        for message in self.chat.messages.values():
            message.date -= shift
            if message.poll and message.poll.close_date is not None:
                message.poll.close_date -= shift
        self.chat.send_times = [t - seconds for t in self.chat.send_times]

    def __repr__(self) -> str:
        return f"FakeGroup(id={self.id}, title={self.title!r})"

    # --- internals -----------------------------------------------------------------------------

    @property
    def _creator(self) -> Profile:
        return next(iter(self.chat.members.values()))

    def _require_member(self, person: Profile) -> None:
        if person.id not in self.chat.members:
            raise AssertionError(f"{person.first_name} is not a member of {self.title}")

    def _add(self, sender: Profile, **content: Any) -> StoredMessage:
        return self.chat.add_message(sender, self._server.state.next_revision(), **content)

    def _visible_messages(self) -> list[StoredMessage]:
        return [m for m in self.chat.messages.values() if not m.deleted]

    def _visible(self, message_id: int) -> StoredMessage:
        message = self.chat.messages.get(message_id)
        if message is None or message.deleted:
            raise AssertionError(f"message {message_id} is not in {self.title}")
        return message

    def _bot_becomes(self, status: str, by: Profile) -> None:
        bot, forum = self._server.state.bot, self.chat.forum
        update = {
            "chat": self.chat.chat_json(),
            "from": by.user_json(),
            "date": int(time.time()),
            "old_chat_member": member_json(bot, self.chat.bot_status, forum=forum),
            "new_chat_member": member_json(bot, status, forum=forum),
        }
        self.chat.bot_status = status
        self._server.enqueue({"my_chat_member": update})

    async def _deliver(
        self, message: StoredMessage, *, expect_reply: bool, wait: bool = True
    ) -> None:
        """Hand the message to the bot if privacy mode lets it through."""
        if not self.chat.reaches_bot(message, self._server.bot_username):
            await self._settle(wait)  # e.g. a my_chat_member queued just before
            return
        update = {"message": message.to_json()}
        if wait:
            await self._server.deliver(update, expect_reply=expect_reply)
        else:
            self._server.enqueue(update)

    def _open_poll(self, message_id: int | None) -> PollRecord:
        if message_id is not None:
            poll = self._visible(message_id).poll
        else:
            polls = [m.poll for m in self.chat.visible_bot_messages() if m.poll]
            poll = polls[-1] if polls else None
        if poll is None:
            raise AssertionError(f"no poll to vote in\n{self.transcript()}")
        if poll.is_closed or poll.has_expired():
            raise AssertionError(f"poll #{poll.message_id} is closed: Telegram takes no votes")
        return poll

    async def _settle(self, wait: bool) -> None:
        if wait:
            await self._server.settle()

    async def _poll_changed(
        self, poll: PollRecord, voter: FakeUser, option_ids: list[int], wait: bool
    ) -> None:
        """Telegram tells the bot the new counts; who voted only for a non-anonymous poll."""
        if not poll.is_anonymous:
            answer = {
                "poll_id": poll.id,
                "user": voter.profile.user_json(),
                "option_ids": option_ids,
                "option_persistent_ids": [poll.option_key(i) for i in option_ids],
            }
            self._server.enqueue({"poll_answer": answer})
        self._server.enqueue({"poll": poll.to_json()})
        await self._settle(wait)
