"""What the CLI used to decide itself, as library calls: the robot.toml that goes with a
program (robokit.targets.program) and what a reinstall keeps (robokit.targets.reinstall)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.errors import RobokitError
from robokit.targets.micropython.install import InstallStatus
from robokit.targets.program import check_program_path, find_robot
from robokit.targets.reinstall import reinstall_settings


def test_the_robot_file_beside_a_program_or_in_its_folder(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text("pass\n")
    assert find_robot(main) is None  # none beside it: the standard rover
    (tmp_path / "robot.toml").write_text("")
    assert find_robot(main) == tmp_path / "robot.toml"
    assert find_robot(tmp_path) == tmp_path / "robot.toml"  # a project folder
    assert find_robot(main, tmp_path / "other.toml") == tmp_path / "other.toml"
    assert find_robot(tmp_path / "prog.rkb") is None  # a bundle carries its robot


def test_a_missing_program_is_one_line(tmp_path: Path) -> None:
    assert check_program_path(tmp_path) == tmp_path
    with pytest.raises(RobokitError) as e:
        check_program_path(tmp_path / "nope.py")
    assert str(e.value) == f"{tmp_path / 'nope.py'}: no such program file or folder; check " \
                           "the path"


def test_a_reinstall_keeps_the_installed_kit_and_autostart(tmp_path: Path) -> None:
    own = tmp_path / "my_kit.py"
    status = InstallStatus(installed=True, board="my_kit", board_file=str(own),
                           autostart=True)
    assert reinstall_settings(status) == ("my_kit", True)  # the file is gone: its name
    own.write_text("")
    assert reinstall_settings(status) == (str(own), True)  # the user's own file again
    assert reinstall_settings(status, "kitronik", False) == ("kitronik", False)
    assert reinstall_settings(InstallStatus(installed=False)) == (None, False)
