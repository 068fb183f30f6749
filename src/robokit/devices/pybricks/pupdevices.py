"""``pybricks.pupdevices``: Powered Up motors and sensors, robokit's own.

ColorDistanceSensor is a colour sensor looking down (colour, reflection, ambient, HSV,
its light) whose ``distance()`` measures forward along the distance ray the ultrasonic
sensor uses, over :data:`CDS_RANGE_MM`.  Remote, TiltSensor, InfraredSensor, Light,
ColorLightMatrix and PFMotor are in :mod:`.pupextra`; the hubs with LEGO's firmware a
program drives over Bluetooth (TechnicMoveHub, DuploTrain, MarioHub) in :mod:`.puphubs`.
Portable (MicroPython too).
"""

from .. import _hal
from .._errors import DeviceError
from ..parameters import Color
from ..sensors import ColorSensor as _ColorSensor
from ..sensors import ForceSensor as _ForceSensor
from ..sensors import UltrasonicSensor as _UltrasonicSensor
from ..sensors import _SensorLights
from ._await import done, reading
from ._missing import fill
from ._motors import DCMotor, Motor
from ._pct import pcts
from ._table import NOT_YET
from .pupextra import ColorLightMatrix, InfraredSensor, Light, PFMotor, Remote, TiltSensor
from .puphubs import DuploTrain, MarioHub, TechnicMoveHub

#: How far a ColorDistanceSensor's distance() reaches, mm: 100 % from here on (the
#: sensor's infrared proximity works at short range; robokit's figure, not LEGO's).
CDS_RANGE_MM = 100.0


class _Lights(_SensorLights):
    """A sensor's built-in lights, whose brightness past 0-100 is capped to it, as
    Pybricks does."""

    def on(self, brightness=100):
        """Turn the lights on: one brightness 0-100 for all, or one per light."""
        _SensorLights.on(self, pcts(brightness))


class ColorSensor(_ColorSensor):
    """LEGO SPIKE colour sensor (robokit's), its lights capped and its readings
    awaitable inside tasks, as Pybricks' are."""

    _enodev = True

    def __init__(self, port):
        _ColorSensor.__init__(self, port)
        self.lights = _Lights(self._port, 3)

    def reflection(self):
        """Reflected light, %."""
        return reading(lambda: _ColorSensor.reflection(self), "reflection()")

    def ambient(self):
        """Ambient light, %."""
        return reading(lambda: _ColorSensor.ambient(self), "ambient()")

    def hsv(self, surface=True):
        """The colour seen as a :class:`Color` of hue, saturation and value."""
        return reading(lambda: _ColorSensor.hsv(self, surface), "hsv()")

    def color(self, surface=True):
        """The detectable colour nearest to what is seen."""
        return reading(lambda: _ColorSensor.color(self, surface), "color()")


class UltrasonicSensor(_UltrasonicSensor):
    """LEGO SPIKE ultrasonic sensor (robokit's), its lights capped and its readings
    awaitable inside tasks, as Pybricks' are."""

    _enodev = True

    def __init__(self, port):
        _UltrasonicSensor.__init__(self, port)
        self.lights = _Lights(self._port, 4)

    def distance(self):
        """Distance to the nearest object ahead, mm (2000 with none)."""
        return reading(lambda: _UltrasonicSensor.distance(self), "distance()")

    def presence(self):
        """Whether another ultrasonic sensor is heard."""
        return reading(lambda: _UltrasonicSensor.presence(self), "presence()")


class ForceSensor(_ForceSensor):
    """LEGO SPIKE force sensor (robokit's), its readings awaitable inside tasks, as
    Pybricks' are."""

    _enodev = True

    def force(self):
        """Force, N."""
        return reading(lambda: _ForceSensor.force(self), "force()")

    def distance(self):
        """How far the plunger is pushed in, mm."""
        return reading(lambda: _ForceSensor.distance(self), "distance()")

    def pressed(self, force=3):
        """Whether it is pressed with at least ``force`` N."""
        return reading(lambda: _ForceSensor.pressed(self, force), "pressed()")

    def touched(self):
        """Whether it is touched at all."""
        return reading(lambda: _ForceSensor.touched(self), "touched()")


class _ColorLight:
    """The light of a ColorDistanceSensor: ``on(color)`` and ``off()``."""

    def __init__(self, port):
        self._port = port

    def on(self, color=Color.WHITE):
        """Switch the light on in ``color`` (a :class:`Color`)."""
        if not isinstance(color, Color):
            raise DeviceError("light.on takes a Color, not " + repr(color))
        _hal.get().event("sensor_light", {"port": self._port, "color": repr(color)})
        return done("light.on()")

    def off(self):
        """Switch the light off."""
        _hal.get().event("sensor_light", {"port": self._port, "color": None})
        return done("light.off()")


class ColorDistanceSensor(ColorSensor):
    """LEGO Powered Up colour and distance sensor (its colour part; see the module)."""

    def __init__(self, port):
        ColorSensor.__init__(self, port)
        self.light = _ColorLight(self._port)

    def __repr__(self):
        return "ColorDistanceSensor(Port." + self._port + ")"

    def distance(self):
        """How near the nearest object ahead is: 0 % (touching) to 100 %
        (:data:`CDS_RANGE_MM` or farther), in steps of 10 as the sensor reports it.
        Measured along the robot's forward direction from where the sensor sits."""
        return reading(self._distance, "distance()")

    def _distance(self):
        d = _hal.get().ultrasonic_distance(self._port)
        return 10 * max(0, min(10, int(round(10.0 * d / CDS_RANGE_MM))))


fill(globals(), "pybricks.pupdevices", NOT_YET["pybricks.pupdevices"])

__all__ = ["ColorDistanceSensor", "ColorLightMatrix", "ColorSensor", "DCMotor", "DuploTrain",
           "ForceSensor", "InfraredSensor", "Light", "MarioHub", "Motor", "PFMotor", "Remote",
           "TechnicMoveHub", "TiltSensor", "UltrasonicSensor"]
