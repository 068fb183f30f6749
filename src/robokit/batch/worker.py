"""One batch run, in a process of its own: confine it, simulate, hand back one row.

The warm template process (:mod:`robokit.batch.template`) imports this module: the
simulator, and the worlds a batch uses, are loaded once there, and every run is a fork
of that process with none of a user's code in it yet.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..compiler.bundle import Bundle
from ..errors import RobokitError
from ..sim import simulate
from ..sim.brick import COLOR_FOOTPRINT_MM
from ..sim.world import load_world
from . import sandbox
from .outcomes import STACKS_FILE, error_of

_WARM_UP = """\
from robokit import robot, wait
robot.drive_base.straight(10)
robot.color_sensor.reflection()
robot.ultrasonic_sensor.distance()
wait(10)
"""

#: How much of a run's output a row keeps (the rest is counted).
ROW_OUTPUT_CHARS = 10_000


def warm(worlds: str) -> None:
    """Load (and rasterise) the worlds a batch will use (names joined by os.pathsep),
    once, in the template process."""
    for name in filter(None, worlds.split(os.pathsep)):
        try:
            world = load_world(name)
            world.prepare(surface=True)
            world.surface.sampler(COLOR_FOOTPRINT_MM)  # what a colour sensor reads through
        except (RobokitError, OSError):  # the run itself will say what is wrong
            pass
    # A short run of robokit's own: the device API and everything a run imports or
    # caches on first use is then in the template, not paid again by every run.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="robokit-warm-") as tmp:
        program = Path(tmp) / "warm_up.py"
        program.write_text(_WARM_UP, encoding="utf-8")
        try:
            simulate(program, duration=1.0)
        except RobokitError:  # pragma: no cover - robokit's own program runs
            pass


def confined_run(job: dict[str, Any], bundle_bytes: bytes, scratch: str,
                 limits: dict[str, Any]) -> dict[str, Any]:
    """In a run's own process: confine it, run ``job``; the row's results."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # nothing the program writes reaches the template's pipes
        os.dup2(devnull, fd)
    os.close(devnull)
    sys.stdout = sys.stderr = io.StringIO()
    try:
        _stacks_before_the_kill(Path(scratch), limits.get("wall_s"))
        sandbox.enter(Path(scratch), cpu_s=limits.get("cpu_s"),
                      memory_mb=limits.get("memory_mb"))
        row = run_job(job, bundle_bytes, replay=bool(limits.get("replay")),
                      find=limits.get("output_contains") or ())
        return row
    except BaseException as exc:  # noqa: B036 - whatever happens, the parent gets a row
        return {"status": "error", "error": error_of(exc, 2000)}


def _stacks_before_the_kill(scratch: Path, wall_s: float | None) -> None:
    """Shortly before the run's wall time is up (and the batch kills it), write where its
    threads are (faulthandler, from a thread of its own: whatever the run is stuck in)."""
    if not wall_s:
        return
    import faulthandler

    scratch.mkdir(parents=True, exist_ok=True)
    f = open(scratch / STACKS_FILE, "w", encoding="utf-8")  # noqa: SIM115 - open until exit
    faulthandler.dump_traceback_later(wall_s - min(2.0, wall_s / 4), file=f)


def run_job(job: dict[str, Any], bundle_bytes: bytes, *, replay: bool = False,
            find: Sequence[str] = ()) -> dict[str, Any]:
    """Simulate ``job`` (program, world, seed, duration) on the bundle; the row's
    results (everything but the job's own columns). With ``replay``, the run's HTML
    replay too, as ``_replay`` (the parent writes it where it belongs). ``find``: texts
    to look for in all the run printed (the checks' output_contains); those found are
    ``_output_found``."""
    bundle = Bundle.from_bytes(bundle_bytes, job["program"])
    try:
        result = simulate(bundle, world=job["world"], seed=job["seed"],
                          duration=job["duration"], project_dir=job["project_dir"])
    except RobokitError as exc:  # a setting robokit cannot use (world, duration)
        return {"status": "invalid", "error": error_of(exc)}
    d = result.to_dict()
    output = d.get("output") or ""
    kept = output[:ROW_OUTPUT_CHARS]
    rec = result.telemetry
    # past its first 1,000,000 characters the run counted what it printed, not kept it
    printed = (rec.output_chars + rec.output_dropped_chars if rec.output_dropped_lines
               else len(output))
    row = {
        "status": d["status"],
        "sim_time_s": d["sim_time_s"],
        "pose": d["pose"],
        "distance_mm": d["distance_mm"],
        "contacts": d.get("contacts"),
        "output": kept,
        "output_chars_dropped": max(0, printed - len(kept)),
        "error": d["error"],
        "wall_time_s": d["wall_time_s"],
    }
    if find:
        row["_output_found"] = [text for text in find if text in output]
    if replay:
        from ..sim.replay import replay_html

        row["_replay"] = replay_html(result)
    return row
