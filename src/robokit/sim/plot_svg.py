"""The run's picture as SVG, written in pure Python: no matplotlib, no numpy.

:func:`svg_text` draws a :class:`~robokit.sim.plot_data.Scene` in the layout of the PNG
(:func:`robokit.sim.plot.plot_figure`: 1400 x 700 px, the map on the left, the time panels
on the right): the title; the map with the mat as vector shapes (its painted lines,
polygons, circles and rings in paint order over the background colour, as the sensors'
raster has them), the walls, boxes and objects, the path, the start and end outlines and
markers, the contacts, the other robots, a legend, ticks and labels in mm; the time panels
with their traces, ticks, labels and legends; the colour bands; the events lane.  Text
stays text (sharp at any zoom, searchable).

The map's content is drawn in world millimetres inside one transformed group
(``<g id="world" transform="matrix(s 0 0 -s tx ty)">``): the path's points there are the
telemetry's poses, to 0.01 mm.  Markers and the time panels are in pixels.  The map's
pieces (:func:`map_frame`, :func:`mat_surface`, :func:`walls_and_boxes`,
:func:`object_shapes`, :func:`outline_svg`, :func:`marker`, :func:`map_axes`) draw a
world's picture too (:mod:`robokit.sim.worldplot_svg`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .plot_data import (
    CONTACT_COLOR,
    END_COLOR,
    PATH_COLOR,
    START_COLOR,
    TRACE_COLORS,
    Scene,
)
from .plot_lanes import Band, EventLane
from .svgdraw import FONT, PT, Frame, dashed, esc, legend, num, path_d, text
from .world.shapes import Circle, Line, Ring, color_hex

__all__ = ["HEIGHT", "WIDTH", "line_handle", "map_axes", "map_frame", "marker", "mat_surface",
           "object_shapes", "outline_svg", "svg_text", "walls_and_boxes"]

#: The canvas in px (the PNG's size).
WIDTH, HEIGHT = 1400, 700
# The figure's grid (fractions of the canvas, as plot_figure's gridspec).
_LEFT, _RIGHT, _BOTTOM, _TOP, _WSPACE, _HSPACE = 0.07, 0.98, 0.08, 0.9, 0.18, 0.55


def svg_text(sc: Scene) -> str:
    """The SVG document of ``sc``."""
    left = _LEFT * WIDTH
    top = (1 - _TOP) * HEIGHT
    bottom = (1 - _BOTTOM) * HEIGHT
    col = (_RIGHT - _LEFT) * WIDTH / (2 + _WSPACE)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}">',
           f"<title>{esc(sc.title)}</title>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           text(WIDTH / 2, 0.02 * HEIGHT + 0.8 * 12 * PT, sc.title, 12 * PT, anchor="middle",
                extra=' id="title"')]
    out += _map(sc, left, top, col, bottom - top)
    out += _time_panels(sc, left + col * (1 + _WSPACE), top, col, bottom - top)
    out.append("</svg>\n")
    return "\n".join(out)


# -- the map ---------------------------------------------------------------------------

def _shape(s: Any) -> str:
    """A painted shape of the mat, in mm."""
    colour = color_hex(s.color)
    if isinstance(s, Line):
        tag = "polygon" if s.closed else "polyline"
        return (f'<{tag} points="{_points(s.points)}" fill="none" stroke="{colour}" '
                f'stroke-width="{num(s.width)}" stroke-linecap="round" '
                'stroke-linejoin="round"/>')
    if isinstance(s, Ring):
        return (f'<circle cx="{num(s.center[0])}" cy="{num(s.center[1])}" '
                f'r="{num(s.radius - s.width / 2)}" fill="none" stroke="{colour}" '
                f'stroke-width="{num(s.width)}"/>')
    if isinstance(s, Circle):
        return (f'<circle cx="{num(s.center[0])}" cy="{num(s.center[1])}" '
                f'r="{num(s.radius)}" fill="{colour}"/>')
    return f'<polygon points="{_points(s.points)}" fill="{colour}" fill-rule="evenodd"/>'


def _points(pts: Any) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in pts)


def outline_svg(pts: list[tuple[float, float]], colour: str, width_mm: float,
                dash: str = "", ident: str = "") -> str:
    """A robot's outline (a closed polygon, unfilled), in mm; ``ident``: its id."""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    i = f' id="{ident}"' if ident else ""
    return (f'<polygon{i} points="{_points(pts)}" fill="none" stroke="{colour}" '
            f'stroke-width="{num(width_mm)}" stroke-linejoin="round"{d}/>')


