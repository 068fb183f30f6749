"""A picture of a world alone: ``robokit worlds --show NAME -o FILE.svg`` (or ``.png``).

The world's mat, walls, boxes and objects as in a run's picture, a grid at the ticks
(200 mm on the built-in worlds), and the standard rover's outline at the world's start
pose with an arrow for its heading, the start poses of several robots numbered.
:func:`plot_world` writes it as SVG (:mod:`robokit.sim.worldplot_svg`, pure Python) or
as that SVG drawn to a PNG by :func:`robokit.sim.plot.svg_png` (Pillow): no matplotlib,
no numpy.  :func:`world_figure` gives the same picture as a matplotlib ``Figure``, for a
user who wants to change it (matplotlib imported only there: object API, Agg canvas;
the mat as an image of the sensors' raster).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .plot import (
    DPI,
    ROBOT_COLORS,
    START_COLOR,
    _frame_map,
    _wall_patches,
    object_patches,
    plot_format,
    svg_png,
)
from .plot_data import outline as _outline

__all__ = ["ROBOT_COLORS", "WHAT", "WORLD_FIGSIZE_IN", "object_patches", "plot_world",
           "world_figure"]


#: Size of the picture: inches at plot.DPI dots per inch (800 x 800 pixels).
WORLD_FIGSIZE_IN = (8.0, 8.0)
#: The mat's raster: pixels along its longest side.
_MAT_PIXELS = 800
#: What a wrong suffix is refused for (plot_format's message).
WHAT = "a world's picture"


def plot_world(world: Any, path: str | Path, body: dict[str, float],
               inputs: Iterable[str | Path] = ()) -> None:
    """Write a picture of ``world`` (a :class:`~robokit.sim.world.World`) to ``path``, an
    SVG or a PNG by its suffix (:func:`~robokit.sim.plot.plot_format`: ValueError for
    another), by :func:`robokit._files.write_output` (never over one of ``inputs``), with
    a robot of ``body`` (robot.toml's ``[body]``: front, back, width in mm) at the start
    pose."""
    from .._files import write_output
    from .worldplot_svg import world_svg

    fmt = plot_format(path, WHAT)
    svg = world_svg(world, body)
    write_output(path, svg if fmt == "svg" else svg_png(svg), inputs=inputs,
                 what="world picture")


def world_figure(world: Any, body: dict[str, float]) -> Any:
    """The picture :func:`plot_world` writes, as a matplotlib ``Figure`` (Agg canvas, no
    pyplot), for a user who wants to change it: the same layout and content, in
    matplotlib's own drawing (the mat as an image of the sensors' raster)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrow, Polygon, Rectangle

    from .surface import render

    fig = Figure(figsize=WORLD_FIGSIZE_IN, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.08, 0.86, 0.82))
    ax.set_facecolor("#d8d8d8")  # beyond the world's bounds: no mat
    x0, y0, x1, y1 = world.bounds
    ax.imshow(render(world, mm_per_px=max(x1 - x0, y1 - y0) / _MAT_PIXELS),
              extent=(x0, x1, y0, y1), origin="upper", interpolation="bilinear", zorder=0)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#606060",
                           linewidth=1.0, zorder=1))
    for patch in _wall_patches(world):
        ax.add_patch(patch)

    x, y, heading = world.start
    ax.add_patch(Polygon(_outline(world.start, body), closed=True, fill=False,
                         edgecolor=START_COLOR, linewidth=1.8, zorder=5))
    length = max(body["front"], 60.0) * 1.6
    dx, dy = math.cos(math.radians(heading)), math.sin(math.radians(heading))
    ax.add_patch(FancyArrow(x, y, dx * length, dy * length, width=length * 0.06,
                            head_width=length * 0.25, head_length=length * 0.25,
                            length_includes_head=True, color=START_COLOR, zorder=6))
    ax.plot([x], [y], marker="o", markersize=6, color=START_COLOR, linestyle="none", zorder=6,
            label=f"start x={x:.0f} y={y:.0f} heading={heading:.0f}°")

    for i, r in enumerate(world.robots):  # the start poses of several robots, numbered
        color = ROBOT_COLORS[i % len(ROBOT_COLORS)]
        ax.add_patch(Polygon(_outline(r.pose, body), closed=True, fill=False,
                             edgecolor=color, linewidth=1.4, linestyle="--", zorder=5))
        ax.text(r.pose.x, r.pose.y, str(i + 1), ha="center", va="center", fontsize=9,
                color=color, fontweight="bold", zorder=6)
    if world.robots:
        ax.plot([], [], linestyle="--", color=ROBOT_COLORS[0],
                label=f"{len(world.robots)} start poses for several robots")
    for patch in object_patches(world.objects):
        ax.add_patch(patch)

    _frame_map(ax, x0, y0, x1, y1)
    ax.grid(True, alpha=0.25, zorder=1)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    fig.suptitle(world.name, fontsize=13, y=0.975)
    if world.description:
        fig.text(0.5, 0.925, world.description, ha="center", fontsize=9)
    return fig
