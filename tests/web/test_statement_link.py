"""Every web page links to the accessibility statement the operator published (lagen
(2018:1937): it must be easy to find from the service)."""

from __future__ import annotations

import pytest
from botharness import build_bot, running
from fakebotapi import FakeBotApi

from bot.config import ConfigError, load_config

from .test_projector import fetch

STATEMENT = "https://www.botkyrka.se/tillganglighet/bystander"


async def test_each_page_links_to_the_statement(
    web_env: dict[str, str], fake_bot_api: FakeBotApi
) -> None:
    runtime = build_bot({**web_env, "BYSTANDER_ACCESSIBILITY_URL": STATEMENT})
    async with running(runtime, fake_bot_api):
        base = web_env["BYSTANDER_PUBLIC_URL"]
        for path in ("/app", "/dashboard", "/p/unknown", "/login/unknown"):
            _, html, _ = await fetch(base + path)
            assert f'<a href="{STATEMENT}">Tillgänglighetsredogörelse</a>' in html, path


def test_a_statement_address_must_be_a_web_page(web_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="BYSTANDER_ACCESSIBILITY_URL"):
        load_config({**web_env, "BYSTANDER_ACCESSIBILITY_URL": "javascript:alert(1)"})


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://Bot.Example.org/", "https://bot.example.org"),
        ("https://bot.example.org:443", "https://bot.example.org"),
        ("https://bot.example.org:8443", "https://bot.example.org:8443"),
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_the_public_address_is_kept_as_a_browser_sends_its_origin(
    web_env: dict[str, str], given: str, origin: str
) -> None:
    """Forms and logins are checked against the browser's Origin header, which is lowercase
    and leaves out the default port: the setting is kept the same way."""
    config = load_config({**web_env, "BYSTANDER_PUBLIC_URL": given})
    assert config.http.public_url == origin


@pytest.mark.parametrize(
    "given",
    [
        "http://bot.example.org",
        "https://bot.example.org/bystander",
        "https://user@bot.example.org",
        "https://bot.example.org#x",
        "https://bot.example.org?x=1",
        "https://bot.example.org:99999",
        "bot.example.org",
    ],
)
def test_a_public_address_that_could_not_be_an_origin_is_refused(
    web_env: dict[str, str], given: str
) -> None:
    with pytest.raises(ConfigError, match="BYSTANDER_PUBLIC_URL"):
        load_config({**web_env, "BYSTANDER_PUBLIC_URL": given})
