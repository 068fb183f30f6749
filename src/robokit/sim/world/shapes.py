"""What a world is made of: the colour table, poses and the shapes painted on the mat or
standing on it (walls and boxes).

Plain data, no behaviour beyond converting to dicts: the lowest module of the world package,
imported by the geometry engine, by :class:`~robokit.sim.world.model.World` and by
:mod:`robokit.sim.surface` (which paints these shapes into a raster).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from robokit.errors import WorldError
from robokit.sim.record import Record

__all__ = [
    "COLORS",
    "NOTHING_RGB",
    "SHAPE_KINDS",
    "Box",
    "Circle",
    "Line",
    "Movable",
    "PaintShape",
    "Point",
    "Polygon",
    "Pose",
    "Ring",
    "RobotStart",
    "Wall",
    "color_hex",
    "color_names",
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


def color_ok(spec: object) -> bool:
    """Is ``spec`` a colour a world may name (a name of ``COLORS`` or "#rrggbb")?"""
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
    raise WorldError(f"{color!r} is not a colour; write one of {color_names()} or '#rrggbb'")


def color_hex(color: str) -> str:
    """The "#rrggbb" used to draw a colour name or "#rrggbb" in plots."""
    key = color.lower()
    if key in COLORS:
        return COLORS[key][1]
    if _HEX_RE.match(color):
        return color.lower()
    raise WorldError(f"{color!r} is not a colour; write one of {color_names()} or '#rrggbb'")


def color_names() -> str:
    """The colour names of ``COLORS``, comma-separated, for messages."""
    return ", ".join(COLORS)



# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

Point = tuple[float, float]


if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: Any) -> Any:
        return lambda cls: cls


@dataclass_transform(frozen_default=True)
class _Record(Record):
    """A frozen record, as ``@dataclass(frozen=True)`` makes one, made without
    dataclasses' code generation (which compiles five methods per class: ~0.5 ms each
    class, ~4 ms of every run's start-up for the shapes below).  The fields are the
    class's own annotations in order, their defaults the values given in the class body;
    ``__init__`` takes them by position or keyword; equality, hash, repr and the frozen
    fields are :class:`robokit.sim.record.Record`'s, as a dataclass's.  (Pickling and
    copying work as for a frozen dataclass: through the instance's ``__dict__``.)"""

    #: The fields, in order, and the defaults of those that have one.
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__annotations__", {})
        cls._FIELDS = tuple(n for n, a in own.items() if not str(a).startswith("ClassVar"))
        cls._defaults = {n: cls.__dict__[n] for n in cls._FIELDS if n in cls.__dict__}
        setattr(cls, "__match_args__", cls._FIELDS)  # noqa: B010 - as a dataclass has

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._FIELDS
        defaults = self._defaults
        name = f"{type(self).__name__}.__init__()"
        if len(args) > len(names):
            least = len(names) - len(defaults) + 1
            takes = f"from {least} to " if defaults else ""
            raise TypeError(f"{name} takes {takes}{len(names) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        values = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{name} got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{name} got multiple values for argument {key!r}")
            values[key] = value
        own = self.__dict__
        for key in names:
            if key in values:
                own[key] = values[key]
            elif key in defaults:
                own[key] = defaults[key]
            else:
                missing = [repr(k) for k in names if k not in values and k not in defaults]
                listed = (missing[0] if len(missing) == 1 else " and ".join(missing)
                          if len(missing) == 2 else ", ".join(missing[:-1]) + ", and "
                          + missing[-1])
                raise TypeError(f"{name} missing {len(missing)} required positional "
                                f"argument{'s' if len(missing) > 1 else ''}: {listed}")


class _Fields(_Record):
    """A shape as a world file writes it: :meth:`to_dict` is its fields in order, with
    its points, centre and size as lists."""

    def to_dict(self) -> dict[str, Any]:
        return {key: _lists(value) for key, value in zip(self._FIELDS, self._values(),
                                                             strict=True)}


class Pose(NamedTuple):
    """A pose in the world frame: mm, mm, degrees counterclockwise from +x (east)."""

    x: float
    y: float
    heading: float


class Line(_Fields):
    """A painted polyline (stroke of ``width`` mm, round joins and ends)."""

    points: tuple[Point, ...]
    width: float = 20.0
    color: str = "black"
    closed: bool = False
    kind = "lines"


class Polygon(_Fields):
    """A filled polygon (even-odd rule)."""

    points: tuple[Point, ...]
    color: str = "black"
    kind = "polygons"


class Circle(_Fields):
    """A filled disc."""

    center: Point
    radius: float
    color: str = "black"
    kind = "circles"


class Ring(_Fields):
    """An annulus: points whose distance from ``center`` is in [radius - width, radius]."""

    center: Point
    radius: float
    width: float
    color: str = "black"
    kind = "rings"


class Wall(_Fields):
    """A wall along a polyline, ``thickness`` mm thick (centred on the line, rounded ends)."""

    points: tuple[Point, ...]
    thickness: float = 20.0
    height: float = 100.0
    closed: bool = False
    color: str = "gray"
    kind = "walls"


class Box(_Fields):
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


class RobotStart(_Record):
    """Where one robot of several starts (``[[robots]]``), and optionally the program
    it runs and its robot file (paths as written, relative to the world file)."""

    pose: Pose
    program: str | None = None
    robot: str | None = None
    kind = "robots"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"x": self.pose.x, "y": self.pose.y, "heading": self.pose.heading}
        if self.program is not None:
            out["program"] = self.program
        if self.robot is not None:
            out["robot"] = self.robot
        return out


#: The shapes of a movable object, and the mass and friction each has when not given.
MOVABLE_SHAPES = {"box": (200.0, 0.5), "cylinder": (100.0, 0.5), "ball": (60.0, 0.05)}


class Movable(_Record):
    """An object robots push (``[[objects]]``): a ``box`` (``size`` w, d turned by ``angle``
    degrees), a ``cylinder`` (a can) or a ``ball`` (``radius``), with its mass in grams and
    its friction on the floor (a coefficient; a ball's is its rolling resistance)."""

    shape: str
    center: Point
    size: tuple[float, float] = (0.0, 0.0)
    radius: float = 0.0
    angle: float = 0.0
    mass_g: float = 100.0
    friction: float = 0.5
    height: float = 100.0
    color: str = "red"
    kind = "objects"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"shape": self.shape, "center": list(self.center),
                               "mass_g": self.mass_g, "friction": self.friction,
                               "height": self.height, "color": self.color}
        if self.shape == "box":
            out["size"] = list(self.size)
            out["angle"] = self.angle
        else:
            out["radius"] = self.radius
        return out


PaintShape = Line | Polygon | Circle | Ring

#: The kinds of painted shapes, in the order a world file lists them.
SHAPE_KINDS = ("lines", "polygons", "circles", "rings")


def _lists(value: Any) -> Any:
    """``value`` with its tuples, and theirs, as lists (the JSON-able form of points)."""
    return [_lists(v) for v in value] if isinstance(value, tuple) else value

