"""robokit's compiled core: the simulator's hot modules as C extensions, where built.

robokit is pure Python, and every module runs as it is.  Installed on a machine with a C
compiler, ``pip install`` also builds the modules named in :data:`MODULES` with Cython
(``setup.py``): the same source, compiled, with the classes that the 5 ms control loop
and the physics touch most (``Control``, ``Trajectory``, ``DriveBase``, ``DCMotor`` and
``Motor``, ``BrickState``, ``MotorSim``, ``Footprint``, ``Kernel``) declared as C
types, and the hottest arithmetic typed, by the ``.pxd`` file beside their module.
Fields that hold what a program set stay Python objects; those that only ever hold
floats are C doubles, whose arithmetic is Python's float arithmetic, in the same
operations and order: a compiled run ends at the very floats of a pure one
(``tests/test_compiled.py`` runs every example both ways).
Without a compiler the build leaves them out and robokit runs as Python, slower.

In an editable install (robokit run from its checkout), a compiled module is used only
while it is newer than its source (and its ``.pxd``): an edited module runs as Python
until ``pip install -e .`` builds it again, and so do all the others with it (they are
of one build: one compiled against another's C type fails to import beside it run as
Python).  The same holds where one of them failed to build.  ``ROBOKIT_COMPILED=0`` in
the environment runs them all as Python (read when robokit is first imported; at build
time it builds none).

This module is imported by ``robokit/__init__`` before anything else of robokit: it
costs a few ``stat`` calls, and imports nothing when the compiled modules are in use.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The modules built as C extensions when a compiler is at hand (setup.py reads this).
MODULES = (
    # the control loop: the drive base's and the motors' controllers, a motor's commands
    "robokit.devices.control",
    "robokit.devices.robotics",
    "robokit.devices.motors",
    # a program's sensor reads and waits, each argument's check, the door to the HAL
    "robokit.devices.sensors",
    "robokit.devices.tools",
    "robokit.devices._check",
    "robokit.devices._hal",
    # the simulated brick: its state (a C type), its clock and HAL, its fast kernel, its
    # motors and sensors (the mat under the colour sensor), the telemetry it records, the
    # ultrasonic cone's walls
    "robokit.sim.brickstate",
    "robokit.sim.brick",
    "robokit.sim.kernel",
    "robokit.sim.arc",
    "robokit.sim.motor",
    "robokit.sim.sensors",
    "robokit.sim.mat",
    "robokit.sim.recorder",
    "robokit.sim.world.sonar",
)
#: The environment variable that turns the compiled modules off ("0").
ENV = "ROBOKIT_COMPILED"

_HERE = os.path.dirname(os.path.abspath(__file__))

#: What :func:`install` found: module name -> "compiled", "stale", "off", "python" (no
#: extension built for it) or "held" (built and fresh, but run as Python with the others,
#: as one of them is stale or not built).
found: dict[str, str] = {}


def _suffixes() -> list[str]:
    import importlib.machinery

    return importlib.machinery.EXTENSION_SUFFIXES


def _extension(base: str) -> str | None:
    """The path of the built extension of the module at ``base`` (its path without
    ``.py``), or None."""
    for suffix in _suffixes():
        if os.path.exists(base + suffix):
            return base + suffix
    return None


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0


#: Where robokit runs from its checkout (an editable install): the setup.py that builds
#: the extensions is two folders up.  Only there may a source change after its build; an
#: installed wheel's extensions and sources are of one build (and pip gives the files the
#: times it writes them, not the build's).
_CHECKOUT = os.path.exists(os.path.join(os.path.dirname(os.path.dirname(_HERE)), "setup.py"))


def _stale(ext: str, source: str) -> bool:
    """Is the extension ``ext`` older than the module's source or its ``.pxd``?"""
    built = _mtime(ext)
    return (_mtime(source) > built
            or _mtime(source[:-3] + ".pxd") > built)


class _SourceFinder:
    """Loads the named modules from their ``.py`` source, not their extension (a
    meta-path finder: ahead of Python's own, which would take the extension)."""

    def __init__(self, sources: dict[str, str]):
        self.sources = sources

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        source = self.sources.get(fullname)
        if source is None:
            return None
        import importlib.util

        return importlib.util.spec_from_file_location(fullname, source)


def install() -> None:
    """Use each built extension that is fresh (and wanted); run the others from their
    source.  Called once, by ``robokit/__init__``."""
    if found:
        return
    off = (os.environ.get(ENV) or "1").strip() == "0"
    source_of: dict[str, str] = {}
    for name in MODULES:
        base = os.path.join(_HERE, *name.split(".")[1:])
        ext = _extension(base)
        source = source_of[name] = base + ".py"
        if ext is None:
            found[name] = "python"
        elif off or (_CHECKOUT and _stale(ext, source)):
            found[name] = "off" if off else "stale"
        else:
            found[name] = "compiled"
    states = set(found.values())
    if "compiled" in states and ("stale" in states or "python" in states):
        # The modules declare each other's C types (a .pxd cimports another's): one run
        # as Python beside one compiled against its C type fails to import.  They run
        # together, from one build, or all as Python.
        for name, state in found.items():
            if state == "compiled":
                found[name] = "held"
    sources = {name: source_of[name] for name, state in found.items()
               if state in ("off", "stale", "held")}
    if sources:
        sys.meta_path.insert(0, _SourceFinder(sources))


def summary() -> str:
    """One line on the compiled core, for ``robokit --version`` and the benchmarks."""
    states = [found.get(name, "python") for name in MODULES]
    n = states.count("compiled")
    if n == len(MODULES):
        return f"compiled core: all {n} modules compiled"
    if n == 0 and states.count("python") == len(MODULES):
        return "compiled core: not built (pure Python; install with a C compiler to build it)"
    if states.count("off") == len(MODULES):
        return f"compiled core: off ({ENV}=0)"
    parts = [f"{name.split('.', 1)[1]} {'not built' if state == 'python' else state}"
             for name, state in zip(MODULES, states, strict=True)
             if state not in ("compiled", "held")]
    return (f"compiled core: not in use, all {len(MODULES)} modules run as Python "
            f"({', '.join(parts)}; they run compiled only all together, from one build: "
            "pip install -e . builds them again)")
