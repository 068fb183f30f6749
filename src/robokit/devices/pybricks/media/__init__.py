"""``pybricks.media``: the EV3's images, fonts and sounds are in :mod:`.ev3dev`.
Portable (MicroPython too)."""

from . import ev3dev

__all__ = ["ev3dev"]
