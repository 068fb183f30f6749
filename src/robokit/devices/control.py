"""Servo control: trapezoidal trajectories, PID with feedforward, the 5 ms loop.

Portable (MicroPython too).  This is the controller every brick without native
motor control runs, and the one the simulated brick runs: a Python version of
what Pybricks' ``pbio`` does in C.  ``docs/control.md`` explains the design.

Units inside: positions in *counts* (degrees of the motor shaft, already signed
by ``positive_direction``; for a drive base, the mean or half-difference of the
two wheel motors), speeds in counts/s, time in µs, torque in mNm at the motor
shaft.  :class:`Control` converts to the user's units (deg or mm) with
``scale`` (counts per user unit).

One scheduler per HAL ticks every *active* controller each 5 ms; a coasting or
braked motor is not in its list and costs nothing.
"""

from math import sqrt

from . import _hal
from ._check import NUMBER_MAX, in_range, number  # noqa: F401 - re-exported
from ._errors import UsageError

#: Period of the control loop, µs (Pybricks: 5 ms).
LOOP_US = 5000

_INF = float("inf")

# What a controller does (Control.mode).
POSITION = 0  # run_target, run_angle, hold, track_target, straight, turn...
SPEED = 1  # run, drive: ramp to a speed, then forever
TIMED = 2  # run_time: done when the time is up, wherever it is

# What happens on target (Control.then); the names of parameters.Stop's values.
COAST = "coast"
COAST_SMART = "coast_smart"
BRAKE = "brake"
HOLD = "hold"
NONE = "none"

#: Smart coast keeps holding this long after the end before it lets go, µs.
SMART_HOLD_US = 100000


# -- trajectories --------------------------------------------------------------


class Trajectory:
    """A reference motion: accelerate, cruise, decelerate, then rest (or go on).

    Four segments after the start time ``t0`` (µs): constant acceleration
    ``a0`` for ``d1`` seconds, constant speed ``v1`` until ``d2``, constant
    acceleration ``a2`` until ``d3``, then constant speed ``v3`` (0 for a
    stop) forever.  ``d2``/``d3`` are infinite for "run forever".  Position
    and speed are continuous; :meth:`ref` is a handful of float operations.
    """

    __slots__ = ("t0", "d1", "d2", "d3", "x0", "v0", "a0", "x1", "v1", "x2", "a2", "x3", "v3")

    def __init__(self, t0, x0, v0, a0, d1, v1, d2, a2, d3, x3=None, v3=0.0):
        self.t0 = t0
        self.x0 = x0
        self.v0 = v0
        self.a0 = a0
        self.d1 = d1
        self.v1 = v1
        self.d2 = d2
        self.a2 = a2
        self.d3 = d3
        self.v3 = v3
        self.x1 = x0 + (v0 + 0.5 * a0 * d1) * d1
        if d2 == _INF:
            self.x2 = self.x3 = _INF
            return
        t3 = d3 - d2
        tail = (v1 + 0.5 * a2 * t3) * t3
        if x3 is None:
            self.x2 = self.x1 + v1 * (d2 - d1)
            self.x3 = self.x2 + tail
        else:
            # Anchor the end exactly on the target; the rounding goes to the middle.
            self.x3 = x3
            self.x2 = x3 - tail

    def ref(self, t_us):
        """``(position, speed, acceleration)`` of the reference at time ``t_us``."""
        t = (t_us - self.t0) * 1e-6
        if t < self.d1:
            a = self.a0
            return self.x0 + (self.v0 + 0.5 * a * t) * t, self.v0 + a * t, a
        if t < self.d2:
            return self.x1 + self.v1 * (t - self.d1), self.v1, 0.0
        if t < self.d3:
            t -= self.d2
            a = self.a2
            return self.x2 + (self.v1 + 0.5 * a * t) * t, self.v1 + a * t, a
        return self.x3 + self.v3 * (t - self.d3), self.v3, 0.0

    def end_us(self):
        """First whole µs of the last segment (the reference is at its goal from
        then on), or None for a trajectory without end."""
        if self.d3 == _INF:
            return None
        return self.t0 + int(self.d3 * 1e6) + 1

    def duration(self):
        """Seconds from the start to the end (``inf`` for run-forever)."""
        return self.d3

    def shift(self, dx):
        """Move the whole trajectory by ``dx`` counts (an encoder was reset)."""
        self.x0 += dx
        self.x1 += dx
        self.x2 += dx
        self.x3 += dx

    def __repr__(self):
        return (f"Trajectory(t0={self.t0}, x0={self.x0:g}, v0={self.v0:g}, a0={self.a0:g}, " +
                f"d1={self.d1:g}, v1={self.v1:g}, d2={self.d2:g}, a2={self.a2:g}, " +
                f"d3={self.d3:g}, x3={self.x3:g}, v3={self.v3:g})")


