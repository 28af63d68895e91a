"""The HTML report opened in headless Chromium: its tables and charts render."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.evaluation.render import to_html
from bot.evaluation.report import build_report

from .conftest import K, boundary_data

CHROMIUM = shutil.which("chromium")
# On a developer's machine without Chromium the test is skipped; in CI (.ci/run installs
# it) a missing browser is a failure, never a silent skip.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install -y chromium)",
)

# Test-only: after load, copy each image's decoded width into the DOM that --dump-dom prints.
PROBE = (
    '<script>addEventListener("load", () => { for (const i of document.images)'
    " i.dataset.naturalWidth = i.naturalWidth; document.body.dataset.loaded = 'yes'; });"
    "</script></body>"
)


def chromium(tmp_path: Path, *args: str) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_tables_and_charts_render_in_chromium(catalog: Catalog, tmp_path: Path) -> None:
    html = to_html(build_report(boundary_data(K), catalog, "sv", K))
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", PROBE), encoding="utf-8")

    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    assert 'data-loaded="yes"' in dom
    assert dom.count("<table") == html.count("<table") > 5
    assert "<caption>Deltagande per scenario</caption>" in dom
    widths = re.findall(r'data-natural-width="(\d+)"', dom)
    assert len(widths) == html.count("<img") == 4
    assert all(int(width) > 0 for width in widths)

    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 2000)
