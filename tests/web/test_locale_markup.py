"""A translation file cannot add markup to the web pages (or to Telegram's messages): lint
reports a tag the Swedish does not have (T511), the bot shows the English instead, and the
pages let through <b> and <i> only whatever a text holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from botharness import copy_shipped_content

from bot.cli.main import main
from bot.content.catalog import load_catalog
from bot.web.pages import Pages, locale_markup

EVIL = '<meta http-equiv="refresh" content="0;url=https://evil.example">{k}'


def test_a_translation_with_markup_of_its_own_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios, locales = copy_shipped_content(tmp_path)
    monkeypatch.setenv("BYSTANDER_SCENARIOS", str(scenarios))
    monkeypatch.setenv("BYSTANDER_LOCALES", str(locales))
    assert main(["translate", "--lang", "fi"]) == 0
    path = locales / "fi.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\n  web.too_few:\n")
    empty = text.index("text: ''", start)
    path.write_text(text[:empty] + f"text: '{EVIL}'" + text[empty + len("text: ''") :])
    capsys.readouterr()
    main(["lint"])
    assert (
        "T511 warning: fi: 'web.too_few' must use the tags of the Swedish"
        in capsys.readouterr().out
    )
    shown = Pages(load_catalog([], locales).locales).translator("fi")("web.too_few", k=3)
    assert "<meta" not in shown and "minst 3" not in shown and "at least 3" in shown


def test_only_bold_and_italic_pass_whatever_a_text_holds() -> None:
    assert locale_markup('<b>Obs</b> <a href="x">här</a> & <i>nu</i>') == (
        "<b>Obs</b> &lt;a href=&#34;x&#34;&gt;här&lt;/a&gt; &amp; <i>nu</i>"
    )
