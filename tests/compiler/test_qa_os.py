"""A program's ``os``: ``os.getpid()``, ``os.system()``, ``os.environ``, ``os.path`` and
``os.makedirs`` passed the check and ran in the simulator (CPython's os, the host's), and
a kit board's MicroPython os has none of them; ``os._exit(5)`` was a SystemExit in the
simulator and an AttributeError with --exact; ``import uos`` passed the check and was a
ModuleNotFoundError in the simulator, ``os.ilistdir()`` an AttributeError there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import check_main as check
from cli_helpers import invoke

from robokit.compiler.stdnames import OS_NAMES, SYS_ABSENT
from robokit.virtual.mpvm import micropython_path


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_the_os_table_is_in_micropythons_own_os() -> None:
    """Each name the check lets through is in the unix port's os (the --exact VM), but
    uname, which every kit board has and the unix port does not; and the names only
    the unix port has (a shell, an environment) are refused."""
    out = subprocess.run([str(micropython_path()), "-c", "import os\nfor n in dir(os): print(n)"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    unix = set(out.split())
    assert OS_NAMES - {"uname"} <= unix
    assert {"system", "getenv", "putenv", "errno", "VfsPosix"} <= unix - OS_NAMES


@pytest.mark.parametrize("target", ["sim", "micropython"])
def test_what_no_boards_os_has_is_refused_at_its_line(tmp_path: Path, target: str) -> None:
    code, err = check(tmp_path, "import os\nimport uos as u\nimport os.path\n"
                                "from os import makedirs, listdir\n"
                                "print(os.getpid())\nprint(os.path.join('a', 'b'))\n"
                                "print(os.environ.get('HOME'))\nos.system('echo hi')\n"
                                "u.sync()\n", "--target", target)
    assert code == 2, err
    assert "Traceback" not in err
    assert ("main.py:3: import os.path: MicroPython has no module os.path (the simulator's "
            "os is CPython's, a brick's is not); join paths with '/'") in err
    assert ("main.py:4: os.makedirs: MicroPython's os has no makedirs (the simulator's os is "
            "CPython's, a brick's is not); make each folder with os.mkdir()") in err
    assert "listdir" not in err.split("main.py:4:")[1].split("\n")[0].split(";")[0]
    assert ("main.py:5: os.getpid: MicroPython's os has no getpid (the simulator's os is "
            "CPython's, a brick's is not); a brick runs one program") in err
    assert "main.py:6: os.path: MicroPython's os has no path" in err
    assert ("main.py:7: os.environ: MicroPython's os has no environ (the simulator's os is "
            "CPython's, a brick's is not); a brick has no environment variables") in err
    assert "main.py:8: os.system: MicroPython's os has no system" in err
    assert "a brick has no shell" in err
    assert ("main.py:9: u.sync: not every kit board's os has sync; a file is on the flash "
            "once it is closed") in err


def test_os_exit_is_refused_as_the_brick_refuses_it(tmp_path: Path) -> None:
    """The simulator ended the run with SystemExit, the brick (and --exact) with
    AttributeError: the check now refuses it, before either runs."""
    (tmp_path / "main.py").write_text("import os\nprint('bye')\nos._exit(5)\n")
    r = invoke("run", tmp_path / "main.py")
    assert r.exit_code == 2
    assert ("main.py:3: os._exit: MicroPython's os has no _exit (the simulator's os is "
            "CPython's, a brick's is not); import sys and call sys.exit(code)") in r.stderr
    assert "bye" not in r.stdout


def test_what_every_board_has_passes_and_a_fallback_is_honoured(tmp_path: Path) -> None:
    code, err = check(tmp_path, "import os\nimport uos\nfrom os import ilistdir, sep\n"
                                "print(os.listdir(), list(os.ilistdir('.')), os.getcwd())\n"
                                "print(os.stat('main.py'), os.statvfs('/'), uos.uname())\n"
                                "print(os.urandom(2), os.sep, os.__name__)\n"
                                "try:\n    os.mkdir('logs')\nexcept OSError:\n    pass\n"
                                "os.rename('a', 'b')\nos.remove('b')\nos.unlink('c')\n"
                                "os.rmdir('logs')\nos.chdir('/')\n"
                                "try:\n    pid = os.getpid()\nexcept AttributeError:\n"
                                "    pid = 0\n"
                                "try:\n    import os.path as p\nexcept ImportError:\n"
                                "    p = None\n")
    assert code == 0, err


def test_the_pybricks_target_refuses_os_itself(tmp_path: Path) -> None:
    """Pybricks firmware has no os: the import is refused, with what it has."""
    code, err = check(tmp_path, "import os\nprint(os.listdir())\n", "--target", "pybricks")
    assert code == 2
    assert ("main.py:1: 'os' is neither a module of this project nor built into a LEGO hub "
            "with Pybricks firmware") in err
    assert "Traceback" not in err


def test_uos_and_ilistdir_run_in_the_simulator(tmp_path: Path) -> None:
    """What the check lets through runs in the simulator as on a board."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("hi")
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "main.py").write_text(
        "import uos\nimport os\nprint(uos is os)\n"
        f"for e in sorted(os.ilistdir({str(tmp_path / 'd')!r})):\n"
        "    print(e[0], hex(e[1]), e[3])\n"
        f"print(sorted(uos.listdir({str(tmp_path / 'd')!r})))\n")
    r = invoke("run", tmp_path / "main.py")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[:4] == ["True", "f.txt 0x8000 2", "sub 0x4000 0",
                                         "['f.txt', 'sub']"]


