"""`robokit run --exact` with the simulated robot inside MicroPython's VM: the simulator's
portable modules (robokit.sim.brick and the rest, served from the board's ROM) run there
beside the program, on tables the host made once, and give the default mode's run to the
bit; a run the VM's robot cannot take stays on the host (robokit.virtual.localsim)."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from vm_helpers import PRINTED_DIFFERENTLY, assert_same_run, lay_rom, run_micropython

from robokit.sim import simulate
from robokit.sim.runner import RunInterrupted
from robokit.sim.vmbrick import tagged, untagged
from robokit.targets.micropython.exact import run_exact
from robokit.virtual import localsim, mpvm
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path
from robokit.virtual.rom import SIM_MODULES, portable_source, sim_files

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "src" / "robokit" / "sim"

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")


def run(program: Path, **kw: object) -> tuple[object, ExactBoard]:
    w, seconds = run_settings(program, kw.pop("world", None), kw.pop("duration", None))  # type: ignore[arg-type]
    board = ExactBoard(w, duration_s=seconds, **kw)  # type: ignore[arg-type]
    try:
        return run_exact(program, board), board
    finally:
        board.close()


# -- the portable modules ------------------------------------------------------------------

@pytest.mark.parametrize("name", SIM_MODULES)
def test_the_portable_sim_modules_compile_with_mpy_cross(name: str, tmp_path: Path) -> None:
    """Each module the ROM carries for the VM's robot compiles for MicroPython as the VM
    gets it (the ``from __future__`` line dropped, every other line where it was), for
    the VM's mpy ABI (the unix port's, 6.3)."""
    abi = "6.3"
    from robokit.compiler.compile import find_compiler

    source = (SIM / f"{name}.py").read_bytes()
    served = portable_source(source)
    assert served.count(b"\n") == source.count(b"\n")  # the tracebacks' lines stay true
    assert b"from __future__" not in served
    flat = name.replace("/", "_")  # (world/geometry: a module of a subpackage)
    src = tmp_path / f"{flat}.py"
    src.write_bytes(served)
    out = tmp_path / f"{flat}.mpy"
    proc = subprocess.run([find_compiler(abi).path, "-o", str(out), str(src)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:1] == b"M"


@pytest.mark.parametrize("name", ["mp_agent_local.py", "mp_agent_wire.py", "halvalue.py"])
def test_the_agents_parts_compile_with_mpy_cross(name: str, tmp_path: Path) -> None:
    from robokit.compiler.compile import find_compiler

    out = tmp_path / "part.mpy"
    path = ROOT / "src" / "robokit" / "virtual" / name
    proc = subprocess.run([find_compiler("6.3").path, "-o", str(out), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_rom_serves_the_modules_compiled_for_the_vms_abi() -> None:
    """(the VM imports a .mpy several times faster than it compiles the source)"""
    py = sim_files()
    mpy = sim_files("6.3")
    assert sorted(py) == sorted(["robokit/sim/__init__.py", "robokit/sim/world/__init__.py"]
                                + [f"robokit/sim/{n}.py" for n in SIM_MODULES])
    assert sorted(mpy) == sorted(p[:-3] + ".mpy" for p in py)
    assert all(data[:1] == b"M" for data in mpy.values())


def test_the_vms_native_architecture_has_the_simulator_as_machine_code() -> None:
    """A VM that runs native code (its ``sys.implementation._mpy`` names an architecture)
    gets the simulator's modules compiled to machine code for it; mpy-cross's refusal (an
    architecture it does not know) leaves them bytecode, and the device API is bytecode
    (source in the ROM) either way."""
    from robokit.virtual.rom import native_arch, rom_files

    assert native_arch(0xB06) == "x64" and native_arch(0x1406) == "armv7m"
    assert native_arch(0x0006) is None and native_arch(0x3C06) is None
    native = sim_files("6.3 x64")
    plain = sim_files("6.3")
    assert sorted(native) == sorted(plain)
    # (an .mpy's third byte: the architecture in bits 2-5, 0 for bytecode only)
    assert {data[2] >> 2 for name, data in native.items() if "__init__" not in name} == {2}
    assert {data[2] >> 2 for data in plain.values()} == {0}
    assert sim_files("6.3 pdp11") == plain
    assert rom_files("6.3 x64")["robokit/devices/motors.py"] == \
        rom_files("6.3")["robokit/devices/motors.py"]


@needs_vm
def test_a_run_gets_the_simulator_compiled_for_the_vms_own_architecture(
        tmp_path: Path) -> None:
    """The ROM an --exact run's VM is served has the simulator compiled for the
    architecture the VM says it runs (the program may read the ROM as a board's)."""
    from robokit.virtual.mpvm import vm_version
    from robokit.virtual.rom import _ARCHS

    prog = tmp_path / "rom.py"
    prog.write_text("import sys\nfrom robokit import *\nhub = Hub()\n"
                    "with open('/rom/robokit/sim/kernel.mpy', 'rb') as f:\n"
                    "    head = f.read(4)\n"
                    "print(head[2] >> 2, sys.implementation._mpy)\n")
    got, board = run(prog)
    assert got.status == "finished", got.error
    arch, mpy = (int(v) for v in got.telemetry.output[0][1].split())
    assert mpy == vm_version(micropython_path())[2]
    assert arch == ((mpy >> 10) & 0xF if (mpy >> 10) & 0xF < len(_ARCHS) else 0)


@needs_vm
def test_the_portable_modules_import_in_micropython_and_make_a_robot(tmp_path: Path) -> None:
    """The ROM's robokit/sim package, beside the device API, makes a robot in a bare
    MicroPython from a plan and drives it: its wheels turn as a CPython brick's do."""
    lay_rom(tmp_path)
    out = run_micropython(tmp_path, "import sys\n"
        "sys.path[:] = ['']\n"
        "from robokit.sim import vmbrick\n"
        "from robokit.sim.brick import SimBrick\n"
        "plan = " + repr(_plan_for_tests()) + "\n"
        "b = vmbrick.make(plan, b'', 0, lambda now: None)\n"
        "assert isinstance(b, SimBrick)\n"
        "b.motor_voltage('A', 6000.0)\n"
        "b.sleep_us(500000)\n"
        "print(repr(b.motor_state('A')))\n")
    angle, speed = eval(out.strip())  # noqa: S307 - our own output
    from robokit.config import standard_rover
    from robokit.sim.brick import SimBrick
    from robokit.sim.world import load_world

    host = SimBrick(load_world("empty"), standard_rover(), telemetry_hz=0)
    host.motor_voltage("A", 6000.0)
    host.sleep_us(500000)
    h_angle, h_speed = host.motor_state("A")
    assert angle > 100.0  # it turned
    assert abs(angle - h_angle) < 1e-9 and abs(speed - h_speed) < 1e-9


def _plan_for_tests() -> list[object]:
    """A plan (robokit.virtual.localsim.plan's value) for the standard rover, no mat."""
    from robokit.config import standard_rover
    from robokit.sim.motor import MODELS
    from robokit.sim.vmbrick import model_fields

    cfg = standard_rover()
    models = {d["model"]: model_fields(MODELS[d["model"]]) for d in cfg["devices"].values()
              if d["type"] in ("Motor", "DCMotor")}
    return [tagged(cfg), None, 0, None, [0.0, 0.0, 0.0], list(models.values()), None, [],
            None, False, None]


def test_a_dict_crosses_with_its_order_and_its_floats() -> None:
    value = {"b": [1.5, {"z": 0.1, "a": None}], "a": (2, "x")}
    back = untagged(tagged(value))
    assert back == {"b": [1.5, {"z": 0.1, "a": None}], "a": [2, "x"]}
    assert list(back) == ["b", "a"] and list(back["b"][1]) == ["z", "a"]


# -- runs ----------------------------------------------------------------------------------

#: The examples whose robot runs in the VM (all: those among walls too, robokit.sim.world's
#: geometry in the VM, tests/virtual/test_exact_walls.py).
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))


