"""Configuration from environment variables and an optional `.env`-style file.

`SETTINGS` is the one list of what can be set: `load_config` reads only names in it,
`bystander run --help` prints it, and a test keeps the tables in README.md and
docs/operations.md equal to `settings_table()`. A new setting is one more entry there.
"""

from __future__ import annotations

import difflib
import io
import logging
import os
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from dotenv.parser import parse_stream

from bot.content.review import REVIEWED, STATUSES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where an installed wheel keeps the shipped content (pyproject.toml maps the repository's
# top-level scenarios/ and locales/ there); a checkout has none and reads its own folders.
SHIPPED = Path(__file__).resolve().parent / "shipped"


def shipped_dir(name: str) -> Path:
    """The shipped `scenarios` or `locales` folder: the installed copy, else the checkout's."""
    installed = SHIPPED / name
    return installed if installed.is_dir() else PROJECT_ROOT / name


RUN = "run"
ALL = "all"  # run, and the server commands (invite, purge, report)


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str = ""  # the value used when it is not set, as an operator would write it
    used_by: str = RUN
    shown_default: str = ""  # for the docs, when `default` is computed or empty


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("TELEGRAM_BOT_TOKEN", "the bot's token from @BotFather", shown_default="required"),
        Setting(
            "TELEGRAM_BASE_URL",
            "Bot API base URL the token is appended to (a self-hosted Bot API server works)",
            "https://api.telegram.org/bot",
        ),
        Setting(
            "HTTPS_PROXY",
            "proxy for an `https://` Bot API, e.g. `http://user:password@proxy:3128` (the "
            "password is masked in logs); `https_proxy` too, which wins, as in curl",
        ),
        Setting("HTTP_PROXY", "proxy for an `http://` Bot API; `http_proxy` too"),
        Setting("NO_PROXY", "hosts reached without the proxy, comma-separated; `no_proxy` too"),
        Setting(
            "BYSTANDER_START_WAIT",
            "seconds to keep trying at start while the Bot API cannot be reached (the network "
            "is not up yet), with pauses growing to 30 s; 0 tries once. A rejected token is "
            "never retried",
            "300",
        ),
        Setting(
            "LOG_LEVEL",
            "`DEBUG`, `INFO`, `WARNING` or `ERROR`; `DEBUG` also shows the libraries' own "
            "errors and tracebacks of a failed start",
            "INFO",
        ),
        Setting(
            "BYSTANDER_LOG_FORMAT",
            "`text`, or `json`: one JSON object per line (`time`, `level`, `logger`, "
            "`message`, `traceback`)",
            "text",
        ),
        Setting("BYSTANDER_DATA_DIR", "the encrypted database `bystander.db`", "./data", ALL),
        Setting(
            "BYSTANDER_KEY_DIR",
            "`database.key` and `pseudonym.key`, created with mode 0600 on first run (never "
            "again once there is a database: a lost or different key is refused); must be "
            "outside the data folder",
            "./keys",
            ALL,
        ),
        Setting(
            "BYSTANDER_DATABASE_URL",
            "`postgresql://user:password@host/db`: keep the data in PostgreSQL instead of the "
            'encrypted file, e.g. for several workers (docs/operations.md, "PostgreSQL"); '
            "the password is never logged. TLS with a verified certificate "
            "(`sslmode=verify-full`) is required for a host other than this machine",
            "",
            ALL,
            "the encrypted SQLite file",
        ),
        Setting(
            "BYSTANDER_DATABASE_TLS",
            "`required`: refuse an unverified connection to another host; `optional`: allow "
            "one, e.g. on a private network the operator trusts",
            "required",
            ALL,
        ),
        Setting(
            "BYSTANDER_DB_KEY",
            "the database key as 64 hex characters, instead of its file",
            "",
            ALL,
        ),
        Setting(
            "BYSTANDER_PSEUDONYM_SECRET",
            "the pseudonym secret as 64 hex characters, instead of its file",
            "",
            ALL,
        ),
        Setting(
            "BYSTANDER_SCENARIOS",
            'the scenario folder: a center\'s own scenarios (README, "Installing")',
            "",
            ALL,
            "the shipped scenarios",
        ),
        Setting(
            "BYSTANDER_LOCALES",
            "the interface strings: a center's own texts",
            "",
            ALL,
            "the shipped interface texts",
        ),
        Setting(
            "BYSTANDER_OFFERED_TRANSLATIONS",
            "the translations young people are offered: `reviewed` (checked by a translator "
            "the operator named), `draft` (also drafts a person made, e.g. in a pilot) or "
            "`machine-draft` (all). A language below it is not in `/language` and not taken "
            "from Telegram's language; a scenario below it is shown in English. Staff may "
            'preview draft languages (docs/translating.md, "Review status")',
            REVIEWED,
        ),
        Setting(
            "BYSTANDER_ADMINS",
            "Telegram user ids of admins, comma-separated; turned into pseudonyms when read, "
            "never stored",
        ),
        Setting(
            "BYSTANDER_MIN_GROUP",
            "K: class results and reports hide groups smaller than this (at least 3); "
            "`bystander report --min-group` may raise it, never lower it",
            "5",
            ALL,
        ),
        Setting("BYSTANDER_CLASS_DAYS", "how long a class join code works, in days", "14"),
        Setting(
            "BYSTANDER_LESSON_HOURS",
            "a lesson nobody ended ends by itself after this many hours",
            "3",
        ),
        Setting(
            "BYSTANDER_POLL_SECONDS",
            "how long a group-play poll stays open unless its leader closes it (10–600)",
            "180",
        ),
        Setting("BYSTANDER_INVITE_DAYS", "how long a staff invitation works, in days", "7", ALL),
        Setting(
            "BYSTANDER_FOLLOW_UP_DAYS",
            "days after someone who played alone accepts the opt-in follow-up offer when its"
            " reminder (T3) is sent",
            "30",
        ),
        Setting(
            "BYSTANDER_CLASS_FOLLOW_UP_DAYS",
            "the same for a round played in a lesson (a class study; the Swedish MVP"
            " evaluations asked after 3–6 months: 90–180)",
            "90",
        ),
        Setting(
            "BYSTANDER_RETENTION_MONTHS",
            "raw events and anything linked to a person are kept this long (docs/operations.md, "
            '"Retention")',
            "12",
            ALL,
        ),
        Setting(
            "BYSTANDER_BACKUP_DAYS",
            "how long backups are kept: deletions are logged this long, so that `bystander "
            "restore` deletes again whoever deleted their data after the backup was made",
            "30",
            ALL,
        ),
        Setting(
            "BYSTANDER_WEBHOOK_URL",
            "the public `https://` address Telegram posts updates to, behind a reverse proxy "
            '(docs/operations.md, "Webhook mode"); empty: long polling. `bystander run '
            "--webhook URL` wins over it",
        ),
        Setting(
            "BYSTANDER_WEBHOOK_SECRET",
            "the secret Telegram sends with every webhook post: 16 to 256 letters, digits, "
            "`_` or `-`",
            shown_default="made once as `webhook-secret` in the key folder",
        ),
        Setting(
            "BYSTANDER_HTTP_HOST",
            "where the bot's HTTP server listens (webhook, health, metrics, web pages); it runs "
            "only when one of them is on",
            "127.0.0.1",
        ),
        Setting("BYSTANDER_HTTP_PORT", "the HTTP server's port; 0 takes any free one", "8080"),
        Setting(
            "BYSTANDER_HEALTH",
            '`yes`: `/healthz` and `/readyz` on the HTTP server (docs/operations.md, "Health '
            'and metrics")',
            "no",
        ),
        Setting("BYSTANDER_METRICS", "`yes`: Prometheus metrics at `/metrics`", "no"),
        Setting(
            "BYSTANDER_PUBLIC_URL",
            "the public `https://` address of the bot's web pages (the projector page for the "
            "classroom, the staff dashboard), behind the reverse proxy (docs/operations.md, "
            '"The web pages"); empty: no web pages, and `/class` says why',
        ),
        Setting(
            "BYSTANDER_ACCESSIBILITY_URL",
            "where the web pages' accessibility statement is published (a template to "
            "complete: docs/accessibility-statement.md); every page links to it",
        ),
    )
}
# curl and urllib read these in lowercase too (and prefer it).
PROXY_NAMES = {name.lower() for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A configuration problem the operator can fix; shown as one line."""


@dataclass(frozen=True)
class HttpConfig:
    """The bot's one HTTP server (bot/http): webhook, health, metrics and the web pages."""

    webhook_url: str = ""  # the public HTTPS address Telegram posts to; empty: long polling
    webhook_secret: str = field(default="", repr=False)  # empty: made in the key folder
    host: str = "127.0.0.1"
    port: int = 8080
    health: bool = False
    metrics: bool = False
    public_url: str = ""  # the web pages' origin as browsers see it; empty: no web pages
    accessibility_url: str = ""  # the published accessibility statement, linked from each page

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url) or self.health or self.metrics or bool(self.public_url)


