"""robokit.sim.simulate: running programs from Python (hangs, busy-waits, determinism,
local modules, directives, output timestamps) and the ``robokit_sim`` pytest fixture."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from robokit.errors import CheckError, ProgramError
from robokit.sim import simulate

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# Loops: a hang is stopped, a busy-wait on a sensor is not a hang
# ---------------------------------------------------------------------------------------


def test_a_loop_that_touches_nothing_is_stopped_and_named() -> None:
    result = simulate(PROGRAMS / "hang.py", hang_budget_s=0.5)
    assert result.status == "error"
    assert not result.ok
    error = result.error
    assert error is not None
    assert error["type"] == "ProgramHang"
    assert error["file"].endswith("hang.py")
    assert error["line"] in (3, 4)  # the while line, or its body, depending on the Python
    assert f"hang.py:{error['line']}" in error["message"]
    assert "wait" in error["message"]
    assert result.sim_time_s == 0.0  # simulated time stood still
    assert result.output == "about to hang\n"
    assert result.traceback is not None and "ProgramHang" in result.traceback


def test_a_hang_inside_a_function_names_the_loop(tmp_path: Path) -> None:
    prog = write(tmp_path / "spin.py", """\
        from robokit import wait

        def spin():
            n = 0
            while n >= 0:
                n = (n + 1) % 1000

        wait(100)
        spin()
    """)
    result = simulate(prog, hang_budget_s=0.5)
    assert result.error is not None and result.error["type"] == "ProgramHang"
    assert result.error["line"] in (5, 6)
    assert result.sim_time_s == pytest.approx(0.1, abs=0.001)


def test_busy_wait_on_a_sensor_finishes() -> None:
    """Each device call costs simulated time, so polling the bumper in a loop with no wait
    lets the robot reach the wall: the run finishes, pressed against the south wall."""
    result = simulate(PROGRAMS / "busy_wait.py", hang_budget_s=2.0)
    assert result.status == "finished", result.traceback
    assert result.world.name == "arena"
    assert result.output.startswith("pressed after ")
    polls = int(result.output.split()[2])
    assert polls > 1000  # the loop really spun, and time moved on every poll
    x, y, heading = result.pose
    front = result.brick.robot["body"]["front"]
    assert y - front == pytest.approx(-1000, abs=3)  # the bumper is at the wall's inner face
    assert heading == pytest.approx(-90, abs=1)


# ---------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------


def test_same_seed_with_noise_gives_identical_telemetry() -> None:
    prog = PROGRAMS / "follow_short.py"
    a = simulate(prog, seed=3, duration=1.5)
    b = simulate(prog, seed=3, duration=1.5)
    c = simulate(prog, seed=4, duration=1.5)
    assert a.brick.noise and a.brick.seed == 3
    assert a.telemetry.to_csv() == b.telemetry.to_csv()
    assert a.pose == b.pose
    assert a.telemetry.to_csv() != c.telemetry.to_csv()


def test_without_noise_runs_are_identical_and_noise_changes_them() -> None:
    prog = PROGRAMS / "follow_short.py"
    a = simulate(prog, duration=1.5)
    b = simulate(prog, duration=1.5)
    assert not a.brick.noise
    assert a.telemetry.to_csv() == b.telemetry.to_csv()
    noisy = simulate(prog, noise=True, duration=1.5)
    assert noisy.telemetry.to_csv() != a.telemetry.to_csv()
    # noise=True alone is seed 0
    assert noisy.telemetry.to_csv() == simulate(prog, seed=0, duration=1.5).telemetry.to_csv()
    # a seed with noise=False is no noise at all
    assert simulate(prog, seed=5, noise=False, duration=1.5).telemetry.to_csv() == \
        a.telemetry.to_csv()


# ---------------------------------------------------------------------------------------
# The program's own modules
# ---------------------------------------------------------------------------------------


def test_local_module_import_is_fresh_on_every_run(tmp_path: Path) -> None:
    write(tmp_path / "helper.py", """\
        GREETING = "first version"
        calls = []
    """)
    prog = write(tmp_path / "main_prog.py", """\
        import helper

        helper.calls.append(1)
        print(helper.GREETING, len(helper.calls))
    """)
    first = simulate(prog)
    assert first.status == "finished", first.traceback
    assert first.output == "first version 1\n"
    assert "helper" not in sys.modules
    assert str(tmp_path) not in sys.path
    # a changed helper (of a different size, so no stale bytecode can match) is read afresh
    write(tmp_path / "helper.py", """\
        GREETING = "the second version"
        calls = []
    """)
    second = simulate(prog)
    assert second.output == "the second version 1\n"  # a fresh module: calls started empty


def test_error_in_a_local_module_points_into_it(tmp_path: Path) -> None:
    write(tmp_path / "util.py", """\
        def half(x):
            return x / 0
    """)
    prog = write(tmp_path / "uses_util.py", """\
        from util import half

        half(4)
    """)
    result = simulate(prog)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["file"].endswith("util.py") and result.error["line"] == 2
    assert result.traceback is not None
    assert "uses_util.py" in result.traceback and "util.py" in result.traceback


def test_syntax_error_in_a_local_module_names_that_module(tmp_path: Path) -> None:
    # Found when the program is compiled, before anything runs: a status, not an exception.
    write(tmp_path / "broken_helper.py", "x = 1\ny = (\n")
    prog = write(tmp_path / "imports_it.py", "import broken_helper\n")
    result = simulate(prog, world="arena")
    assert result.status == "error" and not result.ok and not result.ran
    assert result.error is not None
    assert result.error["type"] == "SyntaxError"
    assert result.error["file"].endswith("broken_helper.py")
    assert result.error["line"] == 2
    assert "syntax error" in result.error["message"]
    assert result.traceback is not None and "^" in result.traceback
    # It never ran: no time, no motion, and the world and robot are the run's.
    assert result.sim_time_s == 0 and result.distance_mm == 0
    assert result.pose == result.start_pose
    assert result.world.name == "arena"
    assert "SyntaxError" in repr(result)


def test_syntax_error_in_the_program_is_a_status_with_file_and_line(tmp_path: Path) -> None:
    prog = write(tmp_path / "oops.py",
                 "from robokit import robot\n\nrobot.drive_base.straight(100\n")
    result = simulate(prog)
    assert result.status == "error"
    assert result.error is not None
    assert result.error["type"] == "SyntaxError"
    assert result.error["file"].endswith("oops.py") and result.error["line"] == 3
    assert result.to_dict()["error"]["line"] == 3
    assert result.to_dict()["status"] == "error"


def test_bad_settings_still_raise_with_a_syntax_error_in_the_program(tmp_path: Path) -> None:
    from robokit.errors import WorldError

    prog = write(tmp_path / "oops.py", "x = (\n")
    with pytest.raises(WorldError):
        simulate(prog, world="no_such_world_here")
    with pytest.raises(ProgramError, match="duration"):
        simulate(prog, duration=-1)
    (tmp_path / "robot.toml").write_text("[robot\n", encoding="utf-8")
    from robokit.errors import ConfigError

    with pytest.raises(ConfigError):
        simulate(prog)


def test_run_result_repr_says_what_happened(tmp_path: Path) -> None:
    prog = write(tmp_path / "fails.py", """\
        from robokit import robot
        robot.drive_base.straight(100)
        1 / 0
    """)
    result = simulate(prog)
    text = repr(result)
    assert text.startswith("RunResult(")
    for part in ("status='error'", "fails.py", "world='empty'", "sim_time_s=",
                 "x=100.", "imu_heading=0.0°", "distance_mm=100.", "ZeroDivisionError",
                 "fails.py:3"):
        assert part in text, (part, text)
    assert "-0.0" not in text


def test_every_public_field_of_run_result_is_documented() -> None:
    from robokit.sim import RunResult

    result = simulate(PROGRAMS / "still.py")
    public = {n for n in dir(result) if not n.startswith("_")} - {"to_dict"}
    doc = RunResult.__doc__ or ""
    missing = [n for n in sorted(public) if f"``{n}``" not in doc]
    assert not missing, missing
    guide = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    missing = [n for n in sorted(public) if f"`{n}`" not in guide]
    assert not missing, missing


def test_program_can_ask_stdout_the_usual_questions(tmp_path: Path) -> None:
    prog = write(tmp_path / "asks.py", """\
        import sys
        print(sys.stdout.isatty(), sys.stdout.encoding.lower().replace("-", ""))
        sys.stdout.write("done\\n")
        sys.stdout.flush()
    """)
    result = simulate(prog)
    assert result.status == "finished", result.traceback
    assert result.output == "False utf8\ndone\n"


def test_installed_packages_in_the_program_folder_are_refused_not_imported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project folder often holds its own virtual environment (.venv).  Packages installed
    there are not the program's modules and not on the brick: the check refuses the import
    (so a run never imports, or later drops, such a library)."""
    site = tmp_path / ".venv" / "lib" / "python3" / "site-packages"
    (site / "fakelib_rk").mkdir(parents=True)
    (site / "fakelib_rk" / "__init__.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(site))
    prog = write(tmp_path / "prog.py", """\
        import fakelib_rk
        print(fakelib_rk.VALUE)
    """)
    with pytest.raises(CheckError, match=r"prog\.py:1: 'fakelib_rk' is neither a module"):
        simulate(prog)
    assert "fakelib_rk" not in sys.modules


# ---------------------------------------------------------------------------------------
# Directives
# ---------------------------------------------------------------------------------------


def test_directive_sets_world_and_duration() -> None:
    result = simulate(PROGRAMS / "directive.py")
    assert result.world.name == "oval"
    assert result.status == "timeout"
    assert result.sim_time_s == 5.0
    # arguments win over the directive
    result = simulate(PROGRAMS / "directive.py", world="empty", duration=0.5)
    assert result.world.name == "empty"
    assert result.sim_time_s == 0.5


def test_bad_directive_is_a_program_error_naming_file_and_line() -> None:
    with pytest.raises(ProgramError) as info:
        simulate(PROGRAMS / "bad_directive.py")
    assert "bad_directive.py:2" in str(info.value)
    assert "speed=5" in str(info.value)
    assert info.value.line == 2
    assert info.value.file is not None and info.value.file.endswith("bad_directive.py")


def test_bad_directive_value(tmp_path: Path) -> None:
    prog = write(tmp_path / "p.py", "# robokit: duration=soon\n")
    with pytest.raises(ProgramError, match=r"p\.py:1: duration='soon'"):
        simulate(prog)


def test_directive_world_file_is_found_next_to_the_program(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "my_world.toml", """\
        name = "mine"
        size = [1000, 1000]
    """)
    prog = write(tmp_path / "p.py", "# robokit: world=my_world.toml\nprint('hi')\n")
    monkeypatch.chdir(ROOT)
    result = simulate(prog)
    assert result.world.name == "mine"


# ---------------------------------------------------------------------------------------
# Output and the pytest fixture
# ---------------------------------------------------------------------------------------


def test_print_output_has_sim_timestamps() -> None:
    seen: list[tuple[str, float]] = []
    result = simulate(PROGRAMS / "printer.py", on_output=lambda line, t: seen.append((line, t)))
    lines = result.telemetry.output
    assert [text for _t, text in lines] == ["first", "second", "third"]
    t = [t_us for t_us, _text in lines]
    assert t[0] < 1000  # at the start (only a few µs of device calls)
    assert 250_000 <= t[1] - t[0] < 251_000
    assert 500_000 <= t[2] - t[1] < 501_000
    assert result.output == "first\nsecond\nthird"
    # on_output gets each line with its simulated time in seconds, in order
    assert [s for s, _ in seen] == ["first", "second", "third"]
    assert [ts for _, ts in seen] == pytest.approx([x / 1e6 for x in t])


def test_robokit_sim_fixture(robokit_sim: Any) -> None:
    result = robokit_sim("examples/square.py")  # relative to the rootdir
    assert result.status == "finished", result.traceback
    x, y, heading = result.pose
    assert abs(x) < 5 and abs(y) < 5
    assert heading == pytest.approx(-360, abs=2)
    assert result.distance_mm == pytest.approx(1600, abs=5)
    timed = robokit_sim(PROGRAMS / "forever.py", duration=0.3)
    assert timed.status == "timeout" and timed.sim_time_s == 0.3


@pytest.mark.slow
def test_robokit_sim_fixture_in_a_fresh_pytest_session(tmp_path: Path, fresh_pytest) -> None:
    """The fixture comes from the installed entry point, with no conftest."""
    write(tmp_path / "test_robot.py", f"""\
        def test_square(robokit_sim):
            result = robokit_sim({str(ROOT / "examples" / "square.py")!r})
            assert result.status == "finished"
            assert result.distance_mm > 1500
    """)
    proc = fresh_pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


@pytest.mark.slow
def test_robokit_sim_fixture_failure_shows_the_programs_traceback(tmp_path: Path,
                                                               fresh_pytest) -> None:
    write(tmp_path / "test_robot.py", f"""\
        def test_boom(robokit_sim):
            result = robokit_sim({str(PROGRAMS / "boom.py")!r})
            assert result.status == "finished"
    """)
    proc = fresh_pytest(tmp_path)
    assert proc.returncode == 1
    assert "ZeroDivisionError: division by zero" in proc.stdout
    assert 'boom.py", line 8' in proc.stdout


def test_telemetry_motor_angles_and_speeds_have_the_programs_sign(tmp_path: Path) -> None:
    # The standard rover's left motor is counterclockwise-positive: forward is positive
    # in the program, and now in the telemetry too.
    prog = write(tmp_path / "fwd.py", """\
        from robokit import robot, wait
        robot.drive_base.drive(100, 0)
        wait(1000)
        print(robot.left_motor.angle(), robot.right_motor.angle())
        print(robot.left_motor.speed(), robot.right_motor.speed())
        robot.drive_base.stop()
    """)
    result = simulate(prog)
    assert result.status == "finished", result.traceback
    angles, speeds = (list(map(int, line.split())) for line in result.output.splitlines())
    rec = result.telemetry
    t = rec.column("t_ms")
    i = t.index(1000.0)
    for side, angle, speed in zip(("left_motor", "right_motor"), angles, speeds, strict=True):
        assert angle > 100 and speed > 100
        assert rec.column(f"{side}_angle")[i] == pytest.approx(angle, abs=3)
        assert rec.column(f"{side}_speed")[i] == pytest.approx(speed, abs=10)


def test_a_caller_printing_beside_a_run_keeps_its_own_stdout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """robokit.connect("sim") (and robokit run --port sim) simulate in a thread of their
    own while the caller goes on: a run of one program took sys.stdout for the whole
    process, so the caller's prints went into the program's output, and one after the
    run's end raised OutputClosed (a traceback out of robokit run --port sim)."""
    import threading
    import time

    prog = write(tmp_path / "busy.py", """\
        from robokit import wait
        print("from the program")
        for i in range(3000):
            wait(1)
        print("program done")
        """)
    box: list[Any] = []
    t = threading.Thread(target=lambda: box.append(simulate(prog, duration=10)))
    t.start()
    printed = 0
    while t.is_alive() or printed < 3:
        print("from the caller")
        printed += 1
        time.sleep(0.001)
    t.join()
    print("after the run")
    out = capsys.readouterr().out
    assert box[0].output == "from the program\nprogram done\n"
    assert out.count("from the caller") == printed
    assert out.endswith("after the run\n")
