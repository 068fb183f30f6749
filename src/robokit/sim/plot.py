"""A picture of a simulated run: the path over the mat, and the sensor traces.

``plot_run(result, "run.svg")`` writes an SVG, ``plot_run(result, "run.png")`` a PNG, of
the same picture (:mod:`robokit.sim.plot_data` decides what it shows): on the left the
world's mat drawn to scale (painted shapes, walls, boxes) with the robot's path, its
start, its outline at the end pose and a cross where its body touched a wall or box; on
the right, on one simulated time axis: the main sensors' readings and the motors'
speeds, a band of the colour under each colour sensor a program reads colours with
(``color()``, ``hsv()``, ``rgb()``), and an events lane (prints, beeps and notes, the hub
light's colours, display text and icons, contacts, buttons, an error) -- what happened
when.

The SVG is written by :mod:`robokit.sim.plot_svg`, in pure Python, and the PNG is that
SVG drawn to pixels with Pillow by :mod:`robokit.sim.svgraster` (matplotlib's import alone
costs more CPU than the plot may add to a run).  :func:`plot_figure` gives the same
picture as a matplotlib ``Figure``, for a user who wants to change it: matplotlib is
imported only there (object API, Agg canvas, no pyplot), so importing :mod:`robokit.sim`
stays light and nothing global changes.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .plot_data import (
    CONTACT_COLOR,
    END_COLOR,
    PATH_COLOR,
    ROBOT_COLORS,
    START_COLOR,
    TRACE_COLORS,
    ZOOM_MIN_MM,
    Scene,
    framed,
    scene,
)
from .plot_data import panels as _panels_of
from .plot_lanes import Band, EventLane

if TYPE_CHECKING:
    from .runner import RunResult

__all__ = ["DPI", "FIGSIZE_IN", "FORMATS", "PATH_COLOR", "ROBOT_COLORS", "START_COLOR",
           "ZOOM_MIN_MM", "CONTACT_COLOR", "END_COLOR", "plot_figure", "plot_format",
           "plot_run", "png_bytes", "svg_png"]

#: Size of the picture: inches at DPI dots per inch (1400 x 700 pixels).
FIGSIZE_IN = (14.0, 7.0)
DPI = 100
#: zlib level of the PNG files (1 fastest, 9 smallest).
PNG_LEVEL = 3
#: Longest side of the mat picture, in pixels.
MAT_PIXELS = 700
#: The picture's formats by file name suffix (lower case). A name with no suffix (a
#: device, a pipe: ``/dev/stdout``) gets SVG: text, and the quicker of the two.
FORMATS = {".svg": "svg", ".png": "png", "": "svg"}
#: The time panels of a run (:func:`robokit.sim.plot_data.panels`), by its older name.
_panels = _panels_of


def plot_format(path: str | Path, what: str = "a plot") -> str:
    """The format :func:`plot_run` (or another picture's writer: ``what`` it writes)
    writes to ``path`` ("svg" or "png"), by its suffix; ValueError, saying which names
    work, for any other suffix."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise ValueError(f"{p}: {what} is an SVG (*.svg, text and shapes, sharp at any "
                         f"zoom) or a PNG (*.png, pixels); name the file {p.stem}.svg or "
                         f"{p.stem}.png")
    return fmt


def _frame_map(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    """Show ``x0..x1`` by ``y0..y1`` mm of the world on ``ax``, to scale, with a margin of
    4 % of the larger side all round, and the axes named."""
    fx0, fx1, fy0, fy1 = framed(x0, y0, x1, y1)
    ax.set_xlim(fx0, fx1)
    ax.set_ylim(fy0, fy1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")


def _wall_patches(world: Any) -> list[Any]:
    """Walls as filled quads and round joints; boxes as filled rectangles."""
    from matplotlib.patches import Circle, Polygon

    from .world import color_hex

    patches: list[Any] = []
    for w in world.wall_shapes:
        colour = color_hex(w.color)
        pts = list(w.points)
        if w.closed and pts[0] != pts[-1]:
            pts.append(pts[0])
        r = w.thickness / 2.0
        for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:], strict=True):
            length = math.hypot(bx - ax, by - ay)
            if length == 0:
                continue
            nx, ny = -(by - ay) / length * r, (bx - ax) / length * r
            quad = [(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny)]
            patches.append(Polygon(quad, closed=True, facecolor=colour, edgecolor="none",
                                   zorder=2))
        for px, py in pts:
            patches.append(Circle((px, py), r, facecolor=colour, edgecolor="none", zorder=2))
    for b in world.boxes:
        patches.append(Polygon(list(b.corners()), closed=True, facecolor=color_hex(b.color),
                               edgecolor="#303030", linewidth=0.8, zorder=2))
    return patches


def object_patches(objects: Iterable[Any], where: list[tuple[float, float]] | None = None
                   ) -> list[Any]:
    """Patches of movable objects (``world.objects``), at their places in ``where`` (one
    (x, y) each) or where the world puts them."""
    from matplotlib.patches import Circle, Polygon

    from .world import color_hex

    out: list[Any] = []
    for k, o in enumerate(objects):
        cx, cy = where[k] if where is not None else o.center
        color = color_hex(o.color)
        if o.shape == "box":
            a = math.radians(o.angle)
            c, s = math.cos(a), math.sin(a)
            w, d = o.size[0] / 2.0, o.size[1] / 2.0
            pts = [(cx + c * u - s * v, cy + s * u + c * v)
                   for u, v in ((-w, -d), (w, -d), (w, d), (-w, d))]
            out.append(Polygon(pts, closed=True, facecolor=color, edgecolor="#202020",
                               linewidth=0.8, zorder=4))
        else:
            out.append(Circle((cx, cy), o.radius, facecolor=color, edgecolor="#202020",
                              linewidth=0.8, zorder=4))
    return out


def plot_run(result: RunResult, path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Write a picture of ``result`` (a :class:`~robokit.sim.runner.RunResult`) to ``path``,
    an SVG or a PNG by its suffix (:func:`plot_format`), by
    :func:`robokit._files.write_output` (never over one of ``inputs``, the run's own
    files; through a device or pipe; renamed only onto a regular file).

    The SVG is written by :mod:`robokit.sim.plot_svg` without matplotlib or numpy (~10 ms);
    the PNG is that SVG drawn by :mod:`robokit.sim.svgraster` with Pillow (tens of ms)."""
    from .._files import write_output
    from .plot_svg import svg_text

    fmt = plot_format(path)
    svg = svg_text(scene(result))
    write_output(path, svg if fmt == "svg" else svg_png(svg), inputs=inputs, what="plot")


def svg_png(svg: str) -> bytes:
    """The PNG of ``svg`` (the SVG :func:`robokit.sim.plot_svg.svg_text` writes), drawn by
    :func:`robokit.sim.svgraster.rasterize`: opaque RGB at :data:`DPI`, as
    :func:`png_bytes` writes a figure.

    Written here, not by Pillow's PNG writer, which tries five filters on every row and
    first imports its plugins for four other formats: twice the CPU (~30 ms against ~15)
    for a file of the same size.  The rows are stored unfiltered: a drawing's long runs
    of one colour compress well as they are."""
    from .svgraster import rasterize

    img = rasterize(svg)
    raw, row = img.tobytes(), 3 * img.width
    rows = b"".join(b"\0" + raw[k:k + row] for k in range(0, len(raw), row))
    per_metre = round(DPI / 0.0254)
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", img.width, img.height, 8, 2, 0, 0, 0))
            + _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
            + _chunk(b"IDAT", zlib.compress(rows, PNG_LEVEL)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC of type and data."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def png_bytes(fig: Any) -> bytes:
    """The PNG of ``fig`` (an Agg-canvas ``Figure``) at :data:`DPI`: drawn once, written as
    RGB (the figure is opaque: no alpha channel to store) at a zlib level that costs half
    the time of matplotlib's for a file no larger."""
    from PIL import Image

    canvas = fig.canvas
    canvas.draw()
    width, height = canvas.get_width_height()
    img = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))
    return buf.getvalue()


