"""The token is masked in every log record and every error line, however it is quoted."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot import logsafe
from bot.cli.main import main

TOKEN = "odd-token-for-logsafe-tests-Q4"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`bystander run` configures the root logger; put back what pytest had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


def test_redact_masks_the_token_as_written_and_url_encoded() -> None:
    logsafe.mask(TOKEN + "/ä")
    text = f"url='http://host/bot{TOKEN}/ä/getMe' and http://host/bot{TOKEN}/%C3%A4/getMe"
    assert logsafe.redact(text) == (
        "url='http://host/bot<token>/getMe' and http://host/bot<token>/getMe"
    )


def test_redact_masks_anything_in_a_bot_api_path_that_looks_like_a_token() -> None:
    assert logsafe.redact("http://h/bot42:short/getMe http://h/file/bot7:x/a.png") == (
        "http://h/bot<token>/getMe http://h/file/bot<token>/a.png"
    )
    kept = "scenario /srv/scenarios/bottle-fight/scenario.yaml is not offered"
    assert logsafe.redact(kept) == kept


def test_a_password_in_the_base_url_is_masked() -> None:
    logsafe.mask_url("https://bystander:s3cret-proxy-pass@bots.example/bot")
    assert logsafe.redact("401 from https://bystander:s3cret-proxy-pass@bots.example") == (
        "401 from https://<token>@bots.example"
    )
    logsafe.mask_url("http://[::1/bot")  # unparsable: nothing to mask, no error


def test_a_traceback_in_a_log_record_is_masked() -> None:
    logsafe.mask(TOKEN)
    formatter = logsafe.RedactingFormatter("%(message)s")
    try:
        raise RuntimeError(f"POST http://127.0.0.1/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s", (TOKEN,), True)
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert TOKEN not in text and "RuntimeError: POST http://127.0.0.1/bot<token>/getMe" in text


def test_an_unexpected_error_in_run_is_one_masked_line_and_a_masked_log(
    monkeypatch, capsys, tmp_path, root_logging
) -> None:
    import bot.bootstrap

    def broken(config):
        raise RuntimeError(f"cannot start http://127.0.0.1/bot{config.token}/getMe")

    monkeypatch.setattr(bot.bootstrap, "build_runtime", broken)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "77:another-odd-token-to-mask")
    monkeypatch.setenv("BYSTANDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BYSTANDER_KEY_DIR", str(tmp_path / "keys"))
    assert main(["run"]) == 1
    out, err = capsys.readouterr()
    assert "another-odd-token" not in out + err
    assert "RuntimeError: cannot start http://127.0.0.1/bot<token>/getMe" in err  # the log
    assert err.splitlines()[-1] == (
        "bystander run: stopped by an unexpected error (RuntimeError); the log above says where"
    )


def test_a_json_log_line_is_masked_before_it_is_encoded() -> None:
    secret = 'quote"and\\backslash-token'
    logsafe.mask(secret)
    try:
        raise RuntimeError(f"GET http://h/bot{secret}/getMe\nsecond line")
    except RuntimeError:
        record = logging.LogRecord("bystander", logging.ERROR, __file__, 1, "%s", (secret,), True)
        record.exc_info = sys.exc_info()
    line = logsafe.JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "<token>" and entry["level"] == "ERROR"
    assert "RuntimeError: GET http://h/bot<token>/getMe\nsecond line" in entry["traceback"]
    assert "backslash-token" not in line


def test_a_proxy_user_and_password_are_masked_however_a_library_quotes_them() -> None:
    """aiohttp quotes the proxy URL re-encoded: p%21ss%40word comes back as p!ss%40word."""
    logsafe.mask_url("http://alice.svensson:p%21ss%40word@proxy.kommun.se:3128")
    for quoted in (
        "url='http://alice.svensson:p!ss%40word@proxy.kommun.se:3128'",
        "407 from http://alice.svensson:abc@proxy.kommun.se",
        "http://a.svensson@proxy.kommun.se:3128 refused",
    ):
        masked = logsafe.redact(quoted)
        assert "alice" not in masked and "svensson" not in masked and "p!ss" not in masked
        assert "abc@" not in masked and "@proxy.kommun.se" in masked


@pytest.mark.parametrize(
    "text",
    [
        "connection failed: postgresql://db.example.se/b?user=bot&password=s3cret-pw&sslmode=x",
        "invalid dsn: host=db.example.se password=s3cret-pw dbname=b",
        "invalid dsn: host=db password = 's3cret-pw' dbname=b",
    ],
)
def test_a_database_password_given_as_a_parameter_is_masked(text: str) -> None:
    assert "s3cret-pw" not in logsafe.redact(text)
    shown = logsafe.redact(text)
    assert "password" in shown and "db" in shown, "the rest stays readable"
