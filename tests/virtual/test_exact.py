"""`robokit run PROGRAM --exact`: the program's .mpy in MicroPython's VM, through the upload
and the loader, on the default mode's simulated robot, ends where the default mode ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from vm_helpers import PRINTED_DIFFERENTLY

from robokit.sim import simulate
from robokit.targets.micropython.exact import run_exact
from robokit.virtual import halwire, localsim
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path

ROOT = Path(__file__).resolve().parents[2]
#: Every top-level example, and two of the folders' that run alone (Pybricks programs).
EXAMPLES = sorted((ROOT / "examples").glob("*.py")) + [
    ROOT / "examples" / "can_push" / "push_can.py",
    ROOT / "examples" / "sumo_match" / "pusher.py",
]

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")


def exact(program: Path, *, world: str | None = None, duration: float | None = None,
          robot: Path | None = None, hang_budget_s: float = 5.0):
    from robokit.config import load_robot

    w, seconds = run_settings(program, world, duration)
    board = ExactBoard(w, duration_s=seconds,
                       robot=load_robot(str(robot)) if robot is not None else None)
    try:
        return run_exact(program, board, robot=robot, hang_budget_s=hang_budget_s)
    finally:
        board.close()


@needs_vm
@pytest.mark.slow
@pytest.mark.parametrize("program", EXAMPLES,
                         ids=[str(p.relative_to(ROOT / "examples")) for p in EXAMPLES])
def test_every_example_ends_at_the_default_modes_pose(program: Path) -> None:
    default = simulate(program)
    run = exact(program)
    assert run.status == default.status, run.traceback
    assert run.sim_time_s == default.sim_time_s
    for a, b in zip(run.pose, default.pose, strict=True):
        assert abs(a - b) <= 0.01  # mm, mm, degrees
    assert run.pose == default.pose  # in fact to the last bit
    assert run.distance_mm == default.distance_mm
    assert run.contacts == default.contacts
    # the same telemetry, sample by sample: the floats cross the pipe as their 8 bytes
    assert run.telemetry.columns == default.telemetry.columns
    assert run.telemetry.rows == default.telemetry.rows
    assert run.telemetry.events == default.telemetry.events
    expected = default.output
    for cpython, micropython in PRINTED_DIFFERENTLY.get(program.name, []):
        assert cpython in expected
        expected = expected.replace(cpython, micropython)
    assert run.output == expected


@needs_vm
def test_the_programs_time_is_the_simulated_clock(tmp_path: Path) -> None:
    prog = tmp_path / "clock.py"
    prog.write_text(
        "import time\nfrom robokit import *\n"
        "t0 = time.ticks_ms()\n"
        "time.sleep_ms(1500)\n"
        "time.sleep(0.25)\n"
        "print('waited', time.ticks_diff(time.ticks_ms(), t0), 'ms')\n"
        "print('us', time.ticks_us())\n"
        "hub = Hub()\n")
    default = simulate(prog)
    run = exact(prog)
    assert run.status == default.status == "finished", run.traceback
    assert "waited 1750 ms" in run.output  # not the wall clock's 0 ms
    assert run.output == default.output
    assert run.sim_time_s == default.sim_time_s


@needs_vm
def test_a_program_that_catches_everything_still_ends_at_its_duration(tmp_path: Path) -> None:
    prog = tmp_path / "stubborn.py"
    prog.write_text(
        "from robokit import *\nhub = Hub()\n"
        "while True:\n"
        "    try:\n"
        "        wait(100)\n"
        "    except Exception:\n"
        "        print('caught')\n")
    run = exact(prog, duration=2.0)
    assert run.status == "timeout", run.traceback
    assert run.sim_time_s == pytest.approx(2.0)
    assert "caught" not in run.output  # the end of time is no Exception


@needs_vm
@pytest.mark.slow
def test_a_loop_that_never_touches_a_device_is_stopped_as_hung(tmp_path: Path) -> None:
    prog = tmp_path / "spin.py"
    prog.write_text("from robokit import *\nhub = Hub()\nn = 0\nwhile True:\n    n += 1\n")
    run = exact(prog, hang_budget_s=1.0)
    assert run.status == "error"
    assert run.error is not None and run.error["type"] == "ProgramHang"


@needs_vm
def test_a_robot_file_keeps_its_device_order(tmp_path: Path) -> None:
    """The robot comes back from MicroPython's json with its dict order lost; the board
    puts it back, so the telemetry's columns (and noise draws) are the default mode's."""
    robot = tmp_path / "robot.toml"
    robot.write_text(
        '[devices.zeta]\ntype = "Motor"\nport = "A"\n'
        '[devices.alpha]\ntype = "Motor"\nport = "B"\n')
    prog = tmp_path / "spin.py"
    prog.write_text("from robokit import *\nm = Motor('A')\nm.run_time(300, 500)\n")
    default = simulate(prog, robot=robot)
    run = exact(prog, robot=robot)
    assert default.telemetry.columns.index("zeta_angle") < \
        default.telemetry.columns.index("alpha_angle")
    assert run.telemetry.columns == default.telemetry.columns
    assert run.telemetry.rows == default.telemetry.rows


def test_hal_values_cross_the_wire_exactly() -> None:
    values = [0.1 + 0.2, 90.1, -0.0, 1e-310, float("inf"), 2**62 - 1, 2**70, "A", b"\x00",
              None, True, False, [1.5, ["x", 3]], (1, 2), {"k": [1, 2]}]
    for v in values:
        out = bytearray()
        halwire.encode(v, out)
        back, end = halwire.decode(bytes(out), 0)
        assert end == len(out)
        expected = list(v) if isinstance(v, tuple) else v
        assert back == expected and type(back) is type(expected)
    out = bytearray()
    halwire.encode(float("nan"), out)
    back, _ = halwire.decode(bytes(out), 0)
    assert back != back  # NaN stays NaN (JSON made it None)


@needs_vm
def test_the_cli_runs_exact_with_the_default_modes_summary_and_files(tmp_path: Path) -> None:
    plot = tmp_path / "run.png"
    tel = tmp_path / "run.csv"
    p = subprocess.run([sys.executable, "-m", "robokit.cli", "run", str(ROOT / "examples" /
                        "square.py"), "--exact", "--json", "--telemetry", str(tel)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    default = simulate(ROOT / "examples" / "square.py")
    expected = default.to_dict()
    assert out["status"] == "finished"
    for key in ("pose", "start_pose", "distance_mm", "contacts", "sim_time_s", "world"):
        assert out[key] == expected[key], key
    assert out["program"].endswith("examples/square.py")  # the file, as the default mode
    assert tel.read_text().splitlines()[0].startswith("t_ms,")
    p = subprocess.run([sys.executable, "-m", "robokit.cli", "run", str(ROOT / "examples" /
                        "hello.py"), "--exact", "--plot", str(plot)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Hello from robokit!" in p.stdout
    assert "pose" in p.stdout and plot.read_bytes()[:4] == b"\x89PNG"


def test_exact_without_micropython_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.cli import main
    from robokit.virtual import mpvm

    monkeypatch.setattr(mpvm, "micropython_path", lambda: None)
    r = CliRunner().invoke(main, ["run", str(ROOT / "examples" / "hello.py"), "--exact"])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "micropython" in lines[0] and "Traceback" not in r.output


@pytest.mark.parametrize("args, what", [
    (["--port", "/dev/null"], "leave it out to run on a brick"),
    (["--input", "-"], "--input with --exact"),
])
def test_exact_refuses_what_it_cannot_go_with(args: list[str], what: str) -> None:
    from robokit.cli import main

    r = CliRunner().invoke(main, ["run", str(ROOT / "examples" / "hello.py"), "--exact",
                                  *args])
    assert r.exit_code == 2
    assert what in r.output


@needs_vm
def test_a_control_tick_is_one_round_trip(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """In a 5 ms control tick the motors' reads come with the tick and the voltages go
    back with its end: one round trip between the VM and the host, not one per call
    (with the robot on the host: robokit.virtual.localsim)."""
    monkeypatch.setenv(localsim.ENV, "0")
    prog = tmp_path / "hold.py"
    prog.write_text("from robokit import *\nm = Motor('A')\nm.run(300)\nwait(2000)\n"
                    "print(round(m.angle()))\n")
    w, seconds = run_settings(prog, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        run = run_exact(prog, board)
        trips = board.round_trips
    finally:
        board.close()
    default = simulate(prog)
    assert run.output == default.output and run.pose == default.pose
    assert run.telemetry.rows == default.telemetry.rows
    ticks = 2000 // 5
    assert ticks <= trips < ticks + 40  # each tick read a motor and set its voltage


@needs_vm
def test_random_is_seeded_with_the_runs_seed(tmp_path: Path) -> None:
    prog = tmp_path / "dice.py"
    prog.write_text("import random\nfrom robokit import *\nhub = Hub()\n"
                    "print([random.randint(1, 6) for _ in range(8)])\n")

    def output(seed: int | None) -> str:
        w, seconds = run_settings(prog, None, None)
        board = ExactBoard(w, duration_s=seconds, seed=seed, noise=seed is not None)
        try:
            return run_exact(prog, board).output
        finally:
            board.close()

    assert output(None) == output(None)  # seed 0, as in the default mode
    assert output(5) == output(5) != output(6)


@needs_vm
def test_clock_reads_between_events_are_answered_in_the_vm_at_the_same_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop watching the clock: each read costs 10 µs as in the default mode, the reads
    that fall short of the next event (a control tick, a sample) are answered in the VM,
    and what it prints is recorded at the simulated time it was printed (with the robot
    on the host: robokit.virtual.localsim)."""
    monkeypatch.setenv(localsim.ENV, "0")
    prog = tmp_path / "busy.py"
    prog.write_text(
        "import time\nfrom robokit import *\nm = Motor('A')\nm.run(200)\n"
        "t0 = time.ticks_us()\nn = 0\n"
        "while time.ticks_diff(time.ticks_us(), t0) < 30000:\n"
        "    n += 1\n"
        "    if n % 700 == 0:\n"
        "        print('at', n, time.ticks_us())\n"
        "print(n, time.ticks_us(), round(m.angle(), 3))\n")
    w, seconds = run_settings(prog, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        run = run_exact(prog, board)
        trips = board.round_trips
    finally:
        board.close()
    default = simulate(prog)
    assert run.status == default.status == "finished", run.traceback
    assert run.output == default.output
    assert run.telemetry.output == default.telemetry.output  # (t_us, line) of each print
    assert run.telemetry.rows == default.telemetry.rows
    assert run.sim_time_s == default.sim_time_s
    reads = int(default.output.split()[-3])
    assert reads > 2000 and trips < reads / 5  # most reads never left the VM


def test_an_in_memory_link_can_be_waited_on_with_select_as_a_pty_can() -> None:
    """The in-process link of ``run --exact`` (MemoryConn) gives the VM's host loop a file
    to select on beside the VM's pipes: readable while the host's bytes wait and once the
    link is closed, not after they are received. (Without it the loop saw an upload's
    frame only at its next 20 ms timeout: a short program's --exact run took twice as
    long.)"""
    import select

    from robokit.virtual.transport import Disconnected, MemoryConn

    conn = MemoryConn()
    conn.feed(b"before")  # (bytes that came before anyone waited)
    fd = conn.wake_fd()
    assert conn.wake_fd() == fd

    def readable() -> bool:
        return bool(select.select([fd], [], [], 0)[0])

    assert readable()
    assert conn.recv(0) == b"before" and not readable()
    conn.feed(b"a")
    conn.feed(b"b")
    assert readable()
    assert conn.recv(0) == b"ab" and not readable()
    assert conn.recv(0) == b"" and not readable()
    conn.close()
    assert readable()
    with pytest.raises(Disconnected):
        conn.recv(0)
    assert readable()


@needs_vm
@pytest.mark.parametrize("in_vm", ["1", "0"], ids=["robot in the VM", "robot on the host"])
def test_read_input_byte_polls_the_vms_stdin_and_costs_a_calls_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_vm: str) -> None:
    monkeypatch.setenv(localsim.ENV, in_vm)
    prog = tmp_path / "keys.py"
    prog.write_text("from pybricks.tools import StopWatch, read_input_byte\n"
                    "w = StopWatch()\n"
                    "n = sum(read_input_byte() is None for _ in range(1000))\n"
                    "print(n, w.time())\n")
    run = exact(prog)
    assert run.status == "finished", run.error
    assert run.output == simulate(prog).output == "1000 50\n"