def mat_surface(world: Any, mm: float) -> list[str]:
    """The world's mat (its background and painted shapes, clipped to its bounds) and the
    line round its bounds, in mm (``mm``: the size of a px in mm, for widths in points)."""
    x0, y0, x1, y1 = world.bounds
    out = [f'<clipPath id="mat"><rect x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" '
           f'height="{num(y1 - y0)}"/></clipPath>',
           f'<g id="mat-surface" clip-path="url(#mat)">'
           f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" height="{num(y1 - y0)}" '
           f'fill="{color_hex(world.background)}"/>']
    out += [_shape(s) for s in world.shapes]
    out.append("</g>")
    out.append(f'<rect x="{num(x0)}" y="{num(y0)}" width="{num(x1 - x0)}" '
               f'height="{num(y1 - y0)}" fill="none" stroke="#606060" '
               f'stroke-width="{num(1.0 * PT * mm)}"/>')
    return out


def walls_and_boxes(world: Any, mm: float) -> list[str]:
    """The world's walls and boxes, in mm."""
    out = []
    for w in world.wall_shapes:
        tag = "polygon" if w.closed else "polyline"
        out.append(f'<{tag} class="wall" points="{_points(w.points)}" fill="none" '
                   f'stroke="{color_hex(w.color)}" stroke-width="{num(w.thickness)}" '
                   'stroke-linecap="round" stroke-linejoin="round"/>')
    edge = num(0.8 * PT * mm)
    for b in world.boxes:
        out.append(f'<polygon class="box" points="{_points(b.corners())}" '
                   f'fill="{color_hex(b.color)}" stroke="#303030" stroke-width="{edge}"/>')
    return out


def object_shapes(objects: Iterable[tuple[Any, tuple[float, float]]], mm: float) -> list[str]:
    """Movable objects, (their spec, (x, y)) each, in mm."""
    out = []
    edge = num(0.8 * PT * mm)
    for spec, (cx, cy) in objects:
        colour = color_hex(spec.color)
        if spec.shape == "box":
            w, d = spec.size[0] / 2.0, spec.size[1] / 2.0
            out.append(f'<rect class="object" x="{num(-w)}" y="{num(-d)}" width="{num(2 * w)}" '
                       f'height="{num(2 * d)}" transform="translate({num(cx)} {num(cy)}) '
                       f'rotate({num(spec.angle)})" fill="{colour}" stroke="#202020" '
                       f'stroke-width="{edge}"/>')
        else:
            out.append(f'<circle class="object" cx="{num(cx)}" cy="{num(cy)}" '
                       f'r="{num(spec.radius)}" fill="{colour}" stroke="#202020" '
                       f'stroke-width="{edge}"/>')
    return out


def _world(sc: Scene, mm: float) -> list[str]:
    """The world's mat, walls, boxes and objects, and the run's paths, in mm (``mm``: the
    size of a px in mm, for widths given in points)."""
    out = mat_surface(sc.world, mm) + walls_and_boxes(sc.world, mm)
    out.append(outline_svg(sc.start_outline, START_COLOR, 1.0 * PT * mm, dashed(PT * mm)))
    out += object_shapes(sc.objects, mm)
    width = num(2.0 * PT * mm)
    for k, track in enumerate(sc.others):
        out.append(f'<path id="path-{k + 2}" d="{path_d(track.xs, track.ys, 0, 1, 0, 1, 2)}" '
                   f'fill="none" stroke="{track.colour}" stroke-width="{width}" '
                   'stroke-linejoin="round"/>')
    out.append(f'<path id="path" d="{path_d(sc.xs, sc.ys, 0, 1, 0, 1, 2)}" fill="none" '
               f'stroke="{PATH_COLOR}" stroke-width="{width}" stroke-linecap="round" '
               'stroke-linejoin="round"/>')
    for track in sc.others:
        out.append(outline_svg(track.outline, track.colour, 1.8 * PT * mm))
    out.append(outline_svg(sc.end_outline, END_COLOR, 1.8 * PT * mm))
    (ex, ey, _h), (nx, ny) = sc.end, sc.nose
    out.append(f'<path d="M{num(ex)} {num(ey)}L{num(nx)} {num(ny)}" stroke="{END_COLOR}" '
               f'stroke-width="{num(1.8 * PT * mm)}"/>')
    return out


