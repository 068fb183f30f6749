"""``pybricks.nxtdevices``: the NXT sensors an EV3 can use, on the simulator's sensors.

- ``TouchSensor``: the bumper's plunger, as the EV3 touch sensor (robot.toml type
  ``ForceSensor``).
- ``LightSensor``: a sensor looking down (type ``ColorSensor``) with the NXT light
  sensor's red lamp: ``reflection()`` (the red light's) and ``ambient()``, in %.
- ``ColorSensor``: as the EV3 colour sensor (``color()``, ``reflection()``, ``ambient()``,
  ``rgb()``), with ``hsv()`` and its lamp (``lights.on(color)``, recorded as an event).
- ``UltrasonicSensor``: the distance ray, in mm; 2550 when nothing is in range (the NXT
  sensor reports 255 cm).
- ``SoundSensor``, ``TemperatureSensor``, ``EnergyMeter``, ``VernierAdapter``: not
  simulated (the simulated world has no sound, temperature or power to measure); making
  one is one clear error naming it.

Portable (MicroPython too).
"""

from .. import _hal
from .._errors import UsageError
from ..parameters import Color, rgb_to_hsv
from ..sensors import nearest_color
from . import ev3devices as _ev3
from ._missing import not_simulated
from ._table import NOT_YET, WHY


class TouchSensor(_ev3.TouchSensor):
    """LEGO MINDSTORMS NXT Touch Sensor on ``port``."""


class LightSensor(_ev3._Sensor):
    """LEGO MINDSTORMS NXT Light Sensor on ``port``, looking down."""

    _accepts = ("ColorSensor",)

    def reflection(self):
        """How much of its red lamp's light the surface reflects: an int, 0-100 %."""
        return _ev3._pct(_hal.get().color_rgb(self._port)[0])

    def ambient(self):
        """Ambient light intensity (the lamp off): an int, 0-100 %."""
        return _ev3._pct(_hal.get().color_ambient(self._port))


class _Lamp:
    """The NXT colour sensor's lamp: ``on(color)`` (red, green, blue or none), ``off()``."""

    def __init__(self, port):
        self._port = port

    def on(self, color):
        """Switch the lamp on in ``color``: ``Color.RED``, ``Color.GREEN``,
        ``Color.BLUE``, or ``Color.NONE`` (off)."""
        if color not in (Color.RED, Color.GREEN, Color.BLUE, Color.NONE):
            raise UsageError("the NXT colour sensor's lamp is Color.RED, Color.GREEN, "
                             + "Color.BLUE or Color.NONE, not " + repr(color))
        _hal.get().event("sensor_light", {"port": self._port,
                                          "color": None if color is Color.NONE
                                          else repr(color)})

    def off(self):
        """Switch the lamp off."""
        _hal.get().event("sensor_light", {"port": self._port, "color": None})


class ColorSensor(_ev3.ColorSensor):
    """LEGO MINDSTORMS NXT Color Sensor on ``port``, looking down."""

    def __init__(self, port):
        _ev3.ColorSensor.__init__(self, port)
        self.light = _Lamp(self._port)
        self._colors = None

    def detectable_colors(self, colors=None):
        """The colours :meth:`color` chooses from (a tuple; at first the EV3 sensor's
        seven); give ``colors`` to set them."""
        if colors is None:
            return self._colors if self._colors is not None else _ev3.EV3_COLORS
        colors = tuple(colors)
        if not colors or not all(isinstance(c, Color) for c in colors):
            raise UsageError("detectable_colors takes a list of Colors, not " + repr(colors))
        self._colors = colors
        return None

    def color(self):
        """The surface's colour: the nearest of :meth:`detectable_colors`, or
        ``Color.NONE`` when nothing is seen."""
        if self._colors is None:
            return _ev3.ColorSensor.color(self)
        r, g, b = _hal.get().color_rgb(self._port)
        if r + g + b < _ev3.NO_COLOR_RGB_SUM:
            return Color.NONE
        return nearest_color(self.hsv(), self._colors)

    def hsv(self):
        """The surface's colour as hue (0-359), saturation and brightness (0-100 %)."""
        r, g, b = _hal.get().color_rgb(self._port)
        h, s, v = rgb_to_hsv(r, g, b)
        return Color(h, s, v)


class UltrasonicSensor(_ev3.UltrasonicSensor):
    """LEGO MINDSTORMS NXT Ultrasonic Sensor on ``port``."""

    def distance(self):
        """Distance to the nearest object ahead: an int in mm (2550: nothing in range)."""
        return _ev3.UltrasonicSensor.distance(self)


for _name in NOT_YET["pybricks.nxtdevices"]:
    globals()[_name] = not_simulated("pybricks.nxtdevices", _name, WHY[_name])

__all__ = ["ColorSensor", "LightSensor", "TouchSensor", "UltrasonicSensor"]
