"""What the parts of :class:`~robokit.sim.brick.SimBrick` written apart (its sensors,
its part among other robots) share of its state: the names, for the type checker."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    from typing import Any

    from .motor import MotorSim

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
