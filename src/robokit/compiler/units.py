"""robokit's own modules that go into a bundle: the device API, the brick-side ``robokit``
package (``firmware_templates/``) and, for a Pybricks hub, the shim over its firmware
(:func:`robokit.compiler.compile.robokit_units` reads them; the check asks which names
exist on a brick, :func:`module_names`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RobokitError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/robokit


def templates_dir() -> Path | None:
    """``firmware_templates/``: beside the package when installed with it, else in the
    source checkout (an editable install)."""
    for cand in (_PACKAGE_DIR / "firmware_templates", _PACKAGE_DIR.parent.parent /
                 "firmware_templates"):
        if (cand / "common").is_dir():
            return cand
    return None


def _read_units(folder: Path, prefix_path: str) -> list[tuple[str, str, Path, bool]]:
    """(module name, path, file, is_package) for every .py under ``folder``."""
    out = []
    for f in sorted(folder.rglob("*.py")):
        rel = f.relative_to(folder).as_posix()
        if "__pycache__" in rel:
            continue
        parts = rel[:-3].split("/")
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        if not all(p.isidentifier() for p in parts):
            continue
        path = rel[len("robokit/"):] if rel.startswith("robokit/") else rel
        out.append((".".join(parts), prefix_path + path, f, is_pkg))
    return out


def module_names(family: str) -> frozenset[str]:
    """The names of robokit's modules a program finds on a brick of ``family`` (robokit's
    Pybricks namespace included): the device API, never robokit's host-side modules
    (``robokit.sim``, ``robokit.kits``...)."""
    return frozenset(robokit_files(family, None, True))


def robokit_files(family: str, robot: dict[str, Any] | None, pybricks: bool
                  ) -> dict[str, tuple[str, Path | bytes, bool]]:
    """robokit's modules in a bundle for a brick of ``family`` ("sim", "micropython" or
    "pybricks"; see :func:`robokit.compiler.compile.robokit_units`) by name: (path in the
    bundle, the file or the generated source, is a package)."""
    templates = templates_dir()
    if templates is None:
        raise RobokitError("robokit's firmware_templates folder is missing (it holds the "
                           "brick-side robokit package); reinstall robokit")
    found: dict[str, tuple[str, Path | bytes, bool]] = {}
    if family != "pybricks":
        for name, path, f, pkg in _read_units(_PACKAGE_DIR / "devices", "<robokit>/devices/"):
            if name.split(".")[0] == "pybricks" and not pybricks:
                continue  # robokit's pybricks namespace: only for Pybricks programs
            found["robokit.devices" + ("." + name if name else "")] = (path, f, pkg)
        for name, path, f, pkg in _read_units(templates / "common", "<robokit>/"):
            if name:
                found[name] = (path, f, pkg)
    if family != "sim":
        family_dir = templates / family / "lib"
        if family_dir.is_dir():
            for name, path, f, pkg in _read_units(family_dir, f"<robokit>/{family}/"):
                if name:
                    found[name] = (path, f, pkg)
        elif family == "pybricks":
            raise RobokitError(f"robokit's Pybricks shim is missing ({family_dir}); "
                               "reinstall robokit")
    if family == "pybricks":
        found["robokit._robot_config"] = ("<robokit>/pybricks/_robot_config.py",
                                          _robot_config_source(robot or {}), False)
        # The shim's error classes, public names and "did you mean" are the device
        # API's own (portable) modules.
        for mod in ("_errors", "_exports", "_suggest"):
            found["robokit." + mod] = ("<robokit>/devices/" + mod + ".py",
                                       _PACKAGE_DIR / "devices" / (mod + ".py"), False)
    return found


def _robot_config_source(robot: dict[str, Any]) -> bytes:
    """The module ``robokit._robot_config``: ``ROBOT = {...}`` (deterministic: the
    config's own order, floats by repr)."""
    return (b'"""The robot configuration (robot.toml) this program was compiled with."""\n\n'
            b"ROBOT = " + repr(robot).encode("utf-8") + b"\n")
