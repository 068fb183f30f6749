"""The program's own ``time`` and ``utime`` in a simulated run: the simulated clock.

A program run by :mod:`robokit.sim.runner` imports ``time`` (and MicroPython's
``utime``) through the builtins the runner gives it and its own modules: they get the
module objects made here, bound to the run's :class:`~robokit.sim.brick.SimBrick`,
never the process's ``time`` module (robokit's own threads, the watchdog and
everything else in the process keep real time).  ``sleep`` advances simulated time as
``wait`` does (the motors keep running meanwhile); ``time``, ``monotonic``,
``perf_counter`` and the MicroPython ``ticks_*`` read the simulated clock (each read
costs a little simulated time, as every clock read in the simulator, so a loop that
watches the clock still moves it).  The ``ticks_*`` wrap at 2**30 as on MicroPython,
as on the simulated board (:mod:`robokit.virtual.executor`).
"""

from __future__ import annotations

import builtins
import math
import time as _real_time
import types
from collections.abc import Callable, Mapping
from typing import Any

from .brick import SimBrick

#: MicroPython's ticks wrap at this (ticks_ms, ticks_us, ticks_add, ticks_diff).
TICKS_PERIOD = 1 << 30
_TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2


def _seconds(value: Any, name: str) -> float:
    """``value`` as a number of seconds, refused as CPython's ``time.sleep`` does."""
    if not isinstance(value, (int, float)) and not hasattr(type(value), "__float__"):
        raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as a number"
                        f" ({name})")
    seconds = float(value)
    if math.isnan(seconds):
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    return seconds


def program_time(brick: SimBrick) -> tuple[types.ModuleType, types.ModuleType]:
    """The ``time`` and ``utime`` modules of a program running on ``brick``."""
    epoch_us = int(_real_time.time() * 1e6)  # time.time() at the run's simulated 0

    def now_us() -> int:
        return brick.time_us()

    def sleep_us_(us: int) -> None:
        brick.sleep_us(max(0, int(us)))

    def sleep(seconds: float) -> None:
        """Wait ``seconds`` of simulated time (the robot keeps doing what it was told)."""
        s = _seconds(seconds, "seconds")
        if math.isinf(s):
            while True:  # until the run's duration ends it
                brick.sleep_us(3_600_000_000)
        sleep_us_(round(s * 1e6))

    def sleep_ms(ms: int) -> None:
        """Wait ``ms`` milliseconds of simulated time (MicroPython; a negative one is 0)."""
        sleep_us_(round(_seconds(max(0, ms) if isinstance(ms, (int, float)) else ms,
                                 "ms") * 1000))

    def sleep_us(us: int) -> None:
        """Wait ``us`` microseconds of simulated time (MicroPython; a negative one is 0)."""
        sleep_us_(round(_seconds(max(0, us) if isinstance(us, (int, float)) else us, "us")))

    def time_() -> float:
        """Seconds since the epoch: the real time at the run's start plus simulated time."""
        return (epoch_us + now_us()) / 1e6

    def time_ns() -> int:
        return (epoch_us + now_us()) * 1000

    def monotonic() -> float:
        """Simulated seconds since the run started."""
        return now_us() / 1e6

    def monotonic_ns() -> int:
        return now_us() * 1000

    def ticks_ms() -> int:
        return (now_us() // 1000) & _TICKS_MAX

    def ticks_us() -> int:
        return now_us() & _TICKS_MAX

    def ticks_add(ticks: int, delta: int) -> int:
        return (ticks + delta) & _TICKS_MAX

    def ticks_diff(a: int, b: int) -> int:
        return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF

    def localtime(secs: float | None = None) -> Any:
        return _real_time.localtime(time_() if secs is None else secs)

    def gmtime(secs: float | None = None) -> Any:
        return _real_time.gmtime(time_() if secs is None else secs)

    def ctime(secs: float | None = None) -> str:
        return _real_time.ctime(time_() if secs is None else secs)

    def asctime(t: Any = None) -> str:
        return _real_time.asctime(localtime() if t is None else t)

    def strftime(fmt: str, t: Any = None) -> str:
        return _real_time.strftime(fmt, localtime() if t is None else t)

    clock = {
        "sleep": sleep, "sleep_ms": sleep_ms, "sleep_us": sleep_us,
        "time": time_, "time_ns": time_ns,
        "monotonic": monotonic, "monotonic_ns": monotonic_ns,
        "perf_counter": monotonic, "perf_counter_ns": monotonic_ns,
        "ticks_ms": ticks_ms, "ticks_us": ticks_us, "ticks_cpu": ticks_us,
        "ticks_add": ticks_add, "ticks_diff": ticks_diff,
        "localtime": localtime, "gmtime": gmtime, "ctime": ctime, "asctime": asctime,
        "strftime": strftime,
    }
    modules = []
    for name in ("time", "utime"):
        m = types.ModuleType(name, "The simulated clock of a robokit run (robokit.sim.simtime).")
        for key, value in vars(_real_time).items():
            if not key.startswith("__"):
                setattr(m, key, value)  # struct_time, mktime, timezone, ... as they are
        for key, fn in clock.items():
            setattr(m, key, fn)
        modules.append(m)
    return modules[0], modules[1]


def program_builtins(time_module: types.ModuleType, utime_module: types.ModuleType,
                     modules: Mapping[str, types.ModuleType] | None = None,
                     program_own: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The builtins of the program and its modules: Python's, with an ``__import__``
    that hands out ``time_module`` for ``time``, ``utime_module`` for ``utime``,
    ``modules`` by name (MicroPython's names: :func:`robokit.sim.mpnames.program_modules`,
    which imports each on its first ``get``) and the program's own modules that
    ``program_own(name)`` gives (those named as Python's, kept out of sys.modules), and
    MicroPython's ``const``."""
    from .mpnames import const

    real_import = builtins.__import__
    clock = {"time": time_module, "utime": utime_module}
    named: Mapping[str, types.ModuleType] = modules if modules is not None else {}

    def own(name: str) -> Any:
        mod = clock.get(name)
        if mod is None:
            mod = named.get(name)
            if mod is None and program_own is not None:
                mod = program_own(name)
        return mod

    def __import__(name: str, globals: Any = None, locals: Any = None,  # noqa: A001
                   fromlist: Any = (), level: int = 0) -> Any:
        if level == 0:
            mod = own(name)
            if mod is not None:
                if not fromlist and "." in name:  # ``import a.b`` binds ``a``
                    top = own(name.partition(".")[0])
                    return top if top is not None else mod
                return mod
        return real_import(name, globals, locals, fromlist, level)

    table = dict(vars(builtins))
    table["__import__"] = __import__
    table["const"] = const
    return table
