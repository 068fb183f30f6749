"""Pybricks' errors and names as a hub gives them, in the default mode and ``--exact``:
a device missing from its port is Pybricks' ``OSError`` ENODEV (a program's ``except
OSError:`` catches it; uncaught, the CLI says where in one line); ``ThisHub`` is the
class of the robot's hub; ``pybricks.version`` names that hub and the firmware version
the simulator plays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.devices.pybricks._table import FIRMWARE_VERSION
from robokit.virtual.mpvm import micropython_path

MODES = [pytest.param(False, id="default"),
         pytest.param(True, id="exact", marks=pytest.mark.skipif(
             micropython_path() is None, reason="MicroPython's unix port is not installed"))]

#: Two drive motors on A and B, nothing else: a sensor the program hopes for is missing.
TWO_MOTORS = """name = "two motors"
[hub]
type = "{hub}"
[devices.left_motor]
type = "Motor"
port = "A"
model = "spike_medium"
positive_direction = "counterclockwise"
[devices.right_motor]
type = "Motor"
port = "B"
model = "spike_medium"
"""

MISSING = """from pybricks.iodevices import PUPDevice
from pybricks.parameters import Port
from pybricks.pupdevices import ColorSensor, ForceSensor, Light, Motor, UltrasonicSensor
from uerrno import ENODEV

for make, port in ((UltrasonicSensor, Port.D), (ColorSensor, Port.A), (Motor, Port.C),
                   (ForceSensor, Port.B), (PUPDevice, Port.E), (Light, Port.A)):
    try:
        make(port)
        print("made")
    except OSError as ex:
        print(ex.errno == ENODEV, ex.args[0], ex)
sensor = ColorSensor(Port.B)  # line 13
print("never printed")
"""


def _program(tmp_path: Path, source: str, hub: str | None = "PrimeHub") -> Path:
    if hub is not None:
        (tmp_path / "robot.toml").write_text(TWO_MOTORS.format(hub=hub))
    prog = tmp_path / "main.py"
    prog.write_text(source)
    return prog


def _run(prog: Path, exact: bool, *options: str) -> object:
    return invoke("run", prog, "--duration", "1", *(["--exact"] if exact else []), *options)


@pytest.mark.parametrize("exact", MODES)
def test_a_missing_device_is_pybricks_oserror_enodev(tmp_path: Path, exact: bool) -> None:
    # robokit raised its DeviceError, not an OSError: `except OSError:` did not catch it
    # and the program stopped at its first line that hoped for a sensor.
    prog = _program(tmp_path, MISSING)
    res = _run(prog, exact)
    assert res.exit_code == 1, res.stdout + res.stderr
    enodev = "True 19 [Errno 19] ENODEV: "
    assert res.stdout.splitlines()[:6] == [
        enodev + "no UltrasonicSensor on Port.D: nothing is plugged in there on the robot",
        enodev + "no ColorSensor on Port.A: the robot has a Motor (left_motor) there",
        enodev + "no Motor on Port.C: nothing is plugged in there on the robot",
        enodev + "no ForceSensor on Port.B: the robot has a Motor (right_motor) there",
        enodev + "PUPDevice(Port.E): nothing is plugged in there on the simulated robot; "
                 "plug a device in there in robot.toml or use another port",
        enodev + "Light on Port.A: the robot has a Motor there; move the Light or the "
                 "other device to a free port"]
    assert "never printed" not in res.stdout
    # Uncaught, it is said as robokit's DeviceError is: one line with file:line.
    assert res.stderr.strip().splitlines() == [
        f"robokit: run: {prog}:13: [Errno 19] ENODEV: no ColorSensor on Port.B: the robot "
        "has a Motor (right_motor) there"]


@pytest.mark.parametrize("exact", MODES)
def test_the_json_error_of_a_missing_device_names_its_type_and_line(
        tmp_path: Path, exact: bool) -> None:
    prog = _program(tmp_path, "from pybricks.pupdevices import ColorSensor\n"
                    "from pybricks.parameters import Port\n"
                    "ColorSensor(Port.F)\n")
    res = _run(prog, exact, "--json")
    assert res.exit_code == 1, res.stdout + res.stderr
    error = json.loads(res.stdout)["error"]
    assert error == {"type": "NoDeviceError", "file": str(prog), "line": 3,
                     "message": "[Errno 19] ENODEV: no ColorSensor on Port.F: nothing is "
                                "plugged in there on the robot"}


def test_an_ev3_sensor_missing_is_an_oserror_too(tmp_path: Path) -> None:
    # (An EV3 program, Pybricks 2.x, runs in the default mode only.)
    prog = _program(tmp_path, "from pybricks.ev3devices import GyroSensor, TouchSensor\n"
                    "from pybricks.parameters import Port\n"
                    "for make, port in ((TouchSensor, Port.S1), (GyroSensor, Port.A)):\n"
                    "    try:\n        make(port)\n"
                    "    except OSError as ex:\n        print(ex.errno, ex)\n", "EV3Brick")
    res = _run(prog, False)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.stdout.splitlines()[:2] == [
        "19 [Errno 19] ENODEV: no TouchSensor on Port.S1: nothing is plugged in there on "
        "the robot",
        "19 [Errno 19] ENODEV: GyroSensor on Port.A: EV3 sensors go on Port.S1 to Port.S4 "
        "(motors on Port.A to Port.D)"]


def test_robokit_s_own_api_keeps_its_device_error(tmp_path: Path) -> None:
    # The same mistake through `from robokit import ...` is robokit's DeviceError (a
    # RobokitError), not an OSError.
    res = _run(_program(tmp_path, "from robokit import ColorSensor, Port\n"
                        "try:\n    ColorSensor(Port.C)\nexcept OSError:\n"
                        "    print('an OSError')\n"), False, "--json")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["error"]["type"] == "DeviceError"
    assert "an OSError" not in json.loads(res.stdout)["output"]


HUB_PROGRAM = """import pybricks
from pybricks import version
from pybricks.hubs import PrimeHub, TechnicHub, ThisHub

