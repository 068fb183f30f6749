"""``pybricks.parameters``: robokit's constants, which are Pybricks' own; ``Icon``'s
images are :class:`~.matrix.Matrix` objects, as in Pybricks (``Icon.HEART / 2`` is a
half-bright heart).  Portable (MicroPython too)."""

from ..parameters import Axis, Button, Color, Direction, Port, Side, Stop
from ..parameters import Icon as _Icon
from .matrix import Matrix


class Icon:
    """5x5 images for ``hub.display.icon()``: matrices of brightness values 0-100."""


for _name in dir(_Icon):
    if not _name.startswith("_"):
        setattr(Icon, _name, Matrix(getattr(_Icon, _name)))

__all__ = ["Axis", "Button", "Color", "Direction", "Icon", "Port", "Side", "Stop"]
