"""The check knows robokit's names (issue 11): ``from robokit import X`` where robokit
has no X is refused at check time with file and line, not at run time with an
ImportError; a Pybricks name gets the module to import it from, a misspelt one the
nearest."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import invoke


def check(tmp_path: Path, text: str, *options: str) -> tuple[int, str]:
    (tmp_path / "main.py").write_text(text)
    r = invoke("check", tmp_path / "main.py", *options)
    return r.exit_code, r.stderr


def test_a_pybricks_name_imported_from_robokit_says_where_it_is(tmp_path: Path) -> None:
    code, err = check(tmp_path, "from robokit import Motor, Port\nfrom robokit import Remote\n")
    assert code == 2
    assert ("main.py:2: Remote: robokit has no such name (it is Pybricks': write 'from "
            "pybricks.pupdevices import Remote')") in err
    assert "Traceback" not in err


def test_a_misspelt_robokit_name_gets_the_nearest(tmp_path: Path) -> None:
    code, err = check(tmp_path, "from robokit import DriveBsae\n", "--target", "micropython")
    assert code == 2
    assert "main.py:1: DriveBsae: robokit has no such name (did you mean DriveBase?)" in err


def test_robokit_s_own_names_pass(tmp_path: Path) -> None:
    code, err = check(tmp_path, "from robokit import Motor, Port, DriveBase, wait, robot\n"
                                "from robokit import *\nimport robokit\n")
    assert code == 0, err
    # The host package's errors exist in the simulator, not on a kit board's robokit.
    code, err = check(tmp_path, "from robokit import ProgramError\n")
    assert code == 0, err
    code, err = check(tmp_path, "from robokit import ProgramError\n", "--target", "micropython")
    assert code == 2
    assert "main.py:1: ProgramError: robokit has no such name (robokit has Axis, " in err
