"""``pybricks.parameters``: robokit's constants, which are Pybricks' own.
Portable (MicroPython too)."""

from ..parameters import Axis, Button, Color, Direction, Icon, Port, Side, Stop

__all__ = ["Axis", "Button", "Color", "Direction", "Icon", "Port", "Side", "Stop"]
