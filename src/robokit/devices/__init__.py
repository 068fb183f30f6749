"""The device API that robot programs import: motors, sensors, hub, drive base, time.

Pybricks names, units and meanings (mm, deg, ms, deg/s, %).  Portable: this
package runs on CPython (bound to the simulated brick) and on MicroPython
bricks, and talks to hardware only through the HAL (``_hal.get()``).

May import: nothing of robokit outside this package (on a brick there is nothing else).
"""

# Every name imported below is re-exported: __all__ is the one list in _exports.
# ruff: noqa: F401

from ._errors import DeviceError, NoBrickError, RobokitError, UsageError
from ._exports import NAMES as _NAMES
from .hubs import EssentialHub, Hub, InventorHub, PrimeHub, TechnicHub
from .motors import DCMotor, Motor
from .parameters import Axis, Button, Color, Direction, Icon, Port, Side, Stop, vector
from .robot import robot
from .robotics import DriveBase
from .sensors import ColorSensor, ForceSensor, UltrasonicSensor
from .tools import StopWatch, multitask, run_task, wait

__all__ = list(_NAMES)
