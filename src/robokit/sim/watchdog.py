"""The watchdog of a program's run (:mod:`robokit.sim.runner`): a thread that raises in
the program's thread whatever ends the run (Ctrl-C, ``os._exit``, its output's reader
gone, the end of simulated time, a hang), again and again until the program ends, and
gives up on one that catches it all."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from .brick import SimBrick, SimTimeUp, is_user_file

#: Wall seconds a program may keep catching what ends it before the run goes on without it
#: (at least; the hang budget when that is longer).
GIVE_UP_S = 1.0


class ProgramHang(BaseException):
    """Injected into a program whose simulated time stood still too long."""


class ProgramExit(BaseException):
    """Raised by ``os._exit`` in the program: the program's end, not the simulator's."""


class OutputClosed(BaseException):
    """Raised in the program when the ``on_output`` callback failed (the reader of the
    output went away): the run stops, and the callback's error goes to the caller."""


class Watchdog:
    """Watches the program's thread, and keeps raising what ends the run in it until it
    ends: KeyboardInterrupt after :meth:`interrupt`, ``os._exit``'s end, SimTimeUp once
    simulated time is up, and ProgramHang once the clock has stood still for ``budget_s``
    of wall time.  Nothing is raised once :meth:`program_ended` was called."""

    def __init__(self, brick: SimBrick, budget_s: float, user_dir: str):
        self._brick = brick
        #: With several robots, only the program whose turn it is runs (robokit.sim.arena):
        #: nothing is raised in one that waits, and its clock standing still is no hang.
        self._arena = brick.arena
        self._budget = budget_s
        self._user_dir = user_dir
        self._lock = threading.Lock()
        self._target = 0
        self._ended = False
        self._stop = threading.Event()
        #: Why the run is being ended: "interrupt", "exit", "output", "hang" or "time".
        self.reason: str | None = None
        self.exit_code: Any = None
        #: The program's innermost (file, line) when the hang was found, or when it exited.
        self.where: tuple[str, int] | None = None
        self.given_up = False
        self._thread = threading.Thread(target=self._watch, name="robokit-watchdog", daemon=True)

    def start(self, target: int) -> None:
        self._target = target
        self._thread.start()

    def stop(self, reason: str) -> None:
        """End the run for ``reason`` (a first reason stays, except that Ctrl-C wins)."""
        if self.reason is None or reason == "interrupt":
            self.reason = reason
        self._brick.end_now()  # from now on every device call ends the program too

    def program_ended(self) -> None:
        """The program's thread has left the program: raise nothing more in it.  Called
        in that thread; one raised just before lands in the call to :func:`_landing`
        (not cleared with ``PyThreadState_SetAsyncExc(id, NULL)``: on CPython 3.11 that
        leaves the interpreter's eval breaker set, and every thread crawls from then on)."""
        with self._lock:
            self._ended = True
            self._stop.set()
        _landing()

    def join(self) -> None:
        if not self.given_up and self._thread.is_alive():
            self._thread.join()

    def program_where(self, frame: Any = None) -> tuple[str, int] | None:
        """The innermost line of the user's program the program's thread is running
        (or in ``frame`` and its callers)."""
        f = frame if frame is not None else sys._current_frames().get(self._target)
        while f is not None:
            if is_user_file(f.f_code.co_filename, self._user_dir):
                return f.f_code.co_filename, f.f_lineno
            f = f.f_back
        return None

    def _exception(self) -> tuple[type[BaseException], str] | None:
        """What to raise in the program now, and the reason it gives the run (recorded
        only when it is raised: a program that ended meanwhile has no reason to end)."""
        reason = self.reason
        if reason == "interrupt":
            return KeyboardInterrupt, reason
        if reason == "exit":
            return ProgramExit, reason
        if reason == "output":
            return OutputClosed, reason
        if reason == "hang":
            return ProgramHang, reason
        if reason == "time" or self._brick.time_up:
            return SimTimeUp, "time"
        return None

    def _record(self, reason: str, where: tuple[str, int] | None) -> None:
        if self.reason is None:
            self.reason = reason
            if reason == "hang":
                self.where = where

    def _watch(self) -> None:
        brick = self._brick
        last = brick.now
        since = time.monotonic()
        step = min(0.05, self._budget / 4)
        first: float | None = None  # when the first stop was raised
        arena = self._arena
        while not self._stop.wait(step):
            # The program's thread may end (and its brick's time run out as the others
            # go on) between the wait above and the lock below: the reason is recorded
            # only under the lock, once the program is known to be still running.
            found = self._exception()
            where = None
            if found is None:
                now = brick.now
                if now != last or (arena is not None and arena.turn != brick.index):
                    last, since = now, time.monotonic()
                    continue
                if time.monotonic() - since < self._budget:
                    continue
                where = self.program_where()
                found = ProgramHang, "hang"
            exc, reason = found
            with self._lock:
                if self._ended:
                    return
                if arena is None:
                    self._record(reason, where)
                    _raise_in(self._target, exc)
                else:
                    with arena.lock:
                        if not arena.may_raise(brick):
                            continue
                        self._record(reason, where)
                        _raise_in(self._target, exc)
            if first is None:
                first = time.monotonic()
            elif time.monotonic() - first > max(GIVE_UP_S, self._budget
                                                if self.reason == "hang" else 0.0):
                # The program catches everything: the run goes on without it, and it is
                # still stopped again now and then in case it ever lets go.
                self.given_up = True
                step = 0.5


def _raise_in(thread_id: int, exc: type[BaseException]) -> None:
    import ctypes  # only when a program must be stopped from outside

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc))


def _landing() -> None:
    """Nothing: a Python call is where an exception raised in this thread by another
    (PyThreadState_SetAsyncExc) is delivered, at the latest."""
