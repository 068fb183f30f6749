"""Runs a user's program on a simulated brick and reports what happened.

The program runs in the calling thread, as plain Python, with the device API
bound to a :class:`~robokit.sim.brick.SimBrick`.  A watchdog thread stops a
loop that never touches the robot (simulated time stands still, so it would
run forever) after a wall-clock budget, naming the loop's line.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.util
import io
import linecache
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..compiler.bundle import Bundle
from ..errors import BundleError, ProgramError
from .brick import COLOR_FOOTPRINT_MM, SimBrick, SimTimeUp, is_user_file


class ProgramHang(BaseException):
    """Injected into a program whose simulated time stood still too long."""


class RunResult:
    """What a simulated run did: status, times, poses, output, error, telemetry."""

    def __init__(self, **kw: Any):
        self.status: str = kw["status"]
        self.sim_time_s: float = kw["sim_time_s"]
        self.wall_time_s: float = kw["wall_time_s"]
        self.start_pose: tuple[float, float, float] = kw["start_pose"]
        self.pose: tuple[float, float, float] = kw["pose"]
        self.distance_mm: float = kw["distance_mm"]
        self.output: str = kw["output"]
        self.error: dict[str, Any] | None = kw["error"]
        self.traceback: str | None = kw["traceback"]
        self.brick: SimBrick = kw["brick"]
        self.program: str = kw["program"]

    @property
    def real_time_factor(self) -> float:
        return self.sim_time_s / max(self.wall_time_s, 1e-6)

    @property
    def telemetry(self):  # -> Recorder
        return self.brick.recorder

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.brick.recorder.events

    @property
    def world(self):  # -> World
        return self.brick.world

    @property
    def ok(self) -> bool:
        """True when the program did not raise (finished, or ran until the duration)."""
        return self.status != "error"

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary printed by ``robokit run --json``."""

        def pose(p: tuple[float, float, float]) -> dict[str, float]:
            return {"x_mm": round(p[0], 2), "y_mm": round(p[1], 2),
                    "heading_deg": round(p[2], 2)}

        return {
            "program": self.program,
            "world": self.brick.world.name,
            "robot": self.brick.robot["name"],
            "status": self.status,
            "sim_time_s": round(self.sim_time_s, 6),
            "wall_time_s": round(self.wall_time_s, 4),
            "real_time_factor": round(self.real_time_factor, 1),
            "start_pose": pose(self.start_pose),
            "pose": pose(self.pose),
            "distance_mm": round(self.distance_mm, 2),
            "output": self.output,
            "error": self.error,
            "seed": self.brick.seed,
            "noise": self.brick.noise,
        }


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

    def write(self, s: str) -> int:
        self.text.append(s)
        self._partial += s
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._emit(line)
        return len(s)

    def _emit(self, line: str) -> None:
        t = self._brick.now
        self._brick.recorder.write_output(t, line)
        if self._on_output is not None:
            # The callback may print (the CLI does): let it reach the real stdout.
            ours, sys.stdout = sys.stdout, self._real
            try:
                self._on_output(line, t / 1e6)
            finally:
                sys.stdout = ours

    def flush(self) -> None:
        pass

    def close_line(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial = ""


class _Watchdog:
    """Stops a program whose simulated clock has not moved for ``budget_s`` of wall time."""

    def __init__(self, brick: SimBrick, budget_s: float):
        self._brick = brick
        self._budget = budget_s
        self._target = threading.get_ident()
        self._stop = threading.Event()
        self.fired = False
        self._thread = threading.Thread(target=self._watch, name="robokit-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        last = self._brick.now
        since = time.monotonic()
        step = min(0.05, self._budget / 4)
        while not self._stop.wait(step):
            now = self._brick.now
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= self._budget:
                self.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._target), ctypes.py_object(ProgramHang)
                )
                return


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _user_frames(exc: BaseException, user_dir: str) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(exc.__traceback__)
            if is_user_file(f.filename, user_dir)]


