"""JSON, CSV and HTML: suppressed numbers appear in none of them; structure and escaping.
The CSV and the workbook as a spreadsheet opens them: test_eval_exports.py."""

from __future__ import annotations

import base64
import json
import re
import struct
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from bot.content.catalog import Catalog
from bot.evaluation.data import GroupCounts, MeasurePair, MeasurePeople
from bot.evaluation.render import chart_png, to_csv, to_html, to_json
from bot.evaluation.report import build_report

from .conftest import SMALL_COUNTS, K, boundary_data

FORMATS = {"json": to_json, "csv": to_csv, "html": to_html}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URL = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def render(catalog: Catalog, n: int, fmt: str, language: str = "en") -> str:
    report = build_report(boundary_data(n), catalog, language, K)
    # Base64 is full of digits: search the text only, the charts are checked on their own.
    return DATA_URL.sub("data:", FORMATS[fmt](report))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("fmt", FORMATS)
def test_counts_of_k_minus_one_appear_nowhere(catalog: Catalog, fmt: str) -> None:
    for language in ("en", "sv"):
        output = render(catalog, K - 1, fmt, language)
        for what, count in SMALL_COUNTS.items():
            assert not re.search(rf"\b{count}\b", output), f"{what} ({count}) leaked in {fmt}"
        marker = "fewer than" if language == "en" else "färre än"
        assert f"{marker} {K}" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_counts_of_k_appear(catalog: Catalog, fmt: str) -> None:
    output = render(catalog, K, fmt)
    for what, count in SMALL_COUNTS.items():
        assert re.search(rf"\b{count}\b", output), f"{what} ({count}) missing in {fmt}"


def test_json_keeps_every_value_and_its_text(catalog: Catalog) -> None:
    report = json.loads(to_json(build_report(boundary_data(K - 1), catalog, "en", K)))
    assert report["k"] == K and report["language"] == "en"
    scenarios = report["sections"][0]["tables"][0]
    small = scenarios["rows"][1]
    assert small[0]["text"] == "The party in Norsborg"
    assert small[1] == {
        "text": f"fewer than {K}",
        "value": None,
        "suppressed": True,
        "reason": "hidden_k",
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_pseudonym_shaped_text_in_any_format(catalog: Catalog, fmt: str) -> None:
    # Pseudonyms are 64 hex characters (HMAC-SHA256); the data has none and exports add none.
    assert not re.search(r"\b[0-9a-f]{64}\b", render(catalog, K, fmt))


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.tables = self.captions = 0
        self.th_without_scope = 0
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.th_without_scope += tag == "th" and "scope" not in found
        if tag == "img":
            self.images.append(found)


def test_html_is_accessible_and_self_contained(catalog: Catalog) -> None:
    html = to_html(build_report(boundary_data(K), catalog, "sv", K))
    page = _Structure()
    page.feed(html)
    assert page.lang == "sv"
    assert page.tables == page.captions > 5
    assert page.th_without_scope == 0
    assert len(page.images) == 4  # strategies, helpful, and change for T1→T2 and T1→T3
    for image in page.images:
        assert image["alt"] and len(image["alt"]) > 20
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")
        width, height = png_size(base64.b64decode(src.split(",", 1)[1]))
        assert width >= 800 and height > 100
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    assert "<script" not in html
    assert "@media print" in html and "break-before: page" in html


def test_html_escapes_every_text(catalog: Catalog) -> None:
    data = boundary_data(K)
    hostile = '<img src=x onerror="alert(1)"> & 8B'
    data = replace(data, groups=[*data.groups, GroupCounts("class", hostile, 9, 9, 9, 99, 9, 9)])
    html = to_html(build_report(data, catalog, "en", K))
    assert hostile not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; 8B" in html


FORMULA = '=HYPERLINK("http://x","y")'
# Class names a youth worker could type; a spreadsheet runs each one as a formula.
HOSTILE_CLASSES = (FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1")


def hostile_report(catalog: Catalog):
    data = boundary_data(K)
    groups = [GroupCounts("class", name, 9, 9, 9, 99, 9, 9) for name in HOSTILE_CLASSES]
    # Willingness to help a friend went down by 0.25: negative numbers stay plain numbers.
    worse = [MeasurePair("help-friend", "T1-T2", 4, 3)] * 2
    worse += [MeasurePair("help-friend", "T1-T2", 3, 3)] * 6
    return build_report(
        replace(
            data,
            groups=[*data.groups, *groups],
            measures=[*data.measures, *worse],
            measure_people=[*data.measure_people, MeasurePeople("help-friend", "T1-T2", 8)],
        ),
        catalog,
        "en",
        K,
    )


def test_html_and_json_carry_a_formula_class_name_as_text(catalog: Catalog) -> None:
    report = hostile_report(catalog)
    html = to_html(report)
    assert FORMULA not in html
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html
    assert "<a " not in html and "href=" not in html
    names = {
        row[0]["text"]
        for section in json.loads(to_json(report))["sections"]
        for table in section["tables"]
        for row in table["rows"]
    }
    assert FORMULA in names  # JSON is data, not a spreadsheet: the name stays as typed
    assert '"=HYPERLINK(\\"http://x\\",\\"y\\")"' in to_json(report)


@pytest.mark.filterwarnings("error")  # missing glyphs and layout problems surface as warnings
def test_every_chart_is_a_png_for_screen_and_paper(catalog: Catalog) -> None:
    report = build_report(boundary_data(K), catalog, "sv", K)
    charts = [c for s in report.sections for c in s.charts]
    assert {c.kind for c in charts} == {"bars", "intervals"}
    for chart in charts:
        width, height = png_size(chart_png(chart))
        assert width == 1200 and height >= 0.9 * 150 + len(chart.points) * 0.5 * 150