@dataclass(frozen=True)
class BotConfig:
    token: str = field(repr=False)
    base_url: str
    data_dir: Path
    key_dir: Path
    scenarios_dir: Path
    locales_dir: Path
    secrets_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    admin_ids: tuple[int, ...] = field(default=(), repr=False)  # turned into pseudonyms at start
    min_group: int = 5  # K: class results and reports hide groups smaller than this
    class_days: int = 14  # how long a class join code works
    lesson_hours: int = 3  # a lesson nobody ended ends by itself
    poll_seconds: int = 180  # how long a group-play poll stays open
    invite_days: int = 7  # how long a staff invitation link works
    follow_up_days: int = 30  # when the opt-in follow-up reminder (T3) is sent
    class_follow_up_days: int = 90  # the same, for rounds played in a lesson (a class study)
    retention_months: int = 12  # raw events older than this are folded into aggregates
    backup_days: int = 30  # how long backups are kept, and so the deletion log
    proxy: str | None = field(default=None, repr=False)  # may hold a password
    start_wait_s: int = 300
    log_level: int = logging.INFO
    log_format: str = "text"
    offered_translations: str = REVIEWED  # the lowest review status young people are shown
    warnings: tuple[str, ...] = ()  # for the log, once it is set up
    http: HttpConfig = field(default_factory=HttpConfig)
    database_url: str = field(default="", repr=False)  # PostgreSQL; empty: the SQLite file

    @property
    def database_path(self) -> Path:
        return self.data_dir / "bystander.db"

    @property
    def database_place(self) -> str:
        """Where the data is, for messages and logs: never a password."""
        if not self.database_url:
            return str(self.database_path)
        from bot.storage.postgres.database import describe  # only when PostgreSQL is used

        return describe(self.database_url)

    @property
    def deletion_log_path(self) -> Path:
        return self.data_dir / "deletions.log"


