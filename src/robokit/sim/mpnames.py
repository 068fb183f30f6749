"""MicroPython's own names in a simulated run: ``umath`` and its kin, ``micropython``,
``const``, and a seeded ``random``.

A program written for a brick imports ``umath``, ``urandom``, ``ustruct``, ``usys``, ...
(MicroPython's historical names of the standard modules) and the ``micropython`` module,
and calls ``const()``. In the simulator these resolve, ahead of anything installed in
site-packages, to:

- the CPython module of the same job (``umath`` is ``math``, ``ujson`` is ``json``, ...);
  never to the ``pybricks`` documentation-stub package's ``umath``/``urandom``/...,
  whose functions all return None;
- ``random`` and ``urandom``: one ``random.Random`` per run, seeded with the run's seed
  (0 without one), so a run is the same each time for the same seed;
- ``micropython``: ``const`` and the code-emitter decorators (``native``, ``viper``)
  as no-ops, ``kbd_intr``, ``schedule``, ``opt_level``, ``mem_info``, ``heap_lock`` ...
  doing nothing a program could notice on a host;
- ``const``, as a builtin, as MicroPython's compiler allows it;
- ``pybricks`` and its modules (``pybricks.hubs``, ``pybricks.pupdevices``, ...):
  robokit's Pybricks namespace (``robokit.devices.pybricks``), never the
  documentation-stub package of the same name in site-packages.
"""

from __future__ import annotations

import importlib
import random as _random
import types
from collections.abc import Callable
from typing import Any

#: MicroPython name -> the CPython module that does its job.
ALIASES = {
    "umath": "math", "uerrno": "errno", "ustruct": "struct", "uio": "io", "ujson": "json",
    "ubinascii": "binascii", "ucollections": "collections", "uhashlib": "hashlib",
    "ure": "re", "uheapq": "heapq", "uarray": "array", "uselect": "select", "usys": "sys",
    "uplatform": "platform", "uzlib": "zlib",
}


def const(value: Any) -> Any:
    """MicroPython's ``const(x)``: ``x`` (a compile-time constant on a brick)."""
    return value


def _emitter(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def _micropython() -> types.ModuleType:
    m = types.ModuleType("micropython", "MicroPython's micropython module, as a robokit "
                                        "simulated run has it (robokit.sim.mpnames).")
    m.const = const  # type: ignore[attr-defined]
    for name in ("native", "viper", "asm_thumb", "asm_xtensa"):
        setattr(m, name, _emitter)
    noop: Callable[..., None] = lambda *args, **kw: None  # noqa: E731
    for name in ("mem_info", "qstr_info", "heap_lock", "heap_unlock", "kbd_intr",
                 "alloc_emergency_exception_buf"):
        setattr(m, name, noop)
    levels = [0]

    def opt_level(level: int | None = None) -> int | None:
        if level is None:
            return levels[0]
        levels[0] = int(level)
        return None

    def schedule(fn: Callable[[Any], Any], arg: Any) -> None:
        fn(arg)  # no interrupts to wait for in the simulator: now

    m.opt_level = opt_level  # type: ignore[attr-defined]
    m.schedule = schedule  # type: ignore[attr-defined]
    m.stack_use = lambda: 0  # type: ignore[attr-defined]
    m.heap_locked = lambda: 0  # type: ignore[attr-defined]
    return m


def _seeded_random(seed: int) -> types.ModuleType:
    rng = _random.Random(seed)
    m = types.ModuleType("random", f"random, seeded with the run's seed ({seed}).")
    for name in ("random", "uniform", "randint", "randrange", "choice", "choices", "shuffle",
                 "sample", "getrandbits", "seed", "gauss", "normalvariate", "triangular",
                 "betavariate", "expovariate", "getstate", "setstate"):
        setattr(m, name, getattr(rng, name))
    m.Random = _random.Random  # type: ignore[attr-defined]
    return m


def program_modules(seed: int | None) -> dict[str, types.ModuleType]:
    """The modules a simulated run's ``import`` hands out by name, made for one run."""
    mods: dict[str, types.ModuleType] = {
        alias: importlib.import_module(real) for alias, real in ALIASES.items()
    }
    rng = _seeded_random(0 if seed is None else seed)
    mods["random"] = mods["urandom"] = rng
    mods["micropython"] = _micropython()
    mods.update(pybricks_modules())
    return mods


def pybricks_modules() -> dict[str, types.ModuleType]:
    """``pybricks`` and each of its modules the simulator provides, by Pybricks name."""
    from ..devices.pybricks._table import PROVIDED

    out = {"pybricks": importlib.import_module("robokit.devices.pybricks")}
    for name in PROVIDED:  # "pybricks.hubs", ..., "pybricks.media.ev3dev"
        if name != "pybricks":
            out[name] = importlib.import_module("robokit.devices." + name)
    return out
