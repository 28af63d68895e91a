"""PNG images for the projector: the class join QR code and the live distribution of choices.

Pure rendering: no Telegram, storage or locale access. Every visible word arrives already
localised from the caller (interface strings live in the locale files); this module only lays
it out. Figures are built with `matplotlib.figure.Figure` and the Agg canvas directly, never
pyplot, so there is no global figure registry to leak into and no shared state: callers can
render in a worker thread (`asyncio.to_thread`) to keep the event loop free.
"""

from __future__ import annotations

import io
import textwrap
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import segno
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.offsetbox import AnnotationBbox, TextArea, VPacker
from matplotlib.transforms import Transform, blended_transform_factory

from bot.content.bidi import for_right_to_left

# --- QR code -------------------------------------------------------------------------------

_QR_BORDER = 4  # the quiet zone the QR standard asks for; scanners fail without it
_QR_TARGET_PX = 800  # big enough to scan from the back of a classroom off a projector


def render_qr(url: str) -> bytes:
    """The join link as a black-on-white QR code PNG, square, 600–800 px wide."""
    # 'Q' survives keystone distortion and glare; no boost keeps the level predictable.
    qr = segno.make_qr(url, error="q", boost_error=False)
    modules, _ = qr.symbol_size(scale=1, border=_QR_BORDER)
    scale = max(1, _QR_TARGET_PX // modules)  # whole pixels per module keep edges crisp
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=_QR_BORDER, dark="#000000", light="#ffffff")
    return buf.getvalue()


# --- Choice chart --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str  # the choice's button label, e.g. "Gå fram och säg till chauffören"
    count: int | None  # None: hidden to protect the students (no bar, `hidden_label` instead)
    strategy: str  # localised strategy name, e.g. "Delegera – hämta hjälp"
    helpful: bool | None = None  # None: not shown; otherwise ✔ or ✘ after the share


@dataclass(frozen=True)
class ChoiceChart:
    title: str  # e.g. the scenario title and step, already shortened by the caller
    bars: tuple[Bar, ...]  # 2–6 bars, drawn top to bottom in this order
    total_label: str  # e.g. "12 svar" (caller-formatted)
    facilitated_note: str | None = None  # e.g. "Handuppräckning i klassen", under the title
    percent_format: str = "{percent} %"  # a locale may prefer "{percent}%"
    total: int | None = None  # what shares are of; the sum of the counts when None
    hidden_label: str = "–"  # in place of a hidden bar's share
    right_to_left: bool = False  # Arabic, Persian…: the chart is mirrored, labels on the right


# matplotlib ≥ 3.11 lays text out with libraqm, which joins Arabic letters and orders
# mixed-direction text by the Unicode bidirectional algorithm; the fonts must have the script.
_LATIN_FAMILIES = ("DejaVu Sans",)  # bundled with matplotlib: å ä ö, the en dash
# Debian's fonts-noto-core: Arabic in every weight, where DejaVu has regular Arabic only;
# DejaVu still draws the Latin letters (and Hebrew) of a right-to-left chart.
_ARABIC_FAMILY = "Noto Sans Arabic"
_ARABIC_FILES = "NotoSansArabic-"
_FONT_LIST = threading.Lock()
_DPI = 100
_SIZE_IN = (16.0, 9.0)  # 16:9 → 1600×900 px, the shape of a classroom projector
_TITLE_PT = 28
_NOTE_PT = 18
_LABEL_PT = 20
_MIN_LABEL_PT = 13  # shrink this far before letting six long labels collide
_STRATEGY_RATIO = 0.8
_PERCENT_PT = 24
_TOTAL_PT = 18
_LINE_SPACING = 1.2
_MAX_BAR_PX = 110  # with two or three choices, full-height bars become slabs
_W_PAD_IN = 0.3  # page margin left and right

_INK = "#1f1f1f"
_MUTED = "#5b5b5b"  # still over 6:1 contrast on white, which projectors wash out
_BASELINE = "#b0b0b0"
# Okabe–Ito: distinguishable with every common colour-vision deficiency (yellow left out:
# it vanishes on a white background under a projector).
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
_HELPFUL_MARK = {True: "✔", False: "✘"}  # shapes, not colours, carry the meaning

