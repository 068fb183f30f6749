"""Pybricks programs that talk to a computer over stdin/stdout (Pybricks' "PC
communication" pattern) run in the simulator: ``stdout.buffer.write``, ``uselect.poll``
on stdin, on the simulated clock, and ``stdin.buffer.read`` of the run's input
(robokit.sim.stdio)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.sim import simulate


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


#: The pattern of Pybricks' tutorial (pc-communication), as a robot: it says it is ready,
#: polls stdin until a command of three bytes is there, reads it and acts on it.
PC_PROGRAM = """\
    from pybricks.hubs import PrimeHub
    from pybricks.pupdevices import Motor
    from pybricks.parameters import Port, Direction
    from pybricks.robotics import DriveBase
    from pybricks.tools import wait

    from usys import stdin, stdout
    from uselect import poll

    hub = PrimeHub()
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    right = Motor(Port.B)
    robot = DriveBase(left, right, 56, 112)

    keyboard = poll()
    keyboard.register(stdin)

    while True:
        stdout.buffer.write(b"rdy")
        while not keyboard.poll(0):
            wait(10)
        cmd = stdin.buffer.read(3)
        if cmd == b"fwd":
            robot.straight(100)
        elif cmd == b"rev":
            robot.straight(-40)
        elif cmd == b"bye":
            break
        stdout.buffer.write(b" " + cmd + b"\\n")
    print("done")
"""


def test_the_tutorial_pattern_runs_on_the_input_file(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", PC_PROGRAM)
    given = tmp_path / "commands.bin"
    given.write_bytes(b"fwdfwdrevbye")
    r = invoke("run", prog, "--input", given, "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["status"] == "finished", data["error"]
    assert data["output"] == "rdy fwd\nrdy fwd\nrdy rev\nrdydone\n"
    assert data["distance_mm"] == pytest.approx(240, abs=3)
    assert data["pose"]["x_mm"] == pytest.approx(160, abs=3)


def test_the_pattern_without_input_waits_until_the_runs_end(tmp_path: Path) -> None:
    # No input: poll(0) never finds any, so the robot waits (in simulated time) for a
    # command, as a hub with no computer talking to it; the run ends at its duration.
    prog = write(tmp_path / "main.py", PC_PROGRAM)
    result = simulate(prog, duration=2.0, hang_budget_s=2.0)
    assert result.status == "timeout", result.traceback
    assert result.sim_time_s == pytest.approx(2.0)
    assert result.output == "rdy"  # the line without its newline, at the end


def test_poll_waits_its_timeout_in_simulated_time(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", """\
        import utime
        import uselect
        from usys import stdin

        p = uselect.poll()
        p.register(stdin, uselect.POLLIN)
        t0 = utime.ticks_us()
        print("none", p.poll(250), utime.ticks_diff(utime.ticks_us(), t0) // 1000)
        t0 = utime.ticks_us()
        print("at once", p.poll(0), utime.ticks_diff(utime.ticks_us(), t0) // 1000)
        p.unregister(stdin)
        p.poll(-1)
        print("never")
    """)
    times: list[float] = []
    result = simulate(prog, duration=3.0, hang_budget_s=2.0,
                      on_output=lambda line, t: times.append(t))
    assert result.status == "timeout", result.traceback
    assert result.output == "none [] 250\nat once [] 0\n"
    assert result.sim_time_s == pytest.approx(3.0)
    # (the 250 ms went by in simulated time: the lines carry the clock they came at)
    assert times[0] == pytest.approx(0.25, abs=0.005)


def test_poll_reports_stdin_while_input_is_left(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", """\
        import sys
        import select
        import utime

        p = select.poll()
        p.register(sys.stdin)
        ready = p.poll(1000)
        print(len(ready), ready[0][0] is sys.stdin, ready[0][1] == select.POLLIN)
        print(sys.stdin.buffer.read(2), sys.stdin.read(1), sys.stdin.buffer.read(10))
        print(p.poll(40), utime.ticks_ms() // 10 * 10)
        print(list(p.ipoll(0)), sys.stdin.buffer.read(5))
    """)
    result = simulate(prog, input="abcd\n", duration=5.0)
    assert result.status == "finished", result.traceback
    assert result.output == ("1 True True\n"
                             "b'ab' c b'd\\n'\n"
                             "[] 40\n"
                             "[] b''\n")


def test_bytes_written_are_the_programs_output(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", """\
        from usys import stdout, stderr
        from pybricks.tools import wait

        print(stdout.buffer.write(b"ab"), end="")
        wait(500)
        stdout.buffer.write(bytearray(b"c\\n"))
        stdout.buffer.write(b"\\xc3")
        stdout.buffer.write(b"\\xa9\\xff|")
        stderr.buffer.write(b"err\\n")
        stdout.buffer.write(b"tail")
    """)
    lines: list[tuple[str, float]] = []
    result = simulate(prog, on_output=lambda line, t: lines.append((line, t)))
    assert result.status == "finished", result.traceback
    assert result.output == "ab2c\né\\xff|err\ntail"
    # A line is passed on when its newline comes (at 0.5 s), as print(..., end="") is.
    assert lines[0][0] == "ab2c" and lines[0][1] == pytest.approx(0.5, abs=0.01)
    assert [line for line, _ in lines] == ["ab2c", "é\\xff|err", "tail"]


def test_the_buffer_takes_text_too_as_micropython_does(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", """\
        from usys import stdout
        print(stdout.buffer.write("rdé"), stdout.buffer.write(b"!\\n"))
        stdout.buffer.write(3)
    """)
    result = simulate(prog)
    assert result.output == "rdé!\n4 2\n"
    assert result.error is not None
    assert (result.error["type"], result.error["line"]) == ("TypeError", 3)


def test_polling_what_the_simulator_cannot_poll_names_the_line(tmp_path: Path) -> None:
    prog = write(tmp_path / "main.py", """\
        import uselect

        p = uselect.poll()
        with open(__file__) as f:
            p.register(f)
    """)
    result = simulate(prog)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["line"] == 5
    assert "can poll only the program's stdin" in result.error["message"]
    assert "TextIOWrapper" in result.error["message"]


def test_exact_refuses_a_program_that_polls_stdin_in_one_line(tmp_path: Path) -> None:
    # In MicroPython's VM, stdin is not the run's input and poll() waits in real time:
    # the program would look hung there, so --exact says so at the line, before the run.
    from robokit.virtual.mpvm import micropython_path

    if micropython_path() is None:
        pytest.skip("MicroPython's unix port (micropython) is not installed")
    prog = write(tmp_path / "main.py", PC_PROGRAM)
    r = invoke("run", prog, "--exact")
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "main.py:16: --exact cannot run a program that polls its stdin" in lines[0]
    assert "leave out --exact" in lines[0]