def _mirrored(t0, x0, s, v, a1, t1, vc, tc, a3, t3, target, v_end):
    """A Trajectory from phases worked out with the motion in the positive direction
    (``s`` = +1 or -1 flips them back)."""
    d2 = t1 + tc
    return Trajectory(t0, x0, s * v, s * a1, t1, s * vc, d2, s * a3, d2 + t3, target, s * v_end)


def stationary(t0, x):
    """Stand still at ``x`` from ``t0`` on (hold)."""
    return Trajectory(t0, x, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, x, 0.0)


def position(t0, x0, v0, target, speed, accel, decel, keep_going=False):
    """From ``x0`` moving at ``v0`` to ``target`` at up to ``|speed|``: a trapezoid.

    Speeds up with ``accel``, slows down with ``decel`` (both > 0).  A move too
    short to reach full speed peaks lower (a triangle).  Moving away from the
    target at the start, it first turns around (at ``accel``); moving toward it
    too fast to stop in time, it stops beyond it at ``decel`` and comes back.
    With ``keep_going`` (``Stop.NONE``) it passes the target at full speed (or
    as fast as it got) and goes on at that speed.
    """
    vmax = abs(speed)
    dx = target - x0
    if dx > 0:
        s = 1.0
    elif dx < 0:
        s = -1.0
    else:
        s = -1.0 if v0 > 0 else 1.0
    dist = s * dx
    v = s * v0
    if vmax <= 0.0 or (dist == 0.0 and v == 0.0):
        return stationary(t0, x0 if vmax <= 0.0 else target)
    if keep_going:
        if v > vmax:
            a1 = -decel
        else:
            a1 = accel
        t1 = (vmax - v) / a1
        p1 = (v + vmax) * 0.5 * t1
        if p1 <= dist:
            return _mirrored(t0, x0, s, v, a1, t1, vmax, (dist - p1) / vmax, 0.0, 0.0,
                             target, vmax)
        # The target comes up while still changing speed: pass it at that speed.
        vc = sqrt(max(0.0, v * v + 2.0 * a1 * dist))
        return _mirrored(t0, x0, s, v, a1, (vc - v) / a1, vc, 0.0, 0.0, 0.0, target, vc)
    if v > 0.0 and v * v >= 2.0 * decel * dist:
        # Too fast to stop on the target: stop at the normal deceleration beyond it,
        # and come back.  Seen from beyond, that is moving away at first.
        s = -s
        v = -v
        dist = -dist
        rate = decel
    elif v > vmax:
        rate = decel
    else:
        rate = accel
    a1 = rate if vmax >= v else -rate
    t1 = (vmax - v) / a1
    p1 = (v + vmax) * 0.5 * t1
    t3 = vmax / decel
    p3 = vmax * 0.5 * t3
    if p1 + p3 <= dist:
        return _mirrored(t0, x0, s, v, a1, t1, vmax, (dist - p1 - p3) / vmax, -decel, t3,
                         target, 0.0)
    # Too short to reach full speed (only possible when v < vmax): a triangle.
    vc = sqrt(max(0.0, (2.0 * rate * decel * dist + decel * v * v) / (rate + decel)))
    return _mirrored(t0, x0, s, v, rate, (vc - v) / rate, vc, 0.0, -decel, vc / decel,
                     target, 0.0)


def forever(t0, x0, v0, speed, accel, decel):
    """Ramp from ``v0`` to ``speed``, then keep that speed forever (``run``/``drive``).

    Speeding up (same direction, larger) uses ``accel``; anything else ``decel``."""
    if (v0 >= 0.0 and speed >= v0) or (v0 <= 0.0 and speed <= v0):
        rate = accel
    else:
        rate = decel
    a = rate if speed >= v0 else -rate
    return Trajectory(t0, x0, v0, a, (speed - v0) / a if a else 0.0, speed, _INF, 0.0, _INF)