# Left over from emoji sequences once the emoji itself is dropped; invisible but not "blank".
_EMOJI_JOINERS = {0x200D, 0xFE0E, 0xFE0F}


def render_choice_chart(chart: ChoiceChart) -> bytes:
    """A 1600×900 PNG horizontal bar chart of how the class chose, one bar per choice."""
    fig = _choice_figure(chart)
    buf = io.BytesIO()
    fig.canvas.print_png(buf)
    fig.clear()  # drop artist references now rather than waiting for the cycle collector
    return buf.getvalue()


def _choice_figure(chart: ChoiceChart) -> Figure:
    """The laid-out figure on an Agg canvas; separate from PNG output so tests can inspect it."""
    if not chart.bars:
        raise ValueError("a choice chart needs at least one bar")
    counts = [bar.count for bar in chart.bars]
    shown = [count for count in counts if count is not None]
    if min(shown, default=0) < 0:
        raise ValueError("choice counts cannot be negative")
    total = sum(shown) if chart.total is None else chart.total
    if total < sum(shown):
        raise ValueError("the total cannot be smaller than the counts shown")

    fig = Figure(figsize=_SIZE_IN, dpi=_DPI, facecolor="white", layout="constrained")
    layout = _Layout(fig, FigureCanvasAgg(fig).get_renderer(), chart)
    _draw_header(layout)
    _draw_labels(layout, chart.bars)
    _draw_bars(layout, chart, _percentages(counts, total))
    _draw_footer(layout, chart.total_label)
    return fig


class _Layout:
    """The grid: header (title, note), label column beside the bars, footer (total)."""

    def __init__(self, fig: Figure, renderer: RendererBase, chart: ChoiceChart) -> None:
        self.renderer = renderer
        self.measure = measure = _Measure(renderer)
        full_width = fig.bbox.width - 2 * _W_PAD_IN * _DPI  # inside the page margins
        self.right_to_left = rtl = chart.right_to_left
        self.font = font = _font_for(rtl)
        title = _wrap(
            font.drawable(chart.title), font.prop(_TITLE_PT, bold=True), full_width, measure
        )
        self.title = self.directed(title)
        note = font.drawable(chart.facilitated_note or "")
        self.note = self.directed(
            _wrap(note, font.prop(_NOTE_PT, italic=True), full_width, measure)
        )
        head_pt = _block_pt(_lines(self.title), _TITLE_PT)
        if self.note:
            head_pt += 8 + _block_pt(_lines(self.note), _NOTE_PT)
        foot_pt = _block_pt(1, _TOTAL_PT)
        body_pt = _SIZE_IN[1] * 72 - head_pt - foot_pt - 60  # 60 pt: constrained-layout pads
        share = _label_share(chart.bars, full_width, measure, font)
        # The side text starts from, and the label column's: the right in a mirrored chart.
        self.start = 1 if rtl else 0
        widths = [1 - share, share] if rtl else [share, 1 - share]

        grid = fig.add_gridspec(
            3, 2, height_ratios=[head_pt, body_pt, foot_pt], width_ratios=widths
        )
        self.head = fig.add_subplot(grid[0, :])
        self.labels = fig.add_subplot(grid[1, self.start])
        self.bars = fig.add_subplot(grid[1, 1 - self.start], sharey=self.labels)
        self.foot = fig.add_subplot(grid[2, :])
        for ax in (self.head, self.labels, self.foot):
            ax.set_axis_off()
        fig.get_layout_engine().set(w_pad=_W_PAD_IN, h_pad=0.2, hspace=0.03, wspace=0.03)
        # Settle the grid now so labels can be wrapped to the column's real width.
        fig.get_layout_engine().execute(fig)

    def px(self, ax: Axes) -> tuple[float, float]:
        box = ax.get_window_extent(self.renderer)
        return box.width, box.height

    def directed(self, text: str) -> str:
        """In a mirrored chart, text as a right-to-left language shows it (bot/content/bidi):
        "116 111" keeps its order, and a line starting with "BRIS" still reads right to left."""
        return for_right_to_left(text) if self.right_to_left else text


