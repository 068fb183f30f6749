"""Constants and small value types: Port, Direction, Stop, Button, Side, Axis, Color, Icon.

Names and values follow Pybricks (``pybricks.parameters``).  Portable: runs on
MicroPython too, so the "enums" are plain classes whose attributes are
:class:`Constant` objects (MicroPython has no ``enum`` module).
"""

from ._check import number


class Constant:
    """One named constant such as ``Port.A``; its ``repr`` is its dotted name.

    ``name`` is the attribute name (``"A"``), ``value`` its plain value (the port
    letter ``"A"``, the direction ``"clockwise"``...).  Constants compare by
    identity, so ``Port.A == Port.A`` but ``Port.A != "A"``.
    """

    __slots__ = ("kind", "name", "value")

    def __init__(self, kind, name, value):
        self.kind = kind
        self.name = name
        self.value = value

    def __repr__(self):
        return self.kind + "." + self.name

    __str__ = __repr__


def _fill(cls, names, values=None):
    """Give ``cls`` one Constant attribute per name; returns the constants in order."""
    out = []
    for i, name in enumerate(names):
        value = name if values is None else values[i]
        c = Constant(cls.__name__, name, value)
        setattr(cls, name, c)
        out.append(c)
    return tuple(out)


def constants(cls):
    """The constants of one of these classes, in definition order (``constants(Port)``)."""
    return cls._all


def _lookup(cls, value):
    """The constant of ``cls`` that is ``value``, has it as name or value, or None."""
    for c in cls._all:
        if value is c:
            return c
    if isinstance(value, str):
        for c in cls._all:
            if value == c.name or value == c.value or value.upper() == c.name:
                return c
    return None


class Port:
    """The ports of a hub: ``Port.A`` to ``Port.F`` (value: the letter); the EV3's sensor
    ports ``Port.S1`` to ``Port.S4`` (value: ``"S1"`` ...)."""

    _all = ()


Port._all = _fill(Port, ("A", "B", "C", "D", "E", "F", "S1", "S2", "S3", "S4"))


class Direction:
    """Which way a motor turns for a positive speed or angle (seen on its face)."""

    _all = ()


Direction._all = _fill(
    Direction, ("CLOCKWISE", "COUNTERCLOCKWISE"), ("clockwise", "counterclockwise")
)


class Stop:
    """What a motor does when a command ends: COAST, COAST_SMART, BRAKE, HOLD, NONE.

    ``NONE`` keeps moving at the final speed (so a following command blends in).
    ``COAST_SMART`` coasts but remembers the target so the next relative move
    does not accumulate error.
    """

    _all = ()


Stop._all = _fill(
    Stop,
    ("COAST", "COAST_SMART", "BRAKE", "HOLD", "NONE"),
    ("coast", "coast_smart", "brake", "hold", "none"),
)


class Button:
    """Hub and remote buttons; ``hub.buttons.pressed()`` returns a set of these."""

    _all = ()


Button._all = _fill(
    Button,
    (
        "LEFT", "RIGHT", "CENTER", "UP", "DOWN", "BLUETOOTH", "BEACON",
        "LEFT_UP", "LEFT_DOWN", "LEFT_PLUS", "LEFT_MINUS",
        "RIGHT_UP", "RIGHT_DOWN", "RIGHT_PLUS", "RIGHT_MINUS",
    ),
)


class Side:
    """A side of the hub; ``hub.imu.up()`` returns the one that faces up."""

    _all = ()


Side._all = _fill(Side, ("TOP", "BOTTOM", "FRONT", "BACK", "LEFT", "RIGHT"))


# -- vectors and axes --------------------------------------------------------


