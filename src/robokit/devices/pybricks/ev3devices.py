"""``pybricks.ev3devices``: the EV3's motors and sensors (Pybricks 2.x) on the simulator.

Each sensor is one of the simulator's, with the EV3 sensor's units and ranges:

- ``TouchSensor``: the force sensor's plunger on the bumper (robot.toml type
  ``ForceSensor``); pressed as soon as the plunger moves.
- ``ColorSensor``: the colour sensor looking down (type ``ColorSensor``); ``color()`` is
  one of the EV3's seven colours or ``Color.NONE`` (its colour mode), ``reflection()``
  the red light's reflection, ``rgb()`` and ``ambient()`` in %.
- ``UltrasonicSensor``: the distance ray (type ``UltrasonicSensor``), 10-2550 mm; 2550
  when nothing is seen, as the EV3 sensor reports out of range.
- ``InfraredSensor``: the same distance ray as a relative distance, 0-100 % over the
  sensor's 70 cm; the IR remote's buttons on channel 1 are the scripted remote's
  (``--press remote.left_plus@1s-2s`` is ``Button.LEFT_UP``); no beacon is in the world
  (``beacon()`` is ``(None, None)``).
- ``GyroSensor``: the robot body's rotation about the vertical (the simulator's IMU),
  in whole degrees and deg/s, the rate limited to the sensor's 440 deg/s.

Published data (LEGO MINDSTORMS EV3 User Guide, "EV3 Sensors"; LEGO product sheets
45504, 45505, 45506, 45507, 45509): the ultrasonic sensor measures 1-250 cm, +/-1 cm;
the infrared sensor's proximity is 0 (very close) to 100 (far), up to about 70 cm, and
its remote works up to 2 m on four channels; the gyro sensor measures up to 440 deg/s,
+/-3 degrees over 90 degrees; the colour sensor tells 7 colours and "no colour".
Portable (MicroPython too).
"""

from .. import _hal
from .._errors import UsageError, missing_device
from .._ports import open_port, port_letter, port_name
from ..parameters import Button, Color, Direction, rgb_to_hsv
from ..sensors import nearest_color
from ._motors import Motor

__all__ = ["ColorSensor", "GyroSensor", "InfraredSensor", "Motor", "TouchSensor",
           "UltrasonicSensor"]

#: The EV3 ultrasonic sensor's range, mm (1-250 cm; the EV3 reports 255.0 cm when
#: nothing is in range).  The simulator's ray reaches 2000 mm.
ULTRASONIC_MIN_MM = 10
ULTRASONIC_NOTHING_MM = 2550
#: The HAL's distance when nothing is seen.
_RAY_NOTHING_MM = 2000
#: The EV3 infrared sensor's proximity: 100 % at about 70 cm.
INFRARED_FULL_MM = 700.0
#: The EV3 gyro sensor's largest rate, deg/s.
GYRO_MAX_RATE = 440
#: The colours the EV3 colour sensor tells apart (its colour mode).
EV3_COLORS = (Color.BLACK, Color.BLUE, Color.GREEN, Color.YELLOW, Color.RED,
              Color.WHITE, Color.BROWN)
#: Below this brightness (sum of r, g, b in %) the colour mode sees no colour.
NO_COLOR_RGB_SUM = 3


def _sensor_port(port, kind_name, accepts):
    letter = port_letter(port)
    if not letter.startswith("S"):
        raise missing_device(kind_name + " on " + port_name(letter) + ": EV3 sensors go "
                             + "on Port.S1 to Port.S4 (motors on Port.A to Port.D)", True)
    return open_port(letter, kind_name, accepts, True)


class _Sensor:
    """A sensor on one of Port.S1 to Port.S4, where robot.toml has a device of a type
    in ``_accepts``; named by its class (``TouchSensor(Port.S1)``)."""

    _accepts: tuple[str, ...] = ()

    def __init__(self, port):
        self._port = _sensor_port(port, type(self).__name__, self._accepts)

    def __repr__(self):
        return type(self).__name__ + "(Port." + self._port + ")"


class TouchSensor(_Sensor):
    """LEGO MINDSTORMS EV3 Touch Sensor on ``port``."""

    _accepts = ("ForceSensor",)

    def pressed(self):
        """True while the sensor's button is pushed in."""
        n, mm = _hal.get().force_state(self._port)
        return n > 0 or mm > 0


class ColorSensor(_Sensor):
    """LEGO MINDSTORMS EV3 Color Sensor on ``port``."""

    _accepts = ("ColorSensor",)

    def rgb(self):
        """Reflection of red, green and blue light: a tuple of three ints, 0-100 %."""
        r, g, b = _hal.get().color_rgb(self._port)
        return (_pct(r), _pct(g), _pct(b))

    def reflection(self):
        """Reflection of the sensor's red light: an int, 0-100 %."""
        return _pct(_hal.get().color_rgb(self._port)[0])

    def ambient(self):
        """Ambient light intensity: an int, 0-100 %."""
        return _pct(_hal.get().color_ambient(self._port))

    def color(self):
        """The surface's colour: ``Color.BLACK``, ``BLUE``, ``GREEN``, ``YELLOW``, ``RED``,
        ``WHITE``, ``BROWN``, or ``Color.NONE`` when nothing is seen."""
        r, g, b = _hal.get().color_rgb(self._port)
        if r + g + b < NO_COLOR_RGB_SUM:
            return Color.NONE
        h, s, v = rgb_to_hsv(r, g, b)
        return nearest_color(Color(h, s, v), EV3_COLORS)


