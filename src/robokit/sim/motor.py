"""DC motor models for the simulated brick, stepped exactly in closed form.

Each LEGO motor is modelled at its *output shaft* (gearbox included) as a
permanent-magnet DC motor with negligible inductance::

    J dω/dt = kt (V - ke ω) / R - τc sign(ω) - τ_load        (kt = ke = k)

``J`` is the rotor and gearbox inertia reflected to the output shaft plus whatever the
caller attaches (``extra_inertia``: a drive base adds the robot's mass reflected to the
wheel), ``τc`` a Coulomb friction and ``τ_load`` an external torque against the positive
direction.  With ``V`` constant over a step the equation is linear in ω between sign
changes of ω, so speed and angle are advanced exactly (exponentials, no integration
error); where ω reaches zero inside a step the stop time is found exactly and the motor
either stays stopped (the drive cannot beat static friction) or sets off again.

The parameters are fitted to published measurements; see ``docs/physics-motors.md``
and :func:`fit`.

Units: angles in degrees, speeds in deg/s, voltages in millivolts at the API
(``set_voltage``), SI inside the models (V, A, Ω, N·m, kg·m², rad/s).
"""

from __future__ import annotations  # (robokit.virtual.rom drops it for MicroPython)

import math
import sys

from .record import Record
from .record import set_field as _set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# Portable code: MotorSim also runs in MicroPython's VM (robokit.sim.vmbrick), which fits
# no models: the host sends them, and MODELS is empty there.
_FITS = sys.implementation.name != "micropython"

__all__ = [
    "KIT_MODELS",
    "MODELS",
    "MotorModel",
    "MotorSim",
    "PublishedPoints",
    "fit",
    "inertia_from_acceleration",
    "rpm_to_rad_s",
]

_DEG = 180.0 / math.pi  # rad -> deg
_RAD = math.pi / 180.0  # deg -> rad
_CACHE_LIMIT = 32  # distinct step lengths whose exponentials a MotorSim keeps


def rpm_to_rad_s(rpm: float) -> float:
    """Revolutions per minute to rad/s."""
    return rpm * (2.0 * math.pi / 60.0)


def fit(
    voltage: float,
    no_load_speed_rad_s: float,
    torque_nm: float,
    speed_rad_s: float,
    no_load_current_a: float | None = None,
    friction_nm: float | None = None,
) -> tuple[float, float, float]:
    """Fit ``(k, R, τc)`` of ``J ω' = k (V - k ω)/R - τc sign(ω) - τ_load`` to two points.

    The steady-state torque/speed line ``τ = k V/R - τc - (k²/R) ω`` is made to pass
    exactly through the no-load point ``(no_load_speed_rad_s, 0)`` and the loaded point
    ``(speed_rad_s, torque_nm)``, both at ``voltage``.  That gives the slope
    ``s = k²/R = torque / (ω0 - ωx)`` and the intercept ``k V/R - τc = s ω0``; the third
    unknown is fixed by one of:

    * ``friction_nm`` given: ``τc`` is that value and ``k = V s / (s ω0 + τc)``;
    * ``no_load_current_a`` given: ``τc = k i0`` (all of the no-load current goes into
      friction, so the model also reproduces the measured no-load current), and ``k`` is
      the positive root of ``i0 k² + s ω0 k - V s = 0``;
    * neither: no friction.

    Returns ``(k, R, τc)`` in N·m/A (= V·s/rad), ohm and N·m.
    """
    if not (no_load_speed_rad_s > speed_rad_s >= 0.0 and torque_nm > 0.0 and voltage > 0.0):
        raise ValueError("need voltage > 0, torque > 0 and no-load speed > loaded speed >= 0")
    s = torque_nm / (no_load_speed_rad_s - speed_rad_s)
    if friction_nm is not None:
        tau_c = float(friction_nm)
        k = voltage * s / (s * no_load_speed_rad_s + tau_c)
    elif no_load_current_a:
        i0 = float(no_load_current_a)
        b = s * no_load_speed_rad_s
        k = (-b + math.sqrt(b * b + 4.0 * i0 * voltage * s)) / (2.0 * i0)
        tau_c = k * i0
    else:
        tau_c = 0.0
        k = voltage / no_load_speed_rad_s
    return k, k * k / s, tau_c