def timed(t0, x0, v0, speed, duration_s, accel, decel, keep_going=False):
    """Run at ``speed`` and be stopped exactly ``duration_s`` seconds after ``t0``
    (``run_time``): accelerate, cruise, decelerate to 0 at the end.  When the time
    is too short for the full speed, the peak is lower; when it is too short even
    to stop at ``decel``, it slows down linearly to 0 at the end.  With
    ``keep_going`` (``Stop.NONE``) it does not slow down: after the time it goes
    on at ``speed``."""
    if keep_going:
        t = forever(t0, x0, v0, speed, accel, decel)
        end = max(duration_s, t.d1)
        return Trajectory(t0, x0, v0, t.a0, t.d1, speed, end, 0.0, end, None, speed)
    if speed < 0.0 or (speed == 0.0 and v0 < 0.0):
        s = -1.0
    else:
        s = 1.0
    v = s * v0
    vmax = s * speed
    big_t = duration_s
    if big_t <= 0.0:
        return stationary(t0, x0)
    if v >= 0.0 and v > decel * big_t:
        a = v / big_t
        return _mirrored(t0, x0, s, v, 0.0, 0.0, v, 0.0, -a, big_t, None, 0.0)
    if v > vmax:
        a1 = -decel
    else:
        a1 = accel
    t1 = (vmax - v) / a1
    t3 = vmax / decel
    if t1 + t3 <= big_t:
        return _mirrored(t0, x0, s, v, a1, t1, vmax, big_t - t1 - t3, -decel, t3, None, 0.0)
    vc = (accel * decel * big_t + decel * v) / (accel + decel)
    if vc < 0.0:
        # Moving away so fast that it cannot even turn around in time.
        a = -v / big_t
        return _mirrored(t0, x0, s, v, a, big_t, 0.0, 0.0, 0.0, 0.0, None, 0.0)
    return _mirrored(t0, x0, s, v, accel, (vc - v) / accel, vc, 0.0, -decel, vc / decel,
                     None, 0.0)


def stretched(t0, x0, v0, target, t1, tc, t3, keep_going=False):
    """From ``x0``/``v0`` to ``target`` with the phase times of another trajectory.

    A drive base's two controllers (distance and heading) must start, change
    phase and end together so the robot follows the intended arc; the shorter
    one is "stretched" to the leader's times (as Pybricks does)."""
    if keep_going:
        # No final slowdown: the end speed is the cruise speed.
        den = 0.5 * t1 + tc
        if den <= 0.0:
            return stationary(t0, target)
        vc = (target - x0 - 0.5 * v0 * t1) / den
        return Trajectory(t0, x0, v0, (vc - v0) / t1 if t1 > 0 else 0.0, t1, vc, t1 + tc,
                          0.0, t1 + tc, target, vc)
    den = 0.5 * t1 + tc + 0.5 * t3
    if den <= 0.0:
        return stationary(t0, target)
    vc = (target - x0 - 0.5 * v0 * t1) / den
    a0 = (vc - v0) / t1 if t1 > 0 else 0.0
    a2 = -vc / t3 if t3 > 0 else 0.0
    return Trajectory(t0, x0, v0, a0, t1, vc, t1 + tc, a2, t1 + tc + t3, target, 0.0)


# -- the scheduler ---------------------------------------------------------------


class _Scheduler:
    """Ticks the active controllers of one HAL every LOOP_US."""

    __slots__ = ("hal", "active", "owners", "resets")

    def __init__(self, hal):
        self.hal = hal
        self.active = ()  # replaced, never mutated, so a tick can iterate it safely
        self.owners = {}  # port letter -> the object that drives it now
        # port letter -> how far the motor's angle resets moved its reading (deg): the
        # reading less this is the shaft's own angle, whose absolute position
        # reset_angle() and Motor(reset_angle=True) read
        self.resets = {}

    def tick(self, now):
        for c in self.active:
            c._tick(now)

    def add(self, obj):
        if obj not in self.active:
            self.active = self.active + (obj,)

    def remove(self, obj):
        if obj in self.active:
            self.active = tuple(c for c in self.active if c is not obj)


_schedulers: list = []  # fallback for HALs that cannot carry an attribute


