"""The servo controller's pure parts: trajectories and the Control settings API."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from robokit.devices import UsageError
from robokit.devices.control import (
    POSITION,
    Control,
    Trajectory,
    forever,
    position,
    stationary,
    stretched,
    timed,
)

T0 = 1_000_000  # µs; trajectories never start at 0 in a real run


def at(traj: Trajectory, t_s: float) -> tuple[float, float, float]:
    """The reference ``t_s`` seconds after the trajectory's start."""
    return traj.ref(T0 + round(t_s * 1e6))


def end_ref(traj: Trajectory) -> tuple[float, float, float]:
    """The reference from the trajectory's end on."""
    return traj.ref(traj.end_us())


def end_time(traj: Trajectory) -> float:
    return traj.duration()


def samples(traj: Trajectory, n: int = 400) -> list[float]:
    """Sample times (s) over the trajectory plus a little after, and at each phase edge."""
    end = end_time(traj) if math.isfinite(end_time(traj)) else 5.0
    ts = [end * 1.2 * i / n for i in range(n + 1)]
    for edge in (traj.d1, traj.d2, traj.d3):
        if math.isfinite(edge):
            ts += [max(0.0, edge - 1e-6), edge, edge + 1e-6]
    return sorted(ts)


def assert_continuous(traj: Trajectory, speed_bound: float) -> None:
    """Position and speed have no jumps at the phase edges."""
    for edge in (traj.d1, traj.d2, traj.d3):
        if not math.isfinite(edge) or edge <= 0:
            continue
        before = traj.ref(T0 + edge * 1e6 - 1)  # 1 µs earlier
        after = traj.ref(T0 + edge * 1e6 + 1)
        assert after[0] == pytest.approx(before[0], abs=speed_bound * 2e-6 + 1e-6)
        assert after[1] == pytest.approx(before[1], abs=abs(traj.a0) * 2e-6
                                         + abs(traj.a2) * 2e-6 + 1e-6)


# -- position trajectories -----------------------------------------------------------


def test_trapezoid_reaches_the_target_exactly_at_rest():
    traj = position(T0, 0.0, 0.0, 720.0, 500.0, 2000.0, 2000.0)
    # 0.25 s up to 500 deg/s (62.5 deg), cruise, 0.25 s down (62.5 deg).
    assert traj.d1 == pytest.approx(0.25)
    assert traj.d3 - traj.d2 == pytest.approx(0.25)
    assert traj.d2 - traj.d1 == pytest.approx((720 - 125) / 500)
    assert traj.v1 == 500.0
    x, v, a = end_ref(traj)
    assert (x, v, a) == (720.0, 0.0, 0.0)
    assert at(traj, traj.d3 + 10.0) == (720.0, 0.0, 0.0)
    assert at(traj, traj.d1)[1] == pytest.approx(500.0)
    assert at(traj, 0.1)[2] == 2000.0  # accelerating
    assert at(traj, traj.d2 + 0.1)[2] == -2000.0  # decelerating
    assert_continuous(traj, 500.0)


def test_negative_move_mirrors():
    up = position(T0, 10.0, 0.0, 370.0, 400.0, 1500.0, 3000.0)
    down = position(T0, -10.0, 0.0, -370.0, 400.0, 1500.0, 3000.0)
    for t in samples(up, 50):
        xu, vu, au = at(up, t)
        xd, vd, ad = at(down, t)
        assert xd == pytest.approx(-xu)
        assert vd == pytest.approx(-vu)
        assert ad == pytest.approx(-au)


def test_speed_sign_is_ignored_for_a_target():
    a = position(T0, 0.0, 0.0, 90.0, -300.0, 2000.0, 2000.0)
    b = position(T0, 0.0, 0.0, 90.0, 300.0, 2000.0, 2000.0)
    assert at(a, 0.2) == at(b, 0.2)


def test_short_move_is_a_triangle():
    traj = position(T0, 0.0, 0.0, 100.0, 500.0, 2000.0, 2000.0)
    peak = math.sqrt(2000.0 * 100.0)  # sqrt(a·d·D·2/(a+d)) with a = d
    assert traj.d2 == traj.d1  # no cruise
    assert traj.v1 == pytest.approx(peak)
    assert peak < 500.0
    assert at(traj, traj.d1)[0] == pytest.approx(50.0, abs=1e-3)  # halfway at the peak
    assert end_ref(traj) == (100.0, 0.0, 0.0)
    assert_continuous(traj, peak)


