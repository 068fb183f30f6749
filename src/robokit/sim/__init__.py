"""The simulated brick: run robot programs with no hardware.

``simulate(program, world=..., robot=..., seed=..., duration=...)`` runs a
program in a world and returns a :class:`RunResult` with the final pose, the
output, the error (if any) and the telemetry.  A program goes through the same
bundle a brick gets: it is compiled (and checked) for the ``sim`` target, the
bundle is verified, and the simulated brick runs the bundle's sources.

Physics only: the clock and the simulated brick's HAL (``brick``), motors (``motor``),
worlds (``world/``: shapes, geometry, model, loading), the floor's colours
(``surface``), the recorder, the runner, the program's clock (``simtime``), the run's
result (``result``) and plots. Hardware that speaks protocols is
``robokit.virtual``'s.

May import: the device API (it is the HAL under it), ``robokit.compiler`` (programs
become bundles before they run), ``robokit.config``, ``robokit.kits`` and
``robokit.errors``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from .._files import shown_path
from ..compiler.bundle import Bundle
from ..config import check_robot, find_robot, load_robot
from ..errors import CheckError, ProgramError
from .brick import SimBrick, check_duration
from .result import RunResult
from .runner import (
    RunInterrupted,
    directives_in,
    program_from_bundle,
    read_directives,
    robot_for,
    run_program,
)
from .world import World, load_world

__all__ = ["RunResult", "SimBrick", "World", "load_world", "load_bundle", "simulate"]


def _checked_presses(press: Any) -> tuple[Any, ...]:
    """robokit.sim.presses.check_presses, imported only for a run with presses to check
    (the module costs a run without any ~0.7 ms)."""
    if press is None or (isinstance(press, tuple | list) and not press):
        return ()
    from .presses import check_presses

    return check_presses(press)


def load_bundle(
    program: str | Path | Bundle, robot: str | Path | dict[str, Any] | None = None
) -> tuple[Bundle, Path]:
    """The verified bundle of ``program`` and the folder its files are shown under.

    ``program``: a .py file or project folder (compiled for the ``sim`` target, checks
    included), a built ``.rkb`` file, or a :class:`Bundle`."""
    from ..compiler.compile import bundle_of

    robot_arg = robot if isinstance(robot, dict) else (str(robot) if robot else None)
    bundle, found = bundle_of(program, target="sim", robot=robot_arg)
    if bundle.read_bytes() is None:  # (a bundle read from its bytes was verified then)
        # Verify what will run exactly as a brick would: from the bundle's bytes.
        bundle = Bundle.from_bytes(bundle.to_bytes(), bundle.program if found is None
                                   else str(program))
    return bundle, found if found is not None else Path.cwd()


def simulate(
    program: str | Path | Bundle | Sequence[str | Path | Bundle],
    *,
    world: str | Path | World | None = None,
    robot: (str | Path | dict[str, Any] | Sequence[str | Path | dict[str, Any] | None]
            | None) = None,
    seed: int | None = None,
    noise: bool | None = None,
    duration: float | None = None,
    telemetry_hz: float = 50.0,
    on_output: Callable[[str, float], None] | None = None,
    hang_budget_s: float = 5.0,
    on_start: Callable[[SimBrick], None] | None = None,
    project_dir: str | Path | None = None,
    input: str | None = None,
    replay: str | Path | None = None,
    press: Iterable[str | tuple[Any, ...]] | str | None = None,
    rule: Callable[[Any], str | None] | None = None,
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
    as with a closed stdin (the simulator never waits for a keyboard).  ``replay``: write
    the run's HTML replay there (robokit.sim.replay; checked before the run, never
    written over the program's own files).  ``press``: scripted hub button presses, each
    ``"center@2s"`` (held 100 ms), ``"left@3s-4s"`` or a ``(button, start_s, end_s)``
    tuple; ``hub.buttons.pressed()`` reports them at those simulated times
    (robokit.sim.presses; a bad one raises ProgramError before the run).

    Several robots: ``program`` a list of programs, each run on its own robot at the
    world's start poses (``[[robots]]``) in order, on one simulated clock
    (robokit.sim.arena); ``robot`` then a list too (one robot file or config per
    program, None for a program's own), and ``on_output`` gets each line marked with
    the robot's number (``"[2] hello"``).  The world, duration and seed are the run's
    (the first program's ``# robokit:`` line names the world and duration when not
    given); robot i's noise is seeded with ``seed + i``.  The result's ``robots`` holds
    each robot's own RunResult (its fields are robot 1's).  ``rule(arena)``, looked at
    every 10 ms of simulated time, ends the run when it returns a string, the result's
    ``verdict`` (robokit.sim.match.ring_out is the sumo referee's).

    A duration must be a finite number of seconds above 0 and at most
    ``robokit.sim.brick.MAX_DURATION_S``; a ProgramError says so otherwise.

    What the program does wrong is a status, never an exception: a runtime error, a hang,
    and a syntax error in the program or one of its modules (found when it is compiled:
    status ``"error"``, ``error["type"] == "SyntaxError"`` with its file and line,
    ``traceback`` the compiler's message with a caret, ``ran`` False) all return a
    :class:`RunResult`.  Bad settings raise (they are not the program's fault): an
    unknown world or a bad world file (WorldError), a bad duration (ProgramError), a bad
    robot.toml (ConfigError), a program file that is not there (ProgramError); so does
    what the compiler's checks refuse before the program can be built (an import of a
    module that is neither the program's nor the brick's: CheckError; a file that is not
    UTF-8 text: ProgramError).
    """
    wall0 = time.perf_counter()
    presses = _checked_presses(press)
    if isinstance(program, list | tuple):
        return _several(list(program), world, robot, seed, noise, duration, telemetry_hz,
                        on_output, hang_budget_s, on_start, input, replay, presses, rule)
    if isinstance(robot, list | tuple):
        raise ProgramError("a list of robots goes with a list of programs; give one robot "
                           "(a robot file or a config) for one program")
    program = cast("str | Path | Bundle", program)
    robot = cast("str | Path | dict[str, Any] | None", robot)
    if robot is None and not isinstance(program, Bundle):
        robot, world = _world_robot(program, world)
    inputs = [] if isinstance(program, Bundle) else [Path(program)]
    if replay is not None:
        from .._files import check_output

        check_output(replay, inputs=inputs, what="replay")
    try:
        bundle, found_dir = load_bundle(program, robot)
    except ProgramError as exc:
        if not _is_syntax_error(exc):
            raise
        return _not_started(exc, program, world, robot, duration, seed, noise, telemetry_hz,
                            time.perf_counter() - wall0)
    project_dir = Path(project_dir).resolve() if project_dir is not None else found_dir
    entry = bundle.module(bundle.entry)
    if entry.source is not None:
        directives = directives_in(entry.source.decode("utf-8"),
                                   project_dir.joinpath(*entry.path.split("/")))
    else:
        directives = {}
    w, duration = _settings(world, duration, directives, presses)
    cfg = robot_for(bundle, robot)
    if noise is None:
        noise = seed is not None
    try:
        loaded = program_from_bundle(bundle, project_dir)
    except ProgramError as exc:  # a hand-made bundle whose sources do not compile
        if not _is_syntax_error(exc):
            raise
        return _not_started(exc, program, w, cfg, duration, seed, noise, telemetry_hz,
                            time.perf_counter() - wall0)
    brick = SimBrick(w, cfg, seed=seed if seed is not None else (0 if noise else None),
                     noise=noise, duration_s=duration, telemetry_hz=telemetry_hz)
    brick.set_presses(presses)
    arena = None
    if w.objects or rule is not None:
        from .arena import Arena

        arena = Arena(w, [brick])
        arena.rule = rule
    if on_start is not None:
        on_start(brick)  # (before the check: robokit run --board puts the kit's body on)
    from .starts import check_starts

    check_starts(w, [brick], arena)
    try:
        result = run_program(brick, loaded, on_output=on_output,
                             hang_budget_s=hang_budget_s, input=input)
    except RunInterrupted as exc:  # the run as far as it went: where the objects are too
        if arena is not None:
            for run in exc.results:
                run.objects = arena.object_states()
        raise
    if arena is not None:
        result.objects = arena.object_states()
        result.verdict = arena.verdict
    if replay is not None:
        from .replay import write_replay

        write_replay(result, replay, inputs=inputs)
    return result


