"""robokit on a LEGO hub running Pybricks firmware: a thin shim over ``pybricks``.

Compiled into a bundle for the ``pybricks`` target as the package ``robokit``
(instead of the device API and a HAL: the firmware already has the real
thing).  ``from robokit import Motor, Port, DriveBase, wait`` gives the
Pybricks classes themselves, so names, units and behaviour are the
firmware's.  Portable: MicroPython subset, compiled with mpy-cross at ABI 6.

What maps to what:

==========================================  ===================================
robokit                                     Pybricks
==========================================  ===================================
Motor, DCMotor, ColorSensor,                pybricks.pupdevices (same names)
UltrasonicSensor, ForceSensor
PrimeHub, InventorHub, EssentialHub,        pybricks.hubs (same names; on a
TechnicHub                                  hub of another kind they raise
                                            DeviceError when called)
Hub                                         the hub class this firmware has
                                            (robot.toml's hub type first)
DriveBase                                   pybricks.robotics.DriveBase
Port, Direction, Stop, Color, Button,       pybricks.parameters (same names)
Side, Axis, Icon
vector, wait, StopWatch, multitask,         pybricks.tools (same names)
run_task
RobokitError, DeviceError, NoBrickError,    robokit's own, from the device API's
UsageError                                  portable module (robokit._errors in
                                            the bundle)
robot                                       built here from robot.toml (the
                                            compiler writes it into the
                                            module ``robokit._robot_config``)
==========================================  ===================================
"""

# Every name imported below is re-exported: __all__ is the device API's one list,
# robokit._exports (the same list robokit.devices exports).
# ruff: noqa: F401

from pybricks.parameters import Axis, Button, Color, Direction, Icon, Port, Side, Stop
from pybricks.pupdevices import ColorSensor, DCMotor, ForceSensor, Motor, UltrasonicSensor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, multitask, run_task, vector, wait

from ._errors import DeviceError, NoBrickError, RobokitError, UsageError
from ._exports import NAMES as _NAMES
from ._suggest import did_you_mean


def _missing(name, why):
    def make(*args, **kwargs):
        raise DeviceError(name + " is not available on this hub (" + why + ")")

    return make


# On a real hub ``pybricks.hubs`` holds only the classes of that hub, so each is
# looked up on its own.
try:
    from pybricks.hubs import PrimeHub
except ImportError as e:
    PrimeHub = _missing("PrimeHub", str(e))
try:
    from pybricks.hubs import InventorHub
except ImportError as e:
    InventorHub = _missing("InventorHub", str(e))
try:
    from pybricks.hubs import EssentialHub
except ImportError as e:
    EssentialHub = _missing("EssentialHub", str(e))
try:
    from pybricks.hubs import TechnicHub
except ImportError as e:
    TechnicHub = _missing("TechnicHub", str(e))
try:
    from pybricks.hubs import CityHub
except ImportError as e:
    CityHub = _missing("CityHub", str(e))
try:
    from pybricks.hubs import MoveHub
except ImportError as e:
    MoveHub = _missing("MoveHub", str(e))

try:
    from robokit._robot_config import ROBOT as _ROBOT
except ImportError:
    _ROBOT = {}

_HUBS = {
    "PrimeHub": PrimeHub,
    "InventorHub": InventorHub,
    "EssentialHub": EssentialHub,
    "TechnicHub": TechnicHub,
    "CityHub": CityHub,
    "MoveHub": MoveHub,
}
_HUB_ORDER = ("PrimeHub", "InventorHub", "TechnicHub", "EssentialHub", "CityHub", "MoveHub")


def _pick_hub():
    """The hub class of this firmware: robot.toml's hub type when this firmware has
    it, else the first one it has."""
    wanted = (_ROBOT.get("hub") or {}).get("type")
    if wanted in _HUBS and isinstance(_HUBS[wanted], type):
        return _HUBS[wanted]
    for name in _HUB_ORDER:
        if isinstance(_HUBS[name], type):
            return _HUBS[name]
    return _missing("Hub", "this firmware has no hub class")


#: The hub class of the hub this runs on (a Pybricks class, not a base class).
Hub = _pick_hub()

_DIRECTIONS = {
    "clockwise": Direction.CLOCKWISE,
    "counterclockwise": Direction.COUNTERCLOCKWISE,
    "CLOCKWISE": Direction.CLOCKWISE,
    "COUNTERCLOCKWISE": Direction.COUNTERCLOCKWISE,
}
_PORTS = {"A": Port.A, "B": Port.B}
# Small hubs (City, Move, Technic) lack some ports: look each one up.
for _p in ("C", "D", "E", "F"):
    try:
        _PORTS[_p] = getattr(Port, _p)
    except AttributeError:
        pass


def _port(name, value):
    if value in _PORTS:
        return _PORTS[value]
    if isinstance(value, str) and value.upper() in _PORTS:
        return _PORTS[value.upper()]
    raise DeviceError("robot.toml: device " + repr(name) + " is on port " + repr(value)
                      + ", which this hub does not have")


def _build_device(name, spec):
    kind = spec.get("type")
    port = _port(name, spec.get("port"))
    if kind == "Motor" or kind == "DCMotor":
        direction = spec.get("positive_direction", "clockwise")
        if direction not in _DIRECTIONS:
            raise DeviceError("robot.toml: device " + repr(name) + " has positive_direction "
                              + repr(direction))
        if kind == "DCMotor":
            return DCMotor(port, _DIRECTIONS[direction])
        gears = spec.get("gears")
        if gears:
            return Motor(port, _DIRECTIONS[direction], gears)
        return Motor(port, _DIRECTIONS[direction])
    if kind == "ColorSensor":
        return ColorSensor(port)
    if kind == "UltrasonicSensor":
        return UltrasonicSensor(port)
    if kind == "ForceSensor":
        return ForceSensor(port)
    raise DeviceError("robot.toml: device " + repr(name) + " has type " + repr(kind)
                      + ", which robokit does not know")


class Robot:
    """The robot as built: one attribute per device name in robot.toml, plus ``hub``
    and ``drive_base``; each built on first use and then kept."""

    def __init__(self, config):
        self._cfg = config
        self._built = {}

    def names(self):
        """The names this robot answers to, as a list."""
        out = list((self._cfg.get("devices") or {}).keys())
        out.append("hub")
        if self._cfg.get("drive_base"):
            out.append("drive_base")
        return out

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        built = self._built
        if name in built:
            return built[name]
        devices = self._cfg.get("devices") or {}
        if name in devices:
            obj = _build_device(name, devices[name])
        elif name == "hub":
            obj = Hub()
        elif name == "drive_base":
            db = self._cfg.get("drive_base")
            if not db:
                raise DeviceError("robot.drive_base: robot.toml has no [drive_base] section; "
                                  + "add one with left, right, wheel_diameter and axle_track")
            obj = DriveBase(getattr(self, db["left"]), getattr(self, db["right"]),
                            db["wheel_diameter"], db["axle_track"])
        else:
            known = self.names()
            raise DeviceError("robot has no " + repr(name) + "." + did_you_mean(name, known)
                              + " robot.toml names " + ", ".join(known))
        built[name] = obj
        return obj

    def __repr__(self):
        return "<robot: " + ", ".join(self.names()) + ">"


robot = Robot(_ROBOT)

__all__ = list(_NAMES)
