"""``robokit run PROGRAM --exact``: the program as its bundle's .mpy in MicroPython's VM.

The CLI brings the two halves together (the layers keep them apart): the board is
``robokit.virtual.exact.ExactBoard`` (the simulated robot and world of the default mode,
served in this process), the run is ``robokit.targets.micropython.exact.run_exact``
(compile for the VM's mpy ABI, upload, the brick-side loader). What comes back is the
``RunResult`` of the default mode, so the summary, --json, --plot, --telemetry and
--replay are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._errors import fail


def refuse(programs: int, at: str | None, kit: str | None, input_file: Path | None) -> None:
    """Say (one line, exit 2) what --exact cannot go with, or that it cannot run here."""
    if at is not None:
        fail("--exact runs the program in the simulator's MicroPython VM; leave it out to "
             "run on a brick")
    if programs > 1:
        fail("--exact runs one program; several programs together run in the default mode "
             "(leave out --exact)")
    if kit is not None:
        fail("--board with --exact: a kit is simulated at pin level on `robokit sim serve "
             "--board NAME` (then `robokit run PROGRAM --port PTY`); leave out one of them")
    if input_file is not None:
        fail("--input with --exact: the program in the VM reads no input file; leave out "
             "one of them")
    from ..virtual.exact import missing

    why = missing()
    if why is not None:
        fail(why)


def simulate_exact(program: Path, world: str | None, robot: Path | None, seed: int | None,
                   noise: bool | None, duration: float | None,
                   on_output: Callable[[str, float], None] | None,
                   presses: tuple[Any, ...], on_start: Any) -> Any:
    """The run of ``program`` with --exact, as ``robokit.sim.simulate`` returns one."""
    from ..targets.micropython.exact import run_exact
    from ..virtual.exact import ExactBoard, run_settings

    # (a bad world is said as in the default mode: its WorldError, with --json its file
    # and line)
    w, seconds = run_settings(program, world, duration)
    if robot is None:  # the world's [[robots]] robot file, as in the default mode
        files = w.robot_files()
        robot = files[0][1] if files else None
    if presses:
        from ..sim.presses import check_press_times

        check_press_times(presses, seconds)
    cfg = None
    if robot is not None:
        from ..config import load_robot

        cfg = load_robot(str(robot))
    board = ExactBoard(w, duration_s=seconds, seed=seed,
                       noise=bool(noise) if noise is not None else seed is not None,
                       presses=presses, on_start=on_start, robot=cfg)
    from ..sim.runner import RunInterrupted

    try:
        result = run_exact(program, board, robot=robot, on_output=on_output)
    except RunInterrupted as exc:  # (the run as far as it went, named as below)
        for run in exc.results:
            _name(run, program)
        raise
    finally:
        board.close()
    _name(result, program)
    return result


def _name(result: Any, program: Path) -> None:
    """Name the run's program as the default mode names it (the file, not the bundle's
    program name)."""
    if program.suffix != ".rkb":
        from .._files import shown_path

        result.program = shown_path(program / "main.py" if program.is_dir() else program)
