"""Sensors: ColorSensor, UltrasonicSensor, ForceSensor (as in ``pybricks.pupdevices``).

Portable (MicroPython too).  Every reading goes through the HAL; the
constructors check with the HAL that the port holds that kind of sensor.
"""

import math

from . import _hal
from ._check import items, number
from ._errors import UsageError
from ._ports import open_port
from .control import in_range
from .parameters import Color, rgb_to_hsv

# Weight of the chroma (hue and saturation) part of the colour distance, 0-1;
# the rest goes to brightness.  Half and half, like Pybricks' default.
CHROMA_WEIGHT = 0.5

# The colours color() chooses from until detectable_colors() changes them
# (Pybricks' default for the SPIKE colour sensor).
DEFAULT_COLORS = (Color.RED, Color.YELLOW, Color.GREEN, Color.BLUE, Color.WHITE, Color.NONE)


def _cone(c):
    """A colour as a point ``(x, y, z)`` in a hue-chroma-value cone, each about 0-1.

    The chroma radius shrinks to nothing for dark colours (you cannot tell the
    hue of a nearly black surface), so dark readings land near NONE/BLACK
    whatever their hue, and unsaturated ones near the grey axis.
    """
    v = c.v / 100.0
    radius = (1.0 - (1.0 - v) * (1.0 - v)) * c.s / 100.0
    a = math.radians(c.h)
    return (radius * math.cos(a), radius * math.sin(a), v)


def color_distance(a, b):
    """How far apart two colours look, as a number (0 = the same; about 0-1)."""
    pa = _cone(a)
    pb = _cone(b)
    dx = pa[0] - pb[0]
    dy = pa[1] - pb[1]
    dz = pa[2] - pb[2]
    return CHROMA_WEIGHT * (dx * dx + dy * dy) + (1.0 - CHROMA_WEIGHT) * dz * dz


def nearest_color(measured, colors):
    """The colour of ``colors`` closest to ``measured`` (first one wins a tie)."""
    best = None
    best_cost = None
    for c in colors:
        cost = color_distance(measured, c)
        if best_cost is None or cost < best_cost:
            best = c
            best_cost = cost
    return best


class _SensorLights:
    """The lights built into a sensor (``sensor.lights.on(...)``/``off()``)."""

    def __init__(self, port, count):
        self._port = port
        self._count = count
        self._brightness = (0,) * count

    def on(self, brightness=100):
        """Turn the lights on: one brightness 0-100 for all, or one per light."""
        if isinstance(brightness, (int, float)):
            values = (brightness,) * self._count
        else:
            values = tuple(items(brightness, "the brightness of lights.on",
                                 str([100] + [50] * (self._count - 1)), (),
                                 "one number 0-100 or a list"))
            if len(values) != self._count:
                raise UsageError(f"lights.on needs one brightness or {self._count} of them, " +
                                 f"not {len(values)}")
        for b in values:
            in_range(b, "light brightness", 0, 100, "%")
        self._brightness = values
        _hal.get().event("sensor_lights", {"port": self._port, "brightness": list(values)})

    def off(self):
        """Turn all the lights off."""
        self.on(0)