def plot_figure(result: RunResult | Scene) -> Any:
    """The picture :func:`plot_run` writes, as a matplotlib ``Figure`` (Agg canvas, no
    pyplot), of a run or of its :func:`~robokit.sim.plot_data.scene`, for a user who wants
    to change it: the mat axes first, then the traces, the colour bands and the events
    lane (titled "events"), top to bottom.  The same layout and content as the SVG and PNG
    files, in matplotlib's own drawing (the mat as an image of the sensors' raster)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sc = result if isinstance(result, Scene) else scene(result)
    fig = Figure(figsize=FIGSIZE_IN, dpi=DPI)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.0, 1.0), left=0.07, right=0.98,
                            bottom=0.08, top=0.9, wspace=0.18)
    _draw_map(fig.add_subplot(grid[0, 0]), sc)
    right = grid[0, 1].subgridspec(len(sc.heights), 1, height_ratios=sc.heights, hspace=0.55)
    cells = iter([right[k] for k in range(len(sc.heights))])
    first = None
    for title, unit, traces in sc.panels:
        tax = fig.add_subplot(next(cells), sharex=first)
        first = first or tax
        for k, (label, values) in enumerate(traces):
            tax.plot(sc.t, values, color=TRACE_COLORS[k % len(TRACE_COLORS)], linewidth=1.2,
                     label=label)
        tax.set_ylabel(unit, fontsize=8)
        if unit.startswith("speed"):
            tax.axhline(0.0, color="#808080", linewidth=0.6)
        tax.set_title(title, fontsize=9, loc="left", y=1.0)
        tax.tick_params(labelsize=8)
        tax.grid(True, alpha=0.3)
        tax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    for band in sc.bands:
        lax = fig.add_subplot(next(cells), sharex=first)
        first = first or lax
        _draw_band(lax, band)
    eax = fig.add_subplot(next(cells), sharex=first)
    first = first or eax
    _draw_events(eax, sc.events)
    eax.set_xlabel("simulated time (s)")
    for other in fig.axes[1:-1]:
        other.tick_params(labelbottom=False)
    first.set_xlim(0.0, sc.end_s)
    fig.suptitle(sc.title, fontsize=12)
    return fig


def _draw_map(ax: Any, sc: Scene) -> None:
    """The mat, its walls and objects, the robot's path, start and end, the contacts."""
    from matplotlib.patches import Polygon, Rectangle

    from .surface import render

    world = sc.world
    ax.set_facecolor("#d8d8d8")  # beyond the world's bounds: no mat
    x0, y0, x1, y1 = world.bounds
    mm_per_px = max(x1 - x0, y1 - y0) / MAT_PIXELS
    ax.imshow(render(world, mm_per_px=mm_per_px), extent=(x0, x1, y0, y1), origin="upper",
              interpolation="bilinear", zorder=0)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#606060",
                           linewidth=1.0, zorder=1))
    for patch in _wall_patches(world):
        ax.add_patch(patch)
    ax.plot(sc.xs, sc.ys, color=PATH_COLOR, linewidth=2.0, solid_capstyle="round", zorder=4,
            label=sc.path_label)
    start, end = sc.start, sc.end
    ax.add_patch(Polygon(sc.start_outline, closed=True, fill=False, edgecolor=START_COLOR,
                         linestyle="--", linewidth=1.0, zorder=3))
    ax.plot([start[0]], [start[1]], marker="o", markersize=8, color=START_COLOR,
            linestyle="none", zorder=5, label="start")
    ax.add_patch(Polygon(sc.end_outline, closed=True, fill=False, edgecolor=END_COLOR,
                         linewidth=1.8, zorder=5))
    ax.plot([end[0], sc.nose[0]], [end[1], sc.nose[1]], color=END_COLOR, linewidth=1.8,
            zorder=5)
    ax.plot([end[0]], [end[1]], marker="s", markersize=6, color=END_COLOR, linestyle="none",
            zorder=5, label="end")
    if sc.contacts:
        ax.plot([p[0] for p in sc.contacts], [p[1] for p in sc.contacts], marker="x",
                markersize=10, markeredgewidth=2.5, color=CONTACT_COLOR, linestyle="none",
                zorder=6, label=f"contact ({len(sc.contacts)})")
    for track in sc.others:
        ax.plot(track.xs, track.ys, color=track.colour, linewidth=2.0, zorder=4,
                label=track.label)
        ax.add_patch(Polygon(track.outline, closed=True, fill=False, edgecolor=track.colour,
                             linewidth=1.8, zorder=5))
    if sc.objects:  # the objects, where they ended
        for patch in object_patches([spec for spec, _xy in sc.objects],
                                    [xy for _spec, xy in sc.objects]):
            ax.add_patch(patch)
    fx0, fx1, fy0, fy1 = sc.limits
    ax.set_xlim(fx0, fx1)
    ax.set_ylim(fy0, fy1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    ax.set_title(f"world: {world.name}", fontsize=10, y=1.0)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)


