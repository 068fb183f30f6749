"""A run on robokit's simulated board, handed back to the host.

A real board has no way to say where its robot went; robokit's simulated board
(``robokit sim serve``, the MicroPython VM) can, and says so through a built-in module
no real firmware has, ``robokit_simboard``:

- ``robokit_simboard.made()``: how many simulated robots the board has made (one per
  run that uses the HAL); asked before a run, it tells the host it talks to the
  simulator (``ImportError`` on any other board);
- ``robokit_simboard.report()``: prints the last robot's run as JSON (the board's
  ``SimBoard.run_report``: robot, world, poses, distance, contacts, telemetry).

:func:`run_result` turns that report and the run's :class:`BrickResult` into the
``RunResult`` the simulator returns, so the CLI prints the same summary and writes the
same plot, replay and telemetry files.
"""

from __future__ import annotations

import copy
import json
import math
from typing import TYPE_CHECKING, Any

from ...link import RemoteError
from ..base import BrickResult, TargetError

if TYPE_CHECKING:
    from ...link.rawrepl import RawRepl
    from ...sim.result import RunResult

#: The board script asking how many simulated robots the board has made.
MADE_SCRIPT = "import robokit_simboard\nprint(robokit_simboard.made())\n"
#: The board script printing the last simulated robot's run as JSON.
REPORT_SCRIPT = "import robokit_simboard\nrobokit_simboard.report()\n"


def robots_made(repl: RawRepl, timeout: float) -> int | None:
    """How many simulated robots the board behind ``repl`` has made; None when it is not
    robokit's simulated board (it has no ``robokit_simboard``)."""
    try:
        out, _ = repl.exec(MADE_SCRIPT, timeout)
    except RemoteError:
        return None  # ImportError: a real board (or the CPython stand-in)
    try:
        return int(out.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def fetch_report(repl: RawRepl, timeout: float) -> dict[str, Any]:
    """The simulated board's report of its last robot's run (see the module docstring)."""
    try:
        out, _ = repl.exec(REPORT_SCRIPT, max(timeout, 30.0))
    except RemoteError as e:
        raise TargetError("the simulated board could not report the run: "
                          f"{e.traceback.strip().splitlines()[-1]}") from e
    try:
        report = json.loads(out.decode("utf-8", "replace"))
    except ValueError as exc:
        raise TargetError("the simulated board's report of the run is not JSON") from exc
    if not isinstance(report, dict):
        raise TargetError("the simulated board's report of the run is not a JSON object")
    return report


def run_result(report: dict[str, Any], brick: BrickResult) -> RunResult:
    """The ``RunResult`` of a run on the simulated board: its robot, world, poses and
    telemetry from ``report`` (:func:`fetch_report`), its status, output and error from
    ``brick`` (a "stopped" run keeps that status; ``wall_time_s`` is the run's seconds on
    the board)."""
    from ...sim.brick import SimBrick
    from ...sim.motor import MODELS
    from ...sim.result import RunResult
    from ...sim.world import World

    world = World.from_dict(report["world"], source=str(report.get("world_source") or
                                                       "<the simulated board's world>"))
    robot = report["robot"]
    placeholder = copy.deepcopy(robot)
    for dev in placeholder["devices"].values():
        if dev.get("model") not in MODELS and dev.get("type") in ("Motor", "DCMotor"):
            dev["model"] = "spike_medium"  # a kit's motor model: the board simulated it
    sim = SimBrick(world, placeholder, seed=report.get("seed"),
                   noise=bool(report.get("noise")))
    sim.robot = robot
    sim.now = int(round(float(report["sim_time_s"]) * 1e6))
    t = report["telemetry"]
    rec = sim.recorder
    rec.columns = list(t["columns"])
    rec.rows = [tuple(math.nan if v is None else float(v) for v in row) for row in t["rows"]]
    rec.events = list(t["events"])
    rec.output = [(int(round(o["t_ms"] * 1000)), o["text"]) for o in t["output"]]
    rec.period_us = int(t.get("period_us") or rec.period_us)
    rec.events_dropped = int(t.get("events_dropped") or 0)
    rec.output_dropped_lines = int(t.get("output_dropped_lines") or 0)
    start = tuple(float(v) for v in report["start_pose"])
    pose = tuple(float(v) for v in report["pose"])
    return RunResult(
        status=brick.status, sim_time_s=float(report["sim_time_s"]),
        wall_time_s=brick.seconds, start_pose=start, pose=pose,
        distance_mm=float(report["distance_mm"]), output=brick.output, error=brick.error,
        traceback=brick.traceback, brick=sim, program=brick.program,
        contacts=report["contacts"])
