"""robokit board list / new / check: the kit board files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ._errors import EXIT_USAGE, Group, fail
from ._output import path_option


@click.group("board", cls=Group)
def board_group() -> None:
    """Robot kit boards: the board files that tell robokit a kit's pins and shape."""


@board_group.command("list")
def board_list() -> None:
    """The kits robokit knows, by name (for --board NAME)."""
    from ..kits import list_boards, load_board

    names = list_boards()
    width = max(len(n) for n in names)
    for name in names:
        b = load_board(name)
        motors = [p for p, v in b["ports"].items() if v["type"] == "motor"]
        enc = sum(1 for p in motors if b["ports"][p].get("encoder") is not None)
        click.echo(f"{name.ljust(width)}  {b['title']} ({b['mcu']}; {len(motors)} motors, "
                   f"{enc} with encoders{', Bluetooth' if b.get('ble') else ''})")


@board_group.command("new")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(), default=None,  # a str: '' is not '.'
              help="Where to write it (default: NAME.py here).")
def board_new(name: str, output: str | None) -> None:
    """Write a board file for a kit robokit does not know yet: a commented template to
    fill in with the kit's pins and geometry, then `robokit board check FILE`."""
    from .._files import write_output
    from ..kits import new_board_text

    text = new_board_text(name)
    out = output if output is not None else f"{name}.py"
    if out and os.path.lexists(out) and not os.path.isdir(out):
        fail(f"{out} exists already; choose another name or -o FILE")
    write_output(out, text, what="board file", overwrite=False)
    click.echo(f"wrote {out}: fill in the pins and geometry of your kit, then run "
               f"`robokit board check {out}`")


@board_group.command("check")
@click.argument("board")
@path_option("--robot", "robot_file",
             help="Also check that this robot.toml asks only for what the board has.")
def board_check(board: str, robot_file: Path | None) -> None:
    """Check a board file (or a known board NAME), and a robot.toml against it."""
    from ..config import load_robot
    from ..kits import check_robot, load_board

    b = load_board(board)
    click.echo(f"{board}: {b['title']} ({b['mcu']}), ports "
               + ", ".join(f"{p} {v['type']}" for p, v in sorted(b["ports"].items())))
    if robot_file is not None:
        problems = check_robot(b, load_robot(robot_file))
        if problems:
            for line in problems:
                click.echo(f"robokit: board check: {line}", err=True)
            sys.exit(EXIT_USAGE)
        click.echo(f"{robot_file}: fits the board")
