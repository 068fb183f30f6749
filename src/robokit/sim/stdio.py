"""The program's standard streams as a hub has them, in a simulated run: ``usys.stdin``
with its ``buffer`` of bytes, ``stdout.buffer``, and ``uselect``/``select`` polling them
on the simulated clock.

Pybricks' way to talk to a computer over the hub's USB or Bluetooth link is the
program's stdin and stdout: the program writes bytes (``stdout.buffer.write(b"rdy")``),
polls stdin (``uselect.poll()``, ``register(stdin)``, ``poll(0)``) and reads what came
(``stdin.buffer.read(3)``). In the simulator what comes is the run's input (``robokit run
--input FILE``, ``simulate(..., input=...)``), all of it there from the start, and
nothing more ever comes; the simulator never waits for a keyboard:

- :class:`ProgramStdin`: the program's ``sys.stdin``. Text (``read``, ``readline``,
  ``input()``) and bytes (``stdin.buffer.read(n)``) read the one input, from where the
  last read left off; after its end a read gives what is left (``""``/``b""``), as at
  end-of-file, and ``input()`` raises ``EOFError``.
- :class:`BytesOut`: ``stdout.buffer`` (and ``stderr.buffer``): bytes decoded as UTF-8
  (a byte that is not: ``\\xff``) into the program's output, as ``print`` writes it.
- :class:`Poll` (``select.poll()``): answers from the input not yet read. With nothing
  ready, ``poll(timeout_ms)`` waits that long in simulated time and returns ``[]``;
  ``poll()`` or ``poll(-1)`` waits until the run's duration ends it (no input will come).
"""

from __future__ import annotations

import codecs
import io
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..devices._errors import UsageError

if TYPE_CHECKING:
    from ..compiler.bundle import Bundle

# MicroPython's values (its select module's, the same as Linux's).
POLLIN = 0x0001
POLLOUT = 0x0004
POLLERR = 0x0008
POLLHUP = 0x0010

#: How long an endless poll() sleeps at a time (until the run's duration stops it).
_FOREVER_STEP_US = 3_600_000_000


class ProgramStdin(io.TextIOBase):
    """A simulated program's ``sys.stdin``: the run's input, as text and as bytes
    (``buffer``), read from one place."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, text: str | None):
        super().__init__()
        self._data = (text or "").encode("utf-8")
        self._pos = 0
        self.buffer = StdinBytes(self)

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def pending(self) -> int:
        """How many bytes of the input are not read yet."""
        return len(self._data) - self._pos

    def take(self, end: int) -> bytes:
        """The input's bytes from where reading is up to byte ``end``, read."""
        end = max(self._pos, min(end, len(self._data)))
        out = self._data[self._pos:end]
        self._pos = end
        return out

    def _chars_end(self, count: int, limit: int) -> int:
        """Where ``count`` characters from the read position end (at most ``limit``)."""
        data, i = self._data, self._pos
        while count > 0 and i < limit:
            i += 1
            while i < limit and data[i] & 0xC0 == 0x80:  # a UTF-8 continuation byte
                i += 1
            count -= 1
        return i

    def read(self, size: int | None = -1) -> str:
        end = len(self._data)
        if size is not None and size >= 0:
            end = self._chars_end(size, end)
        return self.take(end).decode("utf-8", "replace")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        newline = self._data.find(b"\n", self._pos)
        end = len(self._data) if newline < 0 else newline + 1
        if size is not None and size >= 0:
            end = self._chars_end(size, end)
        return self.take(end).decode("utf-8", "replace")


class StdinBytes:
    """``stdin.buffer``: the run's input as bytes (``read(n)`` gives at most ``n``: no more
    will come, so it never waits)."""

    def __init__(self, stdin: ProgramStdin):
        self._in = stdin

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self._in.take(sys.maxsize)
        return self._in.take(self._in._pos + size)

    read1 = read

    def readinto(self, buf: Any) -> int:
        view = memoryview(buf).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        data, pos = self._in._data, self._in._pos
        limit = len(data) if size is None or size < 0 else pos + size
        newline = data.find(b"\n", pos, limit)
        return self._in.take(limit if newline < 0 else newline + 1)

    def close(self) -> None:
        pass


class BytesOut:
    """``stdout.buffer`` and ``stderr.buffer``: bytes into the program's text output,
    decoded as UTF-8 (a character split between two writes is joined; a byte that is not
    UTF-8 shows as ``\\xNN``); a str, as MicroPython takes it, is its UTF-8 bytes."""

    def __init__(self, text: Any):
        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")("backslashreplace")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        # (MicroPython takes a str too, as its UTF-8 bytes)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(memoryview(data))
        text = self._decoder.decode(raw)
        if text:
            self._text.write(text)
        return len(raw)

    def flush(self) -> None:
        pass


class Streams:
    """The standard streams of one simulated program, as its ``select`` knows them:
    ``stdin`` (a :class:`ProgramStdin`), ``outputs`` (its output, which sys.stdout and
    sys.stderr lead to), ``sleep_us`` (the brick's simulated wait)."""

    def __init__(self, stdin: ProgramStdin, outputs: tuple[Any, ...],
                 sleep_us: Callable[[int], None]):
        self.stdin = stdin
        self.outputs = outputs
        self.sleep_us = sleep_us

    def kind(self, obj: Any) -> str | None:
        """``"in"`` for the program's stdin (as ``sys.stdin``/``usys.stdin`` or its
        ``buffer``), ``"out"`` for its stdout or stderr, None for anything else."""
        if obj is self.stdin or obj is self.stdin.buffer or obj is sys.stdin:
            return "in"
        if obj is sys.stdout or obj is sys.stderr or any(
                obj is out or obj is getattr(out, "buffer", None) for out in self.outputs):
            return "out"
        return None


