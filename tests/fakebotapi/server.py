"""The fake Telegram Bot API server: HTTP routing, auth, fault injection, request log, settling.

It listens on 127.0.0.1 (random port) so a real PTB `Application` can long-poll it; nothing
ever leaves the machine.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from telegram.ext import ApplicationBuilder

from .errors import UNAUTHORIZED, ApiError, http_error, too_many_requests
from .group import FakeGroup
from .methods import BotApiMethods, canonical_name, commands_key
from .params import Params, UploadedFile, read_request
from .state import (
    JSON,
    BotState,
    CallbackQueryRecord,
    Chat,
    GroupChat,
    PendingUpdate,
    Profile,
)
from .user import FakeUser, PollView

DEFAULT_BOT_ID = 123456
DEFAULT_USERNAME = "bystander_test_bot"
MAX_UPLOAD_BYTES = 60 * 1024 * 1024  # Telegram accepts documents up to 50 MB
BUSY_LIMIT = 6  # settling fails after this many settle timeouts even if the bot keeps calling


@dataclass
class RecordedRequest:
    """One HTTP call the bot made. `status` stays None if the client gave up waiting."""

    method: str
    time: float
    params: Params = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int | None = None
    response: JSON | None = None


@dataclass
class Hold:
    """A call the fake server holds back until the test releases it (`hold_next`)."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass(frozen=True)
class _Fault:
    error: ApiError | None = None
    delay: float = 0.0
    hold: Hold | None = None


