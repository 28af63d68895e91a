"""A lean fake Telegram Bot API for load tests, with simulated users that time every answer.

tests/fakebotapi is a faithful fake (validation, formatting, chat history); under load its
bookkeeping would be measured along with the bot. This one does the least a real PTB bot
needs: getUpdates long polling from a queue, sendMessage / editMessageReplyMarkup /
answerCallbackQuery answered with minimal valid objects, everything else `true`.

Timing: an update's clock starts when it is put in the queue (the moment getUpdates could
hand it out) and stops when the bot's answer reaches this server:
- `first`: the first answerCallbackQuery or sendMessage for that update;
- `complete`: the message the person needs for their next tap (one with an inline
  keyboard; for the bare bot, its one message).
It listens on 127.0.0.1 only.

Each update is handed out once, to whichever getUpdates call takes it first (the offset
that confirms it is not awaited), so several bot processes polling at once share the one
queue, as a load balancer shares webhook calls among workers. Each process polls its own
URL (`worker_url(n)`), so the updates each received are counted (`delivered`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from _common import pick_button
from aiohttp import web

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:BENCH-token-{'x' * 24}"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
_TRUE = b'{"ok":true,"result":true}'


def _true() -> web.Response:
    return web.Response(body=_TRUE, content_type="application/json")


@dataclass
class Sample:
    """One update and when its answers arrived (perf_counter seconds)."""

    kind: str  # "message" or "callback"
    made_available: float
    first: float | None = None
    complete: float | None = None


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    timeouts: int = 0
    unexpected: int = 0  # answers the simulated user could not act on
    cycles: int = 0  # scenarios played to the end
    limit: int = 10**9  # stop issuing updates after this many

    def exhausted(self) -> bool:
        return len(self.samples) >= self.limit


class LeanBotApi:
    def __init__(self) -> None:
        self._queue: deque[str] = deque()
        self._ids = itertools.count(1)
        self._wakeup = asyncio.Event()
        self._users: dict[int, SimUser] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.requests = 0
        self.delivered: Counter[str] = Counter()  # updates handed to each worker's URL
        self.closed = False

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/{worker}/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.closed = True
        self._wakeup.set()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return self.worker_url(1)

    def worker_url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.port}/w{number}/bot"

    # --- updates -------------------------------------------------------------------------------

    def register(self, user: SimUser) -> None:
        self._users[user.chat_id] = user
        self._message_ids.setdefault(user.chat_id, itertools.count(1))

    def forget(self, user: SimUser) -> None:
        self._users.pop(user.chat_id, None)

    def enqueue(self, update: dict[str, Any]) -> float:
        """Make an update available to getUpdates; returns the time it became available."""
        update = {"update_id": next(self._ids), **update}
        self._queue.append(json.dumps(update, separators=(",", ":")))
        self._wakeup.set()
        return time.perf_counter()

    def next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def _get_updates(self, worker: str, params: dict[str, str]) -> web.Response:
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._queue and not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                break
        batch = [self._queue.popleft() for _ in range(min(limit, len(self._queue)))]
        self.delivered[worker] += len(batch)
        body = '{"ok":true,"result":[' + ",".join(batch) + "]}"
        return web.Response(body=body.encode(), content_type="application/json")

    # --- HTTP ------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        method = request.match_info["method"].lower()
        params = dict(await request.post()) if request.can_read_body else {}
        if method == "getupdates":
            worker = request.match_info["worker"]
            return await self._get_updates(worker, params)  # type: ignore[arg-type]
        now = time.perf_counter()
        if method == "sendmessage":
            chat_id = int(params["chat_id"])
            markup = params.get("reply_markup")
            message = self._message(chat_id, params.get("text", ""), markup)
            user = self._users.get(chat_id)
            if user is not None:
                user.on_message(now, json.loads(markup) if markup else None, message["message_id"])
            return _ok(message)
        if method == "answercallbackquery":
            chat_id = int(str(params["callback_query_id"]).split("-")[0])
            user = self._users.get(chat_id)
            if user is not None:
                user.on_answer(now)
            return _true()
        if method in ("editmessagereplymarkup", "editmessagetext"):
            chat_id = int(params["chat_id"])
            message = self._message(chat_id, "…", params.get("reply_markup"))
            message["message_id"] = int(params["message_id"])
            message["edit_date"] = message["date"]
            return _ok(message)
        if method == "getme":
            return _ok(BOT_USER | {"can_join_groups": True, "can_read_all_group_messages": False,
                                   "supports_inline_queries": False})  # fmt: skip
        return _true()  # setMyCommands, deleteWebhook, …

    def _message(self, chat_id: int, text: str, markup: str | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Sim"},
            "from": BOT_USER,
            "text": text,
        }
        if markup:
            message["reply_markup"] = json.loads(markup)
        return message


def _ok(result: Any) -> web.Response:
    body = json.dumps({"ok": True, "result": result}, separators=(",", ":"))
    return web.Response(body=body.encode(), content_type="application/json")


# --- simulated people --------------------------------------------------------------------------

BARE_SCRIPT = [
    ("message", "/start"),
    ("callback", "age:16_17:sv"),
    ("callback", "consent:16_17:save:sv"),
    ("callback", "sc:bus-fight"),
    ("callback", "go:bus-fight"),
    ("callback", "a:abc123:stop:ask-time"),
    ("callback", "a:abc123:bus:driver"),
    ("callback", "a:abc123:next-day:check-in"),
]


class SimUser:
    """One person tapping through scenarios, one update at a time (a closed loop).

    `reactive`: reads the bot's buttons and taps them (the real bot). Otherwise it follows
    `BARE_SCRIPT`, which has the same mix of updates, and any message completes an update.
    Each cycle is a new person (fresh user id): /start, age, consent, a scenario played to
    its debrief, then the next person in this slot.
    """

    def __init__(
        self,
        api: LeanBotApi,
        slot: int,
        stats: Stats,
        *,
        reactive: bool,
        think: float,
        timeout: float,
        rng: random.Random,
    ) -> None:
        self.api, self.slot, self.stats = api, slot, stats
        self.reactive, self.think, self.timeout, self.rng = reactive, think, timeout, rng
        self.cycle = 0
        self.chat_id = 0
        self._sample: Sample | None = None
        self._done: asyncio.Future[list[str] | None] | None = None
        self._queries = itertools.count(1)
        self._last_message = 0

    # called by the server --------------------------------------------------------------------

    def on_answer(self, now: float) -> None:
        if self._sample and self._sample.first is None:
            self._sample.first = now

    def on_message(self, now: float, markup: dict[str, Any] | None, message_id: int) -> None:
        sample, done = self._sample, self._done
        if markup:
            self._last_message = message_id
        if sample is None or done is None or done.done():
            return
        if sample.first is None:
            sample.first = now
        if not self.reactive:
            sample.complete = now
            done.set_result([])
            return
        keyboard = (markup or {}).get("inline_keyboard")
        if keyboard:
            sample.complete = now
            done.set_result([b.get("callback_data", "") for row in keyboard for b in row])

    # the loop ------------------------------------------------------------------------------------

    async def run(self, stop_at: float, start_delay: float = 0.0) -> None:
        await asyncio.sleep(start_delay)
        while time.perf_counter() < stop_at and not self.stats.exhausted():
            self._new_person()
            try:
                await self._play_one(stop_at)
            finally:
                self.api.forget(self)

    def _new_person(self) -> None:
        self.cycle += 1
        self.chat_id = 10_000_000 + self.slot * 100_000 + self.cycle
        self._last_message = 0
        self.api.register(self)

    async def _play_one(self, stop_at: float) -> None:
        if not self.reactive:
            for kind, payload in BARE_SCRIPT:
                if time.perf_counter() >= stop_at or self.stats.exhausted():
                    return
                if await self._update(kind, payload) is None:
                    return
                await self._pause()
            self.stats.cycles += 1
            return
        buttons = await self._update("message", "/start")
        last = "start"
        for _ in range(60):  # a person never taps more than this; a loop would be a bug
            if buttons is None or time.perf_counter() >= stop_at or self.stats.exhausted():
                return
            await self._pause()
            choice = self._pick(buttons, last)
            if choice is None:
                if last == "a" and any(b.startswith("go:") for b in buttons):
                    self.stats.cycles += 1  # the debrief: this person is done
                else:
                    self.stats.unexpected += 1
                return
            last = choice.split(":", 1)[0]
            buttons = await self._update("callback", choice)

    def _pick(self, buttons: list[str], last: str) -> str | None:
        if choice := pick_button(buttons, last, self.rng):
            return choice
        menu = [b for b in buttons if b.startswith("sc:")]
        return self.rng.choice(menu) if last in ("start", "consent") and menu else None

    async def _pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(self.rng.expovariate(1 / self.think))

    async def _update(self, kind: str, payload: str) -> list[str] | None:
        """Send one update and wait for its complete answer; None on timeout."""
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        sender = {"id": self.chat_id, "is_bot": False, "first_name": "Sim", "language_code": "sv"}
        chat = {"id": self.chat_id, "type": "private", "first_name": "Sim"}
        if kind == "message":
            update: dict[str, Any] = {
                "message": {
                    "message_id": self.api.next_message_id(self.chat_id),
                    "date": int(time.time()),
                    "chat": chat,
                    "from": sender,
                    "text": payload,
                    "entities": [{"type": "bot_command", "offset": 0, "length": len(payload)}]
                    if payload.startswith("/")
                    else [],
                }
            }
        else:
            update = {
                "callback_query": {
                    "id": f"{self.chat_id}-{next(self._queries)}",
                    "from": sender,
                    "chat_instance": str(-self.chat_id),
                    "data": payload,
                    "message": {
                        "message_id": self._last_message or 1,
                        "date": int(time.time()),
                        "chat": chat,
                        "from": BOT_USER,
                        "text": "…",
                        "reply_markup": {
                            "inline_keyboard": [[{"text": "…", "callback_data": payload}]]
                        },
                    },
                }
            }
        self._sample = Sample(kind, 0.0)
        self._sample.made_available = self.api.enqueue(update)
        try:
            buttons = await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            buttons = None
        self.stats.samples.append(self._sample)
        self._sample = None
        return buttons
