# mypy: ignore-errors
"""Stand-in ``pybricks.robotics`` (robokit simulated hub).

NO PHYSICS: distance and angle jump to the commanded values after the time a
move would take at the default speeds.
"""

from pybricks.parameters import Stop
from pybricks.tools import wait


class DriveBase:
    def __init__(self, left_motor, right_motor, wheel_diameter, axle_track):
        self.left = left_motor
        self.right = right_motor
        self._distance = 0
        self._angle = 0
        self._speed = 200
        self._turn_rate = 200

    def straight(self, distance, then=Stop.HOLD, wait=True):
        self._distance += distance
        if wait:
            return _wait(abs(distance) * 1000 // self._speed)

    def turn(self, angle, then=Stop.HOLD, wait=True):
        self._angle += angle
        if wait:
            return _wait(abs(angle) * 1000 // self._turn_rate)

    def curve(self, radius, angle, then=Stop.HOLD, wait=True):
        self._angle += angle
        self._distance += abs(radius * angle * 3.14159 / 180)
        if wait:
            return _wait(abs(angle) * 1000 // self._turn_rate)

    def arc(self, radius, angle=None, distance=None, then=Stop.HOLD, wait=True):
        return self.curve(radius, angle or 0, then, wait)

    def drive(self, speed, turn_rate):
        pass

    def stop(self):
        pass

    brake = stop

    def distance(self):
        return int(self._distance)

    def angle(self):
        return int(self._angle)

    def state(self):
        return (self.distance(), 0, self.angle(), 0)

    def reset(self, distance=0, angle=0):
        self._distance = distance
        self._angle = angle

    def done(self):
        return True

    def stalled(self):
        return False

    def use_gyro(self, use_gyro):
        pass

    def settings(self, straight_speed=None, straight_acceleration=None, turn_rate=None,
                 turn_acceleration=None):
        if straight_speed:
            self._speed = straight_speed
        if turn_rate:
            self._turn_rate = turn_rate
        return (self._speed, 700, self._turn_rate, 700)


def _wait(ms):
    return wait(ms)
