# mypy: ignore-errors
"""Stand-in ``pybricks.parameters`` (robokit simulated hub; no physics)."""


class _Const:
    def __init__(self, kind, name):
        self.kind = kind
        self.name = name

    def __repr__(self):
        return self.kind + "." + self.name

    __str__ = __repr__


def _fill(cls, names):
    for n in names:
        setattr(cls, n, _Const(cls.__name__, n))


class Port:
    pass


_fill(Port, ("A", "B", "C", "D", "E", "F"))


class Direction:
    pass


_fill(Direction, ("CLOCKWISE", "COUNTERCLOCKWISE"))


class Stop:
    pass


_fill(Stop, ("COAST", "COAST_SMART", "BRAKE", "HOLD", "NONE"))


class Button:
    pass


_fill(Button, ("LEFT", "RIGHT", "CENTER", "UP", "DOWN", "BLUETOOTH", "BEACON", "LEFT_UP",
               "LEFT_DOWN", "LEFT_PLUS", "LEFT_MINUS", "RIGHT_UP", "RIGHT_DOWN", "RIGHT_PLUS",
               "RIGHT_MINUS"))


class Side:
    pass


_fill(Side, ("TOP", "BOTTOM", "FRONT", "BACK", "LEFT", "RIGHT"))


class Axis:
    X = (1, 0, 0)
    Y = (0, 1, 0)
    Z = (0, 0, 1)


class Icon:
    pass


_fill(Icon, ("UP", "DOWN", "LEFT", "RIGHT", "HEART", "HAPPY", "SAD", "SQUARE", "CIRCLE",
             "TRUE", "FALSE", "PAUSE", "STOP", "FULL", "EMPTY", "CLOCKWISE",
             "COUNTERCLOCKWISE"))


class Color:
    def __init__(self, h, s=100, v=100):
        self.h = int(h) % 360
        self.s = max(0, min(100, int(s)))
        self.v = max(0, min(100, int(v)))

    def __eq__(self, other):
        return isinstance(other, Color) and (self.h, self.s, self.v) == (other.h, other.s,
                                                                           other.v)

    def __hash__(self):
        return hash((self.h, self.s, self.v))

    def __mul__(self, k):
        return Color(self.h, self.s, self.v * k)

    def __repr__(self):
        return f"Color(h={self.h}, s={self.s}, v={self.v})"


for _n, _h, _s, _v in (("NONE", 0, 0, 0), ("BLACK", 0, 0, 10), ("GRAY", 0, 0, 50),
                       ("WHITE", 0, 0, 100), ("RED", 0, 100, 100), ("ORANGE", 30, 100, 100),
                       ("BROWN", 30, 100, 50), ("YELLOW", 60, 100, 100),
                       ("GREEN", 120, 100, 100), ("CYAN", 180, 100, 100),
                       ("BLUE", 240, 100, 100), ("VIOLET", 270, 100, 100),
                       ("MAGENTA", 300, 100, 100)):
    setattr(Color, _n, Color(_h, _s, _v))
