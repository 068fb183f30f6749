"""A loaded world: :class:`World`, and the checks that turn a world's table into one.

``World`` holds the mat's shapes, the walls, the bounds and the start pose; its wall queries
come from :class:`~robokit.sim.world.geometry.WallGeometry` and the colour of the mat under a
sensor from :class:`robokit.sim.surface.Surface` (``World.surface``, imported when first
used).  ``World.from_dict`` checks a dict shaped like a world file, key by key, with messages
that say how to write it right; :mod:`robokit.sim.world.loading` reads the files and gives
these checks the text, so that a message can name the line.

Imports go one way: shapes <- geometry <- model <- loading, and model -> surface -> shapes.
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from robokit.config import short
from robokit.errors import WorldError
from robokit.sim.world.geometry import WallGeometry, point_in_poly, pt_seg_dist2, seg_aabb_dist2
from robokit.sim.world.shapes import (
    MOVABLE_SHAPES,
    SHAPE_KINDS,
    Box,
    Circle,
    Line,
    Movable,
    PaintShape,
    Point,
    Polygon,
    Pose,
    Ring,
    RobotStart,
    Wall,
    color_names,
    color_ok,
    reflectance,
)

if TYPE_CHECKING:
    from robokit.sim.surface import Surface

__all__ = ["World"]


# --------------------------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------------------------


class World(WallGeometry):
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
        robots: tuple[RobotStart, ...] = (),
        objects: tuple[Movable, ...] = (),
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
        #: Start poses of several robots (``[[robots]]``), in order; empty: only ``start``.
        self.robots = robots
        #: Objects robots push (``[[objects]]``), where they stand at the start.
        self.objects = objects
        self._surface: Surface | None = None
        #: The folder of the world file (None for a built-in world or one made in code):
        #: the programs and robot files its [[robots]] name are relative to it.
        self.folder: Path | None = None
        #: The line of each [[robots]] ``program`` and ``robot`` key in the world file
        #: ((index, key) -> line), for the message when the file it names is not there.
        self.robot_key_lines: dict[tuple[int, str], int] = {}
        self._build_walls()

    def __repr__(self) -> str:
        return (f"World({self.name!r}, bounds={self.bounds}, shapes={len(self.shapes)}, "
                f"walls={len(self._segs)} segments)")

    # ---- construction -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "<dict>") -> World:
        """Build a world from a dict shaped like a world file (raises WorldError if wrong)."""
        return _parse(d, source, _Locator(), check_start=False)

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
        for kind in SHAPE_KINDS:
            out[kind] = []
        for s in self.shapes:
            out[s.kind].append(s.to_dict())
            order.append([s.kind, counts.get(s.kind, 0)])
            counts[s.kind] = counts.get(s.kind, 0) + 1
        out["walls"] = [w.to_dict() for w in self.wall_shapes]
        out["boxes"] = [b.to_dict() for b in self.boxes]
        out["robots"] = [r.to_dict() for r in self.robots]
        out["objects"] = [o.to_dict() for o in self.objects]
        out["order"] = order
        return out

    def robot_files(self) -> list[tuple[Path | None, Path | None]]:
        """(program, robot file) each ``[[robots]]`` names, as paths (None: not named);
        raises WorldError, naming the world file's line, for a file that is not there."""
        base = self.folder if self.folder is not None else Path.cwd()
        out: list[tuple[Path | None, Path | None]] = []
        for i, r in enumerate(self.robots):
            paths: list[Path | None] = []
            for key, name in (("program", r.program), ("robot", r.robot)):
                path = None if name is None else base / name
                if path is not None and not path.exists():
                    line = self.robot_key_lines.get((i, key))
                    where = f"{self.source}:{line}" if line is not None else self.source
                    raise WorldError(
                        f"{where}: [[robots]] #{i + 1}, key '{key}': there is no {path} (a "
                        f"path in a world file is taken from the world file's folder); "
                        f"check the name, or leave the key out")
                paths.append(path)
            out.append((paths[0], paths[1]))
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
        self.prepare_walls()


# --------------------------------------------------------------------------------------------
# Checking a world's table
# --------------------------------------------------------------------------------------------

