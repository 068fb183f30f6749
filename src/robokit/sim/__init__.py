"""The simulated brick: run robot programs with no hardware.

``simulate(program, world=..., robot=..., seed=..., duration=...)`` runs a
program in a world and returns a :class:`RunResult` with the final pose, the
output, the error (if any) and the telemetry.  A program goes through the same
bundle a brick gets: it is compiled (and checked) for the ``sim`` target, the
bundle is verified, and the simulated brick runs the bundle's sources.

Physics only: the clock and the simulated brick's HAL (``brick``), motors (``motor``),
worlds (``world/``: shapes, geometry, model, loading), the floor's colours
(``surface``), the recorder, the runner and plots. Hardware that speaks protocols is
``robokit.virtual``'s.

May import: the device API (it is the HAL under it), ``robokit.compiler`` (programs
become bundles before they run), ``robokit.config``, ``robokit.kits`` and
``robokit.errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..compiler.bundle import Bundle
from ..config import check_robot, load_robot
from .brick import SimBrick, check_duration
from .runner import RunResult, directives_in, program_from_bundle, run_program
from .world import World, load_world

__all__ = ["RunResult", "SimBrick", "World", "load_world", "load_bundle", "simulate"]


def load_bundle(
    program: str | Path | Bundle, robot: str | Path | dict[str, Any] | None = None
) -> tuple[Bundle, Path]:
    """The verified bundle of ``program`` and the folder its files are shown under.

    ``program``: a .py file or project folder (compiled for the ``sim`` target, checks
    included), a built ``.rkb`` file, or a :class:`Bundle`."""
    from ..compiler.compile import bundle_of

    robot_arg = robot if isinstance(robot, dict) else (str(robot) if robot else None)
    bundle, found = bundle_of(program, target="sim", robot=robot_arg)
    if isinstance(program, Bundle) or Path(program).suffix != ".rkb":  # read() verified
        # Verify what will run exactly as a brick would: from the bundle's bytes.
        bundle = Bundle.from_bytes(bundle.to_bytes(), bundle.program if found is None
                                   else str(program))
    return bundle, found if found is not None else Path.cwd()


def simulate(
    program: str | Path | Bundle,
    *,
    world: str | Path | World | None = None,
    robot: str | Path | dict[str, Any] | None = None,
    seed: int | None = None,
    noise: bool | None = None,
    duration: float | None = None,
    telemetry_hz: float = 50.0,
    on_output: Callable[[str, float], None] | None = None,
    hang_budget_s: float = 5.0,
    on_start: Callable[[SimBrick], None] | None = None,
    project_dir: str | Path | None = None,
    input: str | None = None,
) -> RunResult:
    """Run ``program`` (a .py file, a folder with main.py, a .rkb bundle or a Bundle)
    on a simulated brick.

    ``world``: a built-in name, a world file, or a World; by default the world the
    program names in a ``# robokit: world=NAME`` line, else ``empty``.  ``robot``: a
    robot.toml path, a config dict, or None: robot.toml beside the program, else the
    standard rover (a bundle carries its robot; ``robot`` replaces it).  ``seed``:
    turns on noise (unless ``noise=False``) with that seed; ``noise=True`` alone uses
    seed 0.  ``duration``: simulated seconds before the run stops with status
    "timeout" (default: the program's ``# robokit: duration=S`` line, else 60).
    ``on_output(line, sim_time_s)`` is called for each line the program prints;
    ``on_start(brick)`` with the simulated brick before the program starts (call
    ``brick.end_now()`` from another thread to stop the run).  ``project_dir``: where
    the files of a ``Bundle`` given as ``program`` are (for tracebacks; default: the
    current folder).  ``input``: the text the program's ``input()`` (and ``sys.stdin``)
    reads, line by line; after it, and with None at once, ``input()`` raises EOFError
    as with a closed stdin (the simulator never waits for a keyboard).

    A duration must be a finite number of seconds above 0 and at most
    ``robokit.sim.brick.MAX_DURATION_S``; a ProgramError says so otherwise.
    """
    bundle, found_dir = load_bundle(program, robot)
    project_dir = Path(project_dir).resolve() if project_dir is not None else found_dir
    entry = bundle.module(bundle.entry)
    if entry.source is not None:
        directives = directives_in(entry.source.decode("utf-8"),
                                   project_dir.joinpath(*entry.path.split("/")))
    else:
        directives = {}
    if world is None:
        world = directives.get("world", "empty")
    if duration is None:
        duration = directives.get("duration", 60.0)
    else:
        duration = check_duration(duration)
    w = world if isinstance(world, World) else load_world(world)
    if isinstance(robot, dict):
        cfg = check_robot(robot)
    elif robot is not None:
        cfg = load_robot(robot)
    else:
        cfg = check_robot(bundle.robot, source=f"{bundle.program} (the bundle's robot)")
    if noise is None:
        noise = seed is not None
    loaded = program_from_bundle(bundle, project_dir)
    brick = SimBrick(w, cfg, seed=seed if seed is not None else (0 if noise else None),
                     noise=noise, duration_s=duration, telemetry_hz=telemetry_hz)
    if on_start is not None:
        on_start(brick)
    return run_program(brick, loaded, on_output=on_output, hang_budget_s=hang_budget_s,
                       input=input)
