"""A small SVG drawing kit for the run's and the world's pictures (:mod:`robokit.sim.plot_svg`,
:mod:`robokit.sim.worldplot_svg`).

Pixels of a 100 dpi canvas (a point is 100/72 px, as matplotlib's figure at that dpi);
:class:`Frame` maps data to pixels inside an axes box and draws its frame, ticks,
labels, grid and legend, in matplotlib's default look (tick steps of 1, 2, 2.5, 5 and 10
times a power of ten, a step no smaller than the range over the labels that fit).  Text
widths are estimated from DejaVu Sans' advance widths (legend boxes, axis labels), and
the text itself stays text: the viewer draws it.  Pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["PT", "Frame", "dashed", "esc", "legend", "nice_ticks", "num", "path_d", "text",
           "text_width", "thin"]

#: Pixels per point (a 100 dpi canvas).
PT = 100.0 / 72.0
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
#: Tick steps, times a power of ten.
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
#: DejaVu Sans advance widths (thousandths of an em) of the characters plots use; others
#: count as 0.62 em.
_WIDTHS = dict(zip(
    " .,:;-()/|°%_'" "0123456789" "abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    (318, 318, 318, 337, 337, 361, 390, 390, 337, 337, 500, 950, 500, 275)
    + (636,) * 10
    + (613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635,
       411, 521, 392, 634, 592, 818, 592, 592, 525)
    + (684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787,
       695, 635, 611, 732, 684, 989, 685, 611, 685), strict=True))


def num(v: float) -> str:
    """``v`` with at most 2 decimals, no trailing zeros (SVG coordinates)."""
    s = f"{v:.2f}"
    if s[-1] == "0":
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def dashed(width: float) -> str:
    """The ``stroke-dasharray`` of a dashed line ``width`` wide, as matplotlib dashes one:
    3.7 widths on, 1.6 off."""
    return f"{num(3.7 * width)} {num(1.6 * width)}"


def esc(s: str) -> str:
    """``s`` escaped for XML text and attribute values."""
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def text_width(s: str, size: float) -> float:
    """The estimated width in px of ``s`` at ``size`` px."""
    return size * sum(_WIDTHS.get(c, 620) for c in s) / 1000.0


def text(x: float, y: float, s: str, size: float, *, anchor: str = "start",
         colour: str = "#000000", extra: str = "") -> str:
    """A ``<text>`` whose baseline starts (or is centred, or ends: ``anchor``) at x, y."""
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    c = "" if colour == "#000000" else f' fill="{colour}"'
    return f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}"{a}{c}{extra}>{esc(s)}</text>'


def path_d(xs: Sequence[float], ys: Sequence[float], fx: float, sx: float, fy: float,
           sy: float, digits: int = 1) -> str:
    """Path data through the points (fx + sx*x, fy + sy*y), broken where one is NaN."""
    out = []
    pen = "M"
    for x, y in zip(xs, ys, strict=True):
        if x != x or y != y:  # NaN: lift the pen
            pen = "M"
            continue
        out.append(f"{pen}{fx + sx * x:.{digits}f} {fy + sy * y:.{digits}f}")
        pen = "L"
    return "".join(out)


def thin(xs: Sequence[float], ys: Sequence[float], x0: float, sx: float
         ) -> tuple[list[float], list[float]]:
    """The points of a series (``xs`` increasing) that a line ``sx`` px per unit wide
    needs: per pixel column, the first, lowest, highest and last point, in their order
    (and every NaN, which breaks the line). At the picture's size the line through them
    covers the pixels the one through all of them would (zoomed in, it has less detail)."""
    out: list[int] = []
    col = None
    group: list[int] = []

    def flush() -> None:
        if group:
            lo = min(group, key=lambda i: ys[i])
            hi = max(group, key=lambda i: ys[i])
            out.extend(sorted({group[0], lo, hi, group[-1]}))
            group.clear()

    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if x != x or y != y:  # NaN: keep it, the line breaks there
            flush()
            out.append(i)
            col = None
            continue
        c = int((x - x0) * sx)
        if c != col:
            flush()
            col = c
        group.append(i)
    flush()
    return [xs[i] for i in out], [ys[i] for i in out]


def nice_ticks(lo: float, hi: float, nbins: int) -> tuple[list[float], int]:
    """Ticks within ``lo..hi`` at the smallest step of 1, 2, 2.5, 5 or 10 times a power of
    ten that is at least the range over ``nbins``, and the decimals their labels need."""
    if not hi > lo:
        return [lo], 0
    raw = (hi - lo) / max(1, nbins)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next((m * power for m in _STEPS if m * power >= raw * (1 - 1e-9)), 10 * power)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = [k * step for k in range(first, last + 1)]
    exponent = math.floor(math.log10(step) + 1e-9)
    quarter = round(step / 10.0**exponent, 6) == 2.5  # 2.5, 0.25: one decimal more
    return ticks, max(0, -exponent + quarter)


def tick_label(v: float, decimals: int) -> str:
    s = f"{v:.{decimals}f}"
    if s.lstrip("-").strip("0.") == "":
        s = s.lstrip("-")
    return s.replace("-", "\u2212")  # a minus sign, as matplotlib writes it


@dataclass
class Frame:
    """An axes box at x, y (top left), w by h px, showing data ``x0..x1`` by ``y0..y1``."""

    x: float
    y: float
    w: float
    h: float
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def sx(self) -> float:
        return self.w / (self.x1 - self.x0)

    @property
    def sy(self) -> float:
        return -self.h / (self.y1 - self.y0)

    def px(self, x: float) -> float:
        return self.x + (x - self.x0) * self.sx

    def py(self, y: float) -> float:
        return self.y + self.h + (y - self.y0) * self.sy

    def line(self, xs: Sequence[float], ys: Sequence[float], colour: str, width_pt: float,
             extra: str = "") -> str:
        """A polyline of data points (NaN breaks it), ``width_pt`` points wide. A long
        time series (``xs`` increasing) keeps at most 4 points per pixel column
        (:func:`thin`)."""
        if len(xs) > 4 * self.w:
            xs, ys = thin(xs, ys, self.x0, self.sx)
        d = path_d(xs, ys, self.x - self.x0 * self.sx, self.sx,
                   self.y + self.h - self.y0 * self.sy, self.sy)
        return (f'<path d="{d}" fill="none" stroke="{colour}" '
                f'stroke-width="{num(width_pt * PT)}"{extra}/>') if d else ""

    def clip(self, ident: str) -> str:
        return (f'<clipPath id="{ident}"><rect x="{num(self.x)}" y="{num(self.y)}" '
                f'width="{num(self.w)}" height="{num(self.h)}"/></clipPath>')

    def box(self, fill: str = "#ffffff") -> str:
        return (f'<rect x="{num(self.x)}" y="{num(self.y)}" width="{num(self.w)}" '
                f'height="{num(self.h)}" fill="{fill}"/>')

    def spines(self) -> str:
        return (f'<rect x="{num(self.x)}" y="{num(self.y)}" width="{num(self.w)}" '
                f'height="{num(self.h)}" fill="none" stroke="#000000" '
                f'stroke-width="{num(0.8 * PT)}"/>')

    def xtick_values(self, size_pt: float) -> tuple[list[float], int]:
        """The x ticks (data values) for labels of ``size_pt`` points, and their decimals."""
        return nice_ticks(self.x0, self.x1, max(1, min(9, int(self.w / PT / (size_pt * 3)))))

    def ytick_values(self, size_pt: float) -> tuple[list[float], int]:
        """The y ticks (data values) for labels of ``size_pt`` points, and their decimals."""
        return nice_ticks(self.y0, self.y1, max(1, min(9, int(self.h / PT / (size_pt * 2)))))

    def xticks(self, size_pt: float, labels: bool = True, grid: bool = False) -> list[str]:
        """Ticks along the bottom (labelled below when ``labels``), and vertical grid lines."""
        size = size_pt * PT
        ticks, dec = self.xtick_values(size_pt)
        out = []
        bottom = self.y + self.h
        for v in ticks:
            x = num(self.px(v))
            if grid:
                out.append(f'<path d="M{x} {num(self.y)}V{num(bottom)}" stroke="#b0b0b0" '
                           f'stroke-opacity="0.3" stroke-width="{num(0.8 * PT)}"/>')
            out.append(f'<path d="M{x} {num(bottom)}v{num(3.5 * PT)}" stroke="#000000" '
                       f'stroke-width="{num(0.8 * PT)}"/>')
            if labels:
                out.append(text(self.px(v), bottom + 7 * PT + 0.76 * size, tick_label(v, dec),
                                size, anchor="middle"))
        return out

    def yticks(self, size_pt: float, grid: bool = False,
               named: Iterable[tuple[float, str]] | None = None) -> tuple[list[str], float]:
        """Ticks along the left side, labelled (by ``named``: (y, label), else numbers), and
        horizontal grid lines; also the width of the widest label in px."""
        size = size_pt * PT
        if named is None:
            ticks, dec = self.ytick_values(size_pt)
            named = [(v, tick_label(v, dec)) for v in ticks]
        out = []
        widest = 0.0
        for v, label in named:
            y = self.py(v)
            if grid:
                out.append(f'<path d="M{num(self.x)} {num(y)}H{num(self.x + self.w)}" '
                           f'stroke="#b0b0b0" stroke-opacity="0.3" '
                           f'stroke-width="{num(0.8 * PT)}"/>')
            out.append(f'<path d="M{num(self.x)} {num(y)}h{num(-3.5 * PT)}" stroke="#000000" '
                       f'stroke-width="{num(0.8 * PT)}"/>')
            out.append(text(self.x - 7 * PT, y + 0.36 * size, label, size, anchor="end"))
            widest = max(widest, text_width(label, size))
        return out, widest


def legend(frame: Frame, entries: Sequence[tuple[str, str]], size_pt: float,
           alpha: float) -> list[str]:
    """A legend in the upper right corner of ``frame``: (handle, label) per entry, the
    handle an SVG fragment drawn around (0, 0) in a box 2 em wide (translated there)."""
    if not entries:
        return []
    size = size_pt * PT
    pad, gap, handle = 0.4 * size, 0.5 * size, 2.0 * size
    width = 2 * pad + handle + 0.8 * size + max(text_width(label, size) for _h, label in entries)
    height = 2 * pad + len(entries) * size * 0.9 + (len(entries) - 1) * gap
    x = frame.x + frame.w - 0.5 * size - width
    y = frame.y + 0.5 * size
    out = [f'<g class="legend"><rect x="{num(x)}" y="{num(y)}" width="{num(width)}" '
           f'height="{num(height)}" rx="{num(0.2 * size)}" fill="#ffffff" '
           f'fill-opacity="{alpha}" stroke="#cccccc" stroke-width="{num(0.8 * PT)}"/>']
    row = y + pad
    for mark, label in entries:
        mid = row + 0.45 * size
        out.append(f'<g transform="translate({num(x + pad + handle / 2)} {num(mid)})">{mark}</g>')
        out.append(text(x + pad + handle + 0.8 * size, mid + 0.36 * size, label, size))
        row += 0.9 * size + gap
    out.append("</g>")
    return out
