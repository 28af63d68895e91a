"""The Bot API methods the fake implements, with Telegram's validation and error texts."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import METHOD_NOT_FOUND, NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request
from .formatting import format_text
from .params import Params, UploadedFile
from .state import (
    JSON,
    BotState,
    ChatEvent,
    Conversation,
    GroupChat,
    PollRecord,
    StoredFile,
    StoredMessage,
    member_json,
)

Files = dict[str, UploadedFile]
Handler = Callable[["BotApiMethods", Params, Files], Awaitable[Any]]
HANDLERS: dict[str, tuple[str, Handler]] = {}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ALERT = 200
DELETE_WITHIN = 48 * 3600  # seconds: a bot deletes a message, its own or an incoming one, only
# in a private chat, and only this soon after it was sent
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "callback_game",
        "copy_text",
        "login_url",
        "pay",
        "switch_inline_query",
        "switch_inline_query_chosen_chat",
        "switch_inline_query_current_chat",
        "url",
        "web_app",
    }
)
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# Bot API 10.0, as PTB 22.8's PollLimit has it: 1-12 options (2-10 before 9.1/10.0), and
# open_period or close_date 5 s to about a month (600 s before 9.6).
MAX_QUESTION = 300
MAX_OPTION = 100
MAX_OPTIONS = 12
OPEN_PERIOD = range(5, 2_628_000 + 1)
POLL_TYPES = frozenset({"regular", "quiz"})
CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its Bot API name; lookup is case-insensitive like Telegram."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name.lower()] = (name, handler)
        return handler

    return register


def canonical_name(method: str) -> str:
    """'SENDMESSAGE' -> 'sendMessage'; unknown methods get Telegram's 404."""
    try:
        return HANDLERS[method.lower()][0]
    except KeyError:
        raise METHOD_NOT_FOUND from None


