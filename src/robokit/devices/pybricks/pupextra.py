"""The Powered Up devices of ``pybricks.pupdevices`` that robokit's device API has no
class for: Remote, TiltSensor, InfraredSensor, Light, ColorLightMatrix, PFMotor.

- ``Remote``: its buttons are scripted like the hub's (``--press remote.left_plus@3s-4s``,
  ``simulate(press=[...])``); a simulated remote is always found, so connecting never
  times out.  Its light, and ``name(...)``, are recorded as events.
- ``TiltSensor``: pitch and roll from the robot's attitude (the hub's accelerometer);
  on the flat floor of the simulated worlds, ``(0, 0)``.
- ``InfraredSensor``: a forward-facing sensor on the distance ray the ultrasonic sensor
  uses (a fitted robot carries it where it carries an ultrasonic sensor).
- ``Light``, ``ColorLightMatrix``: what they are told is recorded as events.
- ``PFMotor``: a Power Functions motor commanded over the infrared light of a
  ColorDistanceSensor; its commands are recorded as events and move nothing (the
  simulated robot has no Power Functions receiver).

Portable (MicroPython too).
"""

import math

from .. import _hal
from .._errors import UsageError, missing_device
from .._ports import open_port, port_letter
from ..control import in_range
from ..parameters import Button, Color, Direction
from ._await import done, reading
from ._pct import pct

#: What a remote button's name starts with among the held buttons the HAL reports.
REMOTE = "REMOTE."
#: How far an InfraredSensor sees, mm: its distance() is 100 % from here on.
INFRARED_RANGE_MM = 250.0
#: Below this distance (``distance()`` in %), an InfraredSensor counts an object.
INFRARED_COUNT_BELOW = 50


def not_on_a_kit(kind, timeout):
    """On a kit board (no simulator behind the HAL), connecting to a LEGO remote, hub or
    an Xbox controller fails as on a hub that finds none: after ``timeout`` ms (at once
    for None), ``OSError``.  The simulator finds them at once."""
    hal = _hal.get()
    if hasattr(hal, "set_presses"):  # the simulator: its presses script these devices
        return
    if timeout is not None:
        hal.sleep_us(int(timeout * 1000))
    raise OSError(kind + ": none found: a kit board has no Bluetooth link to LEGO remotes, "
                  + "hubs or Xbox controllers (robokit simulates them in the simulator only)")


class _Wireless:
    """What a Bluetooth device the program connects to has in common (Remote,
    XboxController, the hubs of :mod:`.puphubs`): its name and timeout, connect,
    disconnect, and ``OSError`` when used unconnected.  ``_kind`` is its class name,
    ``_owner`` whose Bluetooth name it is (in messages), ``_event_kind`` the HAL
    event that says it (dis)connected."""

    _kind = ""
    _owner = ""
    _event_kind = ""

    def _open(self, name, timeout, default_name):
        """Check and keep ``name`` (None: ``default_name``) and ``timeout`` (ms)."""
        if name is not None and not isinstance(name, str):
            raise UsageError(self._kind + "(name=...) takes the " + self._owner
                             + "'s Bluetooth name (a str) or None, not " + repr(name))
        if timeout is not None:
            in_range(timeout, self._kind + " timeout", 0, 10 ** 9, "ms")
        self._name = name if name is not None else default_name
        self._timeout = timeout
        self._connected = False

    def __repr__(self):
        return self._kind + "()"

    def connect(self):
        """Connect to the device: in the simulator it is always there."""
        not_on_a_kit(self._kind, self._timeout)
        self._connected = True
        self._say_connected(True)

    def disconnect(self):
        """Disconnect from the device."""
        self._connected = False
        self._say_connected(False)

    def _say_connected(self, connected):
        _hal.get().event(self._event_kind, {"connected": connected, "name": self._name})

    def _check(self):
        if not self._connected:
            raise OSError("the " + self._kind + " is not connected: call connect() first")


def _free_port(port, kind):
    """The letter of ``port`` for a device the robot's configuration does not model (a
    light, a tilt sensor): the port must not hold a configured device."""
    letter = port_letter(port)
    info = _hal.get().port_info(letter)
    if info is not None:
        raise missing_device(kind + " on Port." + letter + ": the robot has a "
                             + str(info.get("type")) + " there; move the " + kind
                             + " or the other device to a free port", True)
    return letter