def marker(kind: str, colour: str, size_pt: float, edge_pt: float = 1.0) -> str:
    """A marker centred on (0, 0), in px: matplotlib's "o", "s", "x", "X", "|", "v"."""
    r = size_pt * PT / 2
    if kind == "o":
        return f'<circle r="{num(r)}" fill="{colour}"/>'
    if kind == "s":
        return (f'<rect x="{num(-r)}" y="{num(-r)}" width="{num(2 * r)}" height="{num(2 * r)}" '
                f'fill="{colour}"/>')
    if kind == "|":
        return (f'<path d="M0 {num(-r)}V{num(r)}" stroke="{colour}" '
                f'stroke-width="{num(edge_pt * PT)}"/>')
    if kind == "v":
        return (f'<path d="M{num(-r)} {num(-r)}H{num(r)}L0 {num(r)}Z" fill="{colour}" '
                f'stroke="{colour}" stroke-width="{num(edge_pt * PT)}"/>')
    r *= 0.8 if kind == "X" else 1.0
    width = edge_pt * PT * (1.6 if kind == "X" else 1.0)
    return (f'<path d="M{num(-r)} {num(-r)}L{num(r)} {num(r)}M{num(-r)} {num(r)}L{num(r)} '
            f'{num(-r)}" stroke="{colour}" stroke-width="{num(width)}"/>')


def line_handle(colour: str, width_pt: float, size: float, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<path d="M{num(-size)} 0H{num(size)}" stroke="{colour}" '
            f'stroke-width="{num(width_pt * PT)}"{d}/>')


def map_frame(limits: tuple[float, float, float, float], left: float, top: float, w: float,
              h: float) -> tuple[Frame, float, str]:
    """The axes of a map showing ``limits`` (x0, x1, y0, y1 mm) in the cell at left, top (w
    by h px), to scale and centred in the cell; its scale (px per mm); and the opening tag
    of the group that draws in world mm there (``<g id="world" ...>``)."""
    fx0, fx1, fy0, fy1 = limits
    scale = min(w / (fx1 - fx0), h / (fy1 - fy0))
    aw, ah = (fx1 - fx0) * scale, (fy1 - fy0) * scale
    f = Frame(left + (w - aw) / 2, top + (h - ah) / 2, aw, ah, fx0, fx1, fy0, fy1)
    tx, ty = f.x - fx0 * scale, f.y + fy1 * scale
    return (f, scale,
            f'<g id="world" transform="matrix({scale:.6g} 0 0 {-scale:.6g} {tx:.3f} {ty:.3f})">')


def map_axes(f: Frame) -> list[str]:
    """A map's frame, its ticks labelled in mm, and its axes named."""
    out = [f.spines()]
    out += f.xticks(10)
    ticks, widest = f.yticks(10)
    out += ticks
    size = 10 * PT
    out.append(text(f.x + f.w / 2, f.y + f.h + 7 * PT + size + 4 * PT + 0.76 * size, "x (mm)",
                    size, anchor="middle"))
    yx = f.x - 7 * PT - widest - 4 * PT - 0.24 * size
    yy = f.y + f.h / 2
    out.append(text(yx, yy, "y (mm)", size, anchor="middle",
                    extra=f' transform="rotate(-90 {num(yx)} {num(yy)})"'))
    return out