def test_asymmetric_triangle():
    traj = position(T0, 0.0, 0.0, 100.0, 1000.0, 1000.0, 4000.0)
    # Speeding up takes 4x longer than slowing down.
    assert traj.d1 == pytest.approx(4 * (traj.d3 - traj.d2))
    assert end_ref(traj)[0] == 100.0


def test_start_speed_toward_target():
    traj = position(T0, 0.0, 300.0, 1000.0, 500.0, 2000.0, 2000.0)
    assert at(traj, 0.0)[1] == pytest.approx(300.0)
    assert traj.d1 == pytest.approx(0.1)  # 300 -> 500 at 2000
    assert end_ref(traj) == (1000.0, 0.0, 0.0)
    assert_continuous(traj, 500.0)


def test_start_faster_than_the_limit_slows_down_first():
    traj = position(T0, 0.0, 800.0, 1000.0, 500.0, 2000.0, 2000.0)
    assert traj.a0 == -2000.0
    assert traj.v1 == pytest.approx(500.0)
    assert end_ref(traj) == (1000.0, 0.0, 0.0)


def test_start_moving_away_turns_around():
    traj = position(T0, 0.0, -400.0, 100.0, 500.0, 2000.0, 2000.0)
    xs = [at(traj, t)[0] for t in samples(traj)]
    assert min(xs) == pytest.approx(-40.0, abs=0.5)  # 400²/(2·2000) before turning
    assert end_ref(traj) == (100.0, 0.0, 0.0)
    assert_continuous(traj, 500.0)


def test_too_fast_to_stop_overshoots_and_comes_back():
    traj = position(T0, 0.0, 1000.0, 50.0, 400.0, 2000.0, 2000.0)
    # Stopping takes 250 deg at 2000 deg/s²: it stops there and returns.
    xs = [at(traj, t)[0] for t in samples(traj)]
    assert max(xs) == pytest.approx(250.0, abs=0.5)
    assert traj.a0 == -2000.0
    assert traj.v1 == pytest.approx(-400.0)  # comes back at full speed
    assert end_ref(traj) == (50.0, 0.0, 0.0)
    assert_continuous(traj, 1000.0)


def test_zero_move_and_zero_speed_stand_still():
    assert at(position(T0, 5.0, 0.0, 5.0, 500.0, 2000.0, 2000.0), 1.0) == (5.0, 0.0, 0.0)
    assert at(position(T0, 5.0, 0.0, 90.0, 0.0, 2000.0, 2000.0), 1.0) == (5.0, 0.0, 0.0)
    assert at(stationary(T0, 7.0), 3.0) == (7.0, 0.0, 0.0)


def test_keep_going_passes_the_target_at_full_speed():
    traj = position(T0, 0.0, 0.0, 360.0, 500.0, 2000.0, 2000.0, keep_going=True)
    x, v = traj.x3, traj.v3  # at the end time d3
    assert x == 360.0
    assert at(traj, traj.d3)[0] == pytest.approx(360.0, abs=1e-3)
    assert v == pytest.approx(500.0)
    assert at(traj, traj.d3 + 1.0)[0] == pytest.approx(860.0)


def test_keep_going_short_move_passes_at_the_speed_it_got():
    traj = position(T0, 0.0, 0.0, 10.0, 500.0, 2000.0, 2000.0, keep_going=True)
    x, v = traj.x3, traj.v3
    assert x == pytest.approx(10.0)
    assert v == pytest.approx(math.sqrt(2 * 2000.0 * 10.0))


def test_shift_moves_everything():
    traj = position(T0, 0.0, 0.0, 720.0, 500.0, 2000.0, 2000.0)
    before = at(traj, 0.7)
    traj.shift(-100.0)
    after = at(traj, 0.7)
    assert after[0] == pytest.approx(before[0] - 100.0)
    assert after[1:] == before[1:]
    assert at(traj, 10.0)[0] == 620.0


# -- speed and time trajectories ---------------------------------------------------------


def test_forever_ramps_then_runs():
    traj = forever(T0, 0.0, 0.0, 500.0, 2000.0, 2000.0)
    assert traj.d1 == pytest.approx(0.25)
    assert traj.end_us() is None
    x, v, a = at(traj, 2.25)
    assert v == 500.0
    assert a == 0.0
    assert x == pytest.approx(62.5 + 1000.0)
    slow = forever(T0, 0.0, 500.0, -500.0, 1000.0, 4000.0)
    assert slow.a0 == -4000.0  # slowing down (through zero) uses the deceleration


