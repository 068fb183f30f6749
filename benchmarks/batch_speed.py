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


def dask_cluster() -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and two workers on this machine, ready."""
    import socket

    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], **quiet)]
    time.sleep(2)
    procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                "--nthreads", "1", "--no-nanny", "--dashboard-address", ":0"],
                               **quiet) for _ in range(2)]
    with Client(address, timeout=30) as c:
        c.wait_for_workers(2, timeout=60)
    return address, procs


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
    try:
        address, procs = dask_cluster()
    except ImportError:
        print("Dask cluster: not measured (pip install \"robokit[dask]\")")
        return
    try:
        batch(2, 1, address)  # each worker starts its template on its first run
        took = batch(n, 1, address)
        print(f"local Dask, 2 workers:  {60 * n / took:7.0f} laps/min   "
              f"({base / took:.1f}x one process per run)", flush=True)
    finally:
        for group in (procs[1:], procs[:1]):  # the workers, then the scheduler
            for p in group:
                p.terminate()
            for p in group:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    main()
