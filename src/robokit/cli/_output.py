"""What several commands share: the brick options, progress lines, small formats.

Progress: every command that can take more than about a second (a long simulation,
uploads, installs, flashing, compiling, batch runs) draws the same one-line bar on
stderr through :class:`ProgressLine`, and only when stderr is a terminal
(:func:`progress_stream`): CI logs, pipes and files get none. Library code reports
progress by callbacks; only these functions draw."""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import click

from ._errors import about, brick_options_given, fail, progress_shown

#: The type of an argument or option that names a file or folder: a Path.
PATH = click.Path(path_type=Path)


def path_option(*decls: str, help: str) -> Any:
    """An option that names a file or folder (a Path; None when not given)."""
    return click.option(*decls, type=PATH, default=None, help=help)


def brick_options(fn: Any) -> Any:
    """--port / --ble / --pybricks: which brick a command talks to."""
    fn = click.option("--pybricks", default=None, metavar="NAME|usb",
                      help="A LEGO hub with Pybricks firmware, by its Bluetooth name ('' for "
                           "the first found) or 'usb'.")(fn)
    fn = click.option("--ble", default=None, metavar="NAME",
                      help="A MicroPython board over Bluetooth LE (Nordic UART), by name or "
                           "address.")(fn)
    fn = click.option("--port", default=None, metavar="PORT",
                      help="A MicroPython board on a serial port (/dev/ttyACM0, COM3, "
                           "socket://HOST:PORT); `robokit devices` lists them.")(fn)
    return fn


def where(port: str | None, ble: str | None, pybricks: str | None,
          required: bool = False) -> str | None:
    """The brick the options name, as ``robokit.targets.connect`` takes it; None for
    none (refused when ``required``), refused when more than one."""
    given = brick_options_given(port, ble, pybricks)
    if len(given) > 1:
        fail("choose one brick: --port, --ble or --pybricks")
    if not given:
        if required:
            fail("which brick? give --port PORT, --ble NAME or --pybricks NAME "
                 "(`robokit devices` lists what it finds)")
        return None
    return given[0]


def where_kind(where: str) -> str:
    return "ble" if where.startswith("ble:") else \
        "pybricks" if where.startswith("pybricks:") else "port"


#: A progress line is drawn only once an operation has taken this long (seconds of
#: wall time): quick ones leave no trace.
PROGRESS_AFTER_S = 1.0
#: Width of a progress line, in characters (the bar's cells: BAR_CELLS).
LINE_WIDTH = 78
BAR_CELLS = 25


def progress_stream() -> TextIO | None:
    """Where progress is drawn: stderr when it is a terminal; None otherwise (CI logs,
    pipes, files get no progress lines)."""
    return sys.stderr if sys.stderr.isatty() else None


def bar_line(command: str, verb: str, done: float, total: float | None, detail: str) -> str:
    """One progress line: ``"upload: uploading ████▌     40% 4,000/10,000 bytes"``; a bar
    and a percentage only when ``total`` is known."""
    if total:
        frac = min(max(done / total, 0.0), 1.0)
        cells = frac * BAR_CELLS
        bar = "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")
        line = f"{command}: {verb} {bar:{BAR_CELLS}s} {int(frac * 100):3d}% {detail}"
    else:
        line = f"{command}: {verb} {detail}"
    return line[:LINE_WIDTH]


class ProgressLine:
    """One line of progress redrawn in place on ``stream`` (``\r``), the same for every
    command: nothing until ``after_s`` of wall time has passed, then at most every
    ``every_s``; :meth:`clear` wipes it (before other output, and at the end).
    Thread-safe: a watcher thread may draw while the program's output is written."""

    def __init__(self, stream: TextIO, command: str, verb: str,
                 after_s: float = PROGRESS_AFTER_S, every_s: float = 0.1):
        self.stream = stream
        self.command = command
        self.verb = verb
        self.after_s = after_s
        self.every_s = every_s
        self.lock = threading.RLock()  # held by SimProgress around the program's output
        self._t0 = time.monotonic()
        self._last = -math.inf
        self._shown = False

    def draw(self, done: float, total: float | None, detail: str, final: bool = False) -> None:
        """Redraw the line (unless too early or too soon after the last time; ``final``
        draws whenever something is already shown)."""
        now = time.monotonic()
        if now - self._t0 < self.after_s or (now - self._last < self.every_s and not final):
            return
        with self.lock:
            self._last = now
            self.stream.write("\r" + bar_line(self.command, self.verb, done, total,
                                               detail).ljust(LINE_WIDTH))
            self.stream.flush()
            self._shown = True
            progress_shown(self, True)

    def clear(self) -> None:
        """Wipe the line if it is shown (the cursor back at the start of the line)."""
        with self.lock:
            if self._shown:
                self.stream.write("\r" + " " * LINE_WIDTH + "\r")
                self.stream.flush()
                self._shown = False
                progress_shown(self, False)