def _label_share(bars: Sequence[Bar], full_width: float, measure: _Measure, font: _Font) -> float:
    """The label column's share of the width: no wider than the labels need, so short labels
    sit next to their bars, and at most half so long ones wrap instead of squeezing the bars."""
    needed = max(
        max(
            measure(font.drawable(bar.label), font.prop(_LABEL_PT)),
            measure(font.drawable(bar.strategy), font.prop(_strategy_pt(_LABEL_PT))),
        )
        for bar in bars
    )
    # Mirror _draw_labels' 3 % wrap margin; 40 px covers the gap between the columns.
    return min(max((needed / 0.97 + 40) / full_width, 0.22), 0.5)


def _draw_header(layout: _Layout) -> None:
    font = layout.font
    parts = [TextArea(layout.title, textprops=font.text(_TITLE_PT, _INK, bold=True))]
    if layout.note:
        parts.append(TextArea(layout.note, textprops=font.text(_NOTE_PT, _MUTED, italic=True)))
    box = VPacker(children=parts, align=_align(layout.start), pad=0, sep=8)
    _place(layout.head, box, (layout.start, 1), layout.head.transAxes, (layout.start, 1))


def _draw_footer(layout: _Layout, total_label: str) -> None:
    ax = layout.foot
    end = 1 - layout.start  # the total sits where reading ends
    props = layout.font.text(_TOTAL_PT, _MUTED)
    total = layout.directed(layout.font.drawable(total_label))
    ax.text(end, 0.5, total, ha=_align(end), va="center", transform=ax.transAxes, **props)


def _align(side: int) -> str:
    return "right" if side else "left"


def _draw_labels(layout: _Layout, bars: Sequence[Bar]) -> None:
    """Each label with its strategy beneath, vertically centred on its bar."""
    width, height = layout.px(layout.labels)
    label_pt, blocks = _fit_labels(bars, width * 0.97, height / len(bars), layout)
    strategy_pt = _strategy_pt(label_pt)
    at_bar = blended_transform_factory(layout.labels.transAxes, layout.labels.transData)
    for i, (label, strategy) in enumerate(blocks):
        parts = [TextArea(layout.directed(label), textprops=layout.font.text(label_pt, _INK))]
        if strategy:
            muted = layout.font.text(strategy_pt, _MUTED)
            parts.append(TextArea(layout.directed(strategy), textprops=muted))
        _place(
            layout.labels,
            VPacker(children=parts, align=_align(layout.start), pad=0, sep=4),
            (layout.start, i),
            at_bar,
            (layout.start, 0.5),
        )


def _fit_labels(
    bars: Sequence[Bar], width_px: float, slot_px: float, layout: _Layout
) -> tuple[int, list[tuple[str, str]]]:
    """The largest label size at which every wrapped label and strategy fits its bar's slot."""
    font, measure = layout.font, layout.measure
    for label_pt in range(_LABEL_PT, _MIN_LABEL_PT - 1, -1):
        strategy_pt = _strategy_pt(label_pt)
        blocks = [
            (
                _wrap(font.drawable(bar.label), font.prop(label_pt), width_px, measure),
                _wrap(font.drawable(bar.strategy), font.prop(strategy_pt), width_px, measure),
            )
            for bar in bars
        ]
        tallest_pt = max(
            _block_pt(_lines(label), label_pt)
            + (_block_pt(_lines(strategy), strategy_pt) + 4 if strategy else 0)
            for label, strategy in blocks
        )
        if tallest_pt * _DPI / 72 <= slot_px * 0.92:
            break
    return label_pt, blocks


def _strategy_pt(label_pt: int) -> int:
    # Smaller than the label, but never below what the back row can still read.
    return max(round(label_pt * _STRATEGY_RATIO), _MIN_LABEL_PT)


