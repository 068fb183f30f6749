"""A telemetry row holds the pose and every motor's angle and speed as the program's
Motor.angle() and speed() count them (positive_direction, reset offsets), whatever makes
the row fast."""

from __future__ import annotations

import math

from robokit.config import standard_rover
from robokit.sim import simulate
from robokit.sim.brick import SimBrick
from robokit.sim.world import load_world


def test_a_row_is_the_pose_and_the_motors_as_the_program_counts_them() -> None:
    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        from robokit import robot, wait

        robot.drive_base.drive(150, 30)
        robot.arm.run(-100)  # down from 0, within its range of ±100
        wait(300)
        robot.arm.reset_angle(30)  # an offset
        wait(300)
        brick.pose()  # the physics up to now, as when the recorder samples in a run
        brick.recorder.sample(brick)
        row = brick.recorder.rows[-1]
        cols = brick.recorder.columns
        got = dict(zip(cols, row, strict=True))
        assert got["t_ms"] == brick.now / 1000.0
        assert (got["x_mm"], got["y_mm"]) == (brick._x, brick._y)
        assert got["heading_deg"] == math.degrees(brick._h)
        for name in ("left_motor", "right_motor", "arm"):
            motor = getattr(robot, name)
            # the program's own reading (rounded to a degree there, 50 µs later)
            assert abs(got[f"{name}_angle"] - motor.angle()) <= 0.6
            assert abs(got[f"{name}_speed"] - motor.speed()) <= 0.6
        assert got["left_motor_speed"] > 100 and got["right_motor_speed"] > 100
        assert got["arm_speed"] < -50
        assert -10 < got["arm_angle"] < 20  # 30 at the reset, then down
        assert math.isnan(got["color_sensor"])  # never read


def test_events_are_in_time_order_when_a_contact_is_found_within_a_step(tmp_path) -> None:
    # Two robots driving head-on: each step of the second finds its contact within the
    # step, before the 'touch' the floor noted at the step's end (it came after it).
    prog = tmp_path / "fwd.py"
    prog.write_text("from robokit import robot, wait\nrobot.drive_base.drive(200, 0)\n"
                    "wait(2000)\n", encoding="utf-8")
    r = simulate([prog, prog], world="sumo", duration=3)
    for robot in r.robots:
        times = [e["t_ms"] for e in robot.telemetry.events]
        kinds = {e["kind"] for e in robot.telemetry.events}
        assert {"touch", "contact"} <= kinds
        assert times == sorted(times)
