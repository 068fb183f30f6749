"""How much faster than real time the simulated brick runs.

Prints the real-time factor (simulated seconds per wall-clock second, on one
core) of:
- the line follower on `oval`, 60 simulated seconds;
- a robot with four motors, the colour and ultrasonic sensors and the IMU, all
  in use, in `arena`, 60 simulated seconds;
- examples/sumo.py, 60 simulated seconds: it reaches the opponent box after
  about 3 s and pushes against it (a wall contact every physics step) to the end.
The peer is the wall clock itself: 1000x means a simulated minute takes 60 ms.
Then, from benchmarks/startup.py: the wall time of `robokit run
examples/line_follower.py` next to `python -c pass`, and loops with no wait.

    python benchmarks/sim_speed.py [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
from pathlib import Path

from robokit.sim import simulate

HERE = Path(__file__).resolve().parent
CASES = [
    ("line_follower on oval", HERE / "programs" / "line_follower_endless.py", "oval", None),
    ("four motors + all sensors in arena", HERE / "programs" / "all_devices.py", "arena",
     HERE / "programs" / "four_motors.toml"),
    ("sumo example, pushing a box", HERE.parent / "examples" / "sumo.py", "sumo", None),
]


def measure(program: Path, world: str, robot: Path | None, repeat: int) -> list[float]:
    factors = []
    for _ in range(repeat):
        r = simulate(program, world=world, robot=robot, duration=60.0, telemetry_hz=50)
        assert r.status == "timeout", r.traceback  # ran the whole minute
        factors.append(r.real_time_factor)
    return factors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    args = ap.parse_args()
    for label, program, world, robot in CASES:
        measure(program, world, robot, 1)  # warm up: imports, world rasters, bytecode
        f = measure(program, world, robot, args.repeat)
        print(f"{label:38s} real-time factor: median {statistics.median(f):7.0f}x  "
              f"(min {min(f):.0f}x, max {max(f):.0f}x, {args.repeat} runs of 60 s)")
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(measure, program, world, robot, 1)
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    import startup  # beside this file

    startup.cli_startup(max(5, 2 * args.repeat))
    startup.waitless(1)


if __name__ == "__main__":
    main()
