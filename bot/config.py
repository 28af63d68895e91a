"""Configuration from environment variables, with defaults that work from a checkout."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def content_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Scenario and locale folders: BYSTANDER_SCENARIOS / BYSTANDER_LOCALES, else the checkout."""
    env = os.environ if env is None else env
    scenarios = Path(env.get("BYSTANDER_SCENARIOS") or PROJECT_ROOT / "scenarios")
    locales = Path(env.get("BYSTANDER_LOCALES") or PROJECT_ROOT / "locales")
    return scenarios, locales


DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """A configuration problem the operator can fix; shown as one line."""


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
    invite_days: int = 7  # how long a staff invitation link works
    follow_up_days: int = 30  # when the opt-in follow-up reminder (T3) is sent
    retention_months: int = 12  # raw events older than this are folded into aggregates
    backup_days: int = 30  # how long backups are kept, and so the deletion log

    @property
    def database_path(self) -> Path:
        return self.data_dir / "bystander.db"

    @property
    def deletion_log_path(self) -> Path:
        return self.data_dir / "deletions.log"


def read_config_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (a .env file); '#' starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"cannot read the config file {path}: {error.strerror}") from error
    values = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _number(values: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)


def _admin_ids(values: Mapping[str, str]) -> tuple[int, ...]:
    words = [w.strip() for w in values.get("BYSTANDER_ADMINS", "").split(",") if w.strip()]
    if not all(w.isdigit() for w in words):
        raise ConfigError("BYSTANDER_ADMINS must be Telegram user ids separated by commas")
    return tuple(int(w) for w in words)


def load_config(
    env: Mapping[str, str], config_file: Path | None = None, *, require_token: bool = True
) -> BotConfig:
    """Environment variables win over the config file, which wins over defaults."""
    values = {**(read_config_file(config_file) if config_file else {}), **env}
    token = values.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token and require_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather in Telegram, "
            "then run TELEGRAM_BOT_TOKEN=<token> bystander run"
        )
    scenarios, locales = content_dirs(values)
    data_dir = Path(values.get("BYSTANDER_DATA_DIR") or "data").resolve()
    key_dir = Path(values.get("BYSTANDER_KEY_DIR") or "keys").resolve()
    return BotConfig(
        token=token,
        base_url=values.get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL,
        data_dir=data_dir,
        key_dir=key_dir,
        scenarios_dir=scenarios,
        locales_dir=locales,
        secrets_env=values,
        admin_ids=_admin_ids(values),
        min_group=_number(values, "BYSTANDER_MIN_GROUP", 5, 3),
        class_days=_number(values, "BYSTANDER_CLASS_DAYS", 14, 1),
        invite_days=_number(values, "BYSTANDER_INVITE_DAYS", 7, 1),
        follow_up_days=_number(values, "BYSTANDER_FOLLOW_UP_DAYS", 30, 1),
        retention_months=_number(values, "BYSTANDER_RETENTION_MONTHS", 12, 1),
        backup_days=_number(values, "BYSTANDER_BACKUP_DAYS", 30, 1),
    )
