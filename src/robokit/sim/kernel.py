"""The fast kernel: the simulated brick's common case, with the plumbing gone.

A robot driving about on its drive base spends its simulated time in two things: the 5 ms
control loop and the physics between events.  Here both skip the HAL's plumbing and call
the very code the general path runs: :meth:`Kernel._tick` is one step of the drive base
(``DriveBase._control``, with the wheels read and their voltages set on the simulated
motors directly), :meth:`Kernel._physics` one physics step (``MotorSim.step`` for both
wheels, then ``SimBrick._roll`` along the exact arc, with no wall test while the body has
room).  :meth:`Kernel.advance_to` runs the events up to a time (ticks, telemetry samples)
with them, in place of ``SimBrick._advance_to``'s loop; :meth:`Kernel.physics_to` takes
the physics step before a reading.  The results are the very floating-point numbers of
the general path (the same operations in the same order, the same physics steps):
``tests/sim/test_kernel.py`` runs every example both ways.

A physics step takes the fast path while all of these hold, else the general one:

- the brick is alone in its world (no arena) and the world has no objects to push;
- the robot config has a drive base; its body is not pressed against a wall and has room:
  it is farther from every wall and box than it has travelled since the room was measured
  (the world's clearance field, ``WallGeometry._clearance``, less the body's reach and
  1 mm), so that no step needs a wall test.

(The robot's other motors, an arm say, are stepped as the general path steps them, when
one of them moves or is driven.)

The events (ticks, telemetry samples) take the fast path, whatever path the physics
steps between them take (near a wall or pressed against one, the general path's,
``SimBrick._general_physics``, for the rest of that advance), when the brick is alone in
its world and the only timer on the brick is the device API's control loop
(:func:`robokit.devices.control.scheduler`; a blinking light adds a timer of its own).
The kernel ticks a :class:`~robokit.devices.robotics.DriveBase` on the
configured wheels that takes its heading from the wheels (``DriveBase._control``) and a
:class:`~robokit.devices.motors.Motor` under its own control (``Motor._control``), or a
subclass of either whose tick is theirs (Pybricks' DriveBase), each
with its motors read and their voltages set on the simulated motors directly; anything
else the loop controls (a drive base steered by the gyro, say) ticks with its own
``_tick``, in its turn.

Noise changes nothing here: neither the control loop nor the wheels' physics draws random
numbers.  Turn the kernel off with the environment variable ``ROBOKIT_SIM_KERNEL=0`` (read
when a brick is made), or for one brick with ``brick.kernel = None``.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math
import os

from ..devices.control import BRAKE, TIMED
from ..devices.motors import Motor
from ..devices.robotics import DriveBase
from .arc import roll
from .recorder import MAX_TELEMETRY_ROWS

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .brick import SimBrick

#: The environment variable that turns the kernel off ("0").
ENV = "ROBOKIT_SIM_KERNEL"
#: How close to a wall (mm, beyond the body's reach) the kernel hands over.
WALL_MARGIN_MM = 1.0
#: Below this much room left (mm), the kernel measures the room again.
_REMEASURE_MM = 50.0


def _hypot(x: float, y: float) -> float:
    """math.hypot (MicroPython has none: the VM's kernel runs in a world without walls,
    where the reach is not used)."""
    f = getattr(math, "hypot", None)
    return f(x, y) if f is not None else math.sqrt(x * x + y * y)


_PLAIN: dict = {}  # ((a class, a base) -> whether it ticks as the base: _plain)


def _plain(cls: Any, base: Any) -> bool:
    """Is ``cls`` ``base``, or a subclass that ticks as it does (its ``_tick`` and
    ``_control`` are ``base``'s: Pybricks' DriveBase, which adds ``move_by`` and stops
    on ``reset``)?  The kernel runs ``base``'s tick in their place."""
    if cls is base:
        return True
    key = (cls, base)
    known = _PLAIN.get(key)
    if known is None:
        known = _PLAIN[key] = (issubclass(cls, base) and cls._tick is base._tick
                               and cls._control is base._control)
    return known


