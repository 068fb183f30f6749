"""`robokit start` runs the program stored on a board, and a soft reset (Ctrl-D at the
friendly REPL) of the simulated board runs /boot.py and /main.py again, as MicroPython
does: on a board with robokit installed with autostart, the stored program. Simulated
boards on ptys, the real CLI."""

from __future__ import annotations

import os
import select
import shutil
import sys
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.virtual.board import SimBoard

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys"),
    pytest.mark.skipif(shutil.which("micropython") is None,
                       reason="MicroPython's unix port is not installed (stored programs "
                              "are .mpy)"),
]
Serve = Callable[..., tuple[SimBoard, str]]

PROGRAM = """\
from robokit import robot
print("stored program here")
robot.drive_base.straight(150)
print("drove", round(robot.drive_base.distance()))
"""


def stored(tmp_path: Path, robokit_board: Serve, *, autostart: bool | None = None
           ) -> tuple[SimBoard, str]:
    board, port = robokit_board(vm="micropython")
    if autostart is not None:
        r = invoke("install", "--port", port, "--autostart" if autostart else "--no-autostart")
        assert r.exit_code == 0, r.stderr
    prog = tmp_path / "drive.py"
    prog.write_text(PROGRAM, encoding="utf-8")
    r = invoke("upload", prog, "--port", port)
    assert r.exit_code == 0, r.stderr
    assert board.bricks_made == 0  # stored, not started
    return board, port


def test_start_runs_the_stored_program_and_streams_its_output(
        tmp_path: Path, robokit_board: Serve) -> None:
    board, port = stored(tmp_path, robokit_board)
    r = invoke("start", "--port", port)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("stored program here\ndrove 150\n")
    assert "status     finished" in r.stdout
    # The simulated board hands back what its robot did, as for `robokit run --port`.
    assert "distance   150 mm driven" in r.stdout
    assert "pose       x=150 mm, y=0 mm" in r.stdout
    assert board.brick is not None
    assert board.brick.distance_mm == pytest.approx(150, abs=2)
    r = invoke("start", "--port", port)  # it stays stored: it runs again
    assert r.exit_code == 0, r.stderr
    assert board.bricks_made == 2


def test_start_with_nothing_stored_is_one_line(robokit_board: Serve) -> None:
    _, port = robokit_board(vm="micropython")
    r = invoke("start", "--port", port)
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stderr.splitlines()[-1] == (
        f"robokit: start: no program is stored on this board; upload one with `robokit "
        f"upload` ({port})")


def test_start_needs_a_brick() -> None:
    r = invoke("start")
    assert r.exit_code == 2
    assert "--port" in r.stderr and "Traceback" not in r.stderr


def _talk(port: str, send: bytes, until: bytes, timeout: float = 60.0) -> bytes:
    """Write ``send`` to the board's REPL and read until ``until`` has come after the
    soft reboot when ``send`` asks for one, else anywhere (or the timeout)."""
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    try:
        tty.setraw(fd)
        os.write(fd, send)
        got = b""
        end = time.monotonic() + timeout
        reboot = b"MPY: soft reboot\r\n"

        def done() -> bool:
            if send == b"\x04":  # what came before the reboot is an earlier command's
                return reboot in got and until in got.split(reboot, 1)[1]
            return until in got

        while not done() and time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                got += os.read(fd, 4096)
        return got
    finally:
        os.close(fd)


def test_a_soft_reset_runs_the_stored_program_with_autostart(
        tmp_path: Path, robokit_board: Serve) -> None:
    board, port = stored(tmp_path, robokit_board, autostart=True)
    # Ctrl-C, Ctrl-B: the friendly REPL; then Ctrl-D on an empty line: a soft reset.
    got = _talk(port, b"\x03\x02", b">>> ")
    got = _talk(port, b"\x04", b"drove 150\r\n")
    text = got.decode("utf-8", "replace")
    assert "MPY: soft reboot\r\n" in text
    after = text.split("MPY: soft reboot\r\n", 1)[1]
    assert "stored program here\r\ndrove 150\r\n" in after
    assert board.brick is not None
    assert board.brick.distance_mm == pytest.approx(150, abs=2)
    # Then the REPL is back.
    assert b">>> " in _talk(port, b"\r", b">>> ", 10)


def test_a_soft_reset_without_autostart_leaves_the_program_to_the_host(
        tmp_path: Path, robokit_board: Serve) -> None:
    board, port = stored(tmp_path, robokit_board, autostart=False)
    _talk(port, b"\x03\x02", b">>> ")
    got = _talk(port, b"\x04", b"for more information.\r\n>>> ").decode("utf-8", "replace")
    after = got.split("MPY: soft reboot\r\n", 1)[1]
    assert "ready (no button: start programs from the host)" in after  # main.py ran
    assert "stored program here" not in after
    assert board.bricks_made == 0
