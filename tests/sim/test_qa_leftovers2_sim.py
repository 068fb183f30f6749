"""Leftovers of earlier QA rounds, in the simulator: the telemetry ends with a row at the
run's end (its pose is the result's), and DriveBase.curve/arc take odd radii as
Pybricks does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from robokit.sim import simulate
from robokit.sim.recorder import MAX_TELEMETRY_ROWS


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _ends_at_the_result(result, rows=None, within: float = 1e-9) -> None:
    """The telemetry's last row is the run's end: its time and the result's pose
    (``within``: the board's report rounds the rows to 0.001)."""
    rec = result.telemetry
    rows = rec.rows if rows is None else rows
    last = dict(zip(rec.columns, rows[-1], strict=True))
    assert last["t_ms"] == pytest.approx(result.sim_time_s * 1000.0, abs=max(within, 1e-6))
    x, y, heading = result.pose
    assert (last["x_mm"], last["y_mm"], last["heading_deg"]) == pytest.approx(
        (x, y, heading), abs=within)
    times = [row[0] for row in rows]
    assert times == sorted(set(times))  # one row a time, in order


#: A turn that ends between two samples (at 1015.37 ms: not on the 20 ms grid).
TURN = """\
    from robokit import robot, wait
    robot.drive_base.drive(200, 90)
    wait(1015)
"""


def test_a_run_that_ends_between_two_samples_ends_its_telemetry_there(
        tmp_path: Path) -> None:
    result = simulate(write(tmp_path / "turn.py", TURN))
    assert result.status == "finished"
    rows = result.telemetry.rows
    assert rows[-2][0] == 1000.0  # the 50 Hz rows keep their times
    assert rows[-1][0] > 1015.0  # and then the end, where the pose has moved on
    assert abs(rows[-1][2] - rows[-2][2]) > 1.0  # (y: the last 15 ms moved it 3 mm)
    _ends_at_the_result(result)
    # the file --telemetry writes ends there too
    csv_text = result.telemetry.to_csv().splitlines()
    assert csv_text[-1].startswith(f"{round(result.sim_time_s * 1000.0, 3)},")


def test_a_run_stopped_by_its_duration_ends_its_telemetry_at_the_duration(
        tmp_path: Path) -> None:
    result = simulate(write(tmp_path / "turn.py", TURN), duration=0.51)
    assert result.status == "timeout"
    assert result.telemetry.rows[-1][0] == 510.0
    _ends_at_the_result(result)
    # on the 20 ms grid too: the end of a 0.5 s run is a row of its own
    exact = simulate(write(tmp_path / "turn.py", TURN), duration=0.5)
    assert [row[0] for row in exact.telemetry.rows[-2:]] == [480.0, 500.0]
    _ends_at_the_result(exact)


def test_a_row_taken_at_the_end_is_not_taken_twice(tmp_path: Path) -> None:
    prog = write(tmp_path / "sit.py", "from robokit import wait\nwait(1000)\n")
    result = simulate(prog)
    times = [row[0] for row in result.telemetry.rows]
    assert times[-2:] == [980.0, 1000.0]  # (the program's last wait ends on a sample)
    assert len(times) == 51


def test_no_telemetry_stays_no_telemetry(tmp_path: Path) -> None:
    result = simulate(write(tmp_path / "turn.py", TURN), telemetry_hz=0)
    assert result.telemetry.rows == []


def test_a_decimated_run_keeps_the_row_limit_and_ends_at_its_end(tmp_path: Path) -> None:
    # 2 kHz for 50.0013 s: full at 100,000 rows (50 s), halved, then the end
    prog = write(tmp_path / "sit.py", "from robokit import wait\nwait(50001.3)\n")
    result = simulate(prog, telemetry_hz=2000, duration=60)
    rows = result.telemetry.rows
    assert len(rows) <= MAX_TELEMETRY_ROWS
    assert result.telemetry.period_us == 1000  # it was decimated
    _ends_at_the_result(result)


def test_the_exact_mode_ends_its_telemetry_with_the_same_row(tmp_path: Path) -> None:
    from robokit.virtual.exact import missing

    if missing() is not None:
        pytest.skip(str(missing()))
    from robokit.targets.micropython.exact import run_exact
    from robokit.virtual.exact import ExactBoard, run_settings

    prog = write(tmp_path / "turn.py", TURN)
    default = simulate(prog)
    w, seconds = run_settings(prog, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        run = run_exact(prog, board)
    finally:
        board.close()
    assert run.telemetry.rows == default.telemetry.rows
    _ends_at_the_result(run)


def test_a_served_boards_telemetry_ends_at_the_end_of_its_run(
        tmp_path: Path, robokit_board) -> None:
    from robokit.virtual.mpvm import micropython_path

    if micropython_path() is None:
        pytest.skip("MicroPython's unix port (micropython) is not installed")
    from robokit.targets import connect

    _, port = robokit_board(vm="micropython")
    prog = write(tmp_path / "turn.py", TURN)
    with connect(port) as brick:
        assert brick.sim_board()
        brick.upload(prog)
        run = brick.simulated_run(brick.run_uploaded(None))
    assert run is not None and run.status == "finished"
    assert run.telemetry.rows[-1][0] > 1015.0
    _ends_at_the_result(run, within=0.0005)


# -- DriveBase.curve / arc with odd radii -------------------------------------------------


def _drive(tmp_path: Path, call: str):
    prog = write(tmp_path / "drive.py", f"""\
        from robokit import robot
        db = robot.drive_base
        db.{call}
        print(db.distance(), round(db.angle()))
    """)
    return simulate(prog, duration=30)


@pytest.mark.parametrize("radius", ["1e-9", "-1e-9", "0.5", "0"])
def test_arc_by_a_distance_on_a_radius_pybricks_takes_as_0_is_refused(
        tmp_path: Path, radius: str) -> None:
    """Pybricks takes whole millimetres: a radius under 1 mm is 0, whose arc cannot
    drive a distance (ValueError). It spun the robot for the whole run (10 mm on a
    1e-9 mm circle: 5.7e11 degrees) and ended as a timeout."""
    result = _drive(tmp_path, f"arc({radius}, distance=10)")
    assert result.status == "error"
    assert result.error["type"] == "UsageError"
    assert isinstance(result.error["line"], int) and result.error["line"] == 3
    assert "radius under 1 mm" in result.error["message"]
    assert "turn(angle)" in result.error["message"]
    assert result.sim_time_s < 0.1  # at once, nothing driven
    assert result.distance_mm == 0.0


def test_arc_by_a_distance_on_a_1_mm_circle_still_drives(tmp_path: Path) -> None:
    result = _drive(tmp_path, "arc(1, distance=10)")
    assert result.status == "finished", result.traceback
    distance, angle = result.output.split()
    assert abs(int(distance) - 10) <= 1 and abs(int(angle) - 573) <= 2


def test_curve_with_a_negative_radius_goes_backward_as_pybricks_does(tmp_path: Path) -> None:
    """Pybricks 3.3's curve: the arc's length is |angle| times the signed radius, the
    heading turns by the angle signed by the radius: backward 157 mm, turning left."""
    result = _drive(tmp_path, "curve(-100, 90)")
    assert result.status == "finished", result.traceback
    distance, angle = map(int, result.output.split())
    assert abs(distance + 157) <= 2 and abs(angle + 90) <= 1
    x, y, heading = result.pose  # backward round a centre on the right: behind, right
    assert x == pytest.approx(-100.0, abs=3.0) and y == pytest.approx(-100.0, abs=3.0)
    assert heading == pytest.approx(90.0, abs=1.0)


@pytest.mark.parametrize("call", ["curve(1e-9, 90)", "arc(1e-9, angle=90)"])
def test_a_tiny_radius_with_an_angle_turns_in_place_as_radius_0_does(
        tmp_path: Path, call: str) -> None:
    result = _drive(tmp_path, call)
    zero = _drive(tmp_path, call.replace("1e-9", "0"))
    assert result.status == zero.status == "finished"
    assert result.output == zero.output == "0 90\n"
    assert result.pose == pytest.approx(zero.pose, abs=1e-6)


def test_a_served_boards_seeded_run_is_the_simulators(tmp_path: Path, robokit_board) -> None:
    """The robot reaches the served board through MicroPython's json, whose dicts keep no
    order: its devices are put back in the default mode's order, so the telemetry has
    the same columns and a seeded run draws its noise alike (its pose was 0.12 mm off)."""
    from robokit.virtual.mpvm import micropython_path

    if micropython_path() is None:
        pytest.skip("MicroPython's unix port (micropython) is not installed")
    from robokit.targets import connect

    prog = write(tmp_path / "noisy.py", """\
        from robokit import robot
        robot.drive_base.straight(300)
        print(robot.ultrasonic_sensor.distance(), robot.color_sensor.reflection())
    """)
    default = simulate(prog, seed=3)
    _, port = robokit_board(vm="micropython", seed=3, noise=True)
    with connect(port) as brick:
        assert brick.sim_board()
        brick.upload(prog)
        run = brick.simulated_run(brick.run_uploaded(None))
    assert run is not None and run.status == "finished"
    assert run.telemetry.columns == default.telemetry.columns
    assert run.telemetry.to_csv() == default.telemetry.to_csv()
    assert run.pose == pytest.approx(default.pose, abs=1e-9)