def require(params: Params, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    return value


def commands_key(params: Params) -> tuple[str, str]:
    """Commands are stored per (scope, language_code), as in Telegram."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


class BotApiMethods:
    """Implements each method on a `BotState`; handlers raise `ApiError` like Telegram."""

    def __init__(self, state: BotState) -> None:
        self.state = state

    async def call(self, method: str, params: Params, files: Files) -> Any:
        return await HANDLERS[method.lower()][1](self, params, files)

    # --- updates and webhook -------------------------------------------------------------

    @api_method("getMe")
    async def get_me(self, params: Params, files: Files) -> JSON:
        return self.state.bot.user_json() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @api_method("getUpdates")
    async def get_updates(self, params: Params, files: Files) -> list[JSON]:
        if self.state.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        limit = min(100, max(1, params.get("limit", 100)))
        return await self.state.updates.poll(
            params.get("offset"),
            limit,
            max(0.0, params.get("timeout", 0.0)),
            params.get("allowed_updates"),
        )

    @api_method("deleteWebhook")
    async def delete_webhook(self, params: Params, files: Files) -> bool:
        self.state.webhook_url = self.state.webhook_secret = ""
        if params.get("drop_pending_updates"):
            self.state.updates.drop_all()
        self.state.updates.wake()
        return True

    @api_method("setWebhook")
    async def set_webhook(self, params: Params, files: Files) -> bool:
        url = params.get("url") or ""
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.state.webhook_url = url
        self.state.webhook_secret = params.get("secret_token") or ""
        self.state.updates.set_allowed(params.get("allowed_updates"))
        if params.get("drop_pending_updates"):
            self.state.updates.drop_all()
        self.state.updates.wake()
        return True

    @api_method("getWebhookInfo")
    async def get_webhook_info(self, params: Params, files: Files) -> JSON:
        return {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates.pending),
        }

    @api_method("close")
    async def close(self, params: Params, files: Files) -> bool:
        return True

    @api_method("logOut")
    async def log_out(self, params: Params, files: Files) -> bool:
        return True

    # --- commands and menu -----------------------------------------------------------------

    @api_method("setMyCommands")
    async def set_my_commands(self, params: Params, files: Files) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for command in commands:
            self._check_command(command)
        self._check_scope(params)
        stored = [{"command": c["command"], "description": c["description"]} for c in commands]
        if stored:
            self.state.commands[commands_key(params)] = stored
        else:  # an empty list deletes, as in Telegram
            self.state.commands.pop(commands_key(params), None)
        return True

    @staticmethod
    def _check_command(command: Any) -> None:
        if not isinstance(command, dict) or not COMMAND_RE.match(str(command.get("command"))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")

    def _check_scope(self, params: Params) -> None:
        """Scopes naming a chat need a chat the bot is in, and a member of it for chat_member."""
        scope = params.get("scope") or {}
        if scope.get("type") not in CHAT_SCOPES:
            return
        chat = self.state.chat_for_bot(scope.get("chat_id"))
        if scope["type"] == "chat_member" and not (
            isinstance(chat, GroupChat) and scope.get("user_id") in chat.members
        ):
            raise bad_request("user not found")

    @api_method("getMyCommands")
    async def get_my_commands(self, params: Params, files: Files) -> list[JSON]:
        self._check_scope(params)
        return self.state.commands.get(commands_key(params), [])

    @api_method("deleteMyCommands")
    async def delete_my_commands(self, params: Params, files: Files) -> bool:
        self._check_scope(params)
        self.state.commands.pop(commands_key(params), None)
        return True

    @api_method("setChatMenuButton")
    async def set_chat_menu_button(self, params: Params, files: Files) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if params.get("chat_id") is None:
            self.state.default_menu_button = button
        else:
            self.state.chat_for_bot(params["chat_id"]).menu_button = button
        return True

    @api_method("getChatMenuButton")
    async def get_chat_menu_button(self, params: Params, files: Files) -> JSON:
        if params.get("chat_id") is None:
            return self.state.default_menu_button
        chat = self.state.chat_for_bot(params["chat_id"])
        return chat.menu_button or self.state.default_menu_button

    # --- groups --------------------------------------------------------------------------------

    @api_method("getChatMember")
    async def get_chat_member(self, params: Params, files: Files) -> JSON:
        chat = self._group(params)
        user_id = require(params, "user_id")
        if user_id == self.state.bot.id:
            return member_json(self.state.bot, chat.bot_status, forum=chat.forum)
        person = chat.members.get(user_id) or self.state.person(user_id)
        return member_json(person, chat.member_status(user_id), forum=chat.forum)

    @api_method("getChatAdministrators")
    async def get_chat_administrators(self, params: Params, files: Files) -> list[JSON]:
        chat = self._group(params)
        admins = [p for p in chat.members.values() if chat.is_admin(p.id)]
        people = [member_json(p, chat.member_status(p.id), forum=chat.forum) for p in admins]
        if chat.bot_status == "administrator":
            people.append(member_json(self.state.bot, "administrator", forum=chat.forum))
        return people

    def _group(self, params: Params) -> GroupChat:
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        if not isinstance(chat, GroupChat):
            raise bad_request("method is available only for supergroups and groups")
        return chat

    # --- sending -----------------------------------------------------------------------------

    @api_method("sendMessage")
    async def send_message(self, params: Params, files: Files) -> JSON:
        chat = self._sendable(params)
        text, entities = self._text(params)
        message = self._add(
            chat,
            params,
            text=text,
            entities=entities,
            reply_markup=self._reply_markup(params, chat),
        )
        return message.to_json()

    @api_method("sendPhoto")
    async def send_photo(self, params: Params, files: Files) -> JSON:
        return self._send_media(params, files, "photo")

    @api_method("sendDocument")
    async def send_document(self, params: Params, files: Files) -> JSON:
        return self._send_media(params, files, "document")

    def _send_media(self, params: Params, files: Files, kind: str) -> JSON:
        chat = self._sendable(params)
        stored = self._input_file(params, files, kind)
        caption, caption_entities = self._caption(params)
        content = {kind: stored, "caption": caption, "caption_entities": caption_entities}
        markup = self._reply_markup(params, chat)
        return self._add(chat, params, reply_markup=markup, **content).to_json()

    def _sendable(self, params: Params) -> Conversation:
        """The chat a new message goes to, refused as Telegram refuses it (403, 429)."""
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        chat.admit_send()
        return chat

    def _add(self, chat: Conversation, params: Params, **content: Any) -> StoredMessage:
        message = chat.add_message(
            self.state.bot,
            self.state.next_revision(),
            parse_mode=params.get("parse_mode"),
            thread_id=chat.thread_for(params.get("message_thread_id")),
            **content,
        )
        chat.note_send()
        return message

    # --- polls --------------------------------------------------------------------------------

    @api_method("sendPoll")
    async def send_poll(self, params: Params, files: Files) -> JSON:
        chat = self._sendable(params)
        question = _poll_text(params.get("question"), MAX_QUESTION, "poll question")
        options = _poll_options(params.get("options"))
        poll_type = params.get("type") or "regular"
        if poll_type not in POLL_TYPES:
            raise bad_request("wrong poll type specified")  # text unverified
        correct = _correct_options(params, poll_type, len(options))
        open_period, close_date = _closing(params)
        poll = PollRecord(
            id=str(5_300_000_000_000_000_000 + self.state.next_id()),
            chat_id=chat.id,
            message_id=0,
            question=question,
            options=options,
            is_anonymous=params.get("is_anonymous", True),
            type=poll_type,
            allows_multiple_answers=bool(params.get("allows_multiple_answers")),
            allows_revoting=params.get("allows_revoting", poll_type == "regular"),
            correct_option_ids=correct,
            open_period=open_period,
            close_date=close_date,
            protect_content=bool(params.get("protect_content")),
            is_closed=bool(params.get("is_closed")),
        )
        markup = self._reply_markup(params, chat)
        message = self._add(chat, params, poll=poll, reply_markup=markup)
        poll.message_id = message.message_id
        self.state.polls[poll.id] = poll
        return message.to_json()

    @api_method("stopPoll")
    async def stop_poll(self, params: Params, files: Files) -> JSON:
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        message = chat.messages.get(params.get("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message with poll to stop not found")
        if message.poll is None:
            raise bad_request("message is not a poll")
        if not message.from_bot:
            raise bad_request("poll can't be stopped")
        if message.poll.is_closed:
            raise bad_request("poll has already been closed")
        message.reply_markup = self._inline(params)
        self.state.close_poll(message.poll)
        message.revision = self.state.next_revision()
        return message.poll.to_json()

    @api_method("sendChatAction")
    async def send_chat_action(self, params: Params, files: Files) -> bool:
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.chat_action = action
        return True

    # --- editing ------------------------------------------------------------------------------

    @api_method("editMessageText")
    async def edit_message_text(self, params: Params, files: Files) -> JSON:
        message = self._editable(params)
        if not message.text:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params)
        changes = {"text": text, "entities": entities, "reply_markup": self._inline(params)}
        return self._edit(message, changes, params)

    @api_method("editMessageCaption")
    async def edit_message_caption(self, params: Params, files: Files) -> JSON:
        message = self._editable(params)
        if not (message.photo or message.document):
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        changes = {
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": self._inline(params),
        }
        return self._edit(message, changes, params)

    @api_method("editMessageReplyMarkup")
    async def edit_message_reply_markup(self, params: Params, files: Files) -> JSON:
        message = self._editable(params)
        return self._edit(message, {"reply_markup": self._inline(params)}, params)

    def _editable(self, params: Params) -> StoredMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        message = chat.messages.get(require(params, "message_id"))
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _edit(self, message: StoredMessage, changes: dict[str, Any], params: Params) -> JSON:
        """Apply an edit; Telegram refuses edits that change nothing."""
        if all(getattr(message, key) == value for key, value in changes.items()):
            raise ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            setattr(message, key, value)
        if "text" in changes or "caption" in changes:
            message.parse_mode = params.get("parse_mode")
        message.edit_date = int(time.time())
        message.revision = self.state.next_revision()
        return message.to_json()

    @api_method("deleteMessage")
    async def delete_message(self, params: Params, files: Files) -> bool:
        chat = self.state.chat_for_bot(require(params, "chat_id"))
        message = chat.messages.get(require(params, "message_id"))
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if time.time() - message.date >= DELETE_WITHIN:
            raise bad_request("message can't be deleted for everyone")
        message.deleted = True
        message.revision = self.state.next_revision()
        return True

    @api_method("answerCallbackQuery")
    async def answer_callback_query(self, params: Params, files: Files) -> bool:
        query = self.state.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query.answered:
            raise ApiError(400, QUERY_TOO_OLD)
        text = str(params.get("text") or "")
        if len(text) > MAX_ALERT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered, query.text = True, text or None
        query.show_alert = bool(params.get("show_alert"))
        if text:
            person = self.state.private_chat(query.user_id)
            person.alerts.append(text)
            kind = "alert" if query.show_alert else "toast"
            event = ChatEvent(kind, text=text, actor=person.user.first_name)
            self.state.chats[query.chat_id].timeline.append(event)
        return True

    # --- parameter helpers --------------------------------------------------------------------

    def _text(self, params: Params) -> tuple[str, list[JSON]]:
        text, entities = format_text(
            str(params.get("text") or ""), params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text, entities

    def _caption(self, params: Params) -> tuple[str, list[JSON]]:
        caption, entities = format_text(
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return caption, entities

    def _reply_markup(self, params: Params, chat: Conversation) -> JSON | None:
        """Inline keyboards stay on the message; reply keyboards change the chat's keyboard."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "keyboard" in markup:
            chat.reply_keyboard = [[_label(b) for b in row] for row in markup["keyboard"]]
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return self._inline(params)

    def _inline(self, params: Params) -> JSON | None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "inline_keyboard" of the '
                "InlineKeyboardMarkup must be an Array of Arrays"
            )
        for row in rows:
            for button in row:
                _check_button(button)
        return {"inline_keyboard": rows} if any(rows) else None

    def _input_file(self, params: Params, files: Files, name: str) -> StoredFile:
        """A file given as upload, attach:// reference, known file_id or URL."""
        value = params.get(name)
        if value is None and name in files:
            return self._store_upload(files[name])
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {name} in the request")
        if value.startswith("attach://"):
            if value[len("attach://") :] not in files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return self._store_upload(files[value[len("attach://") :]])
        if value in self.state.files:
            return self.state.files[value]
        if re.match(r"^https?://", value):
            return self.state.store_file(None, url=value)  # never fetched: no internet
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store_upload(self, upload: UploadedFile) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        return self.state.store_file(upload.data, upload.filename, upload.content_type)


