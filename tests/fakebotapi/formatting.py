"""Telegram's text formatting: parse_mode markup to plain text plus entities.

Mirrors TDLib closely enough to reject what Telegram rejects ("can't parse entities") and to
give tests the text a person actually reads. Offsets are in UTF-16 code units, as in the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

Entity = dict[str, Any]
_TRIM = " \t\r\n"
_COMMAND_RE = re.compile(r"(?:^|(?<=\s))/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def format_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """What Telegram stores for a text/caption: trimmed plain text and its entities."""
    if entities is not None:
        plain, found = text, [dict(e) for e in entities]
    elif not parse_mode:
        plain, found = text, []
    else:
        plain, found = _parse(text, parse_mode)
    return _trim(plain, found)


def command_entities(text: str) -> list[Entity]:
    """bot_command entities Telegram adds to a user's message."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in _COMMAND_RE.finditer(text)
    ]


def _parse(text: str, parse_mode: str) -> tuple[str, list[Entity]]:
    parsers = {"html": _HtmlParser, "markdownv2": _MarkdownV2Parser, "markdown": _MarkdownParser}
    parser = parsers.get(parse_mode.lower())
    if parser is None:
        raise bad_request("unsupported parse_mode")
    return parser(text).run()


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram strips leading/trailing whitespace; entities shift and shrink with it."""
    stripped = text.strip(_TRIM)
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, sorted(kept, key=lambda e: (e["offset"], -e["length"]))


def _entity_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


@dataclass
class _Open:
    """An entity whose end has not been seen yet."""

    tag: str
    type: str
    offset: int
    byte_offset: int
    extra: dict[str, Any] = field(default_factory=dict)


class _Parser:
    """Shared output handling: plain text, UTF-16 position, finished entities."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.pos = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.pos += utf16_len(chars)

    def byte_offset(self, index: int | None = None) -> int:
        return len(self.src[: self.i if index is None else index].encode())

    def open(self, tag: str, type_: str, **extra: Any) -> None:
        self.stack.append(_Open(tag, type_, self.pos, self.byte_offset(), extra))

    def close(self) -> _Open:
        entity = self.stack.pop()
        if self.pos > entity.offset and entity.type:
            self.entities.append(
                {
                    "type": entity.type,
                    "offset": entity.offset,
                    "length": self.pos - entity.offset,
                    **entity.extra,
                }
            )
        return entity

    def result(self) -> tuple[str, list[Entity]]:
        return "".join(self.out), self.entities


