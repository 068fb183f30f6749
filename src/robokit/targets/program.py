"""A program as the host finds it on disk, before any brick is involved.

- :func:`find_robot`: the robot.toml that goes with a program when none is given (the
  one beside it; a bundle carries its own robot).
- :func:`check_program_path`: a program that is not there is said in one line, before
  connecting to anything.
"""

from __future__ import annotations

from pathlib import Path

from ..config import ROBOT_FILE, find_robot
from ..errors import RobokitError

__all__ = ["ROBOT_FILE", "check_program_path", "find_robot"]


def check_program_path(program: str | Path) -> Path:
    """``program`` as a Path, if it is there; a RobokitError says so when it is not."""
    p = Path(program)
    if not p.exists():
        raise RobokitError(f"{p}: no such program file or folder; check the path")
    return p