def setting(values: Mapping[str, str], name: str) -> str:
    """The value of a setting, or its default; only names in SETTINGS can be read."""
    default = SETTINGS[name].default
    return (values.get(name) or "").strip() or default


def content_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Scenario and locale folders: BYSTANDER_SCENARIOS / BYSTANDER_LOCALES, else the shipped."""
    env = os.environ if env is None else env
    scenarios = Path(setting(env, "BYSTANDER_SCENARIOS") or shipped_dir("scenarios"))
    locales = Path(setting(env, "BYSTANDER_LOCALES") or shipped_dir("locales"))
    return scenarios, locales


def read_config_file(path: Path) -> dict[str, str]:
    """A `.env` file, read by python-dotenv's parser: `export` lines, comments (also after a
    value) and quotes as in shells and docker; `$VAR` is kept as written. A line it cannot
    read is an error, not skipped: it may be the one with the token."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"cannot read the config file {path}: {reason}") from error
    values = {}
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            raise ConfigError(f"{path}:{line}: expected KEY=VALUE, as in a .env file")
        if binding.key is None:  # a blank or comment line
            continue
        if binding.value is None:
            raise ConfigError(f"{path}:{line}: {binding.key} has no value: write {binding.key}=…")
        values[binding.key] = binding.value
    return values


