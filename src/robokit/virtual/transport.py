"""The line between a host and a simulated board: connections, throttling, and the signals
that end the board's firmware loop.

A connection (:class:`Conn`) carries bytes both ways: :class:`PtyConn` over a
pseudo-terminal, :class:`SockConn` over a loopback TCP socket, :class:`MemoryConn` in memory
(a radio link, a test).  :class:`InWire` delivers the host's bytes at a line rate.  The
exceptions here are what the board's thread unwinds with: the board is closed
(:class:`Stopped`), the host went away (:class:`Disconnected`), a ``reset`` or ``power``
fault (:class:`BoardReset`, :class:`PowerCut`).  They are BaseExceptions: the board's code
must not catch them.

The lowest module of the simulated MicroPython board: imported by ``board``, ``repl``,
``executor`` and ``mpvm``; it imports nothing of robokit.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Callable

__all__ = [
    "CTRL_A",
    "CTRL_B",
    "CTRL_C",
    "CTRL_D",
    "CTRL_E",
    "BoardReset",
    "Conn",
    "Disconnected",
    "InWire",
    "MemoryConn",
    "PowerCut",
    "PtyConn",
    "SockConn",
    "Stopped",
]

#: The control bytes of the REPL: raw REPL, friendly REPL, interrupt, end / soft reset, paste.
CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5


class Stopped(BaseException):
    """The board is being closed. (BaseException: the board's code must not catch it.)"""


class Disconnected(BaseException):
    """The host side went away (or ``disconnect_at`` was reached)."""


class BoardReset(BaseException):
    """A ``reset`` fault: the board resets (hard); the files are kept as they were."""

    def __init__(self, files: dict[str, bytes], dirs: set[str]):
        super().__init__("board reset")
        self.files = files
        self.dirs = dirs


class PowerCut(BoardReset):
    """A ``power`` fault: the power fails during a filesystem write; the board is off."""


class Conn:
    """One connection of a board to its host: ``recv`` what the host sent (``b""`` after
    ``timeout`` seconds of nothing), ``send`` the board's output, ``close``."""

    def recv(self, timeout: float) -> bytes:
        raise NotImplementedError

    def send(self, data: bytes, stop: threading.Event) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _FdConn(Conn):
    """A connection over a non-blocking file descriptor: ``recv`` waits for it with
    select and reads what is there."""

    #: What :class:`Disconnected` says when the host side closed it.
    closed_text = "end of file"

    def fileno(self) -> int:
        raise NotImplementedError

    def _read(self, n: int) -> bytes:
        raise NotImplementedError

    def recv(self, timeout: float) -> bytes:
        r, _, _ = select.select([self.fileno()], [], [], timeout)
        if not r:
            return b""
        try:
            data = self._read(4096)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise Disconnected(str(e)) from e
        if not data:
            raise Disconnected(self.closed_text)
        return data


class PtyConn(_FdConn):
    def __init__(self, master: int):
        self.fd = master
        os.set_blocking(master, False)

    def fileno(self) -> int:
        return self.fd

    def _read(self, n: int) -> bytes:
        return os.read(self.fd, n)

    def send(self, data: bytes, stop: threading.Event) -> None:
        view = memoryview(data)
        stalled_since: float | None = None
        while view:
            if stop.is_set():
                raise Stopped
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
                raise Disconnected(str(e)) from e
            view = view[n:]
            stalled_since = None

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class SockConn(_FdConn):
    closed_text = "connection closed"

    def __init__(self, sock: socket.socket):
        self.sock = sock
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # REPL bytes are small

    def fileno(self) -> int:
        return self.sock.fileno()

    def _read(self, n: int) -> bytes:
        return self.sock.recv(n)

    def send(self, data: bytes, stop: threading.Event) -> None:
        view = memoryview(data)
        while view:
            if stop.is_set():
                raise Stopped
            _, w, _ = select.select([], [self.sock], [], 0.05)
            if not w:
                continue
            try:
                n = self.sock.send(view)
            except BlockingIOError:
                continue
            except OSError as e:
                raise Disconnected(str(e)) from e
            view = view[n:]

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class MemoryConn(Conn):
    """An in-memory connection (a radio link, a test): the host side calls ``feed(data)``;
    the board's output goes to ``sink`` (``None``: dropped, as a board's output is when no
    host is listening). The board keeps serving when the sink changes (a host reconnects);
    ``close()`` ends it like a pty that went away."""

    def __init__(self, sink: Callable[[bytes], None] | None = None):
        self.sink = sink
        self._cond = threading.Condition()
        self._buf = bytearray()
        self._closed = False
        self._wake: tuple[int, int] | None = None  # (read, write) ends: wake_fd()
        self._woken = False

    def wake_fd(self) -> int:
        """A file descriptor that is readable while the host's bytes wait to be received
        (or once closed): to wait on this link in a ``select`` with other files, as on a
        pty's (robokit.virtual.mpvm waits so on its VM's pipes and the link at once)."""
        with self._cond:
            if self._wake is None:
                self._wake = os.pipe()
                if self._buf or self._closed:
                    self._signal()
            return self._wake[0]

    def _signal(self) -> None:  # (under the lock)
        if self._wake is not None and not self._woken:
            os.write(self._wake[1], b"!")
            self._woken = True

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._signal()
            self._cond.notify_all()

    def recv(self, timeout: float) -> bytes:
        with self._cond:
            if not self._buf and not self._closed and timeout > 0:
                self._cond.wait(timeout)
            if not self._buf and self._closed:
                raise Disconnected("connection closed")
            data = bytes(self._buf)
            self._buf.clear()
            if self._woken and not self._closed:
                os.read(self._wake[0], 1)  # type: ignore[index]
                self._woken = False
            return data

    def send(self, data: bytes, stop: threading.Event) -> None:
        if stop.is_set():
            raise Stopped
        if self._closed:
            raise Disconnected("connection closed")
        sink = self.sink
        if sink is not None:
            sink(data)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._signal()  # (left readable: a select on it sees the end at once)
            self._cond.notify_all()

    def __del__(self) -> None:
        wake = self._wake
        if wake is not None:
            self._wake = None
            for fd in wake:
                os.close(fd)


# --------------------------------------------------------------------------------------------
# the virtual filesystem and modules
class InWire:
    """The host→board direction of a throttled line (``SimBoard._line_in``)."""

    PIECE = 32

    def __init__(self, conn: Conn, baudrate: int, stop: threading.Event):
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