class _RemoteButtons:
    """The remote's buttons: ``pressed()`` as the hub's; ``OSError`` while the remote
    (``owner``) is not connected, as in Pybricks."""

    def __init__(self, owner):
        self._owner = owner

    def pressed(self):
        """The remote's buttons held down now: a set of :class:`Button`."""
        self._owner._check()
        out = set()
        for name in _hal.get().buttons():
            if name.startswith(REMOTE):
                key = name[len(REMOTE):]
                for b in Button._all:
                    if b.name == key:
                        out.add(b)
        return out


class _EventLight:
    """A device's colour light: ``on(color)`` and ``off()``, recorded as events."""

    def __init__(self, kind, where, owner):
        self._kind = kind
        self._where = where
        self._owner = owner

    def on(self, color):
        """Switch the light on in ``color`` (a :class:`Color`)."""
        self._owner._check()
        if not isinstance(color, Color):
            raise UsageError(self._kind + " light.on takes a Color such as Color.RED, not "
                             + repr(color))
        _hal.get().event(self._kind + "_light", {"where": self._where,
                                                 "color": [color.h, color.s, color.v]})

    def off(self):
        """Switch the light off."""
        self._owner._check()
        _hal.get().event(self._kind + "_light", {"where": self._where, "color": None})


class Remote(_Wireless):
    """The LEGO Powered Up Bluetooth remote (88010): two sets of +/- buttons, a green
    centre button, a light.  Simulated: always found at once."""

    _kind = "Remote"
    _owner = "remote"
    _event_kind = "remote"

    def __init__(self, name=None, timeout=10000, connect=True):
        self._open(name, timeout, "Handset")
        self.buttons = _RemoteButtons(self)
        self.light = _EventLight("remote", "remote", self)
        self.address = None
        if connect:
            self.connect()

    def connect(self):
        """Connect to the remote: in the simulator it is always there."""
        _Wireless.connect(self)
        self.address = "00:00:00:00:00:01"

    def read(self):
        """The oldest raw LEGO Wireless Protocol message the remote sent and was not
        read yet: always None in the simulator (the scripted buttons send none)."""
        return None

    def write(self, buf):
        """Send a raw LEGO Wireless Protocol message (at most 20 bytes) to the remote:
        recorded as a ``remote_write`` event."""
        self._check()
        if not isinstance(buf, (bytes, bytearray)):
            raise TypeError("Remote.write takes bytes, not " + repr(buf))
        if len(buf) > 20:
            raise ValueError("Remote.write takes at most 20 bytes, not " + str(len(buf)))
        _hal.get().event("remote_write", {"data": list(buf)})

    def name(self, name=None):
        """The remote's Bluetooth name, or give ``name`` to rename it."""
        self._check()
        if name is None:
            return self._name
        if not isinstance(name, str):
            raise UsageError("Remote.name takes a str, not " + repr(name))
        self._name = name
        _hal.get().event("remote", {"connected": True, "name": name})
        return None


class TiltSensor:
    """The LEGO Powered Up tilt sensor (WeDo 2.0) on ``port``."""

    def __init__(self, port):
        self._port = _free_port(port, "TiltSensor")

    def __repr__(self):
        return "TiltSensor(Port." + self._port + ")"

    def tilt(self):
        """``(pitch, roll)`` in degrees from level: ints; ``(0, 0)`` on a flat floor."""
        return reading(lambda: _tilt(_hal.get().imu_accel()), "tilt()")


def _tilt(accel):
    x, y, z = accel
    pitch = math.degrees(math.atan2(x, math.sqrt(y * y + z * z)))
    roll = math.degrees(math.atan2(y, z))
    return int(round(pitch)), int(round(roll))


