"""Runs on robokit's simulated board come back to the host: `robokit run --port` on a
`SimBoard` (the MicroPython VM, a kit board at pin level) prints the board's robot's pose,
distance and contacts and writes --plot, --replay and --telemetry from what the board
hands back (robokit_simboard); a board that is not the simulator refuses those options
before anything is sent. In the plain simulator, `--board NAME` builds the kit's robot,
and motors that drive no wheel get a warning. Real boards on ptys, the real CLI."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.kits import board_support_files
from robokit.virtual.board import SimBoard

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys")
needs_vm = pytest.mark.skipif(shutil.which("micropython") is None,
                              reason="MicroPython's unix port is not installed")

KITRONIK = "kitronik_pico_robotics"
FOLLOWER = (Path(__file__).resolve().parents[2] / "examples" / "kits"
            / "kitronik_line_follower" / "main.py")
Serve = Callable[..., tuple[SimBoard, str]]
POSE = re.compile(r"^pose +x=(-?\d+) mm, y=(-?\d+) mm, heading=(-?[\d.]+)°", re.M)
DISTANCE = re.compile(r"^distance +(\d+) mm driven", re.M)


def kit_board(robokit_board: Serve) -> tuple[SimBoard, str]:
    return robokit_board(vm="micropython", board=KITRONIK, files=board_support_files(KITRONIK),
                         world="oval")


def summary_pose(text: str) -> tuple[float, float, float, float]:
    """(x, y, imu heading, distance) from a run's summary."""
    m, d = POSE.search(text), DISTANCE.search(text)
    assert m is not None and d is not None, text
    return float(m[1]), float(m[2]), float(m[3]), float(d[1])


@needs_vm
def test_a_kit_run_on_the_simulated_board_prints_the_boards_pose_and_distance(
        robokit_board: Serve) -> None:
    board, port = kit_board(robokit_board)
    r = invoke("run", FOLLOWER, "--port", port)
    assert r.exit_code == 0, r.stderr
    assert "followed the line for" in r.stdout
    assert board.brick is not None
    x, y, world_heading = board.brick.pose()
    sx, sy, imu, distance = summary_pose(r.stdout)
    assert (sx, sy) == (round(x), round(y))
    # hub.imu.heading(): clockwise-positive from the start (the board's world frame is
    # counterclockwise-positive).
    assert imu == pytest.approx(board.brick.start_pose[2] - world_heading, abs=0.06)
    assert distance == round(board.brick.distance_mm)
    assert distance > 1000  # along the straight and into the bend
    assert re.search(r"^sim time +\d+\.\d{3} s on the simulated board, in the world oval$",
                     r.stdout, re.M), r.stdout
    assert "contacts   none" in r.stdout
    assert "warning" not in r.stdout  # the kit's wheels drive the robot


