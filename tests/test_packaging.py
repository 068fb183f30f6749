"""The wheel carries every package and data file robokit needs at run time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "robokit"


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_python_package_under_src_is_listed():
    listed = set(_config()["tool"]["setuptools"]["packages"])
    found = {"robokit"} | {
        "robokit." + ".".join(p.parent.relative_to(SRC).parts)
        for p in SRC.rglob("__init__.py")
        if p.parent != SRC and "__pycache__" not in p.parts and "pybricks_fw" not in p.parts
    }
    # virtual/pybricks_fw holds MicroPython modules for the simulated hub: data, not a package.
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_data_files_are_covered_by_package_data():
    data = _config()["tool"]["setuptools"]["package-data"]["robokit"]
    assert "sim/worlds/*.toml" in data
    assert any(d.startswith("virtual/pybricks_fw/") and d.endswith("*.py") for d in data)
    assert (SRC / "virtual" / "mp_agent.py").is_file()  # shipped as a module of robokit.virtual


def _requirement_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower()


def test_every_extra_a_message_or_doc_names_is_defined():
    """`pip install "robokit[X]"` in an error message, the README or the docs names an
    extra the project has (`--exact` asks for robokit[exact], the MicroPython VM), and the
    VM of the exact extra is the one the test extra brings."""
    extras = _config()["project"]["optional-dependencies"]
    texts = [p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts]
    texts += [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named: dict[str, set[str]] = {}
    for path in texts:
        for extra in re.findall(r"robokit\[(\w+)\]", path.read_text(encoding="utf-8")):
            named.setdefault(extra, set()).add(path.name)
    assert "exact" in named, "the --exact message names robokit[exact]"
    missing = {x: sorted(files) for x, files in named.items() if x not in extras}
    assert not missing, f"named but not in [project.optional-dependencies]: {missing}"
    assert set(extras["exact"]) <= set(extras["test"])


def test_pytest_and_pybricksdev_are_in_the_base_install():
    """The design card's packages: the robokit_sim fixture needs pytest in robokit's own
    environment (issue 13), and pybricksdev drives LEGO hubs. The lego extra stays, as an
    alias, so that `pip install "robokit[lego]"` keeps working."""
    project = _config()["project"]
    base = {_requirement_name(r): r for r in project["dependencies"]}
    for name in ("pytest", "pybricksdev"):
        assert name in base, f"{name} is not in [project] dependencies"
        assert ";" not in base[name], f"{name} must not depend on a marker: {base[name]}"
    extras = project["optional-dependencies"]
    assert {_requirement_name(r) for r in extras["lego"]} <= set(base)
    assert "test" in extras
    entry = project["entry-points"]["pytest11"]["robokit"]
    assert entry == "robokit.testing.pytest_plugin"


FRESH_PROGRAM = """\
from robokit import robot

robot.drive_base.straight(250)
print("drove", round(robot.drive_base.distance()), "mm")
"""

FRESH_TEST = """\
import sys
from pathlib import Path

import robokit


def test_drive(robokit_sim):
    # robokit and this pytest are the fresh venv's own, not the checkout's
    assert Path(robokit.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())
    result = robokit_sim("drive.py")
    assert result.status == "finished", result.traceback
    assert 245 < result.distance_mm < 255
    assert "drove 250 mm" in result.output
"""


@pytest.mark.slow
def test_a_fresh_venv_with_the_base_install_runs_a_robokit_sim_test(tmp_path: Path) -> None:
    """`pip install .` (no extras) into a new venv, then that venv's `pytest` runs a test
    using the robokit_sim fixture (issue 13: pytest was not installed, and the machine's
    global pytest ran without the plugin)."""
    config = _config()
    # Build from a copy of what the wheel is made of: pip builds in the source folder,
    # and this working tree is shared (build/ and *.egg-info would appear in it).
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", project)
    shutil.copy2(ROOT / "setup.py", project)  # (builds the compiled core where it can)
    shutil.copy2(ROOT / config["project"]["readme"], project)
    for folder in set(config["tool"]["setuptools"]["package-dir"].values()):
        shutil.copytree(ROOT / folder, project / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so", "*.pyd"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    # (--no-compile: what is checked here is what gets installed, not its bytecode; ~5 s)
    pip = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q",
                          "--no-compile", str(project)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr

    metadata = next((venv / "lib").glob("python3*/site-packages/robokit-*.dist-info/METADATA"),
                    None) if sys.platform != "win32" else None
    if metadata is not None:
        lines = metadata.read_text(encoding="utf-8").splitlines()
        assert "Provides-Extra: lego" in lines
        for name in ("pytest", "pybricksdev"):
            assert any(ln.startswith(f"Requires-Dist: {name}") and ";" not in ln
                       for ln in lines), name

    # The compiled core (setup.py, robokit._compiled) is built where a C compiler is, and
    # used: the wheel has each module's extension, newer than its source.
    core = subprocess.run([str(bin_dir / "python"), "-c",
                           "import robokit, robokit._compiled as c; print(c.summary())"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert core.returncode == 0, core.stderr
    if shutil.which("cc") or shutil.which("gcc"):
        assert core.stdout.startswith("compiled core: all "), core.stdout

    tests = tmp_path / "robot_tests"
    tests.mkdir()
    (tests / "drive.py").write_text(FRESH_PROGRAM, encoding="utf-8")
    (tests / "test_drive.py").write_text(FRESH_TEST, encoding="utf-8")
    run = subprocess.run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"],
                         capture_output=True, text=True, cwd=tests, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
