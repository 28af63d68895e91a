"""Configuration: the config file, proxies, the one table of settings and its copies."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import (
    PROJECT_ROOT,
    SETTINGS,
    ConfigError,
    load_config,
    proxy_for,
    settings_table,
)

TOKEN = {"TELEGRAM_BOT_TOKEN": "1:x"}


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_config_file_reads_as_a_dotenv_file(tmp_path) -> None:
    path = config_file(
        tmp_path,
        "# the bot at Tumba\n"
        "export TELEGRAM_BOT_TOKEN=123:from-the-file\n"
        "BYSTANDER_MIN_GROUP=7   # K for this school\n"
        "BYSTANDER_DATA_DIR='/srv/bystander data'\n"
        'BYSTANDER_ADMINS="11,22"  # two admins\n'
        "TELEGRAM_BASE_URL=http://bots.example/bot#not-a-comment-without-space\n"
        "\n"
        "BYSTANDER_PSEUDONYM_SECRET=$NOT_EXPANDED\n",
    )
    config = load_config({}, path)
    assert config.token == "123:from-the-file"
    assert config.min_group == 7
    assert config.data_dir == Path("/srv/bystander data")
    assert config.admin_ids == (11, 22)
    assert config.base_url == "http://bots.example/bot#not-a-comment-without-space"
    assert config.secrets_env["BYSTANDER_PSEUDONYM_SECRET"] == "$NOT_EXPANDED"
    assert config.warnings == ()


def test_the_environment_wins_over_the_file(tmp_path) -> None:
    path = config_file(tmp_path, "export BYSTANDER_CLASS_DAYS=3\nBYSTANDER_INVITE_DAYS=2\n")
    config = load_config({**TOKEN, "BYSTANDER_CLASS_DAYS": "9"}, path)
    assert (config.class_days, config.invite_days) == (9, 2)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("TELEGRAM_BOT_TOKEN=1:x\nBYSTANDER_MIN_GROUP='5\n", "bot.env:2: expected KEY=VALUE"),
        ("# token below\nTELEGRAM_BOT_TOKEN\n", "bot.env:2: TELEGRAM_BOT_TOKEN has no value"),
        ("=5\n", "bot.env:1: expected KEY=VALUE"),
    ],
)
def test_a_line_that_cannot_be_read_is_one_error_with_its_line(tmp_path, text, error) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(TOKEN, config_file(tmp_path, text))
    assert str(raised.value).startswith(f"{tmp_path / 'bot.env'}:{error.split(':', 1)[1]}")


def test_a_missing_config_file_is_one_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the config file .*missing.env"):
        load_config(TOKEN, tmp_path / "missing.env")


def test_unknown_names_are_warned_about_with_the_nearest_setting(tmp_path) -> None:
    path = config_file(tmp_path, "BYSTANDER_MIN_GRUP=7\nhttps_proxy=http://p:3128\nCOLOR=red\n")
    env = {**TOKEN, "BYSTANDER_RETENTION_MONTH": "6", "BYSTANDER_ZZZ": "1", "HOME": "/root"}
    config = load_config(env, path)
    assert config.warnings == (
        f"BYSTANDER_MIN_GRUP in {path} is not a setting and is ignored; "
        "did you mean BYSTANDER_MIN_GROUP?",
        f"COLOR in {path} is not a setting and is ignored",
        "BYSTANDER_RETENTION_MONTH in the environment is not a setting and is ignored; "
        "did you mean BYSTANDER_RETENTION_MONTHS?",
        "BYSTANDER_ZZZ in the environment is not a setting and is ignored",
    )
    assert config.min_group == 5, "a misspelt setting changes nothing"


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO"),
        ({"BYSTANDER_LOG_FORMAT": "xml"}, "BYSTANDER_LOG_FORMAT must be one of text, json"),
        ({"BYSTANDER_START_WAIT": "-1"}, "BYSTANDER_START_WAIT must be a whole number"),
        ({"BYSTANDER_POLL_SECONDS": "601"}, "POLL_SECONDS must be a whole number from 10 to 600"),
        ({"BYSTANDER_LESSON_HOURS": "0"}, "LESSON_HOURS must be a whole number of at least 1"),
        ({"TELEGRAM_BASE_URL": "htp://127.0.0.1/bot"}, "TELEGRAM_BASE_URL must be an http"),
        ({"TELEGRAM_BASE_URL": "http://h:99999/bot"}, "TELEGRAM_BASE_URL is not a usable URL"),
    ],
)
def test_bad_values_are_one_error_naming_the_setting(env, error) -> None:
    with pytest.raises(ConfigError, match=error):
        load_config({**TOKEN, **env})


def test_log_settings_are_read_in_any_case() -> None:
    config = load_config({**TOKEN, "LOG_LEVEL": "debug", "BYSTANDER_LOG_FORMAT": "JSON"})
    assert (config.log_level, config.log_format) == (logging.DEBUG, "json")
    default = load_config(TOKEN)
    assert (default.log_level, default.log_format, default.start_wait_s) == (
        logging.INFO,
        "text",
        300,
    )


API = "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("values", "url", "proxy"),
    [
        ({}, API, None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, API, "http://proxy:3128"),
        ({"HTTP_PROXY": "http://proxy:3128"}, API, None),  # only for http:// URLs
        ({"HTTP_PROXY": "http://proxy:80"}, "http://bots.lan/bot", "http://proxy:80"),
        ({"HTTPS_PROXY": "http://a:1", "https_proxy": "http://b:2"}, API, "http://b:2"),
        ({"HTTPS_PROXY": "http://a:1", "https_proxy": ""}, API, None),  # lowercase wins
        ({"HTTPS_PROXY": "http://a:1", "NO_PROXY": "localhost,.telegram.org"}, API, None),
        ({"HTTPS_PROXY": "http://a:1", "no_proxy": "*"}, API, None),
        ({"HTTPS_PROXY": "http://a:1", "NO_PROXY": "telegram.org.evil"}, API, "http://a:1"),
    ],
)
def test_the_proxy_is_chosen_as_curl_and_aiohttp_choose_it(values, url, proxy) -> None:
    assert proxy_for(url, values) == proxy


def test_a_proxy_in_the_config_file_is_used(tmp_path) -> None:
    path = config_file(tmp_path, "export HTTPS_PROXY=http://u:pw@proxy.lan:3128\n")
    assert load_config(TOKEN, path).proxy == "http://u:pw@proxy.lan:3128"


def documented_table(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("| setting | default | used by | meaning |")
    end = next(n for n in range(start, len(lines)) if not lines[n].startswith("|"))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize("document", ["README.md", "docs/operations.md"])
def test_the_documented_settings_are_exactly_the_settings_in_the_code(document) -> None:
    documented = documented_table(PROJECT_ROOT / document)
    assert documented == settings_table(), (
        f"{document} is out of step with bot/config.py SETTINGS; its table should be:\n"
        + settings_table()
    )


def test_run_help_lists_every_setting_with_its_default(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = capsys.readouterr().out
    for name, item in SETTINGS.items():
        assert re.search(rf"^  {name} \(default: ", help_text, re.MULTILINE), name
        if item.default:
            assert f"{name} (default: {item.default})" in help_text


def test_the_code_reads_no_setting_that_is_not_in_the_table() -> None:
    """A new `BYSTANDER_…` name anywhere in bot/ must be a SETTINGS entry, so it is
    documented, shown by --help and not warned about as unknown."""
    named = set()
    for source in (PROJECT_ROOT / "bot").rglob("*.py"):
        named |= set(
            re.findall(r"[\"']((?:BYSTANDER|TELEGRAM)_[A-Z][A-Z_]*)[\"']", source.read_text())
        )
    assert named, "the scan finds the names"
    assert named <= set(SETTINGS), sorted(named - set(SETTINGS))


def test_the_offered_translations_are_reviewed_ones_unless_the_operator_says_otherwise() -> None:
    assert load_config(TOKEN).offered_translations == "reviewed"
    pilot = load_config({**TOKEN, "BYSTANDER_OFFERED_TRANSLATIONS": "Draft"})
    assert pilot.offered_translations == "draft"
    with pytest.raises(ConfigError, match="BYSTANDER_OFFERED_TRANSLATIONS must be one of"):
        load_config({**TOKEN, "BYSTANDER_OFFERED_TRANSLATIONS": "checked"})


@pytest.mark.parametrize(
    ("url", "tls", "expected"),
    [
        ("postgresql://bot:pw@localhost/bystander", "required", "postgresql://bot:pw@localhost/bystander"),
        ("postgresql://bot@127.0.0.1:5433/b", "required", "postgresql://bot@127.0.0.1:5433/b"),
        ("postgresql:///b?host=/run/postgresql", "required", "postgresql:///b?host=/run/postgresql"),
        ("postgresql://bot@db.example.se/b", "required", "postgresql://bot@db.example.se/b?sslmode=verify-full"),
        ("postgres://bot@db.example.se/b?sslmode=verify-full", "required", "postgres://bot@db.example.se/b?sslmode=verify-full"),
        ("postgresql://bot@localhost/b?hostaddr=10.0.0.7", "required", "postgresql://bot@localhost/b?hostaddr=10.0.0.7&sslmode=verify-full"),
        ("postgresql://bot@/b?host=/nonexistent,10.0.0.7", "required", "postgresql://bot@/b?host=/nonexistent,10.0.0.7&sslmode=verify-full"),
        ("postgresql://bot@localhost/b?service=prod", "required", "postgresql://bot@localhost/b?service=prod&sslmode=verify-full"),
        ("postgresql://bot@db.example.se/b?sslmode=disable", "optional", "postgresql://bot@db.example.se/b?sslmode=disable"),
    ],
)  # fmt: skip
def test_a_postgresql_url_on_another_host_gets_verified_tls(url: str, tls: str, expected: str):
    config = load_config({"BYSTANDER_DATABASE_URL": url, "BYSTANDER_DATABASE_TLS": tls},
                         require_token=False)  # fmt: skip
    assert config.database_url == expected
    assert "pw" not in repr(config)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://bot@db.example.se/b?sslmode=require",
         "BYSTANDER_DATABASE_URL has sslmode=require for db.example.se, another machine: use "
         "sslmode=verify-full (TLS with a verified certificate), or set "
         "BYSTANDER_DATABASE_TLS=optional if you accept an unverified connection"),
        ("mysql://bot@db/b", "BYSTANDER_DATABASE_URL must be a postgresql://user:password@host/"
         "database URL (leave it empty for the encrypted SQLite file)"),
        ("postgresql://bot@db:99999/b", "BYSTANDER_DATABASE_URL is not a usable URL: "
         "percent-encode any / ? # @ : in the user name or password"),
        ("postgresql://bystander:Kx9/Qe7#pw@db.example.se/b", "BYSTANDER_DATABASE_URL is not a "
         "usable URL: percent-encode any / ? # @ : in the user name or password"),
        ("postgresql://bot@localhost/b#?host=10.0.0.7", "BYSTANDER_DATABASE_URL is not a usable "
         "URL: percent-encode any / ? # @ : in the user name or password"),
        ("postgresql://bot@db.example.se/b?sslmode=verify-ca",
         "BYSTANDER_DATABASE_URL has sslmode=verify-ca for db.example.se, another machine: use "
         "sslmode=verify-full (TLS with a verified certificate), or set "
         "BYSTANDER_DATABASE_TLS=optional if you accept an unverified connection"),
    ],
)  # fmt: skip
def test_a_bad_postgresql_url_is_refused_in_one_line(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config({"BYSTANDER_DATABASE_URL": url}, require_token=False)
    assert str(refused.value) == message
    assert "Kx9" not in str(refused.value), "no part of a password"


def test_a_host_from_libpqs_environment_is_not_taken_for_this_machine(monkeypatch) -> None:
    monkeypatch.setenv("PGHOST", "10.0.0.7")
    config = load_config({"BYSTANDER_DATABASE_URL": "postgresql://bot@/b"}, require_token=False)
    assert config.database_url == "postgresql://bot@/b?sslmode=verify-full"
    monkeypatch.delenv("PGHOST")
    monkeypatch.setenv("PGSERVICE", "prod")
    config = load_config({"BYSTANDER_DATABASE_URL": "postgresql://bot@/b"}, require_token=False)
    assert config.database_url.endswith("sslmode=verify-full")
