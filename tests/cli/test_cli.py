"""The ``robokit`` command line: messages, exit codes, --json, telemetry and plot files.

Most tests run the real console script in a subprocess (the exit code and "no traceback"
must hold for what users run); a few use click's CliRunner in-process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

import robokit
from robokit.cli import main
from robokit.sim.world import BUILTIN_WORLDS

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
ROBOKIT_DIR = str(Path(robokit.__file__).resolve().parent)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUMMARY_KEYS = {"status", "sim_time_s", "wall_time_s", "real_time_factor", "start_pose",
                "pose", "distance_mm", "output", "error"}


def _robokit_exe() -> str:
    exe = shutil.which("robokit")
    if exe is None:
        candidate = Path(sys.executable).parent / "robokit"
        if candidate.exists():
            exe = str(candidate)
    if exe is None:  # pragma: no cover - the package is installed for the tests
        pytest.skip("the robokit console script is not installed")
    return exe


def robokit_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120
                ) -> subprocess.CompletedProcess[str]:
    """Run the real ``robokit`` console script."""
    env = dict(os.environ, NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([_robokit_exe(), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=timeout)


def assert_usage_error(proc: Any, *expected: str) -> str:
    """Exit 2, one line (plus a caret excerpt for syntax errors) on stderr, no traceback."""
    code = proc.returncode if hasattr(proc, "returncode") else proc.exit_code
    err = proc.stderr
    assert code == 2, (code, proc.stdout, err)
    assert "Traceback" not in err and "Traceback" not in proc.stdout
    assert err.startswith("robokit: run: "), err
    assert err.count("robokit: run:") == 1, err
    for text in expected:
        assert text in err, (text, err)
    return err


# ---------------------------------------------------------------------------------------
# Bad input: one clear message, exit 2
# ---------------------------------------------------------------------------------------


def test_syntax_error_shows_file_line_and_caret(tmp_path: Path) -> None:
    prog = tmp_path / "oops.py"
    prog.write_text("from robokit import robot\n\nrobot.drive_base.straight(100\nprint('x')\n")
    err = assert_usage_error(robokit_cli("run", prog, cwd=tmp_path), "oops.py:3", "syntax error")
    lines = err.rstrip("\n").splitlines()
    assert lines[1].strip() == "robot.drive_base.straight(100"
    assert lines[2].strip() == "^"
    # the caret sits under the opening parenthesis that was never closed
    assert lines[2].index("^") == lines[1].index("(")


def test_missing_program_file(tmp_path: Path) -> None:
    proc = robokit_cli("run", "no_such_program.py", cwd=tmp_path)
    err = assert_usage_error(proc, "no_such_program.py")
    assert len(err.strip().splitlines()) == 1


def test_unknown_world_lists_the_builtin_worlds() -> None:
    proc = robokit_cli("run", PROGRAMS / "still.py", "--world", "moon")
    err = assert_usage_error(proc, "moon")
    for name in BUILTIN_WORLDS:
        assert name in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("world", "expected"), [
    ("broken.toml", ("broken.toml:3", "background", "plaid")),
    ("bad_syntax.toml", ("bad_syntax.toml:3",)),
])
def test_broken_world_file(world: str, expected: tuple[str, ...]) -> None:
    proc = robokit_cli("run", PROGRAMS / "still.py", "--world", PROGRAMS / "worlds" / world)
    err = assert_usage_error(proc, *expected)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("robot", "expected"), [
    ("bad_syntax.toml", ("bad_syntax.toml:2", "TOML")),
    ("two_on_one_port.toml", ("two_on_one_port.toml:9", "devices.eye.port", "Port.A",
                              "left_motor")),
    ("unknown_model.toml", ("unknown_model.toml:6", "devices.left_motor.model", "warp_drive",
                            "spike_medium")),
    ("missing_motor.toml", ("missing_motor.toml:9", "drive_base.right", "right_motor")),
])
def test_broken_robot_toml(robot: str, expected: tuple[str, ...]) -> None:
    proc = robokit_cli("run", PROGRAMS / "still.py", "--robot", PROGRAMS / "robots" / robot)
    err = assert_usage_error(proc, *expected)
    assert len(err.strip().splitlines()) == 1


def test_plot_needs_an_svg_or_png_name(tmp_path: Path) -> None:
    """Refused before the run, in one line: the option, the name, the names that work."""
    proc = robokit_cli("run", PROGRAMS / "still.py", "--plot", tmp_path / "plot.jpg")
    err = assert_usage_error(proc, "--plot", "plot.jpg", "plot.svg or plot.png")
    assert len(err.strip().splitlines()) == 1
    assert proc.stdout == ""  # nothing ran
    assert not (tmp_path / "plot.jpg").exists()


@pytest.mark.parametrize("name", ["lap.svg", "lap"])
def test_plot_svg_is_written_by_the_cli(tmp_path: Path, name: str) -> None:
    """--plot FILE.svg (and a name with no suffix) writes the SVG picture."""
    import xml.etree.ElementTree as ET

    out = tmp_path / name
    proc = robokit_cli("run", PROGRAMS / "follow_short.py", "--plot", out)
    assert proc.returncode == 0, proc.stderr
    assert f"plot       {out}" in proc.stdout
    svg = ET.fromstring(out.read_text(encoding="utf-8"))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find(".//{http://www.w3.org/2000/svg}path[@id='path']") is not None


def test_bad_directive_is_a_usage_error() -> None:
    result = invoke("run", PROGRAMS / "bad_directive.py")
    assert_usage_error(result, "bad_directive.py:2", "speed=5")


# ---------------------------------------------------------------------------------------
# The program's own errors: exit 1, traceback in the user's terms
# ---------------------------------------------------------------------------------------


def _assert_only_user_frames(text: str, program: str) -> None:
    assert "site-packages" not in text
    assert ROBOKIT_DIR not in text
    assert "robokit/" not in text.replace(str(ROOT), "<root>")
    for line in text.splitlines():
        if line.lstrip().startswith('File "'):
            assert program in line, line


def test_program_exception_maps_to_the_users_lines() -> None:
    proc = robokit_cli("run", "boom.py", cwd=PROGRAMS)
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr
    assert err.startswith("Traceback (most recent call last):")
    assert 'File "boom.py", line 11, in <module>' in err
    assert 'File "boom.py", line 8, in divide' in err
    assert err.rstrip().endswith("ZeroDivisionError: division by zero")
    _assert_only_user_frames(err, "boom.py")
    assert "status     error" in proc.stdout


def test_program_exception_json_error_object() -> None:
    proc = robokit_cli("run", PROGRAMS / "boom.py", "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "error"
    error = data["error"]
    assert error["type"] == "ZeroDivisionError"
    assert error["message"] == "division by zero"
    assert error["file"].endswith("boom.py")
    assert error["line"] == 8
    assert "Traceback" not in proc.stdout
    assert data["distance_mm"] == pytest.approx(50, abs=1)  # it drove before it failed


def test_device_on_the_wrong_port() -> None:
    proc = robokit_cli("run", "wrong_port.py", cwd=PROGRAMS)
    assert proc.returncode == 1
    err = proc.stderr
    # One line naming the program's line, no traceback.
    assert err.strip().splitlines() == [
        "robokit: run: wrong_port.py:4: no ColorSensor on Port.A: the robot has a Motor "
        "(left_motor) there"]
    assert "never printed" not in proc.stdout


def test_device_on_the_wrong_port_json() -> None:
    result = invoke("run", PROGRAMS / "wrong_port.py", "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "DeviceError"
    assert error["message"].startswith("no ColorSensor on Port.A: the robot has a Motor")
    assert error["file"].endswith("wrong_port.py") and error["line"] == 4


# ---------------------------------------------------------------------------------------
# --json
# ---------------------------------------------------------------------------------------


def test_json_finished() -> None:
    proc = robokit_cli("run", ROOT / "examples" / "square.py", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # the whole of stdout is one JSON object
    assert isinstance(data, dict)
    assert SUMMARY_KEYS <= set(data)
    assert data["status"] == "finished"
    assert data["error"] is None
    for key in ("start_pose", "pose"):
        assert set(data[key]) == {"x_mm", "y_mm", "heading_deg"}
    assert data["pose"]["x_mm"] == pytest.approx(0, abs=5)
    assert data["pose"]["y_mm"] == pytest.approx(0, abs=5)
    assert data["pose"]["heading_deg"] == pytest.approx(-360, abs=2)
    assert data["distance_mm"] == pytest.approx(1600, abs=5)
    assert data["sim_time_s"] > 0 and data["wall_time_s"] > 0
    assert data["real_time_factor"] == pytest.approx(data["sim_time_s"] / data["wall_time_s"],
                                                     rel=0.05)
    # the program's prints go into "output", not onto stdout around the JSON
    assert data["output"].splitlines()[0] == "side 1 done: 400 mm driven"
    assert proc.stderr == ""


def test_json_timeout_runs_exactly_the_duration() -> None:
    proc = robokit_cli("run", PROGRAMS / "forever.py", "--duration", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "timeout"
    assert data["sim_time_s"] == 2.0
    assert data["output"] == "waiting\n"
    assert data["error"] is None


def test_timeout_summary_without_json() -> None:
    result = invoke("run", PROGRAMS / "forever.py", "--duration", "0.5")
    assert result.exit_code == 0
    assert "timeout" in result.stdout
    assert "0.500 s" in result.stdout


# ---------------------------------------------------------------------------------------
# Output files
# ---------------------------------------------------------------------------------------


def test_telemetry_csv_json_and_plot_are_written(tmp_path: Path) -> None:
    csv_path, json_path, png = tmp_path / "t.csv", tmp_path / "t.json", tmp_path / "p.png"
    proc = robokit_cli("run", PROGRAMS / "follow_short.py", "--telemetry", csv_path,
                       "--plot", png)
    assert proc.returncode == 0, proc.stderr
    assert str(csv_path) in proc.stdout and str(png) in proc.stdout
    rows = list(csv.reader(io.StringIO(csv_path.read_text())))
    header = rows[0]
    assert header[:4] == ["t_ms", "x_mm", "y_mm", "heading_deg"]
    assert "color_sensor" in header
    assert len(rows) - 1 == 151  # 3 s at 50 Hz (0 to 2,980 ms), and the end (3,000 ms)
    t = [float(r[0]) for r in rows[1:]]
    assert t[0] == 0.0 and t[1] == 20.0
    assert png.read_bytes()[:8] == PNG_SIGNATURE

    result = invoke("run", PROGRAMS / "printer.py", "--telemetry", json_path)
    assert result.exit_code == 0
    data = json.loads(json_path.read_text())
    assert {"columns", "rows", "events", "output"} <= set(data)
    assert data["columns"][0] == "t_ms"
    assert all(len(r) == len(data["columns"]) for r in data["rows"])
    assert [o["text"] for o in data["output"]] == ["first", "second", "third"]


def test_telemetry_needs_csv_or_json(tmp_path: Path) -> None:
    result = invoke("run", PROGRAMS / "still.py", "--telemetry", tmp_path / "t.txt")
    assert_usage_error(result, "--telemetry", "t.txt")


def test_same_seed_same_telemetry_across_processes(tmp_path: Path) -> None:
    """Determinism holds between separate runs of the command (hash seeds differ)."""
    paths = [tmp_path / f"run{i}.csv" for i in range(3)]
    for p, seed in zip(paths, ("7", "7", "8"), strict=True):
        proc = robokit_cli("run", PROGRAMS / "follow_short.py", "--seed", seed,
                           "--duration", "1", "--telemetry", p)
        assert proc.returncode == 0, proc.stderr
    a, b, c = (p.read_bytes() for p in paths)
    assert a == b
    assert a != c


# ---------------------------------------------------------------------------------------
# Live output, worlds
# ---------------------------------------------------------------------------------------


def test_prints_come_in_order_before_the_summary() -> None:
    proc = robokit_cli("run", PROGRAMS / "printer.py")
    assert proc.returncode == 0
    out = proc.stdout
    positions = [out.index(s) for s in ("first\n", "second\n", "third\n", "status ")]
    assert positions == sorted(positions)
    assert out.startswith("first\nsecond\nthird\n")


def test_prints_are_live(tmp_path: Path) -> None:
    """A line the program prints reaches stdout while the program is still running: the
    program prints, then waits (in simulated time) for a file the test creates only after
    it has read that line."""
    flag = tmp_path / "go"
    prog = tmp_path / "live.py"
    prog.write_text(textwrap.dedent(f"""\
        import os
        from robokit import wait
        print("ready")
        while True:
            try:
                os.stat({str(flag)!r})  # (a brick's os has no os.path: the check refuses it)
                break
            except OSError:
                wait(1)
        print("done")
    """))
    env = dict(os.environ, NO_COLOR="1")
    with subprocess.Popen([_robokit_exe(), "run", str(prog), "--duration", "3600"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as p:
        assert p.stdout is not None
        try:
            first = p.stdout.readline()
            still_running = p.poll() is None
            flag.touch()
            rest, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
    assert first == "ready\n"
    assert still_running, "the line arrived only after the run ended"
    assert p.returncode == 0, err
    assert rest.startswith("done\n")
    assert "finished" in rest


def test_worlds_lists_the_six_builtin_worlds() -> None:
    proc = robokit_cli("worlds")
    assert proc.returncode == 0, proc.stderr
    names = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert names == ["empty", "oval", "arena", "maze", "sumo", "mat"]
    assert list(BUILTIN_WORLDS) == names


def test_folder_with_main_and_robot_toml_beside(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("from robokit import robot\nrobot.drive_base.straight(100)\n")
    (tmp_path / "robot.toml").write_text(textwrap.dedent("""\
        name = "big wheels"
        [devices.left_motor]
        type = "Motor"
        port = "A"
        positive_direction = "counterclockwise"
        [devices.right_motor]
        type = "Motor"
        port = "B"
        [drive_base]
        left = "left_motor"
        right = "right_motor"
        wheel_diameter = 88
        axle_track = 150
    """))
    result = invoke("run", tmp_path, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["robot"] == "big wheels"
    assert data["status"] == "finished"
    assert data["pose"]["x_mm"] == pytest.approx(100, abs=2)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_exits_130_without_a_traceback(ctrl_c_able: Any) -> None:
    import signal

    env = dict(os.environ, NO_COLOR="1")
    with subprocess.Popen(ctrl_c_able([_robokit_exe(), "run", str(PROGRAMS / "forever.py"),
                                       "--duration", "100000"]),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as p:
        assert p.stdout is not None
        try:
            assert p.stdout.readline() == "waiting\n"  # the program is in its loop
            p.send_signal(signal.SIGINT)
            _out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
    assert p.returncode == 130
    assert err == "robokit: run: interrupted\n"


def test_json_reports_bad_input_as_one_object_too(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from robokit import wait\nwait(10\n")
    proc = robokit_cli("run", bad, "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert data["error"]["type"] == "ProgramError"
    assert data["error"]["line"] == 2
    assert data["error"]["file"].endswith("bad.py")
    assert "bad.py:2" in proc.stderr


# ---------------------------------------------------------------------------------------
# The one error handler
# ---------------------------------------------------------------------------------------


def test_every_command_goes_through_the_one_error_handler() -> None:
    import click

    from robokit.cli._errors import Command, Group

    def walk(group: click.Group) -> list[click.Command]:
        found: list[click.Command] = []
        ctx = click.Context(group)  # the commands as click finds them (imported lazily)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if isinstance(cmd, click.Group):
                assert isinstance(cmd, Group), cmd.name
                found += walk(cmd)
            else:
                found.append(cmd)
        return found

    commands = walk(main)
    assert len(commands) == 18  # batch joined the 15, robot (robokit robot --from) the 16,
    # start (the stored program) the 17
    for cmd in commands:
        assert isinstance(cmd, Command), cmd.name


def test_a_robokit_error_in_a_sub_command_names_it_and_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken_kit.py"
    broken.write_text("BOARD = 1\n")
    r = invoke("board", "check", broken)
    assert r.exit_code == 2
    assert r.stderr.startswith("robokit: board check: ") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr + r.stdout


def test_ctrl_c_in_any_command_exits_130_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import robokit.kits

    def interrupted() -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(robokit.kits, "list_boards", interrupted)
    r = invoke("board", "list")
    assert r.exit_code == 130
    assert r.stderr == "robokit: board list: interrupted\n"


@pytest.mark.parametrize("robot", [
    {"name": "r", "devices": "left motor on A"},
    {"name": "r", "devices": {"left": "motor A"}},
    {"name": "r", "devices": ["motor"]},
    {"name": ["r"], "hub": "spike"},
    {"hub": {"type": ["x"]}, "devices": {"left": {"type": {"k": 1}, "port": None}}},
])
def test_inspect_shows_a_bundle_whose_robot_has_an_odd_shape(tmp_path: Path,
                                                             robot: dict[str, Any]) -> None:
    """The hashes are valid, so the bundle is what its maker wrote: inspect shows what the
    robot configuration holds (run refuses it later with its own message), no traceback."""
    from dataclasses import replace

    from robokit.compiler.bundle import Bundle

    program = tmp_path / "p.py"
    program.write_text("print(1)\n", encoding="utf-8")
    built = invoke("compile", program, "-o", tmp_path / "p.rkb", "-q")
    assert built.exit_code == 0, built.output
    bundle = Bundle.read(tmp_path / "p.rkb")
    odd = tmp_path / "odd.rkb"
    odd.write_bytes(replace(bundle, robot=robot).to_bytes())
    r = invoke("inspect", odd)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 0, r.output
    assert "verified    yes" in r.stdout
    line = next(x for x in r.stdout.splitlines() if x.startswith("robot "))
    assert line.split()[1].rstrip(":") in ("r", "['r']", "?")


# ---------------------------------------------------------------------------------------
# Issue 13: contacts, one heading convention, no "-0", syntax errors as before
# ---------------------------------------------------------------------------------------


def test_a_robot_stuck_against_a_wall_says_so_in_summary_and_json(tmp_path: Path) -> None:
    prog = tmp_path / "stuck.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.straight(2000)\n",
                    encoding="utf-8")
    proc = invoke("run", prog, "--world", "arena", "--duration", "12")
    assert proc.exit_code == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("contacts"))
    assert line.startswith("contacts   1 (first at ")
    assert "longest push" in line
    # Start at y=-800: the wall stops the body's front at y=1000, after about 8.8 s.
    first = float(line.split("first at ")[1].split(" s")[0])
    longest = float(line.split("longest push ")[1].split(" s")[0])
    assert 5 < first < 12
    assert longest == pytest.approx(12 - first, abs=0.01)
    proc = invoke("run", prog, "--world", "arena", "--duration", "12", "--json")
    data = json.loads(proc.stdout)
    assert data["contacts"]["count"] == 1
    assert data["contacts"]["first_s"] == pytest.approx(first, abs=0.001)
    assert data["contacts"]["longest_s"] == pytest.approx(longest, abs=0.001)


def test_summary_heading_is_what_the_program_read(tmp_path: Path) -> None:
    """Pybricks' convention (clockwise-positive, 0 at the start) in the summary and in
    the JSON's imu_heading_deg; the world-frame pose.heading_deg is counterclockwise."""
    prog = tmp_path / "spin.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.turn(-720)\n"
                    "print(round(robot.hub.imu.heading()))\n", encoding="utf-8")
    proc = invoke("run", prog)
    assert proc.exit_code == 0, proc.stderr
    printed = int(proc.stdout.splitlines()[0])
    assert printed == pytest.approx(-720, abs=2)
    pose = next(ln for ln in proc.stdout.splitlines() if ln.startswith("pose"))
    shown = float(pose.split("heading=")[1].split("°")[0])
    assert shown == pytest.approx(printed, abs=1)
    assert "clockwise-positive" in proc.stdout
    # A turn in place ends at x=0, y=0 (a tiny negative is not "-0").
    assert pose.startswith("pose       x=0 mm, y=0 mm, ")
    assert "-0 " not in proc.stdout
    data = json.loads(invoke("run", prog, "--json").stdout)
    assert data["imu_heading_deg"] == pytest.approx(printed, abs=1)
    assert data["pose"]["heading_deg"] == pytest.approx(720, abs=2)  # world frame, CCW