def inertia_from_acceleration(
    k: float, resistance: float, friction_nm: float, voltage: float, acceleration_rad_s2: float
) -> float:
    """Output-shaft inertia (kg·m²) from an acceleration estimate at ``voltage``.

    Same rule as Pybricks' ``motor_model.py``: ``J = (stall torque - friction) / a``,
    i.e. ``a`` is read as the acceleration from standstill at full voltage.
    """
    return (k * voltage / resistance - friction_nm) / acceleration_rad_s2


class PublishedPoints(Record):
    """Measurements a model is fitted to (all at ``voltage``, output shaft)."""

    __slots__ = _FIELDS = ("voltage", "no_load_speed_rad_s", "no_load_current_a", "torque_nm",
                           "speed_rad_s", "current_a", "acceleration_rad_s2", "source")
    voltage: float  # V
    no_load_speed_rad_s: float
    no_load_current_a: float | None
    torque_nm: float  # the loaded point ...
    speed_rad_s: float  # ... and the speed there
    current_a: float | None  # measured current at the loaded point (not fitted, compared)
    acceleration_rad_s2: float  # acceleration estimate used for the inertia
    source: str

    def __init__(self, voltage: float, no_load_speed_rad_s: float,
                 no_load_current_a: float | None, torque_nm: float, speed_rad_s: float,
                 current_a: float | None, acceleration_rad_s2: float, source: str) -> None:
        _set(self, "voltage", voltage)
        _set(self, "no_load_speed_rad_s", no_load_speed_rad_s)
        _set(self, "no_load_current_a", no_load_current_a)
        _set(self, "torque_nm", torque_nm)
        _set(self, "speed_rad_s", speed_rad_s)
        _set(self, "current_a", current_a)
        _set(self, "acceleration_rad_s2", acceleration_rad_s2)
        _set(self, "source", source)


class MotorModel(Record):
    """Immutable parameters of one motor type, SI, at the output shaft (gearbox included)."""

    __slots__ = _FIELDS = ("id", "label", "voltage", "kt", "resistance", "inertia", "friction",
                           "rated_max_speed_dps", "max_voltage", "has_encoder", "source",
                           "points")
    id: str
    label: str
    voltage: float  # nominal voltage of the published measurements, V
    kt: float  # torque constant = back-EMF constant, N·m/A = V·s/rad
    resistance: float  # ohm (effective: also carries the gearbox's load-dependent losses)
    inertia: float  # kg·m², rotor + gearbox reflected to the output shaft (an estimate)
    friction: float  # Coulomb friction, N·m
    rated_max_speed_dps: float  # Pybricks' rated maximum speed, deg/s
    max_voltage: float  # highest voltage Pybricks applies to this motor, V
    has_encoder: bool
    source: str
    points: PublishedPoints | None

    def __init__(self, id: str, label: str, voltage: float, kt: float, resistance: float,
                 inertia: float, friction: float, rated_max_speed_dps: float,
                 max_voltage: float, has_encoder: bool, source: str,
                 points: PublishedPoints | None = None) -> None:
        _set(self, "id", id)
        _set(self, "label", label)
        _set(self, "voltage", voltage)
        _set(self, "kt", kt)
        _set(self, "resistance", resistance)
        _set(self, "inertia", inertia)
        _set(self, "friction", friction)
        _set(self, "rated_max_speed_dps", rated_max_speed_dps)
        _set(self, "max_voltage", max_voltage)
        _set(self, "has_encoder", has_encoder)
        _set(self, "source", source)
        _set(self, "points", points)

    @property
    def ke(self) -> float:
        """Back-EMF constant, V·s/rad (equal to :attr:`kt` in this model)."""
        return self.kt

    @property
    def stall_torque(self) -> float:
        """Electromagnetic torque at standstill and nominal voltage, N·m."""
        return self.kt * self.voltage / self.resistance

    @property
    def stall_current(self) -> float:
        """Current at standstill and nominal voltage, A."""
        return self.voltage / self.resistance

    def no_load_speed_dps(self, voltage: float | None = None) -> float:
        """Steady no-load speed at ``voltage`` (default: nominal), deg/s (0 if it can't start)."""
        v = self.voltage if voltage is None else voltage
        w = (self.kt * v / self.resistance - self.friction) * self.resistance / self.kt**2
        return max(0.0, w) * _DEG

    @property
    def time_constant(self) -> float:
        """Mechanical time constant ``J R / (kt ke)`` of the bare motor, s."""
        return self.inertia * self.resistance / (self.kt * self.kt)