def _several(programs: list[Any], world: Any, robot: Any, seed: int | None,
             noise: bool | None, duration: float | None, telemetry_hz: float,
             on_output: Any, hang_budget_s: float, on_start: Any, input: str | None,
             replay: Any, presses: Any, rule: Any) -> RunResult:
    from .match import simulate_several

    if not programs:
        raise ProgramError("simulate() was given an empty list of programs; give one or more")
    robots = list(robot) if isinstance(robot, list | tuple) else [robot] * len(programs)
    if len(robots) > len(programs):
        raise ProgramError(f"{len(robots)} robots for {len(programs)} programs; give one "
                           "robot file (or None) per program")
    entry = _entry_of(programs[0])  # a .rkb bundle has no source lines to read here
    w, duration = _settings(world, duration, read_directives(entry)
                            if entry is not None and entry.suffix == ".py" else {}, presses)
    if replay is not None:
        from .._files import check_output

        check_output(replay, inputs=[Path(p) for p in programs if not isinstance(p, Bundle)],
                     what="replay")
    if noise is None:
        noise = seed is not None
    result = simulate_several(
        programs, world=w, duration=duration, robots=robots, seed=seed, noise=noise,
        telemetry_hz=telemetry_hz, on_output=on_output, hang_budget_s=hang_budget_s,
        on_start=on_start, input=input, rule=rule, presses=presses, load=load_bundle)
    if replay is not None:
        from .replay import write_replay

        write_replay(result, replay, inputs=[Path(p) for p in programs
                                             if not isinstance(p, Bundle)])
    return result


