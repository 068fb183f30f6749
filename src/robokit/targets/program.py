"""A program as the host finds it on disk, before any brick is involved.

- :func:`find_robot`: the robot.toml that goes with a program when none is given (the
  one beside it; a bundle carries its own robot).
- :func:`check_program_path`: a program that is not there is said in one line, before
  connecting to anything.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RobokitError

ROBOT_FILE = "robot.toml"


def find_robot(program: str | Path, robot: str | Path | None = None) -> Path | None:
    """The robot.toml for ``program``: ``robot`` when given, else ``robot.toml`` beside the
    program (in its folder, for a project folder) when there is one, else None (the
    standard rover). A ``.rkb`` bundle carries its robot: None unless ``robot`` is given."""
    if robot is not None:
        return Path(robot)
    p = Path(program)
    if p.suffix == ".rkb":
        return None
    beside = (p if p.is_dir() else p.parent) / ROBOT_FILE
    return beside if beside.is_file() else None


def check_program_path(program: str | Path) -> Path:
    """``program`` as a Path, if it is there; a RobokitError says so when it is not."""
    p = Path(program)
    if not p.exists():
        raise RobokitError(f"{p}: no such program file or folder; check the path")
    return p
