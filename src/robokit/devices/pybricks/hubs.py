"""``pybricks.hubs``: every Powered Up hub, on robokit's hub object.

PrimeHub, InventorHub, EssentialHub and TechnicHub are robokit's own; CityHub and
MoveHub are hubs with a status light, a button, a battery and (MoveHub) a tilt
sensor's IMU, and neither display nor speaker.  Each hub's ``system`` adds
``shutdown()``: the program ends there (in the simulator, as a clean finish); ``ble``,
``charger`` (SPIKE and Robot Inventor hubs), ``system.storage`` and ``system.info`` are
in :mod:`.hubparts`.  Portable (MicroPython too).
"""

from math import cos, sin

from .. import _hal
from .. import hubs as _hubs
from .._check import in_range
from .._errors import NoBrickError, UsageError
from ..parameters import Axis, Button
from ._missing import fill
from ._pct import pct, pct_rows
from ._table import FIRMWARE_VERSION, HUB_KINDS, NOT_YET
from .ev3brick import EV3Brick
from .hubparts import BLE, Charger, Storage
from .matrix import Matrix, vector


class System(_hubs.System):
    """``hub.system``: name, stop button, reset reason, info, storage and shutdown."""

    def __init__(self):
        self._storage = Storage()

    def storage(self, offset, read=None, write=None):
        """Read (``read=N`` -> bytes) or write (``write=BYTES``) persistent storage."""
        return self._storage.access(offset, read, write)

    def info(self):
        """The hub's name, reset reason and how the program started: a dict."""
        return {"name": self.name(), "reset_reason": self.reset_reason(),
                "host_connected_ble": False, "host_connected_usb": False,
                "program_start_type": 3, "program_id": 0}

    def reset_storage(self):
        """Reset the user settings and storage: the storage reads zeros again."""
        self._storage = Storage()
        _hal.get().event("reset_storage", {})

    def shutdown(self):
        """Stop the program and switch the hub off: the program ends here."""
        _hal.get().event("shutdown", {})
        raise SystemExit(0)


class Display(_hubs.Display):
    """``hub.display``, also taking Pybricks' :class:`~.matrix.Matrix` images; a
    brightness past 0-100 is capped to it, as Pybricks does."""

    def pixel(self, row, column, brightness=100):
        """Set one pixel: ``row`` and ``column`` 0-4, ``brightness`` 0-100 %."""
        _hubs.Display.pixel(self, row, column, pct(brightness))

    def icon(self, icon):
        """Show a 5x5 image: a Matrix (``Icon.HEART``) or 5 rows of 5 values 0-100."""
        _hubs.Display.icon(self, _image(icon))

    def animate(self, images, interval):
        """Show ``images`` one after another, ``interval`` ms each, in the background."""
        _hubs.Display.animate(self, [_image(m) for m in images], interval)


def _image(image):
    """5 rows of 5 ints for a 5x5 Matrix (rounded), each brightness capped to 0-100;
    anything else as it is."""
    if isinstance(image, Matrix) and image.shape == (5, 5):
        image = [[int(round(v)) for v in row] for row in image.rows()]
    return pct_rows(image)


class Speaker(_hubs.Speaker):
    """``hub.speaker``, whose volume past 0-100 and beep frequency past 64-24000 Hz
    are capped to them, as Pybricks does."""

    def beep(self, frequency=500, duration=100):
        """Play a tone of ``frequency`` Hz (64-24000) for ``duration`` ms."""
        if isinstance(frequency, (int, float)) and not isinstance(frequency, bool):
            frequency = max(_hubs.FREQUENCY_MIN, min(_hubs.FREQUENCY_MAX, frequency))
        return _hubs.Speaker.beep(self, frequency, duration)

    def volume(self, volume=None):
        """Get (no argument: an int) or set the volume, 0-100 %."""
        return _hubs.Speaker.volume(self, pct(volume))


