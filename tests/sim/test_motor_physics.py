"""Physics of the simulated DC motors (robokit.sim.motor)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robokit.config import MOTOR_MODELS
from robokit.devices.motors import MODELS as CONTROL_MODELS
from robokit.sim.motor import (
    KIT_MODELS,
    MODELS,
    MotorModel,
    MotorSim,
    fit,
    inertia_from_acceleration,
)

IDS = MOTOR_MODELS  # every motor model robot.toml accepts


def test_every_configurable_model_has_physics_and_control_constants():
    assert set(MODELS) == set(IDS)
    # kit gear motors are named by board files, not robot.toml: physics and control too
    assert set(CONTROL_MODELS) == set(IDS) | set(KIT_MODELS)
    assert not set(KIT_MODELS) & set(IDS)

PUBLISHED = [mid for mid in IDS if MODELS[mid].points is not None]
DEG = 180.0 / math.pi


def settle(sim: MotorSim, seconds: float = 3.0, load: float = 0.0, dt: float = 0.005) -> None:
    for _ in range(round(seconds / dt)):
        sim.step(dt, load)


def nominal_sim(model: MotorModel) -> MotorSim:
    sim = MotorSim(model, battery_mv=model.voltage * 1000.0)
    sim.set_voltage(model.voltage * 1000.0)
    return sim


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# -- the table ------------------------------------------------------------------------


def test_all_model_ids_present_and_sane() -> None:
    assert set(MODELS) == set(IDS)
    for mid, m in MODELS.items():
        assert m.id == mid
        assert m.label and m.source and m.has_encoder
        assert m.kt > 0 and m.ke == m.kt and m.resistance > 0 and m.inertia > 0
        assert 0 <= m.friction < m.stall_torque
        assert m.rated_max_speed_dps > 0
        assert m.rated_max_speed_dps <= m.no_load_speed_dps(m.max_voltage) * 1.05


@pytest.mark.parametrize("mid", PUBLISHED)
def test_table_is_the_fit_of_its_points(mid: str) -> None:
    m = MODELS[mid]
    p = m.points
    assert p is not None
    k, r, tc = fit(
        p.voltage,
        p.no_load_speed_rad_s,
        p.torque_nm,
        p.speed_rad_s,
        no_load_current_a=p.no_load_current_a,
    )
    assert (k, r, tc) == pytest.approx((m.kt, m.resistance, m.friction), rel=1e-12)
    j = inertia_from_acceleration(k, r, tc, p.voltage, p.acceleration_rad_s2)
    assert j == pytest.approx(m.inertia, rel=1e-12)


def test_rated_speeds_follow_pybricks() -> None:
    rated = {k: m.rated_max_speed_dps for k, m in MODELS.items()}
    assert rated["spike_small"] == 620
    assert rated["spike_medium"] == rated["spike_large"] == 1000
    assert rated["technic_large"] == rated["technic_xl"] == 1500


def test_fit_variants() -> None:
    # With a given friction both points still lie on the steady-state line.
    k, r, tc = fit(9.0, 20.0, 0.1, 10.0, friction_nm=0.01)
    assert tc == 0.01
    assert k * 9.0 / r - tc - k * k / r * 20.0 == pytest.approx(0.0, abs=1e-12)
    assert k * 9.0 / r - tc - k * k / r * 10.0 == pytest.approx(0.1)
    k, r, tc = fit(9.0, 20.0, 0.1, 10.0)
    assert tc == 0.0 and k == pytest.approx(9.0 / 20.0)
    with pytest.raises(ValueError):
        fit(9.0, 10.0, 0.1, 20.0)


# -- published points -----------------------------------------------------------------


@pytest.mark.parametrize("mid", PUBLISHED)
def test_no_load_speed_matches_published(mid: str) -> None:
    m = MODELS[mid]
    assert m.points is not None
    sim = nominal_sim(m)
    settle(sim)
    published = m.points.no_load_speed_rad_s * DEG
    assert sim.speed == pytest.approx(published, rel=0.05)


@pytest.mark.parametrize("mid", PUBLISHED)
def test_loaded_speed_matches_published(mid: str) -> None:
    m = MODELS[mid]
    assert m.points is not None
    sim = nominal_sim(m)
    settle(sim, load=m.points.torque_nm)
    published = m.points.speed_rad_s * DEG
    assert sim.speed == pytest.approx(published, rel=0.05)
    # The output torque balances the load plus friction.
    assert sim.torque == pytest.approx(m.points.torque_nm + m.friction, rel=1e-6)
    assert sim.load_torque_estimate_mnm() == pytest.approx(m.points.torque_nm * 1000, rel=1e-6)


@pytest.mark.parametrize("mid", PUBLISHED)
def test_no_load_current_matches_published(mid: str) -> None:
    m = MODELS[mid]
    assert m.points is not None and m.points.no_load_current_a is not None
    sim = nominal_sim(m)
    settle(sim)
    assert sim.current == pytest.approx(m.points.no_load_current_a, rel=0.05)


# -- exactness --------------------------------------------------------------------------


def euler(sim: MotorSim, dt: float, n: int, volts: float, load: float) -> tuple[float, float]:
    m = sim.model
    j = m.inertia + sim.extra_inertia
    th, w = sim.angle, sim.speed * math.pi / 180.0
    h = dt / n
    for _ in range(n):
        tau = m.kt * (volts - m.kt * w) / m.resistance - math.copysign(m.friction, w) - load
        th += w * h * DEG
        w += tau / j * h
    return th, w * DEG


@pytest.mark.parametrize(
    ("mid", "w0", "mv", "load", "extra"),
    [
        ("spike_medium", 10.0, 7200.0, 0.0, 0.0),
        ("spike_medium", 900.0, -7200.0, 0.0, 0.0),
        ("spike_large", 300.0, 5000.0, 0.05, 2e-3),
        ("ev3_large", -400.0, 9000.0, -0.05, 0.0),
        ("spike_small", 700.0, 0.0, 0.0, 0.0),
    ],
)
def test_closed_form_step_equals_fine_euler(
    mid: str, w0: float, mv: float, load: float, extra: float
) -> None:
    sim = MotorSim(MODELS[mid], extra_inertia=extra, battery_mv=9000.0)
    sim.speed = w0
    sim.angle = 12.0
    if mv == 0.0:
        sim.brake()
    else:
        sim.set_voltage(mv)
    th_e, w_e = euler(sim, 0.005, 1000, sim.voltage_mv / 1000.0, load)
    sim.step(0.005, load)
    assert sim.speed == pytest.approx(w_e, rel=0.005)
    assert sim.angle - 12.0 == pytest.approx(th_e - 12.0, rel=0.005)


def test_state_after_does_not_mutate_and_matches_step() -> None:
    sim = MotorSim(MODELS["spike_medium"])
    sim.set_voltage(5000)
    settle(sim, 0.1)
    before = (sim.angle, sim.speed)
    predicted = sim.state_after(0.0037, 0.02)
    assert (sim.angle, sim.speed) == before
    sim.step(0.0037, 0.02)
    assert (sim.angle, sim.speed) == pytest.approx(predicted, rel=1e-12)


def test_split_steps_agree() -> None:
    a = MotorSim(MODELS["spike_medium"])
    b = MotorSim(MODELS["spike_medium"])
    for sim in (a, b):
        sim.set_voltage(6000)
    for _ in range(40):
        a.step(0.005)
        for _ in range(5):
            b.step(0.001)
        assert close(a.speed, b.speed) and close(a.angle, b.angle)


modes = st.sampled_from(["voltage", "coast", "brake"])


def drive(sim: MotorSim, mode: str, mv: float) -> None:
    """Put ``sim`` in ``mode``: ``mv`` millivolts, coasting or braking."""
    if mode == "voltage":
        sim.set_voltage(mv)
    elif mode == "coast":
        sim.coast()
    else:
        sim.brake()


@settings(max_examples=300, deadline=None)
@given(
    mid=st.sampled_from(IDS),
    mode=modes,
    mv=st.floats(-9000, 9000),
    w0=st.floats(-2000, 2000),
    load=st.floats(-0.2, 0.2),
    extra=st.floats(0.0, 0.01),
    dt=st.floats(1e-4, 0.05),
    parts=st.integers(2, 7),
)
def test_split_step_equality_property(
    mid: str, mode: str, mv: float, w0: float, load: float, extra: float, dt: float, parts: int
) -> None:
    whole = MotorSim(MODELS[mid], extra_inertia=extra, battery_mv=9000.0)
    split = MotorSim(MODELS[mid], extra_inertia=extra, battery_mv=9000.0)
    for sim in (whole, split):
        sim.speed = w0
        sim.angle = 100.0
        drive(sim, mode, mv)
    whole.step(dt, load)
    for _ in range(parts):
        split.step(dt / parts, load)
    scale = abs(w0) + abs(whole.speed) + 1.0
    assert math.isclose(whole.speed, split.speed, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(whole.angle, split.angle, rel_tol=1e-9, abs_tol=1e-9 * scale)


@settings(max_examples=300, deadline=None)
@given(
    mid=st.sampled_from(IDS),
    mode=modes,
    mv=st.floats(-9000, 9000) | st.sampled_from([0.0, -0.0, 1.0, -1.0]),
    angle=st.floats(-1e6, 1e6) | st.sampled_from([0.0, -0.0]),
    t1=st.floats(1e-9, 0.05),
    t2=st.floats(1e-9, 0.05),
    gain=st.floats(0.5, 1.5),
    friction=st.floats(0.0, 2.0),
)
def test_rest_after_is_state_after_to_the_bit(
    mid: str, mode: str, mv: float, angle: float, t1: float, t2: float, gain: float,
    friction: float
) -> None:
    """A wheel held still against a wall (robokit.sim.contact asks both horizons in one
    call, rest_after): the very angles state_after gives, bit for bit, in every mode."""
    sim = MotorSim(MODELS[mid], extra_inertia=0.001, battery_mv=8000.0)
    sim.vary(gain, friction)
    drive(sim, mode, mv)
    sim.angle = angle
    sim.speed = 0.0
    got = sim.rest_after(t1, t2)
    want = (sim.state_after(t1)[0], sim.state_after(t2)[0])
    assert [math.copysign(1.0, v) for v in got] == [math.copysign(1.0, v) for v in want]
    assert got == want
    assert (sim.angle, sim.speed) == (angle, 0.0)  # (nothing changed)


# -- friction, coast, brake ------------------------------------------------------------


@pytest.mark.parametrize("w0", [800.0, -800.0])
def test_coast_decays_to_zero_and_stays(w0: float) -> None:
    sim = MotorSim(MODELS["spike_medium"], extra_inertia=1e-3)
    sim.speed = w0
    sim.coast()
    speeds = []
    for _ in range(400):
        sim.step(0.005)
        speeds.append(sim.speed)
        assert sim.current == 0.0
    assert speeds[-1] == 0.0
    assert all(s * w0 >= 0 for s in speeds)  # never flips sign
    mags = [abs(s) for s in speeds]
    assert all(b <= a for a, b in zip(mags, mags[1:], strict=False))
    angle = sim.angle
    settle(sim, 1.0)
    assert sim.speed == 0.0 and sim.angle == angle


def time_to_stop(sim: MotorSim) -> float:
    t = 0.0
    while sim.speed != 0.0:
        sim.step(0.001)
        t += 0.001
        assert t < 10
    return t


def test_brake_stops_faster_than_coast() -> None:
    m = MODELS["spike_large"]
    braked, coasted = MotorSim(m, extra_inertia=2e-3), MotorSim(m, extra_inertia=2e-3)
    for sim in (braked, coasted):
        sim.speed = 900.0
    braked.brake()
    coasted.coast()
    assert braked.current < 0.0  # back-EMF current opposes the motion
    assert time_to_stop(braked) < 0.5 * time_to_stop(coasted)
    settle(braked, 0.5)
    assert braked.speed == 0.0


def test_small_voltage_cannot_overcome_static_friction() -> None:
    m = MODELS["spike_medium"]
    sim = MotorSim(m)
    starting_mv = m.friction * m.resistance / m.kt * 1000.0
    sim.set_voltage(0.9 * starting_mv)
    settle(sim, 1.0)
    assert sim.speed == 0.0 and sim.angle == 0.0
    sim.set_voltage(1.2 * starting_mv)
    settle(sim, 1.0)
    assert sim.speed > 0.0


def test_motor_driven_backwards_by_a_strong_load() -> None:
    sim = MotorSim(MODELS["spike_medium"])
    sim.set_voltage(7200)
    settle(sim, 1.0, load=0.5)  # far above stall torque
    assert sim.speed < 0.0


# -- voltage, block, current --------------------------------------------------------------


def test_voltage_clamping() -> None:
    sim = MotorSim(MODELS["spike_medium"], battery_mv=7200.0)
    sim.set_voltage(20000)
    assert sim.voltage_mv == 7200.0 and sim.mode == "voltage"
    sim.set_voltage(-20000)
    assert sim.voltage_mv == -7200.0
    sim.set_voltage(3000)
    assert sim.voltage_mv == 3000.0
    small = MotorSim(MODELS["spike_small"], battery_mv=8300.0)
    small.set_voltage(8000)
    assert small.voltage_mv == 6000.0  # Pybricks' limit for the SPIKE small motor
    sim.brake()
    assert sim.voltage_mv == 0.0 and sim.mode == "brake"
    sim.coast()
    assert sim.mode == "coast"


def test_block_gives_stall_current() -> None:
    m = MODELS["spike_medium"]
    sim = MotorSim(m)
    sim.set_voltage(7200)
    settle(sim, 0.2)
    angle = sim.angle
    sim.block()
    assert sim.speed == 0.0 and sim.angle == angle
    assert sim.current == pytest.approx(7.2 / m.resistance)
    assert sim.torque == pytest.approx(m.stall_torque)
    assert sim.load_torque_estimate_mnm() == pytest.approx((m.stall_torque - m.friction) * 1000)


def test_extra_inertia_slows_acceleration_not_final_speed() -> None:
    m = MODELS["spike_medium"]
    light, heavy = MotorSim(m), MotorSim(m, extra_inertia=5e-3)
    for sim in (light, heavy):
        sim.set_voltage(7200)
    light.step(0.05)
    heavy.step(0.05)
    assert heavy.speed < light.speed
    assert heavy.load_torque_estimate_mnm() > 0.0  # it pushed the attached inertia
    settle(light, 10.0)
    settle(heavy, 10.0)  # time constant ~0.6 s
    assert heavy.speed == pytest.approx(light.speed, rel=1e-6)
    with pytest.raises(ValueError):
        MotorSim(m, extra_inertia=-1.0)


def test_vary_changes_one_motor_only() -> None:
    m = MODELS["spike_medium"]
    plain, varied = MotorSim(m), MotorSim(m)
    varied.vary(1.05, 0.5)
    for sim in (plain, varied):
        sim.set_voltage(7200)
    settle(plain)
    settle(varied)
    assert varied.speed > plain.speed * 1.05
    assert plain.speed == pytest.approx(m.no_load_speed_dps(7.2), rel=1e-6)
    with pytest.raises(ValueError):
        varied.vary(0.0, 1.0)


def test_a_motor_model_is_an_immutable_record_compared_by_its_fields() -> None:
    m = MODELS["spike_medium"]
    twin = m.replace()
    assert twin == m and twin is not m and hash(twin) == hash(m)
    assert len({m, twin, MODELS["spike_large"]}) == 2
    faster = m.replace(kt=m.kt * 1.01)
    assert isinstance(faster, MotorModel) and faster != m
    assert (faster.kt, faster.resistance, faster.points) == (m.kt * 1.01, m.resistance, m.points)
    assert repr(m).startswith("MotorModel(id='spike_medium', label=")
    assert "points=PublishedPoints(voltage=" in repr(m)
    with pytest.raises(AttributeError, match="immutable"):
        m.kt = 1.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del m.kt  # type: ignore[misc]
    with pytest.raises(TypeError, match="no field 'torque'"):
        m.replace(torque=1.0)
    assert m != (m.id,) and m.points != m
