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
