"""The fast kernel: the simulated brick's common case, with the plumbing gone.

A robot driving about on its drive base spends its simulated time in two things: the 5 ms
control loop and the physics between events.  Here both are plain functions on floats:
:meth:`Kernel._tick` is one step of the drive base (``DriveBase._tick`` with both axes'
``Control.torque`` inlined and the HAL's motor reads and voltages read and written
directly), :meth:`Kernel._physics` one physics step (both wheel motors in closed form as
``MotorSim.step`` takes them, then the body along the exact arc as ``SimBrick._move_body``
rolls it).  :meth:`Kernel.advance_to` runs the events up to a time (ticks, telemetry
samples) with them, in place of ``SimBrick._advance_to``'s loop; :meth:`Kernel.physics_to`
takes the physics step before a reading.  The results are the very floating-point numbers
of the general path (the same operations in the same order, the same physics steps):
``tests/sim/test_kernel.py`` runs every example both ways.

A physics step takes the fast path while all of these hold, else the general one:

- the brick is alone in its world (no arena) and the world has no objects to push;
- the robot config has a drive base; its body is not pressed against a wall and has room:
  it is farther from every wall and box than it has travelled since the room was measured
  (the world's clearance field, ``WallGeometry._clearance``, less the body's reach and
  1 mm), so that no step needs a wall test.

(The robot's other motors, an arm say, are stepped as the general path steps them.)

The events take the fast path when, besides, the only timer on the brick is the device
API's control loop (:func:`robokit.devices.control.scheduler`; a blinking light adds a
timer of its own).  The kernel ticks a :class:`~robokit.devices.robotics.DriveBase` on the
configured wheels that takes its heading from the wheels itself; anything else the loop
controls (a motor's own control, a drive base steered by the gyro) ticks with its own
``_tick``, in its turn.

Noise changes nothing here: neither the control loop nor the wheels' physics draws random
numbers.  Turn the kernel off with the environment variable ``ROBOKIT_SIM_KERNEL=0`` (read
when a brick is made), or for one brick with ``brick.kernel = None``.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from ..devices.control import BRAKE, POSITION, TIMED
from ..devices.robotics import DriveBase
from .recorder import MAX_TELEMETRY_ROWS

if TYPE_CHECKING:
    from .brick import SimBrick

#: The environment variable that turns the kernel off ("0").
ENV = "ROBOKIT_SIM_KERNEL"
#: How close to a wall (mm, beyond the body's reach) the kernel hands over.
WALL_MARGIN_MM = 1.0
#: Below this much room left (mm), the kernel measures the room again.
_REMEASURE_MM = 50.0

_MOTOR_COAST = 1  # MotorSim's coast mode (robokit.sim.motor._COAST)
_MOTOR_VOLTAGE = 0
_sin = math.sin
_cos = math.cos


def enabled() -> bool:
    """Whether new bricks get the kernel (the environment may turn it off)."""
    return os.environ.get(ENV, "1").strip() != "0"


def make(brick: SimBrick) -> Kernel | None:
    """The kernel for ``brick``, or None when it can never apply (no drive base, or turned
    off by :data:`ENV`)."""
    objects: Any = getattr(brick.world, "objects", None)  # things the robot may push
    if not enabled() or not brick._drive or objects:
        return None
    return Kernel(brick)


class Kernel:
    """The fast path of one :class:`~robokit.sim.brick.SimBrick` (see the module's doc)."""

    def __init__(self, brick: SimBrick) -> None:
        # (No reference to the brick is kept: each hook is handed the brick it runs for,
        # which may be another object holding this brick's state, as robokit run --board
        # makes one.)
        drive = brick.robot["drive_base"]
        devices = brick.robot["devices"]
        self.lport = devices[drive["left"]]["port"]
        self.rport = devices[drive["right"]]["port"]
        body = brick.robot["body"]
        half = body["width"] / 2.0
        #: The body's reach from the pose point: the farthest corner of its rectangle.
        self.reach = max(math.hypot(body["front"], half), math.hypot(body["back"], half))
        self.walls = brick._has_walls
        #: How far (mm) the pose point may still travel from (room_x, room_y) with no wall
        #: test (in a world with walls).
        self.room = -1.0
        self.room_x = self.room_y = math.nan
        #: Physics steps taken here, those left to the general path, and control ticks
        #: run here.
        self.steps = 0
        self.handed = 0
        self.ticks = 0
        #: The other motors, each with its port and end stops (or None).
        self.others = tuple((port, m, brick._ranges.get(port))
                            for port, m in brick._free_motors)
        #: The control loop's callback, once checked to be the only timer.
        self._loop: Any = None

    # -- when ----------------------------------------------------------------------------
    def _free(self, b: SimBrick) -> bool:
        """May a physics step take the fast path?  No contact, no other robot, and room
        to move before any wall."""
        if b._contact or b.arena is not None:
            return False
        if self.walls and (self.room < _REMEASURE_MM or b._x != self.room_x
                           or b._y != self.room_y):
            # Measure the room again (the general path may have moved the body meanwhile).
            x = b._x
            y = b._y
            self.room = b.world._clearance(x, y) - self.reach - WALL_MARGIN_MM
            self.room_x = x
            self.room_y = y
            return self.room > 0.0
        return True

    def _scheduler(self, b: SimBrick) -> Any:
        """The device API's control loop (robokit.devices.control's scheduler) when it is
        the brick's only timer, else None."""
        timers = b._timers
        if len(timers) != 1:
            return None
        loop = timers[0][2]
        if loop is not self._loop:
            sched = getattr(b, "_robokit_scheduler", None)
            if sched is None or loop != sched.tick:
                return None
            self._loop = loop
        return loop.__self__

    def _ours(self, c: Any) -> bool:
        """Does the kernel tick ``c``, one of the control loop's, itself?  A DriveBase on
        the configured wheels that takes its heading from them; anything else (a motor's
        own control, a drive base steered by the gyro) ticks with its own ``_tick``."""
        if (type(c) is not DriveBase or c._gyro or c._left._port != self.lport
                or c._right._port != self.rport):
            return False
        cd = c.distance_control
        ch = c.heading_control
        return cd.active and ch.active and cd.mode != TIMED and ch.mode != TIMED

    # -- the hooks in SimBrick -------------------------------------------------------------
    def physics_to(self, b: SimBrick, t: int) -> bool:
        """SimBrick._physics_to on the fast path: True when done, False when the general
        path must take this step (nothing changed)."""
        if self._free(b) and self._physics(b, t):
            return True
        self.handed += 1
        return False

    def advance_to(self, b: SimBrick, target: int) -> bool:
        """SimBrick._advance_to on the fast path: True when done (every event up to
        ``target`` run, the clock at ``target``); False to let the general path go on
        from the next event (the state is consistent: this one ran the events before)."""
        if not self._free(b):
            return False
        sched = self._scheduler(b)
        if sched is None:
            return False
        timer = b._timers[0]
        period = timer[1]
        rec = b.recorder
        physics = self._physics
        tick = self._tick
        done = True
        seen: Any = None  # the control loop's list of controllers the next two are for:
        alone: Any = None  # the drive base the kernel ticks, when it is all the loop has
        plan: Any = ()  # else each controller, and whether the kernel ticks it itself
        while True:
            nt = timer[0]
            t = nt
            nr = b._next_record
            if nr is not None and nr < t:
                t = nr
            end = b.end_us  # read each time: end_now() may move it from another thread
            if end is not None and end < t:
                t = end
            if t > target:
                break
            if (end is not None and t >= end) or (t > b._t_phys and not physics(b, t)):
                done = False  # the end of the run, or near a wall: the general path
                break
            b.now = t
            if nr is not None and t >= nr:
                rec.sample(b)
                b._next_record = nr + b._record_period
                if len(rec.rows) >= MAX_TELEMETRY_ROWS:
                    rec.decimate()
                    b._record_period *= 2
            if t >= nt:
                # The control loop (robokit.devices.control's scheduler.tick), each
                # controller in its turn.
                active = sched.active
                if active:
                    if active is not seen:
                        seen = active
                        alone = None
                        if len(active) == 1 and self._ours(active[0]):
                            alone = active[0]
                        else:
                            plan = [(c, self._ours(c)) for c in active]
                    if alone is not None:
                        tick(b, t, alone)
                        self.ticks += 1
                    else:
                        b._in_control = True
                        try:
                            for c, ours in plan:
                                if ours:
                                    tick(b, t, c)
                                    self.ticks += 1
                                else:
                                    c._tick(t)
                        finally:
                            b._in_control = False
                timer[0] = nt + period
        b._next_tick = timer[0]
        b._update_next_event()
        if done and target > b.now:
            b.now = target
        return done

    # -- the kernel --------------------------------------------------------------------------
    def _physics(self, b: SimBrick, t: int) -> bool:
        """Both wheel motors exactly from the last physics time to ``t`` (MotorSim.step),
        then the body along the exact arc (SimBrick._move_body); False (nothing changed)
        when the step would take the body nearer a wall than the room measured."""
        dt = (t - b._t_phys) * 1e-6
        m = b._lm
        a0 = m.angle
        w0 = m.speed
        if m._mode != _MOTOR_COAST and w0 != 0.0:
            ec = m._cache.get(dt)
            if ec is None:
                ec = m._coeffs(dt)
            if w0 > 0.0:
                winf = (m._gv * m._volts - m._fc) * m._inv_beta
            else:
                winf = (m._gv * m._volts + m._fc) * m._inv_beta
            d = w0 - winf
            lw = winf + d * ec[0]
            if (lw > 0.0) if w0 > 0.0 else (lw < 0.0):
                la = a0 + (winf * dt + d * ec[1])
            else:
                la, lw = m._advance(a0, w0, dt, 0.0)
        else:
            la, lw = m._advance(a0, w0, dt, 0.0)
        lload = 0.0 + m._j_extra_rad * (lw - w0) / dt
        dl = (la - a0) * b._kl
        m = b._rm
        a1 = m.angle
        w1 = m.speed
        if m._mode != _MOTOR_COAST and w1 != 0.0:
            ec = m._cache.get(dt)
            if ec is None:
                ec = m._coeffs(dt)
            if w1 > 0.0:
                winf = (m._gv * m._volts - m._fc) * m._inv_beta
            else:
                winf = (m._gv * m._volts + m._fc) * m._inv_beta
            d = w1 - winf
            rw = winf + d * ec[0]
            if (rw > 0.0) if w1 > 0.0 else (rw < 0.0):
                ra = a1 + (winf * dt + d * ec[1])
            else:
                ra, rw = m._advance(a1, w1, dt, 0.0)
        else:
            ra, rw = m._advance(a1, w1, dt, 0.0)
        dr = (ra - a1) * b._kr
        ds = 0.5 * (dl + dr)
        ads = ds if ds >= 0.0 else -ds
        walls = self.walls
        if walls:
            if ads >= self.room:
                return False
            self.room -= ads
        for _port, f, rng in self.others:  # the other motors: as the general path steps them
            if f.speed == 0.0 and f._volts == 0.0:  # (voltage_mv is _volts * 1000)
                continue
            f.step(dt)
            if rng is not None:
                if f.angle < rng[0]:
                    f.angle = rng[0]
                    f.block()
                elif f.angle > rng[1]:
                    f.angle = rng[1]
                    f.block()
        m.angle = ra
        m.speed = rw
        m._load_nm = 0.0 + m._j_extra_rad * (rw - w1) / dt
        m = b._lm
        m.angle = la
        m.speed = lw
        m._load_nm = lload
        track = b._track
        half = 0.5 * (dr - dl) / track
        if -1e-3 < half < 1e-3:
            h2 = half * half
            chord = ds * (1.0 - h2 / 6.0 + h2 * h2 / 120.0)
        else:
            chord = ds * _sin(half) / half
        mid = b._h + half
        x = b._x + chord * _cos(mid)
        y = b._y + chord * _sin(mid)
        b._x = x
        b._y = y
        b._h = mid + half
        if walls:  # the room left is from here
            self.room_x = x
            self.room_y = y
        b.distance_mm += ads
        vl = lw * b._kl
        vr = rw * b._kr
        v = 0.5 * (vl + vr)
        b._accel_fwd = (v - b._v) / dt
        b._v = v
        b._w = (vr - vl) / track
        b._t_phys = t
        self.steps += 1
        return True

    def _tick(self, b: SimBrick, t: int, db: DriveBase) -> None:
        """One 5 ms step of the drive base at ``t`` (DriveBase._tick with both
        Control.torque inlined and the HAL calls read and written directly)."""
        lm = b._lm
        rm = b._rm
        cd = db.distance_control
        ch = db.heading_control
        lmo = db._left
        rmo = db._right
        sl = lmo._sign
        sr = rmo._sign
        al = lm.angle + b._offsets[self.lport]
        ar = rm.angle + b._offsets[self.rport]
        vl = sl * lm.speed
        vr = sr * rm.speed
        xh = (sl * al - sr * ar) * 0.5
        # -- the distance axis (Control.torque) --
        xd = (sl * al + sr * ar) * 0.5
        vd = (vl + vr) * 0.5
        traj = cd.traj
        tt = (t - cd.t_pause - traj.t0) * 1e-6
        if tt < traj.d1:
            a = traj.a0
            vrd = traj.v0 + a * tt
            xrd = traj.x0 + (traj.v0 + 0.5 * a * tt) * tt
        elif tt < traj.d2:
            a = 0.0
            vrd = traj.v1
            xrd = traj.x1 + vrd * (tt - traj.d1)
        elif tt < traj.d3:
            a = traj.a2
            tt -= traj.d2
            vrd = traj.v1 + a * tt
            xrd = traj.x2 + (traj.v1 + 0.5 * a * tt) * tt
        else:
            a = 0.0
            vrd = traj.v3
            xrd = traj.x3 + vrd * (tt - traj.d3)
        e = xrd - xd
        dt_us = t - cd.t_last
        cd.dt_us = dt_us
        cd.t_last = t
        sat = cd.sat
        mode = cd.mode
        paused = (sat > 0 and e > 0.0) or (sat < 0 and e < 0.0)
        if paused and mode == POSITION and (cd.x_end - xd) * e < 0.0:
            paused = False
        cd.paused = paused
        if paused:
            cd.t_pause += dt_us
        tmax = cd.torque_max
        tau = cd.kp * e + cd.kd * (vrd - vd)
        ki = cd.ki
        if ki:
            if mode == POSITION and not paused:
                if abs(e) > cd.deadzone and abs(xrd - cd.x_end) * cd.kp <= 2.0 * tmax:
                    r = cd.irate
                    cd.integral += (r if e > r else -r if e < -r else e) * dt_us * 1e-6
                    lim = tmax / ki
                    if cd.integral > lim:
                        cd.integral = lim
                    elif cd.integral < -lim:
                        cd.integral = -lim
            tau += ki * cd.integral
        if tau > tmax:
            tau = tmax
            cd.sat = 1
        elif tau < -tmax:
            tau = -tmax
            cd.sat = -1
        else:
            cd.sat = 0
        cd.load_mnm += (tau - cd.load_mnm) * 0.05
        if paused and -cd.stall_speed < vd < cd.stall_speed:
            if cd.stall_since < 0:
                cd.stall_since = t
            elif t - cd.stall_since >= cd.stall_us:
                cd.stalled_now = True
        else:
            cd.stall_since = -1
            cd.stalled_now = False
        end = cd.end_us
        if end is None or t - cd.t_pause < end:
            cd.on_target = False
        elif cd.v_end != 0.0:
            cd.on_target = (cd.x_end - xd) * cd.v_end <= 0.0
        else:
            cd.on_target = (-cd.speed_tol <= vd <= cd.speed_tol
                            and -cd.pos_tol <= cd.x_end - xd <= cd.pos_tol)
        cd.ref_x = xrd
        cd.ref_v = vrd
        td = tau + cd.inertia * a
        # -- the heading axis (the same) --
        vh = (vl - vr) * 0.5
        traj = ch.traj
        tt = (t - ch.t_pause - traj.t0) * 1e-6
        if tt < traj.d1:
            a = traj.a0
            vrh = traj.v0 + a * tt
            xrh = traj.x0 + (traj.v0 + 0.5 * a * tt) * tt
        elif tt < traj.d2:
            a = 0.0
            vrh = traj.v1
            xrh = traj.x1 + vrh * (tt - traj.d1)
        elif tt < traj.d3:
            a = traj.a2
            tt -= traj.d2
            vrh = traj.v1 + a * tt
            xrh = traj.x2 + (traj.v1 + 0.5 * a * tt) * tt
        else:
            a = 0.0
            vrh = traj.v3
            xrh = traj.x3 + vrh * (tt - traj.d3)
        e = xrh - xh
        dt_us = t - ch.t_last
        ch.dt_us = dt_us
        ch.t_last = t
        sat = ch.sat
        mode = ch.mode
        paused = (sat > 0 and e > 0.0) or (sat < 0 and e < 0.0)
        if paused and mode == POSITION and (ch.x_end - xh) * e < 0.0:
            paused = False
        ch.paused = paused
        if paused:
            ch.t_pause += dt_us
        tmax = ch.torque_max
        tau = ch.kp * e + ch.kd * (vrh - vh)
        ki = ch.ki
        if ki:
            if mode == POSITION and not paused:
                if abs(e) > ch.deadzone and abs(xrh - ch.x_end) * ch.kp <= 2.0 * tmax:
                    r = ch.irate
                    ch.integral += (r if e > r else -r if e < -r else e) * dt_us * 1e-6
                    lim = tmax / ki
                    if ch.integral > lim:
                        ch.integral = lim
                    elif ch.integral < -lim:
                        ch.integral = -lim
            tau += ki * ch.integral
        if tau > tmax:
            tau = tmax
            ch.sat = 1
        elif tau < -tmax:
            tau = -tmax
            ch.sat = -1
        else:
            ch.sat = 0
        ch.load_mnm += (tau - ch.load_mnm) * 0.05
        if paused and -ch.stall_speed < vh < ch.stall_speed:
            if ch.stall_since < 0:
                ch.stall_since = t
            elif t - ch.stall_since >= ch.stall_us:
                ch.stalled_now = True
        else:
            ch.stall_since = -1
            ch.stalled_now = False
        end = ch.end_us
        if end is None or t - ch.t_pause < end:
            ch.on_target = False
        elif ch.v_end != 0.0:
            ch.on_target = (ch.x_end - xh) * ch.v_end <= 0.0
        else:
            ch.on_target = (-ch.speed_tol <= vh <= ch.speed_tol
                            and -ch.pos_tol <= ch.x_end - xh <= ch.pos_tol)
        ch.ref_x = xrh
        ch.ref_v = vrh
        th = tau + ch.inertia * a
        # -- both axes together (DriveBase._tick) --
        if cd.paused != ch.paused:
            if cd.paused:
                ch.t_pause += ch.dt_us
                ch.paused = True
            else:
                cd.t_pause += cd.dt_us
                cd.paused = True
        if cd.paused:
            db._repeat = None
        if cd.on_target and ch.on_target and cd.finished(t) and ch.finished(t):
            # The move is over: the drive base lets go of the wheels (brakes or coasts).
            was = b._in_control
            b._in_control = True
            try:
                db._halt(cd.then == BRAKE)
            finally:
                b._in_control = was
            return
        rd = vrd + vrh
        ml = (td + th) * lmo._r + lmo._ke * rd
        if rd > 0.0:
            ml += lmo._fric_mv
        elif rd < 0.0:
            ml -= lmo._fric_mv
        rd = vrd - vrh
        mr = (td - th) * rmo._r + rmo._ke * rd
        if rd > 0.0:
            mr += rmo._fric_mv
        elif rd < 0.0:
            mr -= rmo._fric_mv
        lim = db._vlim_l
        if ml > lim:
            ml = lim
            cd.sat = ch.sat = 1
        elif ml < -lim:
            ml = -lim
            cd.sat = ch.sat = -1
        lim = db._vlim_r
        if mr > lim:
            mr = lim
            cd.sat = 1
            ch.sat = -1
        elif mr < -lim:
            mr = -lim
            cd.sat = -1
            ch.sat = 1
        lmo._mv = ml
        rmo._mv = mr
        # HAL.motor_voltage: MotorSim.set_voltage
        mv = sl * ml
        lim = lm._lim_mv
        if mv > lim:
            mv = lim
        elif mv < -lim:
            mv = -lim
        lm._volts = mv * 0.001
        lm._mode = _MOTOR_VOLTAGE
        mv = sr * mr
        lim = rm._lim_mv
        if mv > lim:
            mv = lim
        elif mv < -lim:
            mv = -lim
        rm._volts = mv * 0.001
        rm._mode = _MOTOR_VOLTAGE
