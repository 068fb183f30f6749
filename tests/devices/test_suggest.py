""""Did you mean" for a mistyped device name (issue 13: no suggestion for
``robot.colour_sensor``): the standard ``robot`` object, the Pybricks shim's, and a
robot.toml whose [drive_base] names a motor that is not there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.compiler.compile import compile_program
from robokit.compiler.pybricks import export_pybricks
from robokit.devices._suggest import closest
from robokit.virtual.mpvm import micropython_path

SUGGEST = Path(__file__).resolve().parents[2] / "src" / "robokit" / "devices" / "_suggest.py"
NAMES = ["left_motor", "right_motor", "color_sensor", "distance_sensor", "hub", "drive_base"]
CASES = {
    "colour_sensor": "color_sensor",
    "Color_Sensor": "color_sensor",
    "drivebase": "drive_base",
    "leftmotor": "left_motor",
    "distance": "distance_sensor",  # the only name holding it
    "hubb": "hub",
    "motor": None,  # held in two names: no guess
    "xyz": None,
    "arm": None,
    "": None,
    "x" * 500: None,
}

ROBOT_TOML = """\
name = "r"
[devices.left_motor]
type = "Motor"
port = "A"
[devices.right_motor]
type = "Motor"
port = "B"
positive_direction = "counterclockwise"
[devices.color_sensor]
type = "ColorSensor"
port = "C"
[drive_base]
left = "LEFT"
right = "right_motor"
"""


@pytest.mark.parametrize("name", list(CASES), ids=lambda n: n[:20] or "empty")
def test_closest_name(name: str) -> None:
    assert closest(name, NAMES) == CASES[name]


def test_closest_gives_the_same_answers_in_micropython() -> None:
    exe = micropython_path()
    if exe is None:
        pytest.skip("MicroPython's unix port is not installed")
    script = (SUGGEST.read_text() + "\nimport json\n"
              + f"print(json.dumps([closest(n, {NAMES!r}) for n in {list(CASES)!r}]))\n")
    proc = subprocess.run([str(exe), "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == list(CASES.values())


def test_robot_suggests_the_device_meant(tmp_path: Path) -> None:
    (tmp_path / "robot.toml").write_text(ROBOT_TOML.replace("LEFT", "left_motor"))
    (tmp_path / "main.py").write_text(
        "from robokit import robot\nprint(robot.colour_sensor.reflection())\n")
    result = invoke("run", tmp_path / "main.py")
    assert result.exit_code == 1
    assert "main.py:2: robot has no 'colour_sensor'. Did you mean 'color_sensor'?" \
        in result.stderr
    assert "robot.toml names left_motor, right_motor, color_sensor, hub" in result.stderr


def test_robot_without_a_close_name_lists_the_names(tmp_path: Path) -> None:
    (tmp_path / "robot.toml").write_text(ROBOT_TOML.replace("LEFT", "left_motor"))
    (tmp_path / "main.py").write_text("from robokit import robot\nrobot.gripper.run(100)\n")
    result = invoke("run", tmp_path / "main.py")
    assert result.exit_code == 1
    assert "robot has no 'gripper'. robot.toml names left_motor" in result.stderr
    assert "Did you mean" not in result.stderr


def test_drive_base_naming_a_missing_motor_suggests_one(tmp_path: Path) -> None:
    (tmp_path / "robot.toml").write_text(ROBOT_TOML.replace("LEFT", "left_moter"))
    (tmp_path / "main.py").write_text("from robokit import robot\n")
    result = invoke("run", tmp_path / "main.py")
    assert result.exit_code == 2
    assert ("robot.toml:13: drive_base.left: 'left_moter' is not a Motor in [devices]; "
            "did you mean 'left_motor'? name one of: left_motor, right_motor") in result.stderr


def test_pybricks_shim_suggests_the_device_meant(tmp_path: Path) -> None:
    """The shim's robot, compiled for a Pybricks hub, in a real MicroPython VM over the
    simulated hub's stand-in pybricks modules."""
    exe = micropython_path()
    if exe is None:
        pytest.skip("MicroPython's unix port is not installed")
    from robokit.virtual.pybricks_hub import FIRMWARE_DIR, MAIN_FILE, write_modules

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.py").write_text(
        "from robokit import robot, DeviceError\n"
        "try:\n    robot.colour_sensor\nexcept DeviceError as e:\n    print(e)\n")
    blob = export_pybricks(compile_program(tmp_path / "p" / "main.py", target="pybricks"))
    run = tmp_path / "run"
    run.mkdir()
    write_modules(blob, run)
    proc = subprocess.run([str(exe), "-m", MAIN_FILE], cwd=run,
                          env={"MICROPYPATH": f"{run}:{FIRMWARE_DIR}"}, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("robot has no 'colour_sensor'. Did you mean 'color_sensor'? "
                                  "robot.toml names ")