def enabled() -> bool:
    """Whether new bricks get the kernel (the environment may turn it off)."""
    return (os.getenv(ENV) or "1").strip() != "0"


def make(brick: SimBrick) -> Kernel | None:
    """The kernel for ``brick``, or None when it can never apply (no drive base, or turned
    off by :data:`ENV`)."""
    objects: Any = getattr(brick.world, "objects", None)  # things the robot may push
    if not enabled() or not brick._drive or objects:
        return None
    return Kernel(brick)


class Kernel:
    """The fast path of one :class:`~robokit.sim.brick.SimBrick` (see the module's doc)."""

    __slots__ = ("lport", "rport", "reach", "walls", "room", "room_x", "room_y", "steps",
                 "handed", "ticks", "motor_ticks", "_loop", "_sched")

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
        self.reach = max(_hypot(body["front"], half), _hypot(body["back"], half))
        self.walls = brick._has_walls
        #: How far (mm) the pose point may still travel from (room_x, room_y) with no wall
        #: test (in a world with walls).
        self.room = -1.0
        self.room_x = self.room_y = math.nan
        #: Physics steps taken here, those left to the general path, and control ticks
        #: run here (of the drive base, of single motors).
        self.steps = 0
        self.handed = 0
        self.ticks = 0
        self.motor_ticks = 0
        #: The control loop's callback, once checked to be the only timer, and its
        #: scheduler (the callback's __self__, which MicroPython's bound methods lack).
        self._loop: Any = None
        self._sched: Any = None

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
            self._sched = sched
        return self._sched

    def _ours(self, c: Any) -> bool:
        """Does the kernel tick ``c``, one of the control loop's, as a drive base?  A
        DriveBase on the configured wheels that takes its heading from them; a drive base
        steered by the gyro ticks with its own ``_tick``."""
        if not _plain(type(c), DriveBase):
            return False
        d = c  # (a DriveBase: compiled, its fields are read directly, kernel.pxd)
        if d._gyro or d._left._port != self.lport or d._right._port != self.rport:
            return False
        cd = d.distance_control
        ch = d.heading_control
        return cd.active and ch.active and cd.mode != TIMED and ch.mode != TIMED

    def _kind(self, b: SimBrick, c: Any) -> int:
        """How the kernel ticks ``c``: 1 as the drive base (:meth:`_tick`), 2 as a motor
        of the brick under its own control (:meth:`_tick_motor`), 0 with its own
        ``_tick``."""
        if self._ours(c):
            return 1
        if _plain(type(c), Motor) and c._port in b._motors:
            return 2
        return 0

    # -- the hooks in SimBrick -------------------------------------------------------------
    def physics_to(self, b: SimBrick, t: int) -> bool:
        """SimBrick._physics_to on the fast path: True when done, False when the general
        path must take this step (nothing changed)."""
        if self._free(b) and self._physics(b, t, b._free_moving()):
            return True
        self.handed += 1
        return False

    def advance_to(self, b: SimBrick, target: int) -> bool:
        """SimBrick._advance_to on the fast path: True when done (every event up to
        ``target`` run, the clock at ``target``); False to let the general path go on
        from the next event (the state is consistent: this one ran the events before)."""
        stop = b._stop_at
        if (stop is not None and stop <= target) or b.arena is not None:
            return False  # (the general path ends the program at the stop button's press)
        sched = self._scheduler(b)
        if sched is None:
            return False
        # Near a wall or pressed against one, the physics steps are the general path's
        # (SimBrick._general_physics: the wall tests, the push), for the rest of this
        # advance; the ticks are still run here.
        free = self._free(b)
        timer = b._timers[0]
        period = timer[1]
        rec = b.recorder
        done = True
        # Whether a motor that turns no wheel moves or is driven: only a tick other than
        # the drive base's can change that here (the program waits meanwhile).
        arm = b._free_moving()
        ticks = motor_ticks = 0  # counted here, added to self's at the end
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
            if end is not None and t >= end:
                done = False  # the end of the run: the general path
                break
            if t > b._t_phys and not (free and self._physics(b, t, arm)):
                free = False
                self.handed += 1
                b._general_physics(t, t - b._t_phys)
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
                            plan = [(c, self._kind(b, c)) for c in active]
                    if alone is not None:
                        self._tick(b, t, alone)
                        ticks += 1
                    else:
                        b._in_control = True
                        try:
                            for c, kind in plan:
                                if kind == 2:
                                    self._tick_motor(b, t, c)
                                    motor_ticks += 1
                                elif kind:
                                    self._tick(b, t, c)
                                    ticks += 1
                                else:
                                    c._tick(t)
                        finally:
                            b._in_control = False
                        if not arm:  # (a motor that came to rest is skipped by its step)
                            arm = b._free_moving()
                timer[0] = nt + period
        self.ticks += ticks
        self.motor_ticks += motor_ticks
        b._next_tick = timer[0]
        b._update_next_event()
        if done and target > b.now:
            b.now = target
        return done

    # -- the kernel --------------------------------------------------------------------------
    def _physics(self, b: SimBrick, t: int, arm: bool) -> bool:
        """Both wheel motors from the last physics time to ``t`` (``MotorSim.step``), the
        other motors when ``arm`` (``SimBrick._free_moving``: one moves or is driven),
        then the body along the exact arc (``arc.roll``, as ``SimBrick._roll``), as
        ``SimBrick._move_body`` takes a step clear of walls; False (nothing changed) when
        the step would take the body nearer a wall than the room measured."""
        dt = (t - b._t_phys) * 1e-6
        lm = b._lm
        rm = b._rm
        la = lm.angle
        ra = rm.angle
        walls = self.walls
        if walls:  # what to undo should the step come too near a wall
            lw = lm.speed
            lload = lm._load_nm
            rw = rm.speed
            rload = rm._load_nm
        lm.step(dt)
        rm.step(dt)
        kl = b._kl
        kr = b._kr
        dl = (lm.angle - la) * kl
        dr = (rm.angle - ra) * kr
        if walls:
            ds = 0.5 * (dl + dr)
            ads = ds if ds >= 0.0 else -ds
            if ads >= self.room:  # too near a wall: undo, for the general path to take it
                lm.angle = la
                lm.speed = lw
                lm._load_nm = lload
                rm.angle = ra
                rm.speed = rw
                rm._load_nm = rload
                return False
            self.room -= ads
        if arm:
            b._step_free_motors(dt)
        roll(b, dl, dr, dt, lm.speed * kl, rm.speed * kr, b._track)  # (SimBrick._roll)
        if walls:  # the room left is from here
            self.room_x = b._x
            self.room_y = b._y
        b._t_phys = t
        self.steps += 1
        return True

    def _tick(self, b: SimBrick, t: int, db: DriveBase) -> None:
        """One 5 ms step of the drive base at ``t``: ``DriveBase._tick`` with the wheels
        read and their voltages set on the simulated motors directly (the HAL's calls are
        for a program's own calls: they spend time and bring the physics up to date, which
        a tick at its time does not need)."""
        lm = b._lm
        rm = b._rm
        if db._control(t, lm.angle + b._offsets[self.lport], lm.speed,
                       rm.angle + b._offsets[self.rport], rm.speed):
            lm.set_voltage(db._left._sign * db._left._mv)
            rm.set_voltage(db._right._sign * db._right._mv)
            return
        # The move is over: the drive base lets go of the wheels (brakes or coasts).
        was = b._in_control
        b._in_control = True
        try:
            db._halt(db.distance_control.then == BRAKE)
        finally:
            b._in_control = was

    def _tick_motor(self, b: SimBrick, t: int, m: Motor) -> None:
        """One 5 ms step of a motor's own control at ``t``: ``Motor._tick`` with the motor
        read and its voltage set on the simulated motor directly (the control loop runs
        with ``b._in_control`` set, so a finished command lets go of the motor through
        the HAL at no cost in time, as ``Motor._tick`` does)."""
        port = m._port
        sim = b._motors[port]
        if m._control(t, sim.angle + b._offsets[port], sim.speed):
            sim.set_voltage(m._sign * m._mv)
        else:
            m._finish()
