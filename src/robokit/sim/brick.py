"""The simulated brick: robokit's HAL for a robot that exists only in memory.

A :class:`SimBrick` owns the virtual clock (integer µs), the motors' physics,
the robot's body in a :class:`~robokit.sim.world.World`, the sensor models and
the recorder.  The device API talks to it exactly as to a real brick, through
the HAL methods.

Use::

    from robokit.config import standard_rover
    from robokit.sim.brick import SimBrick
    from robokit.sim.world import load_world

    brick = SimBrick(load_world("oval"), standard_rover())
    with brick.attached():          # the device API now talks to this brick
        from robokit import DriveBase, robot
        robot.drive_base.straight(200)
    print(brick.pose())

Time only moves when the program waits or touches a device: every HAL call
made by the program costs ``CALL_COST_US`` of simulated time (so a busy-wait
loop on a sensor advances the clock as on a brick), waits jump the clock
forward, and the motor physics is advanced in closed form between events
(control ticks every 5 ms, telemetry samples, the end of the run).  Nothing
here ever waits on the wall clock.
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math
import os
import sys

from ..devices import _hal
from ..devices._hal import HAL
from ..devices.motors import gear_ratio
from . import kernel, push
from .air import Air, RadioHAL
from .arc import roll
from .brickstate import CLOCK_COST_US  # noqa: F401 - where it always was
from .contact import WallContact
from .crowd import AmongOthers
from .motor import MODELS, MotorSim
from .recorder import MAX_TELEMETRY_ROWS, Recorder
from .sensors import (  # noqa: F401 - the sensors' constants, where they always were
    CALL_COST_US,
    COLOR_FOOTPRINT_MM,
    FORCE_TRAVEL_MM,
    GRAVITY_MM_S2,
    PHYSICS_RESOLUTION_US,
    ROOM_AMBIENT,
    ULTRASONIC_CONE_DEG,
    ULTRASONIC_MAX_MM,
    ULTRASONIC_MIN_MM,
    Sensors,
)
from .stopbutton import StopButtonHAL

# Portable code: it also runs in MicroPython's VM as the robot of a run with --exact
# (robokit.sim.vmbrick), which lacks what only a host needs.
if sys.implementation.name != "micropython":  # (where a failed import costs requests)
    from contextlib import contextmanager

    from ..errors import ProgramError
    from .surface import FootprintSampler
    from .world import World
else:  # MicroPython
    ProgramError, contextmanager = ValueError, (lambda f: f)  # type: ignore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from .motor import MotorModel
    from .presses import Press

#: The battery of the simulated hub (a SPIKE hub's Li-ion pack, near full).
BATTERY_MV = 8000.0
#: Resting current draw of the hub itself.
HUB_CURRENT_MA = 110.0
#: The longest run, in simulated seconds (about 11.6 days).
MAX_DURATION_S = 1_000_000.0


class SimTimeUp(BaseException):
    """The simulated run reached its duration.  A BaseException so that a
    program's ``except Exception`` does not swallow the end of the run; a program
    that catches it anyway gets it again from its next device call or clock read."""


def check_duration(value: Any, setting: str = "duration", *, file: str | None = None,
                   line: int | None = None) -> float:
    """``value`` as a run's duration in seconds: a finite number above 0 and at most
    :data:`MAX_DURATION_S`; else a ProgramError naming ``setting`` (prefixed with
    ``file:line`` when given)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (0.0 < seconds <= MAX_DURATION_S):  # also refuses NaN
        where = f"{file}:{line}: " if file is not None else ""
        raise ProgramError(
            f"{where}{setting}={value!r} is not a valid duration; give a number of "
            f"simulated seconds above 0 and at most {MAX_DURATION_S:,.0f}",
            file=file, line=line)
    return seconds