def _draw_bars(layout: _Layout, chart: ChoiceChart, percents: Sequence[int | None]) -> None:
    ax = layout.bars
    colours = _strategy_colours(chart.bars)
    rows = range(len(chart.bars))
    slot_px = layout.px(ax)[1] / len(chart.bars)
    thickness = min(0.62, _MAX_BAR_PX / slot_px)
    lengths = [p or 0 for p in percents]
    ax.barh(rows, lengths, height=thickness, color=[colours[b.strategy] for b in chart.bars])
    ax.set_ylim(len(chart.bars) - 0.5, -0.5)  # first choice on top, like the buttons

    ends = [
        layout.font.drawable(chart.hidden_label)
        if p is None
        else _percent_text(chart, p, bar.helpful, layout.font)
        for p, bar in zip(percents, chart.bars, strict=True)
    ]
    x_max = _x_max(layout, ends, max(lengths))
    # Mirrored, the bars grow from the right, next to their labels.
    ax.set_xlim(*((x_max, 0) if layout.right_to_left else (0, x_max)))
    beyond = -10 if layout.right_to_left else 10
    for row, length, end in zip(rows, lengths, ends, strict=True):
        ax.annotate(
            end,
            (length, row),
            xytext=(beyond, 0),
            textcoords="offset points",
            va="center",
            ha=_align(layout.start),
            **layout.font.text(_PERCENT_PT, _INK, bold=True),
        )

    # No junk: the printed percentages replace the x axis; one faint baseline anchors the bars.
    baseline = "right" if layout.right_to_left else "left"
    for side in {"top", "right", "bottom", "left"} - {baseline}:
        ax.spines[side].set_visible(False)
    ax.spines[baseline].set_color(_BASELINE)
    ax.set_xticks([])
    ax.set_yticks([])  # also spares the layout engine measuring tick labels nobody sees
    ax.set_facecolor("white")


def _x_max(layout: _Layout, ends: Sequence[str], top_percent: int) -> float:
    """Scale so the longest bar plus its printed share just fits the axes."""
    if top_percent == 0:
        return 1.0
    width_px, _ = layout.px(layout.bars)
    prop = layout.font.prop(_PERCENT_PT, bold=True)
    widest = max(layout.measure(end, prop) for end in ends)
    room = widest + 10 * _DPI / 72 + 12  # the annotation offset plus a small margin
    return top_percent * width_px / max(width_px - room, width_px * 0.5)


def _percent_text(chart: ChoiceChart, percent: int, helpful: bool | None, font: _Font) -> str:
    text = font.drawable(chart.percent_format.format(percent=percent))
    return text if helpful is None else f"{text}  {_HELPFUL_MARK[helpful]}"