_PYBRICKS_DATA = (
    "Pybricks lib/pbio/doc/control/motor_data.py (github.com/pybricks/pybricks-micropython)"
)
_PYBRICKS_SETTINGS = "Pybricks lib/pbio/src/motor/servo_settings.c"
_PHILO = "philohome.com/motors/motorcomp.htm"
_GCM = 9.81 / 100.0 / 1000.0  # g·cm -> N·m

# id, label, rated max speed (deg/s), max voltage (V), points, source note
_TABLE: tuple[tuple[str, str, float, float, PublishedPoints, str], ...] = (
    (
        "spike_small",
        "SPIKE Small Angular Motor",
        620.0,
        6.0,
        PublishedPoints(
            6.0,
            13.3,
            0.05,
            318.24 * _GCM,
            5.5,
            0.22,
            math.radians(880 / 0.04),
            f"{_PYBRICKS_DATA}: technic_s_angular, experiments by Pybricks authors",
        ),
        "",
    ),
    (
        "spike_medium",
        "SPIKE Medium Angular Motor",
        1000.0,
        9.0,
        PublishedPoints(
            7.2,
            16.6,
            0.09,
            1018.64 * _GCM,
            4.6,
            0.51,
            math.radians(920 / 0.035),
            f"{_PYBRICKS_DATA}: technic_m_angular, experiments by Pybricks authors",
        ),
        "",
    ),
    (
        "spike_large",
        "SPIKE Large Angular Motor",
        1000.0,
        9.0,
        PublishedPoints(
            7.2,
            16.6,
            0.10,
            1018.64 * _GCM,
            12.7,
            0.53,
            math.radians(800 / 0.04),
            f"{_PYBRICKS_DATA}: technic_l_angular, experiments by Pybricks authors",
        ),
        "",
    ),
    (
        "technic_large",
        "Technic Large Motor",
        1500.0,
        9.0,
        PublishedPoints(
            9.0,
            rpm_to_rad_s(315),
            0.12,
            0.0881,
            rpm_to_rad_s(198),
            0.52,
            math.radians(3000 / 0.1),
            f"{_PYBRICKS_DATA}: technic_l, partly from {_PHILO}",
        ),
        "",
    ),
    (
        "technic_xl",
        "Technic XL Motor",
        1500.0,
        9.0,
        PublishedPoints(
            9.0,
            rpm_to_rad_s(330),
            0.06,
            0.0881,
            rpm_to_rad_s(198),
            0.47,
            math.radians(3000 / 0.1),
            f"{_PYBRICKS_DATA}: technic_xl, partly from {_PHILO}",
        ),
        " Estimate: the loaded point (8.81 N·cm @ 198 rpm) is the same as Technic L's in "
        "that file.",
    ),
    (
        "ev3_large",
        "EV3 Large Servo Motor",
        800.0,
        9.0,
        PublishedPoints(
            9.0,
            rpm_to_rad_s(175),
            0.06,
            0.173,
            rpm_to_rad_s(105),
            0.69,
            math.radians(1000 / 0.1),
            f"{_PYBRICKS_DATA}: ev3_l, partly from {_PHILO}",
        ),
        "",
    ),
    (
        "ev3_medium",
        "EV3 Medium Servo Motor",
        1200.0,
        9.0,
        PublishedPoints(
            9.0,
            rpm_to_rad_s(260),
            0.08,
            0.0664,
            rpm_to_rad_s(165),
            0.37,
            math.radians(2000 / 0.1),
            f"{_PYBRICKS_DATA}: ev3_m, partly from {_PHILO}",
        ),
        "",
    ),
    (
        "nxt",
        "NXT Interactive Servo Motor",
        800.0,
        9.0,
        PublishedPoints(
            9.0,
            rpm_to_rad_s(170),
            0.06,
            0.167,
            rpm_to_rad_s(117),
            None,
            math.radians(1000 / 0.1),
            f"{_PHILO} (speeds, torque); no-load current 60 mA from "
            "philohome.com/nxtmotor/nxtmotor.htm as quoted by "
            "mindstormsnxt.blogspot.com/2006/08/closer-look-at-nxt-motors.html",
        ),
        " Estimates: acceleration (so inertia) and rated max speed taken from EV3 Large; "
        "Pybricks has no NXT entry.",
    ),
)


