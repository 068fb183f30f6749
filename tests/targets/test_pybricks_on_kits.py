"""Pybricks programs on MicroPython kit boards (issue 11): ``--target micropython``
bundles carry a ``pybricks`` package mapped onto robokit's device API and the
MicroPython names the firmware may lack (``umath``); on a Pybricks hub the firmware has
them and the bundle leaves them out.  A program is uploaded to robokit's simulated board
(MicroPython's unix port) and run there, and ends where the simulator puts it."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.compiler.compile import compile_program
from robokit.sim import simulate

needs_vm = pytest.mark.skipif(sys.platform == "win32" or shutil.which("micropython") is None,
                              reason="MicroPython's unix port (and POSIX ptys) needed")
POSE = re.compile(r"^pose +x=(-?\d+) mm, y=(-?\d+) mm, heading=(-?[\d.]+)°", re.M)

SQUARE = """\
from pybricks.hubs import PrimeHub
from pybricks.parameters import Color, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait
import umath
import urandom
from micropython import const

SIDE = const(300)
hub = PrimeHub()
hub.light.on(Color.GREEN)
left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
base = DriveBase(left, right, wheel_diameter=56, axle_track=112)
watch = StopWatch()
base.straight(SIDE)
base.turn(90)
base.straight(200)
wait(100)
print("sin", round(umath.sin(umath.pi / 6), 3), "distance", base.distance(),
      "angle", round(base.angle()), "random", 0 <= urandom.random() < 1)
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "main.py"
    path.write_text(text)
    return path


def test_a_kit_bundle_carries_pybricks_and_the_names_the_firmware_may_lack(
        tmp_path: Path) -> None:
    program = write(tmp_path, SQUARE)
    names = {m.name for m in compile_program(program, target="micropython").modules}
    assert {"pybricks", "pybricks.hubs", "pybricks.pupdevices", "pybricks.robotics",
            "pybricks.tools", "pybricks.parameters", "robokit.devices.pybricks.hubs",
            "robokit.devices.motors", "umath", "urandom"} <= names
    assert "utime" not in names  # only what the program imports


def test_a_pybricks_hub_bundle_leaves_them_to_the_firmware(tmp_path: Path) -> None:
    program = write(tmp_path, SQUARE)
    names = {m.name for m in compile_program(program, target="pybricks").modules}
    assert names == {"__main__"} or names == {"main"}, names


def test_the_check_for_a_kit_names_what_is_not_there_with_file_and_line(
        tmp_path: Path) -> None:
    program = write(tmp_path, "from pybricks.iodevices import I2CDevice\n")
    r = invoke("check", program, "--target", "micropython")
    assert r.exit_code == 2
    assert "main.py:1: I2CDevice: a Pybricks name (pybricks.iodevices) that is not " \
           "simulated" in r.stderr
    ok = invoke("check", write(tmp_path, SQUARE), "--target", "micropython")
    assert ok.exit_code == 0, ok.stderr


@needs_vm
def test_a_pybricks_program_runs_on_the_simulated_board_as_in_the_simulator(
        robokit_board: Callable[..., tuple[Any, str]], tmp_path: Path) -> None:
    program = write(tmp_path, SQUARE)
    board, port = robokit_board(vm="micropython")
    r = invoke("run", program, "--port", port)
    assert r.exit_code == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("sin ")][0]
    assert line == "sin 0.5 distance 500 angle 90 random True"
    m = POSE.search(r.stdout)
    assert m is not None, r.stdout
    sim = simulate(program)
    assert sim.status == "finished", sim.error
    assert sim.output.splitlines()[0] == line
    # The same pose as the simulator's, to the millimetre and the degree.
    assert float(m[1]) == pytest.approx(sim.pose[0], abs=2)
    assert float(m[2]) == pytest.approx(sim.pose[1], abs=2)
    assert float(m[3]) == pytest.approx(-sim.pose[2], abs=1)  # the IMU's sense: clockwise


@needs_vm
def test_a_remote_is_not_found_on_a_kit_board_as_on_a_hub_without_one(
        robokit_board: Callable[..., tuple[Any, str]], tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.pupdevices import Remote\nfrom pybricks.tools import StopWatch\n"
        "watch = StopWatch()\n"
        "try:\n    Remote(timeout=500)\nexcept OSError as e:\n"
        "    print(watch.time() >= 500, e)\n"))
    board, port = robokit_board(vm="micropython")
    r = invoke("run", program, "--port", port)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("True Remote: none found: a kit board has no Bluetooth link to "
                               "LEGO remotes")
    sim = simulate(program)  # the simulator finds one at once
    assert sim.status == "finished" and sim.output == ""