def test_fmt_pose_never_says_minus_zero() -> None:
    from robokit.cli._output import fmt_pose

    assert fmt_pose((-0.3, -1e-13, -0.04)) == "x=0 mm, y=0 mm, heading=0.0°"
    assert fmt_pose((-0.6, 2.0, 1.0), heading=-0.01) == "x=-1 mm, y=2 mm, heading=0.0°"


def test_syntax_error_in_a_module_is_still_one_message_with_a_caret(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    prog = tmp_path / "main_prog.py"
    prog.write_text("import helper\n", encoding="utf-8")
    err = assert_usage_error(robokit_cli("run", prog, cwd=tmp_path), "helper.py:1",
                             "syntax error")
    assert "^" in err
    proc = robokit_cli("run", prog, "--json", cwd=tmp_path)
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["error"]["line"] == 1 and data["error"]["file"].endswith("helper.py")


def test_the_summary_gives_the_real_time_factor_only_of_a_run_that_took_time(
        tmp_path: Path) -> None:
    """A program that ends before its clock moves has no speed to show: '0× real time'
    would say the simulator crawled."""
    quick = tmp_path / "quick.py"
    quick.write_text("from robokit import *\nhub = Hub()\nprint('hi')\n")
    slow = tmp_path / "slow.py"
    slow.write_text("from robokit import *\nhub = Hub()\nwait(500)\n")
    lines = {}
    for p in (quick, slow):
        r = invoke("run", p)
        assert r.exit_code == 0, r.output
        lines[p.name] = next(ln for ln in r.stdout.splitlines() if ln.startswith("sim time"))
    assert lines["quick.py"].startswith("sim time   0.000 s   wall ")
    assert "real time" not in lines["quick.py"]
    assert lines["slow.py"].startswith("sim time   0.500 s   wall ")
    assert lines["slow.py"].endswith("× real time)")