def test_timed_lasts_exactly_its_time():
    traj = timed(T0, 0.0, 0.0, 500.0, 2.0, 2000.0, 2000.0)
    assert traj.d3 == pytest.approx(2.0)
    assert traj.end_us() == T0 + 2_000_001
    x, v, _ = at(traj, 2.0)
    assert v == 0.0
    assert x == pytest.approx(500.0 * (2.0 - 0.25))  # area of the trapezoid
    assert at(traj, 3.0)[0] == pytest.approx(x)


def test_timed_short_time_peaks_lower():
    traj = timed(T0, 0.0, 0.0, 1000.0, 0.2, 2000.0, 2000.0)
    assert traj.v1 == pytest.approx(200.0)  # half the time up, half down
    assert traj.d3 == pytest.approx(0.2)
    assert end_ref(traj)[1] == 0.0


def test_timed_too_short_to_stop_ramps_down_linearly():
    traj = timed(T0, 0.0, 1000.0, 1000.0, 0.1, 2000.0, 2000.0)
    assert traj.d3 == pytest.approx(0.1)
    assert at(traj, 0.05)[1] == pytest.approx(500.0)
    assert end_ref(traj)[1] == 0.0


def test_timed_keep_going():
    traj = timed(T0, 0.0, 0.0, 300.0, 1.0, 2000.0, 2000.0, keep_going=True)
    assert traj.end_us() == T0 + 1_000_001
    assert at(traj, 1.5)[1] == 300.0


# -- stretching (drive base leader/follower) ------------------------------------------------


def test_stretched_follows_the_leaders_timing():
    lead = position(T0, 0.0, 0.0, 1000.0, 400.0, 1000.0, 1000.0)
    follow = stretched(T0, 0.0, 0.0, 250.0, lead.d1, lead.d2 - lead.d1, lead.d3 - lead.d2)
    for t in samples(lead, 60):
        # Proportional all the way: the robot stays on its arc.
        assert at(follow, t)[0] == pytest.approx(at(lead, t)[0] * 0.25, abs=1e-9)
    assert end_ref(follow) == (250.0, 0.0, 0.0)


def test_stretched_zero_move_stands_still():
    lead = position(T0, 0.0, 0.0, 1000.0, 400.0, 1000.0, 1000.0)
    follow = stretched(T0, 3.0, 0.0, 3.0, lead.d1, lead.d2 - lead.d1, lead.d3 - lead.d2)
    assert all(at(follow, t)[0] == pytest.approx(3.0) for t in samples(lead, 30))


# -- properties -------------------------------------------------------------------------------

finite = st.floats(min_value=-5000.0, max_value=5000.0, allow_nan=False)
rates = st.floats(min_value=50.0, max_value=20000.0)


@settings(max_examples=300, deadline=None)
@given(x0=finite, v0=st.floats(-1500.0, 1500.0), target=finite,
       speed=st.floats(1.0, 1500.0), accel=rates, decel=rates)
def test_position_property(x0, v0, target, speed, accel, decel):
    traj = position(T0, x0, v0, target, speed, accel, decel)
    assert math.isfinite(traj.d3)
    # Ends on the target, at rest, and stays there.
    x, v, a = at(traj, traj.d3 + 0.5)
    assert x == target
    assert (v, a) == (0.0, 0.0)
    assert end_ref(traj) == (target, 0.0, 0.0)
    # Starts where it is, at the speed it has.
    xs, vs, _ = at(traj, 0.0)
    assert xs == pytest.approx(x0, abs=1e-9 * (1 + abs(x0)))
    assert vs == pytest.approx(v0, abs=1e-9 * (1 + abs(v0)))
    # Never faster than the limit (or than it already was).
    bound = max(speed, abs(v0)) * (1 + 1e-9) + 1e-9
    for t in samples(traj, 200):
        assert abs(at(traj, t)[1]) <= bound
    assert_continuous(traj, bound)


@settings(max_examples=200, deadline=None)
@given(v0=st.floats(-1500.0, 1500.0), target=finite, speed=st.floats(1.0, 1500.0),
       accel=rates, decel=rates)
def test_no_overshoot_when_it_can_stop(v0, target, speed, accel, decel):
    traj = position(T0, 0.0, v0, target, speed, accel, decel)
    s = 1.0 if target >= 0 else -1.0
    assume(s * v0 <= 0 or v0 * v0 < 2 * decel * abs(target))
    for t in samples(traj, 200):
        assert s * at(traj, t)[0] <= s * target + 1e-6 * (1 + abs(target))


