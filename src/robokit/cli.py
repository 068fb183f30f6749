"""The ``robokit`` command line: parsing, printing and exit codes; no logic of its own.

Exit codes: 0 the program finished (or ran until --duration), 1 the program
raised an exception, 2 robokit could not do what was asked (bad input: one
clear line on stderr, no traceback), 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import RobokitError

EXIT_PROGRAM_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _fail(command: str, message: str) -> None:
    click.echo(f"robokit: {command}: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _fmt_pose(p: tuple[float, float, float]) -> str:
    return f"x={p[0]:.0f} mm, y={p[1]:.0f} mm, heading={p[2]:.1f}°"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="robokit")
def main() -> None:
    """Program robot kits in Python; run the programs on a simulated brick."""


@main.command()
@click.argument("program", type=click.Path(path_type=Path))
@click.option("--world", "world", default=None,
              help="A built-in world name (see `robokit worlds`) or a world file (.toml/.json); "
                   "default: the program's `# robokit: world=NAME` line, else empty.")
@click.option("--robot", "robot", type=click.Path(path_type=Path), default=None,
              help="robot.toml describing the robot; default: robot.toml next to the "
                   "program if there is one, else the standard rover.")
@click.option("--seed", type=int, default=None, help="Seed for sensor noise and motor variance "
              "(turns noise on); the same seed gives the same run.")
@click.option("--noise", is_flag=True, help="Add sensor noise and per-device variance.")
@click.option("--duration", type=click.FloatRange(min=0.001), default=None,
              help="Simulated seconds before the run stops (status: timeout); default: the "
                   "program's `# robokit: duration=S` line, else 60.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the result instead of the output and summary.")
@click.option("--plot", type=click.Path(path_type=Path), default=None,
              help="Write a PNG of the path over the mat and the sensor traces.")
@click.option("--telemetry", type=click.Path(path_type=Path), default=None,
              help="Write the telemetry to FILE.csv or FILE.json.")
def run(program: Path, world: str | None, robot: Path | None, seed: int | None, noise: bool,
        duration: float | None, as_json: bool, plot: Path | None, telemetry: Path | None) -> None:
    """Run PROGRAM (a .py file, or a folder with main.py) on the simulated brick."""
    from .sim import simulate

    if plot is not None and plot.suffix.lower() != ".png":
        _fail("run", f"--plot {plot}: the plot is a PNG image; name the file *.png")
    if telemetry is not None and telemetry.suffix.lower() not in (".csv", ".json"):
        _fail("run", f"--telemetry {telemetry}: use a .csv or .json file name")
    if robot is None:
        beside = (program if program.is_dir() else program.parent) / "robot.toml"
        if beside.is_file():
            robot = beside

    def echo_line(line: str, t: float) -> None:
        click.echo(line)

    try:
        result = simulate(program, world=world, robot=robot, seed=seed,
                          noise=True if noise else None, duration=duration,
                          on_output=None if as_json else echo_line)
    except RobokitError as exc:
        if as_json:
            # A pipeline reading stdout still gets one JSON object, saying what was wrong.
            click.echo(json.dumps({"status": "invalid", "error": {
                "type": type(exc).__name__, "message": str(exc),
                "file": getattr(exc, "file", None), "line": getattr(exc, "line", None)}},
                indent=2))
        _fail("run", str(exc))
    except KeyboardInterrupt:
        click.echo("robokit: run: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)

    try:
        if telemetry is not None:
            result.telemetry.save(telemetry)
        if plot is not None:
            from .sim.plot import plot_run

            plot_run(result, plot)
    except OSError as exc:
        _fail("run", f"cannot write {exc.filename}: {exc.strerror}")

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        if result.traceback:
            click.echo(result.traceback, err=True)
        _print_summary(result, telemetry, plot)
    if result.status == "error":
        sys.exit(EXIT_PROGRAM_ERROR)


def _print_summary(result: Any, telemetry: Path | None, plot: Path | None) -> None:
    status = {"finished": click.style("finished", fg="green"),
              "timeout": click.style("timeout", fg="yellow") + " (ran until --duration)",
              "error": click.style("error", fg="red")}[result.status]
    click.echo("")
    click.echo(f"── {result.program} on {result.world.name} ──", err=False)
    click.echo(f"status     {status}")
    click.echo(f"sim time   {result.sim_time_s:.3f} s   wall {result.wall_time_s:.3f} s   "
               f"({result.real_time_factor:.0f}× real time)")
    click.echo(f"pose       {_fmt_pose(result.pose)}   (start {_fmt_pose(result.start_pose)})")
    click.echo(f"distance   {result.distance_mm:.0f} mm driven")
    if telemetry is not None:
        click.echo(f"telemetry  {telemetry}")
    if plot is not None:
        click.echo(f"plot       {plot}")


@main.command()
def worlds() -> None:
    """List the built-in worlds."""
    from .sim.world import BUILTIN_WORLDS, load_world

    for name in BUILTIN_WORLDS:
        w = load_world(name)
        x, y, h = w.start
        click.echo(f"{name:8s} start x={x:.0f} y={y:.0f} heading={h:.0f}")


if __name__ == "__main__":  # pragma: no cover
    main()
