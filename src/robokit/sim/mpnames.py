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
- ``select`` and ``uselect`` (with one made for the run): ``poll()`` and ``select()`` on
  the program's stdin and stdout, on the simulated clock (:mod:`robokit.sim.stdio`);
- ``os`` and ``uos``: CPython's ``os`` with MicroPython's ``ilistdir`` added (a brick's
  way to list a folder, which CPython's lacks); the check refuses the names no kit
  board's ``os`` has (``robokit.compiler.stdnames.OS_NAMES``);
- ``const``, as a builtin, as MicroPython's compiler allows it;
- ``pybricks`` and its modules (``pybricks.hubs``, ``pybricks.pupdevices``, ...):
  robokit's Pybricks namespace (``robokit.devices.pybricks``), never the
  documentation-stub package of the same name in site-packages.
"""

from __future__ import annotations

import importlib
import os as _os
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .stdio import Streams, select_module

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


class MicroPythonOS(types.ModuleType):
    """``os`` / ``uos`` in a simulated run: CPython's ``os`` (looked up on each use, so
    the runner's ``os._exit`` is the one called) with MicroPython's ``ilistdir``."""

    def __init__(self, name: str):
        super().__init__(name, "MicroPython's os in a robokit simulated run: CPython's os "
                               "with ilistdir (robokit.sim.mpnames).")

    def __getattr__(self, name: str) -> Any:
        return getattr(_os, name)

    @staticmethod
    def ilistdir(path: str = ".") -> Iterator[tuple[str, int, int, int]]:
        """MicroPython's ``os.ilistdir``: (name, type, inode, size) per entry, type
        0x4000 for a folder and 0x8000 for a file, the size 0 for a folder."""
        with _os.scandir(path or ".") as entries:
            found = list(entries)
        for e in found:
            folder = e.is_dir()
            yield (e.name, 0x4000 if folder else 0x8000, e.inode(),
                   0 if folder else e.stat().st_size)


def _seeded_random(seed: int) -> types.ModuleType:
    import random as _random  # (a run whose program draws no number never imports it)

    rng = _random.Random(seed)
    m = types.ModuleType("random", f"random, seeded with the run's seed ({seed}).")
    for name in ("random", "uniform", "randint", "randrange", "choice", "choices", "shuffle",
                 "sample", "getrandbits", "seed", "gauss", "normalvariate", "triangular",
                 "betavariate", "expovariate", "getstate", "setstate"):
        setattr(m, name, getattr(rng, name))
    m.Random = _random.Random  # type: ignore[attr-defined]
    return m


class ProgramModules(Mapping[str, types.ModuleType]):
    """The modules a simulated run's ``import`` hands out by name, each imported when the
    program first asks for it (a run pays for none it does not use): MicroPython's
    aliases one by one, and the ``pybricks`` namespace all at once on its first name (as
    before, so ``import pybricks`` alone still has every submodule as an attribute)."""

    def __init__(self, seed: int | None, streams: Streams | None = None):
        self._seed = 0 if seed is None else seed
        self._made: dict[str, types.ModuleType] = {}
        self._names = {*ALIASES, "random", "urandom", "micropython", "os", "uos",
                       *_pybricks_names()}
        self._streams = streams
        if streams is not None:
            self._names.add("select")

    def get(self, name: str, default: Any = None) -> Any:  # the import hook's one call
        mod = self._made.get(name)
        if mod is not None or name not in self._names:
            return mod if mod is not None else default
        if name in ("random", "urandom"):  # (seeded as it is made: no number drawn before)
            mod = self._made["random"] = self._made["urandom"] = _seeded_random(self._seed)
        elif name in ("select", "uselect") and self._streams is not None:
            mod = self._made["select"] = self._made["uselect"] = select_module(self._streams)
        elif name in ALIASES:
            mod = self._made[name] = importlib.import_module(ALIASES[name])
        elif name == "micropython":
            mod = self._made[name] = _micropython()
        elif name in ("os", "uos"):
            mod = self._made["os"] = self._made["uos"] = MicroPythonOS("os")
        else:
            self._made.update(pybricks_modules())
            mod = self._made[name]
        return mod

    def __getitem__(self, name: str) -> types.ModuleType:
        mod = self.get(name)
        if mod is None:
            raise KeyError(name)
        return mod

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)


def program_modules(seed: int | None, streams: Streams | None = None) -> ProgramModules:
    """The modules a simulated run's ``import`` hands out by name, made for one run (each
    imported on first use); ``select`` and ``uselect`` poll ``streams`` when given."""
    return ProgramModules(seed, streams)


def _pybricks_names() -> tuple[str, ...]:
    from ..devices.pybricks._table import PROVIDED

    return ("pybricks", *(name for name in PROVIDED if name != "pybricks"))


def pybricks_modules() -> dict[str, types.ModuleType]:
    """``pybricks`` and each of its modules the simulator provides, by Pybricks name."""
    return {name: importlib.import_module("robokit.devices." + name)
            for name in _pybricks_names()}
