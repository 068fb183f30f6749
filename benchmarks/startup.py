"""How long a whole `robokit run` takes next to a bare Python start, and how fast a
loop with no wait runs.

Prints:
- the median wall time of `robokit run examples/line_follower.py` (a 22.5 s lap on
  `oval`, as a user types it: a new process each time) next to `python -c pass`, and
  their ratio (the aim: at most 4x);
- the same with an empty cache folder each run (what the very first run pays: the
  world's raster and footprint table are built, not read);
- the real-time factor of loops with no wait, 60 simulated seconds each (the aim: at
  least 20x): benchmarks/programs/drive_no_wait.py (a student's loop calling the same
  drive() again and again), run_no_wait.py (Motor.run) and read_no_wait.py (a colour
  sensor read, on `oval`).

    python benchmarks/startup.py [--repeat N] [--importtime] [--phases] [--installed]

``--installed`` also measures both in a non-editable install (``pip install .``, the
README's first command) made in a temporary venv, its dependencies read from this
environment's site-packages: there ``python -c pass`` does not load the editable
install's import finder (~12 ms, and the pathlib, re and urllib.parse it imports), so
Python starts in about half the time, and ``robokit run`` pays those imports itself.

``--importtime`` also prints the slowest imports of one `robokit run` (python -X
importtime), to see what is left; ``--phases`` the wall time of a process that stops
after each phase of a run (Python; importing click, robokit.cli, robokit.sim; the
bundle and the world; the run) and what each adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LAP = ROOT / "examples" / "line_follower.py"
WAITLESS = [("drive(150, 20)", HERE / "programs" / "drive_no_wait.py", "empty"),
            ("arm.run(200)", HERE / "programs" / "run_no_wait.py", "empty"),
            ("eye.reflection()", HERE / "programs" / "read_no_wait.py", "oval")]


#: Where the runs keep their bytecode: an installed robokit has its .pyc files (pip writes
#: them), so each run here may write them too, once, away from the source tree; an
#: environment with PYTHONDONTWRITEBYTECODE would otherwise compile every module each run.
PYCACHE = Path(tempfile.gettempdir()) / "robokit-startup-bench-pycache"


def wall(cmd: list[str], repeat: int, fresh_cache: bool = False) -> list[float]:
    times = []
    for _ in range(repeat):
        run_env = dict(os.environ)
        run_env.pop("PYTHONDONTWRITEBYTECODE", None)
        run_env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        with tempfile.TemporaryDirectory() as tmp:
            if fresh_cache:
                run_env["ROBOKIT_CACHE_DIR"] = tmp
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=run_env, cwd=ROOT)
            times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")
    return times


def robokit_cmd() -> list[str]:
    """The `robokit` script beside this Python (as a user runs it), else -m."""
    script = Path(sys.executable).with_name("robokit")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "robokit.cli"]


def importtime() -> None:
    code = ("import sys; from robokit._console import command; "
            f"sys.argv = ['robokit', 'run', {str(LAP)!r}]; command()")
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            own, cum, name = line[len("import time:"):].split("|")
            rows.append((int(cum), int(own), name.rstrip()))
    print("slowest imports of one run, µs (cumulative, self):")
    for cum, own, name in sorted(rows, reverse=True)[:15]:
        print(f"  {cum:8d} {own:8d}  {name}")


def waitless(repeat: int) -> None:
    from robokit.sim import simulate

    for label, program, world in WAITLESS:
        factors = []
        for _ in range(repeat):
            r = simulate(program, world=world, duration=60.0)
            assert r.status == "timeout", r.traceback
            factors.append(r.real_time_factor)
        print(f"loop with no wait: {label:18s}   real-time factor "
              f"{statistics.median(factors):4.0f}x  (60 s; aim: at least 20x)")


def cli_startup(n: int, python: str = sys.executable, robokit: list[str] | None = None,
                cold_too: bool = True) -> None:
    """Print the CLI's wall time next to `python -c pass` (runs taken in turn, so both
    see the same load on the machine)."""
    cmd = (robokit or robokit_cmd()) + ["run", str(LAP)]
    wall(cmd, 1)  # warm: bytecode, the cache entries
    bare: list[float] = []
    run: list[float] = []
    for _ in range(n):
        bare += wall([python, "-c", "pass"], 1)
        run += wall(cmd, 1)
    b, r = statistics.median(bare), statistics.median(run)
    print(f"python -c pass                          {b * 1000:6.0f} ms  (median of {n})")
    print(f"robokit run examples/line_follower.py   {r * 1000:6.0f} ms  "
          f"= {r / b:.1f}x python -c pass  (aim: at most 4x)")
    if cold_too:
        c = statistics.median(wall(cmd, max(3, n // 3), fresh_cache=True))
        print(f"  the same with an empty cache           {c * 1000:6.0f} ms  = {c / b:.1f}x")


def installed_startup(n: int) -> None:
    """The same comparison in a non-editable install of this tree (``pip install .``) in
    a temporary venv whose dependencies are this environment's (a .pth file)."""
    import site
    import venv

    with tempfile.TemporaryDirectory(prefix="robokit-installed-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        py = env_dir / "bin" / "python"
        purelib = subprocess.run([str(py), "-c", "import sysconfig; "
                                  "print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
        Path(purelib, "robokit_deps.pth").write_text("\n".join(deps) + "\n")
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
                       check=True, stdout=subprocess.DEVNULL)
        print("a non-editable install (pip install . in a venv of its own):")
        cli_startup(n, str(py), [str(env_dir / "bin" / "robokit")], cold_too=False)


#: What each phase of a run adds, as the Python code of a process that stops after it.
PHASES = [
    ("python -c pass", "pass"),
    ("+ import click", "import click"),
    ("+ import robokit.cli", "import robokit.cli"),
    ("+ import robokit.sim", "import robokit.cli, robokit.sim"),
    ("+ the bundle and the world", "import robokit.cli, robokit.sim; "
     f"robokit.sim.load_bundle({str(LAP)!r}); robokit.sim.load_world('oval')"),
    ("+ the run (simulation, output, exit)", "import sys; from robokit._console import "
     f"command; sys.argv = ['robokit', 'run', {str(LAP)!r}]; command()"),
]


def phases(n: int) -> None:
    """Print where a run's start-up goes: the median wall time of a process that stops
    after each phase, taken in turn, and what each phase adds to the one before."""
    times: dict[str, list[float]] = {label: [] for label, _ in PHASES}
    for _ in range(n + 1):  # the first round warms the bytecode and the cache
        for label, code in PHASES:
            times[label] += wall([sys.executable, "-c", code], 1)
    print("where a run's time goes (median wall time of a process that stops there):")
    before = 0.0
    for label, _ in PHASES:
        t = statistics.median(times[label][1:])
        print(f"  {label:38s} {t * 1000:6.1f} ms  ({(t - before) * 1000:+6.1f})")
        before = t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--importtime", action="store_true", help="print the slowest imports")
    ap.add_argument("--phases", action="store_true",
                    help="print what each phase of a run adds to its wall time")
    ap.add_argument("--installed", action="store_true",
                    help="also measure a non-editable install (pip install .)")
    args = ap.parse_args()
    cli_startup(args.repeat)
    if args.installed:
        installed_startup(args.repeat)
    if args.phases:
        phases(args.repeat)
    waitless(max(1, args.repeat // 5))
    if args.importtime:
        importtime()


if __name__ == "__main__":
    main()