def unknown_settings(names: list[str], source: str) -> list[str]:
    """One warning per name that is not a setting, with the nearest setting's name."""
    warnings = []
    for name in names:
        if name in SETTINGS or name in PROXY_NAMES:
            continue
        warning = f"{name} in {source} is not a setting and is ignored"
        near = difflib.get_close_matches(name, SETTINGS, n=1, cutoff=0.8)
        warnings.append(f"{warning}; did you mean {near[0]}?" if near else warning)
    return warnings


def proxy_for(url: str, values: Mapping[str, str]) -> str | None:
    """The proxy for `url` from HTTPS_PROXY/HTTP_PROXY/NO_PROXY, read as curl, urllib and
    aiohttp's trust_env read them (lowercase first), but also from the config file."""
    proxies = {}
    for scheme in ("https", "http", "no"):
        lower, upper = f"{scheme}_proxy", f"{scheme.upper()}_PROXY"
        value = values[lower] if lower in values else values.get(upper)
        if value:
            proxies[scheme] = value.strip()
    parts = urlsplit(url)
    if proxy_bypass_environment(parts.netloc, proxies):
        return None
    return proxies.get(parts.scheme)


def load_config(
    env: Mapping[str, str], config_file: Path | None = None, *, require_token: bool = True
) -> BotConfig:
    """Environment variables win over the config file, which wins over defaults."""
    from_file = read_config_file(config_file) if config_file else {}
    values = {**from_file, **env}
    token = setting(values, "TELEGRAM_BOT_TOKEN")
    if not token and require_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather in Telegram, "
            "then run TELEGRAM_BOT_TOKEN=<token> bystander run"
        )
    base_url = _base_url(values)
    scenarios, locales = content_dirs(values)
    return BotConfig(
        token=token,
        base_url=base_url,
        data_dir=Path(setting(values, "BYSTANDER_DATA_DIR")).resolve(),
        key_dir=Path(setting(values, "BYSTANDER_KEY_DIR")).resolve(),
        scenarios_dir=scenarios,
        locales_dir=locales,
        secrets_env=values,
        admin_ids=_admin_ids(values),
        min_group=_number(values, "BYSTANDER_MIN_GROUP", 3),
        class_days=_number(values, "BYSTANDER_CLASS_DAYS", 1),
        lesson_hours=_number(values, "BYSTANDER_LESSON_HOURS", 1),
        poll_seconds=_number(values, "BYSTANDER_POLL_SECONDS", 10, maximum=600),
        invite_days=_number(values, "BYSTANDER_INVITE_DAYS", 1),
        follow_up_days=_number(values, "BYSTANDER_FOLLOW_UP_DAYS", 1),
        class_follow_up_days=_number(values, "BYSTANDER_CLASS_FOLLOW_UP_DAYS", 1),
        retention_months=_number(values, "BYSTANDER_RETENTION_MONTHS", 1),
        backup_days=_number(values, "BYSTANDER_BACKUP_DAYS", 1),
        proxy=proxy_for(base_url, values),
        start_wait_s=_number(values, "BYSTANDER_START_WAIT", 0),
        log_level=getattr(logging, _choice(values, "LOG_LEVEL", LOG_LEVELS)),
        log_format=_choice(values, "BYSTANDER_LOG_FORMAT", LOG_FORMATS),
        offered_translations=_choice(values, "BYSTANDER_OFFERED_TRANSLATIONS", STATUSES),
        http=_http_config(values),
        database_url=_database_url(values),
        warnings=tuple(
            unknown_settings(list(from_file), str(config_file))
            + unknown_settings([n for n in env if n.startswith("BYSTANDER_")], "the environment")
        ),
    )