def _build_models(table: tuple[tuple[str, str, float, float, PublishedPoints, str], ...],
                  about: str, encoder: Callable[[str], bool]) -> dict[str, MotorModel]:
    """Each row of ``table`` fitted to its published points (k, R, friction) with the
    inertia estimated from the acceleration figure; ``about`` ends each model's source
    note, ``encoder(id)`` says whether that motor has one."""
    models: dict[str, MotorModel] = {}
    if not _FITS:
        return models  # MicroPython: the host sends the models (robokit.sim.vmbrick)
    for mid, label, rated, vmax, p, note in table:
        k, r, tc = fit(p.voltage, p.no_load_speed_rad_s, p.torque_nm, p.speed_rad_s,
                       no_load_current_a=p.no_load_current_a)
        j = inertia_from_acceleration(k, r, tc, p.voltage, p.acceleration_rad_s2)
        models[mid] = MotorModel(mid, label, p.voltage, k, r, j, tc, rated, vmax,
                                 encoder(mid), f"{p.source}; {about}{note}", p)
    return models


MODELS: dict[str, MotorModel] = _build_models(
    _TABLE,
    f"rated speed and max voltage from {_PYBRICKS_SETTINGS}; k, R, friction fitted "
    "(robokit.sim.motor.fit); inertia is an estimate from Pybricks' acceleration figure.",
    lambda _mid: True)