def _label(button: Any) -> str:
    return str(button.get("text", "")) if isinstance(button, dict) else str(button)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not BUTTON_ACTIONS & button.keys():
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in button and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not (isinstance(url, str) and url and not re.search(r"\s", url)):
        raise bad_request("BUTTON_URL_INVALID")


def _poll_text(value: Any, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise bad_request("text must be non-empty")
    if len(text) > limit:
        raise bad_request(f"{what} length must not exceed {limit}")
    return text


def _poll_options(value: Any) -> list[str]:
    """Options as InputPollOption objects (PTB 22 sends these) or plain strings."""
    if value is not None and not isinstance(value, list):
        raise bad_request("can't parse options JSON object")
    if not value:
        raise bad_request("poll must have at least one answer option")
    if len(value) > MAX_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_OPTIONS} options")
    texts = [option.get("text") if isinstance(option, dict) else option for option in value]
    return [_poll_text(text, MAX_OPTION, "poll options") for text in texts]


def _correct_options(params: Params, poll_type: str, option_count: int) -> list[int]:
    """A quiz names its right answers; texts unverified against Telegram."""
    single = params.get("correct_option_id")
    correct = params.get("correct_option_ids") or ([single] if single is not None else [])
    if poll_type != "quiz":
        return []
    if not correct or not all(isinstance(i, int) and 0 <= i < option_count for i in correct):
        raise bad_request("wrong correct option ids specified")
    return list(correct)


def _closing(params: Params) -> tuple[int | None, int | None]:
    """(open_period, close_date): a poll closes itself after a period or at a time."""
    open_period, close_date = params.get("open_period"), params.get("close_date")
    if open_period is not None and close_date is not None:
        raise bad_request("can't use open_period and close_date together")  # text unverified
    now = int(time.time())
    if open_period is not None:
        if open_period not in OPEN_PERIOD:
            raise bad_request("wrong open period specified")  # text unverified
        return open_period, now + open_period
    if close_date is not None and close_date - now not in OPEN_PERIOD:
        raise bad_request("wrong close date specified")  # text unverified
    return None, close_date
