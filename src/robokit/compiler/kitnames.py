"""The Pybricks and MicroPython names a bundle for a MicroPython kit board carries.

A Pybricks program compiled for ``--target micropython`` (a kit board, or the simulated
board running MicroPython's unix port) gets:

- a top-level ``pybricks`` package whose modules (``pybricks.hubs``,
  ``pybricks.pupdevices``, ...) re-export robokit's Pybricks namespace
  (``robokit.devices.pybricks``, compiled into the bundle with robokit's device API), so
  ``from pybricks.pupdevices import Motor`` runs on the board's HAL as in the simulator;
- for each of MicroPython's historical names the program imports (``umath``, ``utime``,
  ``urandom``, ...), a one-line module re-exporting the plain module (``from math import
  *``).  A board whose firmware has the name built in uses its own (built-in modules come
  before the bundle's); MicroPython 1.21 and later dropped some (``umath``), and there
  the bundle's is found.  ``const`` and ``micropython.const`` are the firmware's own.

On a Pybricks hub (``--target pybricks``) the firmware has all of these: nothing is
added there (:func:`kit_units` is not called for that family).
"""

from __future__ import annotations

from .imports import ImportGraph

#: MicroPython's historical name -> the module it is today (the bundle's fallback).
U_NAMES = {
    "umath": "math", "urandom": "random", "utime": "time", "ustruct": "struct",
    "usys": "sys", "uselect": "select", "uerrno": "errno", "uio": "io", "ujson": "json",
}


def uses_pybricks(graph: ImportGraph) -> bool:
    """True when a module of the program imports ``pybricks`` at run time."""
    return any(site.top == "pybricks" and site.runtime for _, site in graph.external)


def _module_source(module: str) -> bytes:
    from ..devices.pybricks._table import NOT_YET, PROVIDED

    names = [n for n in PROVIDED[module] + NOT_YET.get(module, ())
             if not (module == "pybricks.media" and n == "ev3dev")]
    doc = (f'"""{module} on a MicroPython kit board: robokit\'s '
           f'(robokit.devices.{module})."""\n')
    if not names:
        return doc.encode("utf-8")
    return (doc + f"from robokit.devices.{module} import " + ", ".join(names) + "\n"
            ).encode("utf-8")


def kit_units(graph: ImportGraph) -> dict[str, tuple[str, bytes, bool]]:
    """name -> (path shown in tracebacks, source, is_package) of the modules to add to
    the bundle of ``graph`` for a MicroPython kit board (see the module's docstring)."""
    from ..devices.pybricks._table import PROVIDED

    out: dict[str, tuple[str, bytes, bool]] = {}
    if uses_pybricks(graph):
        for module in PROVIDED:
            pkg = module in ("pybricks", "pybricks.media")
            path = "<robokit>/kit/" + module.replace(".", "/") + ("/__init__.py" if pkg
                                                                  else ".py")
            # The package's own name, ``version``: the robot's hub (robokit.devices.pybricks).
            source = (b'"""Pybricks\' names on a MicroPython kit board: robokit\'s Pybricks '
                      b'namespace (robokit.devices.pybricks)."""\n'
                      b"from robokit.devices.pybricks import version  # noqa: F401\n"
                      if module == "pybricks" else _module_source(module))
            out[module] = (path, source, pkg)
    wanted = {site.top for _, site in graph.external if site.runtime}
    for name in sorted(wanted & set(U_NAMES)):
        out[name] = ("<robokit>/kit/" + name + ".py",
                     (f'"""MicroPython\'s {name}: {U_NAMES[name]} (for firmware that no '
                      f'longer has the old name)."""\nfrom {U_NAMES[name]} import *  '
                      "# noqa: F403\n").encode(), False)
    return out