def upload_progress(command: str, verb: str = "uploading") -> Any:
    """A ``progress(sent, total)`` callback (uploads, installs, flashing) drawing on a
    terminal's stderr; None when stderr is not a terminal."""
    stream = progress_stream()
    if stream is None:
        return None
    line = ProgressLine(stream, command, verb)

    def draw(sent: int, total: int) -> None:
        if sent >= total:
            line.clear()
        else:
            line.draw(sent, total, f"{sent:,}/{total:,} bytes")

    return draw


def compile_progress(command: str) -> Any:
    """A compiler ``progress(p)`` callback drawing on a terminal's stderr (None otherwise)."""
    stream = progress_stream()
    if stream is None:
        return None
    line = ProgressLine(stream, command, "compiling")

    def draw(p: Any) -> None:
        if p.done >= p.total:
            line.clear()
        else:
            line.draw(p.done, p.total, f"{p.done}/{p.total} {p.path}")

    return draw


class CountProgress:
    """Progress over a count of things (``robokit batch``'s runs): ``update(n)`` as they
    finish, ``close()`` at the end; with an estimate of the time left."""

    def __init__(self, line: ProgressLine | None, total: int, what: str):
        self.line = line
        self.total = total
        self.what = what
        self.done = 0
        self._t0 = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.line is None:
            return
        elapsed = time.monotonic() - self._t0
        left = ""
        if 0 < self.done < self.total:
            left = f", about {elapsed / self.done * (self.total - self.done):.0f} s left"
        self.line.draw(self.done, self.total, f"{self.done:,}/{self.total:,} {self.what}{left}")

    def close(self) -> None:
        if self.line is not None:
            self.line.clear()


def count_progress(command: str, verb: str, total: int, what: str,
                   show: bool = True) -> CountProgress:
    """A :class:`CountProgress` drawing on a terminal's stderr (nothing when stderr is not
    a terminal, or ``show`` is False)."""
    stream = progress_stream() if show else None
    line = None if stream is None else ProgressLine(stream, command, verb)
    return CountProgress(line, total, what)


class SimProgress:
    """A simulated run's progress: simulated time against the run's duration, read from
    the simulated brick (``on_start``) by a watcher thread every ``every_s`` of wall time
    and drawn as a :class:`ProgressLine`. The program's output passes through
    :meth:`on_output`, which wipes the line first. Use as a context manager around
    ``simulate()``."""

    def __init__(self, line: ProgressLine, every_s: float = 0.1):
        self.line = line
        self.every_s = every_s
        self._brick: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_start(self, brick: Any) -> None:
        """``simulate(on_start=...)``: the brick whose clock to watch."""
        self._brick = brick
        self._thread = threading.Thread(target=self._watch, name="robokit-progress",
                                        daemon=True)
        self._thread.start()

    def wrap_output(self, echo: Any) -> Any:
        """An ``on_output(line, t)`` that wipes the progress line, then calls ``echo``."""
        def on_output(text: str, t: float) -> None:
            with self.line.lock:  # no redraw between the wipe and the line
                self.line.clear()
                echo(text, t)

        return on_output

    def draw_now(self) -> None:
        """Draw the brick's progress (as the watcher does)."""
        brick = self._brick
        if brick is None:
            return
        now_s = brick.now / 1e6
        end = brick.end_us
        total = None if end is None else end / 1e6
        detail = (f"{now_s:,.1f}/{total:,.1f} s simulated" if total
                  else f"{now_s:,.1f} s simulated")
        self.line.draw(now_s, total, detail)

    def _watch(self) -> None:
        while not self._stop.wait(self.every_s):
            self.draw_now()

    def __enter__(self) -> SimProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.line.clear()


def sim_progress(command: str) -> SimProgress | None:
    """A :class:`SimProgress` drawing on a terminal's stderr; None when stderr is not a
    terminal."""
    stream = progress_stream()
    return None if stream is None else SimProgress(ProgressLine(stream, command, "simulating"))


def fmt_number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, never "-0" (a tiny negative rounds to 0)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def fmt_pose(p: tuple[float, float, float], heading: float | None = None) -> str:
    """A pose as people read it: ``heading`` when given (e.g. the program's heading,
    clockwise-positive), else the pose's own."""
    h = p[2] if heading is None else heading
    return (f"x={fmt_number(p[0], 0)} mm, y={fmt_number(p[1], 0)} mm, "
            f"heading={fmt_number(h, 1)}°")


def describe_bundle(bundle: Any) -> str:
    own = sum(1 for m in bundle.modules if not m.path.startswith("<robokit>"))
    theirs = len(bundle.modules) - own
    n = len(bundle.modules)
    parts = f"{n} module{'' if n == 1 else 's'} ({own} of the program"
    parts += f", {theirs} of robokit)" if theirs else ")"
    return parts