def scheduler(hal=None):
    """The scheduler of ``hal`` (default: the active HAL), made and registered with
    ``hal.every`` the first time.  One per HAL, so attaching a new brick starts a
    fresh loop and never ticks the old brick's motors with the new brick's clock."""
    if hal is None:
        hal = _hal.get()
    s = getattr(hal, "_robokit_scheduler", None)
    if s is not None and s.hal is hal:
        return s
    for s in _schedulers:
        if s.hal is hal:
            return s
    s = _Scheduler(hal)
    try:
        hal._robokit_scheduler = s
    except AttributeError:
        _schedulers.append(s)
    hal.every(LOOP_US, s.tick)
    return s


# -- argument checks ----------------------------------------------------------------


def accel_pair(value, what, hi, unit):
    """``(acceleration, deceleration)`` from a number (both the same) or a 2-tuple,
    each checked to lie in ``1..hi``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise UsageError(f"{what} must be a number or a tuple (acceleration, deceleration)")
        acc, dec = value
    else:
        acc = dec = value
    return in_range(acc, what, 1, hi, unit), in_range(dec, what, 1, hi, unit)


def accel_out(acc, dec):
    """What getters report: one rounded number, or a tuple when the two differ."""
    a = round_int(acc)
    d = round_int(dec)
    return a if a == d else (a, d)




def round_int(x):
    """``x`` rounded to the nearest int (halves away from zero), as Pybricks reports."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


# -- the controller ---------------------------------------------------------------


