"""Several robots in one run: ``simulate([A, B, ...])`` (see :func:`robokit.sim.simulate`).

Each program runs on its own robot, at the world's start poses (``[[robots]]``) in order,
all on one simulated clock (:class:`~robokit.sim.arena.Arena`).  The result is one
:class:`~robokit.sim.result.RunResult` for the run, whose ``robots`` holds each robot's
own result; ``verdict`` is what a rule said when it ended the run.

A rule is a function called with the arena every :data:`RULE_PERIOD_US` of simulated
time; when it returns a string, the run ends there and that string is the verdict.
:func:`ring_out` makes the sumo referee's rule.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..compiler.bundle import Bundle
from ..errors import ProgramError
from .arena import Arena
from .brick import SimBrick
from .result import RunResult
from .runner import directives_in, program_from_bundle, robot_for, run_programs
from .starts import check_starts
from .world import World
from .world.loading import BUILTIN_WORLDS

#: How often a rule looks at the arena, µs of simulated time.
RULE_PERIOD_US = 10_000

Rule = Callable[[Arena], "str | None"]


def ring_out(radius: float, center: tuple[float, float] = (0.0, 0.0)) -> Rule:
    """The sumo referee: a robot is out once the middle of its body leaves the ring of
    ``radius`` mm around ``center``; the run ends when at most one robot is still in it
    (with two robots, when the first leaves), and the verdict says who won (the last
    robot still in it) and when each other robot left, or that the last ones left at
    once: ``robot 1 wins: robot 3 left the ring at 0.98 s; robot 2 at 3.52 s``."""
    # the run the rule last looked at (weakly: not kept alive for it), and for that run,
    # robot index -> the simulated s it left
    state: dict[str, Any] = {"arena": lambda: None, "left": {}}

    def rule(arena: Arena) -> str | None:
        if state["arena"]() is not arena:  # a new run: nobody has left yet
            state["arena"], state["left"] = weakref.ref(arena), {}
        left: dict[int, float] = state["left"]
        t = arena.bricks[0].now / 1e6
        for b in arena.bricks:
            if b.index in left:
                continue  # out is out, even driving back in
            shape = b.body_shape()
            if math.hypot(shape[1] - center[0], shape[2] - center[1]) > radius:
                left[b.index] = t
        inside = [b.index for b in arena.bricks if b.index not in left]
        if not left or len(inside) > 1:
            return None
        times: dict[float, list[int]] = {}
        for i, at in left.items():
            times.setdefault(at, []).append(i)
        said = [f"{', '.join(f'robot {i + 1}' for i in sorted(who))}"
                f"{' left the ring' if k == 0 else ''} at {at:.2f} s"
                for k, (at, who) in enumerate(sorted(times.items()))]
        gone = "; ".join(said)
        if len(inside) == 1:
            return f"robot {inside[0] + 1} wins: {gone}"
        return f"no winner: {gone}"

    return rule


def simulate_several(
    programs: Sequence[str | Path | Bundle],
    *,
    world: World,
    duration: float,
    robots: Sequence[str | Path | dict[str, Any] | None],
    seed: int | None,
    noise: bool,
    telemetry_hz: float,
    on_output: Callable[[str, float], None] | None,
    hang_budget_s: float,
    on_start: Callable[[SimBrick], None] | None,
    input: str | None,
    rule: Rule | None,
    presses: tuple[Any, ...],
    load: Callable[[Any, Any], tuple[Bundle, Path]],
) -> RunResult:
    """Run ``programs`` together in ``world`` (already loaded, its duration decided);
    ``load(program, robot)`` gives each one's verified bundle and folder."""
    wall0 = time.perf_counter()
    starts = _starts(world, len(programs))
    bricks: list[SimBrick] = []
    loaded = []
    base_seed = seed if seed is not None else (0 if noise else None)  # as for one robot
    named = world.robot_files()
    for i, program in enumerate(programs):
        robot = robots[i] if i < len(robots) else None
        if robot is None and named[i][1] is not None:  # the world's [[robots]] robot
            robot = named[i][1]
        bundle, folder = load(program, robot)
        cfg = robot_for(bundle, robot)
        entry = bundle.module(bundle.entry)
        if entry.source is not None:
            # A bad `# robokit:` line is an error as in a run of one; the world and the
            # duration are the run's, not each program's.
            directives_in(entry.source.decode("utf-8"), folder / entry.path)
        loaded.append(program_from_bundle(bundle, folder))
        bricks.append(SimBrick(world, cfg, seed=None if base_seed is None else base_seed + i,
                               noise=noise, duration_s=duration, telemetry_hz=telemetry_hz,
                               start=starts[i]))
    _check_modules(loaded, programs)
    for b in bricks:
        b.set_presses(presses)
    arena = Arena(world, bricks)
    check_starts(world, bricks, arena)
    if rule is not None:
        arena.rule = rule
        arena.rule_period_us = RULE_PERIOD_US
    if on_start is not None:
        on_start(bricks[0])
    outputs = [None if on_output is None else _tagged(on_output, i)
               for i in range(len(bricks))]
    results = run_programs(bricks, loaded, on_output=outputs, hang_budget_s=hang_budget_s,
                           input=input)
    wall = time.perf_counter() - wall0
    for r in results:
        r.wall_time_s = wall
    first = results[0]
    worst = ("error" if any(r.status == "error" for r in results)
             else "timeout" if any(r.status == "timeout" for r in results) else "finished")
    match = RunResult(status=worst, sim_time_s=first.sim_time_s, wall_time_s=wall,
                      start_pose=first.start_pose, pose=first.pose,
                      distance_mm=first.distance_mm, output=first.output, error=first.error,
                      traceback=first.traceback, brick=first.brick, program=first.program,
                      left_behind=any(r.left_behind for r in results))
    match.robots = results
    match.verdict = arena.verdict
    match.objects = arena.object_states()
    return match


