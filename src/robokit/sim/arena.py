"""Several robots and the objects they push, in one world, on one simulated clock.

An :class:`Arena` joins the :class:`~robokit.sim.brick.SimBrick` of each robot (and the
movable objects of the world, ``[[objects]]``).  It does two things:

**One clock, one program at a time.**  Each robot's program runs in its own thread, but
only the program whose turn it is runs; the others wait.  A program's clock moves as on
one brick (waits, and each device call's cost); when it would pass the time another
program waits for, that one takes its turn, with every robot's physics and control ticks
run up to that time on the way, in robot order.  So what happens depends only on
simulated time, never on how the host schedules threads: the same programs and seed
give the same run, byte for byte.

**Bodies meet.**  A robot's rectangle cannot enter another body.  Driving into one, it
pushes it out of its way when its wheels' force (the motors' torque at the tyres) beats
what holds the other in place, else it stops against it, as against a wall:

- an object slides with its ``friction`` times its weight (a ball rolls: its friction is
  its rolling resistance, and it keeps rolling after a push, slowing down);
- a robot along its wheels rolls easily when its motors coast (:data:`ROLLING` of its
  weight), resists with half its motors' stall force when they brake, and with their
  stall force when they are driven or hold (each up to its tyres' grip,
  :data:`TYRE_GRIP` times its weight); sideways its tyres slide (the grip); a robot
  without a drive base slides on its body (:data:`SLIDING` of its weight).

The pushed body slides: a pushed robot's wheels do not turn, so its odometry does not
see the push.  The pusher's wheels feel the resistance as a load on their motors.
Nothing pushes two bodies at once down a chain: a body that would be pushed into a
wall or a third body does not move, and blocks.  Distance sensors see other robots
and objects; an ultrasonic sensor's ``presence()`` hears another robot's ultrasonic
sensor that measured within the last :data:`PING_US` and faces it.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from ..devices import _hal
from . import bodies
from .crowd import ROLLING, SLIDING, TYRE_GRIP  # noqa: F401 - named in the docstring
from .world import Movable, reflectance

if TYPE_CHECKING:
    from .brick import SimBrick

#: Standard gravity, m/s².
G = 9.81
#: How long an ultrasonic sensor's ping is heard by others' presence(), µs.
PING_US = 100_000
#: How far off an ultrasonic sensor's heading another sensor still hears it, degrees.
PING_CONE_DEG = 30.0
_FAR = 1 << 62
#: What a colour sensor sees of another robot's body under it.
ROBOT_GREY = "gray"
#: How often the objects' places are kept for the replay, µs, and how many at most.
TRACK_PERIOD_US = 20_000
MAX_TRACK = 100_000


class Thing:
    """A movable object as it is now: where, how it lies, how fast it rolls (balls)."""

    def __init__(self, spec: Movable, index: int):
        self.spec = spec
        self.index = index
        self.x, self.y = spec.center
        self.angle = math.radians(spec.angle)
        self.vx = 0.0
        self.vy = 0.0
        self.weight_n = spec.mass_g / 1000.0 * G
        self.moved_mm = 0.0

    @property
    def name(self) -> str:
        return f"object {self.index + 1} ({self.spec.shape})"

    def shape(self, x: float | None = None, y: float | None = None) -> bodies.Shape:
        x = self.x if x is None else x
        y = self.y if y is None else y
        s = self.spec
        if s.shape == "box":
            return bodies.box(x, y, self.angle, s.size[0], s.size[1])
        return bodies.circle(x, y, s.radius)

    def hits_wall(self, world: Any, x: float, y: float) -> bool:
        s = self.spec
        if s.shape == "box":
            return bool(world.rect_hits_wall(x, y, math.degrees(self.angle), s.size[0] / 2,
                                             -s.size[0] / 2, s.size[1] / 2))
        return bool(world.circle_hits_wall(x, y, s.radius))

    def resistance(self, nx: float, ny: float) -> float:
        """Newtons it takes to slide it along (nx, ny)."""
        return self.spec.friction * self.weight_n


class Arena:
    """The robots (their bricks, in order) and the objects of one run."""

    def __init__(self, world: Any, bricks: list[SimBrick]):
        self.world = world
        self.bricks = bricks
        self.things = [Thing(m, i) for i, m in enumerate(world.objects)]
        #: True when a body can meet another (more than one robot, or objects).
        self.crowded = len(bricks) > 1 or bool(self.things)
        self.time_up = False
        self._lock = threading.Lock()
        self._turned = threading.Condition(self._lock)
        #: Whose program runs now (an index into bricks), None when none does.
        self.turn: int | None = 0 if bricks else None
        #: When each program wants to run again (µs); None: it ended (or never started).
        self._wake: list[int | None] = [0] * len(bricks)
        #: Per robot, per ultrasonic port: when it last measured (for presence()).
        self._pings: list[dict[str, int]] = [{} for _ in bricks]
        #: Per pusher and body pushed, whether they touched at the last step (events).
        self._touching: set[tuple[int, str]] = set()
        self.abandoned = False
        #: Counts what may have moved another body (events, pushes): a reading of the
        #: others taken at the same count and the same pose is the same (a memo's key).
        self.moves = 0
        #: A rule (robokit.sim.match) looked at every rule_period_us; what it said.
        self.rule: Any = None
        self.rule_period_us = 10_000
        self._next_rule = 0
        self.verdict: str | None = None
        #: Where the objects were, every TRACK_PERIOD_US: times (µs) and, per time, each
        #: object's (x, y) (for the replay).
        self.track_t: list[int] = []
        self.track: list[list[tuple[float, float]]] = []
        self._next_track = 0
        for i, b in enumerate(bricks):
            b.join_arena(self, i)
        if len(bricks) > 1:  # one radio for all (robokit.sim.air): they hear each other
            from .air import Air

            air = Air(bricks[0].seed, bricks[0].noise)
            for b in bricks:
                b.air = air
                b.air_member = air.join(b)
        for b in bricks:
            b._update_next_event()

    # -- the clock ----------------------------------------------------------------
    def limit(self, brick: SimBrick) -> int:
        """How far ``brick``'s clock may run alone: to the next event of another robot or
        the time another program waits for."""
        t = _FAR
        for b in self.bricks:
            if b is not brick and b._own_next < t:
                t = b._own_next
        for i, w in enumerate(self._wake):
            if w is not None and i != brick.index and w < t:
                t = w
        return t

    def _next_wake(self, skip: int | None) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for i, w in enumerate(self._wake):
            if w is not None and i != skip and (best is None or w < best[0]):
                best = (w, i)
        return best

    def advance(self, brick: SimBrick, target: int) -> None:
        """The program on ``brick`` (whose turn it is) moves its clock to ``target``."""
        from .brick import SimTimeUp

        bricks = self.bricks
        while True:
            if self.time_up:
                raise SimTimeUp()
            t_ev = min(b._own_next for b in bricks)
            nxt = self._next_wake(brick.index)
            t_w = nxt[0] if nxt is not None else _FAR
            if t_ev <= target and t_ev <= t_w:
                self._events_at(t_ev)
                if self.time_up:
                    raise SimTimeUp()
                continue
            if nxt is not None and t_w < target:
                self._hand_over(brick, target, nxt[1], t_w)
                if self.time_up or brick.time_up:
                    raise SimTimeUp()
                return
            if target > brick.now:
                brick.now = target
            brick._next_event = min(t_ev, t_w)
            return

    def _events_at(self, t: int) -> None:
        """Every robot's physics to ``t``, then what is due at ``t`` (telemetry, control
        ticks, the end), robot by robot."""
        self.moves += 1
        for b in self.bricks:
            if b.now < t:
                b.now = t
            b._physics_to(t)
        self._roll(t)
        if self.things and t >= self._next_track and len(self.track_t) < MAX_TRACK:
            self._next_track = t - t % TRACK_PERIOD_US + TRACK_PERIOD_US
            self.track_t.append(t)
            self.track.append([(th.x, th.y) for th in self.things])
        for b in self.bricks:
            if b._own_next <= t and b._event_at(t):
                self.time_up = True
        if self.rule is not None and t >= self._next_rule and not self.time_up:
            self._next_rule = t - t % self.rule_period_us + self.rule_period_us
            verdict = self.rule(self)
            if verdict:
                self.verdict = str(verdict)
                self.time_up = True
                for b in self.bricks:
                    b.recorder.event(t, "verdict", {"verdict": self.verdict})
        if self.time_up:
            for b in self.bricks:
                b.time_up = True

    def _hand_over(self, brick: SimBrick, wake: int, to: int, at: int) -> None:
        """The program on ``brick`` waits until ``wake``; the one on ``to`` runs from ``at``."""
        with self._lock:
            _landing()  # a stop its watchdog raised while it had the turn lands here
            self._wake[brick.index] = wake
            self._give(to, at)
        self.wait_turn(brick)

    def _give(self, to: int, at: int) -> None:
        nb = self.bricks[to]
        if nb.now < at:
            nb.now = at
        self.turn = to
        self._turned.notify_all()

    def wait_turn(self, brick: SimBrick) -> None:
        """Block until the program on ``brick`` may run (its watchdog raises nothing in it
        meanwhile: see :meth:`may_raise`); the device API then talks to ``brick``."""
        i = brick.index
        with self._lock:
            while self.turn != i and not self.abandoned:
                self._turned.wait(0.05)
        _hal.attach(brick)
        brick._next_event = min(brick._own_next, self.limit(brick))

    def may_raise(self, brick: SimBrick) -> bool:
        """May the watchdog raise in this program's thread now?  Only while it has the
        turn (call with :attr:`lock` held)."""
        return self.turn == brick.index or self.abandoned

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def leave(self, brick: SimBrick) -> None:
        """The program on ``brick`` ended: its robot stops (motors coast, no control
        loop), and the next program whose wake comes first takes its turn."""
        with self._lock:
            self._wake[brick.index] = None
        brick.stop_robot()
        nxt = self._next_wake(None)
        if nxt is not None and not self.time_up:
            try:
                while not self.time_up:
                    t_ev = min(b._own_next for b in self.bricks)
                    if t_ev > nxt[0]:
                        break
                    self._events_at(t_ev)
            except BaseException:  # noqa: S110 - robot code of another robot's tick
                pass
        with self._lock:
            if nxt is None:
                self.turn = None
                self._turned.notify_all()
            else:
                self._give(nxt[1], nxt[0])

    def end_now(self) -> None:
        """End the run at the next device call or event, for every robot."""
        t = max(b.now for b in self.bricks) + 1
        for b in self.bricks:
            b.end_us = t
            b._own_next = min(b._own_next, t)
            b._next_event = min(b._next_event, t)

    def abandon(self) -> None:
        """Let every waiting program go (the run is over and one program is left behind)."""
        with self._lock:
            self.abandoned = True
            self._turned.notify_all()

    # -- bodies -----------------------------------------------------------------------
    def _shapes(self, skip: Any) -> list[tuple[Any, bodies.Shape]]:
        out: list[tuple[Any, bodies.Shape]] = []
        for b in self.bricks:
            if b is not skip:
                out.append((b, b.body_shape()))
        for th in self.things:
            if th is not skip:
                out.append((th, th.shape()))
        return out

    def overlaps(self, brick: SimBrick, x: float, y: float, h: float) -> bool:
        """Would ``brick``'s body at pose (x, y, heading in radians) overlap another?"""
        mine = bodies.rect(x, y, h, brick._front, brick._back, brick._half_w)
        return any(bodies.overlap(mine, s) is not None for _, s in self._shapes(brick))

    def make_way(self, brick: SimBrick, x: float, y: float, h: float) -> bool:
        """``brick`` is about to move its body to pose (x, y, h radians): push what it
        drives into out of the way, if it can.  False: something stops it (nothing was
        moved).  Sets the load its wheels feel from what they push."""
        mine = bodies.rect(x, y, h, brick._front, brick._back, brick._half_w)
        near = bodies.rect(x, y, h, brick._front + 1.0, brick._back - 1.0, brick._half_w + 1.0)
        hits = []
        for other, shape in self._shapes(brick):
            hit = bodies.overlap(mine, shape)
            if hit is not None:
                hits.append((other, hit))
            # Touching: within 1 mm (a push leaves a hair's gap at each step).
            self._touch(brick, other, hit is not None or bodies.overlap(near, shape) is not None)
        if not hits:
            brick.set_push_load(0.0)
            return True
        fx, fy = math.cos(h), math.sin(h)
        drive = brick.drive_force()
        moves = []
        against = 0.0
        for other, (depth, nx, ny) in hits:
            along = fx * nx + fy * ny
            need = float(other.resistance(nx, ny))
            if drive * along <= need * (1.0 + 1e-9) or along <= 0.0:
                return False  # an even match (within rounding) moves nobody
            dx, dy = nx * (depth + 0.01), ny * (depth + 0.01)
            if not self._free_at(other, dx, dy, skip=brick):
                return False
            moves.append((other, dx, dy, along))
            against += need * along
        for other, dx, dy, along in moves:
            self._shift(other, dx, dy, brick, along)
        brick.set_push_load(against)
        return True

    def _touch(self, brick: SimBrick, other: Any, now: bool) -> None:
        key = (brick.index, _name(other))
        if now and key not in self._touching:
            self._touching.add(key)
            brick.touched(_name(other))
        elif not now and key in self._touching:
            self._touching.discard(key)

    def _free_at(self, other: Any, dx: float, dy: float, skip: Any) -> bool:
        """Could ``other`` move by (dx, dy) without entering a wall or a third body?"""
        if isinstance(other, Thing):
            x, y = other.x + dx, other.y + dy
            if other.hits_wall(self.world, x, y):
                return False
            shape = other.shape(x, y)
        else:
            x, y, h = other._x + dx, other._y + dy, other._h
            if self.world.rect_hits_wall(x, y, math.degrees(h), other._front, other._back,
                                         other._half_w):
                return False
            shape = bodies.rect(x, y, h, other._front, other._back, other._half_w)
        for third, s in self._shapes(other):
            if third is not skip and bodies.overlap(shape, s) is not None:
                return False
        return True

    def _shift(self, other: Any, dx: float, dy: float, pusher: SimBrick, along: float) -> None:
        self.moves += 1
        if isinstance(other, Thing):
            other.x += dx
            other.y += dy
            other.moved_mm += math.hypot(dx, dy)
            if other.spec.shape == "ball":  # it rolls on at the pusher's speed
                v = max(0.0, pusher._v * along)
                d = math.hypot(dx, dy) or 1.0
                other.vx, other.vy = v * dx / d, v * dy / d
        else:
            other.shove(dx, dy)

    def _roll(self, t: int) -> None:
        """Balls roll on, slowing down; a wall or a body stops them."""
        for th in self.things:
            if th.vx == 0.0 and th.vy == 0.0:
                continue
            last = getattr(th, "_t", t)
            th._t = t  # type: ignore[attr-defined]
            dt = (t - last) * 1e-6
            if dt <= 0.0:
                continue
            v = math.hypot(th.vx, th.vy)
            slow = th.spec.friction * G * 1000.0 * dt
            nv = max(0.0, v - slow)
            step = 0.5 * (v + nv) * dt
            dx, dy = th.vx / v * step, th.vy / v * step
            if self._free_at(th, dx, dy, skip=None):
                th.x += dx
                th.y += dy
                th.moved_mm += step
                th.vx, th.vy = th.vx / v * nv, th.vy / v * nv
            else:
                th.vx = th.vy = 0.0
            if nv == 0.0:
                th.vx = th.vy = 0.0
                del th._t  # type: ignore[attr-defined]

    # -- sensing ----------------------------------------------------------------------
    def ray(self, brick: SimBrick, x: float, y: float, heading_deg: float, cone_deg: float,
            rays: int, max_mm: float) -> float:
        """Nearest other body over ``rays`` rays across heading ± cone, or ``max_mm``."""
        best = max_mm
        # Only bodies within reach and not wholly behind the sensor can be seen.
        hx, hy = math.cos(math.radians(heading_deg)), math.sin(math.radians(heading_deg))
        near = []
        for _, s in self._shapes(brick):
            ex, ey = s[1] - x, s[2] - y
            r = bodies.reach(s)
            if math.hypot(ex, ey) - r < best and ex * hx + ey * hy > -r:
                near.append(s)
        if not near:
            return best
        for k in range(rays):
            a = math.radians(heading_deg + (-cone_deg + 2.0 * cone_deg * k / (rays - 1)
                                            if rays > 1 else 0.0))
            dx, dy = math.cos(a), math.sin(a)
            for s in near:
                d = bodies.ray(s, x, y, dx, dy)
                if d < best:
                    best = d
        return best

    def ping(self, brick: SimBrick, port: str) -> None:
        self._pings[brick.index][port] = brick.now

    def presence(self, brick: SimBrick, x: float, y: float, heading_deg: float,
                 max_mm: float) -> bool:
        """Does another robot's ultrasonic sensor, measuring now, face the one at (x, y)?"""
        for b in self.bricks:
            if b is brick:
                continue
            for port, t in self._pings[b.index].items():
                if brick.now - t > PING_US:
                    continue
                ox, oy, oh = b.mount_of(port)
                d = math.hypot(x - ox, y - oy)
                if d > max_mm or d == 0.0:
                    continue
                off = math.degrees(math.atan2(y - oy, x - ox)) - oh
                off = (off + 180.0) % 360.0 - 180.0
                if abs(off) <= PING_CONE_DEG:
                    return True
        return False

    def under(self, brick: SimBrick, x: float, y: float) -> tuple[float, float, float] | None:
        """The reflectance (r, g, b %) of another body over the floor at (x, y), seen by a
        colour sensor of ``brick`` looking down there, or None: the mat."""
        for other, s in self._shapes(brick):
            if bodies.contains(s, x, y):
                color = other.spec.color if isinstance(other, Thing) else ROBOT_GREY
                return reflectance(color)
        return None

    def front_touch(self, brick: SimBrick) -> bool:
        """Does another body touch the front of ``brick``'s body (within 1 mm)?"""
        h = brick._h
        c, s = math.cos(h), math.sin(h)
        f = brick._front + 0.5
        slab = ("rect", brick._x + c * f, brick._y + s * f, c, s, 1.0, brick._half_w)
        return any(bodies.overlap(slab, sh) is not None for _, sh in self._shapes(brick))

    def object_states(self) -> list[dict[str, Any]]:
        """Where each object is now, and how far it was pushed."""
        return [{"object": th.index + 1, "shape": th.spec.shape,
                 "x_mm": round(th.x, 2) + 0.0, "y_mm": round(th.y, 2) + 0.0,
                 "moved_mm": round(th.moved_mm, 2)} for th in self.things]


def _name(other: Any) -> str:
    if isinstance(other, Thing):
        return other.name
    return f"robot {other.index + 1}"


def _landing() -> None:
    """Nothing: a Python call, where an exception raised in this thread by another lands."""
