"""What a batch run may not do: the audit hook and the limits set in its process.

A batch runs many programs (a class's submissions, say) one after another in processes
of its own. Inside each, before the program starts, :func:`enter` makes a scratch folder
the current folder, lowers the process's limits (CPU seconds, memory) and installs an
audit hook (:pep:`578`) that refuses, with a PermissionError the program sees as its
error:

- running other programs: ``os.system``, ``subprocess``, ``os.exec*``, ``os.spawn*``,
  ``os.posix_spawn``, ``os.fork``, ``pty.spawn``;
- the network: creating, connecting or binding sockets, ``getaddrinfo``;
- native code: ``ctypes`` loading a library or calling a function (robokit's own
  watchdog call excepted), ``import`` of ``_posixsubprocess``;
- signals to other processes: ``os.kill``, ``os.killpg``;
- changing files outside the scratch folder: opening one for writing, removing,
  renaming, making or removing folders, changing modes or owners, links.

This stops accidents and curious students: a program that writes over the teacher's
files, prints forever or starts a shell. It is no wall against a determined attacker (an
audit hook runs in the same interpreter as the program, and CPython has ways around it);
for untrusted code from strangers run the batch inside a container or virtual machine
(docs/batch.md says how).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any

#: Audit events refused outright, with what to say.
_REFUSED = {
    "os.system": "running a shell command (os.system)",
    "subprocess.Popen": "starting another program (subprocess)",
    "os.exec": "starting another program (os.exec*)",
    "os.spawn": "starting another program (os.spawn*)",
    "os.posix_spawn": "starting another program (os.posix_spawn)",
    "os.fork": "starting a process (os.fork)",
    "os.forkpty": "starting a process (os.forkpty)",
    "pty.spawn": "starting another program (pty.spawn)",
    "socket.__new__": "opening a network socket",
    "socket.connect": "connecting to the network",
    "socket.bind": "opening a network port",
    "socket.getaddrinfo": "looking up a network address",
    "socket.gethostbyname": "looking up a network address",
    "ctypes.dlopen": "loading native code (ctypes)",
    "ctypes.dlsym": "loading native code (ctypes)",
    "ctypes.dlsym/handle": "loading native code (ctypes)",
    "os.kill": "sending a signal to a process (os.kill)",
    "os.killpg": "sending a signal to a process group (os.killpg)",
    "signal.pthread_kill": "sending a signal (signal.pthread_kill)",
}
#: Audit events whose first argument is a path that must lie in the scratch folder.
_PATH_EVENTS = {
    "os.remove": "removing a file", "os.rmdir": "removing a folder",
    "os.mkdir": "making a folder", "os.rename": "renaming a file",
    "os.replace": "renaming a file", "os.chmod": "changing a file's mode",
    "os.chown": "changing a file's owner", "os.link": "making a link",
    "os.symlink": "making a link", "os.truncate": "truncating a file",
    "os.utime": "changing a file's times", "shutil.rmtree": "removing a folder",
    "os.chdir": "changing the current folder",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class Refused(PermissionError):
    """What a batch run may not do (see :mod:`robokit.batch.sandbox`)."""


def enter(scratch: Path, *, cpu_s: float | None, memory_mb: int | None) -> None:
    """Confine this process (a batch run's own) for the rest of its life."""
    scratch.mkdir(parents=True, exist_ok=True)
    os.chdir(scratch)
    _limit(cpu_s, memory_mb)
    allowed = _own_native_calls()
    root = os.path.realpath(scratch) + os.sep

    def inside(path: Any) -> bool:
        if isinstance(path, int):  # a file descriptor: opened (and checked) before
            return True
        try:
            p = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return (p + os.sep).startswith(root)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        what = _REFUSED.get(event)
        if what is None:
            if event == "open":
                path, mode, flags = args
                writing = (any(c in mode for c in "wax+") if isinstance(mode, str)
                           else bool((flags or 0) & _WRITE_FLAGS))
                if writing and not inside(path):
                    what = f"writing to {os.fsdecode(path)!s} (outside the run's scratch folder)"
            elif event in _PATH_EVENTS:
                paths = args[:2] if event in ("os.rename", "os.replace", "os.link",
                                              "os.symlink") else args[:1]
                if not all(inside(p) for p in paths):
                    what = f"{_PATH_EVENTS[event]} outside the run's scratch folder"
            elif event == "ctypes.call_function":
                if args[0] not in allowed:
                    what = "calling native code (ctypes)"
            elif event == "import" and args[0] == "_posixsubprocess":
                what = "starting another program (subprocess)"
        if what is not None:
            raise Refused(f"robokit batch: a batch run may not do this: {what}")

    sys.addaudithook(hook)


def _own_native_calls() -> set[int]:
    """The native functions robokit itself calls while a program runs (the watchdog's
    PyThreadState_SetAsyncExc), looked up now, before the hook refuses lookups."""
    fn = ctypes.pythonapi.PyThreadState_SetAsyncExc
    return {ctypes.cast(fn, ctypes.c_void_p).value or 0}


def _limit(cpu_s: float | None, memory_mb: int | None) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    if cpu_s is not None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + cpu_s) + 1
        _set(resource, resource.RLIMIT_CPU, soft, soft + 5)
    if memory_mb is not None:
        # on top of what the process holds already (the simulator, the worlds) and what
        # the run's own threads take as they start: a limit below that left no room to
        # start them, and the run hung (a thread that fails before it has started leaves
        # Thread.start waiting for ever)
        _set(resource, resource.RLIMIT_AS,
             _address_space() + _threads_reserve(resource) + memory_mb * 1024 * 1024, None)


def _threads_reserve(resource: Any) -> int:
    """The address space the run's two threads (the program's, its watchdog's) take as
    they start: a stack each and a malloc arena (64 MiB of address space on 64-bit)."""
    import threading

    stack = threading.stack_size()
    if not stack:  # the C library's default: the stack limit, when it has one
        soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
        stack = soft if 0 < soft != resource.RLIM_INFINITY else 32 * 1024 * 1024
    return 2 * stack + 64 * 1024 * 1024


def _address_space() -> int:
    """The bytes of address space this process holds (0 where /proc does not say)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _set(resource: Any, which: int, soft: int, hard: int | None) -> None:
    old_soft, old_hard = resource.getrlimit(which)
    if old_hard != resource.RLIM_INFINITY:
        soft = min(soft, old_hard)
        hard = old_hard if hard is None else min(hard, old_hard)
    elif hard is None:
        hard = old_hard
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):  # pragma: no cover - a limit the system refuses
        pass