#: The largest coordinate, length or angle a world file may give (mm or degrees): a
#: world of up to 2 km across.
MAX_COORD = 1_000_000

_TOP_KEYS = ("name", "description", "size", "bounds", "background", "start", "lines",
             "polygons", "circles", "rings", "walls", "boxes", "robots", "objects", "order")
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "lines": ("points", "width", "color", "closed"),
    "polygons": ("points", "color"),
    "circles": ("center", "radius", "color"),
    "rings": ("center", "radius", "width", "color"),
    "walls": ("points", "thickness", "height", "closed", "color"),
    "boxes": ("center", "size", "angle", "height", "color"),
    "robots": ("x", "y", "heading", "program", "robot"),
    "objects": ("shape", "center", "size", "radius", "angle", "mass_g", "friction", "height",
                "color"),
}
_KIND_NOUN = {"lines": "line", "polygons": "polygon", "circles": "circle", "rings": "ring",
              "walls": "wall", "boxes": "box", "robots": "robot", "objects": "object"}
#: "a line", "an object": the noun with its article
_A_NOUN = {k: ("an " if n[0] in "aeiou" else "a ") + n for k, n in _KIND_NOUN.items()}
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
    "bounds": "bounds = [-2000, -2000, 2000, 2000]",
    "angle": "angle = 30",
    "x": "x = 0",
    "y": "y = 0",
    "heading": "heading = 90",
    "shape": 'shape = "cylinder"',
    "mass_g": "mass_g = 100",
    "friction": "friction = 0.5",
    "program": 'program = "blue.py"',
    "robot": 'robot = "blue.toml"',
    "description": 'description = "a can to push out of a ring"',
}



class _Locator:
    """Finds the line of a table or key in a world file's text, for error messages.

    This one has no text (a world given as a dict): it knows no lines.
    :class:`robokit.sim.world.loading._TextLocator` finds them in a file's text.
    """

    text: str | None = None

    def line(self, offset: int | None) -> int | None:
        return None

    def spans(self, kind: str) -> list[tuple[int, int]]:
        """(start, end) text offsets of each item of array ``kind`` (or of table ``start``)."""
        return []

    def item(self, kind: str, index: int) -> int | None:
        return None

    def key(self, kind: str | None, index: int | None, key: str) -> int | None:
        return None


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
        # (a world's own size is no box's)
        example = "size = [4000, 4000]" if kind is None and key == "size" else _example(key)
        if isinstance(v, bool) or not isinstance(v, int | float):
            shown = str(v).lower() if isinstance(v, bool) else short(v)  # as the file has it
            self.fail(f"{shown} is not a number; write a number, e.g. {example}",
                      kind, index, key)
        if not -MAX_COORD <= v <= MAX_COORD:  # NaN and infinity fail this too
            self.fail(f"{short(v)} is not a number from {-MAX_COORD} to {MAX_COORD}; write e.g. "
                      f"{example}", kind, index, key)
        return float(v)

    def positive(self, v: object, kind: str | None, index: int | None, key: str) -> float:
        f = self.number(v, kind, index, key)
        if f <= 0.0:
            unit = "g" if key == "mass_g" else "mm"
            self.fail(f"{key} = {short(v)} must be greater than 0 ({unit}); write e.g. "
                      f"{_example(key)}", kind, index, key)
        return f

    def point(self, v: object, kind: str | None, index: int | None, key: str) -> Point:
        if (not isinstance(v, list | tuple) or len(v) != 2
                or any(isinstance(c, bool) or not isinstance(c, int | float) for c in v)):
            self.fail(f"{short(v)} is not a point; write [x, y] in mm, e.g. {_example(key)}",
                      kind, index, key)
        if not (-MAX_COORD <= v[0] <= MAX_COORD and -MAX_COORD <= v[1] <= MAX_COORD):
            self.fail(f"{short(v)} is not a point within {MAX_COORD} mm of the origin; write "
                      f"e.g. {_example(key)}", kind, index, key)
        return (float(v[0]), float(v[1]))

    def points(self, v: object, kind: str, index: int, key: str, least: int
               ) -> tuple[Point, ...]:
        if not isinstance(v, list | tuple):
            self.fail(f"{short(v)} is not a list of points; write e.g. {_example(key)}",
                      kind, index, key)
        pts = tuple(self.point(p, kind, index, key) for p in v)
        if len(pts) < least:
            self.fail(f"{_A_NOUN[kind]} needs at least {least} points, this one has "
                      f"{len(pts)}; write e.g. "
                      + ("points = [[0, 0], [200, 0], [100, 150]]" if least >= 3
                         else _example(key)),
                      kind, index, key)
        return pts

    def color(self, v: object, kind: str | None, index: int | None, key: str) -> str:
        if not color_ok(v):
            self.fail(f"{short(v)} is not a colour; write one of {color_names()}, or '#rrggbb'",
                      kind, index, key)
        assert isinstance(v, str)
        return v.lower()

    def boolean(self, v: object, kind: str | None, index: int | None, key: str) -> bool:
        if not isinstance(v, bool):
            self.fail(f"{short(v)} is not true or false; write e.g. {_example(key)}",
                      kind, index, key)
        return v

    def string(self, v: object, kind: str | None, index: int | None, key: str) -> str:
        if not isinstance(v, str):
            example = _EXAMPLE.get(key, f'{key} = "my world"')  # (a name's, else its own)
            self.fail(f"{short(v)} is not a string; write e.g. {example}", kind, index, key)
        return v


