"""``pybricks.robotics.Car``: a steering motor and one or more drive motors.
Portable (MicroPython too).

The simulated robot drives on two wheels at the ends of an axle, as a drive base does;
it has no steered front wheels.  A Car maps onto it: its steering motor turns to the
steering angle (a free motor of the robot), and its first two drive motors are the
robot's left and right wheels (a fitted robot makes them its drive base), driven at the
speeds a car's rear wheels take on the arc the steering gives: a car of wheelbase
:data:`WHEELBASE_MM` steering :data:`MAX_STEER_DEG` at 100 %.  So the robot follows the
path the car would.  Without a drive base of those two motors (one drive motor, or a
robot.toml that says otherwise), the drive motors turn alike and steering moves only
the steering motor.

Pybricks finds the steering's end stops by turning until the mechanism stalls; the
simulated steering motor has no end stops, so its range is :data:`STEER_RANGE_DEG` each
way from where it is when the Car is made.
"""

import math

from .. import _hal
from .._errors import UsageError
from ..control import in_range
from ..motors import Motor

#: Steering motor angle at 100 % steering, degrees each way from the centre.
STEER_RANGE_DEG = 90.0
#: The steered wheels' angle at 100 % steering, degrees.
MAX_STEER_DEG = 30.0
#: Distance from the driven axle to the steered one, mm.
WHEELBASE_MM = 160.0
#: Speed of the steering motor while it steers, deg/s.
STEER_SPEED = 500
#: Below this power (%), drive_power coasts the wheels, as Pybricks does.
COAST_BELOW = 10


class Car:
    """A vehicle with one steering motor and one or more drive motors."""

    def __init__(self, steer_motor, drive_motors, torque_limit=100):
        motors = drive_motors if isinstance(drive_motors, (tuple, list)) else (drive_motors,)
        for m in (steer_motor,) + tuple(motors):
            if not isinstance(m, Motor):
                raise UsageError("Car takes Motors (a steering motor and drive motors), "
                                 + "not " + repr(m))
        if not motors:
            raise UsageError("Car needs at least one drive motor")
        in_range(torque_limit, "Car torque_limit", 0, 100, "%")
        self._steer_motor = steer_motor
        self._drive = tuple(motors)
        self._steer = 0.0
        self._half_track = None
        drive = _hal.get().robot_config().get("drive_base") or {}
        devices = _hal.get().robot_config().get("devices") or {}
        ports = [(devices.get(drive.get(side)) or {}).get("port") for side in ("left", "right")]
        if len(motors) >= 2 and ports == [motors[0]._port, motors[1]._port] and \
                drive.get("axle_track"):
            self._half_track = float(drive["axle_track"]) / 2.0
        steer_motor.reset_angle(0)
        _hal.get().event("car", {"steer_port": steer_motor._port,
                                 "drive_ports": [m._port for m in motors]})

    def __repr__(self):
        return "Car()"

    def _sides(self):
        """How much faster than the car each drive motor turns (left, right, others)."""
        k = [1.0] * len(self._drive)
        if self._half_track is not None and self._steer:
            curvature = math.tan(math.radians(MAX_STEER_DEG * self._steer / 100.0)) \
                / WHEELBASE_MM
            k[0] = 1.0 + curvature * self._half_track  # steering right: the left wheel
            k[1] = 1.0 - curvature * self._half_track  # goes round the outside
        return k

    def steer(self, percentage):
        """Steer the front wheels: 100 % right, -100 % left, 0 straight."""
        p = max(-100.0, min(100.0, in_range(percentage, "steering", -1e9, 1e9, "%")))
        self._steer = p
        self._steer_motor.run_target(STEER_SPEED, STEER_RANGE_DEG * p / 100.0, wait=False)
        self._again()

    def _again(self):
        if getattr(self, "_mode", None) == "speed":
            self.drive_speed(self._value)
        elif getattr(self, "_mode", None) == "power":
            self.drive_power(self._value)

    def drive_speed(self, speed):
        """Drive at ``speed`` (deg/s of the drive motors; negative: backwards)."""
        s = in_range(speed, "Car speed", -1e9, 1e9, "deg/s")
        self._mode, self._value = "speed", s
        k = self._sides()
        for i in range(len(self._drive)):
            self._drive[i].run(s * k[i])

    def drive_power(self, power):
        """Drive at ``power`` (-100 to 100 % of the battery voltage); below 10 % the
        wheels coast."""
        p = in_range(power, "Car power", -100, 100, "%")
        self._mode, self._value = "power", p
        k = self._sides()
        for i in range(len(self._drive)):
            if abs(p) < COAST_BELOW:
                self._drive[i].stop()
            else:
                self._drive[i].dc(max(-100.0, min(100.0, p * k[i])))
