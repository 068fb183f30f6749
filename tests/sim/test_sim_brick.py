"""The simulated brick itself: clock, call costs, body, collisions, gears, robot.toml."""

import math
import textwrap
from pathlib import Path

import pytest

from robokit.config import check_robot, load_robot, standard_rover
from robokit.errors import ConfigError
from robokit.sim import simulate
from robokit.sim.brick import CALL_COST_US, SimBrick
from robokit.sim.world import World, load_world


def program(tmp_path: Path, source: str, name: str = "prog.py") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(source))
    return p


def walled(thickness: float) -> World:
    """An empty floor with one wall across the robot's way, 300 mm ahead."""
    return World.from_dict({
        "name": "one wall",
        "size": [2000, 2000],
        "start": {"x": 0, "y": 0, "heading": 0},
        "walls": [{"points": [[300, -500], [300, 500]], "thickness": thickness}],
    })


def test_each_device_call_costs_simulated_time():
    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        from robokit import robot

        sensor = robot.ultrasonic_sensor
        t0 = brick.now
        for _ in range(100):
            sensor.distance()
        assert brick.now - t0 == 100 * CALL_COST_US


def test_waits_move_the_clock_exactly():
    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        from robokit import wait

        wait(1234)
    assert brick.now == 1_234_000


@pytest.mark.parametrize("thickness", [1.0, 20.0])
def test_a_fast_robot_cannot_tunnel_through_a_thin_wall(tmp_path, thickness):
    p = program(tmp_path, """\
        from robokit import robot, wait
        robot.drive_base.drive(1000, 0)   # as fast as it goes
        wait(3000)
        print(robot.force_sensor.pressed(), robot.drive_base.stalled())
    """)
    r = simulate(p, world=walled(thickness), duration=10)
    assert r.status == "finished", r.traceback
    x, y, h = r.pose
    # The front bumper (90 mm ahead of the axle) rests on the wall's near face.
    assert x + 90 == pytest.approx(300 - thickness / 2, abs=1.0)
    assert max(r.telemetry.column("x_mm")) <= 300 - thickness / 2 - 90 + 1.0
    assert r.output.strip() == "True True"  # bumper pressed, wheels stalled
    assert [e["kind"] for e in r.events].count("contact") == 1


def test_driving_away_from_a_wall_frees_the_robot(tmp_path):
    p = program(tmp_path, """\
        from robokit import robot, wait
        db = robot.drive_base
        db.drive(300, 0)
        wait(2000)
        db.stop()
        db.straight(-200)
        print(robot.force_sensor.pressed())
    """)
    r = simulate(p, world=walled(20), duration=10)
    assert r.status == "finished", r.traceback
    assert r.output.strip() == "False"
    assert r.pose[0] == pytest.approx(300 - 10 - 90 - 200, abs=3)


def test_geared_wheels_drive_the_same_distance(tmp_path):
    robot = standard_rover()
    for side in ("left_motor", "right_motor"):
        robot["devices"][side]["gears"] = [12, 36]
    p = program(tmp_path, """\
        from robokit import robot
        robot.drive_base.straight(300)
        print(robot.left_motor.angle())
    """)
    r = simulate(p, world="empty", robot=robot, duration=30)
    assert r.status == "finished", r.traceback
    assert r.pose[0] == pytest.approx(300, abs=2)
    # The motor object reports the wheel's (output) angle: 300 mm / (56 π mm) turns.
    assert int(r.output) == pytest.approx(300 / (56 * math.pi) * 360, abs=3)
    # ... while the motor shaft itself turned three times as far.
    shaft = r.telemetry.column("left_motor_angle")[-1]
    assert abs(shaft) == pytest.approx(3 * 300 / (56 * math.pi) * 360, abs=10)


def test_arm_end_stops_are_at_the_output_of_a_gear_train(tmp_path):
    robot = standard_rover()
    robot["devices"]["arm"]["gears"] = [12, 36]
    robot["devices"]["arm"]["range"] = [-30, 30]
    p = program(tmp_path, """\
        from robokit import robot
        print(robot.arm.run_until_stalled(200, duty_limit=50))
    """)
    r = simulate(p, world="empty", robot=robot, duration=20)
    assert r.status == "finished", r.traceback
    assert int(r.output) == pytest.approx(30, abs=2)


def test_robot_toml_round_trip_and_gears_check(tmp_path):
    good = tmp_path / "robot.toml"
    good.write_text(textwrap.dedent("""\
        name = "geared"
        [devices.left]
        type = "Motor"
        port = "A"
        gears = [12, 36]
        [devices.right]
        type = "Motor"
        port = "B"
        [drive_base]
        left = "left"
        right = "right"
    """))
    cfg = load_robot(good)
    assert cfg["devices"]["left"]["gears"] == [12, 36]
    assert cfg["drive_base"]["wheel_diameter"] == 56.0
    bad = dict(cfg)
    bad["devices"] = {"left": {"type": "Motor", "port": "A", "gears": [12]}}
    bad["drive_base"] = None
    with pytest.raises(ConfigError, match=r"devices\.left\.gears"):
        check_robot(bad)


def test_standard_rover_checks_clean():
    assert check_robot(standard_rover()) == standard_rover()