def _map(sc: Scene, left: float, top: float, w: float, h: float) -> list[str]:
    """The map axes in the cell at left, top (w by h px): to scale, centred in the cell."""
    f, scale, world = map_frame(sc.limits, left, top, w, h)
    out = ['<g id="map">', f.clip("map-clip"), f.box("#d8d8d8"),
           '<g clip-path="url(#map-clip)">', world]
    out += _world(sc, 1.0 / scale)
    out.append("</g>")
    sx, sy = f.px(sc.start[0]), f.py(sc.start[1])
    out.append(f'<g id="start" transform="translate({num(sx)} {num(sy)})">'
               f'{marker("o", START_COLOR, 8)}</g>')
    out.append(f'<g id="end" transform="translate({num(f.px(sc.end[0]))} '
               f'{num(f.py(sc.end[1]))})">{marker("s", END_COLOR, 6)}</g>')
    cross = marker("x", CONTACT_COLOR, 10, 2.5)
    out += [f'<g class="contact" transform="translate({num(f.px(x))} {num(f.py(y))})">'
            f'{cross}</g>' for x, y in sc.contacts]
    out.append("</g>")
    out += map_axes(f)
    out.append(text(f.x + f.w / 2, f.y - 6 * PT, f"world: {sc.world.name}", 10 * PT,
                    anchor="middle"))
    lsize = 8 * PT
    entries = [(line_handle(PATH_COLOR, 2.0, lsize), sc.path_label),
               (marker("o", START_COLOR, 8), "start"), (marker("s", END_COLOR, 6), "end")]
    if sc.contacts:
        entries.append((cross, f"contact ({len(sc.contacts)})"))
    entries += [(line_handle(t.colour, 2.0, lsize), t.label) for t in sc.others]
    out += legend(f, entries, 8, 0.85)
    out.append("</g>")
    return out


# -- the time panels -------------------------------------------------------------------

def _ylimits(traces: list[tuple[str, list[float]]], zero: bool) -> tuple[float, float]:
    """The data range of ``traces`` (and 0 for ``zero``), with a 5 % margin each way."""
    finite = [v for _label, vs in traces for v in vs if v == v]
    if zero:
        finite.append(0.0)
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - max(1.0, abs(lo) * 0.05), hi + max(1.0, abs(hi) * 0.05)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _time_panels(sc: Scene, left: float, top: float, w: float, h: float) -> list[str]:
    """The traces, the colour bands and the events lane, top to bottom, on one time axis."""
    n = len(sc.heights)
    cell = h / (n + _HSPACE * (n - 1))
    total = sum(sc.heights)
    out: list[str] = []
    y = top
    frames = []
    for rel in sc.heights:
        ch = cell * n * rel / total
        frames.append((y, ch))
        y += ch + _HSPACE * cell
    for k, (title, unit, traces) in enumerate(sc.panels):
        fy, fh = frames[k]
        f = Frame(left, fy, w, fh, 0.0, sc.end_s, *_ylimits(traces, unit.startswith("speed")))
        out += _panel(f, k, title, unit, traces, sc.t)
    for k, band in enumerate(sc.bands):
        fy, fh = frames[len(sc.panels) + k]
        out += _band(Frame(left, fy, w, fh, 0.0, sc.end_s, 0.0, 1.0), k, band)
    fy, fh = frames[-1]
    rows = max(len(sc.events.rows), 1)
    out += _events(Frame(left, fy, w, fh, 0.0, sc.end_s, -0.7, rows - 0.3), sc.events)
    return out


