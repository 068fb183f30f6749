"""The floor that robots and the objects they push share, on one clock, in one thread.

:class:`Floor` is the part of :class:`~robokit.sim.arena.Arena` that needs no threads:
the robots' events run in time order on the one clock (:meth:`Floor.advance`), bodies
meet (a robot pushes an object or another robot out of its way, or stops against it:
:meth:`Floor.make_way`), balls roll on (:meth:`Floor._roll`), the sensors see the other
bodies (:meth:`Floor.ray`, :meth:`Floor.under`, :meth:`Floor.front_touch`), and the
objects' places are kept for the replay (:attr:`Floor.track`). The ``Arena`` adds the
programs' turns (a thread each) and the radio several robots share.

Portable code: it also runs in MicroPython's VM, for the robot of a run with ``--exact``
in a world with objects to push (robokit.sim.vmbrick makes a floor of that one robot).
:meth:`Floor.state` is what the VM sends back at the end, and :meth:`Floor.restore` puts
it into the host's arena (robokit.virtual.localsim), so the run's result holds the
objects' places and tracks as the default mode's does.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

from . import bodies
from .brick import SimTimeUp
from .brickstate import M_PER_RAD
from .crowd import TYRE_GRIP

TYPE_CHECKING = False
if TYPE_CHECKING:  # (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Any

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
#: How often the objects' places are kept for the replay, µs, and how many at most: once
#: full, every other place is let go and places are kept half as often from then on (as
#: the telemetry's rows are), so that the track covers the whole run.
TRACK_PERIOD_US = 20_000
MAX_TRACK = 100_000
#: The room (mm) beyond their reaches within which :meth:`Floor.make_way` tests whether two
#: bodies meet: far more than any rounding of their shapes' floats.
_MARGIN_MM = 10.0


class Thing:
    """A movable object as it is now: where, how it lies, how fast it rolls (balls).
    Its ``spec`` is the world's ``Movable`` (or, in the VM, an object with its fields)."""

    def __init__(self, spec: Any, index: int):
        self.spec = spec
        self.index = index
        self.x, self.y = spec.center
        self.angle = math.radians(spec.angle)
        #: The cosine and sine of its angle (a box's shape: it slides, it does not turn).
        self._c, self._s = math.cos(self.angle), math.sin(self.angle)
        self.vx = 0.0
        self.vy = 0.0
        self.weight_n = spec.mass_g / 1000.0 * G
        self.moved_mm = 0.0
        self._name = "object " + str(index + 1) + " (" + spec.shape + ")"

    @property
    def name(self) -> str:
        return self._name

    def shape(self, x: float | None = None, y: float | None = None) -> bodies.Shape:
        x = self.x if x is None else x
        y = self.y if y is None else y
        s = self.spec
        if s.shape == "box":
            return bodies.box_cs(x, y, self._c, self._s, s.size[0], s.size[1])
        return bodies.circle(x, y, s.radius)

    def hits_wall(self, world: Any, x: float, y: float) -> bool:
        """Would it overlap a wall or a box at (x, y)?  (Touching is not overlapping: a box
        set flush against a wall slides along it.)"""
        s = self.spec
        t = bodies.FLUSH_MM
        if s.shape == "box":
            hx = max(0.0, s.size[0] / 2 - t)
            return bool(world.rect_hits_wall(x, y, math.degrees(self.angle), hx, -hx,
                                             max(0.0, s.size[1] / 2 - t)))
        return bool(world.circle_hits_wall(x, y, max(0.0, s.radius - t)))

    def resistance(self, nx: float, ny: float) -> float:
        """Newtons it takes to slide it along (nx, ny)."""
        return self.spec.friction * self.weight_n