def _example(key: str) -> str:
    return _EXAMPLE.get(key, f"{key} = ...")


def _parse(d: dict[str, Any], source: str, loc: _Locator, check_start: bool = True) -> World:
    """The world of a world file's table; ``check_start``: refuse a start inside a box or on
    a wall (world files; a world built from a dict in code may be a geometry fixture)."""
    ctx = _Ctx(source, loc)
    if not isinstance(d, dict):
        ctx.fail("a world must be a table (a dict / JSON object) at the top")
    for key in d:
        if key not in _TOP_KEYS:
            ctx.fail(f"'{key}' is not a key of a world; write one of {', '.join(_TOP_KEYS)}",
                     None, None, key)
    default_name = Path(source.split(" (")[0]).stem or "world"
    name = ctx.string(d["name"], None, None, "name") if "name" in d else default_name
    if not name.strip():
        ctx.fail(f"name = {short(name)} is empty: a run's summary shows the world's name; write "
                 f"e.g. name = \"my world\", or leave it out to use the file's ({default_name})",
                 None, None, "name")
    description = (ctx.string(d["description"], None, None, "description")
                   if "description" in d else "")
    for key, text in (("name", name), ("description", description)):
        if "\n" in text or "\r" in text:
            ctx.fail(f"the {key} is one line (listings and summaries show it so); write it "
                     "without line breaks", None, None, key)

    # bounds
    if "size" in d and "bounds" in d:
        ctx.fail("give either size = [w, h] or bounds = [xmin, ymin, xmax, ymax], not both",
                 None, None, "bounds")
    if "size" in d:
        v = d["size"]
        if not isinstance(v, list | tuple) or len(v) != 2:
            ctx.fail(f"{short(v)} is not a size; write size = [width, height] in mm, e.g. "
                     "size = [4000, 4000]", None, None, "size")
        w, h = (ctx.number(c, None, None, "size") for c in v)
        if w <= 0 or h <= 0:
            ctx.fail(f"size = {short(list(v))} must be positive; write size = [width, height] "
                     "in mm, e.g. size = [4000, 4000]", None, None, "size")
        bounds = (-w / 2, -h / 2, w / 2, h / 2)
    elif "bounds" in d:
        v = d["bounds"]
        if not isinstance(v, list | tuple) or len(v) != 4:
            ctx.fail(f"{short(v)} is not a box; write bounds = [xmin, ymin, xmax, ymax] in mm, "
                     "e.g. bounds = [-2000, -2000, 2000, 2000]", None, None, "bounds")
        b = [ctx.number(c, None, None, "bounds") for c in v]
        if not (b[0] < b[2] and b[1] < b[3]):
            ctx.fail(f"{short(v)} is empty: xmin must be below xmax and ymin below ymax, e.g. "
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
            ctx.fail(f"{short(st)} is not a table; write start = {{ x = 0, y = 0, heading = 90 }}",
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
    for kind in ("lines", "polygons", "circles", "rings", "walls", "boxes", "robots",
                 "objects"):
        v = d.get(kind, [])
        if not isinstance(v, list | tuple):
            ctx.fail(f"must be an array of tables: write [[{kind}]] before each "
                     f"{_KIND_NOUN[kind]}", None, None, kind)
        parsed = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                ctx.fail(f"item {short(item)} is not a table; write [[{kind}]] followed by its "
                         "keys", kind, i)
            for key in item:
                if key not in _KIND_KEYS[kind]:
                    ctx.fail(f"'{key}' is not a key of {_A_NOUN[kind]}; write one of "
                             f"{', '.join(_KIND_KEYS[kind])}", kind, i, key)
            parsed.append(_parse_item(ctx, kind, i, item))
        items[kind] = parsed

    if "start" not in d and items["robots"]:  # one robot starts where the first of several
        start = items["robots"][0].pose

    # paint order: the file order of the tables
    order = _paint_order(ctx, d, items, loc)
    shapes = tuple(items[k][i] for k, i in order)
    world = World(name, bounds, background=background, start=start, shapes=shapes,
                  walls=tuple(items["walls"]), boxes=tuple(items["boxes"]),
                  robots=tuple(items["robots"]), objects=tuple(items["objects"]),
                  description=description, source=source)
    for i, r in enumerate(world.robots):
        if not (bounds[0] <= r.pose.x <= bounds[2] and bounds[1] <= r.pose.y <= bounds[3]):
            ctx.fail(f"the start ({r.pose.x:g}, {r.pose.y:g}) is outside the world's bounds "
                     f"{bounds}; move it inside", "robots", i, "x")
    if check_start:
        _check_painted(ctx, world, items)
        _check_start(ctx, world, "start" in d)
    return world


def _check_painted(ctx: _Ctx, world: World, items: dict[str, list[Any]]) -> None:
    """Refuse a painted shape wholly outside the bounds: nothing is painted there and no
    sensor would ever see it (the usual cause: coordinates from a corner, where size = [w, h]
    is centred on (0, 0))."""
    bx0, by0, bx1, by1 = world.bounds
    for kind in SHAPE_KINDS:
        for i, sh in enumerate(items[kind]):
            if kind in ("lines", "polygons"):
                grow = sh.width / 2.0 if kind == "lines" else 0.0
                xs = [p[0] for p in sh.points]
                ys = [p[1] for p in sh.points]
                box = (min(xs) - grow, min(ys) - grow, max(xs) + grow, max(ys) + grow)
                key = "points"
            else:
                (cx, cy), r = sh.center, sh.radius
                box = (cx - r, cy - r, cx + r, cy + r)
                key = "center"
            if box[2] < bx0 or box[0] > bx1 or box[3] < by0 or box[1] > by1:
                ctx.fail(f"the {_KIND_NOUN[kind]} lies wholly outside the world's bounds "
                         f"({bx0:g}, {by0:g}, {bx1:g}, {by1:g}), where nothing is painted; move "
                         "it inside (size = [w, h] is centred on (0, 0); for a mat from (0, 0) "
                         "write bounds = [0, 0, w, h])", kind, i, key)


def _check_start(ctx: _Ctx, world: World, given: bool) -> None:
    """Refuse a start pose inside a box or an object or on a wall (the robot would be stuck
    there), and an object outside the bounds or inside a box or on a wall (it could never
    move): each robot's start of ``[[robots]]`` as well as ``start``."""
    if given or not world.robots:
        x, y = world.start.x, world.start.y
        found = _blocker(world, x, y)
        if found is not None:
            kind, i, prep = found
            if given:
                ctx.fail(f"the start ({x:g}, {y:g}) is {prep} [[{kind}]] #{i + 1}, so the robot "
                         "could not move; move the start to open floor", "start", 0, "x")
            ctx.fail(f"the world's centre ({x:g}, {y:g}), where the robot starts when no start "
                     f"is given, is {prep} this {_KIND_NOUN[kind]}; write start = "
                     "{ x = ..., y = ... } on open floor", kind, i)
    for j, r in enumerate(world.robots):
        found = _blocker(world, r.pose.x, r.pose.y)
        if found is not None:
            kind, i, prep = found
            ctx.fail(f"robot {j + 1}'s start ({r.pose.x:g}, {r.pose.y:g}) is {prep} "
                     f"[[{kind}]] #{i + 1}, so the robot could not move; move it to open "
                     "floor", "robots", j, "x")
    for j, ob in enumerate(world.objects):
        x, y = ob.center
        b = world.bounds
        if not (b[0] <= x <= b[2] and b[1] <= y <= b[3]):
            ctx.fail(f"the object's centre ({x:g}, {y:g}) is outside the world's bounds {b}; "
                     "move it inside", "objects", j, "center")
        found = _blocker(world, x, y, objects=False)
        if found is not None:
            kind, i, prep = found
            ctx.fail(f"the object's centre ({x:g}, {y:g}) is {prep} [[{kind}]] #{i + 1}, so "
                     "it could never move; move it to open floor", "objects", j, "center")
        into = _reaches_into(world, ob)
        if into is not None:
            kind, i = into
            ctx.fail(f"the object reaches into [[{kind}]] #{i + 1}, so it could never move "
                     f"(nothing is pushed into {_A_NOUN[kind]}); move it to open floor, "
                     f"or set it against the {_KIND_NOUN[kind]}", "objects", j, "center")
    if len(world.objects) > 1:
        _check_objects_apart(ctx, world.objects)


def _check_objects_apart(ctx: _Ctx, objects: tuple[Movable, ...]) -> None:
    """Refuse two objects that overlap at the start: bodies never overlap, so each would
    block the other for the whole run."""
    from robokit.sim import bodies

    shapes = [bodies.box(ob.center[0], ob.center[1], math.radians(ob.angle), ob.size[0],
                         ob.size[1]) if ob.shape == "box"
              else bodies.circle(ob.center[0], ob.center[1], ob.radius) for ob in objects]
    # sweep along the axis the objects spread most on: only objects whose spans on it meet
    # are compared
    xs, ys = [sh[1] for sh in shapes], [sh[2] for sh in shapes]
    a = 1 if max(xs) - min(xs) >= max(ys) - min(ys) else 2
    spans = sorted((sh[a] - bodies.reach(sh), sh[a] + bodies.reach(sh), i)
                   for i, sh in enumerate(shapes))
    found: list[tuple[int, int]] = []
    open_: list[tuple[float, int]] = []
    for x0, x1, i in spans:
        open_ = [(e, k) for e, k in open_ if e > x0]
        found += [(min(i, k), max(i, k)) for _, k in open_
                  if bodies.overlap(shapes[min(i, k)], shapes[max(i, k)]) is not None]
        open_.append((x1, i))
    if found:
        k, j = min(found, key=lambda p: (p[1], p[0]))  # the first in the file's order
        ctx.fail(f"the object overlaps [[objects]] #{k + 1}; bodies never overlap, so the two "
                 "would block each other: move them apart", "objects", j, "center")


def _reaches_into(world: World, ob: Movable) -> tuple[str, int] | None:
    """The box or wall (kind, index) the object overlaps by more than touching it, or None.
    Its centre is on open floor, but a body is never pushed into a wall: it could not move
    at all, and a robot that met it would stop as against the wall."""
    from robokit.sim import bodies

    t = bodies.FLUSH_MM  # (touching is fine: it slides along, robokit.sim.floor)
    cx, cy = ob.center
    if ob.shape == "box":
        hx, hy = ob.size[0] / 2.0 - t, ob.size[1] / 2.0 - t
        if hx <= 0.0 or hy <= 0.0:
            return None
        return shape_in_walls(world, bodies.box(cx, cy, math.radians(ob.angle), 2.0 * hx,
                                                2.0 * hy))
    if ob.radius <= t:
        return None
    return shape_in_walls(world, bodies.circle(cx, cy, ob.radius - t))


def shape_in_walls(world: World, mine: tuple[Any, ...]) -> tuple[str, int] | None:
    """The first box or wall, as (kind, index), that a body's shape (a
    :mod:`robokit.sim.bodies` rectangle or circle) overlaps; touching is not overlapping.
    None: it is clear of them all."""
    from robokit.sim import bodies

    cx, cy = mine[1], mine[2]
    reach = bodies.reach(mine)
    for i, b in enumerate(world.boxes):
        other = bodies.box(b.center[0], b.center[1], math.radians(b.angle), b.size[0],
                           b.size[1])
        if bodies.overlap(other, mine) is not None:
            return ("boxes", i)
    for i, w in enumerate(world.wall_shapes):
        pts = list(w.points) + ([w.points[0]] if w.closed else [])
        r = w.thickness / 2.0
        for p, q in (list(pairwise(pts)) or [(pts[0], pts[0])]):
            if pt_seg_dist2(cx, cy, *p, *q) >= (r + reach) ** 2:
                continue  # (too far for any part of the body)
            if mine[0] == "circle":
                hit = pt_seg_dist2(cx, cy, *p, *q) < (r + mine[3]) ** 2
            else:  # the wall's line in the rectangle's own frame
                c, s = mine[3], mine[4]
                (ax, ay), (bx, by) = ((c * (u - cx) + s * (v - cy), -s * (u - cx) + c * (v - cy))
                                      for u, v in (p, q))
                hit = seg_aabb_dist2(ax, ay, bx, by, mine[5], mine[6]) < r * r
            if hit:
                return ("walls", i)
    return None


def _blocker(world: World, x: float, y: float, objects: bool = True
             ) -> tuple[str, int, str] | None:
    """The box, wall or (``objects``) object the point (x, y) is inside or on, as (kind,
    index, "inside" or "on"), or None on open floor."""
    for i, b in enumerate(world.boxes):
        reach = (b.size[0] + b.size[1]) / 2.0
        if abs(b.center[0] - x) <= reach and abs(b.center[1] - y) <= reach:
            if point_in_poly(x, y, b.corners()):
                return ("boxes", i, "inside")
    for i, w in enumerate(world.wall_shapes):
        pts = list(w.points) + ([w.points[0]] if w.closed else [])
        r = w.thickness / 2.0
        segs = list(pairwise(pts)) or [(pts[0], pts[0])]
        if any(pt_seg_dist2(x, y, *p, *q) <= r * r for p, q in segs):
            return ("walls", i, "on")
    if objects:
        for i, ob in enumerate(world.objects):
            dx, dy = x - ob.center[0], y - ob.center[1]
            if ob.shape == "box":  # in the box's own frame
                a = math.radians(ob.angle)
                u = dx * math.cos(a) + dy * math.sin(a)
                v = -dx * math.sin(a) + dy * math.cos(a)
                inside = abs(u) <= ob.size[0] / 2.0 and abs(v) <= ob.size[1] / 2.0
            else:
                inside = dx * dx + dy * dy <= ob.radius * ob.radius
            if inside:
                return ("objects", i, "inside")
    return None


def _require(ctx: _Ctx, item: dict[str, Any], kind: str, i: int, key: str) -> Any:
    if key not in item:
        noun = _KIND_NOUN[kind]
        ctx.fail(f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} needs '{key}'; write e.g. "
                 f"{_example(key)}", kind, i)
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
    if kind == "robots":
        for key in ("x", "y"):
            _require(ctx, it, kind, i, key)
        pose = Pose(ctx.number(it["x"], kind, i, "x"), ctx.number(it["y"], kind, i, "y"),
                    ctx.number(it["heading"], kind, i, "heading") if "heading" in it else 0.0)
        prog = ctx.string(it["program"], kind, i, "program") if "program" in it else None
        rob = ctx.string(it["robot"], kind, i, "robot") if "robot" in it else None
        return RobotStart(pose, prog, rob)
    if kind == "objects":
        return _parse_movable(ctx, i, it, col)
    # boxes
    c = ctx.point(_require(ctx, it, kind, i, "center"), kind, i, "center")
    sz = _require(ctx, it, kind, i, "size")
    if not isinstance(sz, list | tuple) or len(sz) != 2:
        ctx.fail(f"{short(sz)} is not a size; write size = [width, depth] in mm, e.g. "
                 "size = [200, 100]", kind, i, "size")
    w, h = _sizes(ctx, sz, kind, i, "size = [200, 100]")
    ang = ctx.number(it["angle"], kind, i, "angle") if "angle" in it else 0.0
    hgt = ctx.positive(it["height"], kind, i, "height") if "height" in it else 100.0
    return Box(c, (w, h), ang, hgt, col("brown"))


def _sizes(ctx: _Ctx, sz: list[Any] | tuple[Any, ...], kind: str, i: int, example: str
           ) -> tuple[float, float]:
    """The [width, depth] of a box, each a number above 0 (the message shows the pair)."""
    w, h = (ctx.number(c, kind, i, "size") for c in sz)
    if w <= 0.0 or h <= 0.0:
        ctx.fail(f"size = {short(list(sz))}: the width and the depth must be greater than 0 "
                 f"(mm); write e.g. {example}", kind, i, "size")
    return w, h


def _parse_movable(ctx: _Ctx, i: int, it: dict[str, Any], col: Any) -> Movable:
    kind = "objects"
    shape = _require(ctx, it, kind, i, "shape")
    if shape not in MOVABLE_SHAPES:
        ctx.fail(f"{short(shape)} is not a shape of an object; write one of "
                 f"{', '.join(MOVABLE_SHAPES)}", kind, i, "shape")
    mass, friction = MOVABLE_SHAPES[shape]
    c = ctx.point(_require(ctx, it, kind, i, "center"), kind, i, "center")
    size, radius = (0.0, 0.0), 0.0
    if shape == "box":
        if "radius" in it:
            ctx.fail("a box has a size, not a radius; write e.g. size = [100, 100]", kind, i,
                     "radius")
        sz = _require(ctx, it, kind, i, "size")
        if not isinstance(sz, list | tuple) or len(sz) != 2:
            ctx.fail(f"{short(sz)} is not a size; write size = [width, depth] in mm, e.g. "
                     "size = [100, 100]", kind, i, "size")
        size = _sizes(ctx, sz, kind, i, "size = [100, 100]")
    else:
        if "size" in it:
            ctx.fail(f"a {shape} has a radius, not a size; write e.g. radius = 35", kind, i,
                     "size")
        radius = ctx.positive(_require(ctx, it, kind, i, "radius"), kind, i, "radius")
    angle = ctx.number(it["angle"], kind, i, "angle") if "angle" in it else 0.0
    if "mass_g" in it:
        mass = ctx.positive(it["mass_g"], kind, i, "mass_g")
    if "friction" in it:
        friction = ctx.number(it["friction"], kind, i, "friction")
        if not 0.0 <= friction <= 2.0:
            ctx.fail(f"friction = {short(it['friction'])} must be from 0 to 2 (a coefficient "
                     "of friction); write e.g. friction = 0.5", kind, i, "friction")
    height = (ctx.positive(it["height"], kind, i, "height") if "height" in it
              else (2.0 * radius if shape == "ball" else 100.0))
    return Movable(shape, c, size, radius, angle, mass, friction, height, col("red"))


def _paint_order(ctx: _Ctx, d: dict[str, Any], items: dict[str, list[Any]], loc: _Locator
                 ) -> list[tuple[str, int]]:
    if "order" in d:
        v = d["order"]
        want = sorted((k, i) for k in SHAPE_KINDS for i in range(len(items[k])))
        got: list[tuple[str, int]] = []
        if isinstance(v, list | tuple):
            for e in v:
                if (isinstance(e, list | tuple) and len(e) == 2 and e[0] in SHAPE_KINDS
                        and isinstance(e[1], int) and not isinstance(e[1], bool)):
                    got.append((e[0], e[1]))
        if sorted(got) != want or len(got) != len(v):
            ctx.fail("must list each painted shape once as [kind, index], e.g. "
                     'order = [["lines", 0], ["circles", 0]]; or leave it out to paint in '
                     "file order", None, None, "order")
        return got
    keyed: list[tuple[int, int, str, int]] = []
    text_len = len(loc.text) if loc.text is not None else 0
    for rank, kind in enumerate(SHAPE_KINDS):
        spans = loc.spans(kind) if loc.text is not None else []
        for i in range(len(items[kind])):
            off = spans[i][0] if len(spans) == len(items[kind]) else text_len + rank
            keyed.append((off, i, kind, i))
    keyed.sort(key=lambda e: (e[0], SHAPE_KINDS.index(e[2]), e[1]))
    return [(k, i) for _, _, k, i in keyed]
