"""Runs a user's program on a simulated brick and reports what happened.

The program runs as plain Python in a thread of its own, with the device API
bound to a :class:`~robokit.sim.brick.SimBrick`, while the calling thread waits
for it.  A watchdog thread stops a loop that never touches the robot (simulated
time stands still, so it would run forever) after a wall-clock budget, naming
the loop's line.  Whatever ends a run (its duration, a hang, Ctrl-C in the
calling thread, ``os._exit``) is raised in the program again and again until it
ends (:mod:`robokit.sim.watchdog`); one that still does not end within
:data:`~robokit.sim.watchdog.GIVE_UP_S` is left behind (its
thread is a daemon) and the run ends without it.  ``input()`` reads the run's
``input`` text, then end-of-file.  The program and its own modules import ``time`` and
``utime`` as the simulated clock (:mod:`robokit.sim.simtime`), through the builtins
they run with; the process's ``time`` module is left alone.  What a run did is a
:class:`~robokit.sim.result.RunResult`.
"""

from __future__ import annotations

import _signal as signal  # signal's C module, without the enums signal.py builds (~0.6 ms)
import gc
import importlib.util
import io
import linecache
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from .._files import shown_path as _display_path
from ..compiler.bundle import Bundle
from ..compiler.directives import directives_in, read_directives
from ..config import check_robot, load_robot
from ..errors import BundleError, ProgramError
from .brick import COLOR_FOOTPRINT_MM, SimBrick, SimTimeUp, is_user_file
from .mpnames import program_modules
from .result import RunResult
from .simtime import program_builtins, program_time
from .stdio import BytesOut, ProgramStdin, Streams
from .watchdog import OutputClosed, ProgramExit, ProgramHang, Watchdog

__all__ = ["ProgramHang", "RunInterrupted", "RunResult", "LoadedProgram", "program_from_bundle",
           "run_program", "run_programs", "read_directives", "directives_in",
           "format_program_error"]

