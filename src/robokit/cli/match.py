"""``robokit run A.py B.py ...``: several robots in one simulated world."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from ._errors import EXIT_PROGRAM_ERROR, fail
from ._output import (
    check_file_names,
    check_outputs,
    fmt_number,
    fmt_pose,
    object_line,
    read_input,
    run_inputs,
    sim_progress,
    sim_time_line,
    write_run_files,
)


def run_several(programs: tuple[Path, ...], robots: tuple[Path, ...], *, at: Any,
                world: str | None, seed: int | None, noise: bool, duration: float | None,
                as_json: bool, plot: Path | None, telemetry: Path | None,
                replay: Path | None, input_file: Path | None, kit: str | None,
                press: tuple[str, ...]) -> None:
    """Run ``programs`` together on the simulator, one robot each, and report each."""
    if at is not None:
        fail("several programs run only on the simulator, each on its own robot; give one "
             "PROGRAM with --port, --ble or --pybricks")
    if len(robots) > len(programs):
        fail(f"--robot: {len(robots)} robot files for {len(programs)} program"
             f"{'' if len(programs) == 1 else 's'}; give one --robot per program, in order")
    if kit is not None:
        fail("--board: not for several robots yet; leave it out (or give each program "
             "its robot with --robot)")
    check_file_names(plot, telemetry, replay)
    from ..sim.brick import check_duration
    from ..sim.presses import check_presses
    from ..targets.program import find_robot

    if duration is not None:
        duration = check_duration(duration, "--duration")
    check_presses(press, "--press")  # said with the option's name, before anything runs
    given_input = read_input(input_file)
    own = [find_robot(p, robots[i] if i < len(robots) else None)
           for i, p in enumerate(programs)]
    inputs = [f for p, r in zip(programs, own, strict=True)
              for f in run_inputs(p, r, world, input_file)]
    check_outputs(inputs, telemetry, plot, replay)
    from ..sim import simulate

    def echo(line: str, t: float) -> None:
        click.echo(line)

    on_output: Any = None if as_json else echo
    on_start: Any = None
    # A long run draws its simulated time against the duration on a terminal's stderr,
    # as a run of one does (not with --json, not into a pipe or log)
    progress = None if as_json else sim_progress("run")
    if progress is not None:
        on_output, on_start = progress.wrap_output(echo), progress.on_start
    with progress or nullcontext():
        result = simulate(list(programs), world=world, robot=own, seed=seed,
                          noise=True if noise else None, duration=duration,
                          on_output=on_output, on_start=on_start, input=given_input,
                          press=press, replay=replay)
    write_run_files(result, telemetry, plot, None, inputs)  # (simulate wrote the replay)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _summary(result, telemetry, plot, replay)
    if result.status == "error":
        sys.exit(EXIT_PROGRAM_ERROR)


def _summary(result: Any, telemetry: Path | None, plot: Path | None,
             replay: Path | None) -> None:
    colour = {"finished": "green", "timeout": "yellow", "error": "red"}
    click.echo("")
    click.echo(f"── {len(result.robots)} robots on {result.world.name} ──")
    click.echo(sim_time_line(result))
    if result.verdict:
        click.echo(f"verdict    {result.verdict}")
    for i, r in enumerate(result.robots):
        status = click.style(r.status, fg=colour[r.status])
        click.echo(f"robot {i + 1}    {r.program}: {status}")
        click.echo(f"  pose     {fmt_pose(r.pose, r.imu_heading_deg)}   "
                   f"(start {fmt_pose(r.start_pose, 0.0)})")
        click.echo(f"  distance {fmt_number(r.distance_mm, 0)} mm driven; "
                   f"{r.contacts['count']} contact{'' if r.contacts['count'] == 1 else 's'}")
        if r.traceback:
            sys.stdout.flush()
            click.echo(f"robot {i + 1}: {r.traceback}", err=True)
    for o in result.objects:
        click.echo(object_line(o))
    for label, path in (("telemetry", telemetry), ("plot", plot), ("replay", replay)):
        if path is not None:
            click.echo(f"{label:10s} {path}")
