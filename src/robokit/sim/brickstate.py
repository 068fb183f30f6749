"""What the parts of :class:`~robokit.sim.brick.SimBrick` written apart (its sensors,
its part among other robots) share of its state, and the clock's steps every device call
takes (spend a little simulated time, bring the physics up to a reading) and the colour
sensor's read (a line follower's every loop): its hottest code, which the state's C type
(``brickstate.pxd``) runs on its own fields."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .motor import MotorSim

#: Simulated time each device call made by the program costs, in µs.
CALL_COST_US = 50
#: Reading the clock (StopWatch.time, ...) costs this much, so a loop that only
#: watches the clock still moves it.
CLOCK_COST_US = 10
#: Readings see the physics as of the last whole millisecond.
PHYSICS_RESOLUTION_US = 1000
#: Side of the colour sensor's footprint on the mat is 2 × this.
COLOR_FOOTPRINT_MM = 4.0

#: A wheel's travel per motor degree (mm/deg, the brick's ``_kl``/``_kr``) times this is
#: metres per radian: what turns a motor torque (N·m) into a force at the tyre (N).
M_PER_RAD = 180.0 / math.pi / 1000.0


class BrickState:
    """The state of a SimBrick that its parts read: the body's pose and shape, the wheel
    motors, the ports, the physics time, the arena it shares (or None); and what the
    clock, the fast kernel (robokit.sim.kernel) and the body's roll (robokit.sim.arc)
    read and write at every step.  Its ``__slots__`` are that state: where robokit's
    compiled core is built, they are the fields of a C type (``brickstate.pxd``) that the
    compiled kernel and roll reach directly; the rest of a brick lives in its
    ``__dict__``."""

    __slots__ = (
        # the body: pose (x, y mm; heading rad), travel, rates, shape
        "_x", "_y", "_h", "distance_mm", "_v", "_w", "_accel_fwd", "_front", "_back",
        "_half_w", "_front_memo", "_contact",
        # the wheels: their simulated motors, mm per motor degree, the track
        "_drive", "_lm", "_rm", "_kl", "_kr", "_track",
        # the clock: now, the physics time, the events due, the run's end
        "now", "_t_phys", "end_us", "_in_control", "_timers", "_next_tick",
        "_record_period", "_next_record", "_next_event", "_own_next", "_stop_at",
        # what the steps read and update
        "arena", "world", "recorder", "kernel", "noise", "_has_walls", "_ports", "_motors",
        "_offsets", "_free_motors", "_rgb_memo", "_last", "_footprint",
    )

    arena: Any
    now: int
    _ports: dict[str, dict[str, Any]]
    _has_walls: bool
    _drive: bool
    _lm: MotorSim
    _rm: MotorSim
    _kl: float
    _kr: float
    _x: float
    _y: float
    _h: float
    _front: float
    _back: float
    _half_w: float
    _t_phys: int
    _front_memo: tuple[tuple[float, float, float] | None, bool]
    end_us: int | None
    _in_control: bool
    _next_tick: int | None
    _record_period: int
    _next_record: int | None
    _next_event: int
    _own_next: int
    _stop_at: int | None
    kernel: Any
    _motors: dict[str, MotorSim]
    _offsets: dict[str, float]
    _free_motors: list[tuple[str, MotorSim, tuple[float, float] | None]]
    world: Any
    noise: bool
    _last: dict[str, Any]
    _rgb_memo: dict[str, tuple[Any, tuple[float, float, float], float]]
    _footprint: Any

    # -- the clock, as every device call moves it (the rest: SimBrick) --------------
    def _advance_to(self, target: int) -> None:
        raise NotImplementedError  # (SimBrick's: every event up to target)

    def _general_physics(self, t: int, dt_us: int) -> None:
        raise NotImplementedError  # (SimBrick's: the physics step the kernel does not take)

    def _noisy(self, value: float, sigma: float) -> float:
        raise NotImplementedError  # (Sensors': ``value`` with noise, when it is on)

    def _update_next_event(self) -> None:
        nxt = self._next_tick
        if self._next_record is not None and (nxt is None or self._next_record < nxt):
            nxt = self._next_record
        if self.end_us is not None and (nxt is None or self.end_us < nxt):
            nxt = self.end_us
        if self._stop_at is not None and (nxt is None or self._stop_at < nxt):
            nxt = self._stop_at
        own = nxt if nxt is not None else 1 << 62
        self._own_next = own
        if self.arena is not None:
            lim = self.arena.limit(self)
            if lim < own:
                own = lim
        self._next_event = own

    def _spend(self, us: int) -> None:
        """The program touched a device: that costs a little simulated time."""
        if self._in_control:
            return
        target = self.now + us
        if target >= self._next_event:
            self._advance_to(target)
        else:
            self.now = target

    def _physics_to(self, t: int) -> None:
        dt_us = t - self._t_phys
        if dt_us <= 0 or (self.kernel is not None and self.kernel.physics_to(self, t)):
            return
        self._general_physics(t, dt_us)

    def _free_moving(self) -> bool:
        """Does a motor that turns no wheel move or have a drive?  (Else a physics step
        leaves all of them as they are, and the fast kernel need not step them.)"""
        for _port, m, _rng in self._free_motors:
            if m.speed != 0.0 or m._volts != 0.0:
                return True
        return False

    def _sync_read(self) -> None:
        """Bring the physics to the last whole millisecond before a reading: the
        simulator's resolution is 1 ms, so reads between two milliseconds see
        the state at the earlier one (and cost no extra physics step)."""
        t = self.now - self.now % PHYSICS_RESOLUTION_US
        if self._t_phys < t:
            self._physics_to(t)

    def _read_call(self) -> None:
        """A device call that reads the robot (a motor's state, a colour, the battery):
        ``_spend(CALL_COST_US)``, then ``_sync_read()``."""
        self._spend(CALL_COST_US)
        self._sync_read()

    def time_us(self) -> int:
        # _spend(CLOCK_COST_US) inlined: a loop that only repeats a call which changes
        # nothing (the same drive() again) is mostly this.
        if not self._in_control:
            target = self.now + CLOCK_COST_US
            if target >= self._next_event:
                self._advance_to(target)
            else:
                self.now = target
        return self.now

    def sleep_us(self, us: int) -> None:
        if us <= 0:
            self._spend(CALL_COST_US)
            return
        target = self.now + int(us)
        if target >= self._next_event:
            self._advance_to(target)
        else:
            self.now = target

    def motor_state(self, port: str) -> tuple[float, float]:
        self._read_call()
        m = self._motors[port]
        return m.angle + self._offsets[port], m.speed

    # -- the colour sensor's read (a line follower's every loop; its other sensors: Sensors)
    def color_rgb(self, port: str) -> tuple[float, float, float]:
        self._read_call()
        arena = self.arena
        stamp: Any = self._t_phys if arena is None else (self._t_phys, arena.moves)
        memo = self._rgb_memo.get(port)
        if memo is not None and memo[0] == stamp:
            # Read again within the same millisecond of physics (a loop with no wait):
            # the robot has not moved, so neither has the reading.
            self._last[port] = memo[2]
            return memo[1]
        dev = self._ports[port]
        c, s = math.cos(self._h), math.sin(self._h)
        sx, sy = dev["x"], dev["y"]
        if self._footprint is None:
            self._footprint = self.world.surface.sampler(COLOR_FOOTPRINT_MM)
        wx, wy = self._x + c * sx - s * sy, self._y + s * sx + c * sy
        r, g, b = self._footprint.rgb(wx, wy)
        if arena is not None and arena.crowded:
            r, g, b = arena.under(self, wx, wy) or (r, g, b)  # an object, another robot
        if self.noise:
            r, g, b = self._noisy(r, 0.8), self._noisy(g, 0.8), self._noisy(b, 0.8)
            r, g, b = (min(100.0, max(0.0, v)) for v in (r, g, b))
        rgb = (r, g, b)
        mean = (r + g + b) / 3.0
        if not self.noise:
            self._rgb_memo[port] = (stamp, rgb, mean)
        self._last[port] = mean
        return rgb
