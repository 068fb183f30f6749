"""Worlds of the simulator: a mat of painted shapes, and walls the robot can bump into.

A world is read from a TOML or JSON file (same structure; see ``docs/worlds.md``) or taken from
the built-in ones (``BUILTIN_WORLDS``).  World frame: x east, y north, millimetres; headings in
degrees counterclockwise from +x.

The sensor queries (``ray_distance``, ``ultrasonic``, ``rect_hits_wall``, ``rect_contact``) run
in the simulator's hot path: they work on precomputed tuples of floats; a coarse uniform grid
over the walls keeps their cost flat when a world has many walls, and a clearance field lets
body queries far from any wall return after one lookup.  The colour of the mat under a sensor
comes from :class:`robokit.sim.surface.Surface` (``World.surface``).
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from robokit.errors import WorldError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from robokit.sim.surface import Surface

__all__ = [
    "BUILTIN_WORLDS",
    "COLORS",
    "CONTACT_BACK",
    "CONTACT_FRONT",
    "CONTACT_LEFT",
    "CONTACT_RIGHT",
    "CONTACT_SIDES",
    "NOTHING_RGB",
    "WALL_STRIDE",
    "Box",
    "Circle",
    "Line",
    "Polygon",
    "Pose",
    "Ring",
    "Wall",
    "World",
    "WorldError",
    "color_hex",
    "load_world",
    "parse_world",
    "reflectance",
]


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------

#: Every colour a world may name: reflectance (r, g, b) in percent under the colour sensor's own
#: light, and the colour used to draw it in plots.  Room-light sensors report white ~95-100 and
#: black ~2-6; a saturated colour is high in its own channel and low in the others, with hues
#: near Pybricks' ``Color`` constants (red 0, orange 30, yellow 60, green 120, cyan 180,
#: blue 240, violet 270, magenta 300).  "none" is no surface at all: it reads like the air
#: beyond the edge of the table (see ``NOTHING_RGB``).
COLORS: dict[str, tuple[tuple[float, float, float], str]] = {
    "black": ((4.0, 4.0, 4.0), "#202020"),
    "white": ((98.0, 98.0, 98.0), "#ffffff"),
    "gray": ((50.0, 50.0, 50.0), "#9a9a9a"),
    "grey": ((50.0, 50.0, 50.0), "#9a9a9a"),
    "red": ((85.0, 10.0, 8.0), "#d62828"),
    "orange": ((95.0, 45.0, 8.0), "#f28c28"),
    "yellow": ((95.0, 88.0, 12.0), "#f5d000"),
    "green": ((10.0, 60.0, 15.0), "#2a9d3a"),
    "cyan": ((10.0, 75.0, 85.0), "#22b8cf"),
    "blue": ((10.0, 18.0, 72.0), "#1f4fc1"),
    "violet": ((45.0, 15.0, 75.0), "#7b3fbf"),
    "magenta": ((80.0, 12.0, 75.0), "#d02ab8"),
    "brown": ((40.0, 22.0, 10.0), "#7a4a1f"),
    "none": ((0.0, 0.0, 0.0), "#000000"),
}

#: What a colour sensor sees where there is no mat (outside the world's bounds, or over a shape
#: painted "none"): nothing comes back, as if the robot had driven off the table.
NOTHING_RGB: tuple[float, float, float] = (0.0, 0.0, 0.0)

#: "#rrggbb" colours map each channel linearly from 0..255 to HEX_DARK..HEX_BRIGHT percent, so
#: that "#000000" reads like named black and "#ffffff" like named white.
HEX_DARK = 4.0
HEX_BRIGHT = 98.0

_HEX_RE = re.compile(r"#[0-9a-fA-F]{6}\Z")


def _color_ok(spec: object) -> bool:
    return isinstance(spec, str) and (spec.lower() in COLORS or bool(_HEX_RE.match(spec)))


def reflectance(color: str) -> tuple[float, float, float]:
    """Reflectance (r, g, b) in percent of a colour name or "#rrggbb"."""
    key = color.lower()
    if key in COLORS:
        return COLORS[key][0]
    if _HEX_RE.match(color):
        k = (HEX_BRIGHT - HEX_DARK) / 255.0
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return (HEX_DARK + r * k, HEX_DARK + g * k, HEX_DARK + b * k)
    raise WorldError(f"{color!r} is not a colour; write one of {_color_names()} or '#rrggbb'")


def color_hex(color: str) -> str:
    """The "#rrggbb" used to draw a colour name or "#rrggbb" in plots."""
    key = color.lower()
    if key in COLORS:
        return COLORS[key][1]
    if _HEX_RE.match(color):
        return color.lower()
    raise WorldError(f"{color!r} is not a colour; write one of {_color_names()} or '#rrggbb'")


def _color_names() -> str:
    return ", ".join(COLORS)


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

Point = tuple[float, float]


class Pose(NamedTuple):
    """A pose in the world frame: mm, mm, degrees counterclockwise from +x (east)."""

    x: float
    y: float
    heading: float


@dataclass(frozen=True)
class Line:
    """A painted polyline (stroke of ``width`` mm, round joins and ends)."""

    points: tuple[Point, ...]
    width: float = 20.0
    color: str = "black"
    closed: bool = False
    kind = "lines"

    def to_dict(self) -> dict[str, Any]:
        return {"points": _plist(self.points), "width": self.width, "color": self.color,
                "closed": self.closed}


@dataclass(frozen=True)
class Polygon:
    """A filled polygon (even-odd rule)."""

    points: tuple[Point, ...]
    color: str = "black"
    kind = "polygons"

    def to_dict(self) -> dict[str, Any]:
        return {"points": _plist(self.points), "color": self.color}


@dataclass(frozen=True)
class Circle:
    """A filled disc."""

    center: Point
    radius: float
    color: str = "black"
    kind = "circles"

    def to_dict(self) -> dict[str, Any]:
        return {"center": list(self.center), "radius": self.radius, "color": self.color}


@dataclass(frozen=True)
class Ring:
    """An annulus: points whose distance from ``center`` is in [radius - width, radius]."""

    center: Point
    radius: float
    width: float
    color: str = "black"
    kind = "rings"

    def to_dict(self) -> dict[str, Any]:
        return {"center": list(self.center), "radius": self.radius, "width": self.width,
                "color": self.color}


@dataclass(frozen=True)
class Wall:
    """A wall along a polyline, ``thickness`` mm thick (centred on the line, rounded ends)."""

    points: tuple[Point, ...]
    thickness: float = 20.0
    height: float = 100.0
    closed: bool = False
    color: str = "gray"
    kind = "walls"

    def to_dict(self) -> dict[str, Any]:
        return {"points": _plist(self.points), "thickness": self.thickness,
                "height": self.height, "closed": self.closed, "color": self.color}


@dataclass(frozen=True)
class Box:
    """A solid rectangular obstacle: ``size`` = (w, h) before turning by ``angle`` degrees."""

    center: Point
    size: tuple[float, float]
    angle: float = 0.0
    height: float = 100.0
    color: str = "brown"
    kind = "boxes"

    def corners(self) -> tuple[Point, Point, Point, Point]:
        """The four corners, counterclockwise."""
        cx, cy = self.center
        hw, hh = self.size[0] / 2.0, self.size[1] / 2.0
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        out = [(cx + c * u - s * v, cy + s * u + c * v)
               for u, v in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))]
        return (out[0], out[1], out[2], out[3])

    def to_dict(self) -> dict[str, Any]:
        return {"center": list(self.center), "size": list(self.size), "angle": self.angle,
                "height": self.height, "color": self.color}


PaintShape = Line | Polygon | Circle | Ring


def _plist(points: tuple[Point, ...]) -> list[list[float]]:
    return [[x, y] for x, y in points]


# --------------------------------------------------------------------------------------------
# Contact sides (World.rect_contact returns a frozenset of these names)
# --------------------------------------------------------------------------------------------

CONTACT_FRONT = 1
CONTACT_BACK = 2
CONTACT_LEFT = 4
CONTACT_RIGHT = 8
_SIDE_NAMES = ((CONTACT_FRONT, "front"), (CONTACT_BACK, "back"), (CONTACT_LEFT, "left"),
               (CONTACT_RIGHT, "right"))
#: The frozenset of side names for each bitmask of CONTACT_* flags (built once, shared).
CONTACT_SIDES: tuple[frozenset[str], ...] = tuple(
    frozenset(name for bit, name in _SIDE_NAMES if mask & bit) for mask in range(16))

#: ``World.walls`` holds this many floats per wall segment: x1, y1, x2, y2, half thickness.
WALL_STRIDE = 5

_GRID_MIN_SEGMENTS = 24  # below this, testing every segment beats walking a grid
_CLEAR_CAP = 400.0  # mm: the clearance field stores distances up to this
_CLEAR_CELL = 20.0  # mm: its finest cell
_CLEAR_MAX_CELLS = 250_000

# One wall segment, precomputed for the queries:
# (ax, ay, bx, by, ux, uy, length, radius, centre x, centre y, bounding radius)
_Seg = tuple[float, float, float, float, float, float, float, float, float, float, float]

_INF = math.inf


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


class World:
    """A loaded world: the mat's shapes, the walls, the bounds and the start pose.

    Treat it as immutable: the surface raster and the wall index are built from it once.
    """

    def __init__(
        self,
        name: str,
        bounds: tuple[float, float, float, float],
        *,
        background: str = "white",
        start: Pose | None = None,
        shapes: tuple[PaintShape, ...] = (),
        walls: tuple[Wall, ...] = (),
        boxes: tuple[Box, ...] = (),
        description: str = "",
        source: str = "<world>",
    ) -> None:
        self.name = name
        self.description = description
        self.source = source
        self.bounds = bounds
        self.background = background
        self.background_rgb = reflectance(background)
        xmin, ymin, xmax, ymax = bounds
        self.start = start if start is not None else Pose((xmin + xmax) / 2, (ymin + ymax) / 2, 0.0)
        #: Painted shapes in paint order (later ones on top).
        self.shapes = shapes
        self.lines = tuple(s for s in shapes if isinstance(s, Line))
        self.polygons = tuple(s for s in shapes if isinstance(s, Polygon))
        self.circles = tuple(s for s in shapes if isinstance(s, Circle))
        self.rings = tuple(s for s in shapes if isinstance(s, Ring))
        self.wall_shapes = walls
        self.boxes = boxes
        self._surface: Surface | None = None
        self._ray_offsets: dict[tuple[float, int], tuple[tuple[float, float], ...]] = {}
        self._build_walls()

    def __repr__(self) -> str:
        return (f"World({self.name!r}, bounds={self.bounds}, shapes={len(self.shapes)}, "
                f"walls={len(self._segs)} segments)")

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> World:
        """Build a world from a dict shaped like a world file (raises WorldError if wrong)."""
        return _parse(d, source, _Locator(None, "dict"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of the world (world-file structure, plus the paint ``order``)."""
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "bounds": list(self.bounds),
            "background": self.background,
            "start": {"x": self.start.x, "y": self.start.y, "heading": self.start.heading},
        }
        order: list[list[Any]] = []
        counts: dict[str, int] = {}
        for kind in _SHAPE_KINDS:
            out[kind] = []
        for s in self.shapes:
            out[s.kind].append(s.to_dict())
            order.append([s.kind, counts.get(s.kind, 0)])
            counts[s.kind] = counts.get(s.kind, 0) + 1
        out["walls"] = [w.to_dict() for w in self.wall_shapes]
        out["boxes"] = [b.to_dict() for b in self.boxes]
        out["order"] = order
        return out

    @property
    def surface(self) -> Surface:
        """The mat raster with O(1) colour footprints, built on first use and kept."""
        if self._surface is None:
            from robokit.sim.surface import Surface

            self._surface = Surface(self)
        return self._surface

    def prepare(self, surface: bool = True) -> None:
        """Build the lazily made lookup structures now (the mat raster, the wall
        clearance map), so that a timed run does not pay for them."""
        if surface:
            _ = self.surface
        if self.walls and self._clear is None:
            self._build_clearance()

    def _build_walls(self) -> None:
        segs: list[_Seg] = []
        flat: list[float] = []

        def add(ax: float, ay: float, bx: float, by: float, r: float) -> None:
            ex, ey = bx - ax, by - ay
            length = math.hypot(ex, ey)
            ux, uy = (ex / length, ey / length) if length > 0 else (1.0, 0.0)
            segs.append((ax, ay, bx, by, ux, uy, length, r, (ax + bx) / 2, (ay + by) / 2,
                         length / 2 + r))
            flat.extend((ax, ay, bx, by, r))

        for w in self.wall_shapes:
            pts = list(w.points)
            if w.closed and pts[0] != pts[-1]:
                pts.append(pts[0])
            r = w.thickness / 2.0
            if len(set(pts)) == 1:  # a post: all points the same
                add(pts[0][0], pts[0][1], pts[0][0], pts[0][1], r)
                continue
            for (ax, ay), (bx, by) in pairwise(pts):
                if (ax, ay) != (bx, by):
                    add(ax, ay, bx, by, r)
        polys: list[tuple[Point, ...]] = []
        for b in self.boxes:
            cs = b.corners()
            polys.append(cs)
            for i in range(4):
                (ax, ay), (bx, by) = cs[i], cs[(i + 1) % 4]
                add(ax, ay, bx, by, 0.0)
        #: Flat wall data, WALL_STRIDE floats per segment: x1, y1, x2, y2, half thickness.
        #: Box outlines are included as zero-thickness segments.
        self.walls: list[float] = flat
        self._segs: tuple[_Seg, ...] = tuple(segs)
        self._box_polys: tuple[tuple[Point, ...], ...] = tuple(polys)
        self._grid: tuple[tuple[_Seg, ...], ...] | None = None
        self._gx0 = self._gy0 = self._gcell = 0.0
        self._gnx = self._gny = 0
        # clearance field (built on the first body query): a lower bound of the distance from
        # any point of a cell to the nearest wall surface, capped; lets far-from-wall queries
        # return after one lookup
        self._clear: list[float] | None = None
        self._cx0 = self._cy0 = 0.0
        self._ccell = 1.0
        self._cnx = self._cny = 0
        if len(segs) >= _GRID_MIN_SEGMENTS:
            self._build_grid()

    def _build_grid(self) -> None:
        segs = self._segs
        x0 = min(min(s[0], s[2]) - s[7] for s in segs)
        x1 = max(max(s[0], s[2]) + s[7] for s in segs)
        y0 = min(min(s[1], s[3]) - s[7] for s in segs)
        y1 = max(max(s[1], s[3]) + s[7] for s in segs)
        area = max((x1 - x0) * (y1 - y0), 1.0)
        cell = min(max(math.sqrt(area / len(segs)) * 1.5, 100.0), 2000.0)
        nx = max(1, math.ceil((x1 - x0) / cell))
        ny = max(1, math.ceil((y1 - y0) / cell))
        cells: list[list[_Seg]] = [[] for _ in range(nx * ny)]
        for s in segs:
            r = s[7]
            i0 = max(0, int((min(s[0], s[2]) - r - x0) / cell))
            i1 = min(nx - 1, int((max(s[0], s[2]) + r - x0) / cell))
            j0 = max(0, int((min(s[1], s[3]) - r - y0) / cell))
            j1 = min(ny - 1, int((max(s[1], s[3]) + r - y0) / cell))
            for j in range(j0, j1 + 1):
                for i in range(i0, i1 + 1):
                    if _seg_box_dist2(s, x0 + i * cell, y0 + j * cell, cell) <= r * r:
                        cells[j * nx + i].append(s)
        self._grid = tuple(tuple(c) for c in cells)
        self._gx0, self._gy0, self._gcell, self._gnx, self._gny = x0, y0, cell, nx, ny

    # ---- rays ---------------------------------------------------------------------------

    def ray_distance(self, x: float, y: float, heading_deg: float, max_mm: float = 2000.0
                     ) -> float:
        """Distance (mm) from (x, y) along ``heading_deg`` to the nearest wall face, or max_mm."""
        if self._box_polys and self._in_box(x, y):
            return 0.0
        a = math.radians(heading_deg)
        return self._ray(x, y, math.cos(a), math.sin(a), max_mm)

    def _in_box(self, x: float, y: float) -> bool:
        if self._clearance(x, y) > 0.0:
            return False
        for poly in self._box_polys:
            if _point_in_poly(x, y, poly):
                return True
        return False

    def ultrasonic(self, x: float, y: float, heading_deg: float, cone_deg: float = 20.0,
                   rays: int = 5, max_mm: float = 2000.0) -> float:
        """Nearest wall over ``rays`` rays spread evenly across heading ± cone_deg, or max_mm."""
        key = (cone_deg, rays)
        offs = self._ray_offsets.get(key)
        if offs is None:
            if rays <= 1:
                angles = [0.0]
            else:
                angles = [-cone_deg + 2.0 * cone_deg * i / (rays - 1) for i in range(rays)]
            offs = tuple((math.cos(math.radians(t)), math.sin(math.radians(t))) for t in angles)
            self._ray_offsets[key] = offs
        if self._box_polys and self._in_box(x, y):
            return 0.0
        a = math.radians(heading_deg)
        c, s = math.cos(a), math.sin(a)
        best = max_mm
        if self._grid is None:
            segs = self._cone_segments(x, y, c, s, cone_deg, max_mm)
            if not segs:
                return max_mm
            for oc, os_ in offs:
                d = _ray_segs(segs, x, y, c * oc - s * os_, s * oc + c * os_, best)
                if d < best:
                    best = d
            return best
        ray = self._ray_grid
        for oc, os_ in offs:
            d = ray(x, y, c * oc - s * os_, s * oc + c * os_, best)
            if d < best:
                best = d
        return best

    def _cone_segments(self, ox: float, oy: float, dx: float, dy: float, cone_deg: float,
                       max_mm: float) -> tuple[_Seg, ...] | list[_Seg]:
        """The segments whose bounding circle may meet the cone heading (dx, dy) +- cone."""
        segs = self._segs
        if not segs or cone_deg >= 89.0 or cone_deg < 0.0:
            return segs
        t = math.radians(cone_deg)
        ct, st = math.cos(t), math.sin(t)
        out: list[_Seg] = []
        for seg in segs:
            ex = seg[8] - ox
            ey = seg[9] - oy
            rr = seg[10]
            e2 = ex * ex + ey * ey
            if e2 <= rr * rr:
                out.append(seg)
                continue
            e = math.sqrt(e2)
            if e - rr > max_mm:
                continue
            tc = ex * dx + ey * dy
            pp = abs(ex * dy - ey * dx)
            if tc >= 0.0 and pp * ct <= tc * st:
                out.append(seg)  # centre inside the wedge
                continue
            dist = e if tc * ct + pp * st <= 0.0 else abs(pp * ct - tc * st)
            if dist <= rr:
                out.append(seg)
        return out

    def _ray(self, ox: float, oy: float, dx: float, dy: float, max_mm: float) -> float:
        if self._grid is not None:
            return self._ray_grid(ox, oy, dx, dy, max_mm)
        return _ray_segs(self._segs, ox, oy, dx, dy, max_mm)

    def _ray_grid(self, ox: float, oy: float, dx: float, dy: float, max_mm: float) -> float:
        cell = self._gcell
        gx0, gy0, nx, ny = self._gx0, self._gy0, self._gnx, self._gny
        grid = self._grid
        assert grid is not None
        gx1 = gx0 + nx * cell
        gy1 = gy0 + ny * cell
        t0, t1 = 0.0, max_mm
        if dx != 0.0:
            ta, tb = (gx0 - ox) / dx, (gx1 - ox) / dx
            if ta > tb:
                ta, tb = tb, ta
            t0, t1 = max(t0, ta), min(t1, tb)
        elif not gx0 <= ox <= gx1:
            return max_mm
        if dy != 0.0:
            ta, tb = (gy0 - oy) / dy, (gy1 - oy) / dy
            if ta > tb:
                ta, tb = tb, ta
            t0, t1 = max(t0, ta), min(t1, tb)
        elif not gy0 <= oy <= gy1:
            return max_mm
        if t0 > t1:
            return max_mm
        ix = min(nx - 1, max(0, int((ox + dx * t0 - gx0) / cell)))
        iy = min(ny - 1, max(0, int((oy + dy * t0 - gy0) / cell)))
        if dx > 0.0:
            sx, tmx, tdx = 1, (gx0 + (ix + 1) * cell - ox) / dx, cell / dx
        elif dx < 0.0:
            sx, tmx, tdx = -1, (gx0 + ix * cell - ox) / dx, -cell / dx
        else:
            sx, tmx, tdx = 0, _INF, _INF
        if dy > 0.0:
            sy, tmy, tdy = 1, (gy0 + (iy + 1) * cell - oy) / dy, cell / dy
        elif dy < 0.0:
            sy, tmy, tdy = -1, (gy0 + iy * cell - oy) / dy, -cell / dy
        else:
            sy, tmy, tdy = 0, _INF, _INF
        best = max_mm
        while True:
            for seg in grid[iy * nx + ix]:
                ex = seg[8] - ox
                ey = seg[9] - oy
                rr = seg[10]
                perp = ex * dy - ey * dx
                if perp > rr or perp < -rr:
                    continue
                tc = ex * dx + ey * dy
                if tc - rr > best or tc + rr < 0.0:
                    continue
                t = _seg_ray(seg, ox, oy, dx, dy)
                if t < best:
                    best = t
            if tmx < tmy:
                if best <= tmx or tmx > t1:
                    break
                ix += sx
                tmx += tdx
                if ix < 0 or ix >= nx:
                    break
            else:
                if best <= tmy or tmy > t1:
                    break
                iy += sy
                tmy += tdy
                if iy < 0 or iy >= ny:
                    break
        return best

    # ---- body rectangle -------------------------------------------------------------------

    def _candidates(self, cx: float, cy: float, reach: float) -> tuple[_Seg, ...] | list[_Seg]:
        grid = self._grid
        if grid is None:
            return self._segs
        cell, gx0, gy0, nx, ny = self._gcell, self._gx0, self._gy0, self._gnx, self._gny
        i0 = max(0, int((cx - reach - gx0) // cell))
        i1 = min(nx - 1, int((cx + reach - gx0) // cell))
        j0 = max(0, int((cy - reach - gy0) // cell))
        j1 = min(ny - 1, int((cy + reach - gy0) // cell))
        if i0 > i1 or j0 > j1:
            return ()
        if i0 == i1 and j0 == j1:
            return grid[j0 * nx + i0]
        out: list[_Seg] = []
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                out.extend(grid[j * nx + i])
        return out

    def _build_clearance(self) -> list[float]:
        import numpy as np

        segs = self._segs
        if not segs:
            self._clear = []
            return self._clear
        bx0, by0, bx1, by1 = self.bounds
        x0 = min(bx0, min(min(s[0], s[2]) - s[7] for s in segs)) - _CLEAR_CAP
        x1 = max(bx1, max(max(s[0], s[2]) + s[7] for s in segs)) + _CLEAR_CAP
        y0 = min(by0, min(min(s[1], s[3]) - s[7] for s in segs)) - _CLEAR_CAP
        y1 = max(by1, max(max(s[1], s[3]) + s[7] for s in segs)) + _CLEAR_CAP
        cell = max(_CLEAR_CELL, math.sqrt((x1 - x0) * (y1 - y0) / _CLEAR_MAX_CELLS))
        nx = max(1, math.ceil((x1 - x0) / cell))
        ny = max(1, math.ceil((y1 - y0) / cell))
        field = np.full((ny, nx), _CLEAR_CAP)
        xs = x0 + (np.arange(nx) + 0.5) * cell
        ys = y0 + (np.arange(ny) + 0.5) * cell

        def window(xa: float, ya: float, xb: float, yb: float) -> tuple[slice, slice]:
            i0 = max(0, math.floor((xa - x0) / cell))
            i1 = min(nx, math.ceil((xb - x0) / cell))
            j0 = max(0, math.floor((ya - y0) / cell))
            j1 = min(ny, math.ceil((yb - y0) / cell))
            return slice(j0, max(j0, j1)), slice(i0, max(i0, i1))

        for ax, ay, bx, by, _ux, _uy, _l, r, _cx, _cy, _rr in segs:
            reach = r + _CLEAR_CAP
            sj, si = window(min(ax, bx) - reach, min(ay, by) - reach,
                            max(ax, bx) + reach, max(ay, by) + reach)
            X = xs[None, si]
            Y = ys[sj, None]
            ex, ey = bx - ax, by - ay
            ll = ex * ex + ey * ey
            if ll > 0.0:
                t = np.clip(((X - ax) * ex + (Y - ay) * ey) / ll, 0.0, 1.0)
                d = np.hypot(ax + t * ex - X, ay + t * ey - Y) - r
            else:
                d = np.hypot(X - ax, Y - ay) - r
            sub = field[sj, si]
            np.minimum(sub, d, out=sub)
        for poly in self._box_polys:
            sj, si = window(min(p[0] for p in poly), min(p[1] for p in poly),
                            max(p[0] for p in poly), max(p[1] for p in poly))
            X = xs[None, si]
            Y = ys[sj, None]
            inside = np.zeros((len(ys[sj]), len(xs[si])), dtype=bool)
            for k in range(len(poly)):
                (ax, ay), (bx, by) = poly[k], poly[(k + 1) % len(poly)]
                if ay != by:
                    inside ^= ((ay > Y) != (by > Y)) & (X < ax + (Y - ay) * ((bx - ax) / (by - ay)))
            field[sj, si][inside] = -1.0
        field -= cell * math.sqrt(0.5)
        self._clear = field.ravel().tolist()
        self._cx0, self._cy0, self._ccell, self._cnx, self._cny = x0, y0, cell, nx, ny
        return self._clear

    def _clearance(self, x: float, y: float) -> float:
        """A lower bound of the distance from (x, y) to the nearest wall, capped (or -1)."""
        clear = self._clear
        if clear is None:
            clear = self._build_clearance()
        fx = (x - self._cx0) / self._ccell
        fy = (y - self._cy0) / self._ccell
        if fx < 0.0 or fy < 0.0:
            return -1.0
        i = int(fx)
        j = int(fy)
        if i >= self._cnx or j >= self._cny:
            return -1.0
        return clear[j * self._cnx + i]

    def rect_hits_wall(self, x: float, y: float, heading_deg: float, front: float, back: float,
                       half_width: float) -> bool:
        """Does the body rectangle overlap a wall or box?

        The rectangle, in the robot frame (x forward from the pose point, y to the left), spans
        x from ``back`` to ``front`` (``back`` is a coordinate: -60 for a body 60 mm behind the
        axle, as robot.toml's ``body.back``) and y from -half_width to +half_width.  Touching
        counts as overlapping.
        """
        a = math.radians(heading_deg)
        c, s = math.cos(a), math.sin(a)
        mid = (front + back) / 2.0
        hx = (front - back) / 2.0
        hy = half_width
        rcx, rcy = x + c * mid, y + s * mid
        big = math.sqrt(hx * hx + hy * hy)
        if not self._segs or self._clearance(rcx, rcy) > big:
            return False
        for seg in self._candidates(rcx, rcy, big):
            r = seg[7]
            rr = seg[10] + big
            ex, ey = seg[8] - rcx, seg[9] - rcy
            if ex * ex + ey * ey > rr * rr:
                continue
            # the segment's ends in the rectangle's frame (centred, axis-aligned)
            px, py = seg[0] - rcx, seg[1] - rcy
            ax_, ay_ = c * px + s * py, c * py - s * px
            px, py = seg[2] - rcx, seg[3] - rcy
            bx_, by_ = c * px + s * py, c * py - s * px
            if _seg_aabb_dist2(ax_, ay_, bx_, by_, hx, hy) <= r * r:
                return True
        for poly in self._box_polys:
            if _point_in_poly(rcx, rcy, poly):
                return True
        return False

    def rect_contact(self, x: float, y: float, heading_deg: float, front: float, back: float,
                     half_width: float, margin: float = 1.0) -> frozenset[str]:
        """Sides of the body rectangle within ``margin`` mm of a wall or box.

        A frozenset of "front", "back", "left", "right" (empty: no contact; shared objects, no
        allocation); the rectangle is as in :meth:`rect_hits_wall`.  A side that a wall
        overlaps is in contact; a wall at a corner touches both sides of that corner.
        ``rect_contact_mask`` gives the same as a bitmask of CONTACT_* flags.
        """
        return CONTACT_SIDES[self.rect_contact_mask(x, y, heading_deg, front, back, half_width,
                                                    margin)]

    def rect_contact_mask(self, x: float, y: float, heading_deg: float, front: float,
                          back: float, half_width: float, margin: float = 1.0) -> int:
        """:meth:`rect_contact` as an OR of CONTACT_FRONT/BACK/LEFT/RIGHT (0: no contact)."""
        a = math.radians(heading_deg)
        c, s = math.cos(a), math.sin(a)
        mid = (front + back) / 2.0
        hx = (front - back) / 2.0
        hy = half_width
        rcx, rcy = x + c * mid, y + s * mid
        big = math.sqrt(hx * hx + hy * hy) + margin
        hm = margin / 2.0
        fx = hx + hm
        fy = hy + hm
        # the strips stop margin/2 short of the corners, so that a wall flush against one side
        # (or pressed a little into it) does not count for the sides next to it
        end = hm if hm > 1e-6 else 1e-6
        sx = hx - end if hx > end else 0.0
        sy = hy - end if hy > end else 0.0
        if not self._segs or self._clearance(rcx, rcy) > big:
            return 0
        out = 0
        for seg in self._candidates(rcx, rcy, big):
            rr = seg[10] + big
            ex, ey = seg[8] - rcx, seg[9] - rcy
            if ex * ex + ey * ey > rr * rr:
                continue
            r2 = seg[7] * seg[7]
            px, py = seg[0] - rcx, seg[1] - rcy
            ax_, ay_ = c * px + s * py, c * py - s * px
            px, py = seg[2] - rcx, seg[3] - rcy
            bx_, by_ = c * px + s * py, c * py - s * px
            # a side is in contact when the wall reaches into the strip `margin` deep just
            # outside that side
            hit = 0
            if _seg_aabb_dist2(ax_ - fx, ay_, bx_ - fx, by_, hm, sy) <= r2:
                hit = CONTACT_FRONT
            if _seg_aabb_dist2(ax_ + fx, ay_, bx_ + fx, by_, hm, sy) <= r2:
                hit |= CONTACT_BACK
            if _seg_aabb_dist2(ax_, ay_ - fy, bx_, by_ - fy, sx, hm) <= r2:
                hit |= CONTACT_LEFT
            if _seg_aabb_dist2(ax_, ay_ + fy, bx_, by_ + fy, sx, hm) <= r2:
                hit |= CONTACT_RIGHT
            if not hit:
                # only a corner within reach: both sides of that corner
                lim = seg[7] + margin
                lim2 = lim * lim
                if _pt_seg_dist2(hx, hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_FRONT | CONTACT_LEFT
                if _pt_seg_dist2(hx, -hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_FRONT | CONTACT_RIGHT
                if _pt_seg_dist2(-hx, hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_BACK | CONTACT_LEFT
                if _pt_seg_dist2(-hx, -hy, ax_, ay_, bx_, by_) <= lim2:
                    hit |= CONTACT_BACK | CONTACT_RIGHT
            out |= hit
        return out


# --------------------------------------------------------------------------------------------
# Geometry kernels (plain floats; no allocation)
# --------------------------------------------------------------------------------------------


def _ray_segs(segs: tuple[_Seg, ...] | list[_Seg], ox: float, oy: float, dx: float, dy: float,
              best: float) -> float:
    """Nearest hit along the unit ray over ``segs``, or ``best`` if none is nearer."""
    for seg in segs:
        ax, ay, _bx, _by, ux, uy, length, r, cx, cy, rr = seg
        ex = cx - ox
        ey = cy - oy
        perp = ex * dy - ey * dx
        if perp > rr or perp < -rr:
            continue
        tc = ex * dx + ey * dy
        if tc - rr > best or tc + rr < 0.0:
            continue
        # the flat faces, inline (the common case); the round ends in _seg_ray
        px = ox - ax
        py = oy - ay
        ov = py * ux - px * uy
        dv = dy * ux - dx * uy
        if ov > r:
            if dv >= 0.0 or r == 0.0:  # a box's edge seen from inside the box: not a face
                continue
            t = (r - ov) / dv
        elif ov < -r:
            if dv <= 0.0:
                continue
            t = (-r - ov) / dv
        else:
            t = _seg_ray(seg, ox, oy, dx, dy)
            if t < best:
                best = t
            continue
        u = px * ux + py * uy + t * (dx * ux + dy * uy)
        if 0.0 <= u <= length:
            if t < best:
                best = t
        elif r > 0.0:
            t = _seg_ray(seg, ox, oy, dx, dy)
            if t < best:
                best = t
    return best


def _seg_ray(seg: _Seg, ox: float, oy: float, dx: float, dy: float) -> float:
    """Distance along the unit ray to the capsule ``seg`` (segment + radius); inf if missed."""
    ax, ay, _bx, _by, ux, uy, length, r, _cx, _cy, _rr = seg
    px, py = ox - ax, oy - ay
    ou = px * ux + py * uy
    ov = py * ux - px * uy
    du = dx * ux + dy * uy
    dv = dy * ux - dx * uy
    if ov > r:
        if dv >= 0.0 or r == 0.0:  # a box's edge (counterclockwise) seen from inside
            return _INF
        t = (r - ov) / dv
    elif ov < -r:
        if dv <= 0.0:
            return _INF
        t = (-r - ov) / dv
    else:
        if 0.0 <= ou <= length:
            return 0.0
        t = -1.0
    if t >= 0.0:
        u = ou + t * du
        if 0.0 <= u <= length:
            return t
    if r <= 0.0:
        return _INF
    # the round caps at both ends
    best = _INF
    rr = r * r
    ov2 = ov * ov
    vb = ov * dv
    b = ou * du + vb
    cc = ou * ou + ov2 - rr
    if cc <= 0.0:
        return 0.0
    disc = b * b - cc
    if disc >= 0.0 and b < 0.0:
        best = -b - math.sqrt(disc)
    wu = ou - length
    b = wu * du + vb
    cc = wu * wu + ov2 - rr
    if cc <= 0.0:
        return 0.0
    disc = b * b - cc
    if disc >= 0.0 and b < 0.0:
        t = -b - math.sqrt(disc)
        if t < best:
            best = t
    return best


def _seg_aabb_dist2(ax: float, ay: float, bx: float, by: float, hx: float, hy: float) -> float:
    """Squared distance from segment a-b to the box [-hx, hx] x [-hy, hy] (0 if they meet)."""
    # Liang-Barsky: does the segment enter the box?
    t0, t1 = 0.0, 1.0
    dx, dy = bx - ax, by - ay
    inside = True
    for p, q in ((-dx, ax + hx), (dx, hx - ax), (-dy, ay + hy), (dy, hy - ay)):
        if p == 0.0:
            if q < 0.0:
                inside = False
                break
        else:
            t = q / p
            if p < 0.0:
                if t > t1:
                    inside = False
                    break
                if t > t0:
                    t0 = t
            else:
                if t < t0:
                    inside = False
                    break
                if t < t1:
                    t1 = t
    if inside:
        return 0.0
    # disjoint convex shapes: the nearest pair involves a vertex of one of them
    ex = abs(ax) - hx
    ey = abs(ay) - hy
    ex = ex if ex > 0.0 else 0.0
    ey = ey if ey > 0.0 else 0.0
    best = ex * ex + ey * ey
    ex = abs(bx) - hx
    ey = abs(by) - hy
    ex = ex if ex > 0.0 else 0.0
    ey = ey if ey > 0.0 else 0.0
    d = ex * ex + ey * ey
    if d < best:
        best = d
    ll = dx * dx + dy * dy
    if ll > 0.0:
        for cx, cy in ((hx, hy), (-hx, hy), (-hx, -hy), (hx, -hy)):
            t = ((cx - ax) * dx + (cy - ay) * dy) / ll
            if 0.0 < t < 1.0:
                qx = ax + t * dx - cx
                qy = ay + t * dy - cy
                d = qx * qx + qy * qy
                if d < best:
                    best = d
    return best


def _pt_seg_dist2(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = 0.0 if ll == 0.0 else ((px - ax) * dx + (py - ay) * dy) / ll
    t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
    qx = ax + t * dx - px
    qy = ay + t * dy - py
    return qx * qx + qy * qy


def _seg_seg_dist2(ax: float, ay: float, bx: float, by: float,
                   cx: float, cy: float, dx: float, dy: float) -> float:
    """Squared distance between segments a-b and c-d."""
    # proper or touching intersection -> 0
    d1 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
    d2 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
    d3 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    d4 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
    if ((d1 > 0.0 > d2) or (d1 < 0.0 < d2)) and ((d3 > 0.0 > d4) or (d3 < 0.0 < d4)):
        return 0.0
    return min(_pt_seg_dist2(ax, ay, cx, cy, dx, dy), _pt_seg_dist2(bx, by, cx, cy, dx, dy),
               _pt_seg_dist2(cx, cy, ax, ay, bx, by), _pt_seg_dist2(dx, dy, ax, ay, bx, by))


def _seg_box_dist2(seg: _Seg, x0: float, y0: float, size: float) -> float:
    """Squared distance from a segment's centre line to the square cell [x0, x0+size]^2."""
    h = size / 2.0
    cx, cy = x0 + h, y0 + h
    return _seg_aabb_dist2(seg[0] - cx, seg[1] - cy, seg[2] - cx, seg[3] - cy, h, h)


def _point_in_poly(x: float, y: float, poly: tuple[Point, ...]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------

_WORLDS_DIR = Path(__file__).resolve().parent / "worlds"

#: Names of the built-in worlds (``src/robokit/sim/worlds/<name>.toml``).
BUILTIN_WORLDS: tuple[str, ...] = ("empty", "oval", "arena", "maze", "sumo", "mat")

_SHAPE_KINDS = ("lines", "polygons", "circles", "rings")
_TOP_KEYS = ("name", "description", "size", "bounds", "background", "start", "lines",
             "polygons", "circles", "rings", "walls", "boxes", "order")
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "lines": ("points", "width", "color", "closed"),
    "polygons": ("points", "color"),
    "circles": ("center", "radius", "color"),
    "rings": ("center", "radius", "width", "color"),
    "walls": ("points", "thickness", "height", "closed", "color"),
    "boxes": ("center", "size", "angle", "height", "color"),
}
_KIND_NOUN = {"lines": "line", "polygons": "polygon", "circles": "circle", "rings": "ring",
              "walls": "wall", "boxes": "box"}
_EXAMPLE = {
    "points": "points = [[0, 0], [500, 0]]",
    "width": "width = 20",
    "color": 'color = "black"',
    "closed": "closed = true",
    "center": "center = [0, 0]",
    "radius": "radius = 100",
    "thickness": "thickness = 20",
    "height": "height = 100",
    "size": "size = [200, 100]",
    "angle": "angle = 30",
    "x": "x = 0",
    "y": "y = 0",
    "heading": "heading = 90",
}

_cache: dict[Any, World] = {}
_CACHE_MAX = 16


def load_world(name_or_path: str | Path | World) -> World:
    """A built-in world by name, or a world file (.toml or .json) by path; raises WorldError.

    Built-in worlds, and files that have not changed, come back as the same World object, so
    its surface raster is built once per process.
    """
    if isinstance(name_or_path, World):
        return name_or_path
    text_name = str(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_WORLDS:
        path = _WORLDS_DIR / f"{name_or_path}.toml"
        label = f"{name_or_path}.toml (built-in world)"
    else:
        path = Path(name_or_path)
        label = text_name
        if not path.is_file():
            looks_like_path = (path.suffix.lower() in (".toml", ".json") or "/" in text_name
                               or "\\" in text_name)
            if looks_like_path:
                raise WorldError(f"{text_name}: no such world file; give the path of a .toml "
                                 f"or .json world, or one of the built-in worlds: "
                                 f"{', '.join(BUILTIN_WORLDS)}")
            raise WorldError(f"{text_name!r} is not a built-in world; the built-in worlds are "
                             f"{', '.join(BUILTIN_WORLDS)} (a path to a .toml or .json world "
                             f"file works too)")
    try:
        st = path.stat()
        key: Any = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError as e:  # pragma: no cover - raced away
        raise WorldError(f"{label}: cannot read the world file ({e.strerror})") from None
    hit = _cache.get(key)
    if hit is not None:
        return hit
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise WorldError(f"{label}: cannot read the world file ({e})") from None
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    world = parse_world(text, label, fmt)
    if len(_cache) >= _CACHE_MAX:
        _cache.pop(next(iter(_cache)))
    _cache[key] = world
    return world


def parse_world(text: str, source: str = "<text>", fmt: str = "toml") -> World:
    """Build a world from the text of a world file; ``fmt`` is "toml" or "json"."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise WorldError(f"{source}:{e.lineno}: JSON syntax error: {e.msg} "
                             f"(column {e.colno})") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            msg = str(e)
            m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
            if m:
                core = msg[: m.start()].rstrip()
                raise WorldError(f"{source}:{m.group(1)}: TOML syntax error: {core} "
                                 f"(column {m.group(2)})") from None
            raise WorldError(f"{source}: TOML syntax error: {msg}") from None
    if not isinstance(data, dict):
        raise WorldError(f"{source}:1: a world file must hold a table (a JSON object) at the top")
    return _parse(data, source, _Locator(text, fmt))


class _Locator:
    """Finds the line of a table or key in the world file's text, for error messages."""

    def __init__(self, text: str | None, fmt: str) -> None:
        self.text = text
        self.fmt = fmt
        self._spans: dict[str, list[tuple[int, int]]] = {}
        self.has_headers = False

    def line(self, offset: int | None) -> int | None:
        if offset is None or self.text is None:
            return None
        return self.text.count("\n", 0, offset) + 1

    def spans(self, kind: str) -> list[tuple[int, int]]:
        """(start, end) text offsets of each item of array ``kind`` (or of table ``start``)."""
        if kind in self._spans:
            return self._spans[kind]
        out: list[tuple[int, int]] = []
        text = self.text
        if text is not None:
            out = self._json_spans(text, kind) if self.fmt == "json" else self._toml_spans(text,
                                                                                          kind)
        self._spans[kind] = out
        return out

    def _toml_spans(self, text: str, kind: str) -> list[tuple[int, int]]:
        k = re.escape(kind)
        headers = [m.start() for m in re.finditer(r"^[ \t]*\[", text, re.M)]

        def end_of(start: int) -> int:
            return next((h for h in headers if h > start), len(text))

        found = [m.start() for m in re.finditer(rf"^[ \t]*\[\[[ \t]*{k}[ \t]*\]\]", text, re.M)]
        if not found:
            found = [m.start() for m in re.finditer(rf"^[ \t]*\[[ \t]*{k}[ \t]*\]", text, re.M)]
        if found:
            return [(s, end_of(s)) for s in found]
        first = headers[0] if headers else len(text)
        m = re.search(rf"^[ \t]*{k}[ \t]*=", text[:first], re.M)
        if m is None:
            return []
        # an inline array: one item per '{' at the top level of the value
        start = m.end()
        out: list[tuple[int, int]] = []
        depth = 0
        item_start = start
        i = start
        in_str: str | None = None
        while i < len(text):
            ch = text[i]
            if in_str:
                if ch == "\\" and in_str == '"':
                    i += 2
                    continue
                if ch == in_str:
                    in_str = None
            elif ch in "\"'":
                in_str = ch
            elif ch in "[{":
                if ch == "{" and depth == 1 and kind != "start":
                    item_start = i
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 1 and ch == "}" and kind != "start":
                    out.append((item_start, i + 1))
                if depth <= 0:
                    if kind == "start":
                        out.append((start, i + 1))
                    break
            elif ch == "#" and not in_str:
                nl = text.find("\n", i)
                i = len(text) if nl < 0 else nl
                continue
            i += 1
        return out or [(start, start)]

    def _json_spans(self, text: str, kind: str) -> list[tuple[int, int]]:
        m = re.search(rf'"{re.escape(kind)}"\s*:\s*', text)
        if m is None:
            return []
        dec = json.JSONDecoder()
        i = m.end()
        if i < len(text) and text[i] == "{":
            try:
                return [(i, dec.raw_decode(text, i)[1])]
            except ValueError:
                return [(i, i)]
        if i >= len(text) or text[i] != "[":
            return [(m.start(), m.end())]
        out: list[tuple[int, int]] = []
        i += 1
        ws = re.compile(r"[\s,]*")
        while True:
            i = ws.match(text, i).end()  # type: ignore[union-attr]
            if i >= len(text) or text[i] == "]":
                break
            try:
                _, end = dec.raw_decode(text, i)
            except ValueError:
                break
            out.append((i, end))
            i = end
        return out

    def item(self, kind: str, index: int) -> int | None:
        sp = self.spans(kind)
        if index < len(sp):
            return sp[index][0]
        return sp[0][0] if sp else None

    def key(self, kind: str | None, index: int | None, key: str) -> int | None:
        text = self.text
        if text is None:
            return None
        if kind is None:
            span = (0, len(text))
            if self.fmt == "toml":
                m = re.search(r"^[ \t]*\[", text, re.M)
                span = (0, m.start() if m else len(text))
        else:
            sp = self.spans(kind)
            i = index or 0
            if not sp:
                return None
            span = sp[i] if i < len(sp) else sp[0]
        k = re.escape(key)
        pat = rf'"{k}"\s*:' if self.fmt == "json" else rf"(?:^|[\s{{,])[\"']?{k}[\"']?[ \t]*="
        m = re.compile(pat, re.M).search(text, span[0], span[1])
        if m is None and kind is None and self.fmt == "toml":
            m = re.search(rf"^[ \t]*\[\[?[ \t]*{k}[ \t]*\]", text, re.M)
        if m is None:
            return span[0] if kind is not None else None
        return m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))


class _Ctx:
    def __init__(self, source: str, loc: _Locator) -> None:
        self.source = source
        self.loc = loc

    def fail(self, msg: str, kind: str | None = None, index: int | None = None,
             key: str | None = None) -> NoReturn:
        if key is not None:
            off = self.loc.key(kind, index, key)
        elif kind is not None:
            off = self.loc.item(kind, index or 0) if kind != "start" else self.loc.item(kind, 0)
        else:
            off = None
        line = self.loc.line(off)
        where = f"{self.source}:{line}" if line is not None else self.source
        if kind == "start":
            what = "start"
        elif kind is not None:
            what = f"[[{kind}]] #{(index or 0) + 1}"
        else:
            what = ""
        if key is not None:
            what = f"{what}, key '{key}'" if what else f"key '{key}'"
        raise WorldError(f"{where}: {what}: {msg}" if what else f"{where}: {msg}")

    # ---- typed getters ------------------------------------------------------------------

    def number(self, v: object, kind: str | None, index: int | None, key: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.fail(f"{v!r} is not a number; write a number, e.g. {_example(key)}",
                      kind, index, key)
        f = float(v)
        if not math.isfinite(f):
            self.fail(f"{v!r} is not a finite number; write e.g. {_example(key)}",
                      kind, index, key)
        return f

    def positive(self, v: object, kind: str | None, index: int | None, key: str) -> float:
        f = self.number(v, kind, index, key)
        if f <= 0.0:
            self.fail(f"{key} = {v!r} must be greater than 0 (mm); write e.g. {_example(key)}",
                      kind, index, key)
        return f

    def point(self, v: object, kind: str | None, index: int | None, key: str) -> Point:
        if (not isinstance(v, list | tuple) or len(v) != 2
                or any(isinstance(c, bool) or not isinstance(c, int | float) for c in v)):
            self.fail(f"{v!r} is not a point; write [x, y] in mm, e.g. {_example(key)}",
                      kind, index, key)
        x, y = float(v[0]), float(v[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            self.fail(f"{v!r} is not a finite point; write e.g. {_example(key)}",
                      kind, index, key)
        return (x, y)

    def points(self, v: object, kind: str, index: int, key: str, least: int
               ) -> tuple[Point, ...]:
        if not isinstance(v, list | tuple):
            self.fail(f"{v!r} is not a list of points; write e.g. {_example(key)}",
                      kind, index, key)
        pts = tuple(self.point(p, kind, index, key) for p in v)
        if len(pts) < least:
            self.fail(f"a {_KIND_NOUN[kind]} needs at least {least} points, this one has "
                      f"{len(pts)}; write e.g. "
                      + ("points = [[0, 0], [200, 0], [100, 150]]" if least >= 3
                         else _example(key)),
                      kind, index, key)
        return pts

    def color(self, v: object, kind: str | None, index: int | None, key: str) -> str:
        if not _color_ok(v):
            self.fail(f"{v!r} is not a colour; write one of {_color_names()}, or '#rrggbb'",
                      kind, index, key)
        assert isinstance(v, str)
        return v.lower()

    def boolean(self, v: object, kind: str | None, index: int | None, key: str) -> bool:
        if not isinstance(v, bool):
            self.fail(f"{v!r} is not true or false; write e.g. {_example(key)}",
                      kind, index, key)
        return v

    def string(self, v: object, kind: str | None, index: int | None, key: str) -> str:
        if not isinstance(v, str):
            self.fail(f"{v!r} is not a string; write e.g. {key} = \"my world\"",
                      kind, index, key)
        return v


def _example(key: str) -> str:
    return _EXAMPLE.get(key, f"{key} = ...")


def _parse(d: dict[str, Any], source: str, loc: _Locator) -> World:
    ctx = _Ctx(source, loc)
    if not isinstance(d, dict):
        ctx.fail("a world must be a table (a dict / JSON object) at the top")
    for key in d:
        if key not in _TOP_KEYS:
            ctx.fail(f"'{key}' is not a key of a world; write one of {', '.join(_TOP_KEYS)}",
                     None, None, key)
    default_name = Path(source.split(" (")[0]).stem or "world"
    name = ctx.string(d["name"], None, None, "name") if "name" in d else default_name
    description = (ctx.string(d["description"], None, None, "description")
                   if "description" in d else "")

    # bounds
    if "size" in d and "bounds" in d:
        ctx.fail("give either size = [w, h] or bounds = [xmin, ymin, xmax, ymax], not both",
                 None, None, "bounds")
    if "size" in d:
        v = d["size"]
        if not isinstance(v, list | tuple) or len(v) != 2:
            ctx.fail(f"{v!r} is not a size; write size = [width, height] in mm, e.g. "
                     "size = [4000, 4000]", None, None, "size")
        w, h = (ctx.number(c, None, None, "size") for c in v)
        if w <= 0 or h <= 0:
            ctx.fail(f"size = {list(v)!r} must be positive; write size = [width, height] in mm, "
                     "e.g. size = [4000, 4000]", None, None, "size")
        bounds = (-w / 2, -h / 2, w / 2, h / 2)
    elif "bounds" in d:
        v = d["bounds"]
        if not isinstance(v, list | tuple) or len(v) != 4:
            ctx.fail(f"{v!r} is not a box; write bounds = [xmin, ymin, xmax, ymax] in mm, e.g. "
                     "bounds = [-2000, -2000, 2000, 2000]", None, None, "bounds")
        b = [ctx.number(c, None, None, "bounds") for c in v]
        if not (b[0] < b[2] and b[1] < b[3]):
            ctx.fail(f"{v!r} is empty: xmin must be below xmax and ymin below ymax, e.g. "
                     "bounds = [-2000, -2000, 2000, 2000]", None, None, "bounds")
        bounds = (b[0], b[1], b[2], b[3])
    else:
        ctx.fail("a world needs its extent: write size = [width, height] (centred on 0, 0), "
                 "e.g. size = [4000, 4000], or bounds = [xmin, ymin, xmax, ymax]")
    background = (ctx.color(d["background"], None, None, "background")
                  if "background" in d else "white")

    # start pose
    start = Pose((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 0.0)
    if "start" in d:
        st = d["start"]
        if not isinstance(st, dict):
            ctx.fail(f"{st!r} is not a table; write start = {{ x = 0, y = 0, heading = 90 }}",
                     None, None, "start")
        for key in st:
            if key not in ("x", "y", "heading"):
                ctx.fail(f"'{key}' is not a key of start; write x, y (mm) and heading "
                         "(degrees counterclockwise from east)", "start", 0, key)
        sx = ctx.number(st["x"], "start", 0, "x") if "x" in st else start.x
        sy = ctx.number(st["y"], "start", 0, "y") if "y" in st else start.y
        sh = ctx.number(st["heading"], "start", 0, "heading") if "heading" in st else 0.0
        if not (bounds[0] <= sx <= bounds[2] and bounds[1] <= sy <= bounds[3]):
            ctx.fail(f"the start ({sx:g}, {sy:g}) is outside the world's bounds {bounds}; "
                     "move it inside", "start", 0, "x")
        start = Pose(sx, sy, sh)

    # shapes
    items: dict[str, list[Any]] = {}
    for kind in ("lines", "polygons", "circles", "rings", "walls", "boxes"):
        v = d.get(kind, [])
        if not isinstance(v, list | tuple):
            ctx.fail(f"must be an array of tables: write [[{kind}]] before each "
                     f"{_KIND_NOUN[kind]}", None, None, kind)
        parsed = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                ctx.fail(f"item {item!r} is not a table; write [[{kind}]] followed by its keys",
                         kind, i)
            for key in item:
                if key not in _KIND_KEYS[kind]:
                    ctx.fail(f"'{key}' is not a key of a {_KIND_NOUN[kind]}; write one of "
                             f"{', '.join(_KIND_KEYS[kind])}", kind, i, key)
            parsed.append(_parse_item(ctx, kind, i, item))
        items[kind] = parsed

    # paint order: the file order of the tables
    order = _paint_order(ctx, d, items, loc)
    shapes = tuple(items[k][i] for k, i in order)
    return World(name, bounds, background=background, start=start, shapes=shapes,
                 walls=tuple(items["walls"]), boxes=tuple(items["boxes"]),
                 description=description, source=source)


def _require(ctx: _Ctx, item: dict[str, Any], kind: str, i: int, key: str) -> Any:
    if key not in item:
        ctx.fail(f"a {_KIND_NOUN[kind]} needs '{key}'; write e.g. {_example(key)}", kind, i)
    return item[key]


def _parse_item(ctx: _Ctx, kind: str, i: int, it: dict[str, Any]) -> Any:
    def col(default: str) -> str:
        return ctx.color(it["color"], kind, i, "color") if "color" in it else default

    if kind == "lines":
        pts = ctx.points(_require(ctx, it, kind, i, "points"), kind, i, "points", 2)
        width = ctx.positive(it["width"], kind, i, "width") if "width" in it else 20.0
        closed = ctx.boolean(it["closed"], kind, i, "closed") if "closed" in it else False
        return Line(pts, width, col("black"), closed)
    if kind == "polygons":
        pts = ctx.points(_require(ctx, it, kind, i, "points"), kind, i, "points", 3)
        return Polygon(pts, col("black"))
    if kind == "circles":
        c = ctx.point(_require(ctx, it, kind, i, "center"), kind, i, "center")
        r = ctx.positive(_require(ctx, it, kind, i, "radius"), kind, i, "radius")
        return Circle(c, r, col("black"))
    if kind == "rings":
        c = ctx.point(_require(ctx, it, kind, i, "center"), kind, i, "center")
        r = ctx.positive(_require(ctx, it, kind, i, "radius"), kind, i, "radius")
        w = ctx.positive(_require(ctx, it, kind, i, "width"), kind, i, "width")
        if w > r:
            ctx.fail(f"width = {w:g} is more than the radius {r:g}; the ring covers radius - "
                     "width .. radius, so write a width up to the radius", kind, i, "width")
        return Ring(c, r, w, col("black"))
    if kind == "walls":
        pts = ctx.points(_require(ctx, it, kind, i, "points"), kind, i, "points", 2)
        th = ctx.positive(it["thickness"], kind, i, "thickness") if "thickness" in it else 20.0
        h = ctx.positive(it["height"], kind, i, "height") if "height" in it else 100.0
        closed = ctx.boolean(it["closed"], kind, i, "closed") if "closed" in it else False
        return Wall(pts, th, h, closed, col("gray"))
    # boxes
    c = ctx.point(_require(ctx, it, kind, i, "center"), kind, i, "center")
    sz = _require(ctx, it, kind, i, "size")
    if not isinstance(sz, list | tuple) or len(sz) != 2:
        ctx.fail(f"{sz!r} is not a size; write size = [width, depth] in mm, e.g. "
                 "size = [200, 100]", kind, i, "size")
    w = ctx.positive(sz[0], kind, i, "size")
    h = ctx.positive(sz[1], kind, i, "size")
    ang = ctx.number(it["angle"], kind, i, "angle") if "angle" in it else 0.0
    hgt = ctx.positive(it["height"], kind, i, "height") if "height" in it else 100.0
    return Box(c, (w, h), ang, hgt, col("brown"))


def _paint_order(ctx: _Ctx, d: dict[str, Any], items: dict[str, list[Any]], loc: _Locator
                 ) -> list[tuple[str, int]]:
    if "order" in d:
        v = d["order"]
        want = sorted((k, i) for k in _SHAPE_KINDS for i in range(len(items[k])))
        got: list[tuple[str, int]] = []
        if isinstance(v, list | tuple):
            for e in v:
                if (isinstance(e, list | tuple) and len(e) == 2 and e[0] in _SHAPE_KINDS
                        and isinstance(e[1], int) and not isinstance(e[1], bool)):
                    got.append((e[0], e[1]))
        if sorted(got) != want or len(got) != len(v):
            ctx.fail("must list each painted shape once as [kind, index], e.g. "
                     'order = [["lines", 0], ["circles", 0]]; or leave it out to paint in '
                     "file order", None, None, "order")
        return got
    keyed: list[tuple[int, int, str, int]] = []
    text_len = len(loc.text) if loc.text is not None else 0
    for rank, kind in enumerate(_SHAPE_KINDS):
        spans = loc.spans(kind) if loc.text is not None else []
        for i in range(len(items[kind])):
            off = spans[i][0] if len(spans) == len(items[kind]) else text_len + rank
            keyed.append((off, i, kind, i))
    keyed.sort(key=lambda e: (e[0], _SHAPE_KINDS.index(e[2]), e[1]))
    return [(k, i) for _, _, k, i in keyed]
