"""robokit's compiled core (robokit._compiled, setup.py): the hot modules built as C
extensions run the very runs of their Python source, to the bit; their .pxd declarations
name every attribute of the classes they make C types; an extension older than its
source, or turned off, is not used."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from robokit import _compiled

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "robokit"


def _setup_modules() -> tuple[str, ...]:
    source = (ROOT / "setup.py").read_text(encoding="utf-8")
    # setup.py calls setup() at its end: run only its definitions
    code = source.rsplit("\nsetup(", 1)[0]
    namespace: dict = {"__file__": str(ROOT / "setup.py"), "__name__": "robokit_setup"}
    exec(compile(code, "setup.py", "exec"), namespace)
    return tuple(namespace["compiled_modules"]())


def test_setup_builds_the_modules_robokit_looks_for():
    assert _setup_modules() == _compiled.MODULES
    for name in _compiled.MODULES:
        assert (SRC / Path(*name.split(".")[1:])).with_suffix(".py").is_file(), name


def _slots(source: Path) -> dict[str, set[str]]:
    """class name -> its __slots__, for the classes of ``source`` that declare them."""
    found = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (isinstance(item, ast.Assign)
                        and any(getattr(t, "id", "") == "__slots__" for t in item.targets)):
                    value = item.value
                    while isinstance(value, ast.Assign):  # __slots__ = _FIELDS = (...)
                        value = value.value
                    found[node.name] = set(ast.literal_eval(value))
    return found


def _assigned(source: Path) -> dict[str, set[str]]:
    """class name -> the attributes its methods set on ``self``."""
    found: dict[str, set[str]] = {}
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            names = found.setdefault(node.name, set())
            for sub in ast.walk(node):
                if (isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                        and isinstance(sub.value, ast.Name) and sub.value.id == "self"):
                    names.add(sub.attr)
    return found


def _declared(pxd: Path) -> dict[str, set[str]]:
    """class name -> the fields a .pxd declares for it."""
    found: dict[str, set[str]] = {}
    current = None
    for line in pxd.read_text(encoding="utf-8").splitlines():
        m = re.match(r"cdef class (\w+)", line)
        if m:
            current = found.setdefault(m.group(1), set())
            continue
        m = re.match(r"\s+cdef public \w+ (.+)", line)
        if m and current is not None:
            current |= {f.strip() for f in m.group(1).split(",")}
    return found


@pytest.mark.parametrize("pxd", sorted(SRC.rglob("*.pxd")), ids=lambda p: p.name)
def test_a_pxd_declares_every_slot_of_its_classes(pxd: Path):
    """A C type has no __dict__ unless its .pxd gives it one: an attribute its .pxd
    leaves out would be an AttributeError in the compiled module only.  A C type without
    __dict__ declares exactly its class's __slots__; one with it declares only attributes
    its class sets."""
    declared = _declared(pxd)
    text = pxd.read_text(encoding="utf-8")
    with_dict = set(re.findall(r"cdef class (\w+):\n\s+cdef dict __dict__", text))
    for cls, base in re.findall(r"cdef class (\w+)\((\w+)\):", text):
        if base in with_dict:  # (a subclass of a C type with a __dict__ has one)
            with_dict.add(cls)
    slots = _slots(pxd.with_suffix(".py"))
    assigned = _assigned(pxd.with_suffix(".py"))
    functions = re.findall(r"^cpdef \w+ (\w+)\(|^cpdef (\w+)\(", text, re.M)
    tree = ast.parse(pxd.with_suffix(".py").read_text(encoding="utf-8"))
    module_defs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for typed, plain in functions:  # a module-level function the .pxd types
        assert (typed or plain) in module_defs, f"{pxd.name}: no function {typed or plain}"
    assert declared or functions, f"{pxd.name} declares nothing"
    name = ".".join(("robokit", *pxd.relative_to(SRC).with_suffix("").parts))
    assert name in _compiled.MODULES, f"{pxd.name} is for a module the build leaves out"
    for cls, fields in declared.items():
        if cls in with_dict:
            assert fields and fields <= assigned.get(cls, set()), \
                f"{pxd.name}: {cls} declares what its class never sets"
            continue
        assert cls in slots, f"{pxd.name}: {cls} has no __slots__ in its module"
        assert fields == slots[cls], f"{pxd.name}: {cls} differs from its __slots__"


def test_an_extension_older_than_its_source_is_stale(tmp_path: Path):
    ext = tmp_path / "m.so"
    src = tmp_path / "m.py"
    ext.write_bytes(b"")
    src.write_text("")
    os.utime(src, (1000, 1000))
    os.utime(ext, (2000, 2000))
    assert not _compiled._stale(str(ext), str(src))
    os.utime(src, (3000, 3000))  # the source edited after the build
    assert _compiled._stale(str(ext), str(src))
    os.utime(src, (1000, 1000))
    (tmp_path / "m.pxd").write_text("")
    os.utime(tmp_path / "m.pxd", (3000, 3000))  # the declarations edited after the build
    assert _compiled._stale(str(ext), str(src))


def test_one_stale_module_runs_them_all_as_python(tmp_path: Path, monkeypatch):
    # Two modules, both built; the second's source edited since.  A module compiled against
    # another's C type fails to import beside that one run as Python ("size changed"), so
    # the fresh one is held back too.
    ext_suffix = _compiled._suffixes()[0]
    for name, source_time in (("a", 1000), ("b", 3000)):
        (tmp_path / f"{name}.py").write_text("")
        (tmp_path / f"{name}{ext_suffix}").write_bytes(b"")
        os.utime(tmp_path / f"{name}.py", (source_time, source_time))
        os.utime(tmp_path / f"{name}{ext_suffix}", (2000, 2000))
    monkeypatch.setattr(_compiled, "_HERE", str(tmp_path))
    monkeypatch.setattr(_compiled, "MODULES", ("robokit.a", "robokit.b"))
    monkeypatch.setattr(_compiled, "_CHECKOUT", True)
    monkeypatch.setattr(_compiled, "found", {})
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    _compiled.install()
    assert _compiled.found == {"robokit.a": "held", "robokit.b": "stale"}
    assert sys.meta_path[0].sources == {"robokit.a": str(tmp_path / "a.py"),
                                        "robokit.b": str(tmp_path / "b.py")}
    line = _compiled.summary()
    assert line.startswith("compiled core: not in use, all 2 modules run as Python (b stale;")


def _python(*args: str, off: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != _compiled.ENV}
    if off:
        env[_compiled.ENV] = "0"
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


def test_turned_off_every_module_runs_from_its_source():
    code = ("import importlib, robokit, robokit._compiled as c\n"
            "print(c.summary())\n"
            "for n in c.MODULES: print(importlib.import_module(n).__file__)\n")
    out = _python("-c", code, off=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    files = lines[1:]
    assert len(files) == len(_compiled.MODULES)
    assert all(f.endswith(".py") for f in files), files
    if any(s != "python" for s in _compiled.found.values()):
        assert lines[0] == f"compiled core: off ({_compiled.ENV}=0)"


#: Every example's run, as exact numbers (reprs of the floats, the events, a digest of
#: the telemetry), printed as JSON; run once compiled and once with the core off.
_RUN_ALL = r"""
import hashlib, json, sys
sys.path.insert(0, "tests/sim")
from test_kernel import PROGRAMS, name_of
from robokit.sim import simulate
out = {}
for program, kw in PROGRAMS:
    r = simulate(list(program) if isinstance(program, tuple) else program, **kw)
    robots = [r] + list(r.robots[1:])
    out[name_of(program)] = [
        [x.status, repr(x.sim_time_s), repr(tuple(x.pose)), repr(x.distance_mm),
         repr(x.events), x.output,
         hashlib.sha256(repr(x.telemetry.rows).encode()).hexdigest()]
        for x in robots]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_every_example_ends_the_same_compiled_and_as_python():
    """The compiled modules' fields are Python objects and their arithmetic Python's:
    every example ends at the same floats, with the same events, output and telemetry."""
    if _compiled.found.get("robokit.sim.motor") != "compiled":
        pytest.skip(f"the compiled core is not in use here ({_compiled.summary()})")
    compiled = _python("-c", _RUN_ALL)
    python = _python("-c", _RUN_ALL, off=True)
    assert compiled.returncode == 0, compiled.stderr[-3000:]
    assert python.returncode == 0, python.stderr[-3000:]
    a = json.loads(compiled.stdout.splitlines()[-1])
    b = json.loads(python.stdout.splitlines()[-1])
    assert a.keys() == b.keys()
    assert len(a) >= 15  # (test_kernel.PROGRAMS: every example)
    for name in a:
        assert a[name] == b[name], name


