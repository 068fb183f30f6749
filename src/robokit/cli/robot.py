"""``robokit robot``: the robot files robokit ships for common LEGO models (``--list``,
``robokit robot NAME``), the robot of a kit robokit knows (``robokit robot KIT``, as
``robokit board list`` names them), and ``--from PROGRAM``: the robot a Pybricks program
builds, as robot.toml."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import Command, fail
from ._output import PATH


@click.command("robot", cls=Command)
@click.argument("name", required=False, metavar="[NAME]")
@click.option("--from", "program", type=PATH, default=None, metavar="PROGRAM",
              help="A Pybricks program (.py file or project folder) to fit a robot to.")
@click.option("--list", "listing", is_flag=True,
              help="List the robot files robokit ships (for --robot NAME).")
def robot(name: str | None, program: Path | None, listing: bool) -> None:
    """Print a robot as robot.toml: NAME, one robokit ships for a common LEGO model
    (--list names them; `robokit run PROGRAM --robot NAME` runs on it), a robot kit
    (`robokit board list` names them) or a board file (my_car.py, from `robokit board
    new`): the kit's motors and sensors as its board file has them; or the robot fitted
    to a Pybricks PROGRAM (--from; the robot it runs on in the simulator when it has no
    robot.toml).  Save it beside the program as robot.toml to edit it."""
    from ..config import builtin_robot_file, builtin_robots, load_robot
    from ..kits import list_boards

    if sum(x is not None and x is not False for x in (name, program, listing or None)) != 1:
        fail("give one of NAME (a robot robokit ships), --list, or "
             "--from PROGRAM")
    if listing:
        for n in builtin_robots():
            cfg = load_robot(str(builtin_robot_file(n)))
            click.echo(f"{n:22} {cfg['name']} ({cfg['hub']['type']})")
        return
    if name is not None:
        if name in list_boards() or name.endswith(".py"):  # a kit, or a board file
            from ..kits import load_board, robot_toml_for

            click.echo(robot_toml_for(load_board(name)), nl=False)
            return
        path = builtin_robot_file(name)
        if path is None:
            from difflib import get_close_matches

            near = get_close_matches(name, [*builtin_robots(), *list_boards()], n=1,
                                     cutoff=0.3)
            fail(f"{name}: robokit ships no robot of that name"
                 + (f" (did you mean {near[0]}?)" if near else "")
                 + f"; it ships {', '.join(builtin_robots())} (robokit robot --list), and "
                 f"the robots of the kits {', '.join(list_boards())} (robokit board list)")
        click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    from ..compiler.fit import fit_program, robot_toml

    assert program is not None
    cfg = fit_program(program)
    click.echo(robot_toml(cfg, f"The robot {program} builds (robokit robot --from).\n"
                               "Save as robot.toml beside the program to edit it."), nl=False)
