"""``pybricks.robotics``: DriveBase, and GyroDriveBase (Pybricks 3.2's drive base that
steers by the hub's gyro: robokit's DriveBase with ``use_gyro(True)``), and Car
(:mod:`.car`).
Portable (MicroPython too)."""

from ..robotics import DriveBase
from ._missing import fill
from ._table import NOT_YET
from .car import Car


class GyroDriveBase(DriveBase):
    """A drive base that uses the hub's gyro for heading (``DriveBase.use_gyro(True)``)."""

    def __init__(self, left_motor, right_motor, wheel_diameter, axle_track):
        DriveBase.__init__(self, left_motor, right_motor, wheel_diameter, axle_track)
        self.use_gyro(True)


fill(globals(), "pybricks.robotics", NOT_YET["pybricks.robotics"])

__all__ = ["Car", "DriveBase", "GyroDriveBase"]