def _panel(f: Frame, k: int, title: str, unit: str, traces: list[tuple[str, list[float]]],
           t: list[float]) -> list[str]:
    out = [f'<g class="panel" id="panel-{k}">', f.clip(f"panel-{k}-clip"), f.box()]
    out += f.xticks(8, labels=False, grid=True)
    ticks, widest = f.yticks(8, grid=True)
    out += ticks
    out.append(f'<g clip-path="url(#panel-{k}-clip)">')
    if unit.startswith("speed"):
        out.append(f.line([0.0, f.x1], [0.0, 0.0], "#808080", 0.6))
    entries = []
    for j, (label, values) in enumerate(traces):
        colour = TRACE_COLORS[j % len(TRACE_COLORS)]
        out.append(f.line(t, values, colour, 1.2,
                          f' class="trace" data-label="{esc(label)}" stroke-linejoin="round"'))
        entries.append((line_handle(colour, 1.2, 7 * PT), label))
    out.append("</g>")
    out.append(f.spines())
    size = 8 * PT
    yx = f.x - 7 * PT - widest - 4 * PT - 0.24 * size
    yy = f.y + f.h / 2
    out.append(text(yx, yy, unit, size, anchor="middle",
                    extra=f' transform="rotate(-90 {num(yx)} {num(yy)})"'))
    out.append(text(f.x, f.y - 6 * PT, title, 9 * PT, extra=' class="panel-title"'))
    out += legend(f, entries, 7, 0.8)
    out.append("</g>")
    return out


def _band(f: Frame, k: int, band: Band) -> list[str]:
    out = [f'<g class="band" id="band-{k}">', f.box("#e8e8e8")]
    out += f.xticks(8, labels=False)
    for label, (colour, bars) in band.spans.items():
        for t0, width in bars:
            out.append(f'<rect x="{num(f.px(t0))}" y="{num(f.y)}" '
                       f'width="{num(width * f.sx)}" height="{num(f.h)}" fill="{colour}" '
                       f'stroke="#606060" stroke-width="{num(0.3 * PT)}" '
                       f'data-label="{esc(label)}"/>')
    size = 7 * PT
    for t, label, colour in band.labels:
        out.append(text(f.px(t), f.y + f.h / 2 + 0.36 * size, label, size, anchor="middle",
                        colour=colour))
    out.append(f.spines())
    out.append(text(f.x, f.y - 6 * PT, band.title, 9 * PT, extra=' class="panel-title"'))
    out.append("</g>")
    return out


def _events(f: Frame, lane: EventLane) -> list[str]:
    out = ['<g class="events" id="events">', f.clip("events-clip"), f.box()]
    out += f.xticks(7, grid=True)
    n = len(lane.rows)
    ticks, _widest = f.yticks(7, named=[(float(n - 1 - i), r) for i, r in enumerate(lane.rows)])
    out += ticks
    out.append('<g clip-path="url(#events-clip)">')
    for t0, width, y, colour in lane.lights:
        out.append(f'<rect class="light" x="{num(f.px(t0))}" y="{num(f.py(y + 0.3))}" '
                   f'width="{num(width * f.sx)}" height="{num(-0.6 * f.sy)}" fill="{colour}" '
                   f'stroke="#606060" stroke-width="{num(0.5 * PT)}"/>')
    marks = []
    if lane.light_marks is not None:
        ts, y = lane.light_marks
        marks.append(("light changes", ts, y, marker("|", "#303030", 12)))
    for t0, t1, y, colour in lane.sounds:
        out.append(f.line([t0, t1], [y, y], colour, 4))
    marks += [(kind, ts, y, marker(m, colour, 7, 2)) for kind, ts, y, m, colour in lane.marks]
    for kind, ts, y, mark in marks:
        out.append(f'<g class="mark" data-kind="{esc(kind)}">')
        out += [f'<g transform="translate({num(f.px(t))} {num(f.py(y))})" data-t="{t:.6g}">'
                f"{mark}</g>" for t in ts]
        out.append("</g>")
    size = 6 * PT
    for t, y, label, colour, late in lane.texts:
        x = f.px(t) + (-3 if late else 3) * PT
        out.append(text(x, f.py(y) - 5 * PT, label, size, anchor="end" if late else "start",
                        colour=colour, extra=' class="event-text"'))
    out.append("</g>")
    out.append(f.spines())
    size = 10 * PT
    out.append(text(f.x + f.w / 2, f.y + f.h + 7 * PT + 7 * PT + 4 * PT + 0.76 * size,
                    "simulated time (s)", size, anchor="middle"))
    out.append(text(f.x, f.y - 6 * PT, lane.title, 9 * PT, extra=' class="panel-title"'))
    out.append("</g>")
    return out
