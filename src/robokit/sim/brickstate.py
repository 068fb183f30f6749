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
    motors, the ports, the physics time, the arena it shares (or None)."""

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
