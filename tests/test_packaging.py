"""The wheel carries every package and data file robokit needs at run time."""

from __future__ import annotations

import sys
from pathlib import Path

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
