"""How fast `robokit compile` is, against `pybricksdev compile` on the same project.

Generates a 10-module and a 50-module project (small modules importing each
other, the way a Pybricks robot program is split up), then times, in this one
run and on this machine:

* ``robokit compile PROJECT --target pybricks`` cold (an empty cache folder),
* the same again warm (the cache filled by the cold run),
* ``pybricksdev compile --abi 6 --bin main.py`` (what ``pybricksdev run`` does
  before it uploads),

each as a fresh process (both tools' start-up counts; bytecode caching of Python
imports left on, as users have it, even if PYTHONDONTWRITEBYTECODE is set here,
after one warm-up run of each tool), and prints the ratios
robokit/pybricksdev, cold and warm, and the sizes: robokit's bundle without
sources against pybricksdev's multi-file blob plus robokit's manifest, and
robokit's own Pybricks export against pybricksdev's blob.

Aims (issue 3): cold at most 0.15x, warm at most 0.05x pybricksdev's time;
size within 5 %.

    python benchmarks/compile_speed.py [--repeat N] [--sizes 10,50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIM_COLD = 0.15
AIM_WARM = 0.05
AIM_SIZE = 0.05


def _module(i: int, deps: list[int]) -> str:
    """One realistic small module: constants, a class with methods, a helper function."""
    imports = "\n".join(f"import mod{d:02d}" for d in deps)
    uses = " + ".join(f"mod{d:02d}.scale({i})" for d in deps) or "0"
    return f'''"""Part {i} of the robot program: a small controller and its helpers."""

from pybricks.tools import wait
{imports}

GAIN_{i} = {1 + i % 7}.{i % 10}
LIMIT_{i} = {100 + 13 * i}
NAMES_{i} = ("left", "right", "arm", "sensor {i}")


def scale(x):
    """Scale x by this part's gain, clamped to its limit."""
    y = x * GAIN_{i}
    if y > LIMIT_{i}:
        return LIMIT_{i}
    if y < -LIMIT_{i}:
        return -LIMIT_{i}
    return y


class Controller{i}:
    """A PD controller with a history of its last errors."""

    def __init__(self, kp={0.5 + i / 10}, kd={i % 5 / 10}):
        self.kp = kp
        self.kd = kd
        self.last = 0
        self.history = []

    def update(self, target, measured):
        error = target - measured
        derivative = error - self.last
        self.last = error
        self.history.append(error)
        if len(self.history) > 20:
            self.history.pop(0)
        return scale(self.kp * error + self.kd * derivative)

    def mean_error(self):
        if not self.history:
            return 0
        return sum(self.history) / len(self.history)

    def settle(self, read, target, steps=50):
        for _ in range(steps):
            out = self.update(target, read())
            if abs(out) < 1:
                return True
            wait(10)
        return False


def combined():
    return {uses}


def describe():
    parts = []
    for n, name in enumerate(NAMES_{i}):
        parts.append("%d:%s" % (n, name))
    return ", ".join(parts)