class Floor:
    """The robots (their bricks, in order) and the objects of one run, on one clock.
    ``reflectance(colour)`` is the (r, g, b) % a colour sensor sees of a colour (the
    world's ``reflectance``)."""

    def __init__(self, world: Any, bricks: list[SimBrick],
                 reflectance: Callable[[str], tuple[float, float, float]]):
        self.world = world
        self.bricks = bricks
        self.reflectance = reflectance
        self.things = [Thing(m, i) for i, m in enumerate(world.objects)]
        #: True when a body can meet another (more than one robot, or objects).
        self.crowded = len(bricks) > 1 or bool(self.things)
        self.time_up = False
        #: When each program wants to run again (µs); None: it ended (or never started).
        self._wake: list[int | None] = [0] * len(bricks)
        #: Per robot, per ultrasonic port: when it last measured (for presence()).
        self._pings: list[dict[str, int]] = [{} for _ in bricks]
        #: Per pusher and body pushed, whether they touched at the last step (events).
        self._touching: set[tuple[int, str]] = set()
        #: Counts what may have moved another body (events, pushes): a reading of the
        #: others taken at the same count and the same pose is the same (a memo's key).
        self.moves = 0
        #: A rule (robokit.sim.match) looked at every rule_period_us; what it said.
        self.rule: Any = None
        self.rule_period_us = 10_000
        self._next_rule = 0
        self.verdict: str | None = None
        #: Where the objects were, every ``_track_period`` µs (TRACK_PERIOD_US, doubled
        #: each time the track is full): times (µs) and, per time, each object's (x, y)
        #: (for the replay).
        self.track_t: list[int] = []
        self.track: list[list[tuple[float, float]]] = []
        self._next_track = 0
        self._track_period = TRACK_PERIOD_US
        #: Per robot, how far its body reaches from its pose point, and some (mm): beyond
        #: that from a body's reach, the two do not meet nor touch (a test per step saved).
        self._reach = [_MARGIN_MM + max(bodies.hypot(b._front + 1.0, b._half_w + 1.0),
                                        bodies.hypot(b._back - 1.0, b._half_w + 1.0))
                       for b in bricks]
        for i, b in enumerate(bricks):
            b.join_arena(self, i)
        self._join_radio()
        for b in bricks:
            b._update_next_event()

    def _join_radio(self) -> None:
        """Several robots share one radio (the Arena's); a floor of one has its own."""

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
        # (The same steps with one robot as with several: shortcuts for one robot here
        # made MicroPython's VM several times slower over a long run, as they left its
        # heap's allocations fewer small blocks to fill the holes before the big ones.)
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
                brick._stop_if_due()  # (its hub's stop button: robokit.sim.stopbutton)
                continue
            if nxt is not None and t_w < target:
                self._hand_over(brick, target, nxt[1], t_w)
                if self.time_up or brick.time_up:
                    raise SimTimeUp()
                brick._stop_if_due()
                return
            if target > brick.now:
                brick.now = target
            brick._next_event = min(t_ev, t_w)
            return

    def _thin_track(self) -> None:
        """The track is full: keep every other place (the first, the third...), and keep
        places half as often from now on."""
        thin = getattr(self.track, "thin", None)
        if thin is not None:  # (the VM's track, kept as raw numbers: robokit.sim.vmbrick)
            self.track_t.thin()  # type: ignore[attr-defined]
            thin()
        else:
            self.track_t = self.track_t[::2]
            self.track = self.track[::2]
        self._track_period *= 2

    def _hand_over(self, brick: SimBrick, wake: int, to: int, at: int) -> None:
        """The program on ``brick`` waits until ``wake``; the one on ``to`` runs from
        ``at`` (the Arena's: with one program there is no other to hand over to)."""
        raise RuntimeError("one program on the floor: no other to take the turn")

    def _events_at(self, t: int) -> None:
        """Every robot's physics to ``t``, then what is due at ``t`` (telemetry, control
        ticks, the end), robot by robot."""
        self.moves += 1
        for b in self.bricks:
            if b.now < t:
                b.now = t
            b._physics_to(t)
        self._roll(t)
        if self.things and t >= self._next_track:
            period = self._track_period
            self._next_track = t - t % period + period
            self.track_t.append(t)
            self.track.append([(th.x, th.y) for th in self.things])
            if len(self.track_t) >= MAX_TRACK:
                self._thin_track()
        for b in self.bricks:
            if b._own_next <= t and b._event_at(t):
                self.time_up = True
            if b._stop_due:  # its hub's stop button: its program wakes now, to end
                w = self._wake[b.index]
                if w is not None and w > t:
                    self._wake[b.index] = t
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

    def end_now(self) -> None:
        """End the run at the next device call or event, for every robot."""
        t = max(b.now for b in self.bricks) + 1
        for b in self.bricks:
            b.end_us = t
            b._own_next = min(b._own_next, t)
            b._next_event = min(b._next_event, t)

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

    def overlaps(self, brick: SimBrick, x: float, y: float, h: float,
                 others: Any = None) -> bool:
        """Would ``brick``'s body at pose (x, y, heading in radians) overlap another?
        (``others``: ``self._shapes(brick)``, when the caller asks several times while the
        other bodies stand still: a contact's bisection.)"""
        mine: Any = None
        reach = self._reach[brick.index]
        for _, shape in (others if others is not None else self._shapes(brick)):
            ex, ey = shape[1] - x, shape[2] - y
            far = reach + bodies.reach(shape)
            if ex * ex + ey * ey > far * far:  # (well clear, as in make_way)
                continue
            if mine is None:
                mine = bodies.rect(x, y, h, brick._front, brick._back, brick._half_w)
            if bodies.overlap(mine, shape) is not None:
                return True
        return False

    def make_way(self, brick: SimBrick, x: float, y: float, h: float) -> bool:
        """``brick`` is about to move its body to pose (x, y, h radians): push what it
        drives into out of the way, if it can.  False: something stops it (nothing was
        moved).  Sets the load its wheels feel from what they push."""
        mine: Any = None
        near: Any = None
        reach = self._reach[brick.index]
        hits = []
        for other, shape in self._shapes(brick):
            ex, ey = shape[1] - x, shape[2] - y
            far = reach + bodies.reach(shape)
            if ex * ex + ey * ey > far * far:  # (well clear: neither rectangle meets it)
                if self._touching:
                    self._touch(brick, other, False)
                continue
            if mine is None:
                c, s = math.cos(h), math.sin(h)  # (as bodies.rect has them)
                mine = bodies.rect_cs(x, y, c, s, brick._front, brick._back, brick._half_w)
                near = bodies.rect_cs(x, y, c, s, brick._front + 1.0, brick._back - 1.0,
                                      brick._half_w + 1.0)
            hit = bodies.overlap(mine, shape)
            if hit is not None:
                hits.append((other, shape, hit))
            # Touching: within 1 mm (a push leaves a hair's gap at each step).
            self._touch(brick, other, hit is not None or bodies.overlap(near, shape) is not None)
        if not hits:
            brick.set_push_load(0.0)
            return True
        fx, fy = math.cos(h), math.sin(h)
        x0, y0, h0 = brick._x, brick._y, brick._h
        c0, s0 = math.cos(h0), math.sin(h0)
        c1, s1 = math.cos(h), math.sin(h)
        # The wheels' work over this step (N·mm): their force along the heading over the
        # way the axle goes, and their torque (one wheel pushing, the other pulling) over
        # the turn.
        dh = h - h0
        hm = h0 + 0.5 * dh
        work = (brick.drive_force() * ((x - x0) * math.cos(hm) + (y - y0) * math.sin(hm))
                + _turning_torque(brick) * dh)
        moves = []
        against = 0.0
        for other, shape, (depth, nx, ny) in hits:
            along = fx * nx + fy * ny
            need = float(other.resistance(nx, ny))
            # Where the body meets the other (its side nearest the body), and how far that
            # point of the body moves into it over the step: the wheels' work must beat
            # the other's resistance over that way (a straight push: the drive force
            # against the resistance times the heading's share of n; a turn on the spot:
            # the torque over the lever).  (Reversing, the back pushes as the front does.)
            ext = (shape[3] if shape[0] == "circle" else
                   shape[5] * abs(shape[3] * nx + shape[4] * ny)
                   + shape[6] * abs(shape[3] * ny - shape[4] * nx))
            px, py = shape[1] - nx * ext - x0, shape[2] - ny * ext - y0
            u, v = c0 * px + s0 * py, -s0 * px + c0 * py  # in the body's frame
            into = ((x - x0 + c1 * u - s1 * v - px) * nx + (y - y0 + s1 * u + c1 * v - py) * ny)
            # (at least as deep as the overlap: a corner turning past the other at a
            # graze, whose point's way along n is next to nothing, still overlaps it)
            into = max(into, depth)
            if work <= need * into * (1.0 + 1e-9):
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
            if other._hits_wall(x, y, h):  # (touching is not hitting: it slides along)
                return False
            shape = bodies.rect(x, y, h, other._front, other._back, other._half_w)
        for b in self.bricks:  # (the shape of none but a third body)
            if b is not other and b is not skip and bodies.overlap(
                    shape, b.body_shape()) is not None:
                return False
        for th in self.things:
            if th is not other and th is not skip and bodies.overlap(
                    shape, th.shape()) is not None:
                return False
        return True

    def _shift(self, other: Any, dx: float, dy: float, pusher: SimBrick, along: float) -> None:
        self.moves += 1
        if isinstance(other, Thing):
            other.x += dx
            other.y += dy
            d = bodies.hypot(dx, dy)
            other.moved_mm += d
            if other.spec.shape == "ball":  # it rolls on at the pusher's speed
                v = max(0.0, pusher._v * along)
                d = d or 1.0
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
            v = bodies.hypot(th.vx, th.vy)
            if v == 0.0:  # (a speed too small to square: it has stopped)
                th.vx = th.vy = 0.0
                del th._t  # type: ignore[attr-defined]
                continue
            slow = th.spec.friction * G * 1000.0 * dt
            nv = max(0.0, v - slow)
            step = 0.5 * (v + nv) * dt
            # In pieces no longer than its radius (nor than 1 mm), each tested where it
            # lands: a small fast ball does not pass through a thin wall between two places.
            pieces = int(step / max(th.spec.radius, 1.0)) + 1
            piece = step / pieces
            dx, dy = th.vx / v * piece, th.vy / v * piece
            done = 0
            while done < pieces and self._free_at(th, dx, dy, skip=None):
                th.x += dx
                th.y += dy
                th.moved_mm += piece
                done += 1
            if done == pieces:
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
            if bodies.hypot(ex, ey) - r < best and ex * hx + ey * hy > -r:
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
                d = bodies.hypot(x - ox, y - oy)
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
                return self.reflectance(color)
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

    # -- from one process to another (run --exact: the VM's floor, the host's arena) ----
    def state(self) -> list[Any]:
        """What :meth:`restore` puts into another floor of the same world and robots: the
        objects as they are (place, speed, distance pushed, when a ball last rolled), the
        clock's flags and counts, which bodies touch, the objects' track (its times as
        int64 bytes, its places as doubles' bytes, each in pieces), the verdict. Lists,
        floats, ints, strs and bytes only (robokit.virtual.halvalue carries them, floats
        to the bit)."""
        from array import array

        things = [[th.x, th.y, th.vx, th.vy, th.moved_mm, getattr(th, "_t", None)]
                  for th in self.things]
        pieces = getattr(self.track, "pieces", None)
        if pieces is not None:  # (the VM's track, kept as raw numbers: robokit.sim.vmbrick)
            times_of: Any = self.track_t
            times, places = times_of.pieces(), pieces()
        else:
            n = len(self.track_t)
            t_arr = array("q", bytearray(8 * n))
            p_arr = array("d", bytearray(16 * n * len(self.things)))
            k = 0
            for i in range(n):
                t_arr[i] = self.track_t[i]
                for x, y in self.track[i]:
                    p_arr[k] = x
                    p_arr[k + 1] = y
                    k += 2
            times, places = [bytes(t_arr)], [bytes(p_arr)]
        return [things, self.time_up, self.moves, [list(key) for key in self._touching],
                times, places, self._next_track, self.verdict, self._next_rule,
                self._track_period]

    def restore(self, state: list[Any]) -> None:
        """Take on the :meth:`state` of another floor (the VM's, at the end of its run)."""
        from array import array

        (things, self.time_up, self.moves, touching, times, places, self._next_track,
         self.verdict, self._next_rule, self._track_period) = state
        for th, (x, y, vx, vy, moved, t) in zip(self.things, things, strict=True):  # (host)
            th.x, th.y, th.vx, th.vy, th.moved_mm = x, y, vx, vy, moved
            if t is not None:
                th._t = t  # type: ignore[attr-defined]
            elif hasattr(th, "_t"):
                del th._t
        self._touching = {(i, name) for i, name in touching}
        t_arr = array("q")
        t_arr.frombytes(b"".join(times))
        p_arr = array("d")
        p_arr.frombytes(b"".join(places))
        m = len(self.things)
        self.track_t = list(t_arr)
        self.track = [[(p_arr[2 * (i * m + j)], p_arr[2 * (i * m + j) + 1]) for j in range(m)]
                      for i in range(len(t_arr))]


def _turning_torque(brick: SimBrick) -> float:
    """The torque (N·mm) the wheels turn the body with now: each wheel's force (its motor
    held still at the voltage it has, up to half the tyres' grip) about the axle's
    middle, counterclockwise."""
    if not brick._drive:
        return 0.0
    grip = 0.5 * TYRE_GRIP * brick._weight_n()
    out = 0.0
    for m, k, side in ((brick._lm, brick._kl, -1.0), (brick._rm, brick._kr, 1.0)):
        f = m.model.kt * m.voltage_mv / 1000.0 / m.model.resistance / (k * M_PER_RAD)
        out += side * max(-grip, min(grip, f))
    return out * 0.5 * brick._track


def _name(other: Any) -> str:
    if isinstance(other, Thing):
        return other.name
    return "robot " + str(other.index + 1)