class ColorSensor:
    """A SPIKE-style colour sensor on ``port``: reflection, colour, HSV and ambient light."""

    #: True in the pybricks namespace's subclasses: a missing device is then Pybricks'
    #: OSError ENODEV (NoDeviceError) rather than a DeviceError.
    _enodev = False

    def __init__(self, port):
        self._port = open_port(port, "ColorSensor", None, self._enodev)
        self._colors = DEFAULT_COLORS
        self.lights = _SensorLights(self._port, 3)

    def __repr__(self):
        return f"ColorSensor(Port.{self._port})"

    def _rgb(self):
        return _hal.get().color_rgb(self._port)

    def reflection(self):
        """How much of the sensor's light the surface reflects: an int, 0-100 %."""
        r, g, b = self._rgb()
        return max(0, min(100, int(round((r + g + b) / 3.0))))

    def ambient(self):
        """Ambient light intensity: an int, 0-100 %."""
        return max(0, min(100, int(round(_hal.get().color_ambient(self._port)))))

    def hsv(self, surface=True):
        """The measured colour as a :class:`Color` (hue, saturation, value).

        ``surface=True`` (default) measures a surface lit by the sensor.  With
        ``surface=False`` the sensor looks at light sources; the simulated world
        has none, so it sees the ambient light as a grey of that brightness.
        """
        if not surface:
            return Color(0, 0, self.ambient())
        r, g, b = self._rgb()
        h, s, v = rgb_to_hsv(r, g, b)
        return Color(h, s, v)

    def color(self, surface=True):
        """The detectable colour (see :meth:`detectable_colors`) nearest to :meth:`hsv`.

        Nearness is the distance in a hue-chroma-value cone, weighing chroma and
        brightness equally: dark readings come out as ``Color.NONE`` (or
        ``Color.BLACK`` if you made it detectable), greys as WHITE/GRAY/NONE by
        brightness, saturated ones by hue.
        """
        return nearest_color(self.hsv(surface), self._colors)

    def detectable_colors(self, colors=None):
        """The colours :meth:`color` chooses from (a tuple); pass ``colors`` to set them."""
        if colors is None:
            return self._colors
        colors = tuple(items(colors, "the colors of detectable_colors",
                             "[Color.RED, Color.WHITE, Color.NONE]", Color))
        if not colors:
            raise UsageError("detectable_colors needs at least one Color")
        for c in colors:
            if not isinstance(c, Color):
                raise UsageError(f"detectable_colors takes Color values, not {repr(c)}")
        self._colors = colors
        return None


class UltrasonicSensor:
    """A SPIKE-style ultrasonic distance sensor on ``port``."""

    #: True in the pybricks namespace's subclasses: a missing device is then Pybricks'
    #: OSError ENODEV (NoDeviceError) rather than a DeviceError.
    _enodev = False

    def __init__(self, port):
        self._port = open_port(port, "UltrasonicSensor", None, self._enodev)
        self.lights = _SensorLights(self._port, 4)

    def __repr__(self):
        return f"UltrasonicSensor(Port.{self._port})"

    def distance(self):
        """Distance to the nearest object ahead: an int in mm; 2000 when nothing is seen."""
        d = _hal.get().ultrasonic_distance(self._port)
        return max(0, min(2000, int(round(d))))

    def presence(self):
        """True when another ultrasonic sensor is heard nearby."""
        return bool(_hal.get().ultrasonic_presence(self._port))


# Plunger travel beyond which the force sensor counts as touched, mm.
TOUCH_TRAVEL_MM = 0.25


class ForceSensor:
    """A SPIKE force sensor (a push button that measures how hard) on ``port``."""

    #: True in the pybricks namespace's subclasses: a missing device is then Pybricks'
    #: OSError ENODEV (NoDeviceError) rather than a DeviceError.
    _enodev = False

    def __init__(self, port):
        self._port = open_port(port, "ForceSensor", None, self._enodev)

    def __repr__(self):
        return f"ForceSensor(Port.{self._port})"

    def force(self):
        """How hard the button is pressed: a float in newtons (0 to about 10)."""
        return float(_hal.get().force_state(self._port)[0])

    def distance(self):
        """How far the plunger is pushed in: a float in mm (0 to about 8)."""
        return float(_hal.get().force_state(self._port)[1])

    def pressed(self, force=3):
        """True when the button is pressed with at least ``force`` newtons."""
        return self.force() >= number(force, "force", "N")

    def touched(self):
        """True when the button is touched at all (more sensitive than :meth:`pressed`)."""
        n, mm = _hal.get().force_state(self._port)
        return n > 0 or mm >= TOUCH_TRAVEL_MM