@settings(max_examples=200, deadline=None)
@given(v0=st.floats(-1500.0, 1500.0), speed=st.floats(-1500.0, 1500.0),
       duration=st.floats(0.01, 10.0), accel=rates, decel=rates)
def test_timed_property(v0, speed, duration, accel, decel):
    traj = timed(T0, 0.0, v0, speed, duration, accel, decel)
    assert traj.d3 == pytest.approx(duration, rel=1e-9, abs=1e-9)
    assert at(traj, duration + 0.1)[1] == 0.0
    bound = max(abs(speed), abs(v0)) * (1 + 1e-9) + 1e-9
    for t in samples(traj, 100):
        assert abs(at(traj, t)[1]) <= bound


# -- the Control settings API --------------------------------------------------------------


def make_control(scale: float = 1.0) -> Control:
    return Control(scale=scale, unit="deg", speed_max=1000.0, accel=2000.0, torque_max=200.0,
                   kp=17.0, ki=34.0, kd=0.53, deadzone=0.5, irate=15.0, speed_tol=50.0,
                   pos_tol=3.0, stall_speed=20.0, stall_us=200_000, inertia=0.005)


def test_getters_report_user_units():
    c = make_control(scale=3.0)  # gears 1:3: three motor degrees per output degree
    assert c.limits() == (333, 667, 200)
    assert c.pid() == (51000, 102000, 1590, 0, 5)
    assert c.target_tolerances() == (17, 1)
    assert c.stall_tolerances() == (7, 200)


def test_setters_round_trip():
    c = make_control(scale=2.0)
    c.limits(speed=400, acceleration=(1000, 3000), torque=150)
    assert c.limits() == (400, (1000, 3000), 150)
    assert (c.speed_max, c.accel, c.decel) == (800.0, 2000.0, 6000.0)
    c.limits(acceleration=500)
    assert c.limits()[1] == 500
    c.pid(kp=20000, kd=600)
    assert c.pid()[:3] == (20000, 68000, 600)
    c.pid(integral_deadzone=2, integral_rate=10)
    assert c.pid()[3:] == (2, 10)
    c.target_tolerances(speed=30, position=2)
    assert c.target_tolerances() == (30, 2)
    c.stall_tolerances(time=500)
    assert c.stall_tolerances() == (10, 500)


@pytest.mark.parametrize("call, message", [
    (lambda c: c.limits(speed=-5), "speed limit must be from 1 to 2000 deg/s, not -5"),
    (lambda c: c.limits(speed="fast"), "speed limit must be a number, not 'fast'"),
    (lambda c: c.limits(torque=-1), "torque limit must be from 0 to 1000000000 mNm, not -1"),
    (lambda c: c.limits(acceleration=(1, 2, 3)), "acceleration must be a number or a tuple"),
    (lambda c: c.pid(kp=-1), "kp must be from 0 to"),
    (lambda c: c.target_tolerances(position=-1), "position tolerance must be from 0 to 360"),
    (lambda c: c.stall_tolerances(time=True), "stall time must be a number, not True"),
])
def test_bad_settings_say_the_allowed_range(call, message):
    c = make_control()
    before = (c.limits(), c.pid(), c.target_tolerances(), c.stall_tolerances())
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(c)
    assert (c.limits(), c.pid(), c.target_tolerances(), c.stall_tolerances()) == before


def test_a_rejected_limits_call_changes_nothing():
    c = make_control()
    with pytest.raises(UsageError):
        c.limits(speed=500, acceleration=-1)
    assert c.limits()[0] == 1000


def test_idle_control_is_done_and_not_stalled():
    c = make_control()
    assert c.done()
    assert not c.stalled()
    assert c.load() == 0


def test_torque_steps_pause_the_reference_while_saturated():
    c = make_control()
    traj = forever(T0, 0.0, 0.0, 500.0, 2000.0, 2000.0)
    c.start(T0, traj, POSITION, "hold")
    # The motor does not move at all: the error grows until the torque saturates,
    # then the reference waits (anti-windup) and the stall timer runs.
    now = T0
    for _ in range(200):
        now += 5000
        tau = c.torque(now, 0.0, 0.0)
    assert tau == pytest.approx(200.0 + c.inertia * c.traj.ref(now - c.t_pause)[2])
    assert c.paused
    assert c.stalled()
    ref_x = c.ref_x
    c.torque(now + 5000, 0.0, 0.0)
    assert c.ref_x == ref_x  # the reference stands still while blocked
    # Freed, it catches up and the stall clears.
    c.torque(now + 10000, ref_x, 0.0)
    c.torque(now + 15000, ref_x, 400.0)
    assert not c.stalled()