_HTML_TYPES = {
    "a": "text_link",
    "b": "bold",
    "blockquote": "blockquote",
    "code": "code",
    "del": "strikethrough",
    "em": "italic",
    "i": "italic",
    "ins": "underline",
    "pre": "pre",
    "s": "strikethrough",
    "span": "spoiler",
    "strike": "strikethrough",
    "strong": "bold",
    "tg-emoji": "custom_emoji",
    "tg-spoiler": "spoiler",
    "u": "underline",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_HTML_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?\s*")


def _html_unescape(text: str) -> str:
    return _HTML_ENTITY_RE.sub(lambda m: _html_entity(m) or m.group(), text)


def _html_entity(match: re.Match[str]) -> str | None:
    name = match.group(1)
    if not name.startswith("#"):
        return _HTML_NAMED.get(name)
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    return chr(code) if 0 < code < 0x110000 else None


class _HtmlParser(_Parser):
    """Telegram's HTML subset: unknown tags and a bare '<' are errors, like in TDLib."""

    def run(self) -> tuple[str, list[Entity]]:
        while self.i < len(self.src):
            char = self.src[self.i]
            if char == "<":
                self._tag()
            elif char == "&":
                self._entity()
            else:
                self.emit(char)
                self.i += 1
        if self.stack:
            raise _entity_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return self.result()

    def _entity(self) -> None:
        match = _HTML_ENTITY_RE.match(self.src, self.i)
        decoded = _html_entity(match) if match else None
        if match and decoded is not None:
            self.emit(decoded)
            self.i = match.end()
        else:
            self.emit("&")
            self.i += 1

    def _tag(self) -> None:
        start = self.i
        closing = self.src.startswith("</", start)
        end = start + (2 if closing else 1)
        while end < len(self.src) and not self.src[end].isspace() and self.src[end] != ">":
            end += 1
        if end >= len(self.src):
            kind = "end" if closing else "start"
            raise _entity_error(f"Unclosed {kind} tag at byte offset {self.byte_offset(start)}")
        name = self.src[start + (2 if closing else 1) : end].lower()
        self.i = end
        if closing:
            self._end_tag(name, start)
        else:
            self._start_tag(name, start)

    def _attributes(self, start: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            while self.i < len(self.src) and self.src[self.i].isspace():
                self.i += 1
            if self.src.startswith(">", self.i):
                self.i += 1
                return attrs
            match = _HTML_ATTR_RE.match(self.src, self.i)
            if not match:
                raise _entity_error(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
            value = (match.group(2) or "").strip("\"'")
            attrs[match.group(1).lower()] = _html_unescape(value)
            self.i = match.end()

    def _start_tag(self, name: str, start: int) -> None:
        if name not in _HTML_TYPES:
            raise _entity_error(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(start)}'
            )
        attrs = self._attributes(start)
        type_, extra = _HTML_TYPES[name], {}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error('Tag "span" must have class "tg-spoiler"')
        if name == "a":
            type_, extra = ("text_link", {"url": attrs["href"]}) if attrs.get("href") else ("", {})
        elif name == "tg-emoji":
            extra = {"custom_emoji_id": attrs.get("emoji-id", "")}
        elif name == "blockquote" and "expandable" in attrs:
            type_ = "expandable_blockquote"
        elif name == "code" and attrs.get("class", "").startswith("language-"):
            extra = {"language": attrs["class"].removeprefix("language-")}
        self.stack.append(_Open(name, type_, self.pos, self.byte_offset(start), extra))

    def _end_tag(self, name: str, start: int) -> None:
        if not self.stack:
            raise _entity_error(f"Unexpected end tag at byte offset {self.byte_offset(start)}")
        while self.i < len(self.src) and self.src[self.i].isspace():
            self.i += 1
        if not self.src.startswith(">", self.i):
            raise _entity_error(f"Unclosed end tag at byte offset {self.byte_offset(start)}")
        self.i += 1
        top = self.stack[-1]
        if name != top.tag:
            raise _entity_error(
                f"Unmatched end tag at byte offset {self.byte_offset(start)}, "
                f'expected "</{top.tag}>", found "</{name}>"'
            )
        language = top.extra.get("language")
        parent = self.stack[-2] if len(self.stack) > 1 else None
        if language and parent and parent.tag == "pre":
            parent.extra["language"] = language
            top.type = ""  # <pre><code class="language-x"> is one pre entity
        self.close()


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


class _MarkdownV2Parser(_Parser):
    """MarkdownV2: every reserved character outside an entity must be escaped."""

    def run(self) -> tuple[str, list[Entity]]:
        while self.i < len(self.src):
            self._step()
        self._end_line_quote()
        if self.stack:
            top = self.stack[-1]
            raise _entity_error(
                f"Can't find end of {_MD2_NAMES[top.type]} entity at byte offset {top.byte_offset}"
            )
        return self.result()

    def _step(self) -> None:
        src, i = self.src, self.i
        char = src[i]
        top = self.stack[-1] if self.stack else None
        if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            self.emit(src[i + 1])
            self.i += 2
        elif top and top.type in ("code", "pre"):
            self._in_code(top)
        elif char == "\n":
            self._end_line_quote()
            self.emit(char)
            self.i += 1
        elif char not in _MD2_RESERVED:
            self.emit(char)
            self.i += 1
        else:
            self._markup(char)

    def _in_code(self, top: _Open) -> None:
        delimiter = "```" if top.type == "pre" else "`"
        if self.src.startswith(delimiter, self.i):
            self.i += len(delimiter)
            self.close()
        else:
            self.emit(self.src[self.i])
            self.i += 1

    def _markup(self, char: str) -> None:
        token = self.src[self.i : self.i + 2]
        if token in ("__", "||"):
            self._toggle(token)
        elif char in "*_~":
            self._toggle(char)
        elif char == "`":
            self._code()
        elif char == "[":
            self.open("[", "text_link")
            self.i += 1
        elif char == "]" and self.stack and self.stack[-1].tag == "[":
            self._link_end()
        elif char == ">" and (self.i == 0 or self.src[self.i - 1] == "\n"):
            self.open(">", "blockquote")
            self.i += 1
        else:
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )

    def _toggle(self, token: str) -> None:
        type_ = _MD2_TYPES[token]
        if self.stack and self.stack[-1].type == type_:
            self.i += len(token)
            self.close()
        else:
            self.open(token, type_)
            self.i += len(token)

    def _code(self) -> None:
        if not self.src.startswith("```", self.i):
            self.open("`", "code")
            self.i += 1
            return
        newline = self.src.find("\n", self.i + 3)
        header = self.src[self.i + 3 : newline] if newline != -1 else ""
        extra = {"language": header} if header and not set(header) & {" ", "`"} else {}
        self.open("```", "pre", **extra)
        self.i = newline + 1 if extra or (newline != -1 and not header) else self.i + 3

    def _link_end(self) -> None:
        self.i += 1
        if not self.src.startswith("(", self.i):
            self.stack[-1].type = ""
            self.close()
            return
        url, self.i = self._url(self.i + 1)
        self.stack[-1].extra["url"] = url
        self.close()

    def _url(self, start: int) -> tuple[str, int]:
        chars, i = [], start
        while i < len(self.src) and self.src[i] != ")":
            if self.src[i] == "\\" and i + 1 < len(self.src):
                i += 1
            chars.append(self.src[i])
            i += 1
        if i >= len(self.src):
            raise _entity_error(f"Can't find end of a URL at byte offset {self.byte_offset(start)}")
        return "".join(chars), i + 1

    def _end_line_quote(self) -> None:
        if self.stack and self.stack[-1].tag == ">":
            self.close()
            self._merge_quotes()

    def _merge_quotes(self) -> None:
        """Consecutive '>' lines form a single blockquote."""
        if len(self.entities) < 2:
            return
        prev, last = self.entities[-2], self.entities[-1]
        adjacent = prev["offset"] + prev["length"] + 1 == last["offset"]
        if prev["type"] == last["type"] == "blockquote" and adjacent:
            prev["length"] = last["offset"] + last["length"] - prev["offset"]
            self.entities.pop()


_MD1_TYPES = {"*": "bold", "_": "italic", "`": "code"}


class _MarkdownParser(_Parser):
    """Legacy Markdown: no nesting, an unclosed marker is an error."""

    def run(self) -> tuple[str, list[Entity]]:
        while self.i < len(self.src):
            char = self.src[self.i]
            nxt = self.src[self.i + 1 : self.i + 2]
            if char == "\\" and nxt and nxt in "_*`[":
                self.emit(nxt)
                self.i += 2
            elif char in "_*`[":
                self._entity(char)
            else:
                self.emit(char)
                self.i += 1
        return self.result()

    def _entity(self, char: str) -> None:
        if self.src.startswith("```", self.i):
            marker, type_ = "```", "pre"
        elif char == "[":
            marker, type_ = "]", "text_link"
        else:
            marker, type_ = char, _MD1_TYPES[char]
        begin = self.i + (3 if marker == "```" else 1)
        end = self.src.find(marker, begin)
        if end == -1:
            raise _entity_error(
                f"Can't find end of the entity starting at byte offset {self.byte_offset()}"
            )
        self.open(char, type_)
        self.emit(self.src[begin:end])
        self.i = end + len(marker)
        if type_ == "text_link":
            self._link_url()
        self.close()

    def _link_url(self) -> None:
        close = self.src.find(")", self.i)
        if not self.src.startswith("(", self.i) or close == -1:
            self.stack[-1].type = ""
            return
        self.stack[-1].extra["url"] = self.src[self.i + 1 : close]
        self.i = close + 1