def _tagged(on_output: Callable[[str, float], None], i: int) -> Callable[[str, float], None]:
    """Each line a robot prints, marked with its number: ``[2] hello``."""
    return lambda line, t: on_output(f"[{i + 1}] {line}", t)


def _starts(world: World, count: int) -> list[tuple[float, float, float]]:
    starts = [(r.pose.x, r.pose.y, r.pose.heading) for r in world.robots]
    if count > len(starts):
        have = len(starts)
        # A built-in world cannot be changed: a world file of one's own can
        built_in = world.folder is None and world.name in BUILTIN_WORLDS
        add = ("write a world file with a [[robots]] table (x, y and heading) for each "
               "robot (docs/worlds.md)" if built_in else
               "add a [[robots]] table with x, y and heading for each robot to the world file")
        kind = "the built-in world" if built_in else "the world"
        raise ProgramError(
            f"{count} programs, but {kind} {world.name!r} has only {have} start pose"
            f"{'' if have == 1 else 's'} for several robots; give at most {have} programs, "
            f"or {add}" if have else
            f"{count} programs, but {kind} {world.name!r} has no start poses for several "
            f"robots; pick a world that has them (sumo: 2, arena: 3, empty: 4), or {add}")
    return starts[:count]


def _check_modules(loaded: list[Any], programs: Sequence[Any]) -> None:
    """Programs share the process's module table: two modules of one name must be one."""
    seen: dict[str, tuple[str, str]] = {}
    for program, lp in zip(programs, loaded, strict=True):
        for name in sorted(lp.importer.names()):
            source = lp.importer.source(name)
            if name in seen and seen[name][1] != source:
                raise ProgramError(
                    f"{seen[name][0]} and {program} each have a module named {name!r}, with "
                    "different code; the robots of one run share module names, so rename "
                    "one of them")
            seen.setdefault(name, (str(program), source))
