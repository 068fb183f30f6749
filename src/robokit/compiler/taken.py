"""Names a brick takes for its own, which a module of the program must not have.

* A module named like one the target builds in (``time.py``, ``math.py``, a ``pybricks/``
  folder): the simulator always imports its own, a brick's firmware decides which.
* On a MicroPython board (targets ``sim`` and ``micropython``), a module named ``main``:
  the board stores the program's entry as ``main.mpy`` and runs it as ``main``.
* There too, a module named like one robokit's simulated board keeps in its VM for itself
  (``robokit_simhal``, ``robokit_simboard``): ``run --exact`` would make no robot.

Each is a :class:`~robokit.compiler.imports.Finding` at the module's first import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .imports import Finding, ImportGraph, source_line

if TYPE_CHECKING:
    from .checks import TargetInfo


def names_taken(graph: ImportGraph, info: TargetInfo) -> list[Finding]:
    """A module of the project named like one the target builds in (``time.py``,
    ``math.py``, a ``pybricks/`` folder): which of the two ``import time`` gets is not the
    same in the simulator (its own, always) and on a brick (its firmware decides, and
    differs between modules and versions), so it is refused at its first import."""
    builtin = set(info.modules) | ({"pybricks"} if info.family == "micropython" else set())
    out = []
    for local in graph.modules[1:]:
        if "." in local.name or local.name not in builtin:
            continue
        shown = _shown(local)
        new = f"my_{local.name}" + ("/" if local.is_package else ".py")
        out.append(_refused(
            graph, local,
            f"'{local.name}' is both a module of this project ({shown}) and one built into "
            f"{info.description}: which of the two 'import {local.name}' gets is not the same "
            f"in the simulator and on a brick, so the program would not run the same "
            f"everywhere; rename {shown} (e.g. to {new}) and import it by its new name"))
    if info.family == "micropython":
        out += _entry_name_taken(graph) + _simulator_names_taken(graph)
    return out


#: The modules robokit's simulated MicroPython board puts in its VM for itself (the
#: agent of ``virtual/mp_agent.py``): the HAL the program's robot reaches the simulator by,
#: and the board's own (its pose and telemetry for the host).
SIMULATOR_MODULES = {
    "robokit_simhal": "through which a program's robot reaches the simulator: the program "
                      "would make no simulated robot",
    "robokit_simboard": "through which robokit reads the simulated robot's pose and "
                        "telemetry: the run would lose its robot",
}


def _simulator_names_taken(graph: ImportGraph) -> list[Finding]:
    """A module of the project named like one of :data:`SIMULATOR_MODULES`: in the simulated
    board's VM (``robokit run --exact``, ``robokit sim serve``) one of the two replaces the
    other, and the program makes no simulated robot or its board loses its way back."""
    out = []
    for name, why in SIMULATOR_MODULES.items():
        local = graph.module(name)
        if local is None:
            continue
        shown = _shown(local)
        new = "my_" + name[len("robokit_"):] + ("/" if local.is_package else ".py")
        out.append(_refused(
            graph, local,
            f"'{name}' is a module of this project ({shown}), and robokit's simulated "
            f"MicroPython board (robokit run --exact, robokit sim serve) has a module of that "
            f"name of its own, {why}; rename "
            f"{shown} (e.g. to {new}) and import it by its new name"))
    return out


def _entry_name_taken(graph: ImportGraph) -> list[Finding]:
    """A module of the project named ``main``: a MicroPython board stores the program's
    entry as ``main.mpy`` and runs it as the module ``main`` (``upload.module_file``), so a
    helper ``main.py`` beside an entry of another name would be the same file there."""
    local = graph.module("main")
    if local is None:
        return []
    shown = _shown(local)
    if local.path is not None and local.path == graph.entry.path:
        what = (f"the program imports its own entry file ({shown}) as a module: on a board the "
                "entry runs as the module 'main', so this import gets the entry half-run, where "
                "Python runs it a second time; move what it imports into a module of its own "
                "and import that")
    else:
        new = "main_part" + ("/" if local.is_package else ".py")
        what = (f"'main' is a module of this project ({shown}), and a MicroPython board "
                f"stores and runs the program's entry ({graph.entry.relpath}) as main: there "
                f"the two would be one file; rename {shown} (e.g. to {new}) and import it by "
                "its new name")
    return [_refused(graph, local, what)]


def _refused(graph: ImportGraph, local: Any, what: str) -> Finding:
    """The finding ``what`` about the project's module ``local``, at its first import by
    name (``import time``, ``from time import ...``), else at the module's first line."""
    sites = [(mod, site) for mod in graph.modules for site in mod.imports
             if site.level == 0 and site.top == local.name]
    mod, site = sites[0] if sites else (local, None)
    return Finding(mod.relpath, site.line if site else 1, site.col if site else 0, what,
                   source_line(mod.source, site.line) if site else "")


def _shown(local: Any) -> str:
    """The module's file as the user knows it (a package: its folder)."""
    return local.relpath[: -len("__init__.py")] if local.is_package else local.relpath
