"""The check knows the names MicroPython's standard modules have: ``math.hypot`` or
``time.perf_counter`` ran in the simulator (CPython's modules) and stopped on a brick
with AttributeError; now each use is refused at its line. And the simulator, which
runs a program as one thread, refuses a second one (_thread)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_helpers import check_main as check
from cli_helpers import invoke

from robokit.compiler.stdnames import MISSING_BUILTINS, NAMES, STR_ONLY, STR_WRITTEN
from robokit.virtual.mpvm import micropython_path


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
@pytest.mark.parametrize("module", sorted(NAMES))
def test_the_table_is_micropythons_own(module: str) -> None:
    """Each module's names are what MicroPython's VM has (nothing a brick has is
    refused; nothing it lacks passes)."""
    out = subprocess.run([str(micropython_path()), "-c",
                          f"import {module}\nfor n in dir({module}): print(n)"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert {n for n in out.split() if not n.startswith("_")} == NAMES[module]


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_the_missing_builtins_are_missing_in_micropython_only() -> None:
    import builtins

    out = subprocess.run([str(micropython_path()), "-c",
                          "import builtins\nfor n in dir(builtins): print(n)"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert not set(MISSING_BUILTINS) & set(out.split())
    assert all(hasattr(builtins, name) for name in MISSING_BUILTINS)


def test_builtins_micropython_lacks_are_refused_unless_the_program_has_them(
        tmp_path: Path) -> None:
    code, err = check(tmp_path, "import os\ntry:\n    os.stat('x.txt')\n"
                                "except FileNotFoundError:\n    print(format(3.14159, '.2f'))\n")
    assert code == 2
    assert ("main.py:4: FileNotFoundError: MicroPython has no builtin FileNotFoundError (the "
            "simulator runs CPython, a brick does not); MicroPython raises OSError for it: "
            "catch OSError") in err
    assert "main.py:5: format: MicroPython has no builtin format" in err
    # its own format, one imported, or names a star import may bring: not judged
    code, err = check(tmp_path, "def format(x, f):\n    return str(x)\nprint(format(1, 'd'))\n")
    assert code == 0, err
    (tmp_path / "helpers.py").write_text("def vars(x):\n    return {}\n")
    code, err = check(tmp_path, "from helpers import vars\nprint(vars(1))\n")
    assert code == 0, err
    code, err = check(tmp_path, "from helpers import *\nprint(vars(1))\n")
    assert code == 0, err


def test_names_micropython_lacks_are_refused_at_their_line(tmp_path: Path) -> None:
    for target in ("sim", "micropython", "pybricks"):
        code, err = check(tmp_path, "import math\nimport time\n\n"
                                    "d = math.hypot(3, 4)\nt = time.perf_counter()\n",
                          "--target", target)
        assert code == 2, (target, err)
        assert ("main.py:4: math.hypot: MicroPython's math has no hypot (the simulator's "
                "math is CPython's, a brick's is not); write math.sqrt(x * x + y * y)") in err
        assert "main.py:5: time.perf_counter: MicroPython's time has no perf_counter" in err
        assert "Traceback" not in err


def test_aliases_and_from_imports_are_judged_too(tmp_path: Path) -> None:
    code, err = check(tmp_path, "import umath as m\nfrom random import randint, gauss\n"
                                "print(m.sqrtt(2))\n")
    assert code == 2
    assert "main.py:2: random.gauss: MicroPython's random has no gauss" in err
    assert "main.py:3: m.sqrtt: MicroPython's math has no sqrtt; did you mean m.sqrt?" in err
    assert "randint" not in err.split("\n")[0].split(";")[0]


def test_what_micropython_has_passes(tmp_path: Path) -> None:
    code, err = check(tmp_path, "import math, time, random, struct, json\n"
                                "from time import ticks_ms, ticks_diff, sleep_ms\n"
                                "import utime\n"
                                "x = math.sqrt(2) + math.atan2(1, 2) + math.pi\n"
                                "t = ticks_diff(ticks_ms(), utime.ticks_ms())\n"
                                "r = random.randint(1, 6) + random.uniform(0, 1)\n"
                                "b = struct.pack('<h', 1)\nj = json.dumps([1])\n")
    assert code == 0, err


def test_a_programs_own_fallback_passes(tmp_path: Path) -> None:
    """A use inside try/except AttributeError is deliberate; a name that holds
    something else (the program's own ``time``) is not judged."""
    code, err = check(tmp_path, "import math\ntry:\n    h = math.hypot\n"
                                "except AttributeError:\n    h = None\n"
                                "try:\n    from time import monotonic\n"
                                "except ImportError:\n    monotonic = None\n")
    assert code == 0, err
    code, err = check(tmp_path, "import time\ntime = object()\nprint(time.anything)\n")
    assert code == 0, err


def test_a_run_that_would_stop_on_a_brick_is_refused_before_it_starts(
        tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import time\nstart = time.monotonic()\n"
                                      "print('started')\n")
    r = invoke("run", tmp_path / "main.py")
    assert r.exit_code == 2
    assert "main.py:2: time.monotonic: MicroPython's time has no monotonic" in r.stderr
    assert "time.ticks_ms() and time.ticks_diff()" in r.stderr
    assert "started" not in r.stdout


def test_a_second_thread_is_refused_in_the_simulator_only(tmp_path: Path) -> None:
    """Two threads calling wait() raced on the simulated clock: the same program and
    seed ended at 28 s, 57 s or timed out, run after run."""
    text = ("import _thread\nfrom robokit import wait\n"
            "def beat():\n    while True:\n        wait(100)\n"
            "_thread.start_new_thread(beat, ())\nwait(500)\n")
    code, err = check(tmp_path, text)
    assert code == 2
    assert ("main.py:1: '_thread' is imported, but the simulated brick (a MicroPython kit "
            "board) runs a program as one thread on its simulated clock") in err
    assert "multitask/run_task" in err
    code, err = check(tmp_path, text, "--target", "micropython")
    assert code == 0, err


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_the_str_methods_are_missing_in_micropython_only() -> None:
    out = subprocess.run([str(micropython_path()), "-c", "for n in dir(''): print(n)"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert not (set(STR_ONLY) | set(STR_WRITTEN)) & set(out.split())
    assert all(hasattr("", name) for name in (*STR_ONLY, *STR_WRITTEN))


def test_str_methods_micropython_lacks_are_refused_unless_the_module_defines_them(
        tmp_path: Path) -> None:
    code, err = check(tmp_path, "d = 42\nprint(str(d).rjust(5))\n")
    assert code == 2
    assert ("main.py:2: .rjust(): MicroPython's str has no rjust (the simulator's strings are "
            "CPython's, a brick's are not); pad with an f-string: f'{s:>10}'") in err
    assert "    print(str(d).rjust(5))\n                ^" in err  # the caret at the dot
    code, err = check(tmp_path, "class Pad:\n    def rjust(self, n):\n        return n\n"
                                "print(Pad().rjust(3))\n")
    assert code == 0, err


def test_title_and_translate_are_refused_on_a_written_string_not_on_other_objects(
        tmp_path: Path) -> None:
    """Other objects have a title or a translate (a window, a shape): those two, and
    str.maketrans, are refused where the string is written out in the program."""
    code, err = check(tmp_path, "name = 'ada'\nprint(f'{name}'.title(), 'x y'.title())\n"
                                "t = str.maketrans('a', 'b')\n")
    assert code == 2
    assert ("main.py:2: .title(): MicroPython's str has no title (the simulator's strings are "
            "CPython's, a brick's are not); write ' '.join(w[:1].upper() + w[1:].lower() "
            "for w in s.split(' '))") in err
    assert err.count(".title(): ") == 2
    assert "main.py:3: .maketrans(): MicroPython's str has no maketrans" in err
    code, err = check(tmp_path, "class Shape:\n    def translate(self, dx):\n"
                                "        return dx\n    def title(self):\n        return 'S'\n"
                                "s = Shape()\nprint(s.translate(3), s.title())\n")
    assert code == 0, err


def test_keywords_micropython_takes_only_by_position_are_refused(tmp_path: Path) -> None:
    """int(s, base=2), s.split(',', maxsplit=1), round(x, ndigits=1): a TypeError on a
    brick, where those arguments go by position only."""
    code, err = check(tmp_path, "print(int('101', base=2))\n"
                                "print('a,b,c'.split(',', maxsplit=1))\n"
                                "print(sorted([2, 1], reverse=True), round(2.25, 1))\n")
    assert code == 2
    assert ("main.py:1: int(..., base=...): MicroPython's int() takes base only by position "
            "(a TypeError on a brick; the simulator runs CPython's); pass it by position, "
            "without 'base='") in err
    assert "main.py:2: .split(..., maxsplit=...)" in err
    assert "main.py:3" not in err  # sorted's reverse= and a positional ndigits are fine
    code, err = check(tmp_path, "def round(x, ndigits=0):\n    return x\n"
                                "print(round(2.5, ndigits=1))\n")
    assert code == 0, err


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
@pytest.mark.parametrize("call", ["int('101', base=2)", "round(2.25, ndigits=1)",
                                  "sum([1], start=2)", "'a,b'.split(',', maxsplit=1)",
                                  "'a'.encode(encoding='utf-8')"])
def test_those_keywords_are_a_type_error_in_micropython(call: str) -> None:
    done = subprocess.run([str(micropython_path()), "-c", f"print({call})"],
                          capture_output=True, text=True, timeout=30)
    assert "TypeError" in done.stdout + done.stderr