# Kit DC gear motors (MicroPython robot kits; robokit.kits). Kept apart from MODELS,
# which is the set robot.toml accepts and the device API has control constants for: a
# board file names its motors from either table, the pin-level simulator (virtual/pins.py)
# fits them to the wheels. Same fit as the LEGO models (two published points, no-load
# current as friction); the inertia is an estimate from an assumed acceleration.
_ZBOTIC = "zbotic.in/tt-gear-motor-for-robot-car-voltage-rpm-tire-matching"
_POLOLU_75 = "pololu.com/product/5215"
_KG_CM = 9.81 / 100.0  # kg·cm -> N·m
_KIT_TABLE: tuple[tuple[str, str, float, float, PublishedPoints, str], ...] = (
    (
        "tt_gear_48",
        "TT gear motor 1:48 (yellow hobby gear motor)",
        1000.0,
        6.0,
        PublishedPoints(
            6.0,
            rpm_to_rad_s(200),
            0.15,
            0.4 * _KG_CM,
            0.0,
            0.6,
            math.radians(1200 / 0.1),
            f"{_ZBOTIC}: 'Standard 1:48' row, 3-6 V: 90-200 rpm no load, 100-200 mA, stall "
            "0.4 kg·cm at 600 mA; taken at 6 V: 200 rpm, 150 mA (middle of the range)",
        ),
        " TT motors vary a lot between makers and batches; estimate: acceleration to "
        "no-load speed in about 0.1 s.",
    ),
    (
        "n20_hpcb_50",
        "Micro metal gear motor 50:1 HPCB 6 V (N20 size)",
        3000.0,
        6.0,
        PublishedPoints(
            6.0,
            rpm_to_rad_s(450 * 75.81 / 51.45),
            0.16,
            1.0 * _KG_CM * 51.45 / 75.81,
            0.0,
            1.5,
            math.radians(3900 / 0.05),
            f"{_POLOLU_75}: 75:1 HPCB 12 V, 450 rpm and 80 mA no load, stall 1.0 kg·cm at "
            "0.75 A; Pololu: the 6 V HPCB performs the same at 6 V drawing twice the "
            "current; scaled to the 51.45:1 gearbox by the ratio (speed x1.47, torque "
            "x0.68)",
        ),
        " Estimate: gearbox efficiency taken equal for both ratios; acceleration to "
        "no-load speed in about 0.05 s.",
    ),
)


#: Kit DC gear motors by id (not robot.toml models; see above).
KIT_MODELS: dict[str, MotorModel] = _build_models(
    _KIT_TABLE,
    "k, R, friction fitted (robokit.sim.motor.fit); rated speed is robokit's choice below "
    "the no-load speed.",
    lambda mid: mid.startswith("n20"))

_VOLTAGE, _COAST, _BRAKE = 0, 1, 2
_MODE_NAMES = ("voltage", "coast", "brake")


