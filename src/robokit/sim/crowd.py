"""What a simulated brick does among other robots: :class:`AmongOthers`, a part of
:class:`~robokit.sim.brick.SimBrick` that :mod:`robokit.sim.arena` uses (the body's
shape, the force of its wheels, what it takes to push it, being pushed)."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

from .brickstate import M_PER_RAD, BrickState

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .motor import MotorSim
    from .recorder import Recorder

#: Rubber tyres on a mat: the friction coefficient of a wheel sliding sideways.
TYRE_GRIP = 0.8
#: Free-rolling wheels (motors coasting): resistance as a share of the weight.
ROLLING = 0.03
#: A robot without a drive base slides on its body: friction as a share of its weight.
SLIDING = 0.5

_RECT: list[Any] = [None]  # robokit.sim.bodies.rect, once imported


class AmongOthers(BrickState):
    """The methods of a SimBrick that the arena calls (see robokit.sim.arena)."""

    air: Any
    air_member: int
    index: int
    robot: dict[str, Any]
    recorder: Recorder
    contact_count: int
    first_contact: tuple[int, float, float] | None
    bisect_every_step: bool
    _timers: list[list[Any]]
    _next_tick: int | None
    _motors: dict[str, MotorSim]
    _push_load: tuple[float, float]

    def _sync(self) -> None:
        raise NotImplementedError

    def join_arena(self, arena: Any, index: int) -> None:
        """Share the world (and the clock) with the other robots of ``arena``."""
        self.arena = arena
        self.index = index
        if arena.crowded:
            self._has_walls = True  # other bodies are walls that move
            self.bisect_every_step = True  # what a push met may move: no memo of walls

    def stop_robot(self) -> None:
        """The program ended: as on a hub, the control loop stops and the motors coast,
        and the radio stops broadcasting (robokit.sim.air)."""
        self._sync()
        self.air.leave(self.air_member, self.now)
        self._timers = []
        self._next_tick = None
        for m in self._motors.values():
            m.coast()
        self._update_next_event()

    def body_shape(self) -> Any:
        rect = _RECT[0]
        if rect is None:  # (bodies is imported when a robot first meets another body)
            from .bodies import rect
            _RECT[0] = rect
        return rect(self._x, self._y, self._h, self._front, self._back, self._half_w)

    def mount_of(self, port: str) -> tuple[float, float, float]:
        """World (x, y, heading°) of the device on ``port``, as the body is now."""
        dev = self._ports[port]
        c, s = math.cos(self._h), math.sin(self._h)
        sx, sy = dev.get("x", 0.0), dev.get("y", 0.0)
        return (self._x + c * sx - s * sy, self._y + s * sx + c * sy,
                math.degrees(self._h) + dev.get("heading", 0.0))

    def _weight_n(self) -> float:
        return float(self.robot["body"]["mass_g"]) / 1000.0 * 9.81

    def drive_force(self) -> float:
        """How hard the wheels can push along the heading now, N: the motors' torque at
        the tyres with the voltage they have, held still (what they give against a body
        that does not yield), up to the tyres' grip."""
        if not self._drive:
            return 0.0
        force = 0.0
        for m, k in ((self._lm, self._kl), (self._rm, self._kr)):
            held = m.model.kt * m.voltage_mv / 1000.0 / m.model.resistance
            force += held / (k * M_PER_RAD)
        grip = TYRE_GRIP * self._weight_n()  # beyond it the tyres spin
        return max(-grip, min(grip, force))

    def resistance(self, nx: float, ny: float) -> float:
        """Newtons it takes to push this robot along (nx, ny): along its wheels as their
        motors allow (robokit.sim.arena), sideways its tyres' grip."""
        weight = self._weight_n()
        grip = TYRE_GRIP * weight
        if not self._drive:
            return SLIDING * weight
        c, s = math.cos(self._h), math.sin(self._h)
        along = abs(c * nx + s * ny)
        rolling = 0.0
        for m, k in ((self._lm, self._kl), (self._rm, self._kr)):
            held = m.model.stall_torque / abs(k * M_PER_RAD)
            mode = m.mode
            share = (ROLLING * weight / 2.0 if mode == "coast"
                     else 0.5 * held if mode == "brake" else held)
            rolling += min(share, grip / 2.0)
        return along * rolling + (1.0 - along) * grip

    def set_push_load(self, force_n: float) -> None:
        """The body pushes against ``force_n`` newtons: a load on both wheel motors."""
        if not self._drive or force_n == 0.0:
            self._push_load = (0.0, 0.0)
            return
        half = 0.5 * force_n
        self._push_load = (half * self._kl * M_PER_RAD, half * self._kr * M_PER_RAD)

    def shove(self, dx: float, dy: float) -> None:
        """Another body pushed this one by (dx, dy) mm: it slides (the wheels do not turn)."""
        self._x += dx
        self._y += dy
        self._front_memo = (None, False)

    def touched(self, what: str) -> None:
        """The body began to touch ``what`` (another robot, an object)."""
        self.recorder.event(self._t_phys, "touch", {"with": what})
        self.contact_count += 1
        if self.first_contact is None:
            self.first_contact = (self._t_phys, self._x, self._y)

