"""DriveBase: a robot with two driven wheels (Pybricks' ``pybricks.robotics``).  Portable.

Like Pybricks, the drive base runs two controllers: one for the distance
driven (the mean of the two wheel angles) and one for the heading (half their
difference, or the hub's gyro with ``use_gyro(True)``).  Each follows its own
trapezoidal trajectory; for a combined move the shorter one is stretched to
the longer one's timing so the robot stays on the intended arc.  Their torques
add up per wheel: left = distance + heading, right = distance - heading.

Units: mm, mm/s, deg, deg/s; positive turn = clockwise (to the right).
"""

from math import pi

from ._check import fmt
from ._errors import UsageError
from .control import (
    BRAKE,
    HOLD,
    NONE,
    NUMBER_MAX,
    POSITION,
    SPEED,
    Control,
    accel_out,
    accel_pair,
    forever,
    in_range,
    number,
    position,
    round_int,
    stationary,
    stretched,
)
from .motors import Motor, await_command, stop_value
from .parameters import Stop

#: Pybricks' drive defaults, as fractions of the motors' rated speed.
STRAIGHT_SPEED_FRACTION = 0.4
TURN_RATE_FRACTION = 1.0 / 3.0


def _axis_control(motor, scale, unit, torque_factor):
    """A Control for one axis of the drive base, with the motor's gains (in counts)."""
    m = motor.control
    return Control(
        scale=scale, unit=unit, speed_max=m.speed_max, accel=m.accel,
        torque_max=m.torque_max * torque_factor, kp=m.kp, ki=m.ki, kd=m.kd,
        deadzone=m.deadzone, irate=m.irate, speed_tol=m.speed_tol, pos_tol=m.pos_tol,
        stall_speed=m.stall_speed, stall_us=m.stall_us, inertia=m.inertia)