class Vector:
    """A 3-vector ``(x, y, z)``: indexable, iterable, ``-v``, ``v * k``, ``v == w``."""

    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return (self.x, self.y, self.z)[i]

    def __iter__(self):
        return iter((self.x, self.y, self.z))

    def __neg__(self):
        return Vector(-self.x, -self.y, -self.z)

    def __pos__(self):
        return self

    def __mul__(self, k):
        return Vector(self.x * k, self.y * k, self.z * k)

    __rmul__ = __mul__

    def __add__(self, other):
        return Vector(self.x + other[0], self.y + other[1], self.z + other[2])

    def __sub__(self, other):
        return Vector(self.x - other[0], self.y - other[1], self.z - other[2])

    def __abs__(self):
        return (self.x * self.x + self.y * self.y + self.z * self.z) ** 0.5

    def __eq__(self, other):
        try:
            return len(other) == 3 and self.x == other[0] and self.y == other[1] \
                and self.z == other[2]
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.x, self.y, self.z))

    def __repr__(self):
        for name in ("X", "Y", "Z"):
            a = getattr(Axis, name)
            if self == a:
                return "Axis." + name
            if self == -a:
                return "-Axis." + name
        return f"vector({repr(self.x)}, {repr(self.y)}, {repr(self.z)})"


def vector(x, y, z):
    """A :class:`Vector` ``(x, y, z)`` (Pybricks' ``vector``)."""
    return Vector(x, y, z)


class Axis:
    """Unit vectors of the hub frame: X forward, Y left, Z up.  ``-Axis.Z`` works."""

    X = Vector(1, 0, 0)
    Y = Vector(0, 1, 0)
    Z = Vector(0, 0, 1)


# -- colour ------------------------------------------------------------------


def _int(x, what):
    return int(round(number(x, what)))


class Color:
    """A colour as hue (0-359 deg), saturation (0-100 %) and value/brightness (0-100 %).

    ``Color(h, s=100, v=100)``; ``Color.RED * 0.5`` is RED at half brightness,
    ``Color.RED >> 30`` shifts the hue by 30 degrees.  Equal when h, s and v are.
    """

    __slots__ = ("h", "s", "v", "name")

    # The named colours, set from _COLOR_TABLE below (declared for type checkers).
    NONE: "Color"
    BLACK: "Color"
    GRAY: "Color"
    WHITE: "Color"
    RED: "Color"
    ORANGE: "Color"
    BROWN: "Color"
    YELLOW: "Color"
    GREEN: "Color"
    CYAN: "Color"
    BLUE: "Color"
    VIOLET: "Color"
    MAGENTA: "Color"

    # The named colours, set right after the class (annotations for type checkers).

    def __init__(self, h, s=100, v=100):
        self.h = _int(h, "hue") % 360
        self.s = max(0, min(100, _int(s, "saturation")))
        self.v = max(0, min(100, _int(v, "brightness")))
        self.name = None

    def __eq__(self, other):
        if not isinstance(other, Color):
            return False
        return self.h == other.h and self.s == other.s and self.v == other.v

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.h, self.s, self.v))

    def __iter__(self):
        return iter((self.h, self.s, self.v))

    def __mul__(self, k):
        return Color(self.h, self.s, self.v * number(k, "factor"))

    __rmul__ = __mul__

    def __truediv__(self, k):
        return Color(self.h, self.s, self.v / number(k, "divisor"))

    def __rshift__(self, deg):
        return Color(self.h + number(deg, "hue shift", "deg"), self.s, self.v)

    def __lshift__(self, deg):
        return Color(self.h - number(deg, "hue shift", "deg"), self.s, self.v)

    def __repr__(self):
        return f"Color(h={self.h}, s={self.s}, v={self.v})"

    def __str__(self):
        if self.name is not None:
            return "Color." + self.name
        return self.__repr__()

    def rgb(self):
        """The colour as ``(r, g, b)``, each 0-100 (for lights and the simulator)."""
        return hsv_to_rgb(self.h, self.s, self.v)


_COLOR_TABLE = (
    ("NONE", 0, 0, 0),
    ("BLACK", 0, 0, 10),
    ("GRAY", 0, 0, 50),
    ("WHITE", 0, 0, 100),
    ("RED", 0, 100, 100),
    ("ORANGE", 30, 100, 100),
    ("BROWN", 30, 100, 50),
    ("YELLOW", 60, 100, 100),
    ("GREEN", 120, 100, 100),
    ("CYAN", 180, 100, 100),
    ("BLUE", 240, 100, 100),
    ("VIOLET", 270, 100, 100),
    ("MAGENTA", 300, 100, 100),
)

for _row in _COLOR_TABLE:
    _c = Color(_row[1], _row[2], _row[3])
    _c.name = _row[0]
    setattr(Color, _row[0], _c)


def named_colors():
    """The named colours ``Color.NONE`` ... ``Color.MAGENTA`` as a tuple."""
    return tuple(getattr(Color, row[0]) for row in _COLOR_TABLE)