'''


def make_project(folder: Path, n: int) -> Path:
    """main.py plus n-1 modules mod01..; each imports up to three earlier ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, n):
        deps = [d for d in (i - 1, i // 2, i // 3) if 0 < d < i]
        (folder / f"mod{i:02d}.py").write_text(_module(i, sorted(set(deps))), encoding="utf-8")
    top = [i for i in range(1, n) if i > (n - 1) // 2] or [1]
    main = "\n".join(f"import mod{i:02d}" for i in range(1, n) if i in top)
    main += "\n\nfor m in (" + ", ".join(f"mod{i:02d}" for i in top) + ",):\n"
    main += "    print(m.describe(), m.combined())\n"
    (folder / "main.py").write_text(main, encoding="utf-8")
    return folder


def _tool(name: str, module: str) -> list[str]:
    """The console script beside this interpreter (not a shell shim), else ``-m``."""
    bindir = Path(sys.executable).parent
    for cand in (bindir / name, bindir / (name + ".exe")):
        if cand.is_file():
            return [str(cand)]
    return [sys.executable, "-m", module]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def _time(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, bytes]:
    env = env if env is not None else _env()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                         + proc.stderr.decode(errors="replace"))
    return dt, proc.stdout


def measure(n: int, repeat: int, work: Path) -> dict[str, float]:
    project = make_project(work / f"project{n}", n)
    robokit = _tool("robokit", "robokit.cli")
    pybricksdev = _tool("pybricksdev", "pybricksdev")
    out = work / f"project{n}.rkb"
    base_cmd = [*robokit, "compile", str(project), "--target", "pybricks", "-o", str(out), "-q"]
    # Warm-up: Python writes its own bytecode caches for both tools' imports.
    _time(base_cmd, project, _env(ROBOKIT_CACHE_DIR=str(work / "warmup")))
    _time([*pybricksdev, "compile", "--abi", "6", "--bin", "main.py"], project)

    cold, warm = [], []
    for r in range(repeat):
        cache = work / f"cache{n}-{r}"
        env = _env(ROBOKIT_CACHE_DIR=str(cache))
        cold.append(_time(base_cmd, project, env)[0])
        for _ in range(2):
            warm.append(_time(base_cmd, project, env)[0])
    pyb = []
    blob = b""
    for _ in range(max(1, repeat)):
        dt, blob = _time([*pybricksdev, "compile", "--abi", "6", "--bin", "main.py"], project)
        pyb.append(dt)

    # Sizes: our bundle without sources against pybricksdev's blob plus our manifest.
    env = _env(ROBOKIT_CACHE_DIR=str(work / f"cache{n}-0"))
    stripped = work / f"project{n}-stripped.rkb"
    _time([*robokit, "compile", str(project), "--target", "pybricks", "--strip-source",
           "-o", str(stripped), "-q"], project, env)
    ours_blob = work / f"project{n}.bin"
    _time([*robokit, "compile", str(project), "--format", "pybricks", "-o", str(ours_blob),
           "-q"], project, env)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from robokit.compiler.bundle import Bundle

    bundle = Bundle.read(stripped)
    import json

    manifest = len(json.dumps(bundle.manifest(), sort_keys=True, separators=(",", ":")))
    return {
        "modules": n,
        "robokit_cold": statistics.median(cold),
        "robokit_warm": statistics.median(warm),
        "pybricksdev": statistics.median(pyb),
        "rkb_stripped": stripped.stat().st_size,
        "pybricksdev_blob": len(blob),
        "manifest": manifest,
        "robokit_blob": ours_blob.stat().st_size,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--sizes", default="10,50", help="project sizes in modules")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="robokit-compile-bench-"))
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
              f"median of {args.repeat} runs; each run a fresh process")
        print(f"{'modules':>7}  {'robokit cold':>12}  {'robokit warm':>12}  "
              f"{'pybricksdev':>11}  {'cold ratio':>10}  {'warm ratio':>10}")
        results = [measure(int(s), args.repeat, work) for s in args.sizes.split(",")]
        for r in results:
            cold = r["robokit_cold"] / r["pybricksdev"]
            warm = r["robokit_warm"] / r["pybricksdev"]
            print(f"{r['modules']:>7}  {r['robokit_cold'] * 1000:>10.0f}ms  "
                  f"{r['robokit_warm'] * 1000:>10.0f}ms  {r['pybricksdev'] * 1000:>9.0f}ms  "
                  f"{cold:>9.3f}x  {warm:>9.3f}x   (aims {AIM_COLD}x / {AIM_WARM}x: "
                  f"{'met' if cold <= AIM_COLD else 'MISSED'} / "
                  f"{'met' if warm <= AIM_WARM else 'MISSED'})")
        # For scale: a warm compile is mostly the interpreter starting.
        start = statistics.median(_time([sys.executable, "-c", "pass"], work)[0]
                                  for _ in range(max(3, args.repeat)))
        ref10 = results[0]["pybricksdev"]
        print(f"(python -c pass alone: {start * 1000:.0f}ms = {start / ref10:.3f}x of "
              f"pybricksdev's {results[0]['modules']}-module time)")
        print()
        print(f"{'modules':>7}  {'pybricksdev blob':>16}  {'+ manifest':>10}  "
              f"{'robokit .rkb':>12}  {'ratio':>6}  {'robokit blob':>12}  {'ratio':>6}")
        for r in results:
            ref = r["pybricksdev_blob"] + r["manifest"]
            ratio = r["rkb_stripped"] / ref
            blob_ratio = r["robokit_blob"] / r["pybricksdev_blob"]
            print(f"{r['modules']:>7}  {r['pybricksdev_blob']:>16,}  {ref:>10,}  "
                  f"{r['rkb_stripped']:>12,}  {ratio:>6.3f}  {r['robokit_blob']:>12,}  "
                  f"{blob_ratio:>6.3f}   (aim within {AIM_SIZE:.0%}: "
                  f"{'met' if abs(ratio - 1) <= AIM_SIZE else 'MISSED'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