def _base_url(values: Mapping[str, str]) -> str:
    """Checked here: an HTTP client would only fail on it after every retry at start."""
    url = setting(values, "TELEGRAM_BASE_URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as error:
        raise ConfigError(f"TELEGRAM_BASE_URL is not a usable URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("TELEGRAM_BASE_URL must be an http:// or https:// URL with a host")
    return url


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
VERIFIED_TLS = "verify-full"  # verify-ca would take any certificate of the CA
DATABASE_URL = "BYSTANDER_DATABASE_URL"


def _database_url(values: Mapping[str, str]) -> str:
    return database_url(values, setting(values, DATABASE_URL))


def database_url(values: Mapping[str, str], url: str, name: str = DATABASE_URL) -> str:
    """`url` (named `name` in messages) as a PostgreSQL URL, with a verified TLS connection
    for any host but this machine (its password may travel over the network, and so does
    everyone's data) unless `values` set BYSTANDER_DATABASE_TLS=optional. The URL is read
    as libpq reads it, also what the environment adds (PGHOST, PGSERVICE…), so that no
    spelling of a remote host passes for a local one."""
    if not url:
        return ""
    if not url.startswith(("postgresql://", "postgres://")):
        empty = " (leave it empty for the encrypted SQLite file)" if name == DATABASE_URL else ""
        raise ConfigError(f"{name} must be a postgresql://user:password@host/database URL{empty}")
    unusable = ConfigError(
        f"{name} is not a usable URL: percent-encode any / ? # @ : in the user name or password"
    )  # never the parser's own words: they may quote the password
    if "#" in url:
        raise unusable
    tls = _choice(values, "BYSTANDER_DATABASE_TLS", ("required", "optional"))
    parameters = _connection_parameters(url, unusable)
    if tls == "optional" or _is_local(parameters):
        return url
    sslmode = parameters.get("sslmode", "")
    if sslmode and sslmode != VERIFIED_TLS:
        where = ",".join(_hosts(parameters)) or "the host the environment names"
        raise ConfigError(
            f"{name} has sslmode={sslmode} for {where}, another machine: use "
            "sslmode=verify-full (TLS with a verified certificate), or set "
            "BYSTANDER_DATABASE_TLS=optional if you accept an unverified connection"
        )
    if not sslmode:  # added as text: rebuilding the URL would drop the // of an empty host
        url += f"{'&' if '?' in url else '?'}sslmode={VERIFIED_TLS}"
    if _connection_parameters(url, unusable).get("sslmode") != VERIFIED_TLS:
        raise unusable  # libpq would not read the sslmode we added
    return url


def _connection_parameters(url: str, unusable: ConfigError) -> dict[str, str]:
    from psycopg import ProgrammingError  # only when PostgreSQL is configured
    from psycopg.conninfo import conninfo_to_dict

    try:
        parameters = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except ProgrammingError:
        raise unusable from None
    ports = [port for port in parameters.get("port", "").split(",") if port]
    if not all(port.isdigit() and 0 < int(port) < 65536 for port in ports):
        raise unusable
    return parameters


def _hosts(parameters: Mapping[str, str]) -> list[str]:
    """Where libpq connects: the URL's hosts and host addresses, else the environment's."""
    named = [h for key in ("host", "hostaddr") for h in parameters.get(key, "").split(",") if h]
    from_environment = [
        h for key in ("PGHOST", "PGHOSTADDR") for h in os.environ.get(key, "").split(",") if h
    ]
    return named or from_environment


def _is_local(parameters: Mapping[str, str]) -> bool:
    """Only this machine: loopback addresses or Unix sockets, and no service file entry
    (which could name any host)."""
    if parameters.get("service") or os.environ.get("PGSERVICE"):
        return False
    return all(host.startswith("/") or host in LOCAL_HOSTS for host in _hosts(parameters))


def _number(values: Mapping[str, str], name: str, minimum: int, maximum: int | None = None) -> int:
    raw = setting(values, name)
    if raw.isdigit() and minimum <= int(raw) <= (maximum or int(raw)):
        return int(raw)
    bounds = f"from {minimum} to {maximum}" if maximum else f"of at least {minimum}"
    raise ConfigError(f"{name} must be a whole number {bounds}, not {raw!r}")


def _choice(values: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = setting(values, name)
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")


def _flag(values: Mapping[str, str], name: str) -> bool:
    return _choice(values, name, ("yes", "no")) == "yes"


# Telegram's rule for a webhook's secret_token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


def _http_config(values: Mapping[str, str]) -> HttpConfig:
    url = setting(values, "BYSTANDER_WEBHOOK_URL")
    if url and (urlsplit(url).scheme != "https" or not urlsplit(url).hostname):
        raise ConfigError(
            f"BYSTANDER_WEBHOOK_URL must be an https:// address (Telegram posts only over TLS), "
            f"not {url!r}"
        )
    secret = setting(values, "BYSTANDER_WEBHOOK_SECRET")
    if secret and not WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError("BYSTANDER_WEBHOOK_SECRET must be 16 to 256 letters, digits, '_' or '-'")
    port = _number(values, "BYSTANDER_HTTP_PORT", 0)
    if port > 65535:
        raise ConfigError(f"BYSTANDER_HTTP_PORT must be a port number up to 65535, not {port}")
    return HttpConfig(
        webhook_url=url,
        webhook_secret=secret,
        host=setting(values, "BYSTANDER_HTTP_HOST"),
        port=port,
        health=_flag(values, "BYSTANDER_HEALTH"),
        metrics=_flag(values, "BYSTANDER_METRICS"),
        public_url=_public_url(values),
        accessibility_url=_accessibility_url(values),
    )


def _public_url(values: Mapping[str, str]) -> str:
    """The web pages' origin as a browser writes it in its Origin header (which every form
    and login is checked against): lowercase, no default port, no path. https only, except
    on this machine (a local trial, the tests): session cookies need TLS elsewhere."""
    url = setting(values, "BYSTANDER_PUBLIC_URL").rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = (parts.hostname or "").lower()
    local = parts.scheme == "http" and host in ("localhost", "127.0.0.1")
    if (
        (parts.scheme != "https" and not local)
        or not host
        or port == -1
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ConfigError(
            "BYSTANDER_PUBLIC_URL must be the https:// address the web pages are reached at, "
            f"without a path (http:// only for localhost), not {url!r}"
        )
    default = {"https": 443, "http": 80}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def _accessibility_url(values: Mapping[str, str]) -> str:
    url = setting(values, "BYSTANDER_ACCESSIBILITY_URL")
    if url and (urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname):
        raise ConfigError(
            f"BYSTANDER_ACCESSIBILITY_URL must be the address of a web page, not {url!r}"
        )
    return url


def _admin_ids(values: Mapping[str, str]) -> tuple[int, ...]:
    words = [w.strip() for w in setting(values, "BYSTANDER_ADMINS").split(",") if w.strip()]
    if not all(w.isdigit() for w in words):
        raise ConfigError("BYSTANDER_ADMINS must be Telegram user ids separated by commas")
    return tuple(int(w) for w in words)


def _shown_default(item: Setting) -> str:
    return item.shown_default or (f"`{item.default}`" if item.default else "–")


def settings_table() -> str:
    """The Markdown table of every setting, as README.md and docs/operations.md show it."""
    rows = [
        "| setting | default | used by | meaning |",
        "| --- | --- | --- | --- |",
        *(
            f"| `{s.name}` | {_shown_default(s)} | {'all commands' if s.used_by == ALL else 'run'}"
            f" | {s.meaning} |"
            for s in SETTINGS.values()
        ),
    ]
    return "\n".join(rows)


def settings_help() -> str:
    """The settings for `bystander run --help`: name, default, meaning."""
    lines = ["settings (environment variables, or KEY=VALUE lines in --config):"]
    for item in SETTINGS.values():
        default = _shown_default(item).replace("`", "")
        lines.append(f"  {item.name} (default: {default})")
        meaning = item.meaning.replace("`", "")
        lines += textwrap.wrap(meaning, 88, initial_indent=" " * 6, subsequent_indent=" " * 6)
    return "\n".join(lines)