def test_a_result_cached_by_the_robokit_before_is_not_reused(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """The analysis cache's format moved on with the os table: a program an older robokit
    checked (and cached as fine) is checked again."""
    from robokit.compiler.cache import Cache, make_key

    source = b"import os\nprint(os.getpid())\n"
    cache = tmp_path / "cache"
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(cache))
    Cache(cache).put("analysis", make_key("constructs", "3", "6.3", source), b"[]")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.py").write_bytes(source)
    r = invoke("check", tmp_path / "p" / "main.py")
    assert r.exit_code == 2
    assert "main.py:2: os.getpid: MicroPython's os has no getpid" in r.stderr


def _doc_example() -> str:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pybricks-programs.md").read_text()
    part = doc.split("**Ending a program early.**", 1)[1]
    return part.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_docs_os_message_for_a_hub_is_the_checks(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pybricks-programs.md").read_text()
    said = doc.split("$ robokit check pyb_os.py --target pybricks\n", 1)[1].split("\n", 1)[0]
    (tmp_path / "pyb_os.py").write_text("from pybricks.hubs import PrimeHub\nimport os\n\n"
                                        "hub = PrimeHub()\nprint(os.listdir())\n")
    r = invoke("check", tmp_path / "pyb_os.py", "--target", "pybricks")
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0].replace(f"{tmp_path}{os.sep}", "") == said


