"""A world's picture as SVG, in pure Python: ``robokit worlds --show NAME -o FILE.svg``.

Drawn with the run's picture's pieces (:mod:`robokit.sim.plot_svg`, :mod:`robokit.sim.svgdraw`),
in the layout of :func:`robokit.sim.worldplot.world_figure` (800 x 800 px): the world's
name as the title and its description under it; the map, to scale, with a margin of 4 %
all round: the mat as vector shapes, a grid at the ticks (200 mm on the built-in worlds),
the walls, boxes and objects, the standard rover's outline at the start pose with an
arrow (a polygon) along its heading and a marker on the start, and the numbered,
dashed outlines of the start poses of several robots; a legend; ticks and labels in mm.

The map's content is in world millimetres inside ``<g id="world" transform="matrix(s 0
0 -s tx ty)">``, as in the run's picture; the marker and the robots' numbers (bold) are
in pixels.  :func:`robokit.sim.plot.svg_png` draws it as the PNG.
"""

from __future__ import annotations

import math
from typing import Any

from .plot_data import ROBOT_COLORS, START_COLOR, framed
from .plot_data import outline as body_outline
from .plot_svg import (
    line_handle,
    map_axes,
    map_frame,
    marker,
    mat_surface,
    object_shapes,
    outline_svg,
    walls_and_boxes,
)
from .svgdraw import FONT, PT, dashed, esc, legend, num, text

__all__ = ["HEIGHT", "WIDTH", "arrow", "world_svg"]

#: The canvas in px (the PNG's size).
WIDTH, HEIGHT = 800, 800
#: The map's axes (fractions of the canvas: left, bottom, width, height, as world_figure's).
_AXES = (0.1, 0.08, 0.86, 0.82)


def arrow(x: float, y: float, heading: float, length: float) -> list[tuple[float, float]]:
    """The heading arrow from (x, y), ``length`` long (its head included) along
    ``heading`` degrees: a polygon of 7 corners, its shaft 6 % of the length wide, its
    head 25 % long and wide (matplotlib's ``FancyArrow`` of world_figure)."""
    c, s = math.cos(math.radians(heading)), math.sin(math.radians(heading))
    shaft, head, neck = 0.03 * length, 0.125 * length, 0.75 * length
    local = [(0.0, shaft), (neck, shaft), (neck, head), (length, 0.0), (neck, -head),
             (neck, -shaft), (0.0, -shaft)]
    return [(x + c * u - s * v, y + s * u + c * v) for u, v in local]


def world_svg(world: Any, body: dict[str, float]) -> str:
    """The SVG document of ``world`` (a :class:`~robokit.sim.world.World`) with a robot
    of ``body`` (robot.toml's ``[body]``: front, back, width in mm) at its start pose."""
    left, bottom, aw, ah = _AXES
    x0, y0, x1, y1 = world.bounds
    f, scale, group = map_frame(framed(x0, y0, x1, y1), left * WIDTH, (1 - bottom - ah) * HEIGHT,
                                aw * WIDTH, ah * HEIGHT)
    mm = 1.0 / scale
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}">',
           f"<title>{esc(world.name)}</title>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           text(WIDTH / 2, 0.025 * HEIGHT + 0.8 * 13 * PT, world.name, 13 * PT,
                anchor="middle", extra=' id="title"')]
    if world.description:
        out.append(text(WIDTH / 2, 0.075 * HEIGHT, world.description, 9 * PT, anchor="middle",
                        extra=' id="description"'))
    out += ['<g id="map">', f.clip("map-clip"), f.box("#d8d8d8"),
            '<g clip-path="url(#map-clip)">', group]
    out += mat_surface(world, mm)
    grid = f'stroke="#b0b0b0" stroke-opacity="0.25" stroke-width="{num(0.8 * PT * mm)}"'
    out += [f'<path class="grid" d="M{num(v)} {num(f.y0)}V{num(f.y1)}" {grid}/>'
            for v in f.xtick_values(10)[0]]
    out += [f'<path class="grid" d="M{num(f.x0)} {num(v)}H{num(f.x1)}" {grid}/>'
            for v in f.ytick_values(10)[0]]
    out += walls_and_boxes(world, mm)
    out += object_shapes([(o, o.center) for o in world.objects], mm)
    x, y, heading = world.start
    out.append(outline_svg(body_outline(world.start, body), START_COLOR, 1.8 * PT * mm,
                           ident="rover"))
    width = 1.4 * PT * mm
    for i, r in enumerate(world.robots):
        colour = ROBOT_COLORS[i % len(ROBOT_COLORS)]
        out.append(outline_svg(body_outline(r.pose, body), colour, width, dashed(width),
                               ident=f"robot-{i + 1}"))
    tip = " ".join(f"{num(u)},{num(v)}"
                   for u, v in arrow(x, y, heading, max(body["front"], 60.0) * 1.6))
    out.append(f'<polygon id="heading" points="{tip}" fill="{START_COLOR}" '
               f'stroke="{START_COLOR}" stroke-width="{num(1.0 * PT * mm)}"/>')
    out.append("</g>")
    out.append(f'<g id="start" transform="translate({num(f.px(x))} {num(f.py(y))})">'
               f'{marker("o", START_COLOR, 6)}</g>')
    size = 9 * PT
    for i, r in enumerate(world.robots):
        out.append(text(f.px(r.pose.x), f.py(r.pose.y) + 0.36 * size, str(i + 1), size,
                        anchor="middle", colour=ROBOT_COLORS[i % len(ROBOT_COLORS)],
                        extra=' font-weight="bold" class="robot-number"'))
    out.append("</g>")
    out += map_axes(f)
    entries = [(marker("o", START_COLOR, 6),
                f"start x={x:.0f} y={y:.0f} heading={heading:.0f}°")]
    if world.robots:
        entries.append((line_handle(ROBOT_COLORS[0], 1.5, 8 * PT, dashed(1.5 * PT)),
                        f"{len(world.robots)} start poses for several robots"))
    out += legend(f, entries, 8, 0.85)
    out.append("</g>")
    out.append("</svg>\n")
    return "\n".join(out)
