"""The check knows what Pybricks firmware leaves out of MicroPython (compiler/hubnames.py):
filter(), frozenset, property and sys.exit on every hub, memoryview on the Move, City and
Technic hubs, and on the Move Hub set(), enumerate(), slices, floats and most modules. A
program using one passed ``robokit check --target pybricks`` and ran in the simulator,
then stopped on a real hub with NameError, AttributeError or ImportError."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_helpers import check_main

from robokit.compiler.hubnames import BUILTINS, METHODS, SYS_NAMES
from robokit.virtual.mpvm import micropython_path


def check(tmp_path: Path, text: str, *options: str) -> tuple[int, str]:
    return check_main(tmp_path, text, "--target", "pybricks", *options)


def test_filter_property_and_sys_exit_are_refused_for_every_hub(tmp_path: Path) -> None:
    code, err = check(tmp_path, "import usys\n"
                                "print(list(filter(None, [0, 1])))\n"
                                "class Car:\n"
                                "    @property\n"
                                "    def speed(self):\n"
                                "        return 1\n"
                                "usys.exit(3)\n")
    assert code == 2
    assert ("main.py:2: filter() is not in Pybricks firmware (on every hub): a NameError "
            "there, though robokit's simulated hub has it; write a list comprehension: "
            "[x for x in items if keep(x)]") in err
    assert "main.py:4: property is not in Pybricks firmware (on every hub)" in err
    assert ("main.py:7: usys.exit() is not in Pybricks firmware (on every hub): an "
            "AttributeError there") in err
    assert "raise SystemExit" in err
    assert "(3 problems)" in err
    assert "Traceback" not in err
    code, err = check(tmp_path, "data = b'hi'\nprint(data.decode())\n")
    assert code == 2
    assert ("main.py:2: .decode() is not in Pybricks firmware (on every hub): an "
            "AttributeError there, though robokit's simulated hub has it; write "
            "str(data, 'utf-8')\n    print(data.decode())\n              ^") in err
    code, err = check(tmp_path, "class Codec:\n    def decode(self):\n        return 1\n"
                                "print(Codec().decode())\n")
    assert code == 0, err
    code, err = check(tmp_path, "from sys import exit\nexit()\n")
    assert code == 2
    assert "main.py:1: sys.exit() is not in Pybricks firmware (on every hub): an ImportError" \
        in err


def test_the_hub_the_program_imports_decides(tmp_path: Path) -> None:
    move_only = "x = set([1])\nfor i, v in enumerate([3]):\n    print(i, v)\n"
    # the Move Hub lacks them
    code, err = check(tmp_path, "from pybricks.hubs import MoveHub\n" + move_only)
    assert code == 2
    assert ("main.py:2: set() is not in Pybricks firmware (on the Move Hub): a NameError "
            "there") in err
    assert "main.py:3: enumerate() is not in Pybricks firmware (on the Move Hub)" in err
    # a Prime Hub has them
    code, err = check(tmp_path, "from pybricks.hubs import PrimeHub\n" + move_only)
    assert code == 0, err
    # filter is on no hub: named for the one the program is for
    code, err = check(tmp_path, "from pybricks.hubs import TechnicHub\n"
                                "b = memoryview(b'ab')\nprint(list(filter(None, [1])))\n")
    assert code == 2
    assert "main.py:2: memoryview() is not in Pybricks firmware (on the Technic Hub)" in err
    assert "main.py:3: filter() is not in Pybricks firmware (on the Technic Hub)" in err
    code, err = check(tmp_path, "from pybricks.hubs import EssentialHub\n"
                                "b = memoryview(b'ab')\n")
    assert code == 0, err
    # or the robot file names it: one robokit ships, by name
    code, err = check(tmp_path, "b = memoryview(b'ab')\n", "--robot", "technic-hub-car")
    assert code == 2
    assert "main.py:1: memoryview() is not in Pybricks firmware (on the Technic Hub)" in err
    assert "name it" not in err


def test_a_move_hub_lacks_floats_slices_and_modules(tmp_path: Path) -> None:
    program = ("from pybricks.hubs import MoveHub\n"
               "import urandom\n"
               "try:\n"
               "    import umath\n"
               "except ImportError:\n"
               "    umath = None\n"
               "items = [1, 2, 3]\n"
               "print(items[1:], 7 / 2, 0.5, 7 // 2)\n")
    code, err = check(tmp_path, program)
    assert code == 2
    assert ("main.py:2: the module urandom is not in Pybricks firmware (on the Move Hub): an "
            "ImportError there") in err
    assert "main.py:8: slicing (x[a:b]) is not in Pybricks firmware (on the Move Hub)" in err
    assert "main.py:8: '/' (division to a float) is not in Pybricks firmware" in err
    assert "main.py:8: a float number is not in Pybricks firmware" in err
    assert "umath" not in err  # tried, with a fallback
    assert "(4 problems)" in err
    # the same program for a City Hub, named in robot.toml: nothing it lacks
    city = program.replace("MoveHub", "CityHub")
    code, err = check(tmp_path, city)
    assert code == 0, err
    # a program naming no hub: floats, slices and modules are judged only for the Move Hub
    # it names (they are in nearly every program for the hubs that have them)
    code, err = check(tmp_path, program.split("\n", 1)[1])
    assert code == 0, err
    (tmp_path / "robot.toml").write_text('[hub]\ntype = "MoveHub"\n')
    code, err = check(tmp_path, program.split("\n", 1)[1])
    assert code == 2
    assert "(4 problems)" in err


def test_a_program_naming_no_hub_is_judged_on_what_every_hub_lacks(tmp_path: Path) -> None:
    """A program that imports no hub class (Pybricks' own PC-communication example, one
    for ``ThisHub``) may be for any hub, and the simulator plays a Prime Hub for it: what
    only the Move Hub lacks does not stop it, what no hub has does."""
    from cli_helpers import invoke

    program = ("from pybricks.pupdevices import Motor\n"
               "from pybricks.parameters import Port\n"
               "m = Motor(Port.A)\n"
               "for i, s in enumerate([100, 200]):\n"
               "    m.run(int(float(s) * 1.5))\n"
               "print('ran', sorted(set([2, 1])))\n")
    code, err = check(tmp_path, program)
    assert code == 0, err
    r = invoke("run", tmp_path / "main.py", "--duration", "1")
    assert r.exit_code == 0, r.output
    assert "ran [1, 2]" in r.stdout
    code, err = check(tmp_path, program + "print(list(filter(None, [1])))\n")
    assert code == 2
    assert "main.py:7: filter() is not in Pybricks firmware (on every hub)" in err
    assert "enumerate" not in err and "float" not in err and "set()" not in err
    # a robot file that names the Move Hub judges it for that hub
    (tmp_path / "robot.toml").write_text('[hub]\ntype = "MoveHub"\n')
    code, err = check(tmp_path, program)
    assert code == 2
    assert "main.py:4: enumerate() is not in Pybricks firmware (on the Move Hub)" in err
    assert "main.py:5: float() is not in Pybricks firmware (on the Move Hub)" in err


def test_a_hub_class_tried_in_a_try_names_no_hub(tmp_path: Path) -> None:
    """A program that tries each hub class (``try: from pybricks.hubs import MoveHub``,
    except ImportError) runs on the one it finds: it is not judged for the Move Hub."""
    tries = "".join(f"try:\n    from pybricks.hubs import {hub}\nexcept ImportError:\n"
                    f"    {hub} = None\n" for hub in ("PrimeHub", "MoveHub"))
    uses = "payload = b'ab'[1:]\nprint(payload, 7 / 2)\n"
    code, err = check(tmp_path, tries + uses)
    assert code == 0, err
    (tmp_path / "robot.toml").write_text('[hub]\ntype = "PrimeHub"\n')
    code, err = check(tmp_path, tries + uses)
    assert code == 0, err
    # imported outright, the Move Hub is one it is for
    code, err = check(tmp_path, "from pybricks.hubs import MoveHub\n" + tries + uses)
    assert code == 2
    assert "main.py:10: slicing (x[a:b]) is not in Pybricks firmware (on the Move Hub)" in err


def test_annotations_are_not_judged(tmp_path: Path) -> None:
    """MicroPython compiles a program without its annotations: ``-> float`` and
    ``seen: set = {}`` run on a Move Hub; what the annotated assignment assigns is judged."""
    program = ("from pybricks.hubs import MoveHub\n"
               "def scale(v: int, k: float = 2) -> float:\n"
               "    return v * k\n"
               "seen: set = {}\n"
               "class Car:\n"
               "    speed: float = 3\n"
               "print(scale(3), Car.speed, seen)\n")
    code, err = check(tmp_path, program)
    assert code == 0, err
    code, err = check(tmp_path, program + "half: int = 7 / 2\n")
    assert code == 2
    assert "main.py:8: '/' (division to a float) is not in Pybricks firmware" in err
    assert err.count("is not in Pybricks firmware") == 1


def test_decode_is_judged_only_on_bytes_and_encode_on_str(tmp_path: Path) -> None:
    """``.decode()`` and ``.encode()`` are refused on what is known to be bytes or str (a
    literal, ``str(...)``, the hub's stdin, a name only ever bound to one of them); a
    method of the program's own class by those names (pupremote's ``PUPRemote.decode``,
    defined in another of its modules), or a value of unknown type, is not judged."""
    (tmp_path / "remote.py").write_text(
        "class Link:\n"
        "    def decode(self, fmt, data):\n        return (fmt, data)\n"
        "    def encode(self, size, fmt):\n        return bytes(size)\n")
    code, err = check(tmp_path, "from pybricks.hubs import PrimeHub\n"
                                "from remote import Link\n"
                                "class Camera(Link):\n"
                                "    def blob(self, raw):\n"
                                "        return self.decode('hh', raw)\n"
                                "cam = Camera()\n"
                                "print(cam.encode(4, 'hh'), cam.decode('hh', b'ab'))\n"
                                "def show(data):\n    print(data.decode())\n")
    assert code == 0, err
    code, err = check(tmp_path, "from pybricks.hubs import PrimeHub\n"
                                "from usys import stdin\n"
                                "cmd = b''\n"
                                "while not cmd.endswith(b'!'):\n"
                                "    cmd += stdin.buffer.read(1)\n"
                                "print(cmd.decode())\n"
                                "key = stdin.read(1)\n"
                                "print(key.encode(), f'{key}!'.encode(), str(3).encode())\n"
                                "name = 'robot'\n"
                                "print(name.upper().encode(), ('x' + name).encode())\n")
    assert code == 2
    assert "main.py:6: .decode() is not in Pybricks firmware (on the Prime Hub)" in err
    assert err.count("main.py:8: .encode() is not in Pybricks firmware") == 3
    assert err.count("main.py:10: .encode() is not in Pybricks firmware") == 2
    assert "(6 problems)" in err


def test_a_name_the_program_binds_itself_is_not_judged(tmp_path: Path) -> None:
    code, err = check(tmp_path, "def filter(f, xs):\n    return [x for x in xs if f(x)]\n"
                                "print(filter(None, [1]))\n")
    assert code == 0, err
    (tmp_path / "helpers.py").write_text("def reversed(xs):\n    return xs[::-1]\n")
    code, err = check(tmp_path, "from helpers import reversed\nprint(reversed([1]))\n")
    assert code == 0, err
    code, err = check(tmp_path, "from helpers import *\nprint(reversed([1]))\n")
    assert code == 0, err
    code, err = check(tmp_path, "try:\n    s = frozenset([1])\nexcept NameError:\n"
                                "    s = (1,)\n")
    assert code == 0, err
    code, err = check(tmp_path, "import usys\ntry:\n    usys.exit(0)\n"
                                "except AttributeError:\n    raise SystemExit(0)\n")
    assert code == 0, err


def test_a_micropython_board_has_them(tmp_path: Path) -> None:
    text = ("import sys\nprint(list(filter(None, [1])), frozenset([1]), [1, 2][1:], 0.5)\n"
            "sys.exit(0)\n")
    for target in ("sim", "micropython"):
        code, err = check_main(tmp_path, text, "--target", target)
        assert code == 0, err


def test_the_simulator_playing_a_pybricks_hub_refuses_them_as_the_hub_would(
        tmp_path: Path) -> None:
    """``robokit run`` of a program that imports pybricks (the simulator plays a Pybricks
    hub) refuses what the hub's firmware lacks before it runs; a robokit program and an
    EV3 program (Pybricks 2.x on a full MicroPython) use them freely."""
    from cli_helpers import invoke

    uses = "print(list(filter(None, [0, 7])))\nraise SystemExit\n"
    hub = tmp_path / "hub.py"
    hub.write_text("from pybricks.hubs import TechnicHub\nhub = TechnicHub()\n" + uses)
    r = invoke("run", hub)
    assert r.exit_code == 2, r.output
    assert ("hub.py:3: filter() is not in Pybricks firmware (on the Technic Hub): a "
            "NameError there") in r.stderr
    assert "Traceback" not in r.stderr and "[7]" not in r.stdout
    for name, head in (("mine.py", "from robokit import *\nhub = Hub()\n"),
                       ("ev3.py", "from pybricks.hubs import EV3Brick\nev3 = EV3Brick()\n")):
        (tmp_path / name).write_text(head + uses)
        r = invoke("run", tmp_path / name)
        assert r.exit_code == 0, (name, r.output)
        assert "[7]" in r.stdout


def test_compile_refuses_them_too(tmp_path: Path) -> None:
    from cli_helpers import invoke

    (tmp_path / "main.py").write_text("print(list(filter(None, [1])))\n")
    r = invoke("compile", tmp_path / "main.py", "--target", "pybricks",
               "-o", tmp_path / "out.rkb")
    assert r.exit_code == 2
    assert "main.py:1: filter() is not in Pybricks firmware (on every hub)" in r.stderr
    assert not (tmp_path / "out.rkb").exists()


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_the_table_holds_what_micropython_has_and_pybricks_turned_off() -> None:
    """Each name is one MicroPython itself has (the unix port the simulated board runs):
    a hub lacks it because Pybricks builds its firmware without it, not MicroPython."""
    out = subprocess.run([str(micropython_path()), "-c",
                          "import builtins, sys\n"
                          "for n in dir(builtins): print(n)\n"
                          "for n in dir(sys): print('sys.' + n)\n"
                          "for n in dir(bytes) + dir(str): print('.' + n)\n"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    have = set(out.split())
    assert set(BUILTINS) <= have
    assert {"sys." + n for n in SYS_NAMES} <= have
    assert {"." + n for n in METHODS} <= have
