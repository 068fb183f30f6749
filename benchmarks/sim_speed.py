"""How much faster than real time the simulated brick runs, and what a user waits for.

Prints, in one run (medians of ``--repeat`` runs; the machine may be shared):

1. every example in examples/ (the top-level programs, each as written: its world and
   duration), its real-time factor in the default mode and with ``--exact`` (the program's
   .mpy in MicroPython's VM, robokit.virtual.exact; one run each; "(host)": its robot ran
   on the host, not in the VM), and whether the two end at the same pose;
2. the heavier cases: the line follower on `oval` and a robot with four motors and all
   sensors in `arena`, and the sumo example pushing a box, 60 simulated seconds each; the
   line follower also with ``--exact`` (its real-time factor, and the HAL round trips
   between the VM and the host per simulated second);
3. the yardstick (benchmarks/minimal_loop.py): the line follower's physics and control as
   one flat pure-Python loop, its real-time factor, robokit's as a fraction of it, and how
   far apart the two robots end after 60 s;
4. from benchmarks/startup.py: the wall time of `robokit run examples/line_follower.py`
   next to `python -c pass`, and loops with no wait;
5. the CPU time `--plot` adds to that run (an SVG, a PNG), next to the simulation's own time.

The peer is the wall clock itself: 1000x means a simulated minute takes 60 ms.

    python benchmarks/sim_speed.py [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from robokit import _compiled
from robokit.sim import simulate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # startup.py and minimal_loop.py, beside this file

import minimal_loop  # noqa: E402
import startup  # noqa: E402

CASES = [
    ("line_follower on oval", HERE / "programs" / "line_follower_endless.py", "oval", None),
    ("four motors + all sensors in arena", HERE / "programs" / "all_devices.py", "arena",
     HERE / "programs" / "four_motors.toml"),
    ("sumo example, pushing a box", ROOT / "examples" / "sumo.py", "sumo", None),
]
#: The run whose --plot cost is measured (a whole lap, as a user runs it).
LAP = ROOT / "examples" / "line_follower.py"


def exact_run(program: Path, world: str | None, robot: Path | None,
              duration: float | None) -> tuple[float, object, int, str | None]:
    """One ``--exact`` run: its real-time factor, its RunResult, the HAL round trips it
    took and why its robot ran on the host (None: in the VM, robokit.virtual.localsim)."""
    from robokit.config import load_robot
    from robokit.targets.micropython.exact import run_exact
    from robokit.virtual.exact import ExactBoard, run_settings

    w, seconds = run_settings(program, world, duration)
    board = ExactBoard(w, duration_s=seconds,
                       robot=load_robot(str(robot)) if robot is not None else None)
    try:
        r = run_exact(program, board, robot=robot)
        trips = board.round_trips
    finally:
        board.close()
    assert r.status in ("timeout", "finished"), r.traceback
    return r.real_time_factor, r, trips, getattr(board, "on_host", "")


def exact_missing() -> str | None:
    from robokit.virtual.exact import missing

    return missing()


def measure(program: Path, world: str | None, robot: Path | None, repeat: int,
            duration: float | None = 60.0) -> tuple[list[float], object]:
    factors = []
    r = None
    for _ in range(repeat):
        r = simulate(program, world=world, robot=robot, duration=duration, telemetry_hz=50)
        assert r.status in ("timeout", "finished"), r.traceback
        if duration is not None:
            assert r.status == "timeout", r.traceback  # ran the whole time
        factors.append(r.real_time_factor)
    return factors, r


def as_python(repeat: int) -> None:
    """The heavier cases again with the compiled core off (ROBOKIT_COMPILED=0: every
    module from its Python source), in a process of their own."""
    if not any(state == "compiled" for state in _compiled.found.values()):
        return
    code = ("import json, statistics, sim_speed as s\n"
            "for label, program, world, robot in s.CASES:\n"
            "    s.measure(program, world, robot, 1)\n"
            f"    f, _ = s.measure(program, world, robot, {repeat})\n"
            "    print(json.dumps([label, statistics.median(f)]))\n")
    env = dict(os.environ, **{_compiled.ENV: "0"}, PYTHONPATH=str(HERE))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    for line in out.splitlines():
        label, median = json.loads(line)
        print(f"{label:38s} as Python ({_compiled.ENV}=0): median {median:7.0f}x")


def examples(repeat: int) -> None:
    why = exact_missing()
    if why is not None:
        print(f"--exact: not available here ({why})")
    print(f"{'example':28s} {'world':7s} {'sim s':>7s} {'default':>9s} {'--exact':>12s}  "
          "same pose")
    for program in sorted((ROOT / "examples").glob("*.py")):
        measure(program, None, None, 1, None)  # warm up: imports, world tables
        f, r = measure(program, None, None, repeat, None)
        exact, same = "n/a", ""
        if why is None:
            xf, xr, _, on_host = exact_run(program, None, None, None)
            exact = f"{xf:.1f}x" + ("" if on_host is None else " (host)")
            same = "yes" if xr.pose == r.pose else (  # type: ignore[attr-defined]
                f"NO: {xr.pose} vs {r.pose}")  # type: ignore[attr-defined]
        print(f"{program.name:28s} {r.world.name:7s} {r.sim_time_s:7.2f} "  # type: ignore[attr-defined]
              f"{statistics.median(f):8.0f}x {exact:>12s}  {same}")


def exact_line_follower(repeat: int) -> None:
    """The line follower on oval, 60 s, with --exact: real-time factor and round trips."""
    if exact_missing() is not None:
        return
    label, program, world, robot = CASES[0]
    factors, trips, on_host = [], 0, None
    for _ in range(repeat):
        xf, r, trips, on_host = exact_run(program, world, robot, 60.0)
        factors.append(xf)
    where = "the robot in the VM" if on_host is None else f"the robot on the host: {on_host}"
    print(f"{label + ', --exact':38s} real-time factor: median {statistics.median(factors):7.1f}x"
          f"  (min {min(factors):.1f}x, max {max(factors):.1f}x, {repeat} runs of 60 s; "
          f"{where}; {trips / 60.0:.0f} HAL round trips per simulated second)")


def yardstick(repeat: int) -> None:
    """The minimal loop's real-time factor, robokit's on the same 60 s, and the end poses."""
    c = minimal_loop.setup()
    minimal_loop.run(c, 60.0)  # warm
    walls = []
    for _ in range(repeat):
        x, y, h, wall = minimal_loop.run(c, 60.0)
        walls.append(wall)
    f, r = measure(CASES[0][1], "oval", None, repeat)
    mine = 60.0 / statistics.median(walls)
    ours = statistics.median(f)
    pose = r.pose  # type: ignore[attr-defined]
    apart = math.hypot(x - pose[0], y - pose[1])
    print(f"minimal loop (benchmarks/minimal_loop.py)  real-time factor: median {mine:7.0f}x  "
          f"(the line follower on oval, 60 s)")
    print(f"  robokit on the same 60 s: {ours:.0f}x = {ours / mine:.2f} of the minimal loop; "
          f"they end {apart:.3f} mm and {abs(h - pose[2]):.3f}° apart")


def cpu_of(args: list[str]) -> float:
    """CPU seconds (user + system) of one `robokit ARGS` process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(startup.PYCACHE)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(startup.robokit_cmd() + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"robokit {' '.join(args)} failed:\n{p.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plot_cost(repeat: int) -> None:
    """The CPU time --plot adds to `robokit run examples/line_follower.py`, as an SVG and as
    a PNG (runs taken in turn, medians), next to the simulation's own wall time."""
    base = ["run", str(LAP)]
    with tempfile.TemporaryDirectory() as tmp:
        plotted = {s: base + ["--plot", str(Path(tmp) / f"lap{s}")] for s in (".svg", ".png")}
        cpu_of(base), [cpu_of(a) for a in plotted.values()]  # warm: bytecode, cache entries
        plain: list[float] = []
        with_plot: dict[str, list[float]] = {s: [] for s in plotted}
        for _ in range(repeat):
            plain.append(cpu_of(base))
            for s, a in plotted.items():
                with_plot[s].append(cpu_of(a))
    simulate(LAP)  # warm
    sim_ms = 1000 * statistics.median([simulate(LAP).wall_time_s for _ in range(repeat)])
    for s, cpus in with_plot.items():
        extra = 1000 * (statistics.median(cpus) - statistics.median(plain))
        print(f"--plot lap{s} adds {extra:6.0f} ms of CPU to robokit run examples/line_follower.py "
              f"(median of {repeat}; the run alone: {1000 * statistics.median(plain):.0f} ms); "
              f"the simulation takes {sim_ms:.0f} ms (aim: at most {sim_ms + 150:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    args = ap.parse_args()
    host0 = _host_cpu()
    print(_compiled.summary())
    examples(args.repeat)
    print()
    for label, program, world, robot in CASES:
        measure(program, world, robot, 1)  # warm up: imports, world rasters, bytecode
        f, _ = measure(program, world, robot, args.repeat)
        print(f"{label:38s} real-time factor: median {statistics.median(f):7.0f}x  "
              f"(min {min(f):.0f}x, max {max(f):.0f}x, {args.repeat} runs of 60 s)")
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(measure, program, world, robot, 1)
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    as_python(args.repeat)
    exact_line_follower(args.repeat)
    print()
    yardstick(args.repeat)
    print()
    startup.cli_startup(max(5, 2 * args.repeat))
    plot_cost(args.repeat)
    startup.waitless(1)
    _say_host(host0)


def _host_cpu() -> tuple[float, float, float] | None:
    """(wall s, CPU s the whole machine spent busy, CPU s of this process and its
    children) now; None where /proc/stat is not there."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.monotonic(), (sum(ticks[:8]) - idle) / hz, t[0] + t[1] + t[2] + t[3]


def _say_host(start: tuple[float, float, float] | None) -> None:
    """How busy the machine was with other work meanwhile: the figures above are wall
    time, which another process on these cores slows."""
    end = _host_cpu()
    if start is None or end is None:
        return
    wall = end[0] - start[0]
    others = max(0.0, (end[1] - start[1]) - (end[2] - start[2]))
    print(f"host: {os.cpu_count()} cores; other processes used {others:.1f} s of CPU in the "
          f"{wall:.0f} s of this benchmark ({100 * others / wall:.0f} % of one core)")


if __name__ == "__main__":
    main()