def _timeout_ms(timeout: Any) -> int:
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"poll(timeout): the timeout is in milliseconds, a number, not "
                        f"{type(timeout).__name__}")
    return int(timeout)


class Poll:
    """``select.poll()`` of a simulated program: its stdin (ready to read while input is
    left) and its stdout/stderr (always ready to write)."""

    def __init__(self, streams: Streams):
        self._streams = streams
        self._entries: list[list[Any]] = []  # [object, event mask], in register order

    def _entry(self, obj: Any) -> list[Any] | None:
        return next((e for e in self._entries if e[0] is obj), None)

    def register(self, obj: Any, eventmask: int = POLLIN | POLLOUT) -> None:
        if self._streams.kind(obj) is None:
            raise UsageError(
                f"poll().register(): the simulator can poll only the program's stdin "
                f"(usys.stdin, its input: robokit run --input FILE) and stdout/stderr, not "
                f"{type(obj).__name__}; poll stdin, or read the device directly")
        entry = self._entry(obj)
        if entry is None:
            self._entries.append([obj, int(eventmask)])
        else:
            entry[1] = int(eventmask)

    def unregister(self, obj: Any) -> None:
        """Forget ``obj`` (as MicroPython, nothing happens if it was not registered)."""
        self._entries = [e for e in self._entries if e[0] is not obj]

    def modify(self, obj: Any, eventmask: int) -> None:
        entry = self._entry(obj)
        if entry is None:
            raise OSError(2, "ENOENT: poll().modify() of an object not registered")
        entry[1] = int(eventmask)

    def _ready(self) -> list[tuple[Any, int]]:
        ready = []
        for obj, mask in self._entries:
            if self._streams.kind(obj) == "in":
                events = mask & POLLIN if self._streams.stdin.pending() else 0
            else:
                events = mask & POLLOUT
            if events:
                ready.append((obj, events))
        return ready

    def poll(self, timeout: Any = -1) -> list[tuple[Any, int]]:
        """The registered streams ready now, as (object, events); with none, wait
        ``timeout`` ms of simulated time (0: not at all; negative or None: until the
        run's end, as no input comes later) and return ``[]``."""
        ms = _timeout_ms(timeout)
        ready = self._ready()
        if ready or ms == 0:
            return ready
        if ms < 0:
            while True:  # nothing will ever be ready: until the run's duration ends it
                self._streams.sleep_us(_FOREVER_STEP_US)
        self._streams.sleep_us(ms * 1000)
        return self._ready()

    def ipoll(self, timeout: Any = -1, flags: int = 0) -> Iterator[tuple[Any, int]]:
        """As :meth:`poll`, as an iterator; ``flags`` 1: one-shot (each object reported
        is then polled for nothing until registered or modified again)."""
        ready = self.poll(timeout)
        if flags & 1:
            for obj, _ in ready:
                entry = self._entry(obj)
                if entry is not None:
                    entry[1] = 0
        return iter(ready)


def select_module(streams: Streams) -> types.ModuleType:
    """The ``select`` (and ``uselect``) module of a simulated program on ``streams``."""
    m = types.ModuleType("select", "MicroPython's select in a robokit simulated run: "
                                   "polls the program's stdin on the simulated clock "
                                   "(robokit.sim.stdio).")

    def poll() -> Poll:
        return Poll(streams)

    def select(rlist: Any, wlist: Any, xlist: Any, timeout: Any = None
               ) -> tuple[list[Any], list[Any], list[Any]]:
        """MicroPython's ``select.select`` on the program's streams (``timeout`` in
        seconds; None: until one is ready)."""
        p = Poll(streams)
        for obj in rlist:
            p.register(obj, POLLIN)
        for obj in wlist:
            entry = p._entry(obj)
            p.register(obj, POLLOUT | (entry[1] if entry else 0))
        for obj in xlist:
            if p._entry(obj) is None:
                p.register(obj, 0)
        ready = p.poll(-1 if timeout is None else max(0, round(float(timeout) * 1000)))
        return ([o for o, ev in ready if ev & POLLIN], [o for o, ev in ready if ev & POLLOUT],
                [])

    m.poll = poll  # type: ignore[attr-defined]
    m.select = select  # type: ignore[attr-defined]
    for name, value in (("POLLIN", POLLIN), ("POLLOUT", POLLOUT), ("POLLERR", POLLERR),
                        ("POLLHUP", POLLHUP)):
        setattr(m, name, value)
    return m


def _is_stdin(node: Any) -> bool:
    """``stdin``, ``sys.stdin``, ``usys.stdin`` or their ``.buffer``, as written."""
    import ast

    if isinstance(node, ast.Attribute) and node.attr == "buffer":
        node = node.value
    return ((isinstance(node, ast.Name) and node.id == "stdin")
            or (isinstance(node, ast.Attribute) and node.attr == "stdin"))


def where_stdin_is_polled(bundle: Bundle, project_dir: Path | None
                          ) -> tuple[str, int] | None:
    """The file (as messages show it) and line of the first ``X.register(stdin)`` in the
    program's modules in ``bundle`` (their sources; a stripped bundle has none), or
    None: what ``--exact`` cannot run the same (MicroPython's poll() waits in real time,
    and the VM's stdin is not the run's input)."""
    import ast

    from .._files import shown_path

    for m in bundle.modules:
        if m.source is None or m.name == "robokit" or m.name.startswith("robokit."):
            continue
        try:
            tree = ast.parse(m.source)
        except SyntaxError:  # (the compile step says so)
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "register" and node.args
                    and _is_stdin(node.args[0])):
                path = (project_dir.joinpath(*m.path.split("/")) if project_dir is not None
                        else Path(m.path))
                return shown_path(path), node.lineno
    return None