class SimBrick(Sensors, AmongOthers, RadioHAL, StopButtonHAL, WallContact, HAL):
    """A simulated brick in a world; implements every HAL method."""

    def __init__(
        self,
        world: World,
        robot: dict[str, Any],
        *,
        seed: int | None = None,
        noise: bool = False,
        duration_s: float | None = None,
        telemetry_hz: float = 50.0,
        recorder: Recorder | None = None,
        start: tuple[float, float, float] | None = None,
    ):
        self.world = world
        self.robot = robot
        self.noise = bool(noise)
        self.seed = seed
        # The noise's generator, when there is noise (random.Random: CPython's Mersenne
        # Twister, in C; imported only then, as a run without noise draws no number)
        self._rng: Any = None
        if self.noise:
            if sys.implementation.name != "micropython":
                import random

                self._rng = random.Random(seed if seed is not None else 0)
            else:  # (MicroPython's random is another generator: the same in plain Python)
                from .mtrand import Random

                self._rng = Random(seed or 0)
        self.now = 0
        self.end_us = (None if duration_s is None
                       else int(round(check_duration(duration_s, "duration_s") * 1e6)))
        #: True once the run's end was reached (from then on every device call ends it).
        self.time_up = False
        self._t_phys = 0
        self._in_control = False
        self._timers: list[list[Any]] = []  # [next_us, period_us, callback]
        self._next_tick: int | None = None
        self._record_period = int(round(1e6 / telemetry_hz)) if telemetry_hz > 0 else 0
        self._next_record = 0 if self._record_period else None
        self._next_event = 0
        self.recorder = recorder if recorder is not None else Recorder()
        #: Folder of the user's program (set by the runner), for where().
        self.user_dir: str | None = None
        self.light_rgb: tuple[float, float, float] | None = None
        self._footprint: FootprintSampler | None = None
        #: Per colour port, the last reading without noise: (physics time µs, rgb, mean).
        self._rgb_memo: dict[str, tuple[Any, tuple[float, float, float], float]] = {}
        self.display_rows: list[list[int]] = []
        #: Scripted hub button presses (set_presses) and those put on the timeline.
        self._presses: tuple[Press, ...] = ()
        self._presses_seen: set[int] = set()
        #: A kit robot's buttons (robokit run --board: robokit.sim.presses.KitButtons),
        #: for the press check; None: the hub's, by robot.toml's [hub] type.
        self.kit_buttons: Any = None
        self._stop_init()
        #: The arena this robot shares with others (robokit.sim.arena), or None: alone.
        self.arena: Any = None
        #: This robot's place among the arena's robots (0 when alone).
        self.index = 0
        #: Its own next event (control tick, telemetry, end), µs; _next_event is the
        #: earlier of it and what another robot in the arena has due.
        self._own_next = 0
        #: Load on the left and right wheel motors from what the body pushes, N·m.
        self._push_load = (0.0, 0.0)

        x0, y0, h0 = start if start is not None else world.start
        self.start_pose = (float(x0), float(y0), float(h0))
        self._x = float(x0)
        self._y = float(y0)
        self._h = math.radians(h0)  # world heading, CCW, radians (unwrapped)
        self._h0 = self._h
        self.distance_mm = 0.0
        self._v = 0.0  # forward speed mm/s
        self._w = 0.0  # turn rate rad/s, CCW
        self._accel_fwd = 0.0
        self._contact = False
        #: Contacts of the body with a wall or box: how many began, when the first began
        #: (µs) and where the robot was (x, y mm), the longest push (µs), the one going on.
        self.contact_count = 0
        self.first_contact: tuple[int, float, float] | None = None
        self.longest_contact_us = 0
        self._contact_since: int | None = None
        #: Bisect every physics step that meets a wall, even while pushing (the reference
        #: that the fast path of a push is checked against in the tests).
        self.bisect_every_step = False
        #: The last pose the bumper was read at, and whether a wall touched the front there;
        #: a pose pushing against a wall and the ends of a step there (see _still_pushing).
        self._front_memo: tuple[tuple[float, float, float] | None, bool] = (None, False)
        self._push_known = push.NOTHING_KNOWN
        body = robot["body"]
        self._front = body["front"]
        self._back = body["back"]
        self._half_w = body["width"] / 2.0
        self._has_walls = bool(world.walls)

        # Devices, by port.
        self._ports: dict[str, dict[str, Any]] = {}
        self._motors: dict[str, MotorSim] = {}
        self._offsets: dict[str, float] = {}
        self._ranges: dict[str, tuple[float, float]] = {}
        self._ratios: dict[str, float] = {}
        self._last: dict[str, Any] = {}  # last value the program read, per port
        drive = robot.get("drive_base")
        wheel_names = (drive["left"], drive["right"]) if drive else ()
        mass_kg = body["mass_g"] / 1000.0
        for name, dev in robot["devices"].items():
            port = dev["port"]
            info = dict(dev)
            info["name"] = name
            self._ports[port] = info
            if dev["type"] in ("Motor", "DCMotor"):
                # A gear train between the motor and what it turns: the load's inertia
                # reaches the motor divided by the ratio squared.
                ratio = gear_ratio(dev.get("gears"))
                self._ratios[port] = ratio
                extra = 0.0
                if drive and name in wheel_names:
                    r = drive["wheel_diameter"] / 2000.0
                    extra = mass_kg / 2.0 * r * r / (ratio * ratio)
                model = MODELS[dev["model"]]
                if self.noise:
                    model = self._vary(model)
                m = MotorSim(model, extra_inertia=extra, battery_mv=BATTERY_MV)
                self._motors[port] = m
                self._offsets[port] = 0.0
                if "range" in dev:
                    # The end stops are where the output stops: in motor degrees, × ratio.
                    sign = ratio if dev["positive_direction"] == "clockwise" else -ratio
                    lo, hi = sorted((dev["range"][0] * sign, dev["range"][1] * sign))
                    self._ranges[port] = (lo, hi)
        self._drive = bool(drive)
        self._track = 1.0
        wheel_motors: tuple[MotorSim, ...] = ()
        if drive:
            left = robot["devices"][drive["left"]]
            right = robot["devices"][drive["right"]]
            self._track = drive["axle_track"]
            self._lm = self._motors[left["port"]]
            self._rm = self._motors[right["port"]]
            wheel_motors = (self._lm, self._rm)
            # Per wheel: mm the body moves forward per raw motor degree (direction, gears,
            # size).  Raw angles are clockwise-positive seen on the motor's face, so a
            # "counterclockwise" motor turns its wheel forward with negative raw angles.
            self._kl, self._kr = (
                (1.0 if d["positive_direction"] == "clockwise" else -1.0)
                * math.pi * drive["wheel_diameter"] / 360.0 / self._ratios[d["port"]]
                for d in (left, right))
        #: The motors that turn no wheel, each with its port and end stops (or None).
        self._free_motors = [
            (port, m, self._ranges.get(port))
            for port, m in self._motors.items() if m not in wheel_motors
        ]
        self._imu_bias = 0.0
        if self.noise:
            self._imu_bias = self._rng.gauss(0.0, 0.05)  # deg/s gyro bias
        self._update_next_event()
        self.recorder.begin(self)
        #: The fast path of the common case (robokit.sim.kernel); None when off.
        self.kernel = kernel.make(self)
        #: The radio (robokit.sim.air): its own Air until an arena shares one.
        self.air = Air(seed, noise)
        self.air_member = self.air.join(self)

    # -- setup helpers ------------------------------------------------------
    def _vary(self, model: MotorModel) -> MotorModel:
        """Per-device variance: each motor a little different, as on real robots
        (torque constant and winding resistance each within a few percent)."""
        return model.replace(  # type: ignore[return-value]
            kt=model.kt * self._rng.gauss(1.0, 0.02),
            resistance=model.resistance * self._rng.gauss(1.0, 0.03),
        )

    @contextmanager
    def attached(self) -> Iterator[SimBrick]:
        """Attach this brick as the HAL for the duration of the ``with`` block."""
        prev = _hal.attach(self)
        try:
            yield self
        finally:
            _hal.attach(prev)

    # -- the clock ----------------------------------------------------------
    def end_now(self) -> None:
        """End the run at the next device call or event, as if its duration were up
        (safe from another thread: that is how a run is stopped from outside)."""
        if self.arena is not None:
            self.arena.end_now()
            return
        self.end_us = self.now + 1
        self._next_event = self.end_us

    def _advance_to(self, target: int) -> None:
        """Move the clock to ``target``, running every event on the way."""
        if self.arena is not None:
            self.arena.advance(self, target)
            return
        if self.kernel is not None and self.kernel.advance_to(self, target):
            return
        while self._next_event <= target:
            if self._event_at(self._next_event):
                raise SimTimeUp()
            self._stop_if_due()
        if target > self.now:
            self.now = target

    def _event_at(self, t: int) -> bool:
        """The physics to ``t`` and what is due then: the end (True: the run is over),
        a telemetry sample, the control ticks."""
        self._physics_to(t)
        self.now = t
        end = self.end_us  # read each time: end_now() may move it from another thread
        if end is not None and t >= end:
            self.time_up = True
            self._update_next_event()
            return True
        if self._stop_at is not None and t >= self._stop_at:
            self._stop_now(t)
        if self._next_record is not None and t >= self._next_record:
            self.recorder.sample(self)
            self._next_record += self._record_period
            if len(self.recorder.rows) >= MAX_TELEMETRY_ROWS:
                # Full: keep every other row and sample half as often from now on, so
                # the telemetry covers the whole run, evenly, in bounded memory.
                self.recorder.decimate()
                self._record_period *= 2
        if self._next_tick is not None and t >= self._next_tick:
            self._run_timers(t)
        self._update_next_event()
        return False

    def _run_timers(self, t: int) -> None:
        self._in_control = True
        nxt = 1 << 62
        prev = _hal.attach(self) if self.arena is not None else None
        try:
            for timer in self._timers:
                if timer[0] <= t:
                    timer[2](t)
                    timer[0] += timer[1]
                if timer[0] < nxt:
                    nxt = timer[0]
        finally:
            self._in_control = False
            if self.arena is not None:
                _hal.attach(prev)
        self._next_tick = nxt

    # -- physics ------------------------------------------------------------
    def _general_physics(self, t: int, dt_us: int) -> None:
        """The physics step to ``t`` (``dt_us`` after the last) the fast kernel does not
        take: near a wall, pressed against one, among objects."""
        self._t_phys = t
        dt = dt_us * 1e-6
        self._step_free_motors(dt)
        if self._drive:
            self._move_body(dt)

    def _step_free_motors(self, dt: float) -> None:
        """Step the motors that turn no wheel (an arm, say) by ``dt`` seconds."""
        for _port, m, rng in self._free_motors:
            if m.speed == 0.0 and m._volts == 0.0:
                continue  # at rest and not driven: nothing can change
            m.step(dt)
            if rng is not None:
                # A mechanical end stop: the shaft cannot pass it.
                if m.angle < rng[0]:
                    m.angle = rng[0]
                    m.block()
                elif m.angle > rng[1]:
                    m.angle = rng[1]
                    m.block()

    def _move_body(self, dt: float) -> None:
        # Hot: runs at every physics step of a robot with a drive base.
        lm = self._lm
        rm = self._rm
        kl = self._kl
        kr = self._kr
        a_l = lm.angle
        a_r = rm.angle
        if self._has_walls:
            if self._contact and not self.bisect_every_step and self._still_pushing(
                    dt, a_l, a_r):
                return
            load_l, load_r = self._push_load
            al1, _ = lm.state_after(dt, load_l)
            ar1, _ = rm.state_after(dt, load_r)
            x, y, h = self._arc((al1 - a_l) * kl, (ar1 - a_r) * kr)
            if self._hits_wall(x, y, h) or (
                    self.arena is not None and not self.arena.make_way(self, x, y, h)):
                self._contact_at(dt, a_l, a_r)
                return
            if self._contact:  # the body moves freely again: the push ended as this step began
                self._end_contact(self._t_phys - int(round(dt * 1e6)))
            lm.step(dt, load_l)
            rm.step(dt, load_r)
        else:
            lm.step(dt)
            rm.step(dt)
        self._roll((lm.angle - a_l) * kl, (rm.angle - a_r) * kr, dt)

    def _roll(self, dl: float, dr: float, dt: float) -> None:
        """The body rolls after its wheels, which went ``dl`` and ``dr`` mm in the last
        ``dt`` seconds, along the exact arc (:func:`robokit.sim.arc.roll`; the fast
        kernel calls it itself)."""
        roll(self, dl, dr, dt, self._lm.speed * self._kl, self._rm.speed * self._kr,
             self._track)

    def _arc(self, dl: float, dr: float) -> tuple[float, float, float]:
        """The pose after the left and right wheels roll ``dl`` and ``dr`` mm: an exact arc."""
        ds = 0.5 * (dl + dr)
        dh = (dr - dl) / self._track
        h = self._h
        if -1e-9 < dh < 1e-9:
            return self._x + ds * math.cos(h), self._y + ds * math.sin(h), h
        r = ds / dh
        return (self._x + r * (math.sin(h + dh) - math.sin(h)),
                self._y - r * (math.cos(h + dh) - math.cos(h)), h + dh)

    def _set_rates(self, dt: float, v_before: float) -> None:
        vl = self._lm.speed * self._kl
        vr = self._rm.speed * self._kr
        self._v = 0.5 * (vl + vr)
        self._w = (vr - vl) / self._track
        self._accel_fwd = (self._v - v_before) / dt

    def _sync(self) -> None:
        """Bring the physics exactly to now (before a command changes a motor's drive)."""
        if self._t_phys < self.now:
            self._physics_to(self.now)

    # -- public views (for the runner, recorder, tests) -----------------------
    def pose(self) -> tuple[float, float, float]:
        """``(x_mm, y_mm, heading_deg)`` of the robot in the world frame, now."""
        self._sync()
        return self._x, self._y, math.degrees(self._h)

    def sensor_position(self, name: str) -> tuple[float, float, float]:
        """World ``(x, y, heading_deg)`` of a device mounted on the robot."""
        dev = self.robot["devices"][name]
        return self._mount(dev)

    def _mount(self, dev: dict[str, Any]) -> tuple[float, float, float]:
        self._sync_read()
        c, s = math.cos(self._h), math.sin(self._h)
        sx, sy = dev.get("x", 0.0), dev.get("y", 0.0)
        return (self._x + c * sx - s * sy, self._y + s * sx + c * sy,
                math.degrees(self._h) + dev.get("heading", 0.0))

    def motor_sim(self, port: str) -> MotorSim:
        return self._motors[port]

    def in_contact(self) -> bool:
        """True while the body is pressed against a wall."""
        self._sync()
        return self._contact

    # -- HAL: time ------------------------------------------------------------
    def every(self, period_us: int, callback: Callable[[int], None]) -> None:
        # Ticks fall on whole multiples of the period, like a hardware timer.
        period_us = int(period_us)
        first = (self.now // period_us + 1) * period_us
        self._timers.append([first, period_us, callback])
        self._next_tick = min(t[0] for t in self._timers)
        self._update_next_event()

    # -- HAL: configuration ---------------------------------------------------
    def port_info(self, port: str) -> dict[str, Any] | None:
        info = self._ports.get(port)
        return dict(info) if info is not None else None

    def robot_config(self) -> dict[str, Any]:
        return self.robot

    # -- HAL: motors -----------------------------------------------------------
    def motor_voltage(self, port: str, mv: float) -> None:
        if not self._in_control:  # a control tick is already exactly at its time
            self._spend(CALL_COST_US)
            self._sync()
        self._motors[port].set_voltage(mv)

    def motor_coast(self, port: str) -> None:
        self._spend(CALL_COST_US)
        self._sync()
        self._motors[port].coast()

    def motor_brake(self, port: str) -> None:
        self._spend(CALL_COST_US)
        self._sync()
        self._motors[port].brake()

    def motor_reset_angle(self, port: str, angle_deg: float) -> None:
        self._spend(CALL_COST_US)
        self._sync()
        self._offsets[port] = angle_deg - self._motors[port].angle

    def motor_load(self, port: str) -> float:
        self._spend(CALL_COST_US)
        self._sync_read()
        m = self._motors[port]
        if m.speed == 0.0 and m._volts == 0.0:
            # At rest with no drive, nothing pushes; the physics skips such a motor, so
            # its last step's value (the stop, or a stall) would be read on for ever.
            return 0.0
        return m.load_torque_estimate_mnm()

    # -- HAL: hub (the IMU's reads: Sensors) ------------------------------------------
    def set_presses(self, presses: tuple[Press, ...]) -> None:
        """Script the hub's buttons: each of ``presses`` (robokit.sim.presses) is held
        down over its simulated time."""
        self._presses = tuple(presses)
        self._presses_seen = set()
        self._plan_stop()

    def buttons(self) -> tuple[str, ...]:
        self._spend(CALL_COST_US)
        held = []
        for i, p in enumerate(self._presses):
            if p.held_at(self.now):
                if p.button not in held:
                    held.append(p.button)
                if i not in self._presses_seen:  # on the replay's timeline, when it began
                    self._presses_seen.add(i)
                    self.recorder.event(int(round(p.start_s * 1e6)), "button",
                                        {"button": p.button, "until_s": p.end_s})
        return tuple(held)

    # The status light, the display and the speaker have nothing to move in the
    # simulated world; the device API reports them through event() for the recorder.
    def light(self, rgb: tuple[float, float, float] | None) -> None:
        self._spend(CALL_COST_US)
        self.light_rgb = rgb

    def display(self, rows: list[list[int]]) -> None:
        self._spend(CALL_COST_US)
        self.display_rows = [list(r) for r in rows]

    def tone(self, frequency: float, duration_ms: float, volume: float) -> None:
        self._spend(CALL_COST_US)

    def stdin_byte(self, last: bool = False) -> int | None:
        self._spend(CALL_COST_US)
        stdin = sys.stdin  # in a simulated run, the program's: the run's input
        pending = getattr(stdin, "pending", None)
        if pending is None:  # in MicroPython's VM (--exact: no input), or another thread
            return None
        waiting = pending()
        if not waiting:
            return None
        return stdin.buffer.read(waiting if last else 1)[-1]

    def battery(self) -> tuple[float, float]:
        self._read_call()  # (every motor command reads it)
        current = HUB_CURRENT_MA
        for m in self._motors.values():
            if m.speed != 0.0 or m._volts != 0.0:  # moving or driven
                current += abs(m.current) * 1000.0
        return BATTERY_MV, current

    def event(self, kind: str, data: dict[str, Any]) -> None:
        self.recorder.event(self.now, kind, data)
        if kind == "stop_button":
            self.set_stop_buttons(data.get("buttons") or ())

    def where(self) -> tuple[str, int] | None:
        """The innermost frame of the user's program on the Python stack."""
        if self.user_dir is None:
            return None
        f = sys._getframe(1)
        while f is not None:
            if is_user_file(f.f_code.co_filename, self.user_dir):
                return f.f_code.co_filename, f.f_lineno
            f = f.f_back  # type: ignore[assignment]
        return None


_ROBOKIT_DIR = (os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
                if hasattr(os, "path") else "")  # (MicroPython's os has no path)


_library_dirs: tuple[str, ...] | None = None


def _libraries() -> tuple[str, ...]:
    """Where installed libraries and the standard library live (sysconfig, on first use)."""
    global _library_dirs
    if _library_dirs is None:
        import sysconfig

        _library_dirs = tuple({sysconfig.get_paths()[k] for k in ("purelib", "platlib",
                                                                   "stdlib")})
    return _library_dirs


def is_user_file(filename: str, user_dir: str) -> bool:
    """True for a file of the user's program: under its folder, and neither robokit's
    own nor an installed library's (a project may keep a virtual environment inside)."""
    return (filename.startswith(user_dir) and not filename.startswith(_ROBOKIT_DIR)
            and not filename.startswith(_libraries())
            and "site-packages" not in filename and "dist-packages" not in filename)