def format_program_error(exc: BaseException, user_dir: str) -> tuple[str, dict[str, Any]]:
    """The program's traceback, with robokit's own frames left out, and its summary."""
    frames = _user_frames(exc, user_dir)
    lines = ["Traceback (most recent call last):"]
    for f in frames:
        lines.append(f'  File "{_display_path(f.filename)}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line.strip()}")
    message = str(exc)
    file = _display_path(frames[-1].filename) if frames else None
    line = frames[-1].lineno if frames else None
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


_DIRECTIVE = re.compile(r"^#\s*robokit:\s*(.*)$")
_DIRECTIVE_KEYS = {"world": str, "duration": float}


def read_directives(path: str | Path) -> dict[str, Any]:
    """Settings a program asks for in its first comment lines, e.g.
    ``# robokit: world=oval duration=90``.  Command-line options win over them."""
    p = Path(path)
    if p.is_dir():
        p = p / "main.py"
    try:
        with open(p, encoding="utf-8") as f:
            text = "".join(next(f, "") for _ in range(20))
    except (OSError, UnicodeDecodeError):
        return {}
    return directives_in(text, p)


def directives_in(text: str, p: Path) -> dict[str, Any]:
    """The ``# robokit:`` settings in the first 20 lines of ``text`` (the file ``p``)."""
    out: dict[str, Any] = {}
    for n, line in enumerate(text.splitlines()[:20], 1):
        m = _DIRECTIVE.match(line.strip())
        if not m:
            continue
        for item in m.group(1).split():
            key, sep, value = item.partition("=")
            if not sep or key not in _DIRECTIVE_KEYS:
                raise ProgramError(
                    f"{_display_path(str(p))}:{n}: robokit directive {item!r} not understood; "
                    f"write e.g. '# robokit: world=oval duration=90' "
                    f"(keys: {', '.join(_DIRECTIVE_KEYS)})", file=str(p), line=n)
            if key == "world" and (p.parent / value).is_file():
                value = str(p.parent / value)  # a world file next to the program
            try:
                out[key] = _DIRECTIVE_KEYS[key](value)
            except ValueError:
                raise ProgramError(f"{_display_path(str(p))}:{n}: {key}={value!r} is not valid; "
                                   f"{key} must be a {_DIRECTIVE_KEYS[key].__name__}",
                                   file=str(p), line=n) from None
    return out


class _BundleImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the program's own modules from a bundle's sources while it runs.

    robokit itself is not served from the bundle: in the simulator the program
    talks to the installed device API, which the brick is attached to."""

    def __init__(self, modules: dict[str, tuple[str, str, bool]]):
        self._modules = modules  # name -> (filename, source, is_package)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        entry = self._modules.get(fullname)
        if entry is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=entry[0],
                                               is_package=entry[2])

    def names(self) -> set[str]:
        """The module names this importer serves."""
        return set(self._modules)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        filename, source, _ = self._modules[module.__spec__.name]
        module.__file__ = filename
        exec(compile(source, filename, "exec"), module.__dict__)


class LoadedProgram:
    """A program ready to run: its entry code and, for a bundle, an importer."""

    def __init__(self, filename: str, code: Any, user_dir: str, importer: _BundleImporter):
        self.filename = filename
        self.code = code
        self.user_dir = user_dir
        self.importer = importer


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
) -> RunResult:
    """Run ``program`` (see :func:`program_from_bundle`) on ``brick`` until it ends or
    the brick's duration is up."""
    filename, code, user_dir = program.filename, program.code, program.user_dir
    brick.user_dir = user_dir
    out = _Output(brick, on_output)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename,
                                 "__builtins__": __builtins__}
    modules_before = set(sys.modules)
    importer = program.importer
    sys.meta_path.insert(0, importer)
    status = "finished"
    error = None
    tb_text = None
    old_stdout = sys.stdout
    has_eye = any(d["type"] == "ColorSensor" for d in brick.robot["devices"].values())
    brick.world.prepare(surface=has_eye)  # set-up, not part of the run's wall time
    if has_eye:
        brick.world.surface.sampler(COLOR_FOOTPRINT_MM)
    wall0 = time.perf_counter()
    try:
        with brick.attached(), _Watchdog(brick, hang_budget_s) as dog:
            sys.stdout = out
            try:
                exec(code, namespace)
            except SimTimeUp:
                status = "timeout"
            except ProgramHang as exc:
                status = "error"
                frames = _user_frames(exc, user_dir)
                where = (f"{_display_path(frames[-1].filename)}:{frames[-1].lineno}"
                         if frames else _display_path(filename))
                message = (f"the loop at {where} ran for {hang_budget_s:g} s of real time "
                           "without waiting or touching a device, so simulated time stood "
                           "still; add a wait(...) in the loop or read a sensor there")
                tb_text = f"ProgramHang: {message}"
                error = {"type": "ProgramHang", "message": message,
                         "file": frames[-1].filename and _display_path(frames[-1].filename)
                         if frames else None,
                         "line": frames[-1].lineno if frames else None}
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    status = "error"
                    error = {"type": "SystemExit", "message": str(exc.code),
                             "file": None, "line": None}
                    tb_text = f"SystemExit: {exc.code}"
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # the program's own bug, reported not raised
                status = "error"
                tb_text, error = format_program_error(exc, user_dir)
            finally:
                sys.stdout = old_stdout
                out.close_line()
            del dog
    finally:
        sys.stdout = old_stdout
        wall = time.perf_counter() - wall0
        sys.meta_path.remove(importer)
        # The program's own modules go away with the run, so the next run imports
        # them afresh (a teacher's test suite runs many programs in one process).
        for name in importer.names() - modules_before:
            sys.modules.pop(name, None)
    pose = brick.pose()
    return RunResult(
        status=status,
        sim_time_s=brick.now / 1e6,
        wall_time_s=wall,
        start_pose=brick.start_pose,
        pose=pose,
        distance_mm=brick.distance_mm,
        output="".join(out.text),
        error=error,
        traceback=tb_text,
        brick=brick,
        program=_display_path(filename),
    )