@needs_vm
def test_plot_replay_telemetry_and_json_come_back_from_the_simulated_board(
        robokit_board: Serve, tmp_path: Path) -> None:
    board, port = kit_board(robokit_board)
    plot, page, csv_file = tmp_path / "run.png", tmp_path / "run.html", tmp_path / "run.csv"
    r = invoke("run", FOLLOWER, "--port", port, "--plot", plot, "--replay", page,
               "--telemetry", csv_file, "--json")
    assert r.exit_code == 0, r.stderr
    assert board.brick is not None
    x, y, heading = board.brick.pose()
    out = json.loads(r.stdout)
    assert out["status"] == "finished" and out["output"].startswith("followed the line")
    assert out["world"] == "oval"
    assert (out["pose"]["x_mm"], out["pose"]["y_mm"]) == (round(x, 2), round(y, 2))
    assert out["distance_mm"] == round(board.brick.distance_mm, 2)
    assert out["sim_time_s"] == pytest.approx(board.brick.now / 1e6)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 20_000
    # The replay holds the board's run: its end pose, its telemetry rows.
    html = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script id="robokit-data" type="application/json">'
                                r"(.*?)</script>", html, re.S)[1])  # type: ignore[index]
    assert data["end_pose"][:2] == pytest.approx([x, y], abs=0.01)
    assert data["telemetry"]["source_rows"] == len(board.brick.recorder.rows) > 250
    # What the program printed is on the timeline, at the simulated time it printed it.
    prints = [e for e in data["events"] if e["kind"] == "print"]
    assert [e["text"] for e in prints] == [out["output"].rstrip("\n")]
    assert 5900 < prints[0]["t_ms"] <= board.brick.now / 1000
    # The CSV is the board's recorder, row for row.
    rows = list(csv.reader(csv_file.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == board.brick.recorder.columns
    assert len(rows) - 1 == len(board.brick.recorder.rows)
    last = board.brick.recorder.rows[-1]
    assert [float(v) for v in rows[-1][:3]] == pytest.approx(list(last[:3]), abs=0.001)


def test_a_board_that_is_not_the_simulator_refuses_them_before_sending_anything(
        robokit_board: Serve, tmp_path: Path) -> None:
    # The CPython stand-in plays a MicroPython board but has no robokit_simboard: robokit
    # sees it as it sees a real board.
    board, port = robokit_board(vm="cpython")
    before = dict(board.files)
    r = invoke("run", FOLLOWER, "--port", port, "--plot", tmp_path / "run.png", "--replay",
               tmp_path / "run.html")
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        f"robokit: run: --plot, --replay: {port} is not robokit's simulated board, and only "
        "that one (`robokit sim serve`) hands back what its robot did; leave them out, or "
        "run on the simulator"]
    assert board.files == before  # nothing uploaded
    assert not (tmp_path / "run.png").exists()
    bad = invoke("run", FOLLOWER, "--port", port, "--board", KITRONIK)
    assert bad.exit_code == 2
    assert "--board is for the simulated brick; leave it out with --port" in bad.stderr


def test_motors_that_drive_no_wheel_are_warned_about_in_the_plain_simulator() -> None:
    r = invoke("run", FOLLOWER, "--world", "oval")
    assert r.exit_code == 0, r.stderr
    assert summary_pose(r.stdout)[3] == 0
    warning = [ln for ln in r.stdout.splitlines() if ln.startswith("warning")]
    assert warning == [
        "warning    left_motor and right_motor turned but drive no wheel: the robot has no "
        "drive base (robot.toml has no [drive_base]), so it did not move; for a kit robot, "
        "run with --board NAME (`robokit board list`)"]


@needs_vm
def test_board_name_runs_the_kit_in_the_plain_simulator_as_the_simulated_board_does(
        robokit_board: Serve) -> None:
    board, port = kit_board(robokit_board)
    on_board = invoke("run", FOLLOWER, "--port", port)
    assert on_board.exit_code == 0, on_board.stderr
    plain = invoke("run", FOLLOWER, "--world", "oval", "--board", KITRONIK)
    assert plain.exit_code == 0, plain.stderr
    assert "warning" not in plain.stdout
    bx, by, bh, bd = summary_pose(on_board.stdout)
    px, py, ph, pd = summary_pose(plain.stdout)
    # The same robot (the kit's wheels, track, DC motor model and battery) follows the
    # same line; the board's pins (ADC steps, PWM, the cost of each pin call) differ a
    # little from the device API's.
    assert pd > 1000
    assert abs(px - bx) <= 15 and abs(py - by) <= 15 and abs(ph - bh) <= 3
    assert abs(pd - bd) <= 20


def test_board_name_that_is_no_kit_is_one_clear_line() -> None:
    r = invoke("run", FOLLOWER, "--board", "no_such_kit")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("robokit: run: --board: ")
    assert "no_such_kit" in lines[0] and "Traceback" not in r.stderr


@needs_vm
def test_a_long_run_on_the_plain_simulated_board_comes_back_whole(
        robokit_board: Serve, tmp_path: Path) -> None:
    # A minute of telemetry is more than the VM's heap holds at once: the board hands
    # it back in pieces. The standard rover on the plain board (robokit_simhal) pushes
    # against the arena's wall.
    board, port = robokit_board(vm="micropython", world="arena")
    prog = tmp_path / "main.py"
    prog.write_text("from robokit import robot, wait\nrobot.drive_base.drive(100, 10)\n"
                    "wait(60000)\nrobot.drive_base.stop()\nprint('done')\n")
    telemetry = tmp_path / "run.json"
    r = invoke("run", prog, "--port", port, "--telemetry", telemetry, "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert board.brick is not None
    x, y, _ = board.brick.pose()
    assert (out["pose"]["x_mm"], out["pose"]["y_mm"]) == (round(x, 2), round(y, 2))
    assert out["sim_time_s"] == pytest.approx(60.0, abs=0.05)
    contacts = board.brick.contacts()
    assert out["contacts"]["count"] == contacts["count"] >= 1
    assert out["contacts"]["longest_s"] == pytest.approx(contacts["longest_s"], abs=1e-6)
    saved = json.loads(telemetry.read_text(encoding="utf-8"))
    assert len(saved["rows"]) == len(board.brick.recorder.rows) >= 3000
    assert saved["rows"][-1][1:3] == pytest.approx(list(board.brick.recorder.rows[-1][1:3]),
                                                   abs=0.001)