hub = ThisHub()
print(type(hub).__name__, isinstance(hub, PrimeHub), isinstance(hub, TechnicHub))
print(pybricks.version)
print(version == pybricks.version)
"""


@pytest.mark.parametrize("exact", MODES)
@pytest.mark.parametrize(("hub", "cls", "kind"), [
    (None, "PrimeHub", "primehub"),  # no robot.toml: the simulator plays a Prime Hub
    ("TechnicHub", "TechnicHub", "technichub"),
    ("EssentialHub", "EssentialHub", "essentialhub"),
    ("Hub", "Hub", "primehub")])  # a kit board's generic hub: robokit's, Pybricks' parts
def test_this_hub_and_version_are_the_robot_s_hub(tmp_path: Path, exact: bool,
                                                  hub: str | None, cls: str,
                                                  kind: str) -> None:
    # ThisHub was refused ("'pybricks.hubs' has no such name") and pybricks.version was an
    # AttributeError naming robokit.devices.pybricks.
    res = _run(_program(tmp_path, HUB_PROGRAM, hub), exact)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.stdout.splitlines()[:3] == [
        f"{cls} {cls == 'PrimeHub'} {cls == 'TechnicHub'}",
        str((kind, FIRMWARE_VERSION, f"v{FIRMWARE_VERSION} (robokit simulator)")),
        "True"]


def test_the_check_takes_this_hub_and_version(tmp_path: Path) -> None:
    res = invoke("check", _program(tmp_path, HUB_PROGRAM, None))
    assert res.exit_code == 0, res.stderr


def test_the_firmware_version_played_is_the_stub_package_s() -> None:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        stubs = dist_version("pybricks")
    except PackageNotFoundError:
        pytest.skip("the pybricks stub package is not installed")
    assert FIRMWARE_VERSION == stubs
