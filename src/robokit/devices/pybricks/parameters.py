"""``pybricks.parameters``: robokit's constants, which are Pybricks' own; ``Icon``'s
images are :class:`~.matrix.Matrix` objects, as in Pybricks (``Icon.HEART / 2`` is a
half-bright heart), and ``Color["BLUE"]`` is ``Color.BLUE``.  Portable (MicroPython
too)."""

from ..parameters import Axis, Button, Direction, Port, Side, Stop
from ..parameters import Color as _Color
from ..parameters import Icon as _Icon
from .matrix import Matrix


class _ByName(type):
    """Lets ``Color["BLUE"]`` look a named colour up by its name, as in Pybricks."""

    def __getitem__(cls, name):
        value = getattr(cls, name, None) if isinstance(name, str) and name.isupper() \
            else None
        if not isinstance(value, _Color):
            raise KeyError(repr(name) + " is not a named Color (Color.RED, Color.BLUE, ...)")
        return value


# robokit's Color with indexing by name; made by calling the metaclass, which
# MicroPython allows (it has no ``metaclass=`` keyword).  Its values are robokit's.
Color = _ByName("Color", (_Color,), {})


class Icon:
    """5x5 images for ``hub.display.icon()``: matrices of brightness values 0-100."""


for _name in dir(_Icon):
    if not _name.startswith("_"):
        setattr(Icon, _name, Matrix(getattr(_Icon, _name)))

# Pybricks' icons that robokit's Icon lacks, drawn as the stubs' docstrings draw them
# ("#" lit at 100, "." off).
_MORE = {
    "ARROW_UP": ("..#..", ".###.", "#.#.#", "..#..", "..#.."),
    "ARROW_DOWN": ("..#..", "..#..", "#.#.#", ".###.", "..#.."),
    "ARROW_LEFT": ("..#..", ".#...", "#####", ".#...", "..#.."),
    "ARROW_RIGHT": ("..#..", "...#.", "#####", "...#.", "..#.."),
    "EYE_LEFT_BLINK": (".....", ".....", ".....", "##...", "....."),
    "EYE_RIGHT_BLINK": (".....", ".....", ".....", "...##", "....."),
    "EYE_LEFT_BROW": (".....", "##...", ".....", ".....", "....."),
    "EYE_RIGHT_BROW": (".....", "...##", ".....", ".....", "....."),
    "EYE_LEFT_BROW_UP": ("##...", ".....", ".....", ".....", "....."),
    "EYE_RIGHT_BROW_UP": ("...##", ".....", ".....", ".....", "....."),
}
for _name in _MORE:
    if not hasattr(Icon, _name):
        setattr(Icon, _name, Matrix([[100 if ch == "#" else 0 for ch in row]
                                     for row in _MORE[_name]]))

__all__ = ["Axis", "Button", "Color", "Direction", "Icon", "Port", "Side", "Stop"]