#: A line of output longer than this (print(..., end="") in a loop) is passed on in pieces.
MAX_LINE_CHARS = 100_000
class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C ended a run.  ``left_behind``: the program caught every attempt to stop
    it, and its thread still runs (a command line should end its process with
    ``os._exit`` rather than wait for the interpreter's shutdown).  ``results``: the
    run as far as it went, one :class:`RunResult` per program with status
    ``"interrupted"`` (its pose, clock, output and telemetry when Ctrl-C came), for
    ``robokit run --json`` to print; empty when the run had not begun."""

    def __init__(self, left_behind: bool = False, results: list[RunResult] | None = None):
        super().__init__()
        self.left_behind = left_behind
        self.results: list[RunResult] = list(results or [])


class _ByThread:
    """sys.stdout, sys.stderr or sys.stdin shared by the threads of programs: each program's
    thread has its own stream (None: what it writes is dropped, as for a program left
    behind); every other thread goes on to ``real``."""

    def __init__(self, real: Any, routes: dict[int, Any]):
        self._real = real
        self.routes = routes

    def _stream(self) -> Any:
        return self.routes.get(threading.get_ident(), self._real)

    def write(self, s: str) -> int:
        stream = self._stream()
        return len(s) if stream is None else int(stream.write(s))

    def flush(self) -> None:
        stream = self._stream()
        if stream is not None:
            stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream(), name)


class _Output(io.TextIOBase):
    """Stands in for sys.stdout while the program runs: timestamps each line."""

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def __init__(self, brick: SimBrick, on_output: Callable[[str, float], None] | None):
        super().__init__()
        self._brick = brick
        self._real = sys.stdout
        self._on_output = on_output
        self._partial = ""
        self.text: list[str] = []
        self.failed: BaseException | None = None
        self.on_fail: Callable[[], None] | None = None
        #: Bytes the program writes (``stdout.buffer.write(b"rdy")``), as text here.
        self.buffer = BytesOut(self)

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._partial += s
        if "\n" in self._partial:
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                self._emit(line)
        while len(self._partial) > MAX_LINE_CHARS:
            piece, self._partial = (self._partial[:MAX_LINE_CHARS],
                                    self._partial[MAX_LINE_CHARS:])
            self._emit(piece)
        return len(s)

    def _emit(self, line: str, newline: bool = True) -> None:
        t = self._brick.now
        if self._brick.recorder.write_output(t, line, newline):
            self.text.append(line + "\n" if newline else line)
        if self._on_output is not None:
            # The callback may print (the CLI does): let it reach the real stdout.
            ours, sys.stdout = sys.stdout, self._real
            try:
                self._on_output(line, t / 1e6)
            except BaseException as exc:  # the caller's callback, not the program
                self.failed = exc
                self._on_output = None
                if self.on_fail is not None:
                    self.on_fail()
                raise OutputClosed() from None
            finally:
                sys.stdout = ours

    def flush(self) -> None:
        pass

    def close_line(self) -> None:
        if self._partial:
            partial, self._partial = self._partial, ""
            self._emit(partial, newline=False)

    def value(self) -> str:
        """What the program printed (as kept), with a note of what was dropped."""
        note = self._brick.recorder.dropped_note()
        text = "".join(self.text)
        if note is None:
            return text
        return text + ("" if not text or text.endswith("\n") else "\n") + note + "\n"


#: As in CPython's tracebacks: a frame repeated more often than this is folded.
_RECURSIVE_CUTOFF = 3


def _user_frames(exc: BaseException, user_dir: str) -> list[tuple[str, int, str]]:
    """(file, line, function) of each frame of the program's own in ``exc``'s traceback."""
    import traceback  # only for a program that raised (~1 ms of start-up otherwise)

    return [(f.f_code.co_filename, lineno, f.f_code.co_name)
            for f, lineno in traceback.walk_tb(exc.__traceback__)
            if is_user_file(f.f_code.co_filename, user_dir)]


def _frame_lines(frames: list[tuple[str, int, str]]) -> list[str]:
    """The traceback's lines for ``frames``, a run of one repeated frame folded as
    CPython does ("[Previous line repeated N more times]")."""
    lines: list[str] = []
    last = None
    count = 0

    def fold() -> None:
        if count > _RECURSIVE_CUTOFF:
            more = count - _RECURSIVE_CUTOFF
            lines.append(f"  [Previous line repeated {more} more time{'s' if more > 1 else ''}]")

    for frame in frames:
        if frame == last:
            count += 1
            if count > _RECURSIVE_CUTOFF:
                continue
        else:
            fold()
            last, count = frame, 1
        filename, lineno, name = frame
        lines.append(f'  File "{_display_path(filename)}", line {lineno}, in {name}')
        text = linecache.getline(filename, lineno).strip()
        if text:
            lines.append(f"    {text}")
    fold()
    return lines


def format_program_error(exc: BaseException, user_dir: str) -> tuple[str, dict[str, Any]]:
    """The program's traceback, with robokit's own frames left out, and its summary."""
    frames = _user_frames(exc, user_dir)
    lines = ["Traceback (most recent call last):", *_frame_lines(frames)]
    try:
        message = str(exc)
    except Exception as err:  # the program's own __str__ failed
        message = f"<exception str() failed: {type(err).__name__}>"
    file = _display_path(frames[-1][0]) if frames else None
    line = frames[-1][1] if frames else None
    if (isinstance(exc, SyntaxError) and exc.filename
            and is_user_file(os.path.abspath(exc.filename), user_dir)):
        # A syntax error in a module the program imports: point at that module.
        message = exc.msg
        file, line = _display_path(exc.filename), exc.lineno
        lines.append(f'  File "{file}", line {line}')
        if exc.text:
            text = exc.text.rstrip("\n")
            stripped = text.lstrip()
            col = max(1, (exc.offset or 1) - (len(text) - len(stripped)))
            lines.append(f"    {stripped}")
            lines.append("    " + " " * (col - 1) + "^")
    lines.append(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)
    error = {"type": type(exc).__name__, "message": message, "file": file, "line": line}
    return "\n".join(lines), error


class _BundleImporter:
    """Serves the program's own modules from a bundle's sources while it runs (a
    meta-path finder and loader: Python's import system needs only these methods, and
    importlib.abc's base classes would cost every run the import of tempfile, shutil
    and the compression modules).

    robokit itself is not served from the bundle: in the simulator the program
    talks to the installed device API, which the brick is attached to."""

    def __init__(self, modules: dict[str, tuple[str, str, bool]]):
        self._modules = modules  # name -> (filename, source, is_package)
        #: The builtins the modules run with (the runner's: the simulated clock's import).
        self.builtins: dict[str, Any] | None = None
        #: The program's modules named as Python's own (``types.py``, ``enum.py``: a
        #: brick runs them, as MicroPython lacks those), kept out of sys.modules, where
        #: robokit and Python have theirs: the program's import hands them out (own()).
        self.apart = {name for name, (_, _, package) in modules.items()
                      if not package and "." not in name
                      and (name in sys.stdlib_module_names or name in sys.modules)}
        self._apart_loaded: dict[str, Any] = {}

    def own(self, name: str) -> Any:
        """The program's module ``name`` when it is one kept apart (else None), run on
        its first import."""
        if name not in self.apart:
            return None
        mod = self._apart_loaded.get(name)
        if mod is None:
            mod = self._apart_loaded[name] = types.ModuleType(name)
            self._execute(mod, name)
        return mod

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        entry = self._modules.get(fullname)
        if entry is None or fullname in self.apart:
            return None
        loader: Any = self  # a loader by its methods (exec_module, create_module)
        return importlib.util.spec_from_loader(fullname, loader, origin=entry[0],
                                               is_package=entry[2])

    def names(self) -> set[str]:
        """The module names this importer serves."""
        return set(self._modules)

    def source(self, name: str) -> str:
        """The source of module ``name``."""
        return self._modules[name][1]

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        self._execute(module, module.__spec__.name)

    def _execute(self, module: Any, name: str) -> None:
        """Run the source of the program's module ``name`` in ``module``."""
        filename, source, _ = self._modules[name]
        module.__file__ = filename
        if self.builtins is not None:
            module.__dict__["__builtins__"] = self.builtins
        exec(compile(source, filename, "exec"), module.__dict__)


class LoadedProgram:
    """A program ready to run: its entry code and, for a bundle, an importer."""

    def __init__(self, filename: str, code: Any, user_dir: str, importer: _BundleImporter):
        self.filename = filename
        self.code = code
        self.user_dir = user_dir
        self.importer = importer


def robot_for(bundle: Bundle, robot: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    """The checked robot a run of ``bundle`` gets: ``robot`` (a config or a robot file)
    when given, else the robot the bundle carries."""
    if isinstance(robot, dict):
        return check_robot(robot)
    if robot is not None:
        return load_robot(robot)
    return check_robot(bundle.robot, source=f"{bundle.program} (the bundle's robot)")


def program_from_bundle(bundle: Bundle, project_dir: Path) -> LoadedProgram:
    """The program inside ``bundle``; its files are shown as under ``project_dir``."""
    project_dir = project_dir.resolve()
    modules: dict[str, tuple[str, str, bool]] = {}
    entry = None
    for m in bundle.modules:
        if m.name == "robokit" or m.name.startswith("robokit."):
            continue
        if m.source is None:
            raise BundleError(
                f"{bundle.program}: this bundle was built with --strip-source, and the "
                "simulator runs a bundle's sources; build it again without --strip-source")
        filename = str(project_dir.joinpath(*m.path.split("/")))
        text = m.source.decode("utf-8")
        # Tracebacks show the lines even when the files are not on this disk.
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        if m.name == bundle.entry:
            entry = (filename, text)
        else:
            modules[m.name] = (filename, text, m.is_package)
    if entry is None:
        raise BundleError(f"{bundle.program}: the bundle has no entry module {bundle.entry!r}")
    # Folders without __init__.py (namespace packages) become empty packages.
    for name in list(modules):
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in modules:
                folder = project_dir.joinpath(*parts[:i])
                modules[parent] = (str(folder / "__init__.py"), "", True)
    filename, text = entry
    try:
        code = compile(text, filename, "exec")
    except SyntaxError as exc:  # checked when compiled; a hand-made bundle may differ
        raise ProgramError(f"{_display_path(filename)}:{exc.lineno}: syntax error: {exc.msg}",
                           file=_display_path(filename), line=exc.lineno) from exc
    user_dir = str(project_dir) + os.sep
    return LoadedProgram(filename, code, user_dir, _BundleImporter(modules))


def run_program(
    brick: SimBrick,
    program: LoadedProgram,
    *,
    on_output: Callable[[str, float], None] | None = None,
    hang_budget_s: float = 5.0,
    input: str | None = None,
) -> RunResult:
    """Run ``program`` (see :func:`program_from_bundle`) on ``brick`` until it ends or
    the brick's duration is up.  ``input``: what the program's ``input()`` and
    ``sys.stdin`` read (end-of-file after it; with None, at once).  Ctrl-C (a
    KeyboardInterrupt in the calling thread) ends the program and is raised again here;
    so is an exception raised by ``on_output``."""
    return run_programs([brick], [program], on_output=[on_output],
                        hang_budget_s=hang_budget_s, input=input)[0]


class _Run:
    """One program of a run, on its brick: its output, watchdog, namespace and thread."""

    def __init__(self, brick: SimBrick, program: LoadedProgram,
                 on_output: Callable[[str, float], None] | None, budget_s: float,
                 input: str | None = None):
        self.brick = brick
        self.program = program
        brick.user_dir = program.user_dir
        self.out = _Output(brick, on_output)
        #: Its sys.stdin: the run's input, from its start (robokit.sim.stdio).
        self.stdin = ProgramStdin(input)
        self.dog = Watchdog(brick, budget_s, program.user_dir)
        self.out.on_fail = lambda: self.dog.stop("output")
        # The program and its modules import their own time and utime: the simulated
        # clock (the process's time module, which robokit's threads use, is left alone).
        streams = Streams(self.stdin, (self.out,), brick.sleep_us)
        self.builtins = program_builtins(*program_time(brick),
                                         program_modules(brick.seed, streams),
                                         program.importer.own)
        self.namespace: dict[str, Any] = {"__name__": "__main__",
                                          "__file__": program.filename,
                                          "__builtins__": self.builtins}
        self.ended: list[BaseException | None] = []  # how its thread left the program
        self.ident = 0
        #: Called in the program's thread before the program starts.
        self.on_start: Callable[[_Run], None] = lambda run: None
        self.thread = threading.Thread(target=self.body, name="robokit-program", daemon=True)

    def body(self) -> None:
        self.ident = threading.get_ident()
        self.on_start(self)
        arena = self.brick.arena
        exc: BaseException | None = None
        try:
            if arena is not None:
                arena.wait_turn(self.brick)
                if self.brick.time_up:
                    raise SimTimeUp()
            exec(self.program.code, self.namespace)
        except BaseException as e:
            exc = e
        while True:  # something raised by the watchdog just now lands here, not in robokit
            try:
                self.dog.program_ended()
                break
            except BaseException:  # noqa: S112 - the program has ended already
                continue
        self.ended.append(exc)
        if arena is not None:
            arena.leave(self.brick)

    def stopped(self) -> bool:
        return not self.thread.is_alive() or self.dog.given_up


def run_programs(
    bricks: list[SimBrick],
    programs: list[LoadedProgram],
    *,
    on_output: list[Callable[[str, float], None] | None] | None = None,
    hang_budget_s: float = 5.0,
    input: str | None = None,
) -> list[RunResult]:
    """Run each program on its brick (several: the bricks share a
    :class:`~robokit.sim.arena.Arena`, which takes the programs in turns), until all
    have ended or the duration is up; one result per program, in order.  As
    :func:`run_program` otherwise; each program reads ``input`` from its start."""
    outputs = on_output if on_output is not None else [None] * len(programs)
    runs = [_Run(b, p, o, hang_budget_s, input)
            for b, p, o in zip(bricks, programs, outputs, strict=True)]
    modules_before = set(sys.modules)
    for run in runs:
        run.program.importer.builtins = run.builtins
    for brick in bricks:
        has_eye = any(d["type"] == "ColorSensor" for d in brick.robot["devices"].values())
        brick.world.prepare(surface=has_eye)  # set-up, not part of the run's wall time
        if has_eye:
            brick.world.surface.sampler(COLOR_FOOTPRINT_MM)
    real_exit = os._exit
    by_ident: dict[int, _Run] = {}
    outs: dict[int, Any] = {}
    ins: dict[int, Any] = {}
    old_sigint = None

    def started(run: _Run) -> None:
        by_ident[run.ident] = run
        outs[run.ident] = run.out
        ins[run.ident] = run.stdin

    def program_exit(status: int) -> NoReturn:
        run = by_ident.get(threading.get_ident())
        if run is None:
            real_exit(status)
        dog = run.dog
        if dog.reason is None:
            dog.exit_code = status
            dog.where = dog.program_where(sys._getframe(1))
            dog.stop("exit")
        raise ProgramExit()

    def stop_all(reason: str) -> None:
        for run in runs:
            run.dog.stop(reason)

    old_stdout, old_stdin, old_stderr = sys.stdout, sys.stdin, sys.stderr
    for run in runs:
        sys.meta_path.insert(0, run.program.importer)
    left_behind = False
    wall0 = time.perf_counter()
    try:
        with bricks[0].attached():
            # By thread, for one program too: robokit.connect("sim") runs the simulation
            # in a thread of its own while the caller's thread goes on printing.
            sys.stdout = _ByThread(old_stdout, outs)
            # What a program writes to sys.stderr is its output, as on a brick, where both
            # go down the one serial line (robokit's own threads keep the real stderr).
            sys.stderr = _ByThread(old_stderr, outs)
            sys.stdin = _ByThread(old_stdin, ins)
            os._exit = program_exit
            # Ctrl-C only asks the watchdogs to end the run (a KeyboardInterrupt here,
            # between two lines of robokit, could leave a program running unwatched).
            old_sigint = _catch_sigint(lambda: stop_all("interrupt"))
            for run in runs:
                run.on_start = started
                run.thread.start()
                run.dog.start(run.thread.ident or 0)
            while True:
                try:  # Ctrl-C may arrive anywhere in this loop
                    while not all(run.stopped() for run in runs):
                        for run in runs:
                            if run.dog.given_up and run.brick.arena is not None:
                                run.brick.arena.leave_behind(run.brick)  # (once)
                        next(r for r in runs if not r.stopped()).thread.join(0.05)
                    break
                except KeyboardInterrupt:
                    stop_all("interrupt")
            for run in runs:
                run.dog.join()
            _restore_sigint(old_sigint)
            os._exit = real_exit
            sys.stdout, sys.stdin, sys.stderr = old_stdout, old_stdin, old_stderr
            behind = {run.ident: None for run in runs if run.thread.is_alive()}
            left_behind = bool(behind)
            if left_behind:
                sys.stdout = _ByThread(old_stdout, behind)
                sys.stderr = _ByThread(old_stderr, behind)
            for run in runs:
                if run.out.failed is None:
                    try:
                        run.out.close_line()
                    except OutputClosed:
                        pass
    finally:
        _restore_sigint(old_sigint)
        os._exit = real_exit
        sys.stdin = old_stdin
        if not left_behind:
            sys.stdout = old_stdout
            sys.stderr = old_stderr
        wall = time.perf_counter() - wall0
        names: set[str] = set()
        for run in runs:
            sys.meta_path.remove(run.program.importer)
            names |= run.program.importer.names()
            run.program.importer.builtins = None
        # The programs' own modules go away with the run, so the next run imports
        # them afresh (a teacher's test suite runs many programs in one process).
        for name in names - modules_before:
            sys.modules.pop(name, None)
    if any(run.dog.reason == "interrupt" for run in runs):
        raise RunInterrupted(left_behind, _results(runs, bricks, wall, hang_budget_s,
                                                   interrupted=True))
    for run in runs:
        if run.out.failed is not None:
            raise run.out.failed
    return _results(runs, bricks, wall, hang_budget_s)


def _results(runs: list[_Run], bricks: list[SimBrick], wall: float, hang_budget_s: float,
             interrupted: bool = False) -> list[RunResult]:
    """One result per run, in order (``interrupted``: Ctrl-C ended them, status
    ``"interrupted"``, whatever the programs were doing)."""
    results = []
    for run in runs:
        brick, filename = run.brick, run.program.filename
        if interrupted:
            status, error, tb_text = "interrupted", None, None
        else:
            status, error, tb_text = _outcome(run.dog, run.ended[0] if run.ended else None,
                                              run.program.user_dir, hang_budget_s, filename,
                                              brick)
        if not run.thread.is_alive():
            _let_go(run.ended, run.namespace, collect=any(e is not None for e in run.ended))
        brick.recorder.finish(brick)  # the telemetry's last row: the end the result says
        results.append(RunResult(
            status=status,
            sim_time_s=max(b.now for b in bricks) / 1e6,
            wall_time_s=wall,
            start_pose=brick.start_pose,
            pose=brick.pose(),
            distance_mm=brick.distance_mm,
            output=run.out.value(),
            error=error,
            traceback=tb_text,
            brick=brick,
            program=_display_path(filename),
            left_behind=run.thread.is_alive(),
        ))
    return results


def _let_go(*holders: Any, collect: bool = True) -> None:
    """Drop what the ended program left (its namespace, its exception and the frames its
    traceback holds) now: a coroutine it left suspended (a ``multitask`` cut short by the
    end of the run) is closed here, and what that raises because the run is over (a
    device call in its clean-up meeting SimTimeUp) is the program's leftovers, not an
    error to print ("Exception ignored in ...") after the summary.  ``collect``: look for
    reference cycles too (an exception that ended the program holds its frames in one);
    a program that finished leaves none worth the collector's time."""
    old = sys.unraisablehook
    ends = (SimTimeUp, ProgramHang, ProgramExit, OutputClosed, KeyboardInterrupt)

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, ends):
            old(unraisable)

    sys.unraisablehook = hook
    try:
        for holder in holders:
            holder.clear()
        if collect:
            gc.collect()
    finally:
        sys.unraisablehook = old


def _catch_sigint(on_interrupt: Callable[[], None]) -> Any:
    """While a run goes on, SIGINT calls ``on_interrupt`` instead of raising
    KeyboardInterrupt (only in the main thread, and only when SIGINT raises
    KeyboardInterrupt there now); returns what to give :func:`_restore_sigint`."""
    if threading.current_thread() is not threading.main_thread():
        return None
    old = signal.getsignal(signal.SIGINT)
    if old is not signal.default_int_handler:
        return None
    signal.signal(signal.SIGINT, lambda signum, frame: on_interrupt())
    return old


def _restore_sigint(old: Any) -> None:
    if old is not None:
        signal.signal(signal.SIGINT, old)


def _outcome(dog: Watchdog, exc: BaseException | None, user_dir: str, budget_s: float,
             filename: str, brick: SimBrick
             ) -> tuple[str, dict[str, Any] | None, str | None]:
    """The run's status, error summary and traceback text, from why the watchdog ended
    it (if it did) and how the program ended."""
    reason = dog.reason
    if reason == "exit":
        code = dog.exit_code
        if code == 0:
            return "finished", None, None
        file, line = ((_display_path(dog.where[0]), dog.where[1]) if dog.where
                      else (None, None))
        message = f"the program called os._exit({code!r})"
        return ("error", {"type": "SystemExit", "message": message, "file": file,
                          "line": line}, f"SystemExit: {message}")
    if reason == "hang":
        file, line = ((_display_path(dog.where[0]), dog.where[1]) if dog.where
                      else (_display_path(filename), None))
        where = f"{file}:{line}" if line is not None else file
        message = (f"the loop at {where} ran for {budget_s:g} s of real time "
                   "without waiting or touching a device, so simulated time stood "
                   "still; add a wait(...) in the loop or read a sensor there")
        if dog.given_up:
            message += (" (it caught every attempt to stop it, so it was left "
                        "behind)")
        return ("error", {"type": "ProgramHang", "message": message,
                          "file": file if dog.where else None, "line": line},
                f"ProgramHang: {message}")
    # (With several robots, the end of time comes to all bricks: a program that had
    # ended before it finished.)
    if reason == "time" or (brick.time_up and brick.arena is None) or isinstance(
            exc, SimTimeUp):
        return "timeout", None, None
    if exc is None:
        return "finished", None, None
    if isinstance(exc, SystemExit) and exc.code in (None, 0):
        return "finished", None, None  # sys.exit(), sys.exit(0): success, as in CPython
    # Anything else is an error: sys.exit(3) and sys.exit("message") too (CPython ends
    # with exit status 3, or prints the message and ends with 1), said as on a brick
    # (the loader's ProgramExit): SystemExit with its message and the line that called it.
    tb_text, error = format_program_error(exc, user_dir)
    return "error", error, tb_text
