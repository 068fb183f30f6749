"""What the simulated brick's sensors read: :class:`Sensors`, a part of
:class:`~robokit.sim.brick.SimBrick` (colour from the mat under the sensor, distance to
walls and other bodies, the bumper against them, noise when it is on)."""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math

from .brickstate import (  # noqa: F401 - the clock's constants, where they always were
    CALL_COST_US,
    COLOR_FOOTPRINT_MM,
    M_PER_RAD,
    PHYSICS_RESOLUTION_US,
    BrickState,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # (portable code: MicroPython runs it too, robokit.sim.vmbrick)
    import random
    from typing import Any

    from .surface import FootprintSampler

#: Ambient light of the simulated room, % (what ColorSensor.ambient() reads).
ROOM_AMBIENT = 12.0
ULTRASONIC_MAX_MM = 2000.0
ULTRASONIC_MIN_MM = 40.0
ULTRASONIC_CONE_DEG = 20.0
#: The bumper's plunger travel when pressed against something, mm.
FORCE_TRAVEL_MM = 8.0
GRAVITY_MM_S2 = 9810.0


class Sensors(BrickState):
    """The sensor methods of the HAL, as a SimBrick has them."""

    world: Any
    noise: bool
    _rng: random.Random  # (None without noise: never drawn from then)
    _last: dict[str, Any]
    _rgb_memo: dict[str, tuple[Any, tuple[float, float, float], float]]
    _footprint: FootprintSampler | None
    _in_control: bool
    _next_event: int
    _h0: float
    _w: float
    _v: float
    _accel_fwd: float
    _imu_bias: float
    _push_load: tuple[float, float]
    #: How the program mounted the hub (HAL.imu_mount): the hub's own x, y and z axes in
    #: the robot's frame; None: flat, its front forward (the hub frame is the robot's).
    _imu_frame: Any = None
    #: The last reading of other bodies: ((port, physics time, arena moves, walls'
    #: distance), distance).
    _ray_memo: tuple[tuple[str, int, int, float], float] | None = None

    def _mount(self, dev: dict[str, Any]) -> tuple[float, float, float]:
        raise NotImplementedError

    def _noisy(self, value: float, sigma: float) -> float:
        if self.noise:
            return value + self._rng.gauss(0.0, sigma)
        return value

    def color_ambient(self, port: str) -> float:
        self._spend(CALL_COST_US)
        return max(0.0, self._noisy(ROOM_AMBIENT, 0.5))

    def ultrasonic_distance(self, port: str) -> float:
        self._spend(CALL_COST_US)
        x, y, h = self._mount(self._ports[port])
        d = self.world.ultrasonic(x, y, h, ULTRASONIC_CONE_DEG, 5, ULTRASONIC_MAX_MM)
        arena = self.arena
        if arena is not None:
            arena.ping(self, port)
            if arena.crowded:
                key = (port, self._t_phys, arena.moves, d)
                memo = self._ray_memo
                if memo is not None and memo[0] == key:
                    d = memo[1]  # read again in the same millisecond: nothing moved
                else:
                    d = min(d, arena.ray(self, x, y, h, ULTRASONIC_CONE_DEG, 5, d))
                    self._ray_memo = (key, d)
        if d < ULTRASONIC_MAX_MM:
            d = max(ULTRASONIC_MIN_MM, self._noisy(d, 3.0))
        d = float(round(min(d, ULTRASONIC_MAX_MM)))
        self._last[port] = d
        return d

    def ultrasonic_presence(self, port: str) -> bool:
        self._spend(CALL_COST_US)
        if self.arena is None:
            return False  # no other ultrasonic sensor in the world
        x, y, h = self._mount(self._ports[port])
        return self.arena.presence(self, x, y, h, ULTRASONIC_MAX_MM)

    def force_state(self, port: str) -> tuple[float, float]:
        self._spend(CALL_COST_US)
        self._sync_read()
        force, travel = self._bumper()
        self._last[port] = force
        return force, travel

    def _bumper(self) -> tuple[float, float]:
        """Force and plunger travel of a front bumper sensor."""
        if not self._has_walls:
            return 0.0, 0.0
        pose = (self._x, self._y, self._h)
        if self.arena is not None and self.arena.front_touch(self):
            self._front_memo = (None, True)
        elif self._front_memo[0] != pose:  # the walls do not move: the same pose, the same sides
            sides = self.world.rect_contact(pose[0], pose[1], math.degrees(pose[2]),
                                            self._front, self._back, self._half_w, 1.0)
            self._front_memo = (pose, "front" in sides)
        if not self._front_memo[1]:
            return 0.0, 0.0
        # The plunger's spring holds it at a few newtons; the wheels pushing on what
        # is there add their thrust: the torque each wheel gives to the outside over the
        # metres moved per radian.  Held still (a wall), that is its stall torque less the
        # motor's friction; rolling (it pushes an object along), what the object resists
        # with: not the torque the motor spends on its own friction.
        push = 0.0
        if self._drive:
            for m, k, load in ((self._lm, self._kl, self._push_load[0]),
                               (self._rm, self._kr, self._push_load[1])):
                if m.speed == 0.0:
                    load = m.load_torque_estimate_mnm() / 1000.0
                push += load / (k * M_PER_RAD)
        force = min(10.0, max(0.0, 3.0 + push))
        return round(self._noisy(force, 0.05), 2), FORCE_TRAVEL_MM

    # -- the hub's IMU ---------------------------------------------------------------
    def imu_heading(self) -> float:
        self._spend(CALL_COST_US)
        self._sync_read()
        drift = self._imu_bias * self.now * 1e-6
        return math.degrees(self._h - self._h0) + drift

    def imu_gyro(self) -> tuple[float, float, float]:
        self._spend(CALL_COST_US)
        self._sync_read()
        z = math.degrees(self._w) + self._imu_bias
        return self._in_hub_frame(self._noisy(0.0, 0.1), self._noisy(0.0, 0.1),
                                  self._noisy(z, 0.1))

    def imu_accel(self) -> tuple[float, float, float]:
        self._spend(CALL_COST_US)
        self._sync_read()
        lateral = self._v * self._w  # centripetal, toward the turn's centre (+y when CCW)
        return self._in_hub_frame(self._noisy(self._accel_fwd, 5.0), self._noisy(lateral, 5.0),
                                  self._noisy(GRAVITY_MM_S2, 5.0))

    def imu_mount(self, frame: Any) -> None:
        f = tuple(tuple(float(c) for c in axis) for axis in frame)
        self._imu_frame = None if f == ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
                                        (0.0, 0.0, 1.0)) else f

    def _in_hub_frame(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        """A vector of the robot's frame (x forward, y left, z up) in the hub's, as the
        program mounted it: its component along each of the hub's axes."""
        f = self._imu_frame
        if f is None:
            return (x, y, z)
        fx, fy, fz = f
        return (fx[0] * x + fx[1] * y + fx[2] * z, fy[0] * x + fy[1] * y + fy[2] * z,
                fz[0] * x + fz[1] * y + fz[2] * z)