def test_the_docs_ending_example_finishes_in_the_simulator(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(_doc_example())
    r = invoke("run", tmp_path / "main.py")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("done\n")
    assert "status     finished" in r.stdout


@pytest.fixture
def hub(radio: object) -> object:
    from robokit.virtual.pybricks_hub import PybricksHub

    h = PybricksHub("QA Hub", max_program_size=64 * 1024)
    radio.add(h)  # type: ignore[attr-defined]
    yield h
    h.close()


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_system_exit_with_a_code_on_a_hub_is_finished_and_an_exception_an_error(
        hub: object, tmp_path: Path, split_runner: object) -> None:
    """As the docs say: Pybricks firmware stops on any SystemExit, with no code to
    report; an exception is an error on the hub as in the simulator."""
    from robokit.cli import main

    head = "from pybricks.hubs import PrimeHub\n\nhub = PrimeHub()\nprint('a')\n"
    (tmp_path / "code.py").write_text(head + "raise SystemExit(3)\n")
    r = split_runner.invoke(main, ["run", str(tmp_path / "code.py"),  # type: ignore[attr-defined]
                                   "--pybricks", "QA Hub"])
    assert r.exit_code == 0, r.stderr
    assert "status     finished" in r.stdout
    sim = invoke("run", tmp_path / "code.py")
    assert sim.exit_code == 1 and "SystemExit: 3" in sim.stderr
    (tmp_path / "raises.py").write_text(head + "raise RuntimeError('battery low')\n")
    r = split_runner.invoke(main, ["run", str(tmp_path / "raises.py"),  # type: ignore[attr-defined]
                                   "--pybricks", "QA Hub"])
    assert r.exit_code == 1
    assert "RuntimeError: battery low" in r.stderr
    sim = invoke("run", tmp_path / "raises.py")
    assert sim.exit_code == 1 and "RuntimeError: battery low" in sim.stderr


def test_every_name_the_check_lets_through_is_in_the_simulators_os() -> None:
    from robokit.sim.mpnames import program_modules

    modules = program_modules(None)
    for name in ("os", "uos"):
        assert sorted(n for n in OS_NAMES if not hasattr(modules[name], n)) == []


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
def test_the_sys_names_refused_are_cpythons_and_no_micropythons() -> None:
    out = subprocess.run([str(micropython_path()), "-c", "import sys\nfor n in dir(sys): print(n)"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert not SYS_ABSENT & set(out.split())
    assert all(hasattr(sys, name) for name in SYS_ABSENT - {"exception"})  # (3.11: exception)


@pytest.mark.parametrize("target", ["sim", "micropython", "pybricks"])
def test_sys_names_no_micropython_has_are_refused_at_their_line(tmp_path: Path,
                                                               target: str) -> None:
    """sys.setrecursionlimit(5000) ran in the simulator and stopped on a brick."""
    code, err = check(tmp_path, "import sys\nimport usys as u\nsys.setrecursionlimit(5000)\n"
                                "print(u.float_info.max)\n", "--target", target)
    assert code == 2, err
    assert ("main.py:3: sys.setrecursionlimit: MicroPython's sys has no setrecursionlimit "
            "(the simulator's sys is CPython's, a brick's is not); a brick's recursion depth "
            "is set by its stack, not by a limit: write the recursion as a loop") in err
    assert "main.py:4: u.float_info: MicroPython's sys has no float_info" in err
    assert "Traceback" not in err


def test_what_a_boards_sys_has_passes(tmp_path: Path) -> None:
    code, err = check(tmp_path, "import sys\nfrom sys import argv, print_exception\n"
                                "print(sys.argv, sys.implementation.name, sys.platform)\n"
                                "print(sys.version_info, sys.byteorder, sys.modules, sys.path)\n"
                                "try:\n    sys.setrecursionlimit(50)\nexcept AttributeError:\n"
                                "    pass\nsys.stdout.write('x')\nsys.exit(0)\n")
    assert code == 0, err


def test_a_guarded_import_whose_fallback_is_none_is_still_judged(tmp_path: Path) -> None:
    """``except ImportError: os = None`` made every os.x of the program unjudged (the name
    was taken for one that holds something else)."""
    code, err = check(tmp_path, "try:\n    import os\nexcept ImportError:\n    os = None\n"
                                "if os is not None:\n    print(os.getpid())\n")
    assert code == 2, err
    assert "main.py:6: os.getpid: MicroPython's os has no getpid" in err
    code, err = check(tmp_path, "import os\nos = object()\nprint(os.getpid())\n")
    assert code == 0, err  # a name that holds something else is not judged


def test_keywords_micropythons_builtins_do_not_take_are_refused(tmp_path: Path) -> None:
    """print(..., flush=True), zip(..., strict=True) and int.from_bytes(b, byteorder=...)
    ran in the simulator and are a TypeError in MicroPython."""
    code, err = check(tmp_path, "print('a', flush=True)\n"
                                "n = int.from_bytes(b'\\x01\\x00', byteorder='little')\n"
                                "pairs = list(zip([1], [2], strict=True))\n")
    assert code == 2, err
    assert ("main.py:1: print(..., flush=...): MicroPython's print() has no flush (a "
            "TypeError on a brick; the simulator runs CPython's); leave it out: a brick's "
            "print() writes its line at once") in err
    assert ("main.py:2: .from_bytes(..., byteorder=...): MicroPython's from_bytes() takes "
            "byteorder only by position") in err
    assert "main.py:3: zip(..., strict=...): MicroPython's zip() has no strict" in err
    code, err = check(tmp_path, "import sys\nprint('a', end='', sep=' ', file=sys.stderr)\n"
                                "n = int.from_bytes(b'\\x01', 'little')\n"
                                "def zip(*a, strict=False):\n    return a\n"
                                "zip([1], strict=True)\n")
    assert code == 0, err  # what MicroPython takes, and the program's own zip


@pytest.mark.skipif(micropython_path() is None,
                    reason="MicroPython's unix port (micropython) is not installed")
@pytest.mark.parametrize("call", ["print('a', flush=True)", "zip([1], [2], strict=True)",
                                  "int.from_bytes(b'1', byteorder='little')"])
def test_micropython_refuses_those_keywords(call: str) -> None:
    r = subprocess.run([str(micropython_path()), "-c", call], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0 and "TypeError" in r.stdout + r.stderr  # (its traceback: stdout)
