"""The speed yardstick (benchmarks/minimal_loop.py) does the simulator's work: the same
robot, physics and control as a robokit run of the line follower, so it ends where robokit
ends. A ratio to a loop that did less would flatter nothing and mean nothing."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

from robokit.sim import simulate

ROOT = Path(__file__).resolve().parents[2]
LAP = ROOT / "benchmarks" / "programs" / "line_follower_endless.py"


def load_minimal_loop() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "minimal_loop", ROOT / "benchmarks" / "minimal_loop.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_minimal_loop_ends_where_robokit_ends() -> None:
    ml = load_minimal_loop()
    x, y, heading, _wall = ml.run(ml.setup(), 30.0)
    r = simulate(LAP, world="oval", duration=30.0)
    assert r.status == "timeout", r.traceback
    assert r.distance_mm > 5000  # more than a lap: the comparison covers the whole oval
    assert math.hypot(x - r.pose[0], y - r.pose[1]) < 0.5
    assert abs(heading - r.pose[2]) < 0.1
