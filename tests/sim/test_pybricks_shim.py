"""The Pybricks shim (firmware_templates/pybricks/lib/robokit): it uses only what the
`pybricks` package has, exports the whole device API, compiles at ABI 6, and is what a
pybricks bundle carries as `robokit`."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import robokit.devices
from robokit.compiler.compile import compile_program, robokit_units
from robokit.compiler.pybricks import export_pybricks
from robokit.devices._exports import NAMES

ROOT = Path(__file__).resolve().parents[2]
SHIM_DIR = ROOT / "firmware_templates" / "pybricks" / "lib" / "robokit"
SHIM = SHIM_DIR / "__init__.py"
SHIM_FILES = sorted(SHIM_DIR.rglob("*.py"))

#: Public names of robokit.devices the shim cannot provide, and why.  Empty: every
#: name maps to a pybricks name or is defined by the shim.
NOT_PROVIDED: dict[str, str] = {}

pybricks_stubs = pytest.importorskip("pybricks", reason="the pybricks stubs package is needed")


def _pybricks_uses(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    """(module, name or None, line) for every pybricks module imported, every name
    imported from one, and every attribute read off a name imported from one
    (``Port.A``, ``Direction.CLOCKWISE``) or off an imported pybricks module."""
    uses: list[tuple[str, str | None, int]] = []
    bound: dict[str, tuple[str, str | None]] = {}  # local name -> (module, name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "pybricks":
                    uses.append((a.name, None, node.lineno))
                    bound[a.asname or a.name] = (a.name, None)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "pybricks":
            uses.append((node.module, None, node.lineno))
            for a in node.names:
                uses.append((node.module, a.name, node.lineno))
                bound[a.asname or a.name] = (node.module, a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, *rest = dotted.split(".")
            if head not in bound or not rest:
                continue
            module, name = bound[head]
            if name is None:  # import pybricks.x as m; m.Name
                uses.append((module, rest[0], node.lineno))
            else:  # from pybricks.x import Cls; Cls.ATTR
                uses.append((module, name + "." + rest[0], node.lineno))
    return uses


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else inner + "." + node.attr
    return None


def _exists(module: str, name: str | None) -> bool:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return False
    obj: object = mod
    for part in (name.split(".") if name else []):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def test_shim_files_exist():
    assert SHIM in SHIM_FILES


@pytest.mark.parametrize("path", SHIM_FILES, ids=lambda p: p.name)
def test_every_pybricks_name_the_shim_uses_exists(path: Path):
    uses = _pybricks_uses(ast.parse(path.read_text(encoding="utf-8")))
    assert uses, "the shim uses no pybricks module?"
    missing = [f"{path.name}:{line}: {module}" + (f".{name}" if name else "")
               for module, name, line in uses if not _exists(module, name)]
    assert not missing, "not in the pybricks package: " + ", ".join(missing)
    modules = {m for m, _, _ in uses}
    assert {"pybricks.parameters", "pybricks.pupdevices", "pybricks.robotics",
            "pybricks.tools", "pybricks.hubs"} <= modules


def test_ast_walk_catches_a_wrong_name():
    tree = ast.parse("from pybricks.pupdevices import Motor, Servo\n"
                     "from pybricks.parameters import Port\nx = Port.Q\n"
                     "import pybricks.nothere\n")
    bad = [(m, n) for m, n, _ in _pybricks_uses(tree) if not _exists(m, n)]
    assert ("pybricks.pupdevices", "Servo") in bad and ("pybricks.parameters", "Port.Q") in bad
    assert ("pybricks.nothere", None) in bad and ("pybricks.pupdevices", "Motor") not in bad


def _shim_exports() -> set[str]:
    tree = ast.parse(SHIM.read_text(encoding="utf-8"))
    names: set[str] = set()
    declared: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names.add(t.id)
                    if t.id == "__all__":
                        # The device API's own list, which the bundle carries as
                        # robokit._exports.
                        assert ast.unparse(node.value) == "list(_NAMES)"
                        declared = set(NAMES)
    return names & declared


def test_shim_exports_the_whole_device_api():
    exported = _shim_exports()
    wanted = set(robokit.devices.__all__)
    missing = wanted - exported - set(NOT_PROVIDED)
    assert not missing, f"the shim lacks {sorted(missing)}"
    assert not set(NOT_PROVIDED) & exported, "NOT_PROVIDED lists a name the shim has"


@pytest.mark.parametrize("abi", ["6", "6.3"])
def test_shim_compiles_with_mpy_cross(abi: str):
    bundle = compile_program(ROOT / "examples" / "square.py", target="pybricks", abi=abi)
    names = [m.name for m in bundle.modules]
    assert names == ["__main__", "robokit", "robokit._errors", "robokit._exports",
                     "robokit._robot_config", "robokit._suggest"]
    assert all(m.mpy[:2] == b"M\x06" for m in bundle.modules)
    shim = bundle.module("robokit")
    assert shim.path == "<robokit>/pybricks/__init__.py" and shim.is_package
    assert shim.source == SHIM.read_bytes()
    # The error classes are the device API's own module, not a copy in the shim.
    errors = bundle.module("robokit._errors")
    assert errors.source == (ROOT / "src" / "robokit" / "devices" / "_errors.py").read_bytes()


def test_robot_config_travels_in_the_program(tmp_path: Path):
    (tmp_path / "main.py").write_text("from robokit import robot\nprint(robot)\n")
    robot = {"name": "r", "hub": {"type": "TechnicHub"},
             "devices": {"m": {"type": "Motor", "port": "A"}}}
    bundle = compile_program(tmp_path / "main.py", target="pybricks", robot=robot)
    cfg = bundle.module("robokit._robot_config")
    namespace: dict[str, object] = {}
    exec(cfg.source or b"", namespace)
    assert namespace["ROBOT"] == bundle.robot
    # deterministic: same input, same bytes
    again = compile_program(tmp_path / "main.py", target="pybricks", robot=robot)
    assert again.to_bytes() == bundle.to_bytes()


def test_other_targets_keep_the_device_api():
    for target in ("sim", "micropython"):
        names = {u.name for u in robokit_units(target)}
        assert "robokit.devices.motors" in names and "robokit._robot_config" not in names
    pyb = {u.name for u in robokit_units("pybricks")}
    assert pyb == {"robokit", "robokit._errors", "robokit._exports", "robokit._robot_config",
                   "robokit._suggest"}


def _micropython() -> str | None:
    exe = Path(sys.executable).parent / "micropython"
    return str(exe) if exe.is_file() else shutil.which("micropython")


@pytest.mark.skipif(_micropython() is None, reason="MicroPython's unix port is not installed")
def test_shim_runs_in_micropython_on_the_stand_in_pybricks(tmp_path: Path):
    """The bundle's bytecode, in a real MicroPython VM, over the simulated hub's stand-in
    pybricks modules (no BLE here: that is test_pybricks_hub.py)."""
    from robokit.virtual.pybricks_hub import FIRMWARE_DIR, MAIN_FILE, write_modules

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.py").write_text(
        "import robokit\nfrom robokit import *\n"
        "missing = [n for n in robokit.__all__ if not hasattr(robokit, n)]\n"
        "print('missing', missing)\n"
        "print('hub', type(robot.hub).__name__, Hub is PrimeHub)\n"
        "print('motor', type(robot.left_motor).__name__, 'left_motor' in robot.names())\n"
        "db = robot.drive_base\ndb.straight(10)\nprint('dist', db.distance())\n"
        "print('colour', Color.RED == Color(0, 100, 100), Port.A, Stop.HOLD)\n"
        "async def main():\n    await multitask(wait(5), wait(10))\n    return 7\n"
        "print('task', run_task(main()))\n"
        "try:\n    TechnicHub and robot.nothing\nexcept DeviceError as e:\n"
        "    print('error', e)\n"
        "print('errors', issubclass(UsageError, RobokitError),"
        " issubclass(NoBrickError, RobokitError))\n")
    blob = export_pybricks(compile_program(tmp_path / "p" / "main.py", target="pybricks"))
    run = tmp_path / "run"
    run.mkdir()
    write_modules(blob, run)
    proc = subprocess.run([_micropython() or "micropython", "-m", MAIN_FILE], cwd=run,
                          env={"MICROPYPATH": f"{run}:{FIRMWARE_DIR}"}, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "missing []"
    assert lines[1] == "hub PrimeHub True"
    assert lines[2] == "motor Motor True"
    assert lines[3] == "dist 10"
    assert lines[4] == "colour True Port.A Stop.HOLD"
    assert lines[5] == "task 7"
    assert lines[6].startswith("error robot has no 'nothing'")
    assert lines[7] == "errors True True"


@pytest.mark.skipif(_micropython() is None, reason="MicroPython's unix port is not installed")
def test_every_example_starts_on_the_stand_in_pybricks():
    """Each example, compiled for pybricks, runs for a moment over the stand-in modules
    without an import or attribute error (then it is stopped: no physics, no world)."""
    import threading
    import time

    from robokit.virtual.pybricks_hub import ProgramProcess

    runs = []
    for example in sorted((ROOT / "examples").glob("*.py")):
        blob = export_pybricks(compile_program(example, target="pybricks"))
        out: list[bytes] = []
        done = threading.Event()
        proc = ProgramProcess(blob, out.append, lambda rc, done=done: done.set())
        runs.append((example.name, proc, out, done))
    deadline = time.monotonic() + 0.8
    for _name, proc, _out, done in runs:
        if not done.wait(max(0.0, deadline - time.monotonic())):
            proc.stop(0.5)
    bad = []
    for name, _proc, out, done in runs:
        assert done.wait(5), f"{name} did not stop"
        text = b"".join(out).decode("utf-8", "replace")
        if "Traceback" in text and not text.rstrip().endswith("KeyboardInterrupt:"):
            bad.append(f"{name}:\n{text}")
    assert not bad, "\n".join(bad)