class DriveBase:
    """A robot with a left and a right driven wheel and a caster or skid."""

    def __init__(self, left_motor, right_motor, wheel_diameter, axle_track):
        if not isinstance(left_motor, Motor) or not isinstance(right_motor, Motor):
            raise UsageError("DriveBase needs two Motor objects (left_motor, right_motor)")
        if left_motor is right_motor or left_motor._port == right_motor._port:
            raise UsageError("left_motor and right_motor must be on different ports")
        if left_motor._ratio != right_motor._ratio:
            raise UsageError("both drive base motors must have the same gears")
        d = in_range(wheel_diameter, "wheel_diameter", 1, 1000, "mm")
        track = in_range(axle_track, "axle_track", 1, 5000, "mm")
        for m in (left_motor, right_motor):
            m._check_open()
            if m._parent is not None and m._parent is not self:
                m._parent._child_command()
            m._release()
            m._parent = self
        self._left = left_motor
        self._right = right_motor
        self._hal = left_motor._hal
        self._sched = left_motor._sched
        self._diameter = d
        self._track = track
        ratio = left_motor._ratio
        # Counts (motor degrees) per mm of the mean wheel travel, per degree of heading.
        self._kd = ratio * 360.0 / (pi * d)
        self._kh = ratio * track / d
        #: PID control of the distance driven (mm).
        self.distance_control = _axis_control(left_motor, self._kd, "mm", 1.0)
        #: PID control of the heading (deg); Pybricks allows it twice the torque.
        self.heading_control = _axis_control(left_motor, self._kh, "deg", 2.0)
        # The settings' accelerations are the axes' own (distance_control.limits() and
        # settings() read and set the same numbers, as in Pybricks); the speeds are the
        # moves' default speeds, below the axes' speed limits.
        top = left_motor.control.speed_max
        self._straight_speed = STRAIGHT_SPEED_FRACTION * top
        self._turn_rate = TURN_RATE_FRACTION * top
        self._gyro = False
        self._gyro_offset = 0.0
        self._off_d = 0.0
        self._off_h = 0.0
        self._gen = 0
        self._vlim_l = self._vlim_r = left_motor._max_mv
        # The last drive() while nothing else has happened since (see drive()), or None:
        # (speed, turn_rate, distance speed_max, heading speed_max).
        self._repeat = None
        self.reset()

    # -- plumbing ---------------------------------------------------------------------------
    def _child_command(self):
        """One of the motors got its own command: stop driving (both coast)."""
        self._repeat = None
        if self.distance_control.active or self.heading_control.active:
            self._halt(False)

    def _halt(self, brake):
        self._repeat = None
        self.distance_control.stop()
        self.heading_control.stop()
        self._sched.remove(self)
        self._gen += 1
        hal = self._hal
        for m in (self._left, self._right):
            m._mv = 0.0
            if brake:
                hal.motor_brake(m._port)
            else:
                hal.motor_coast(m._port)

    def _measure(self):
        """``(now, xd, vd, xh, vh)`` in counts: distance and heading axes."""
        hal = self._hal
        now = hal.time_us()
        lm = self._left
        rm = self._right
        al, wl = hal.motor_state(lm._port)
        ar, wr = hal.motor_state(rm._port)
        xl = lm._sign * al
        xr = rm._sign * ar
        vl = lm._sign * wl
        vr = rm._sign * wr
        if self._gyro:
            xh = self._gyro_offset - hal.imu_heading() * self._kh
        else:
            xh = (xl - xr) * 0.5
        return now, (xl + xr) * 0.5, (vl + vr) * 0.5, xh, (vl - vr) * 0.5

    def _owns_motors(self):
        owners = self._sched.owners
        lm = self._left
        rm = self._right
        return (owners.get(lm._port) is lm and owners.get(rm._port) is rm
                and not lm.control.active and not rm.control.active and not lm._closed
                and not rm._closed)

    def _take_motors(self):
        """Before a drive command: the motors stop their own control and serve us; another
        drive base on one of them lets go (as when one of its motors gets a command)."""
        for m in (self._left, self._right):
            m._check_open()
            parent = m._parent
            if parent is not self:
                if parent is not None:
                    parent._child_command()
                m._parent = self
            m._repeat = None  # its own run() is over: a run() again starts anew
            if m.control.active:
                m.control.stop()
                self._sched.remove(m)
                m._gen += 1
            if self._sched.owners.get(m._port) is not m:
                m._claim()
        self._gen += 1
        bat = self._hal.battery()[0]
        self._vlim_l = min(self._left._max_mv, bat)
        self._vlim_r = min(self._right._max_mv, bat)

    def _go(self, now, traj_d, traj_h, mode, then):
        self._repeat = None
        self._take_motors()
        self.distance_control.start(now, traj_d, mode, then)
        self.heading_control.start(now, traj_h, mode, then)
        self._sched.add(self)

    def _tick(self, now):
        """One 5 ms control step of both axes (called by the scheduler)."""
        hal = self._hal
        lm = self._left
        rm = self._right
        al, wl = hal.motor_state(lm._port)
        ar, wr = hal.motor_state(rm._port)
        if self._control(now, al, wl, ar, wr):
            hal.motor_voltage(lm._port, lm._sign * lm._mv)
            hal.motor_voltage(rm._port, rm._sign * rm._mv)
        else:
            self._halt(self.distance_control.then == BRAKE)

    def _control(self, now, al, wl, ar, wr):
        """Both axes' control at ``now``, from the wheels' angles and speeds as the HAL
        gives them: True with each wheel's voltage in its ``_mv`` (positive_direction
        side), or False when the move is over and the wheels are to be let go.  (The
        simulator's fast kernel calls it with the wheels read directly.)"""
        lm = self._left
        rm = self._right
        sl = lm._sign
        sr = rm._sign
        vl = sl * wl
        vr = sr * wr
        if self._gyro:
            xh = self._gyro_offset - self._hal.imu_heading() * self._kh
        else:
            xh = (sl * al - sr * ar) * 0.5
        cd = self.distance_control
        ch = self.heading_control
        td = cd.torque(now, (sl * al + sr * ar) * 0.5, (vl + vr) * 0.5)
        th = ch.torque(now, xh, (vl - vr) * 0.5)
        # Leader and follower pause together, so the robot stays on its path.
        if cd.paused != ch.paused:
            if cd.paused:
                ch.t_pause += ch.dt_us
                ch.paused = True
            else:
                cd.t_pause += cd.dt_us
                cd.paused = True
        if cd.paused:
            self._repeat = None  # the reference waits for the robot: drive() must restart
        if cd.on_target and ch.on_target and cd.finished(now) and ch.finished(now):
            return False
        rd = cd.ref_v
        rh = ch.ref_v
        ml = lm._drive_mv(td + th, rd + rh)
        mr = rm._drive_mv(td - th, rd - rh)
        lim = self._vlim_l
        if ml > lim:
            ml = lim
            cd.sat = ch.sat = 1
        elif ml < -lim:
            ml = -lim
            cd.sat = ch.sat = -1
        lim = self._vlim_r
        if mr > lim:
            mr = lim
            cd.sat = 1
            ch.sat = -1
        elif mr < -lim:
            mr = -lim
            cd.sat = -1
            ch.sat = 1
        lm._mv = ml
        rm._mv = mr
        return True

    def _relative(self, distance_counts, heading_counts, then, wait, name):
        """Drive the given counts along both axes together, then ``then``."""
        stop = stop_value(then)
        keep = stop == NONE
        now, xd, vd, xh, vh = self._measure()
        cd = self.distance_control
        ch = self.heading_control
        target_d = cd.relative_base(now, xd) + distance_counts
        target_h = ch.relative_base(now, xh) + heading_counts
        xd0, vd0 = cd.start_state(now, xd, vd)
        xh0, vh0 = ch.start_state(now, xh, vh)
        # settings()' speeds, never above the axes' limits() (which may be set lower)
        sd = self._straight_speed
        if sd > cd.speed_max:
            sd = cd.speed_max
        sh = self._turn_rate
        if sh > ch.speed_max:
            sh = ch.speed_max
        td = position(now, xd0, vd0, target_d, sd, cd.accel, cd.decel, keep)
        th = position(now, xh0, vh0, target_h, sh, ch.accel, ch.decel, keep)
        # The slower axis leads; the other is stretched to the same phase times.
        if td.d3 >= th.d3:
            th = stretched(now, xh0, vh0, target_h, td.d1, td.d2 - td.d1, td.d3 - td.d2, keep)
        else:
            td = stretched(now, xd0, vd0, target_d, th.d1, th.d2 - th.d1, th.d3 - th.d2, keep)
        self._go(now, td, th, POSITION, stop)
        return await_command(self, wait, name)

    # -- driving by distance and angle ------------------------------------------------------
    def straight(self, distance, then=Stop.HOLD, wait=True):
        """Drive ``distance`` mm straight ahead (negative: backwards), then ``then``."""
        d = number(distance, "distance", "mm") * self._kd
        return self._relative(d, 0.0, then, wait, "straight(...)")

    def turn(self, angle, then=Stop.HOLD, wait=True, absolute=False):
        """Turn in place by ``angle`` degrees (positive: clockwise, to the right); with
        ``absolute=True`` (Pybricks 4.0), to the heading ``angle`` (as ``angle()`` reads)."""
        a = (number(angle, "angle", "deg") - (self.angle() if absolute else 0.0)) * self._kh
        return self._relative(0.0, a, then, wait, "turn(...)")

    def curve(self, radius, angle, then=Stop.HOLD, wait=True):
        """Drive along a circle of ``radius`` mm for ``angle`` degrees of heading
        (Pybricks 3.3): a positive radius drives forward, a negative one backward;
        a positive angle turns clockwise (right) when going forward."""
        r = number(radius, "radius", "mm")
        a = number(angle, "angle", "deg")
        length = abs(a) * pi / 180.0 * r
        heading = -a if r < 0 else a
        return self._relative(length * self._kd, heading * self._kh, then, wait, "curve(...)")

    def arc(self, radius, angle=None, distance=None, then=Stop.HOLD, wait=True):
        """Drive along a circle of ``radius`` mm (Pybricks 3.6), by ``angle``
        degrees around it or by ``distance`` mm along it (give one of the two).

        A positive radius has the circle's centre on the robot's right (it turns
        clockwise), a negative radius on its left.  A positive angle or distance
        drives forward, a negative one backward.  Radius 0 with an angle turns in
        place.  A radius under 1 mm is 0 with a distance (Pybricks takes whole
        millimetres): a UsageError, as 0 is."""
        r = number(radius, "radius", "mm")
        if (angle is None) == (distance is None):
            raise UsageError("arc(...) needs either angle= or distance=, not both or neither")
        if angle is not None:
            a = number(angle, "angle", "deg")
            length = a * pi / 180.0 * abs(r)
            heading = a if r >= 0 else -a
        else:
            length = number(distance, "distance", "mm")
            if -1.0 < r < 1.0:  # (1e-9 mm spun the robot 5.7e11 degrees for 10 mm)
                raise UsageError(f"arc(radius={fmt(r)}, distance=...) cannot drive a "
                                 "distance on a circle of radius under 1 mm (Pybricks "
                                 "takes whole millimetres: 0); use turn(angle), or a "
                                 "radius of 1 mm or more")
            heading = length / abs(r) * 180.0 / pi
            if r < 0:
                heading = -heading
        return self._relative(length * self._kd, heading * self._kh, then, wait, "arc(...)")

    # -- driving forever ----------------------------------------------------------------------
    def drive(self, speed, turn_rate):
        """Drive at ``speed`` mm/s turning at ``turn_rate`` deg/s (clockwise positive)
        until another command."""
        rep = self._repeat
        if (rep is not None
                and (speed is rep[0] or (speed == rep[0] and type(speed) is type(rep[0])))
                and (turn_rate is rep[1]
                     or (turn_rate == rep[1] and type(turn_rate) is type(rep[1])))):
            cd = self.distance_control
            ch = self.heading_control
            if cd.speed_max is rep[2] and ch.speed_max is rep[3]:
                # The same drive() again with nothing else in between (a loop with no
                # wait): both references already run at these speeds, so starting them
                # again would only re-anchor them where they are.  The call costs the
                # same simulated time, and what a start resets is reset.
                self._gen += 1
                now = self._hal.time_us()
                if self._repeat is rep:
                    cd.t_last = ch.t_last = now
                    cd.sat = ch.sat = 0
                    return
                self._restart(now, rep[4], rep[5], speed, turn_rate)
                return
        cd = self.distance_control
        ch = self.heading_control
        sd = number(speed, "speed", "mm/s") * self._kd
        sh = number(turn_rate, "turn_rate", "deg/s") * self._kh
        top = cd.speed_max
        if sd > top:
            sd = top
        elif sd < -top:
            sd = -top
        top = ch.speed_max
        if sh > top:
            sh = top
        elif sh < -top:
            sh = -top
        if (cd.active and ch.active and not cd.paused and not ch.paused
                and cd.mode == SPEED and ch.mode == SPEED and self._owns_motors()):
            # Already driving (a program calling drive() in its loop): the new speeds
            # start from the running references, so nothing needs measuring or claiming.
            self._gen += 1
            self._restart(self._hal.time_us(), sd, sh, speed, turn_rate)
            return
        now, xd, vd, xh, vh = self._measure()
        xd0, vd0 = cd.start_state(now, xd, vd)
        xh0, vh0 = ch.start_state(now, xh, vh)
        self._go(now, forever(now, xd0, vd0, sd, cd.accel, cd.decel),
                 forever(now, xh0, vh0, sh, ch.accel, ch.decel), SPEED, NONE)
        self._note_repeat(sd, sh, speed, turn_rate)

    def _restart(self, now, sd, sh, speed, turn_rate):
        """drive() while already driving: new speeds from the running references (the
        trajectories change in place)."""
        cd = self.distance_control
        ch = self.heading_control
        cd.respeed(now, 0.0, 0.0, sd, cd.accel, cd.decel)
        ch.respeed(now, 0.0, 0.0, sh, ch.accel, ch.decel)
        self._note_repeat(sd, sh, speed, turn_rate)

    def _note_repeat(self, sd, sh, speed, turn_rate):
        """After drive(): once both references run at their speeds (no ramp left), the
        same drive() again changes nothing but the clock; remember what it was."""
        cd = self.distance_control
        ch = self.heading_control
        if cd.traj.d1 == 0.0 and ch.traj.d1 == 0.0 and cd.active and ch.active:
            self._repeat = (speed, turn_rate, cd.speed_max, ch.speed_max, sd, sh)
        else:
            self._repeat = None

    def stop(self):
        """Stop driving and let the wheels spin freely."""
        self._halt(False)

    def brake(self):
        """Stop driving and brake the wheels passively."""
        self._halt(True)

    def hold(self):
        """Stop driving and actively hold the current distance and heading."""
        now, xd, _vd, xh, _vh = self._measure()
        self._go(now, stationary(now, xd), stationary(now, xh), POSITION, HOLD)

    # -- state -------------------------------------------------------------------------------
    def distance(self):
        """Distance driven since the last reset, mm (int)."""
        st = self._measure()
        return round_int((st[1] - self._off_d) / self._kd)

    def angle(self):
        """Heading change since the last reset, degrees (float), clockwise positive."""
        st = self._measure()
        return (st[3] - self._off_h) / self._kh

    def state(self):
        """``(distance mm, drive speed mm/s, angle deg, turn rate deg/s)``, four ints
        as Pybricks gives them (``angle()`` alone is a float)."""
        _now, xd, vd, xh, vh = self._measure()
        return (round_int((xd - self._off_d) / self._kd), round_int(vd / self._kd),
                round_int((xh - self._off_h) / self._kh), round_int(vh / self._kh))

    def reset(self, distance=0, angle=0):
        """Make ``distance()`` and ``angle()`` read the given values from here on
        (a drive in progress is not disturbed)."""
        d = number(distance, "distance", "mm")
        a = number(angle, "angle", "deg")
        _now, xd, _vd, xh, _vh = self._measure()
        self._off_d = xd - d * self._kd
        self._off_h = xh - a * self._kh

    def done(self):
        """True when the last drive command is complete."""
        return self.distance_control.done() and self.heading_control.done()

    def stalled(self):
        """True while the drive base is blocked (either axis stalled)."""
        return self.distance_control.stalled() or self.heading_control.stalled()

    def use_gyro(self, use_gyro):
        """Take the heading from the hub's gyro (True) or from the wheels (False)."""
        if not isinstance(use_gyro, bool):
            raise UsageError(f"use_gyro needs True or False, not {repr(use_gyro)}")
        if use_gyro == self._gyro:
            return
        # Re-base the heading so that it does not jump when the source changes.
        _now, _xd, _vd, xh, _vh = self._measure()
        if use_gyro:
            self._gyro_offset = xh + self._hal.imu_heading() * self._kh
        self._gyro = use_gyro
        _now, _xd, _vd, xh2, _vh = self._measure()
        if not use_gyro:
            # The wheels and the gyro may disagree by now: keep angle() continuous.
            self._off_h += xh2 - xh
            self.heading_control.shift(xh2 - xh)

    def settings(self, straight_speed=None, straight_acceleration=None, turn_rate=None,
                 turn_acceleration=None):
        """Get or set the speeds and accelerations of straight/turn/curve/arc:
        ``straight_speed`` mm/s, ``straight_acceleration`` mm/s², ``turn_rate``
        deg/s, ``turn_acceleration`` deg/s² (accelerations may be tuples
        ``(acceleration, deceleration)``).  No arguments: the four current values.
        The accelerations are the axes' (``distance_control.limits()`` and
        ``heading_control.limits()`` give and set the same), drive() uses them too.
        A speed or rate above the axis' speed limit is taken at that limit, as Pybricks
        takes it (up to what ``limits()`` could be given; above, a UsageError)."""
        kd = self._kd
        kh = self._kh
        cd = self.distance_control
        ch = self.heading_control
        if straight_speed is None and straight_acceleration is None and turn_rate is None \
                and turn_acceleration is None:
            return (round_int(self._straight_speed / kd),
                    accel_out(cd.accel / kd, cd.decel / kd),
                    round_int(self._turn_rate / kh),
                    accel_out(ch.accel / kh, ch.decel / kh))
        # Pybricks: "speed and rate values are treated as absolute".
        straight_speed, turn_rate = _absolute(straight_speed), _absolute(turn_rate)
        if straight_speed is not None:
            ss = _speed_setting(straight_speed, "straight_speed", cd, "mm/s")
        if straight_acceleration is not None:
            sa = accel_pair(straight_acceleration, "straight_acceleration", 100000, "mm/s²")
        if turn_rate is not None:
            tr = _speed_setting(turn_rate, "turn_rate", ch, "deg/s")
        if turn_acceleration is not None:
            ta = accel_pair(turn_acceleration, "turn_acceleration", 100000, "deg/s²")
        if straight_speed is not None:
            self._straight_speed = ss
        if straight_acceleration is not None:
            cd.accel = sa[0] * kd
            cd.decel = sa[1] * kd
        if turn_rate is not None:
            self._turn_rate = tr
        if turn_acceleration is not None:
            ch.accel = ta[0] * kh
            ch.decel = ta[1] * kh
        return None

    def __repr__(self):
        return f"<DriveBase Port.{self._left._port} + Port.{self._right._port}>"


def _speed_setting(value, what, control, unit):
    """A speed of ``settings()`` in counts, as Pybricks takes it: refused outside 1 up
    to the most that ``control.limits()`` could be given (Pybricks' 2000 deg/s of the
    motors), else capped at the axis' speed limit now (``settings(straight_speed=600)``
    of a drive base whose motors top out at 489 mm/s reads back 489)."""
    k = control.scale
    v = in_range(value, what, 1, round_int(control.speed_top / k), unit)
    top = round_int(control.speed_max / k)
    return (v if v < top else top) * k


def _absolute(value):
    """A speed as Pybricks takes it: its magnitude (anything else, NaN, infinities and
    absurd magnitudes as given, to be refused by the range check naming them)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            -NUMBER_MAX <= value < 0:
        return -value
    return value

