"""What the services ask a channel to show: messages with buttons, and a short notice.

Channel-neutral: the Telegram adapter turns these into API calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.callback_data import Action


@dataclass(frozen=True)
class Button:
    label: str
    action: Action


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a web page: in the browser, or inside Telegram as a Mini App
    (only in a private chat)."""

    label: str
    url: str
    mini_app: bool = False


Keyboard = tuple[tuple[Button | LinkButton, ...], ...]


@dataclass(frozen=True)
class Message:
    text: str  # Telegram-flavoured HTML, see bot.services.presenter; a caption with a photo
    buttons: Keyboard = ()
    photo: bytes | None = None  # a PNG: a chart or a QR code
    document: tuple[str, bytes] | None = None  # (file name, content), e.g. a report


@dataclass(frozen=True)
class Erase:
    """Remove a message the person sent (something they typed, which someone checking their
    phone could read). If the channel cannot, it shows `failed` instead of the outcome's
    messages. The message's id lives only here and in the button that asked for this."""

    message_id: int
    failed: Message


@dataclass(frozen=True)
class Outcome:
    messages: list[Message] = field(default_factory=list)
    close_buttons: bool = False  # remove the buttons of the message that was tapped
    notice: str | None = None  # a short toast for a tapped button
    edit: bool = False  # show the first message in place of the tapped one (a refresh)
    erase: Erase | None = None  # first remove one of the person's own messages

    @classmethod
    def say(cls, text: str, buttons: Keyboard = (), **kwargs: object) -> Outcome:
        return cls([Message(text, buttons)], **kwargs)


def column(*buttons: Button | LinkButton) -> Keyboard:
    """One button per row: labels stay readable on a phone."""
    return tuple((b,) for b in buttons)
