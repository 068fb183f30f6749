"""``pybricks.robotics``: DriveBase (robokit's, with Pybricks 4.0's ``move_by``),
GyroDriveBase (Pybricks 3.2's drive base that steers by the hub's gyro: a DriveBase with
``use_gyro(True)``), and Car (:mod:`.car`).
Portable (MicroPython too)."""

from math import atan2, pi, sqrt

from .. import _hal
from .. import hubs as _hubs
from .._check import number
from ..parameters import Stop
from ..robotics import DriveBase as _DriveBase
from ..tools import operation
from ._missing import fill
from ._table import NOT_YET
from .car import Car

#: The farthest ``move_by`` goes along either axis, mm (Pybricks: 30 m).
MOVE_BY_MAX_MM = 30000

#: The hubs with no gyro: Pybricks' firmware for them has no ``DriveBase.use_gyro``.
NO_GYRO = ("CityHub", "MoveHub")


class DriveBase(_DriveBase):
    """robokit's DriveBase, with ``move_by`` (Pybricks 4.0), and Pybricks' ``reset`` and
    ``use_gyro``, which stop the drive base first."""

    def use_gyro(self, use_gyro):
        """Take the heading from the hub's gyro (True) or from the wheels (False); on a
        hub without a gyro (:data:`NO_GYRO`) an ``AttributeError``, as on that hub."""
        hub = (_hal.get().robot_config().get("hub") or {}).get("type")
        if hub in NO_GYRO:
            raise AttributeError("DriveBase.use_gyro: a " + hub + " has no gyro, so "
                                 + "Pybricks' DriveBase on it has no use_gyro (nor is "
                                 + "there a GyroDriveBase); steer by the wheels")
        if not isinstance(use_gyro, bool):
            _DriveBase.use_gyro(self, use_gyro)  # (its message)
        self.stop()  # as Pybricks does
        _DriveBase.use_gyro(self, use_gyro)

    def reset(self, distance=0, angle=0):
        """Stop, then make ``distance()`` and ``angle()`` read the given values; with the
        gyro in use, the hub's ``imu.heading()`` reads ``angle`` too (Pybricks)."""
        d = number(distance, "distance", "mm")
        a = number(angle, "angle", "deg")
        self.stop()
        _DriveBase.reset(self, d, a)
        if self._gyro:
            s = _hubs._shared()
            s.heading_offset = a + s.hal.imu_heading()

    def move_by(self, dx, dy, then=Stop.HOLD):
        """Move by ``dx`` mm along what was forward at the start (or at the last
        ``reset``) and ``dy`` mm to its left: turn to that heading (absolute, so the
        robot's heading now does not matter), then drive the straight-line distance
        and ``then``.  Awaitable inside a task, as the other moves."""
        x = number(dx, "move_by dx", "mm", -MOVE_BY_MAX_MM, MOVE_BY_MAX_MM)
        y = number(dy, "move_by dy", "mm", -MOVE_BY_MAX_MM, MOVE_BY_MAX_MM)
        length = sqrt(x * x + y * y)
        if length == 0:
            return operation(lambda: True, None, None, "move_by(...)")
        # Pybricks' angles are clockwise-positive; +dy is to the left.
        self.turn(-atan2(y, x) * 180.0 / pi, wait=False, absolute=True)
        steps = [self._gen]

        def poll():
            if self._gen != steps[-1]:
                return True  # a newer command took over
            if not self.done():
                return False
            if len(steps) == 1:
                self.straight(length, then=then, wait=False)
                steps.append(self._gen)
                return False
            return True

        def cancel():
            if self._gen == steps[-1]:
                self.stop()

        return operation(poll, cancel, None, "move_by(...)")


class GyroDriveBase(DriveBase):
    """A drive base that uses the hub's gyro for heading (``DriveBase.use_gyro(True)``)."""

    def __init__(self, left_motor, right_motor, wheel_diameter, axle_track):
        DriveBase.__init__(self, left_motor, right_motor, wheel_diameter, axle_track)
        self.use_gyro(True)


fill(globals(), "pybricks.robotics", NOT_YET["pybricks.robotics"])

__all__ = ["Car", "DriveBase", "GyroDriveBase"]
