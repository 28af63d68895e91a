from __future__ import annotations

import gc
import io
import struct
from dataclasses import replace

import matplotlib.image
import pytest
import segno
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.charts import (
    _LATIN,
    Bar,
    ChoiceChart,
    _choice_figure,
    _percentages,
    render_choice_chart,
    render_qr,
)

# Missing glyphs, mathtext and layout problems surface as warnings; any of them is a failure.
pytestmark = pytest.mark.filterwarnings("error")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JOIN_URL = "https://t.me/BotkyrkaBystanderBot?start=class_7Hk2pQ9x"
LONG_LABEL = (
    "Jag skulle försiktigt gå fram till personen som blir utsatt, fråga om hen vill följa "
    "med mig av bussen vid nästa hållplats och sedan berätta för en vuxen vad som hänt"
)
STRATEGIES = (
    "Direkt – säg ifrån",
    "Distrahera – avled",
    "Delegera – hämta hjälp",
    "Dokumentera – spara bevis",
    "Dröj – stötta efteråt",
    "Passiv – gör ingenting",
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which the PNG format requires to come first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


EXAMPLE = ChoiceChart(
    title="Bussen hem – steg 2: Någon blir hånad längst bak",
    bars=(
        Bar("✅ Gå fram och säg till chauffören", 5, "Delegera – hämta hjälp", True),
        Bar("👉 Sätt dig bredvid och prata om något annat", 4, "Distrahera – avled", True),
        Bar("Säg ifrån: ”Lägg av, det där är inte okej”", 2, "Direkt – säg ifrån", True),
        Bar("Gör ingenting", 1, "Passiv – gör ingenting", False),
    ),
    total_label="12 svar",
    facilitated_note="Handuppräckning i klassen",
)


def six_long_bars(count: int = 3) -> tuple[Bar, ...]:
    return tuple(
        Bar(LONG_LABEL[: 60 + 20 * i], count * i, strategy) for i, strategy in enumerate(STRATEGIES)
    )


# --- QR code -------------------------------------------------------------------------------


def test_qr_is_a_square_png_large_enough_for_a_projector() -> None:
    width, height = png_size(render_qr(JOIN_URL))
    assert width == height
    assert 600 <= width <= 1000


def test_qr_pixels_match_segnos_matrix_with_a_quiet_zone() -> None:
    # No QR decoder is installed, so compare the rendered modules with segno's own matrix.
    pixels = matplotlib.image.imread(io.BytesIO(render_qr(JOIN_URL)), format="png")
    if pixels.ndim == 3:  # segno writes black and white as greyscale; tolerate RGB too
        pixels = pixels[..., :3].mean(axis=2)
    expected = segno.make_qr(JOIN_URL, error="q", boost_error=False).matrix
    modules = len(expected) + 2 * 4
    scale = pixels.shape[0] / modules
    assert scale == int(scale) >= 10, "whole, large pixels per module"

    def dark(row: int, col: int) -> bool:
        centre = pixels[int((row + 0.5) * scale), int((col + 0.5) * scale)]
        return float(centre) < 0.5

    rendered = [[dark(r, c) for c in range(modules)] for r in range(modules)]
    quiet = [row[:4] + row[-4:] for row in rendered[4:-4]] + rendered[:4] + rendered[-4:]
    assert not any(any(row) for row in quiet)
    inner = [row[4:-4] for row in rendered[4:-4]]
    assert inner == [[bool(module) for module in row] for row in expected]


def test_qr_stays_in_range_for_a_long_link() -> None:
    width, height = png_size(render_qr(JOIN_URL + "x" * 200))
    assert width == height
    assert 600 <= width <= 1000


# --- Choice chart --------------------------------------------------------------------------


def test_chart_is_a_16_by_9_png() -> None:
    assert png_size(render_choice_chart(EXAMPLE)) == (1600, 900)


@pytest.mark.parametrize(
    "chart",
    [
        pytest.param(
            replace(EXAMPLE, bars=(Bar("Ja", 3, "Direkt – säg ifrån"), Bar("Nej", 1, "Passiv"))),
            id="two bars",
        ),
        pytest.param(replace(EXAMPLE, bars=six_long_bars()), id="six long bars"),
        pytest.param(replace(EXAMPLE, bars=six_long_bars(count=0)), id="zero counts"),
        pytest.param(replace(EXAMPLE, facilitated_note=None), id="no note"),
        pytest.param(
            replace(
                EXAMPLE,
                title="Skolgården – " + LONG_LABEL,
                facilitated_note="Handuppräckning i klassen – " + LONG_LABEL,
            ),
            id="long title and note",
        ),
        pytest.param(
            replace(EXAMPLE, bars=(Bar("Kostar $5 – $10", 1, "🚌"), Bar("🙂", 0, ""))),
            id="dollar signs and emoji-only text",
        ),
    ],
)
def test_chart_renders_without_warnings_or_clipping(chart: ChoiceChart) -> None:
    assert png_size(render_choice_chart(chart)) == (1600, 900)
    assert_no_text_clipped_or_overlapping_bars(_choice_figure(chart))


def assert_no_text_clipped_or_overlapping_bars(fig: Figure) -> None:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw(renderer)  # runs the constrained layout, as saving does
    page = fig.bbox
    _, labels, bars, _ = fig.axes
    bars_box = bars.get_window_extent(renderer)
    mirrored = labels.get_window_extent(renderer).x0 > bars_box.x0  # right to left
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
        assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
    for text in labels.findobj(Text):
        if text.get_text():
            box = text.get_window_extent(renderer)
            beside = box.x0 > bars_box.x1 if mirrored else box.x1 < bars_box.x0
            assert beside, text.get_text()


def test_shares_round_half_up_and_survive_zero_answers() -> None:
    assert _percentages([5, 4, 2, 1], 12) == [42, 33, 17, 8]
    assert _percentages([1, 1, 0], 2) == [50, 50, 0]
    assert _percentages([1, 7], 8) == [13, 88]  # 12.5 and 87.5 both round up
    assert _percentages([0, 0, 0], 0) == [0, 0, 0]


def test_text_the_font_cannot_draw_is_dropped() -> None:
    assert _LATIN.drawable("✅ Gå fram") == "Gå fram"
    assert _LATIN.drawable("👍🏽 Säg  ifrån 🚌") == "Säg ifrån"
    assert _LATIN.drawable("❤️ Stötta") == "❤ Stötta"  # DejaVu has the heart; only the selector goes
    assert _LATIN.drawable("Delegera – hämta hjälp ✔") == "Delegera – hämta hjälp ✔"


def test_invalid_charts_are_refused() -> None:
    with pytest.raises(ValueError):
        render_choice_chart(replace(EXAMPLE, bars=()))
    with pytest.raises(ValueError):
        render_choice_chart(replace(EXAMPLE, bars=(Bar("Ja", -1, "Direkt"), Bar("Nej", 1, "X"))))


def test_repeated_rendering_leaves_no_figures_behind() -> None:
    import matplotlib.pyplot as plt

    def live_figures() -> int:
        gc.collect()
        return sum(isinstance(obj, Figure) for obj in gc.get_objects())

    before = live_figures()
    for _ in range(50):
        render_choice_chart(EXAMPLE)
    assert plt.get_fignums() == []
    assert live_figures() <= before + 1


# --- Right to left -------------------------------------------------------------------------

ARABIC = ChoiceChart(
    title="شجار في الباص – الخطوة 2: يدفعون يوسف",
    bars=(
        Bar("اذهب إلى السائق وأخبره", 5, "استعن بغيرك – اطلب المساعدة", True),
        Bar("اتصل بـ BRIS على 116 111", 3, "استعن بغيرك – اطلب المساعدة", True),
        Bar("قل لهم: كفى!", 2, "اعترض مباشرة", True),
        Bar("لا تفعل شيئًا", None, "لا شيء"),
    ),
    total_label="عدد الإجابات: 12",
    facilitated_note="رفع الأيدي في الصف",
    hidden_label="مخفي",
    right_to_left=True,
)


def test_arabic_chart_keeps_every_letter_in_every_weight() -> None:
    # The bold title and the bold shares need fonts-noto-core: DejaVu's bold has no Arabic.
    fig = _choice_figure(ARABIC)
    drawn = " ".join(t.get_text() for t in fig.findobj(Text))
    for word in ("شجار", "يوسف", "السائق", "BRIS", "مخفي", "الإجابات"):
        assert word in drawn


def test_arabic_chart_is_mirrored_on_the_image() -> None:
    pixels = matplotlib.image.imread(io.BytesIO(render_choice_chart(ARABIC)), format="png")
    ink = pixels[..., :3].mean(axis=2) < 0.5  # dark text; the bars are lighter colours
    height, width = ink.shape
    title_rows = ink[: height // 10]
    columns = title_rows.any(axis=0).nonzero()[0]
    assert columns.max() > width * 0.9 and columns.min() > width * 0.3, "title flush right"
    body = ink[height // 4 : height * 3 // 4]
    label_columns = body[:, width * 2 // 3 :].any(axis=0).sum()
    assert label_columns > width // 10, "labels on the right"
    fig = _choice_figure(ARABIC)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw(renderer)
    _, labels, bars, _ = fig.axes
    bars_box = bars.get_window_extent(renderer)
    assert labels.get_window_extent(renderer).x0 > bars_box.x1, "label column right of bars"
    for patch in bars.patches:  # each bar grows leftwards from the labels
        assert abs(patch.get_window_extent(renderer).x1 - bars_box.x1) < 2
    assert_no_text_clipped_or_overlapping_bars(fig)


def test_arabic_letters_are_joined_by_the_text_layout() -> None:
    # With joining, "سلام" takes its connected forms; a zero-width non-joiner between the
    # letters forces their separate forms, which are wider. Without shaping both are equal.
    fig = _choice_figure(ARABIC)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    prop = fig.axes[1].findobj(Text)[1].get_fontproperties()

    def width(text: str) -> float:
        return renderer.get_text_width_height_descent(text, prop, ismath=False)[0]

    assert width("سلام") < width("\u200c".join("سلام")) - 2


def test_numbers_and_latin_names_keep_their_order_in_arabic_text() -> None:
    from bidi import get_display

    fig = _choice_figure(ARABIC)
    drawn = [t.get_text() for t in fig.findobj(Text) if "BRIS" in t.get_text()]
    assert drawn, "the label with the phone number is drawn"
    for text in drawn:
        shown = get_display(text)  # left to right on screen, as libraqm's bidi algorithm lays it
        # Read from the right: the name, then the number, each in its own order.
        assert "116 111" in shown and shown.index("116 111") < shown.index("BRIS")


def test_the_chart_of_an_arabic_step_keeps_every_word() -> None:
    # The first step of the Arabic bus-fight, as a youth worker using Arabic projects it.
    from bot.config import content_dirs
    from bot.content.catalog import load_catalog
    from bot.content.review import MACHINE_DRAFT
    from bot.services.presenter import Presenter

    catalog = load_catalog([content_dirs({})[0]], content_dirs({})[1], MACHINE_DRAFT)
    presenter = Presenter(catalog.locales, catalog.help)
    scenario = catalog.scenarios["bus-fight"]
    step = scenario.steps[scenario.start]
    chart = ChoiceChart(
        title=scenario.title.get("ar"),
        bars=tuple(
            Bar(c.label.get("ar"), 5 + i, presenter.strategy_name(c.strategy, "ar"))
            for i, c in enumerate(step.choices)
        ),
        total_label=catalog.locales.text("ar", "chart.total", n=18),
        right_to_left=True,
    )
    fig = _choice_figure(chart)
    drawn = " ".join(t.get_text() for t in fig.findobj(Text))
    for bar in chart.bars:
        for word in bar.label.split():
            assert word.strip("\u2066\u2069\u200f") in drawn, word
    assert "18" in drawn and png_size(render_choice_chart(chart)) == (1600, 900)
    assert_no_text_clipped_or_overlapping_bars(fig)