class MotorSim:
    """State of one simulated motor: ``angle`` (deg) and ``speed`` (deg/s), raw shaft side.

    Drive it with :meth:`set_voltage` (mV), :meth:`coast` or :meth:`brake`, then advance
    it with :meth:`step`.  The voltage is constant within a step and each step is exact.
    """

    __slots__ = (
        "model",
        "angle",
        "speed",
        "battery_mv",
        "_extra_inertia",
        "_gain",
        "_friction_scale",
        "_mode",
        "_volts",
        "_beta",
        "_inv_beta",
        "_gv",
        "_gl",
        "_fc",
        "_j_extra_rad",
        "_cache",
        "_load_nm",
        "_lim_mv",
    )

    def __init__(
        self, model: MotorModel, extra_inertia: float = 0.0, battery_mv: float = 7200.0
    ) -> None:
        self.model = model
        self.angle = 0.0
        self.speed = 0.0
        self.battery_mv = float(battery_mv)
        self._lim_mv = min(self.battery_mv, model.max_voltage * 1000.0)
        self._mode = _COAST
        self._volts = 0.0
        self._load_nm = 0.0
        self._extra_inertia = 0.0
        self._gain = 1.0
        self._friction_scale = 1.0
        self._cache: dict[float, tuple[float, float]] = {}
        self.extra_inertia = extra_inertia  # computes the constants

    # -- parameters ---------------------------------------------------------------
    @property
    def extra_inertia(self) -> float:
        """Inertia attached to the output shaft, kg·m² (e.g. the robot reflected to a wheel)."""
        return self._extra_inertia

    @extra_inertia.setter
    def extra_inertia(self, value: float) -> None:
        m = self.model
        value = float(value)
        if value < 0.0:
            raise ValueError("extra_inertia must be >= 0")
        self._extra_inertia = value
        j = m.inertia + value
        g = _DEG / j  # N·m -> deg/s²
        self._beta = m.kt * m.kt / (m.resistance * j)  # 1/s, same for drive and brake
        self._inv_beta = 1.0 / self._beta
        self._gv = g * m.kt / m.resistance * self._gain  # deg/s² per volt at standstill
        self._gl = g  # deg/s² per N·m of load
        self._fc = g * m.friction * self._friction_scale  # deg/s² of Coulomb friction
        self._j_extra_rad = value * _RAD  # N·m per (deg/s²) of the attached inertia
        self._cache = {}

    def vary(self, gain: float = 1.0, friction: float = 1.0) -> None:
        """Make this motor a little unlike its siblings (per-device variance).

        ``gain`` scales the voltage that reaches the windings (so no-load speed and
        stall torque at a given setting, like a spread in the motor constant plus
        driver losses); ``friction`` scales the Coulomb friction.  Both are factors
        near 1.0, e.g. drawn from ``gauss(1.0, 0.02)``.
        """
        if gain <= 0.0 or friction < 0.0:
            raise ValueError("vary() needs gain > 0 and friction >= 0")
        self._gain = float(gain)
        self._friction_scale = float(friction)
        self.extra_inertia = self._extra_inertia  # recompute the constants

    # -- drive ----------------------------------------------------------------------
    def set_voltage(self, mv: float) -> None:
        """Apply ``mv`` millivolts, clamped to ±battery and to the model's maximum."""
        lim = self._lim_mv
        if mv > lim:
            mv = lim
        elif mv < -lim:
            mv = -lim
        self._volts = mv * 0.001
        self._mode = _VOLTAGE

    def coast(self) -> None:
        """Open circuit: no current flows; only friction (and the load) slow the shaft."""
        self._volts = 0.0
        self._mode = _COAST

    def brake(self) -> None:
        """Windings shorted: zero volts, the back-EMF current brakes the shaft."""
        self._volts = 0.0
        self._mode = _BRAKE

    @property
    def mode(self) -> str:
        """``"voltage"``, ``"coast"`` or ``"brake"``."""
        return _MODE_NAMES[self._mode]

    @property
    def voltage_mv(self) -> float:
        """Voltage across the windings now (after clamping), mV; 0 when braking or coasting."""
        return self._volts * 1000.0

    @property
    def current(self) -> float:
        """Winding current at the current state, A (0 when coasting)."""
        if self._mode == _COAST:
            return 0.0
        m = self.model
        return (self._volts * self._gain - m.kt * self.speed * _RAD) / m.resistance

    @property
    def torque(self) -> float:
        """Electromagnetic torque of the motor at the current state, N·m."""
        return self.model.kt * self.current

    def load_torque_estimate_mnm(self) -> float:
        """Torque the shaft gave to the outside during the last step, mNm (for Motor.load()).

        That is the external load plus the torque that accelerated the attached inertia
        (averaged over the step); after :meth:`block` it is the stall torque less friction.
        """
        return self._load_nm * 1000.0

    # -- time -------------------------------------------------------------------------
    def step(self, dt_s: float, load_torque: float = 0.0) -> None:
        """Advance ``dt_s`` seconds with ``load_torque`` (N·m against positive rotation)."""
        w = self.speed
        if self._mode != _COAST and w != 0.0 and dt_s > 0.0:
            # Fast path: driven or braked, moving, and no stop inside the step.
            try:
                e, c = self._cache[dt_s]
            except KeyError:
                e, c = self._coeffs(dt_s)
            if w > 0.0:
                winf = (self._gv * self._volts - self._gl * load_torque - self._fc) * self._inv_beta
            else:
                winf = (self._gv * self._volts - self._gl * load_torque + self._fc) * self._inv_beta
            d = w - winf
            w1 = winf + d * e
            if (w1 > 0.0) if w > 0.0 else (w1 < 0.0):
                self.angle += winf * dt_s + d * c
                self.speed = w1
                self._load_nm = load_torque + self._j_extra_rad * (w1 - w) / dt_s
                return
        self.angle, w1 = self._advance(self.angle, w, dt_s, load_torque)
        self.speed = w1
        if dt_s > 0.0:
            self._load_nm = load_torque + self._j_extra_rad * (w1 - w) / dt_s

    def state_after(self, dt_s: float, load_torque: float = 0.0) -> tuple[float, float]:
        """``(angle, speed)`` that :meth:`step` would give, without changing anything."""
        return self._advance(self.angle, self.speed, dt_s, load_torque)

    def rest_after(self, t1: float, t2: float) -> tuple[float, float]:
        """The angles :meth:`state_after` gives after ``t1`` and after ``t2`` seconds (both
        above 0) from rest (speed 0, no load), in one call: :meth:`_advance`'s own
        operations for a motor at rest, its setup done once.  (Each physics step of a push
        against a wall asks this of both wheels, held still at the step before:
        robokit.sim.contact.)"""
        th = self.angle
        w = self.speed
        coast = self._mode == _COAST
        beta = 0.0 if coast else self._beta
        ext = (0.0 if coast else self._gv * self._volts) - self._gl * 0.0
        fc = self._fc
        if ext > fc:
            s = 1.0
        elif ext < -fc:
            s = -1.0
        else:
            return th, th  # the drive can't overcome static friction
        f = ext - s * fc
        if beta > 0.0:
            winf = f / beta
            d = w - winf
            return (th + winf * t1 + d * (1.0 - math.exp(-beta * t1)) / beta,
                    th + winf * t2 + d * (1.0 - math.exp(-beta * t2)) / beta)
        return th + (w + 0.5 * f * t1) * t1, th + (w + 0.5 * f * t2) * t2

    def block(self) -> None:
        """Held still by an obstacle for this step: speed 0, angle unchanged.

        The current is then the stall current ``V/R`` (0 when coasting).
        """
        self.speed = 0.0
        if self._mode == _COAST:
            self._load_nm = 0.0
            return
        m = self.model
        t = m.kt * self._volts * self._gain / m.resistance
        mag = abs(t) - m.friction * self._friction_scale
        self._load_nm = math.copysign(mag, t) if mag > 0.0 else 0.0

    # -- internals --------------------------------------------------------------------
    def _coeffs(self, dt: float) -> tuple[float, float]:
        beta = self._beta
        e = math.exp(-beta * dt)
        pair = (e, (1.0 - e) * self._inv_beta)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[dt] = pair
        return pair

    def _advance(self, th: float, w: float, t: float, load: float) -> tuple[float, float]:
        """Exact solution over ``t`` seconds from ``(th, w)``; the general (slow) path."""
        if t <= 0.0:
            return th, w
        coast = self._mode == _COAST
        beta = 0.0 if coast else self._beta
        ext = (0.0 if coast else self._gv * self._volts) - self._gl * load  # accel at ω=0
        fc = self._fc
        while True:
            if w > 0.0:
                s = 1.0
            elif w < 0.0:
                s = -1.0
            elif ext > fc:
                s = 1.0
            elif ext < -fc:
                s = -1.0
            else:
                return th, 0.0  # at rest and the drive can't overcome static friction
            f = ext - s * fc  # accel at ω=0 while moving in direction s, deg/s²
            if beta > 0.0:
                winf = f / beta
                if w == 0.0 or winf * s >= 0.0:
                    tstop = math.inf
                else:
                    tstop = math.log((w - winf) / -winf) / beta
                if tstop >= t:
                    e = math.exp(-beta * t)
                    d = w - winf
                    return th + winf * t + d * (1.0 - e) / beta, winf + d * e
                # Stops after tstop: 1 - exp(-beta tstop) = w / (w - winf) exactly.
                th += winf * tstop + w / beta
            else:
                if w == 0.0 or f * s >= 0.0:
                    tstop = math.inf
                else:
                    tstop = -w / f
                if tstop >= t:
                    return th + (w + 0.5 * f * t) * t, w + f * t
                th += 0.5 * w * tstop
            w = 0.0
            t -= tstop
            if t <= 0.0:
                return th, 0.0