def _percentages(counts: Sequence[int | None], total: int) -> list[int | None]:
    """Shares of `total` rounded half up, in exact integer arithmetic; all zero when nobody
    answered; None for a hidden count."""
    if total == 0:
        return [None if count is None else 0 for count in counts]
    return [None if count is None else (200 * count + total) // (2 * total) for count in counts]


def _strategy_colours(bars: Sequence[Bar]) -> dict[str, str]:
    """One palette colour per strategy, in order of first appearance."""
    colours: dict[str, str] = {}
    for bar in bars:
        if bar.strategy not in colours:
            colours[bar.strategy] = _PALETTE[len(colours) % len(_PALETTE)]
    return colours


# --- Text helpers --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Font:
    """The font families a chart draws with, first choice first; a glyph missing from one
    is taken from the next."""

    families: tuple[str, ...]

    def drawable(self, text: str) -> str:
        """The text without characters the fonts lack (emoji in button labels), which would
        otherwise render as boxes and raise "Glyph missing" warnings; whitespace collapsed."""
        glyphs = _glyphs(self.families)
        kept = (
            c
            for c in unicodedata.normalize("NFC", text)
            if c.isspace() or (ord(c) in glyphs and ord(c) not in _EMOJI_JOINERS)
        )
        return " ".join("".join(kept).split())

    def prop(self, size_pt: float, *, bold: bool = False, italic: bool = False) -> FontProperties:
        return FontProperties(
            family=list(self.families),
            size=size_pt,
            weight="bold" if bold else "normal",
            style="italic" if italic else "normal",
        )

    def text(
        self, size_pt: float, colour: str, *, bold: bool = False, italic: bool = False
    ) -> dict[str, Any]:
        # parse_math=False: a "$" in a label is money, not the start of mathtext.
        return {
            "fontproperties": self.prop(size_pt, bold=bold, italic=italic),
            "color": colour,
            "linespacing": _LINE_SPACING,
            "parse_math": False,
        }


_LATIN = _Font(_LATIN_FAMILIES)


@cache
def _font_for(right_to_left: bool) -> _Font:
    """Arabic script needs a font with it in bold too; without fonts-noto-core installed, a
    right-to-left chart is drawn in DejaVu alone, whose bold lacks Arabic (those letters are
    left out, as emoji are, rather than drawn as boxes)."""
    if not right_to_left:
        return _LATIN
    with _FONT_LIST:  # charts are drawn in worker threads; the font list is matplotlib's own
        # matplotlib's font list is cached from its first run: a font installed later is added.
        for path in font_manager.findSystemFonts():
            if Path(path).name.startswith(_ARABIC_FILES):
                font_manager.fontManager.addfont(path)
        names = {entry.name for entry in font_manager.fontManager.ttflist}
    if _ARABIC_FAMILY not in names:
        return _LATIN
    return _Font((_ARABIC_FAMILY, *_LATIN_FAMILIES))


@cache
def _glyphs(families: tuple[str, ...]) -> frozenset[int]:
    glyphs: set[int] = set()
    for family in families:
        path = font_manager.findfont(FontProperties(family=family), fallback_to_default=False)
        glyphs |= set(font_manager.get_font(path).get_charmap())
    return frozenset(glyphs)


def _wrap(text: str, prop: FontProperties, max_px: float, measure: _Measure) -> str:
    """Wrap at word boundaries so every line, measured in the real font, fits max_px."""
    if not text:
        return ""
    full_px = measure(text, prop)
    if full_px <= max_px:
        return text
    # Start from this text's own average character width; usually right or a step or two off.
    width = max(8, int(max_px * len(text) / full_px) + 2)
    while True:
        lines = textwrap.wrap(text, width)
        if width <= 8 or max(measure(line, prop) for line in lines) <= max_px:
            return "\n".join(lines)
        width -= 1


class _Measure:
    """Text widths in pixels, summed from cached word widths.

    Wrapping and size fitting try many line breaks of the same words; measuring each word once
    keeps a chart of six long labels fast. Kerning across a space is negligible.
    """

    def __init__(self, renderer: RendererBase) -> None:
        self._renderer = renderer
        self._widths: dict[tuple[str, float, str, str], float] = {}

    def __call__(self, text: str, prop: FontProperties) -> float:
        words = text.split(" ")
        gaps = (len(words) - 1) * (self._word("x x", prop) - self._word("xx", prop))
        return sum(self._word(word, prop) for word in words) + gaps

    def _word(self, word: str, prop: FontProperties) -> float:
        key = (word, prop.get_size_in_points(), str(prop.get_weight()), prop.get_style())
        if key not in self._widths:
            width, _, _ = self._renderer.get_text_width_height_descent(word, prop, ismath=False)
            self._widths[key] = width
        return self._widths[key]


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 0


def _block_pt(lines: int, size_pt: float) -> float:
    return lines * size_pt * _LINE_SPACING


def _place(
    ax: Axes,
    box: VPacker,
    xy: tuple[float, float],
    coords: Transform,
    alignment: tuple[float, float],
) -> None:
    ax.add_artist(
        AnnotationBbox(
            box,
            xy,
            xycoords=coords,
            box_alignment=alignment,
            frameon=False,
            pad=0,
            annotation_clip=False,
        )
    )