def _pct(x):
    return max(0, min(100, int(round(x))))


class UltrasonicSensor(_Sensor):
    """LEGO MINDSTORMS EV3 Ultrasonic Sensor on ``port``."""

    _accepts = ("UltrasonicSensor",)

    def distance(self, silent=False):
        """Distance to the nearest object ahead: an int in mm, 10-2550 (2550: nothing in
        range)."""
        d = _hal.get().ultrasonic_distance(self._port)
        if d >= _RAY_NOTHING_MM:
            return ULTRASONIC_NOTHING_MM
        return max(ULTRASONIC_MIN_MM, min(ULTRASONIC_NOTHING_MM, int(round(d))))

    def presence(self):
        """True when another ultrasonic sensor is heard."""
        return bool(_hal.get().ultrasonic_presence(self._port))


#: The scripted remote's buttons (``--press remote.NAME``) as the IR remote's.
_IR_BUTTONS = {"LEFT_PLUS": "LEFT_UP", "LEFT_MINUS": "LEFT_DOWN", "RIGHT_PLUS": "RIGHT_UP",
               "RIGHT_MINUS": "RIGHT_DOWN", "CENTER": "BEACON", "LEFT_UP": "LEFT_UP",
               "LEFT_DOWN": "LEFT_DOWN", "RIGHT_UP": "RIGHT_UP", "RIGHT_DOWN": "RIGHT_DOWN",
               "BEACON": "BEACON"}


def _channel(channel):
    if isinstance(channel, bool) or channel not in (1, 2, 3, 4):
        raise UsageError("channel must be 1, 2, 3 or 4 (the switch on the IR remote), not "
                         + repr(channel))
    return channel


class InfraredSensor(_Sensor):
    """LEGO MINDSTORMS EV3 Infrared Sensor on ``port``, and its remote (channel 1)."""

    _accepts = ("UltrasonicSensor",)

    def distance(self):
        """Relative distance to the nearest object ahead: an int, 0 % (closest) to
        100 % (about 70 cm or farther)."""
        d = _hal.get().ultrasonic_distance(self._port)
        return _pct(100.0 * d / INFRARED_FULL_MM)

    def beacon(self, channel):
        """Distance (%) and angle (deg) of the remote's beacon: no beacon is in the
        simulated world, so ``(None, None)``."""
        _channel(channel)
        return (None, None)

    def _held(self, beacon=True):
        out = []
        for name in _hal.get().buttons():
            if name.startswith("REMOTE."):
                key = _IR_BUTTONS.get(name[7:])
                if key is None or (key == "BEACON" and not beacon):
                    continue
                b = getattr(Button, key)
                if b not in out:
                    out.append(b)
        return out

    def buttons(self, channel):
        """The remote's buttons held down on ``channel`` (at most two, as the sensor
        reports them): a list of :class:`Button`.  The scripted remote is on channel 1."""
        if _channel(channel) != 1:
            return []
        return self._held()[:2]

    def keypad(self):
        """The remote's up/down buttons held down (channel 1): a list of :class:`Button`."""
        return self._held(beacon=False)


class GyroSensor(_Sensor):
    """LEGO MINDSTORMS EV3 Gyro Sensor on ``port``, on the robot's body: it turns as the
    robot does (``direction``: positive rotation seen from above, on its red dot)."""

    def __init__(self, port, direction=Direction.CLOCKWISE):
        letter = port_letter(port)
        if not letter.startswith("S"):
            raise missing_device("GyroSensor on " + port_name(letter) + ": EV3 sensors go "
                                 + "on Port.S1 to Port.S4 (motors on Port.A to Port.D)", True)
        info = _hal.get().port_info(letter)
        if info is not None:
            raise missing_device("no GyroSensor on " + port_name(letter) + ": the robot has "
                                 + "a " + str(info.get("type")) + " there", True)
        if direction is Direction.CLOCKWISE:
            self._sign = -1
        elif direction is Direction.COUNTERCLOCKWISE:
            self._sign = 1
        else:
            raise UsageError("direction must be Direction.CLOCKWISE or COUNTERCLOCKWISE, "
                             + "not " + repr(direction))
        self._port = letter
        self._offset = 0.0
        self.reset_angle(0)

    def speed(self):
        """Angular velocity: an int in deg/s, within +/-440."""
        rate = self._sign * _hal.get().imu_gyro()[2]
        return int(round(max(-GYRO_MAX_RATE, min(GYRO_MAX_RATE, rate))))

    def angle(self):
        """The accumulated rotation angle: an int in degrees."""
        return int(round(self._offset + self._sign * _hal.get().imu_heading()))

    def reset_angle(self, angle):
        """Make :meth:`angle` read ``angle`` degrees now."""
        if isinstance(angle, bool) or not isinstance(angle, (int, float)):
            raise UsageError("angle must be a number of degrees, not " + repr(angle))
        self._offset = angle - self._sign * _hal.get().imu_heading()