class Control:
    """PID controller of a motor or of one axis of a drive base (Pybricks' ``Control``).

    The getters/setters :meth:`limits`, :meth:`pid`, :meth:`target_tolerances`
    and :meth:`stall_tolerances` work in the user's units (deg or mm);
    ``scale`` is the number of counts (motor degrees) per user unit.
    """

    __slots__ = (
        "scale", "unit", "speed_top", "torque_top", "dt_us",
        # settings, in counts
        "speed_max", "accel", "decel", "torque_max", "kp", "ki", "kd", "deadzone",
        "irate", "speed_tol", "pos_tol", "stall_speed", "stall_us", "inertia",
        # state
        "active", "mode", "then", "traj", "end_us", "x_end", "v_end",
        "t_pause", "t_last", "sat", "paused", "integral", "stall_since", "stalled_now",
        "on_target", "load_mnm", "ref_x", "ref_v", "smart_x",
    )

    def __init__(self, scale, unit, speed_max, accel, torque_max, kp, ki, kd, deadzone,
                 irate, speed_tol, pos_tol, stall_speed, stall_us, inertia):
        """All values in counts (motor degrees), mNm and µs; ``kp`` in mNm/count,
        ``ki`` mNm/(count·s), ``kd`` mNm/(count/s); ``inertia`` mNm/(count/s²) is the
        feedforward for the reference's acceleration."""
        self.scale = scale
        self.unit = unit
        self.speed_top = 2.0 * speed_max  # highest speed limit a user may set
        self.torque_top = torque_max  # highest torque limit a user may set
        self.dt_us = LOOP_US
        self.speed_max = speed_max
        self.accel = accel
        self.decel = accel
        self.torque_max = torque_max
        self.kp = kp
        self.ki = ki
        self.kd = kd
        self.deadzone = deadzone
        self.irate = irate
        self.speed_tol = speed_tol
        self.pos_tol = pos_tol
        self.stall_speed = stall_speed
        self.stall_us = stall_us
        self.inertia = inertia
        self.active = False
        self.mode = POSITION
        self.then = COAST
        self.traj = None
        self.end_us = None
        self.x_end = 0.0
        self.v_end = 0.0
        self.t_pause = 0
        self.t_last = 0
        self.sat = 0
        self.paused = False
        self.integral = 0.0
        self.stall_since = -1
        self.stalled_now = False
        self.on_target = True
        self.load_mnm = 0.0
        self.ref_x = 0.0
        self.ref_v = 0.0
        self.smart_x = None

    # -- commands (used by Motor and DriveBase) ------------------------------------
    def start(self, now, traj, mode, then):
        """Begin following ``traj`` from ``now``; ``then`` is what to do on target."""
        if not self.active or self.mode != POSITION or mode != POSITION:
            self.integral = 0.0
        if not self.active:
            self.load_mnm = 0.0
        self.traj = traj
        self.mode = mode
        self.then = then
        self.end_us = traj.end_us()
        self.x_end = traj.x3
        self.v_end = traj.v3
        self.t_pause = 0
        self.paused = False
        self.smart_x = None
        self.rearm(now)
        self.ref_x, self.ref_v = traj.x0, traj.v0
        self.active = True

    def rearm(self, now):
        """The loop's state as a command begins at ``now``: not saturated, not stalled,
        not on target yet.  (start, respeed, and a run() repeated while running.)"""
        self.t_last = now
        self.sat = 0
        self.stall_since = -1
        self.stalled_now = False
        self.on_target = False

    def stop(self):
        """Stop controlling (the caller coasts or brakes the motor)."""
        if self.active and self.then == COAST_SMART and self.on_target:
            self.smart_x = self.x_end
        self.active = False
        self.on_target = True
        self.stalled_now = False
        self.sat = 0

    def respeed(self, now, x, v, speed, accel, decel):
        """Run at a new ``speed`` from ``now``, already running at a speed (``SPEED``
        mode, ``then`` NONE): what ``start(now, forever(now, x0, v0, speed, accel,
        decel), SPEED, NONE)`` does with ``x0, v0 = start_state(now, x, v)``, the
        same numbers, but the trajectory changes in place (a program that calls
        drive() or run() in its loop makes no new objects)."""
        traj = self.traj
        if self.active and not self.paused:
            # Trajectory.ref(now - t_pause), inlined.
            t = (now - self.t_pause - traj.t0) * 1e-6
            if t < traj.d1:
                a = traj.a0
                x0 = traj.x0 + (traj.v0 + 0.5 * a * t) * t
                v0 = traj.v0 + a * t
            elif t < traj.d2:
                x0 = traj.x1 + traj.v1 * (t - traj.d1)
                v0 = traj.v1
            elif t < traj.d3:
                a = traj.a2
                t -= traj.d2
                x0 = traj.x2 + (traj.v1 + 0.5 * a * t) * t
                v0 = traj.v1 + a * t
            else:
                x0 = traj.x3 + traj.v3 * (t - traj.d3)
                v0 = traj.v3
        else:
            x0 = x
            v0 = v
        # forever(now, x0, v0, speed, accel, decel), into the same Trajectory.
        if (v0 >= 0.0 and speed >= v0) or (v0 <= 0.0 and speed <= v0):
            rate = accel
        else:
            rate = decel
        a = rate if speed >= v0 else -rate
        d1 = (speed - v0) / a if a else 0.0
        traj.t0 = now
        traj.x0 = x0
        traj.v0 = v0
        traj.a0 = a
        traj.d1 = d1
        traj.v1 = speed
        traj.d2 = traj.d3 = traj.x2 = traj.x3 = _INF
        traj.a2 = 0.0
        traj.v3 = 0.0
        traj.x1 = x0 + (v0 + 0.5 * a * d1) * d1
        # start(now, traj, SPEED, NONE) while running at a speed.
        self.integral = 0.0
        self.end_us = None
        self.x_end = _INF
        self.v_end = 0.0
        self.t_pause = 0
        self.paused = False
        self.smart_x = None
        self.rearm(now)
        self.ref_x = x0
        self.ref_v = v0

    def start_state(self, now, x, v):
        """Where a new command starts: the current reference while controlling (so
        commands blend without a jump), else the measured ``x``/``v``.  A reference
        that is paused (the motor is blocked) is no guide: then the measurement."""
        if self.active and not self.paused:
            r = self.traj.ref(now - self.t_pause)
            return r[0], r[1]
        return x, v

    def relative_base(self, now, x):
        """Where a relative move (run_angle, straight...) counts from: the running
        reference, or the last smart-coast target when the motor is still near it."""
        if self.active and not self.paused:
            return self.traj.ref(now - self.t_pause)[0]
        sx = self.smart_x
        if sx is not None and abs(sx - x) <= 2.0 * self.pos_tol:
            return sx
        return x

    def shift(self, dx):
        """The measured position jumped by ``dx`` (encoder reset): move the goal too."""
        if self.traj is not None:
            self.traj.shift(dx)
            self.x_end += dx
            self.ref_x += dx
        if self.smart_x is not None:
            self.smart_x += dx

    # -- one step of the loop ---------------------------------------------------------
    def torque(self, now, x, v):
        """One control step at ``now`` (µs) for position ``x`` and speed ``v``.

        Returns the torque (mNm) to apply: PID on the position error plus the
        reference acceleration times the inertia.  Updates ``ref_v`` (the caller
        adds the back-EMF feedforward), ``on_target``, ``stalled_now``, and pauses
        the reference while the previous step saturated (``sat``) in the error's
        direction (anti-windup: the reference waits for a blocked motor instead
        of running away from it)."""
        traj = self.traj
        t = (now - self.t_pause - traj.t0) * 1e-6
        # Reference (Trajectory.ref inlined: this runs every 5 ms for every motor).
        if t < traj.d1:
            a = traj.a0
            vr = traj.v0 + a * t
            xr = traj.x0 + (traj.v0 + 0.5 * a * t) * t
        elif t < traj.d2:
            a = 0.0
            vr = traj.v1
            xr = traj.x1 + vr * (t - traj.d1)
        elif t < traj.d3:
            a = traj.a2
            t -= traj.d2
            vr = traj.v1 + a * t
            xr = traj.x2 + (traj.v1 + 0.5 * a * t) * t
        else:
            a = 0.0
            vr = traj.v3
            xr = traj.x3 + vr * (t - traj.d3)
        e = xr - x
        dt_us = now - self.t_last
        self.dt_us = dt_us
        self.t_last = now
        sat = self.sat
        mode = self.mode
        paused = sat != 0 and ((sat > 0 and e > 0.0) or (sat < 0 and e < 0.0))
        if paused and mode == POSITION and (self.x_end - x) * e < 0.0:
            # Blocked on the way out of a move that ends behind us (straight(-100) begun
            # while still rolling into a wall): waiting cannot help, so the reference
            # goes on, turns and comes back, instead of pushing into the wall forever.
            paused = False
        self.paused = paused
        if paused:
            self.t_pause += dt_us  # the reference stands still from the next step on
        tmax = self.torque_max
        tau = self.kp * e + self.kd * (vr - v)
        ki = self.ki
        if ki:
            if mode == POSITION and not paused:
                # Integrate only near the end of the move (as pbio does) and outside
                # the dead zone, at a bounded rate.
                if abs(e) > self.deadzone and abs(xr - self.x_end) * self.kp <= 2.0 * tmax:
                    r = self.irate
                    self.integral += (r if e > r else -r if e < -r else e) * dt_us * 1e-6
                    lim = tmax / ki
                    if self.integral > lim:
                        self.integral = lim
                    elif self.integral < -lim:
                        self.integral = -lim
            tau += ki * self.integral
        if tau > tmax:
            tau = tmax
            self.sat = 1
        elif tau < -tmax:
            tau = -tmax
            self.sat = -1
        elif sat:
            self.sat = 0
        self.load_mnm += (tau - self.load_mnm) * 0.05
        # Stalled: held at the limit, hardly moving, for stall_us.
        if paused and -self.stall_speed < v < self.stall_speed:
            if self.stall_since < 0:
                self.stall_since = now
            elif now - self.stall_since >= self.stall_us:
                self.stalled_now = True
        else:
            self.stall_since = -1
            self.stalled_now = False
        # On target?
        end = self.end_us
        if mode == TIMED:
            # run_time ends when its time is up, even if the motor was held back meanwhile.
            self.on_target = end is not None and now >= end
        elif end is None or now - self.t_pause < end:
            self.on_target = False
        elif self.v_end != 0.0:
            self.on_target = (self.x_end - x) * self.v_end <= 0.0
        else:
            self.on_target = -self.speed_tol <= v <= self.speed_tol and \
                -self.pos_tol <= self.x_end - x <= self.pos_tol
        self.ref_x = xr
        self.ref_v = vr
        return tau + self.inertia * a

    def finished(self, now):
        """True when the step just done ends the command (coast/brake on target);
        smart coast first holds for SMART_HOLD_US after the trajectory's end."""
        if not self.on_target:
            return False
        then = self.then
        if then == COAST or then == BRAKE:
            return True
        if then == COAST_SMART:
            return now - self.t_pause - self.end_us >= SMART_HOLD_US
        return False

    # -- status ------------------------------------------------------------------------
    def done(self):
        """True when the command is complete (or nothing is being controlled)."""
        return not self.active or self.on_target

    def stalled(self):
        """True while the controller cannot move against a load at full actuation."""
        return self.active and self.stalled_now

    def load(self):
        """Filtered feedback torque in mNm (0 when not controlling)."""
        return round_int(self.load_mnm) if self.active else 0

    # -- settings (Pybricks API) --------------------------------------------------------
    def limits(self, speed=None, acceleration=None, torque=None):
        """Get or set the speed limit (deg/s or mm/s), acceleration (deg/s² or mm/s²;
        a number, or a tuple ``(acceleration, deceleration)``) and torque limit (mNm).

        With no arguments returns ``(speed, acceleration, torque)``; acceleration is a
        tuple when acceleration and deceleration differ.  New limits apply to the
        next command."""
        k = self.scale
        if speed is None and acceleration is None and torque is None:
            return (round_int(self.speed_max / k), accel_out(self.accel / k, self.decel / k),
                    round_int(self.torque_max))
        u = self.unit
        if speed is not None:
            top = self.speed_top / k
            s = in_range(speed, "speed limit", 1, round_int(top), u + "/s") * k
        if acceleration is not None:
            acc, dec = accel_pair(acceleration, "acceleration",
                                  round_int(50.0 * self.speed_top / k), u + "/s²")
        if torque is not None:
            # As Pybricks: any torque from 0, capped at the most the motor gives.
            tq = min(number(torque, "torque limit", "mNm", 0), self.torque_top)
        if speed is not None:
            self.speed_max = s
        if acceleration is not None:
            self.accel = acc * k
            self.decel = dec * k
        if torque is not None:
            self.torque_max = tq
        return None

    def pid(self, kp=None, ki=None, kd=None, integral_deadzone=None, integral_rate=None):
        """Get or set the PID gains: ``kp`` µNm/deg, ``ki`` µNm/(deg·s), ``kd``
        µNm/(deg/s) (per mm for a drive base's distance), ``integral_deadzone``
        (deg or mm) and ``integral_rate`` (deg/s or mm/s).  With no arguments returns
        the five values."""
        k = self.scale
        if kp is None and ki is None and kd is None and integral_deadzone is None \
                and integral_rate is None:
            return (round_int(self.kp * 1000.0 * k), round_int(self.ki * 1000.0 * k),
                    round_int(self.kd * 1000.0 * k), round_int(self.deadzone / k),
                    round_int(self.irate / k))
        u = self.unit
        vals = {}
        if kp is not None:
            vals["kp"] = in_range(kp, "kp", 0, 10000000, "µNm/" + u) / (1000.0 * k)
        if ki is not None:
            vals["ki"] = in_range(ki, "ki", 0, 10000000, f"µNm/({u}·s)") / (1000.0 * k)
        if kd is not None:
            vals["kd"] = in_range(kd, "kd", 0, 10000000, f"µNm/({u}/s)") / (1000.0 * k)
        if integral_deadzone is not None:
            vals["deadzone"] = in_range(integral_deadzone, "integral_deadzone", 0, 1000,
                                        u) * k
        if integral_rate is not None:
            vals["irate"] = in_range(integral_rate, "integral_rate", 0,
                                     round_int(self.speed_top / k), u + "/s") * k
        for name in vals:
            setattr(self, name, vals[name])
        return None

    def target_tolerances(self, speed=None, position=None):
        """Get or set when a move counts as done: speed below ``speed`` (deg/s or
        mm/s) and within ``position`` (deg or mm) of the target."""
        k = self.scale
        if speed is None and position is None:
            return (round_int(self.speed_tol / k), round_int(self.pos_tol / k))
        u = self.unit
        if speed is not None:
            sp = in_range(speed, "speed tolerance", 0, round_int(self.speed_top / k),
                          u + "/s") * k
        if position is not None:
            pos = in_range(position, "position tolerance", 0, 360, u) * k
        if speed is not None:
            self.speed_tol = sp
        if position is not None:
            self.pos_tol = pos
        return None

    def stall_tolerances(self, speed=None, time=None):
        """Get or set stall detection: stalled when slower than ``speed`` (deg/s or
        mm/s) for ``time`` ms while at full actuation."""
        k = self.scale
        if speed is None and time is None:
            return (round_int(self.stall_speed / k), self.stall_us // 1000)
        u = self.unit
        if speed is not None:
            sp = in_range(speed, "stall speed", 0, round_int(self.speed_top / k), u + "/s") * k
        if time is not None:
            tm = in_range(time, "stall time", 0, 10000, "ms")
        if speed is not None:
            self.stall_speed = sp
        if time is not None:
            self.stall_us = int(tm * 1000)
        return None

    def __repr__(self):
        return f"<Control {self.unit}/s limits={repr(self.limits())}>"