def _draw_band(ax: Any, band: Band) -> None:
    """A colour band: one ``broken_barh`` per named colour (its label the colour's name)."""
    for t, text, colour in band.labels:
        ax.text(t, 0.5, text, ha="center", va="center", fontsize=7, color=colour)
    for label, (colour, bars) in band.spans.items():
        ax.broken_barh(bars, (0.0, 1.0), facecolors=colour, edgecolors="#606060",
                       linewidths=0.3, label=label)
    ax.set_title(band.title, fontsize=9, loc="left", y=1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_yticks([])
    ax.set_facecolor("#e8e8e8")


def _draw_events(ax: Any, lane: EventLane) -> None:
    """The events lane; its lines labelled by their kind."""
    for t0, width, y, colour in lane.lights:
        ax.broken_barh([(t0, width)], (y - 0.3, 0.6), facecolors=colour, edgecolors="#606060",
                       linewidths=0.5, label="light")
    if lane.light_marks is not None:
        ts, y = lane.light_marks
        ax.plot(ts, [y] * len(ts), marker="|", markersize=12, color="#303030",
                linestyle="none", label="light changes")
    for t0, t1, y, colour in lane.sounds:
        ax.plot([t0, t1], [y, y], color=colour, linewidth=4, solid_capstyle="butt")
    for kind, ts, y, marker, colour in lane.marks:
        ax.plot(ts, [y] * len(ts), marker=marker, markersize=7, markeredgewidth=2,
                color=colour, linestyle="none", label=kind)
    for t, y, text, colour, late in lane.texts:
        ax.annotate(text, (t, y), xytext=(-3 if late else 3, 5), textcoords="offset points",
                    fontsize=6, color=colour, ha="right" if late else "left")
    n = len(lane.rows)
    ax.set_yticks([float(n - 1 - i) for i in range(n)], lane.rows)
    ax.set_ylim(-0.7, max(n, 1) - 0.3)
    ax.tick_params(labelsize=7)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(lane.title, fontsize=9, loc="left", y=1.0)
