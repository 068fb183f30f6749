"""Laps a minute when many runs are wanted: one `robokit run` process per run, against
`robokit batch --jobs 1` and `--jobs 2` (forks of a warm template process) and a local
Dask cluster (a scheduler and two single-thread workers on this machine).

A lap is examples/line_follower.py on `oval` (it drives one lap and stops). The peer is
the plain way, one `robokit run` per program, measured in the same run; the ratios are
batch over it. Prints laps a minute and the ratio for each.

    python benchmarks/batch_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAP = Path(__file__).resolve().parents[1] / "examples" / "line_follower.py"


def robokit() -> list[str]:
    exe = shutil.which("robokit")
    return [exe] if exe else [sys.executable, "-m", "robokit.cli"]


def one_process_per_run(n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        subprocess.run([*robokit(), "run", str(LAP), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def batch(n: int, jobs: int, scheduler: str | None = None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.jsonl"
        t = time.perf_counter()
        # n different seeds: n runs (the rows are keyed by seed, so none is skipped)
        more = ["--scheduler", scheduler] if scheduler else []
        subprocess.run([*robokit(), "batch", str(LAP), "--seeds", str(n), "--jobs", str(jobs),
                        "--out", str(out), "-q", *more], check=True)
        took = time.perf_counter() - t
        assert sum(1 for _ in out.open()) == n
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    n = ap.parse_args().runs
    print(f"{os.cpu_count()} cores, {n} laps each", flush=True)
    base = one_process_per_run(n)
    print(f"one robokit run per lap: {60 * n / base:7.0f} laps/min", flush=True)
    for jobs in (1, 2):
        took = batch(n, jobs)
        print(f"robokit batch --jobs {jobs}:  {60 * n / took:7.0f} laps/min   "
              f"({base / took:.1f}x one process per run)", flush=True)
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        print("Dask cluster: not measured (pip install \"robokit[dask]\")")
        return
    from robokit.batch.distributed import local_cluster

    with local_cluster(workers=2) as address:
        batch(2, 1, address)  # each worker starts its template on its first run
        took = batch(n, 1, address)
        print(f"local Dask, 2 workers:  {60 * n / took:7.0f} laps/min   "
              f"({base / took:.1f}x one process per run)", flush=True)


if __name__ == "__main__":
    main()