def _entry_of(program: str | Path | Bundle) -> Path | None:
    """The file ``program`` names (a folder: its main.py); None for a Bundle."""
    if isinstance(program, Bundle):
        return None
    p = Path(program)
    return p / "main.py" if p.is_dir() else p


#: How the compiler begins the message of a syntax error: "FILE:LINE: syntax error ...".
#: (Compiled by ``re``'s cache when first needed: only a program that does not compile.)
_SYNTAX = (r"^(?P<file>.+?):(?P<line>\d+): "
           r"(?:syntax error|MicroPython cannot compile this)\b(?P<rest>.*)")


def _is_syntax_error(exc: ProgramError) -> bool:
    return not isinstance(exc, CheckError) and re.match(_SYNTAX, str(exc)) is not None


def _world_robot(program: str | Path, world: str | Path | World | None
                 ) -> tuple[Path | None, str | Path | World | None]:
    """The robot file the world's first ``[[robots]]`` names (its ``robot`` key), for a
    program with none of its own (no robot.toml beside it; not a .rkb bundle, which
    carries its robot), as in a run of several; and the world, loaded when it was read
    for that (the argument's, else the program's ``# robokit: world=`` line)."""
    if Path(program).suffix == ".rkb" or find_robot(program) is not None:
        return None, world
    if world is None:
        entry = _entry_of(program)
        if entry is None or entry.suffix != ".py" or not entry.is_file():
            return None, world
        named = read_directives(entry).get("world")
        if named is None:
            return None, world
        world = named
    w = world if isinstance(world, World) else load_world(world)
    files = w.robot_files()
    return (files[0][1] if files else None), w


def _settings(world: str | Path | World | None, duration: float | None,
              directives: dict[str, Any], presses: tuple[Any, ...] = ()
              ) -> tuple[World, float]:
    """The run's world and duration: the arguments, else the program's directives; a
    ProgramError for one of ``presses`` that begins when the run is over."""
    if world is None:
        world = directives.get("world", "empty")
    if duration is None:
        duration = directives.get("duration", 60.0)
    else:
        duration = check_duration(duration)
    if presses:
        from .presses import check_press_times

        check_press_times(presses, duration)
    return (world if isinstance(world, World) else load_world(world)), duration


def _not_started(exc: ProgramError, program: str | Path | Bundle,
                 world: str | Path | World | None, robot: str | Path | dict[str, Any] | None,
                 duration: float | None, seed: int | None, noise: bool | None,
                 telemetry_hz: float, wall_s: float) -> RunResult:
    """The result of a program that never started: it has a syntax error.  The settings
    are still loaded (and raise when bad), so the result has its world and robot."""
    text = str(exc)
    m = re.match(_SYNTAX, text)
    assert m is not None
    first = text.splitlines()[0]
    message = first[len(m["file"]) + len(m["line"]) + 3:]
    file = exc.file if exc.file is not None else m["file"]
    line = exc.line if exc.line is not None else int(m["line"])
    entry = _entry_of(program)
    w, duration = _settings(world, duration, read_directives(entry) if entry else {})
    if isinstance(robot, dict):
        cfg = check_robot(robot)
    elif robot is not None:
        cfg = load_robot(robot)
    else:
        beside = entry.parent / "robot.toml" if entry is not None else None
        cfg = load_robot(str(beside) if beside is not None and beside.is_file() else None)
    if noise is None:
        noise = seed is not None
    brick = SimBrick(w, cfg, seed=seed if seed is not None else (0 if noise else None),
                     noise=noise, duration_s=duration, telemetry_hz=telemetry_hz)
    shown = str(entry) if entry is not None else program.program  # type: ignore[union-attr]
    return RunResult(
        status="error", sim_time_s=0.0, wall_time_s=wall_s, start_pose=brick.start_pose,
        pose=brick.start_pose, distance_mm=0.0, output="",
        error={"type": "SyntaxError", "message": message, "file": file, "line": line},
        traceback=text, brick=brick, program=shown_path(shown), ran=False)
