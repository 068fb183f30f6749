# mypy: ignore-errors
"""Stand-in ``pybricks.pupdevices`` (robokit simulated hub).

NO PHYSICS: a Motor's angle is its commanded speed integrated over wall-clock
time; sensors return fixed values.
"""

import time

from pybricks.parameters import Color, Direction, Stop
from pybricks.tools import wait


def _now_ms():
    return time.ticks_ms()


class DCMotor:
    def __init__(self, port, positive_direction=Direction.CLOCKWISE):
        self.port = port
        self._duty = 0

    def dc(self, duty):
        self._duty = duty

    def stop(self):
        self._duty = 0

    def brake(self):
        self._duty = 0

    def settings(self, max_voltage=None):
        return (9000,)


class Motor(DCMotor):
    def __init__(self, port, positive_direction=Direction.CLOCKWISE, gears=None,
                 reset_angle=True, profile=None):
        super().__init__(port, positive_direction)
        self._angle = 0.0
        self._speed = 0
        self._since = _now_ms()
        self._until = None  # (ms, target angle) of a timed command

    def _update(self):
        now = _now_ms()
        if self._until is not None and time.ticks_diff(now, self._until[0]) >= 0:
            self._angle = self._until[1]
            self._speed = 0
            self._until = None
        else:
            self._angle += self._speed * time.ticks_diff(now, self._since) / 1000
        self._since = now

    def angle(self):
        self._update()
        return int(self._angle)

    def speed(self, window=100):
        self._update()
        return int(self._speed)

    def load(self):
        return 0

    def stalled(self):
        return False

    def done(self):
        self._update()
        return self._until is None

    def reset_angle(self, angle=None):
        self._update()
        self._angle = 0 if angle is None else angle

    def run(self, speed):
        self._update()
        self._until = None
        self._speed = speed

    def stop(self):
        self._update()
        self._speed = 0
        self._until = None

    brake = stop
    hold = stop

    def dc(self, duty):
        self.run(duty * 10)

    def _move(self, speed, target, wait_):
        self._update()
        speed = abs(speed) or 1
        ms = int(abs(target - self._angle) * 1000 / speed)
        self._speed = speed if target >= self._angle else -speed
        self._until = (time.ticks_add(_now_ms(), ms), target)
        if wait_:
            return wait(ms)

    def run_angle(self, speed, rotation_angle, then=Stop.HOLD, wait=True):
        self._update()
        sign = -1 if speed < 0 else 1
        return self._move(speed, self._angle + sign * rotation_angle, wait)

    def run_target(self, speed, target_angle, then=Stop.HOLD, wait=True):
        return self._move(speed, target_angle, wait)

    def run_time(self, speed, time_ms, then=Stop.HOLD, wait=True):
        self._update()
        return self._move(speed, self._angle + speed * time_ms / 1000, wait)

    def run_until_stalled(self, speed, then=Stop.COAST, duty_limit=None):
        return self.angle()

    def track_target(self, target_angle):
        self._update()
        self._angle = target_angle


class _Lights:
    def on(self, brightness=100):
        pass

    def off(self):
        pass


class _LitSensor:
    """A sensor on ``port`` with built-in lights."""

    def __init__(self, port):
        self.port = port
        self.lights = _Lights()


class ColorSensor(_LitSensor):
    def reflection(self):
        return 50

    def ambient(self):
        return 20

    def color(self, surface=True):
        return Color.NONE

    def hsv(self, surface=True):
        return Color(0, 0, 50)

    def detectable_colors(self, colors=None):
        return ()


class UltrasonicSensor(_LitSensor):
    def distance(self):
        return 2000

    def presence(self):
        return False


class ForceSensor:
    def __init__(self, port):
        self.port = port

    def force(self):
        return 0

    def distance(self):
        return 0

    def pressed(self, force=3):
        return False

    def touched(self):
        return False

