"""Robot files for common LEGO models, shipped with robokit (issue 11): the SPIKE Prime
driving base, the EV3 educator vehicle and a four-motor Technic hub car, usable by name
(``--robot spike-driving-base``), listed and printed by ``robokit robot``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.config import ROBOTS_DIR, builtin_robots, load_robot
from robokit.sim import simulate

SHIPPED = ("ev3-educator", "spike-driving-base", "technic-hub-car")

SPIKE = """\
from pybricks.hubs import PrimeHub
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import ColorSensor, Motor, UltrasonicSensor
from pybricks.robotics import DriveBase

hub = PrimeHub()
left = Motor(Port.C, Direction.COUNTERCLOCKWISE)
right = Motor(Port.D)
arm = Motor(Port.E)
eyes = UltrasonicSensor(Port.F)
color = ColorSensor(Port.B)
base = DriveBase(left, right, wheel_diameter=56, axle_track=112)
base.straight(300)
base.turn(-90)
arm.run_angle(300, 90)
print("moved", base.distance(), round(base.angle()), eyes.distance(), arm.angle())
"""

EV3 = """\
#!/usr/bin/env pybricks-micropython
from pybricks.ev3devices import ColorSensor, GyroSensor, Motor, TouchSensor, UltrasonicSensor
from pybricks.hubs import EV3Brick
from pybricks.parameters import Port
from pybricks.robotics import DriveBase

ev3 = EV3Brick()
left_motor = Motor(Port.B)
right_motor = Motor(Port.C)
touch = TouchSensor(Port.S1)
gyro = GyroSensor(Port.S2)
color = ColorSensor(Port.S3)
sonar = UltrasonicSensor(Port.S4)
robot = DriveBase(left_motor, right_motor, wheel_diameter=55.5, axle_track=104)
robot.straight(250)
robot.turn(90)
print("gyro", gyro.angle(), "touch", touch.pressed(), "sonar", sonar.distance())
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "main.py"
    path.write_text(text)
    return path


def run(program: Path, *options: str) -> dict[str, Any]:
    r = invoke("run", program, "--json", *options)
    assert r.exit_code in (0, 1), r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def test_robokit_ships_the_three_models_and_each_says_where_its_numbers_come_from() -> None:
    assert builtin_robots() == SHIPPED
    for name in SHIPPED:
        text = (ROBOTS_DIR / f"{name}.toml").read_text()
        assert "# Where the numbers come from:" in text, name
        assert f"--robot {name}" in text, name
        cfg = load_robot(name)  # by name, with every check of a robot.toml
        assert cfg["drive_base"]["left"] == "left_motor"
    assert load_robot("spike-driving-base")["hub"]["type"] == "PrimeHub"
    ev3 = load_robot("ev3-educator")
    assert ev3["hub"]["type"] == "EV3Brick"
    assert (ev3["drive_base"]["wheel_diameter"], ev3["drive_base"]["axle_track"]) == (55.5, 104)
    car = load_robot("technic-hub-car")
    assert car["hub"]["type"] == "TechnicHub"
    assert sum(d["type"] == "Motor" for d in car["devices"].values()) == 4


def test_a_spike_program_runs_on_the_spike_driving_base_by_name(tmp_path: Path) -> None:
    program = write(tmp_path, SPIKE)
    d = run(program, "--robot", "spike-driving-base")
    assert d["status"] == "finished", d["error"]
    assert d["output"].startswith("moved 300 -90 2000 90")
    assert d["pose"]["x_mm"] == pytest.approx(300, abs=3)
    assert d["imu_heading_deg"] == pytest.approx(-90, abs=1)
    # The same from Python.
    r = simulate(program, robot="spike-driving-base")
    assert r.status == "finished" and r.output == d["output"]


def test_an_ev3_program_runs_on_the_educator_vehicle_by_name(tmp_path: Path) -> None:
    d = run(write(tmp_path, EV3), "--robot", "ev3-educator", "--world", "arena")
    assert d["status"] == "finished", d["error"]
    gyro = int(d["output"].split()[1])
    assert gyro == pytest.approx(90, abs=1)
    assert d["distance_mm"] == pytest.approx(250, abs=3)  # the body's centre; a spin adds none
    assert "touch False" in d["output"]


def test_the_technic_car_drives_on_its_big_wheels(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.hubs import TechnicHub\n"
        "from pybricks.parameters import Direction, Port\n"
        "from pybricks.pupdevices import Motor\n"
        "from pybricks.tools import wait\n"
        "hub = TechnicHub()\n"
        "left = Motor(Port.A, Direction.COUNTERCLOCKWISE)\nright = Motor(Port.B)\n"
        "steer = Motor(Port.C)\nwinch = Motor(Port.D)\n"
        "left.run_angle(360, 360, wait=False)\nright.run_angle(360, 360)\n"
        "winch.run_angle(500, 180)\nwait(200)\n"))
    d = run(program, "--robot", "technic-hub-car")
    assert d["status"] == "finished", d["error"]
    # One turn of an 81.6 mm wheel: 256 mm.
    assert d["pose"]["x_mm"] == pytest.approx(81.6 * 3.14159, abs=6)


def test_a_misspelt_robot_name_is_one_clear_message(tmp_path: Path) -> None:
    r = invoke("run", write(tmp_path, SPIKE), "--robot", "spike-drivng-base")
    assert r.exit_code == 2
    assert ("spike-drivng-base: no such robot file (did you mean spike-driving-base?); "
            "check the path, give one of the robots robokit ships (ev3-educator, "
            "spike-driving-base, technic-hub-car)") in r.stderr
    assert "Traceback" not in r.stderr


def test_robokit_robot_lists_and_prints_the_shipped_robots(tmp_path: Path) -> None:
    r = invoke("robot", "--list")
    assert r.exit_code == 0, r.stderr
    assert [line.split()[0] for line in r.stdout.splitlines()] == list(SHIPPED)
    assert "EV3 educator vehicle (EV3Brick)" in r.stdout
    r = invoke("robot", "technic-hub-car")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (ROBOTS_DIR / "technic-hub-car.toml").read_text()
    # Saved as robot.toml, it is the robot a program beside it runs on.
    (tmp_path / "robot.toml").write_text(r.stdout)
    assert load_robot(tmp_path / "robot.toml") == load_robot("technic-hub-car")
    bad = invoke("robot", "spike")
    assert bad.exit_code == 2
    assert "spike: robokit ships no robot of that name (did you mean spike-driving-base?)" \
        in bad.stderr
    both = invoke("robot", "spike-driving-base", "--list")
    assert both.exit_code == 2 and "give one of NAME" in both.stderr


def test_the_robot_files_ship_as_package_data() -> None:
    import fnmatch

    from robokit.config import tomllib  # tomli on Python 3.10

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["robokit"]
    package = root / "src" / "robokit"
    for name in SHIPPED:  # each shipped file is matched by a package-data pattern
        rel = (ROBOTS_DIR / f"{name}.toml").relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in data), rel
