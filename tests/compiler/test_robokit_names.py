"""The check knows robokit's names (issue 11): ``from robokit import X`` where robokit
has no X is refused at check time with file and line, not at run time with an
ImportError; a Pybricks name gets the module to import it from, a misspelt one the
nearest."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import check_main as check
from cli_helpers import invoke


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


def test_robokit_s_host_modules_are_refused_on_every_target(tmp_path: Path) -> None:
    """robokit.sim, robokit.kits... run on the computer: a bundle never has them, so a
    program importing one would stop there on a brick.  The simulator, which runs the
    host's robokit, refused nothing and ran it."""
    for target in ("sim", "micropython", "pybricks"):
        code, err = check(tmp_path, "import math\nfrom robokit.kits import list_boards\n",
                          "--target", target)
        assert code == 2, (target, err)
        assert "main.py:2: 'robokit.kits' is part of robokit on your computer, not on " in err
        assert "Traceback" not in err
    code, err = check(tmp_path, "import robokit.sim.brick\n")
    assert code == 2
    assert "main.py:1: 'robokit.sim.brick' is part of robokit on your computer" in err
    code, err = check(tmp_path, "import robokit.nosuch\n", "--target", "micropython")
    assert code == 2
    assert ("main.py:1: 'robokit.nosuch' is not a module of robokit on a MicroPython kit "
            "board; a robot program imports what it drives from robokit itself") in err


def test_the_device_api_s_own_modules_pass(tmp_path: Path) -> None:
    code, err = check(tmp_path, "from robokit.devices.motors import Motor\n"
                                "import robokit.devices.tools\n", "--target", "micropython")
    assert code == 0, err


def test_a_run_of_a_program_importing_the_simulator_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import robokit.sim\nprint(robokit.sim.simulate)\n")
    r = invoke("run", tmp_path / "main.py")
    assert r.exit_code == 2
    assert "main.py:1: 'robokit.sim' is part of robokit on your computer" in r.stderr
    assert "robokit.sim.simulate" not in r.stdout and "function" not in r.stdout
