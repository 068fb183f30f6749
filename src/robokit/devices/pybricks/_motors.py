"""Pybricks' ``Motor`` and ``DCMotor``: robokit's, with a missing motor raised as Pybricks
raises it (``OSError`` ENODEV, :class:`~robokit.devices._errors.NoDeviceError`), for
``pybricks.pupdevices``, ``pybricks.ev3devices`` and ``pybricks.iodevices``.
Portable (MicroPython too).
"""

from ..motors import DCMotor as _DCMotor
from ..motors import Motor as _Motor


class DCMotor(_DCMotor):
    """A motor without rotation sensor (or used as one): duty cycle only."""

    _enodev = True


class Motor(_Motor):
    """A motor with rotation sensor: speed, angle and position control."""

    _enodev = True