def hsv_to_rgb(h, s, v):
    """``(r, g, b)`` 0-100 floats for hue ``h`` deg, saturation and value 0-100."""
    s = s / 100.0
    v = v / 100.0
    c = v * s
    hp = (h % 360) / 60.0
    x = c * (1 - abs(hp % 2 - 1))
    if hp < 1:
        r, g, b = c, x, 0.0
    elif hp < 2:
        r, g, b = x, c, 0.0
    elif hp < 3:
        r, g, b = 0.0, c, x
    elif hp < 4:
        r, g, b = 0.0, x, c
    elif hp < 5:
        r, g, b = x, 0.0, c
    else:
        r, g, b = c, 0.0, x
    m = v - c
    return ((r + m) * 100.0, (g + m) * 100.0, (b + m) * 100.0)


def rgb_to_hsv(r, g, b):
    """``(h, s, v)`` as ints (deg, %, %) for ``r, g, b`` in 0-100."""
    mx = max(r, g, b)
    mn = min(r, g, b)
    d = mx - mn
    if d <= 0:
        h = 0.0
    elif mx == r:
        h = 60.0 * (((g - b) / d) % 6)
    elif mx == g:
        h = 60.0 * ((b - r) / d + 2)
    else:
        h = 60.0 * ((r - g) / d + 4)
    s = 0.0 if mx <= 0 else d / mx * 100.0
    return (_int(h, "hue") % 360, _int(s, "saturation"),
            _int(min(100.0, max(0.0, mx)), "brightness"))


# -- icons -------------------------------------------------------------------


def _icon(text):
    rows = []
    for line in text.split():
        rows.append(tuple(100 if ch == "#" else 0 for ch in line))
    return tuple(rows)


class Icon:
    """5x5 images for ``hub.display.icon()``: five rows of five brightness values 0-100.

    Each icon is a tuple of five row tuples (``Icon.HEART[0][1]`` is row 0,
    column 1); any 5x5 nested sequence with values 0-100 works the same.
    """

    FULL = _icon("##### ##### ##### ##### #####")
    EMPTY = _icon("..... ..... ..... ..... .....")
    UP = _icon("..#.. .###. #.#.# ..#.. ..#..")
    DOWN = _icon("..#.. ..#.. #.#.# .###. ..#..")
    LEFT = _icon("..#.. .#... ##### .#... ..#..")
    RIGHT = _icon("..#.. ...#. ##### ...#. ..#..")
    ARROW_LEFT_UP = _icon("###.. ##... #.#.. ...#. ....#")
    ARROW_RIGHT_UP = _icon("..### ...## ..#.# .#... #....")
    ARROW_LEFT_DOWN = _icon("....# ...#. #.#.. ##... ###..")
    ARROW_RIGHT_DOWN = _icon("#.... .#... ..#.# ...## ..###")
    HEART = _icon(".#.#. ##### ##### .###. ..#..")
    HAPPY = _icon("..... .#.#. ..... #...# .###.")
    SAD = _icon("..... .#.#. ..... .###. #...#")
    EYE_LEFT = _icon("..... ##... ##... ..... .....")
    EYE_RIGHT = _icon("..... ...## ...## ..... .....")
    CIRCLE = _icon(".###. #...# #...# #...# .###.")
    SQUARE = _icon("##### #...# #...# #...# #####")
    TRIANGLE_UP = _icon("..... ..#.. .#.#. ##### .....")
    TRIANGLE_DOWN = _icon("..... ##### .#.#. ..#.. .....")
    TRIANGLE_LEFT = _icon("...#. ..##. .#.#. ..##. ...#.")
    TRIANGLE_RIGHT = _icon(".#... .##.. .#.#. .##.. .#...")
    TRUE = _icon("..... ....# ...#. #.#.. .#...")
    FALSE = _icon("#...# .#.#. ..#.. .#.#. #...#")
    PAUSE = _icon("##.## ##.## ##.## ##.## ##.##")
    STOP = _icon("..... .###. .###. .###. .....")
    CLOCKWISE = _icon(".###. #...# #.#.# ...## ..###")
    COUNTERCLOCKWISE = _icon(".###. #...# #.#.# ##... ###..")