@pytest.mark.slow
def test_without_a_c_compiler_robokit_installs_and_runs_as_python(tmp_path: Path):
    """The compiled core is optional: with a compiler that fails (CC=false), `pip
    install .` still installs robokit, which runs in pure Python and says so."""
    import shutil
    import site
    import venv

    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, project)
    for folder in ("src", "firmware_templates"):
        shutil.copytree(ROOT / folder, project / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", _compiled.ENV)}
    env["CC"] = "false"
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                          "--no-compile", str(project)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    # robokit's dependencies: this environment's (a .pth file; the venv's robokit first)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "robokit_deps.pth").write_text("\n".join(deps) + "\n")
    code = ("import robokit, robokit._compiled as c, robokit.sim.motor as m\n"
            "from robokit.sim import simulate\n"
            "r = simulate('examples/square.py')\n"
            "print(c.summary()); print(m.__file__); print(r.status)\n")
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    summary, motor_file, status = run.stdout.splitlines()[-3:]
    assert summary.startswith("compiled core: not built")
    assert motor_file.startswith(str(env_dir)) and motor_file.endswith("motor.py")
    assert status == "finished"


def test_robokit_version_says_whether_the_core_is_compiled():
    from click.testing import CliRunner

    from robokit.cli import main

    out = CliRunner().invoke(main, ["--version"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("robokit, version ")
    assert lines[1] == _compiled.summary()
    assert lines[1].startswith("compiled core: ")
