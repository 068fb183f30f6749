"""``robokit robot --from PROGRAM``: the robot a Pybricks program builds, as robot.toml."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import Command
from ._output import PATH


@click.command("robot", cls=Command)
@click.option("--from", "program", type=PATH, required=True, metavar="PROGRAM",
              help="A Pybricks program (.py file or project folder) to fit a robot to.")
def robot(program: Path) -> None:
    """Print the robot fitted to a Pybricks PROGRAM as robot.toml (the robot it runs on
    in the simulator when it has no robot.toml); save it beside the program to edit it."""
    from ..compiler.fit import fit_program, robot_toml

    cfg = fit_program(program)
    click.echo(robot_toml(cfg, f"The robot {program} builds (robokit robot --from).\n"
                               "Save as robot.toml beside the program to edit it."), nl=False)
