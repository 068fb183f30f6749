"""The device API that robot programs import: motors, sensors, hub, drive base, time.

Pybricks names, units and meanings (mm, deg, ms, deg/s, %).  Portable: this
package runs on CPython (bound to the simulated brick) and on MicroPython
bricks, and talks to hardware only through the HAL (``_hal.get()``).

May import: nothing of robokit outside this package (on a brick there is nothing else).
"""

from ._errors import DeviceError, NoBrickError, RobokitError, UsageError
from .hubs import EssentialHub, Hub, InventorHub, PrimeHub, TechnicHub
from .motors import DCMotor, Motor
from .parameters import Axis, Button, Color, Direction, Icon, Port, Side, Stop, vector
from .robot import robot
from .robotics import DriveBase
from .sensors import ColorSensor, ForceSensor, UltrasonicSensor
from .tools import StopWatch, multitask, run_task, wait

__all__ = [
    "Axis",
    "Button",
    "Color",
    "ColorSensor",
    "DCMotor",
    "DeviceError",
    "Direction",
    "DriveBase",
    "EssentialHub",
    "ForceSensor",
    "Hub",
    "Icon",
    "InventorHub",
    "Motor",
    "NoBrickError",
    "Port",
    "PrimeHub",
    "RobokitError",
    "Side",
    "Stop",
    "StopWatch",
    "TechnicHub",
    "UltrasonicSensor",
    "UsageError",
    "multitask",
    "robot",
    "run_task",
    "vector",
    "wait",
]
