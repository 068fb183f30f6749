"""A loop with no wait: repeating a drive() that changes nothing costs the same simulated
time and gives the same motion as before, without starting the trajectories again."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from robokit.config import standard_rover
from robokit.sim import simulate
from robokit.sim.brick import CLOCK_COST_US, SimBrick
from robokit.sim.world import World, load_world

ROOT = Path(__file__).resolve().parents[2]
WAITLESS = ROOT / "benchmarks" / "programs" / "drive_no_wait.py"

#: Where benchmarks/programs/drive_no_wait.py ended after 60 simulated seconds in
#: `empty` before drive() had a path for repeated calls (every call restarted both
#: trajectories then): x, y mm, heading degrees.
POSE_BEFORE = (362.60373544768845, -643.1668526735546, -1199.8071998003704)
DISTANCE_BEFORE = 8988.288365688084


def test_a_waitless_drive_loop_ends_where_it_did_before():
    r = simulate(WAITLESS, world="empty", duration=60.0)
    assert r.status == "timeout"
    x, y, h = r.pose
    assert math.hypot(x - POSE_BEFORE[0], y - POSE_BEFORE[1]) < 0.01
    assert abs(h - POSE_BEFORE[2]) < 0.001
    assert abs(r.distance_mm - DISTANCE_BEFORE) < 0.01


def _drive_repeatedly(world: World, calls: int, alternate: bool) -> tuple[SimBrick, list]:
    """drive(150, 20) ``calls`` times; with ``alternate`` every other call passes floats
    (equal values of another type), which never counts as the same call again.  Also the
    start time of the distance trajectory after each call (a restart moves it to now; the
    trajectory itself is changed in place, Control.respeed)."""
    brick = SimBrick(world, standard_rover())
    trajs = []
    with brick.attached():
        from robokit import robot

        base = robot.drive_base
        for i in range(calls):
            if alternate and i % 2:
                base.drive(150.0, 20.0)
            else:
                base.drive(150, 20)
            trajs.append(base.distance_control.traj.t0)
    return brick, trajs


def test_the_same_drive_again_does_not_start_new_trajectories():
    brick, trajs = _drive_repeatedly(load_world("empty"), 20_000, alternate=False)
    # once the ramp is over, the running trajectory is kept
    assert trajs[-1] == trajs[-2] == trajs[-1000]
    brick2, trajs2 = _drive_repeatedly(load_world("empty"), 20_000, alternate=True)
    assert trajs2[-1] != trajs2[-2]
    # ... and the motion is the same as with a restart on every call
    for a, b in zip(brick.pose(), brick2.pose(), strict=True):
        assert abs(a - b) < 1e-6
    assert brick.now == brick2.now


def test_a_repeated_drive_costs_the_same_simulated_time():
    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        from robokit import robot

        base = robot.drive_base
        for _ in range(50_000):
            base.drive(150, 20)
        assert base._repeat is not None  # the repeated-call path is on
        t0 = brick.now
        base.drive(150, 20)
        assert brick.now - t0 == CLOCK_COST_US


def test_pushing_against_a_wall_with_a_waitless_loop_moves_as_restarting_does():
    # Against a wall the controllers saturate and their references pause: a repeated
    # drive() must then restart exactly as before.
    wall = World.from_dict({
        "name": "one wall", "size": [2000, 2000], "start": {"x": 0, "y": 0, "heading": 0},
        "walls": [{"points": [[150, -500], [150, 500]], "thickness": 20}],
    })
    brick, _ = _drive_repeatedly(wall, 150_000, alternate=False)
    brick2, _ = _drive_repeatedly(wall, 150_000, alternate=True)
    assert brick.contact_count >= 1
    for a, b in zip(brick.pose(), brick2.pose(), strict=True):
        assert abs(a - b) < 1e-6


def test_a_new_speed_limit_applies_to_the_same_drive_again(tmp_path):
    p = tmp_path / "limit.py"
    p.write_text(textwrap.dedent("""\
        from robokit import robot, StopWatch
        base = robot.drive_base
        watch = StopWatch()
        while watch.time() < 1000:
            base.drive(300, 0)
        base.distance_control.limits(speed=100)
        watch.reset()
        start = base.distance()
        while watch.time() < 2000:
            base.drive(300, 0)
        print(base.distance() - start)
    """))
    r = simulate(p, world="empty", duration=10.0)
    assert r.status == "finished", r.traceback
    assert int(r.output.split()[-1]) < 260  # about 100 mm/s for 2 s, not 300 mm/s


def _run_repeatedly(calls: int, alternate: bool, speed: float = 150) -> tuple[SimBrick, list]:
    """left_motor.run(speed) ``calls`` times (``alternate``: every other call a float)."""
    brick = SimBrick(load_world("empty"), standard_rover())
    trajs = []
    with brick.attached():
        from robokit import robot

        motor = robot.left_motor
        arm = robot.arm
        for i in range(calls):
            motor.run(float(speed) if alternate and i % 2 else speed)
            arm.run(-400)  # runs into its end stop: the reference pauses there
            trajs.append(motor.control.traj)
        state = (motor.angle(), motor.speed(), motor.load(), arm.angle(), arm.load(),
                 arm.stalled())
    return brick, [trajs, state]


def test_the_same_motor_run_again_keeps_its_trajectory_and_moves_the_same():
    brick, (trajs, state) = _run_repeatedly(30_000, alternate=False)
    assert trajs[-1] is trajs[-2] is trajs[-500]
    brick2, (trajs2, state2) = _run_repeatedly(30_000, alternate=True)
    assert trajs2[-1] is not trajs2[-2]
    assert brick.now == brick2.now  # the same simulated time per call
    assert state == state2
    assert brick.pose() == pytest.approx(brick2.pose(), abs=1e-6)


def test_a_colour_read_again_within_the_same_millisecond_reads_the_same():
    from robokit.sim.brick import COLOR_FOOTPRINT_MM

    brick = SimBrick(load_world("oval"), standard_rover())
    port = brick.robot["devices"]["color_sensor"]["port"]
    sampler = brick.world.surface.sampler(COLOR_FOOTPRINT_MM)
    seen = set()
    with brick.attached():
        from robokit import robot

        robot.drive_base.drive(200, 30)
        for _ in range(3000):
            rgb = brick.color_rgb(port)
            x, y, _h = brick.sensor_position("color_sensor")
            assert rgb == sampler.rgb(x, y)  # what the sensor sees where it is now
            seen.add(rgb)
    assert len(seen) > 3  # the readings follow the robot
    # the reading is kept for its millisecond of physics
    assert brick._rgb_memo[port][0] == brick._t_phys


def test_noisy_colour_reads_within_a_millisecond_still_differ():
    brick = SimBrick(load_world("oval"), standard_rover(), seed=3, noise=True)
    port = brick.robot["devices"]["color_sensor"]["port"]
    with brick.attached():
        a = brick.color_rgb(port)
        b = brick.color_rgb(port)
    assert brick.now < 1000 and a != b


def test_the_same_run_again_after_the_drive_base_took_the_motor_takes_it_back():
    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        from robokit import robot

        motor = robot.left_motor
        base = robot.drive_base
        for _ in range(20_000):
            motor.run(150)
        base.drive(100, 0)
        assert base.distance_control.active and not motor.control.active
        motor.run(150)
        assert motor.control.active and not base.distance_control.active