def check_plot_name(plot: Path | None) -> None:
    """Refuse a --plot file name whose suffix names no format robokit draws (before the
    run: robokit.sim.plot.plot_format says which names work)."""
    if plot is None:
        return
    from ..sim.plot import plot_format

    try:
        plot_format(plot)
    except ValueError as e:
        fail(f"--plot {e}")


#: What each run file is, and a name for it, for the messages.
_RUN_FILES = {"--telemetry": ("telemetry", "run.csv"), "--plot": ("plot", "run.svg"),
              "--replay": ("replay", "run.html")}

#: Names of standard output (``-`` by convention).
_STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def is_stdout(path: Path) -> bool:
    """True when ``path`` names standard output: ``-``, ``/dev/stdout`` and the like, or
    the file stdout is redirected to."""
    if str(path) in _STDOUT_NAMES:
        return True
    import os

    try:
        st, out = os.stat(path), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # (a test's stdout has no file number)
        return False
    return (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino)


def check_file_names(plot: Path | None, telemetry: Path | None,
                     replay: Path | None) -> None:
    """Refuse --plot, --telemetry and --replay file names of the wrong kind (before the
    run), and standard output: the run prints the program's output and its summary
    there, and a file written into the middle of them would spoil both."""
    for option, path in (("--telemetry", telemetry), ("--plot", plot), ("--replay", replay)):
        if path is not None and is_stdout(path):
            what, example = _RUN_FILES[option]
            fail(f"{option} {path}: that is standard output, where the run prints the "
                 f"program's output and its summary; the {what} would be mixed into them: "
                 f"write it to a file ({option} {example}) and read it from there")
    check_plot_name(plot)
    if telemetry is not None and telemetry.suffix.lower() not in (".csv", ".json"):
        fail(f"--telemetry {telemetry}: use a .csv or .json file name")
    if replay is not None and replay.suffix.lower() not in (".html", ".htm"):
        fail(f"--replay {replay}: the replay is a web page; name the file *.html")


def check_outputs(inputs: list[Path], telemetry: Path | None, plot: Path | None,
                  replay: Path | None) -> None:
    """Refuse before the run, not after it, a --telemetry, --plot or --replay file that
    may not be written (one of the run's ``inputs``, a folder, ...)."""
    from .._files import check_output

    for option, path in (("--telemetry", telemetry), ("--plot", plot),
                         ("--replay", replay)):
        if path is not None:
            with about(option):
                check_output(path, inputs=inputs, what=option[2:])


def write_run_files(result: Any, telemetry: Path | None, plot: Path | None,
                    replay: Path | None, inputs: list[Path]) -> None:
    """Write the run's --telemetry, --plot and --replay files (those given)."""
    if telemetry is not None:
        with about("--telemetry"):
            result.save_telemetry(telemetry, inputs=inputs)
    if plot is not None:
        from ..sim.plot import plot_run

        with about("--plot"):
            plot_run(result, plot, inputs=inputs)
    if replay is not None:
        from ..sim.replay import write_replay

        with about("--replay"):
            write_replay(result, replay, inputs=inputs)


def read_input(input_file: Path | None) -> str | None:
    """The text of ``--input FILE`` ('-': standard input), or None without it."""
    if input_file is None:
        return None
    try:
        if str(input_file) == "-":  # the conventional name of standard input
            return sys.stdin.buffer.read().decode("utf-8")
        return input_file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"--input {input_file}: cannot read it: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"--input {input_file}: not UTF-8 text; save it as UTF-8")


def run_inputs(program: Path, robot: Path | None, world: str | None,
               input_file: Path | None) -> list[Path]:
    """The files a simulated run reads, which --plot and --telemetry must not replace:
    the program (a folder's Python files), robot.toml, a world file and --input."""
    from .._files import is_file

    files = [program, *(p for p in (robot, input_file) if p is not None)]
    if program.is_dir():
        files += sorted(program.glob("*.py"))
    else:
        files += sorted(program.parent.glob("*.py"))  # its local modules
    if world is not None and is_file(world):
        files.append(Path(world))
    return files


def object_line(o: dict[str, Any]) -> str:
    """The summary's line on where a movable object ended (``RunResult.objects``)."""
    return (f"object {o['object']}   {o['shape']} at x={fmt_number(o['x_mm'], 0)} mm, "
            f"y={fmt_number(o['y_mm'], 0)} mm (pushed {fmt_number(o['moved_mm'], 0)} mm)")


def sim_time_line(result: Any) -> str:
    """The summary's clock line: simulated and wall time, and their ratio (left out for a
    run that simulated no time: 0× says nothing of the simulator's speed)."""
    line = f"sim time   {result.sim_time_s:.3f} s   wall {result.wall_time_s:.3f} s"
    if result.sim_time_s > 0.0:
        line += f"   ({result.real_time_factor:.0f}× real time)"
    return line