@needs_vm
@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_an_example_whose_robot_runs_in_the_vm_gives_the_default_modes_run(
        name: str) -> None:
    program = ROOT / "examples" / name
    default = simulate(program)
    got, board = run(program)
    assert board.on_host is None and board.round_trips == 0  # no device call left the VM
    assert_same_run(got, default)
    rec, want = got.telemetry, default.telemetry
    # (an event's own keys come in MicroPython's dict order, as with the robot on the host)
    assert [list(e)[:2] for e in rec.events] == [["t_ms", "kind"]] * len(want.events)
    assert rec.period_us == want.period_us
    expected = want.output
    for cpython, micropython in PRINTED_DIFFERENTLY.get(name, []):
        expected = [(t, line.replace(cpython, micropython)) for t, line in expected]
    assert rec.output == expected  # each line at the simulated time it was printed


@needs_vm
@pytest.mark.parametrize("name", EXAMPLES)
def test_every_examples_robot_runs_in_the_vm(name: str) -> None:
    w, seconds = run_settings(ROOT / "examples" / name, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        brick = board.new_brick(None)
        assert localsim.why_not(brick) is None
        assert board.vm_plan(brick) is not None and board.on_host is None
    finally:
        board.close()


def test_only_the_environment_keeps_the_robot_on_the_host_in_a_world_of_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from robokit.sim.world import load_world

    def why(**kw: object) -> str | None:
        board = ExactBoard(load_world("oval"), duration_s=1.0, **kw)  # type: ignore[arg-type]
        try:
            return localsim.why_not(board.new_brick(None))
        finally:
            board.close()

    assert why() is None
    assert why(seed=3, noise=True) is None  # (robokit.sim.mtrand: the same draws)
    monkeypatch.setenv(localsim.ENV, "0")
    assert why() == f"{localsim.ENV}=0"


@needs_vm
@pytest.mark.parametrize("name", ["line_follower.py", "wall_avoider.py", "gyro_turns.py"])
def test_a_run_with_noise_in_the_vm_gives_the_default_modes_run_for_its_seed(
        name: str) -> None:
    """Noise in the VM is CPython's generator (robokit.sim.mtrand), drawn in the same order:
    the motors' variance, the gyro's bias and drift, the colour, ultrasonic readings."""
    program = ROOT / "examples" / name
    default = simulate(program, seed=2**40 + 9, noise=True)
    plain = simulate(program)
    got, board = run(program, seed=2**40 + 9, noise=True)
    assert board.on_host is None and board.round_trips == 0
    assert_same_run(got, default)
    assert got.pose != plain.pose  # (the noise made a difference)


@needs_vm
def test_scripted_presses_are_held_in_the_vm_as_in_the_default_mode(tmp_path: Path) -> None:
    from robokit.sim.presses import check_presses

    prog = tmp_path / "start.py"
    prog.write_text(
        "from robokit import Button, StopWatch, robot, wait\n"
        "robot.hub.system.set_stop_button(None)\n"
        "clock = StopWatch()\n"
        "while Button.CENTER not in robot.hub.buttons.pressed():\n"
        "    wait(10)\n"
        "print('pressed at', clock.time())\n"
        "while Button.LEFT not in robot.hub.buttons.pressed():\n"
        "    wait(10)\n"
        "robot.drive_base.straight(200)\n")
    presses = check_presses(["center@1.5s", "left@3s-4s"], "--press")
    default = simulate(prog, press=presses, duration=10)
    got, board = run(prog, duration=10.0, presses=presses)
    assert board.on_host is None and got.status == default.status == "finished"
    assert "pressed at 15" in got.output and got.output == default.output
    assert got.pose == default.pose and got.telemetry.rows == default.telemetry.rows
    assert [e for e in got.telemetry.events if e["kind"] == "button"] == [
        e for e in default.telemetry.events if e["kind"] == "button"] != []


@needs_vm
@pytest.mark.parametrize("telemetry_hz", [50.0, 0.0])
def test_the_host_sees_the_clock_of_a_robot_in_the_vm_move(tmp_path: Path,
                                                           telemetry_hz: float) -> None:
    """The VM tells the host its robot's clock now and then: the progress line and the
    watch for a hung program see the run move (here: a watcher of the host's brick), with
    telemetry (every so many rows) and without (every so many advances of the clock)."""
    prog = tmp_path / "long.py"
    # (the program's own loop takes wall time, so that the run lasts several of the VM's
    # beats however fast its simulated robot is)
    prog.write_text("from robokit import *\nhub = Hub()\nwhile True:\n"
                    "    for i in range(1000):\n        pass\n    wait(10)\n")
    seen: list[int] = []
    stop = threading.Event()

    def watch(brick: object) -> None:
        def loop() -> None:
            while not stop.is_set():
                seen.append(brick.now)  # type: ignore[attr-defined]
                stop.wait(0.01)

        threading.Thread(target=loop, daemon=True).start()

    try:
        got, board = run(prog, duration=120.0, on_start=watch, telemetry_hz=telemetry_hz)
    finally:
        stop.set()
    assert board.on_host is None and got.status == "timeout"
    moving = sorted({t for t in seen if 0 < t < 120_000_000})
    assert len(moving) >= 2  # seen between its start and its end, more than once


@needs_vm
def test_the_vm_collects_its_garbage_every_few_mb_once_the_robot_is_made(
        tmp_path: Path) -> None:
    """With a robot in the VM, MicroPython collects after every few MB allocated (at
    least 4 MB, and 16 times what is alive once the robot is made), not only when its
    96 MB heap is full (which made a long wait loop slower with every simulated
    second)."""
    prog = tmp_path / "gc_step.py"
    prog.write_text("import gc\nfrom robokit import *\nhub = Hub()\nwait(10)\n"
                    "print(gc.threshold(), gc.mem_alloc())\n")
    got, board = run(prog, duration=1.0)
    assert board.on_host is None and got.status == "finished", got.error
    # (MicroPython's own threshold is -1: collect only when the heap is full)
    step, alive = (int(v) for v in got.telemetry.output[0][1].split())
    assert step >= 4 << 20 and step < 96 << 20 and alive < step


@needs_vm
def test_a_loop_in_the_vm_that_never_touches_a_device_is_stopped_as_hung(
        tmp_path: Path) -> None:
    prog = tmp_path / "spin.py"
    prog.write_text("from robokit import *\nhub = Hub()\nwait(100)\nwhile True:\n    pass\n")
    w, seconds = run_settings(prog, None, None)
    board = ExactBoard(w, duration_s=seconds)
    try:
        # (the budget counts from the robot's making on the host: the VM making it from
        # the plan, Hub() and the wait take ~30 ms here, and took 0.5 s on a loaded CI
        # machine, which stopped the run as hung at 0 s)
        got = run_exact(prog, board, hang_budget_s=2.0)
    finally:
        board.close()
    assert board.on_host is None
    assert got.status == "error" and got.error["type"] == "ProgramHang"
    assert got.sim_time_s >= 0.1  # what the VM's robot did before it hung came back


@needs_vm
def test_a_reading_off_the_mats_raster_reads_the_tables_the_vm_fetched_then(
        tmp_path: Path) -> None:
    """The colour sensor leaves the painted part of the mat (the footprint means' grid):
    the VM's robot reads the summed-area tables from the host's cache then, and reads
    what the default mode reads (the world's background, then nothing past its edge)."""
    prog = tmp_path / "away.py"
    prog.write_text(
        "from robokit import *\n"
        "eye = ColorSensor('C')\nbase = robot.drive_base\n"
        "base.drive(300, 0)\n"
        "seen = []\n"
        "for _ in range(600):\n"
        "    seen.append(eye.reflection())\n"
        "    wait(10)\n"
        "print(seen)\n")
    default = simulate(prog, world="oval")
    got, board = run(prog, world="oval")
    assert board.on_host is None
    assert got.pose == default.pose
    assert got.telemetry.rows == default.telemetry.rows
    seen = eval(default.output.strip())  # noqa: S307 - our own output
    # it went off the line's raster (into the white background), then off the world
    assert seen[0] < 60 and 90 < max(seen) and seen[-1] == 0
    assert got.output.strip() == default.output.strip()


@needs_vm
def test_without_robokits_cache_the_mats_tables_go_through_the_pipe(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """(an empty ROBOKIT_CACHE_DIR turns the cache off: the tables are made for this run
    and sent to the VM with the plan)"""
    from robokit.config import standard_rover
    from robokit.sim.brick import SimBrick
    from robokit.sim.world import load_world

    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")
    w = load_world("oval")
    w.prepare()
    plan = localsim.plan(SimBrick(w, standard_rover()))
    fp = w.surface.sampler(4.0)
    assert len(plan) > len(bytes(fp._means)) + 3 * len(bytes(w.surface._sr))
    program = ROOT / "examples" / "line_follower.py"
    default = simulate(program, duration=5.0)
    got, board = run(program, duration=5.0)
    assert board.on_host is None
    assert got.pose == default.pose and got.telemetry.rows == default.telemetry.rows


@needs_vm
def test_a_program_that_raises_in_the_vm_ends_as_in_the_default_mode(tmp_path: Path) -> None:
    """The robot's report still comes back: the pose and telemetry up to the error."""
    prog = tmp_path / "oops.py"
    prog.write_text("from robokit import *\nbase = robot.drive_base\nbase.straight(120)\n"
                    "print('moved')\nraise ValueError('no more')\n")
    default = simulate(prog)
    got, board = run(prog)
    assert board.on_host is None
    assert got.status == default.status == "error"
    assert got.error["type"] == "ValueError" and got.error["line"] == default.error["line"]
    assert got.pose == default.pose and got.sim_time_s == default.sim_time_s
    assert got.telemetry.rows == default.telemetry.rows
    assert got.telemetry.output == default.telemetry.output


@needs_vm
def test_a_program_without_robokit_runs_in_the_vm_as_in_the_default_mode(
        tmp_path: Path) -> None:
    """A program that imports nothing of robokit: its bundle brings no robokit package, and
    the robot in the VM took the board's own folder /robokit (its program slots) for one,
    so the run ended at once in an ImportError of robokit.devices."""
    prog = tmp_path / "plain.py"
    prog.write_text("import time\nprint('hi', 6 * 7)\ntime.sleep_ms(300)\nprint('bye')\n")
    default = simulate(prog)
    got, board = run(prog)
    assert board.on_host is None
    assert got.status == default.status == "finished", got.traceback
    assert got.telemetry.output == default.telemetry.output
    assert [t for t, _ in got.telemetry.output] == [0, 300_000]  # µs
    assert got.sim_time_s == default.sim_time_s
    assert got.pose == default.pose


@needs_vm
def test_a_long_runs_telemetry_comes_as_it_is_made_and_halves_as_in_the_default_mode(
        ) -> None:
    """The VM's robot keeps no telemetry rows (a long run's rows, kept amid the garbage,
    left its heap with no room for a large block: a MemoryError after 70 s at 50 Hz); they
    go to the host in chunks, and when they reach the recorder's bound they are halved
    there as in the default mode."""
    from robokit.sim.recorder import MAX_TELEMETRY_ROWS

    program = ROOT / "benchmarks" / "programs" / "line_follower_endless.py"
    default = simulate(program, world="oval", duration=120.0, telemetry_hz=1000.0)
    got, board = run(program, world="oval", duration=120.0, telemetry_hz=1000.0)
    assert board.on_host is None and got.status == default.status == "timeout"
    rec, want = got.telemetry, default.telemetry
    assert want.period_us == 2000 and len(want.rows) < MAX_TELEMETRY_ROWS  # halved once
    assert rec.period_us == want.period_us
    assert rec.rows == want.rows
    assert got.pose == default.pose


@needs_vm
def test_ctrl_c_stops_a_robot_running_in_the_vm() -> None:
    """The VM asks the host nothing whose answer could carry the interrupt, and its clock
    and telemetry keep coming: it gets SIGINT at once, and its report still comes back."""
    import signal

    program = ROOT / "benchmarks" / "programs" / "line_follower_endless.py"
    w, seconds = run_settings(program, "oval", 3000.0)
    board = ExactBoard(w, duration_s=seconds)
    started = threading.Event()

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def watch(brick: Any) -> None:
        # The robot is made: Ctrl-C once its clock, as the VM reports it, has run 2 s (a
        # fixed half second of wall time was, on a loaded machine, before it had moved).
        started.set()

        def later() -> None:
            give_up = time.monotonic() + 60.0
            while brick.now < 2_000_000 and time.monotonic() < give_up:
                time.sleep(0.01)
            signal.setitimer(signal.ITIMER_REAL, 0.001)

        threading.Thread(target=later, daemon=True).start()

    board.on_start = watch
    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_exact(program, board)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        board.close()
    assert started.is_set() and board.on_host is None
    brick = board.brick
    assert brick is not None and 0 < brick.now < 3000 * 10**6  # stopped, long before its end
    assert brick.distance_mm > 0  # and the VM's report came back


@needs_vm
def test_a_ctrl_c_while_the_vm_makes_its_report_still_brings_the_report_back(
        tmp_path: Path) -> None:
    """A second Ctrl-C (the board resends one to a program slow to end) that comes as the
    VM makes its robot's report: the report is made again and sent whole."""
    (tmp_path / "plain.py").write_text(
        "from robokit import robot\nrobot.drive_base.straight(100)\n")
    prog = tmp_path / "twice.py"
    prog.write_text(
        "import sys\n"
        "from robokit import robot\n"
        "robot.drive_base.straight(100)\n"
        "vmbrick = sys.modules['robokit.sim.vmbrick']\n"
        "made = vmbrick.report\n"
        "tries = []\n"
        "def report(b):\n"
        "    tries.append(1)\n"
        "    if len(tries) == 1:\n"
        "        raise KeyboardInterrupt  # as a Ctrl-C would, while it is made\n"
        "    return made(b)\n"
        "vmbrick.report = report\n")
    default = simulate(tmp_path / "plain.py")
    got, board = run(prog)
    assert board.on_host is None
    assert got.pose == default.pose and got.distance_mm == default.distance_mm > 99.0
    assert got.telemetry.rows == default.telemetry.rows


def ctrl_c_after(prog: Path, lines: int, text: str) -> tuple[list[str], ExactBoard, Any]:
    """``prog`` (of ``text``) run with --exact until it has printed ``lines`` lines, then
    a Ctrl-C raised in the output callback, as a user's: the lines seen, the board (closed)
    and the RunInterrupted that run_exact raised."""
    prog.write_text(text)
    w, seconds = run_settings(prog, None, 600.0)
    board = ExactBoard(w, duration_s=seconds)
    seen: list[str] = []

    def on_output(line: str, t: float) -> None:
        seen.append(line)
        if len(seen) == lines:
            raise KeyboardInterrupt

    try:
        with pytest.raises(RunInterrupted) as stopped:
            run_exact(prog, board, on_output=on_output)
    finally:
        board.close()
    return seen, board, stopped.value


@needs_vm
def test_a_ctrl_c_while_output_is_handled_stops_the_program_and_keeps_its_report(
        tmp_path: Path) -> None:
    """Ctrl-C anywhere in run_exact's loop (here: in the output callback) stops the
    program on the board, reads its end and the robot's report, then is raised."""
    _, board, _ = ctrl_c_after(tmp_path / "chatty.py", 20,
                               "from robokit import robot, wait\n"
                               "robot.drive_base.drive(200, 0)\n"
                               "while True:\n"
                               "    print('going')\n"
                               "    wait(100)\n")
    brick = board.brick
    assert brick is not None and 1.9 < brick.now / 1e6 < 600.0  # stopped, after 20 lines
    assert brick.distance_mm > 300.0  # the VM's report came back


@needs_vm
def test_a_ctrl_c_while_the_vm_collects_its_garbage_keeps_the_report(tmp_path: Path) -> None:
    """The program spends nearly all its time in MicroPython's garbage collection (a
    big heap, gc.collect() at every wait): a SIGINT, whose KeyboardInterrupt the unix
    port raises wherever the VM is, landed there, left the heap locked, and the VM died
    without the robot's report. The robot's clock reads the Ctrl-C instead."""
    _, board, stopped = ctrl_c_after(tmp_path / "collects.py", 5,
                                     "import gc\n"
                                     "from robokit import robot, wait\n"
                                     "junk = [[i] for i in range(100000)]\n"
                                     "robot.drive_base.drive(200, 0)\n"
                                     "while True:\n"
                                     "    print('going')\n"
                                     "    for _ in range(5):\n"
                                     "        gc.collect()\n"
                                     "        wait(20)\n")
    assert board.on_host is None  # (the robot ran in the VM)
    run = stopped.results[0]
    assert run.status == "interrupted"
    # the VM's report: its printed lines at their times, its clock after the fifth
    assert [line for _, line in run.telemetry.output][:5] == ["going"] * 5
    fifth_us = run.telemetry.output[4][0]
    assert 400_000 <= fifth_us < 420_000  # (µs: 4 x 100 ms of waits, and the clock reads)
    assert fifth_us / 1e6 <= run.sim_time_s < 600.0 and run.distance_mm > 50.0


@needs_vm
def test_a_program_that_catches_the_ctrl_c_gets_no_sigint_when_it_goes_quiet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The robot's clock read the Ctrl-C (the VM says so, "K"): a program that catches
    it and goes on without touching a device (the VM quiet longer than VM_QUIET_S, made
    short here) is not interrupted again by a SIGINT meant for a robot that never read it."""
    monkeypatch.setattr(mpvm, "VM_QUIET_S", 0.05)
    seen, _, stopped = ctrl_c_after(tmp_path / "catches.py", 3,
                                    "from robokit import robot, wait\n"
                                    "robot.drive_base.drive(200, 0)\n"
                                    "try:\n"
                                    "    while True:\n"
                                    "        print('going')\n"
                                    "        wait(100)\n"
                                    "except KeyboardInterrupt:\n"
                                    "    print('caught')\n"
                                    "n = 0\n"
                                    "for i in range(3000000):\n"
                                    "    n += i\n"
                                    "print('done', n)\n")
    assert seen[-2:] == ["caught", f"done {sum(range(3000000))}"]
    assert stopped.results[0].distance_mm > 50.0  # (its report came back)


@needs_vm
def test_a_run_whose_report_the_vm_lost_is_not_made_up(tmp_path: Path) -> None:
    """A program that never moves its robot's clock (gc.collect() in a loop) gets a
    SIGINT after the Ctrl-C its clock would have read; it goes off in a garbage
    collection, the heap stays locked and the VM dies before the robot's report: the
    interrupted run carries no result, not one with the start's pose and clock."""
    _, board, stopped = ctrl_c_after(tmp_path / "collects.py", 1,
                                     "import gc\n"
                                     "from robokit import robot, wait\n"
                                     "junk = [[i] for i in range(100000)]\n"
                                     "robot.drive_base.drive(200, 0)\n"
                                     "wait(500)\n"
                                     "print('going')\n"
                                     "while True:\n"
                                     "    gc.collect()\n")
    assert stopped.results == [] and board.report_lost


@needs_vm
def test_many_printed_lines_come_back_at_their_times(tmp_path: Path) -> None:
    prog = tmp_path / "chatty.py"
    prog.write_text("from robokit import *\nhub = Hub()\nfor i in range(20000):\n"
                    "    print('line', i, end='\\r\\n' if i % 7 else '\\n')\n    if i % 500 == 0:\n"
                    "        wait(1)\nprint('no newline', end='')\n")
    default = simulate(prog)
    got, board = run(prog)
    assert board.on_host is None and got.status == default.status == "finished"
    assert got.telemetry.output == default.telemetry.output
    assert got.telemetry.output[-1][1] == "no newline" and got.telemetry.output[-1][0] > 0
