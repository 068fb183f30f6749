"""The device API at the REPL of a simulated board: its ROM (/rom, robokit.virtual.rom)
holds robokit's device API, and imported there it drives the board's simulated robot.
`robokit repl --port` on a SimBoard served on a pty (as `robokit sim serve` does), for
both of the board's executors."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

import pytest
from cli_helpers import split_runner

from robokit.virtual.board import SimBoard

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")
Serve = Callable[..., tuple[SimBoard, str]]
VMS = [
    "cpython",
    pytest.param("micropython", marks=pytest.mark.skipif(
        shutil.which("micropython") is None,
        reason="MicroPython's unix port is not installed")),
]


def repl(port: str, text: str) -> str:
    """``robokit repl --port PORT`` with ``text`` piped in; what the board answered."""
    from robokit.cli import main

    r = split_runner().invoke(main, ["repl", "--port", port], input=text)
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


@pytest.mark.parametrize("vm", VMS)
def test_the_device_api_at_the_repl_drives_the_boards_robot(vm: str,
                                                            robokit_board: Serve) -> None:
    board, port = robokit_board(vm=vm, world="empty")
    out = repl(port, "from robokit import robot\n"
                     "robot.drive_base.straight(100)\n"
                     "print('driven', round(robot.drive_base.distance()))\n"
                     "robot.drive_base.turn(90)\n"
                     "print('heading', round(robot.hub.imu.heading()))\n")
    assert "Traceback" not in out, out
    assert "driven 100" in out
    assert "heading 90" in out
    assert board.brick is not None and board.bricks_made == 1
    x, y, _ = board.brick.pose()
    assert x == pytest.approx(100, abs=2) and y == pytest.approx(0, abs=2)
    assert board.brick.distance_mm == pytest.approx(100, abs=2)
    # The robot is the standard rover: its sensors answer too.
    out = repl(port, "from robokit import robot\nprint(robot.color_sensor.reflection() >= 0)\n")
    assert "True" in out and "Traceback" not in out


@pytest.mark.parametrize("vm", VMS)
def test_a_soft_reset_gives_a_fresh_robot(vm: str, robokit_board: Serve) -> None:
    board, port = robokit_board(vm=vm)
    repl(port, "from robokit import robot\nrobot.drive_base.straight(50)\n")
    repl(port, "\x04")  # Ctrl-D: a soft reset; the interpreter's state goes
    out = repl(port, "from robokit import robot\nprint(round(robot.drive_base.distance()))\n")
    assert out.splitlines().count("0") == 1, out
    assert board.bricks_made == 2


def test_statements_at_the_friendly_repl_run(robokit_board: Serve) -> None:
    _, port = robokit_board(vm="cpython")
    out = repl(port, "x = 6 * 7\nfor i in range(2):\n    print('row', i)\n\nprint(x)\n")
    assert "Traceback" not in out, out
    assert "row 0" in out and "row 1" in out and "42" in out