class InfraredSensor:
    """The LEGO Powered Up infrared sensor (WeDo 2.0 motion sensor) on ``port``, facing
    forward; the robot's configuration has it as an UltrasonicSensor-type ray."""

    def __init__(self, port):
        self._port = open_port(port, "InfraredSensor", ("UltrasonicSensor",), True)
        self._count = 0
        self._near = False

    def __repr__(self):
        return "InfraredSensor(Port." + self._port + ")"

    def distance(self):
        """How far the nearest object ahead is: an int, 0 % (touching) to 100 %
        (:data:`INFRARED_RANGE_MM` or farther)."""
        return reading(self._distance, "distance()")

    def _distance(self):
        d = _hal.get().ultrasonic_distance(self._port)
        pct = max(0, min(100, int(round(100.0 * d / INFRARED_RANGE_MM))))
        near = pct < INFRARED_COUNT_BELOW
        if near and not self._near:
            self._count += 1
        self._near = near
        return pct

    def reflection(self):
        """How much infrared light comes back: an int 0-100 %, more the nearer the
        object (``100 - distance()``)."""
        return reading(lambda: 100 - self._distance(), "reflection()")

    def count(self):
        """How many times an object came near (closer than
        :data:`INFRARED_COUNT_BELOW` %), as far as readings saw it."""
        return reading(self._counted, "count()")

    def _counted(self):
        self._distance()
        return self._count


class Light:
    """A LEGO Powered Up light (88005) on ``port``: brightness recorded as events."""

    def __init__(self, port):
        self._port = _free_port(port, "Light")

    def __repr__(self):
        return "Light(Port." + self._port + ")"

    def on(self, brightness=100):
        """Switch on at ``brightness`` (0-100 %)."""
        b = in_range(pct(brightness), "Light brightness", 0, 100, "%")
        _hal.get().event("port_light", {"port": self._port, "brightness": b})

    def off(self):
        """Switch off."""
        _hal.get().event("port_light", {"port": self._port, "brightness": 0})


class ColorLightMatrix:
    """The SPIKE 3x3 colour light matrix on ``port``: colours recorded as events."""

    def __init__(self, port):
        self._port = _free_port(port, "ColorLightMatrix")

    def __repr__(self):
        return "ColorLightMatrix(Port." + self._port + ")"

    def on(self, color=None, colors=None):
        """All 9 lights in one :class:`Color`, or each in its own (a list of 9); the
        stub's signature calls it ``color``, its docstring ``colors``: both are taken."""
        if (color is None) == (colors is None):
            raise UsageError("ColorLightMatrix.on takes one Color or a list of 9 Colors")
        colors = color if colors is None else colors
        many = [colors] * 9 if isinstance(colors, Color) else list(colors)
        if len(many) != 9 or not all(isinstance(c, Color) for c in many):
            raise UsageError("ColorLightMatrix.on takes a Color or a list of 9 Colors, not "
                             + repr(colors))
        _hal.get().event("light_matrix", {"port": self._port,
                                          "colors": [[c.h, c.s, c.v] for c in many]})
        return done("on()")

    def off(self):
        """All lights off."""
        _hal.get().event("light_matrix", {"port": self._port, "colors": None})
        return done("off()")


class PFMotor:
    """A Power Functions motor behind an infrared receiver, commanded through the light
    of a ColorDistanceSensor: recorded as events, no physics."""

    def __init__(self, sensor, channel, color, positive_direction=Direction.CLOCKWISE):
        port = getattr(sensor, "_port", None)
        if port is None or type(sensor).__name__ != "ColorDistanceSensor":
            raise UsageError("PFMotor needs a ColorDistanceSensor to send from, not "
                             + repr(sensor))
        if channel not in (1, 2, 3, 4):
            raise UsageError("PFMotor channel must be 1, 2, 3 or 4, not " + repr(channel))
        if color is not Color.BLUE and color is not Color.RED:
            raise UsageError("PFMotor color is the receiver's marker, Color.BLUE or "
                             + "Color.RED, not " + repr(color))
        if positive_direction is not Direction.CLOCKWISE and \
                positive_direction is not Direction.COUNTERCLOCKWISE:
            raise UsageError("PFMotor positive_direction must be a Direction, not "
                             + repr(positive_direction))
        self._where = {"port": port, "channel": channel, "color": color.name}
        self._sign = -1 if positive_direction is Direction.COUNTERCLOCKWISE else 1

    def _send(self, duty):
        data = dict(self._where)
        data["duty"] = duty
        _hal.get().event("pf_motor", data)

    def dc(self, duty):
        """Run at ``duty`` (-100 to 100 %)."""
        self._send(self._sign * in_range(duty, "PFMotor duty", -100, 100, "%"))
        return done("dc()")

    def stop(self):
        """Stop (coast)."""
        self._send(0)
        return done("stop()")

    def brake(self):
        """Stop (brake)."""
        self._send(0)
        return done("brake()")
