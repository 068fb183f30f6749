"""Control.respeed: drive() or run() again while running at a speed changes the trajectory
in place, to the very numbers a new start(forever(...)) gives."""

from __future__ import annotations

import pytest

from robokit.devices.control import NONE, SPEED, Control, forever

SLOTS = [name for name in Control.__slots__ if name != "traj"]
TRAJ = ("t0", "d1", "d2", "d3", "x0", "v0", "a0", "x1", "v1", "x2", "a2", "x3", "v3")


def make_control() -> Control:
    return Control(scale=1.0, unit="deg", speed_max=1000.0, accel=2000.0, torque_max=200.0,
                   kp=17.0, ki=34.0, kd=0.53, deadzone=0.5, irate=15.0, speed_tol=50.0,
                   pos_tol=3.0, stall_speed=20.0, stall_us=200_000, inertia=0.005)


def running(speed: float, steps: int, paused: bool) -> Control:
    """A controller that ran ``steps`` ticks at ``speed`` from 1 s on."""
    c = make_control()
    c.start(1_000_000, forever(1_000_000, 0.0, 0.0, speed, 2000.0, 1500.0), SPEED, NONE)
    for i in range(1, steps + 1):
        c.torque(1_000_000 + 5000 * i, speed * 0.005 * i * 0.9, speed * 0.8)
    c.load_mnm = 12.5
    if paused:
        c.sat = 1
        c.paused = True
        c.t_pause = 15000
    return c


@pytest.mark.parametrize("paused", [False, True])
@pytest.mark.parametrize(("before", "after", "steps"), [
    (300.0, 500.0, 3),  # faster, still ramping up
    (300.0, 500.0, 200),  # faster, from the cruise
    (500.0, 100.0, 200),  # slower
    (500.0, -400.0, 200),  # the other way
    (-250.0, -250.0, 200),  # the same speed
    (0.0, 0.0, 5),  # standing
])
def test_respeed_is_start_of_forever(before: float, after: float, steps: int,
                                     paused: bool) -> None:
    now = 1_000_000 + 5000 * steps + 1234
    new = running(before, steps, paused)
    old = running(before, steps, paused)
    x0, v0 = old.start_state(now, 7.0, -3.0)
    old.start(now, forever(now, x0, v0, after, 2000.0, 1500.0), SPEED, NONE)
    traj = new.traj
    new.respeed(now, 7.0, -3.0, after, 2000.0, 1500.0)
    assert new.traj is traj  # in place
    assert [getattr(new.traj, f) for f in TRAJ] == [getattr(old.traj, f) for f in TRAJ]
    assert [getattr(new, f) for f in SLOTS] == [getattr(old, f) for f in SLOTS]
    for t in (now, now + 5000, now + 400_000):
        assert new.traj.ref(t) == old.traj.ref(t)
        assert new.torque(t, 1.0, 2.0) == old.torque(t, 1.0, 2.0)