class FakeBotApi:
    """A Telegram Bot API stand-in for end-to-end tests of a PTB bot.

    Usage: `async with FakeBotApi() as server:` then build the bot with
    `server.application_builder()` and talk to it through `server.user(...)`.
    A bug inside the fake is answered with HTTP 500 and kept in `internal_errors`.
    """

    def __init__(
        self,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        bot_username: str = DEFAULT_USERNAME,
        bot_name: str = "Bystander Test",
        quiet_period: float = 0.15,
        probed_quiet_period: float = 0.01,
        settle_timeout: float = 10.0,
    ) -> None:
        self.token = f"{bot_id}:TEST-token-{'x' * 24}"
        self.bot_username = bot_username
        self.quiet_period = quiet_period
        self.probed_quiet_period = probed_quiet_period
        self.settle_timeout = settle_timeout
        self.state = BotState(Profile(bot_id, bot_name, bot_username, is_bot=True))
        self.methods = BotApiMethods(self.state)
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[BaseException] = []
        self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
        self._holds: dict[int, asyncio.Event] = {}
        self._users: dict[int, FakeUser] = {}
        self._groups: list[FakeGroup] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._in_flight = 0
        self._last_activity = 0.0
        # Users' actions wait for the bot's answer; off for tests of a bot that stays silent.
        self.expect_replies = True
        # Set by a test that can see into the bot: True once the bot has handled to the end
        # every update it took (it must not be True while one is still being handled), so a
        # busy machine's pauses are not mistaken for a quiet bot. Settling then trusts the
        # bot's state and waits only `probed_quiet_period` after its last call, not the
        # `quiet_period` a bot seen only from outside needs.
        self.idle_probe: Callable[[], bool] | None = None
        # Webhook: where posts go instead of the registered https URL's scheme and host,
        # as DNS and a TLS-terminating proxy would route them ("http://127.0.0.1:8080"),
        # and how to trust a self-signed proxy. The HTTP status of every post, in order.
        self.webhook_origin: str | None = None
        self.webhook_ssl: ssl.SSLContext | None = None
        self.webhook_statuses: list[int] = []
        # Several workers behind a reverse proxy: each post goes to the next origin in turn.
        self.webhook_origins: list[str] = []
        self._posts = itertools.count()
        # Telegram posts over up to `max_connections` connections at once (40 by default);
        # one here unless a test asks for more, so that updates arrive in order.
        self._webhook_slots = asyncio.Semaphore(1)

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on `port` (0: any free one); a given port lets a test start the server
        after the bot, as a network that comes up late."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll whose client hung up must not swallow updates.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runner, self._port = runner, runner.addresses[0][1]
        self._spawn(self._post_to_webhook())

    async def stop(self) -> None:
        """Release waiting long polls first, so shutdown never waits for a poll timeout."""
        self.state.updates.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url`; PTB appends the token."""
        return f"{self.url}/bot"

    def application_builder(self) -> ApplicationBuilder:  # type: ignore[type-arg]
        """An ApplicationBuilder already pointed at this server with its token."""
        return ApplicationBuilder().token(self.token).base_url(self.base_url)

    # --- people ------------------------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "sv",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        """The simulated person `user_id` (created on first use) in a private chat."""
        if user_id is None:
            user_id = max([10_000, *self._users]) + 1
        if user_id not in self._users:
            profile = Profile(user_id, first_name, username, last_name, language_code)
            chat = self.state.chats[user_id] = Chat(profile, id=user_id)
            self._users[user_id] = FakeUser(self, chat)
        return self._users[user_id]

    def group(
        self,
        title: str,
        members: list[FakeUser],
        *,
        admins: list[FakeUser] | None = None,
        forum: bool = False,
        supergroup: bool = False,
    ) -> FakeGroup:
        """A group of existing users, the first its creator; the bot is not in it yet.

        A forum is always a supergroup. Ids are negative as in Telegram: basic groups -4…,
        supergroups -100….
        """
        supergroup = supergroup or forum
        number = len(self._groups) + 1
        chat_id = -(1_000_000_000_000 + number) if supergroup else -(4_000_000_000 + number)
        chat = GroupChat(
            id=chat_id,
            title=title,
            supergroup=supergroup,
            forum=forum,
            members={member.id: member.profile for member in members},
            admins={member.id for member in [members[0], *(admins or [])]},
        )
        self.state.chats[chat_id] = chat
        self._groups.append(FakeGroup(self, chat))
        return self._groups[-1]

    def polls(self) -> list[PollView]:
        """Every poll the bot sent, oldest first (e.g. to check none was non-anonymous)."""
        return [PollView.of(poll) for poll in self.state.polls.values()]

    async def expire_polls(self) -> None:
        """Close the polls whose time ran out (see `FakeGroup.let_time_pass`), as Telegram
        does, and let the bot handle the final `poll` updates."""
        if self.state.expire_polls():
            await self.settle()

    def enqueue(self, update: JSON) -> int:
        """Queue a raw update (without update_id) for getUpdates; returns its update_id."""
        return self.state.updates.put(update).update_id

    async def deliver(self, update: JSON, *, expect_reply: bool | None = None) -> None:
        """Queue an update and wait until the bot has fetched it, answered and settled.

        `expect_reply` (default: `expect_replies`) waits for the bot's first call after it.
        """
        self.enqueue(update)
        if expect_reply is None:
            expect_reply = self.expect_replies
        await self.settle(expect_reply=expect_reply)

    # --- fault injection and log -------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        count: int = 1,
        status: int = 429,
        retry_after: float = 1,
        description: str | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail without effect (429, 500, 502, 403…)."""
        error = too_many_requests(retry_after) if status == 429 else http_error(status, description)
        self._faults[_method_name(method)].extend(_Fault(error=error) for _ in range(count))

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Make the next `count` calls of `method` take `seconds`.

        The call still takes effect after the delay even if the client timed out meanwhile, as
        with a slow Telegram: the bot sees TimedOut, the user sees the message anyway.
        """
        self._faults[_method_name(method)].extend(_Fault(delay=seconds) for _ in range(count))

    def hold_next(self, method: str) -> Hold:
        """Make the next call of `method` wait until `release()` is called on the result;
        `arrived` is set once the bot has made the call.

        A held call does not keep the server from settling, so people can act while it
        waits: a test can make something happen in the middle of the bot's call.
        """
        hold = Hold()
        self._faults[_method_name(method)].append(_Fault(hold=hold))
        return hold

    @contextmanager
    def holding(self, chat_id: int) -> Iterator[None]:
        """While the block runs, the bot's calls about `chat_id` wait, then take effect.

        As with a Telegram that is slow for one chat: calls with that `chat_id`, and answers
        to that chat's button presses, are held until the block ends. Other chats are served.
        """
        gate = self._holds[chat_id] = asyncio.Event()
        try:
            yield
        finally:
            del self._holds[chat_id]
            gate.set()

    def calls(self, method: str) -> list[RecordedRequest]:
        """Logged requests for `method` (any spelling), oldest first."""
        name = _method_name(method)
        return [r for r in self.requests if r.method == name]

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        return [q for q in self.state.callback_queries.values() if not q.answered]

    def my_commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        key = commands_key({"scope": scope, "language_code": language_code})
        return self.state.commands.get(key, [])

    def resolve_commands(
        self, scopes: list[JSON], language_code: str | None
    ) -> list[tuple[str, str]]:
        """The first command list set, trying each scope with the language, then without."""
        languages = [language_code, ""] if language_code else [""]
        for scope in scopes:
            for language in languages:
                if commands := self.my_commands(language, scope):
                    return [(c["command"], c["description"]) for c in commands]
        return []

    # --- settling ------------------------------------------------------------------------------

    async def settle(
        self,
        timeout: float | None = None,
        quiet: float | None = None,
        *,
        expect_reply: bool = False,
    ) -> None:
        """Wait until every update was fetched and the bot made no API call for `quiet` s.

        With `idle_probe` set, every update must also have been taken over by the bot (the
        webhook answered 2xx, or a later getUpdates confirmed it) and handled to the end, as
        the probe says; `quiet` is then `probed_quiet_period` unless given.

        With `expect_reply`, also wait for the bot's first call after the latest delivery, so
        a slow handler (one that works before it answers) is not mistaken for a quiet bot.

        `timeout` (default `settle_timeout`) is how long the bot may go without an API call
        while it is not settled: a bot pacing its messages to Telegram's limit (20 a minute in
        a group) is making progress. However busy, it must settle within BUSY_LIMIT times that.
        """
        loop = asyncio.get_running_loop()
        if quiet is None:
            quiet = self.quiet_period if self.idle_probe is None else self.probed_quiet_period
        timeout = self.settle_timeout if timeout is None else timeout
        started = loop.time()
        while not self._is_settled(quiet) or (
            expect_reply and self._last_activity < self.state.updates.last_delivery
        ):
            now = loop.time()
            if now >= max(started, self._last_activity) + timeout:
                raise AssertionError(self._unsettled_report(f"no API call for {timeout} s"))
            if now >= started + BUSY_LIMIT * timeout:
                raise AssertionError(self._unsettled_report(f"busy for {now - started:.0f} s"))
            await asyncio.sleep(0.005)

    async def eventually(self, condition: Callable[[], bool], failure: str) -> None:
        """Wait until `condition` holds, for what settling cannot see: a bot in another
        process may pause longer than `quiet_period` while it works. The deadline
        (`settle_timeout`) only keeps a broken bot from hanging the test."""
        try:
            async with asyncio.timeout(self.settle_timeout):
                while not condition():
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(failure) from None

    def _is_settled(self, quiet: float) -> bool:
        last = max(self._last_activity, self.state.updates.last_delivery)
        idle = asyncio.get_running_loop().time() - last
        updates = self.state.updates
        return (
            not updates.undelivered()
            and not self._in_flight
            and idle >= quiet
            and (self.idle_probe is None or (not updates.pending and self.idle_probe()))
        )

    def _unsettled_report(self, why: str) -> str:
        problems = []
        if waiting := [u.update_id for u in self.state.updates.undelivered()]:
            problems.append(f"updates {waiting} never fetched (is the Application polling?)")
        if self._in_flight:
            problems.append(f"{self._in_flight} API call(s) still running")
        if self.idle_probe is not None:
            if unconfirmed := [u.update_id for u in self.state.updates.pending if u.delivered]:
                problems.append(f"updates {unconfirmed} fetched but not confirmed by the bot")
            if not self.idle_probe():
                problems.append("the bot is still handling an update")
        recent = [r.method for r in self.requests if r.method != "getUpdates"][-5:]
        problems.append(f"latest API calls: {recent}")
        return f"bot did not settle ({why}): " + "; ".join(problems)

    # --- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        record = RecordedRequest(request.match_info["method"], loop.time())
        self.requests.append(record)
        try:
            result = await self._process(request, record)
        except ApiError as error:
            record.status, record.response = error.status, error.body()
        except Exception as bug:  # a defect of the fake, not of the bot under test
            self.internal_errors.append(bug)
            record.status, record.response = 500, http_error(500, f"fake bug: {bug!r}").body()
        else:
            record.status, record.response = 200, {"ok": True, "result": result}
        return web.json_response(record.response, status=record.status)

    async def _process(self, request: web.Request, record: RecordedRequest) -> Any:
        if request.match_info["token"] != self.token:
            raise UNAUTHORIZED
        record.method = canonical_name(record.method)
        record.params, record.files = await read_request(request)
        fault = self._faults[record.method].popleft() if self._faults[record.method] else None
        if record.method == "getUpdates":
            return await self._execute(record, fault)  # cancelled when the poller hangs up
        task = self._spawn(self._execute(record, fault))
        return await asyncio.shield(task)  # takes effect even if the client times out

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    # --- webhook -------------------------------------------------------------------------------

    def use_webhook_connections(self, connections: int) -> None:
        """Post up to this many updates at once, as Telegram does over several connections."""
        self._webhook_slots = asyncio.Semaphore(connections)

    async def _post_to_webhook(self) -> None:
        """As Telegram with a webhook set: each update is posted until the bot answers 2xx,
        one at a time and in order unless more connections are allowed; a failed post is
        tried again a moment later."""
        updates = self.state.updates
        async with aiohttp.ClientSession() as session:
            while not updates.closed:
                slots = self._webhook_slots
                await slots.acquire()
                update = updates.next_for_webhook() if self.state.webhook_url else None
                if update is None:
                    slots.release()
                    await updates.changed()
                    continue
                self._track(True, +1)
                self._spawn(self._post_update(session, update, slots))

    async def _post_update(
        self, session: aiohttp.ClientSession, update: PendingUpdate, slots: asyncio.Semaphore
    ) -> None:
        try:
            status = await self._post(session, update.payload)
            self.webhook_statuses.append(status)
            if 200 <= status < 300:
                self.state.updates.confirm(update)
            else:
                self.state.updates.retry(update)
                await asyncio.sleep(0.1)
        finally:
            self._track(True, -1)
            slots.release()
            self.state.updates.wake()

    async def _post(self, session: aiohttp.ClientSession, payload: JSON) -> int:
        url = urlsplit(self.state.webhook_url)
        origins = self.webhook_origins or [self.webhook_origin or f"{url.scheme}://{url.netloc}"]
        origin = origins[next(self._posts) % len(origins)]
        headers = {}
        if self.state.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.state.webhook_secret
        try:
            async with session.post(
                origin + (url.path or "/"),
                json=payload,
                headers=headers,
                ssl=self.webhook_ssl if self.webhook_ssl is not None else True,
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0  # no answer: Telegram tries again later

    async def _execute(self, record: RecordedRequest, fault: _Fault | None) -> Any:
        busy = record.method != "getUpdates"
        self._track(busy, +1)
        try:
            if (gate := self._holds.get(self._chat_of(record))) is not None:
                await gate.wait()
            if fault and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault and fault.hold:
                self._track(busy, -1)
                fault.hold.arrived.set()
                try:
                    await fault.hold.released.wait()
                finally:
                    self._track(busy, +1)
            if fault and fault.error:
                self._expect_retry(fault.error)
                raise fault.error
            return await self.methods.call(record.method, record.params, record.files)
        finally:
            self._track(busy, -1)

    def _chat_of(self, record: RecordedRequest) -> int | None:
        chat_id = record.params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        query = self.state.callback_queries.get(str(record.params.get("callback_query_id")))
        return query.chat_id if query else None

    def _track(self, busy: bool, change: int) -> None:
        if busy:
            self._in_flight += change
            now = asyncio.get_running_loop().time()
            self._last_activity = max(self._last_activity, now)

    def _expect_retry(self, error: ApiError) -> None:
        """After a 429 the bot is quiet on purpose; settling must wait out retry_after."""
        retry_after = (error.parameters or {}).get("retry_after")
        if retry_after:
            now = asyncio.get_running_loop().time()
            self._last_activity = max(self._last_activity, now + retry_after)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so an abandoned failure is not logged as lost


def _method_name(method: str) -> str:
    try:
        return canonical_name(method)
    except ApiError:
        raise ValueError(f"the fake Bot API does not implement {method!r}") from None
