"""The ``robokit`` command line: parsing, printing and exit codes; no logic of its own.

Exit codes: 0 the program finished (or ran until --duration), 1 the program
raised an exception, 2 robokit could not do what was asked (bad input: one
clear line on stderr, no traceback), 130 interrupted.

A module per group of commands: ``run`` (run, upload, start, stop, repl, devices),
``compile`` (compile, check, inspect, worlds), ``flash``, ``install``, ``board`` (board
list/new/check), ``sim`` (sim serve), ``batch``, ``robot`` (robot --from). ``_errors`` is
the one error handler every command goes through; ``_output`` holds what several commands
print alike. What a Python user would want to call lives below: ``robokit.targets``
(connect, find the robot.toml, reinstall), ``robokit.firmware.flash`` (pick the flasher,
enter the bootloader, find the new port), the compiler and the simulator.

May import everything below it; nothing imports it. ``import robokit.cli`` stays light:
a command's module is imported only when that command runs or ``--help`` lists it
(``COMMANDS``), and each command imports what it needs when it runs (no numpy, device API, bleak or
pyserial at start-up).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from .. import _compiled
from ._errors import EXIT_INTERRUPTED, EXIT_PROGRAM_ERROR, EXIT_USAGE, Group

#: Each command's module and the name it has there. A module is imported when one of its
#: commands runs (or is listed by --help), not at start-up: `robokit run` does not pay for
#: the code of the fifteen other commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "upload": ("run", "upload"), "start": ("run", "start"), "stop": ("run", "stop"),
    "repl": ("run", "repl"), "run": ("run", "run"), "devices": ("run", "devices"),
    "worlds": ("compile", "worlds"), "compile": ("compile", "compile_"),
    "check": ("compile", "check"), "inspect": ("compile", "inspect"),
    "flash": ("flash", "flash"), "install": ("install", "install_cmd"),
    "board": ("board", "board_group"), "sim": ("sim", "sim_group"),
    "batch": ("batch", "batch"), "robot": ("robot", "robot"),
}


def _module(name: str) -> Any:
    """The module of commands ``name`` (one of :data:`COMMANDS`' modules)."""
    return importlib.import_module(f"{__name__}.{name}")


class _Main(Group):
    """The ``robokit`` group.  Run as the process's command (no ``args``: from
    ``sys.argv``), it keeps numpy's OpenBLAS to one thread (unless the environment says
    otherwise), and it freezes the garbage collector's objects when the command is done:
    the interpreter's last collections at exit then skip the thousands of objects of
    the modules a command imported (about 12 ms of every run).  The process ends right
    after, so nothing is kept that would have been collected."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name != "run":
            resume_collector()  # (this command's start is over; a run's is later)
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        command = getattr(_module(where[0]), where[1])
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command

    def main(self, args: Any = None, *a: Any, **kw: Any) -> Any:
        if args is None:
            # numpy's OpenBLAS starts a thread per core when numpy is imported (a world's
            # first raster, --plot), ~50-90 ms of CPU; no command does linear algebra
            # that more threads would speed up. The user's own setting wins.
            import os

            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        try:
            return super().main(args, *a, **kw)
        finally:
            if args is None:
                import gc

                gc.freeze()


def command() -> None:
    """The ``robokit`` command: the console script's entry point (and ``python -m
    robokit.cli``).  :func:`main` as the process's command, after which the process ends
    (:func:`_end`).  Code that calls ``main()`` itself (and may catch its SystemExit)
    keeps its process."""
    _stop_on_signals()
    try:
        main()
    except SystemExit as exc:
        _end(exc.code)
        raise


def resume_collector() -> None:
    """The command's start is over: the garbage collector that the console script held
    since it began goes back on (:func:`robokit._console.resume`; nothing to do in a
    process that the console script did not start, such as one calling :func:`main`)."""
    console = sys.modules.get("robokit._console")  # (it imports us, not we it)
    if console is not None:
        console.resume()


def _stop_on_signals() -> None:
    """SIGTERM (a CI job cancelled, a service manager) and SIGHUP (the terminal closed) stop
    a command as Ctrl-C does, so that what it started is stopped on the way out: a
    MicroPython VM running a program that ignores Ctrl-C ran on at full speed after the
    default end of the process (``robokit run --exact``, ``sim serve``)."""
    import _signal  # (signal's C module: signal.py builds enums, ~0.6 ms of start-up)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):  # (Windows has no SIGHUP)
        sig = getattr(_signal, name, None)
        if sig is not None and _signal.getsignal(sig) == _signal.SIG_DFL:
            _signal.signal(sig, stop)


def _end(code: object) -> None:
    """End the process now with exit ``code`` (the command is done and has said all it
    had to say), skipping the interpreter's teardown of every module the command
    imported (~2 ms of CPU of every run): when that teardown has nothing else to do (no
    atexit callback, no other thread) and what was printed is flushed.  Otherwise
    return, and the process ends as usual: the same code and output either way."""
    import atexit
    import os

    if code is None:
        code = 0
    callbacks = getattr(atexit, "_ncallbacks", None)  # CPython's count of them
    threading = sys.modules.get("threading")  # (no other thread if it was never imported)
    if not isinstance(code, int) or callbacks is None or callbacks() or (
            threading is not None and threading.active_count() > 1):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        return  # Python's own exit says it (a closed pipe), as before
    os._exit(code & 0xFF)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
# (and whether the simulator's hot modules run compiled, robokit._compiled: a report of
# a slow simulation starts there)
@click.version_option(package_name="robokit", prog_name="robokit",
                      message="%(prog)s, version %(version)s\n" + _compiled.summary())
def main() -> None:
    """Program robot kits in Python; run the programs on a simulated brick."""


__all__ = ["COMMANDS", "EXIT_INTERRUPTED", "EXIT_PROGRAM_ERROR", "EXIT_USAGE", "command", "main"]
