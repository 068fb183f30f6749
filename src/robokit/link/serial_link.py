"""``SerialLink``: a byte link over pyserial.

``serial.serial_for_url`` opens device paths (``/dev/ttyACM0``, ``COM3``, a pseudo-terminal
``/dev/pts/N``) and URLs (``socket://127.0.0.1:PORT``, ``loop://``) alike. pyserial's
exceptions become ``LinkError`` naming the port and what to try.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any

from . import LinkError

#: At most this many open files are looked at to name a port's holders.
_MAX_FDS_SCANNED = 50_000


def _busy(e: BaseException) -> bool:
    """Whether an open failed because another program holds the port: pyserial's
    exclusive lock (flock: EAGAIN), an open refused with EBUSY (TIOCEXCL), or Windows'
    "Access is denied" (a COM port is opened exclusively)."""
    if getattr(e, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY):
        return True
    text = str(e)
    return "Could not exclusively lock port" in text or "PermissionError(13" in text


def port_holders(port: str) -> list[str]:
    """The other programs holding the device ``port``, as ``"NAME ARGS (pid N)"``, found
    through /proc (Linux; only the processes this user may look at): the ones with a lock
    on it (/proc/locks: what pyserial's exclusive open takes), else the ones that have it
    open.  Empty when that cannot be known (another system, a URL, nothing found)."""
    try:
        st = os.stat(port)
        if not stat.S_ISCHR(st.st_mode) or not os.path.isdir("/proc/self/fd"):
            return []
    except (OSError, ValueError):
        return []
    me = str(os.getpid())
    pids = [p for p in _lockers(st) if p != me] or _openers(st.st_rdev, me)
    return [f"{_command_line(pid)} (pid {pid})" for pid in pids]


def _lockers(st: os.stat_result) -> list[str]:
    """Pids with a lock on the file ``st`` describes, by /proc/locks."""
    key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            lines = f.read(1 << 20).splitlines()
    except OSError:
        return []
    out: list[str] = []
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 25087 00:1a:3 0 EOF" (a blocked waiter has "->")
        if "->" in fields or len(fields) < 6 or fields[5] != key:
            continue
        if fields[4].isdigit() and fields[4] not in out:
            out.append(fields[4])
    return out


def _openers(rdev: int, me: str) -> list[str]:
    """Pids with the character device ``rdev`` open, by /proc/PID/fd."""
    try:
        pids = sorted((p for p in os.listdir("/proc") if p.isdigit() and p != me), key=int)
    except OSError:
        return []
    out: list[str] = []
    scanned = 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            scanned += 1
            if scanned > _MAX_FDS_SCANNED:
                return out
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev:
                out.append(pid)
                break
    return out


def _command_line(pid: str) -> str:
    """A short form of a process's command line: ``robokit run main.py --port ...``."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read(4096).split(b"\0") if a]
    except OSError:
        argv = []
    if argv and os.path.basename(argv[0]).startswith("python") and len(argv) > 1 \
            and argv[1] != "-c":
        argv = argv[1:]
        if argv[0] == "-m" and len(argv) > 1:
            argv = argv[1:]
    if not argv:
        return "a program"
    text = " ".join(" ".join(a.split()) for a in [os.path.basename(argv[0]), *argv[1:]])
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 60 else text[:57] + "..."


class SerialLink:
    """``write(bytes)``, ``read(n, timeout) -> bytes``, ``close()`` over a serial port or URL."""

    def __init__(self, port: str, baudrate: int = 115200, *, exclusive: bool = True):
        import serial

        self.port = port
        self._serial_exception: type[Exception] = serial.SerialException
        try:
            s: Any = serial.serial_for_url(port, do_not_open=True, baudrate=baudrate,
                                           timeout=0, write_timeout=10)
            if not port.startswith(("socket://", "loop://", "rfc2217://")):
                s.exclusive = exclusive
            s.open()
        except (serial.SerialException, OSError, ValueError) as e:
            if _busy(e):
                holders = port_holders(port)
                by = f": {', '.join(holders)}" if holders else ""
                raise LinkError(
                    f"{port} is in use by another program{by}. Only one program at a time "
                    "can talk to a board: close that one first (Ctrl-C in its terminal; "
                    "Ctrl-C on a `robokit run` also stops the program on the board), then "
                    "retry.") from e
            raise LinkError(
                f"cannot open {port}: {e}. Check the port name (`robokit devices` lists the "
                "ports), that the board is plugged in, and that no other program (mpremote, "
                "a serial monitor, Thonny) has it open.") from e
        self._serial = s
        self._timeout: float | None = 0.0

    def _lost(self, e: BaseException) -> LinkError:
        return LinkError(f"lost the connection to {self.port}: {e}. Was the board unplugged "
                         "or reset? Plug it in again and retry.")

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
        except (self._serial_exception, OSError) as e:
            raise self._lost(e) from e

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes: whatever is waiting, else wait up to ``timeout`` s for some."""
        s = self._serial
        try:
            waiting = s.in_waiting
            if waiting:
                return bytes(s.read(min(n, waiting)))
            if timeout <= 0:
                return b""
            if self._timeout != timeout:
                s.timeout = timeout
                self._timeout = timeout
            first = bytes(s.read(1))
            if not first or n == 1:
                return first
            more = s.in_waiting
            return first + (bytes(s.read(min(n - 1, more))) if more else b"")
        except (self._serial_exception, OSError) as e:
            raise self._lost(e) from e

    def close(self) -> None:
        try:
            self._serial.close()
        except (self._serial_exception, OSError):
            pass

    def __enter__(self) -> SerialLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
