"""The simulated brick: run robot programs with no hardware.

``simulate(program, world=..., robot=..., seed=..., duration=...)`` runs a
program file in a world and returns a :class:`RunResult` with the final pose,
the output, the error (if any) and the telemetry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import check_robot, load_robot
from .brick import SimBrick
from .runner import RunResult, read_directives, run_program
from .world import World, load_world

__all__ = ["RunResult", "SimBrick", "World", "load_world", "simulate"]


def simulate(
    program: str | Path,
    *,
    world: str | Path | World | None = None,
    robot: str | Path | dict[str, Any] | None = None,
    seed: int | None = None,
    noise: bool | None = None,
    duration: float | None = None,
    telemetry_hz: float = 50.0,
    on_output: Callable[[str, float], None] | None = None,
    hang_budget_s: float = 5.0,
) -> RunResult:
    """Run ``program`` (a .py file or a folder with main.py) on a simulated brick.

    ``world``: a built-in name, a world file, or a World; by default the world the
    program names in a ``# robokit: world=NAME`` line, else ``empty``.  ``robot``: a robot.toml
    path, a config dict, or None for the standard rover.  ``seed``: turns on
    noise (unless ``noise=False``) with that seed; ``noise=True`` alone uses seed 0.
    ``duration``: simulated seconds before the run stops with status "timeout"
    (default: the program's ``# robokit: duration=S`` line, else 60).
    ``on_output(line, sim_time_s)`` is called for each line the program prints.
    """
    directives = read_directives(program)
    if world is None:
        world = directives.get("world", "empty")
    if duration is None:
        duration = directives.get("duration", 60.0)
    w = world if isinstance(world, World) else load_world(world)
    if isinstance(robot, dict):
        cfg = check_robot(robot)
    else:
        cfg = load_robot(robot)
    if noise is None:
        noise = seed is not None
    brick = SimBrick(w, cfg, seed=seed if seed is not None else (0 if noise else None),
                     noise=noise, duration_s=duration, telemetry_hz=telemetry_hz)
    return run_program(brick, program, on_output=on_output, hang_budget_s=hang_budget_s)