class IMU(_hubs.IMU):
    """``hub.imu``, whose vectors are Pybricks' :class:`~.matrix.Matrix` column vectors
    (``hub.imu.acceleration() / 9810`` is in g)."""

    def angular_velocity(self, axis=None):
        """Angular velocity in deg/s: a vector, or the component about ``axis``."""
        g = _hubs.IMU.angular_velocity(self, axis)
        return g if axis is not None else vector(*g)

    def acceleration(self, axis=None):
        """Acceleration in mm/s² including gravity: a vector, or the component along
        ``axis``."""
        a = _hubs.IMU.acceleration(self, axis)
        return a if axis is not None else vector(*a)

    def reset_heading(self, angle=0):
        """Make :meth:`heading` read ``angle`` degrees now; an ``OSError`` while a drive
        base uses the gyro to drive or hold (Pybricks 3.6 on: stop it first, or reset
        the heading with its ``reset(angle=...)``)."""
        if gyro_in_use():
            raise OSError(1, "hub.imu.reset_heading(): a drive base is using the gyro to "
                          "drive or hold; stop it first (drive_base.stop()), or use "
                          "drive_base.reset(angle=...), which stops it and sets the heading")
        _hubs.IMU.reset_heading(self, angle)

    def _yaw(self):
        """How far the hub turned about its vertical since the start, counterclockwise
        degrees (the simulated worlds are flat: the only rotation there is)."""
        return _hal.get().imu_heading()

    def rotation(self, axis, calibrated=True):
        """The rotation about ``axis`` (right-hand rule) since the start, degrees:
        ``rotation(-Axis.Z)`` is the heading without :meth:`reset_heading`.  The
        simulated gyro needs no calibration, so ``calibrated`` changes nothing."""
        v = _hubs._vec3(axis, "axis")
        return _hubs._dot((0.0, 0.0, self._yaw()), v)  # (the robot's vertical)

    def orientation(self):
        """The robot's orientation as a 3x3 rotation Matrix from its frame at the start
        (a turn about the vertical only, on the simulated worlds' flat floors)."""
        r = self._yaw() * 3.141592653589793 / 180.0
        c, s = cos(r), sin(r)
        return Matrix([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    def settings(self, angular_velocity_threshold=None, acceleration_threshold=None,
                 heading_correction=None, angular_velocity_bias=None,
                 angular_velocity_scale=None, acceleration_correction=None):
        """Get (no arguments: the six values) or set the IMU settings of Pybricks 3.6
        and later.  The thresholds decide :meth:`stationary`; the calibration values
        are kept and read back, and change nothing: the simulated gyro and
        accelerometer are exact."""
        cal = self._calibration()
        more = (heading_correction, angular_velocity_bias, angular_velocity_scale,
                acceleration_correction)
        if angular_velocity_threshold is None and acceleration_threshold is None and \
                more == (None, None, None, None):
            return _hubs.IMU.settings(self) + (cal[0], cal[1], cal[2], cal[3])
        if heading_correction is not None:
            cal[0] = in_range(heading_correction, "heading_correction", 1, 10000, "deg")
        for i, value, n, what in ((1, angular_velocity_bias, 3, "angular_velocity_bias"),
                                  (2, angular_velocity_scale, 3, "angular_velocity_scale"),
                                  (3, acceleration_correction, 6,
                                   "acceleration_correction")):
            if value is not None:
                if not isinstance(value, (tuple, list)) or len(value) != n:
                    raise UsageError(what + " takes a tuple of " + str(n) + " numbers, not "
                                     + repr(value))
                cal[i] = tuple(in_range(x, what, -100000, 100000, "") for x in value)
        if angular_velocity_threshold is not None or acceleration_threshold is not None:
            _hubs.IMU.settings(self, angular_velocity_threshold, acceleration_threshold)
        return None

    def _calibration(self):
        s = _hubs._shared()
        cal = getattr(s, "imu_calibration", None)
        if cal is None:
            g = _hubs.GRAVITY
            cal = [360.0, (0.0, 0.0, 0.0), (360.0, 360.0, 360.0), (g, -g, g, -g, g, -g)]
            s.imu_calibration = cal
        return cal


#: The hubs with a battery charger (a USB port that charges).
CHARGING = ("PrimeHub", "InventorHub", "EssentialHub")

#: The hubs with one button, which Pybricks 3.0-3.2 called ``hub.button``: the
#: firmware keeps that name beside ``hub.buttons``.
ONE_BUTTON = ("EssentialHub", "TechnicHub", "CityHub", "MoveHub")

#: The buttons of the hubs that have more than the centre one (the stubs' keypads).
HUB_BUTTONS = {
    "PrimeHub": ("LEFT", "RIGHT", "CENTER", "BLUETOOTH"),
    "InventorHub": ("LEFT", "RIGHT", "CENTER", "BLUETOOTH"),
    "EV3Brick": ("LEFT", "RIGHT", "CENTER", "UP", "DOWN"),
}


def gyro_in_use():
    """Does a drive base of the active brick steer by the gyro while it drives or holds?
    (Its control loop has it only then.)"""
    sched = getattr(_hal.get(), "_robokit_scheduler", None)
    for c in sched.active if sched is not None else ():
        if getattr(c, "_gyro", False):
            return True
    return False


class Buttons(_hubs.Buttons):
    """``hub.buttons``: of the buttons held down, those this hub has (a scripted
    ``--press left`` is no button of a one-button hub)."""

    def __init__(self, names):
        self._buttons = [getattr(Button, n) for n in names]

    def pressed(self):
        """The buttons of this hub held down now: a set of :class:`Button`."""
        return set(b for b in _hubs.Buttons.pressed(self) if b in self._buttons)

#: The Move hub's accelerometer reads in whole steps of this many mm/s² (Pybricks'
#: firmware: its 8-bit readings times 158; gravity reads 9796).
MOVE_HUB_ACCEL_STEP = 158


class SimpleAccelerometer:
    """The Move hub's ``hub.imu`` (Pybricks' ``SimpleAccelerometer``): an accelerometer
    and no gyro, so ``acceleration()``, ``up()`` and ``tilt()`` only (no heading)."""

    def __init__(self, imu):
        self._imu = imu

    def acceleration(self):
        """Acceleration in mm/s² including gravity: a tuple of three ints, in the
        accelerometer's steps of :data:`MOVE_HUB_ACCEL_STEP`."""
        step = MOVE_HUB_ACCEL_STEP
        return tuple(int(round(v / step)) * step
                     for v in _hubs.IMU.acceleration(self._imu))

    def up(self):
        """The :class:`Side` of the hub that faces up."""
        return self._imu.up()

    def tilt(self):
        """``(pitch, roll)`` in whole degrees."""
        return self._imu.tilt()


def _fit(hub, top_side, front_side):
    hub.system = System()
    hub.ble = BLE(hub._broadcast_channel, hub._observe_channels)
    if hub._type in CHARGING:
        hub.charger = Charger()
    if hasattr(hub, "display"):
        hub.display = Display()
    if hasattr(hub, "speaker"):
        hub.speaker = Speaker()
    if hasattr(hub, "imu"):
        hub.imu = IMU(hub, top_side, front_side)
        if hub._type == "MoveHub":
            hub.imu = SimpleAccelerometer(hub.imu)
    hub.buttons = Buttons(HUB_BUTTONS.get(hub._type, ("CENTER",)))
    if hub._type in ONE_BUTTON:
        hub.button = hub.buttons
    return hub


class _Fitted:
    """Mixed in before one of robokit's hub classes: that hub, with Pybricks' own parts
    (``ble``, ``charger``, ``system.storage``...) fitted.  Not a subclass of anything,
    so that on MicroPython too the hub class's own attributes come from the robokit
    class after it."""

    def __init__(self, top_side=Axis.Z, front_side=Axis.X, broadcast_channel=None,
                 observe_channels=None):
        _hubs.Hub.__init__(self, top_side, front_side, broadcast_channel, observe_channels)
        _fit(self, top_side, front_side)


class PrimeHub(_Fitted, _hubs.PrimeHub):
    """The LEGO SPIKE Prime hub (Pybricks' ``PrimeHub``)."""


class InventorHub(_Fitted, _hubs.InventorHub):
    """The LEGO MINDSTORMS Robot Inventor hub (Pybricks' ``InventorHub``)."""


class EssentialHub(_Fitted, _hubs.EssentialHub):
    """The LEGO SPIKE Essential hub (Pybricks' ``EssentialHub``)."""


class TechnicHub(_Fitted, _hubs.TechnicHub):
    """The LEGO Technic hub (Pybricks' ``TechnicHub``)."""


class MoveHub(_Fitted, _hubs.Hub):
    """The LEGO BOOST Move hub: light, one button, battery, an accelerometer as ``imu``
    (:class:`SimpleAccelerometer`)."""

    _type = "MoveHub"
    _parts = ()


class CityHub(_hubs.Hub):
    """The LEGO City hub: light, one button, battery; no IMU, display or speaker."""

    _type = "CityHub"
    _parts = ()

    def __init__(self, broadcast_channel=None, observe_channels=None):
        _hubs.Hub.__init__(self, Axis.Z, Axis.X, broadcast_channel, observe_channels)
        del self.imu
        _fit(self, Axis.Z, Axis.X)


def hub_type():
    """The robot's hub type (robot.toml's ``[hub] type``): ``"PrimeHub"`` when the robot
    names none or no brick is attached, as the simulator then plays a Prime Hub."""
    try:
        hal = _hal.get()
    except NoBrickError:
        return "PrimeHub"
    return (hal.robot_config().get("hub") or {}).get("type") or "PrimeHub"


class Hub(_Fitted, _hubs.Hub):
    """A kit board's generic hub (robot.toml's ``Hub``) as ``ThisHub`` makes it: robokit's
    ``Hub`` with Pybricks' parts fitted (not a Pybricks name: deleted below)."""


#: The class ThisHub makes for each robot.toml hub type.
_THIS_HUB = {"PrimeHub": PrimeHub, "InventorHub": InventorHub, "EssentialHub": EssentialHub,
             "TechnicHub": TechnicHub, "CityHub": CityHub, "MoveHub": MoveHub,
             "EV3Brick": EV3Brick, "Hub": Hub}
del Hub


class ThisHub:
    """Pybricks' ``ThisHub``: the hub the program runs on.  Making one makes the class of
    the robot's hub type (robot.toml's ``[hub] type``; a PrimeHub by default; a kit's
    generic ``Hub``: robokit's, with Pybricks' parts), with the same arguments:
    ``ThisHub()`` is then a ``PrimeHub`` (say), not a ``ThisHub``."""

    def __new__(cls, *args, **kwargs):
        return _THIS_HUB.get(hub_type(), PrimeHub)(*args, **kwargs)


def pybricks_version():
    """``pybricks.version`` as the simulated hub gives it: ``(hub kind, firmware
    version, build)``, e.g. ``("primehub", "4.0.0", "v4.0.0 (robokit simulator)")``, the
    kind from the robot's hub type and the version that of :data:`FIRMWARE_VERSION`."""
    return (HUB_KINDS.get(hub_type(), "primehub"), FIRMWARE_VERSION,
            "v" + FIRMWARE_VERSION + " (robokit simulator)")


fill(globals(), "pybricks.hubs", NOT_YET["pybricks.hubs"])

__all__ = ["CityHub", "EV3Brick", "EssentialHub", "InventorHub", "MoveHub", "PrimeHub",
           "TechnicHub", "ThisHub"]
