"""MicroPython's raw REPL and raw-paste mode: the protocol pieces (pure) and a client.

The bytes, as MicroPython's ``docs/reference/repl.rst`` and ``shared/runtime/pyexec.c``
define them:

- Ctrl-A (0x01) at the friendly REPL enters the raw REPL; the board answers
  ``raw REPL; CTRL-B to exit\\r\\n>``. Ctrl-B (0x02) goes back to the friendly REPL,
  Ctrl-C (0x03) interrupts a running program (and clears the raw REPL's line), Ctrl-D
  (0x04) ends the code (on an empty line: soft reset, ``OK\\r\\n`` then ``MPY: soft
  reboot\\r\\n`` and the raw REPL banner again).
- Plain raw REPL: the host sends the code then Ctrl-D; the board answers ``OK``, runs the
  code, and sends its output, ``\\x04``, the exception text if it raised, ``\\x04``, then
  the ``>`` prompt.
- Raw-paste mode: at the ``>`` prompt the host sends ``\\x05A\\x01``. A board that has it
  answers ``R\\x01`` and the window size as u16 little-endian, and then (MicroPython
  double-buffers) one ``\\x01``: every ``\\x01`` grants the host one more window of bytes.
  A board that understands the request but lacks the mode answers ``R\\x00`` and stays in
  the raw REPL; firmware older than raw-paste treats the trailing Ctrl-A as "enter raw REPL"
  and prints the banner again. The host ends the code with ``\\x04``; the board answers
  ``\\x04`` (it may send ``\\x04`` earlier to abort the transfer; the host then answers
  ``\\x04``), runs the code and sends output ``\\x04`` error ``\\x04`` and ``>``, as above
  (no ``OK`` in this mode).

The pure pieces (``PasteWindow``, ``ResultParser``, ``parse_window``) do no I/O, so they
are tested byte by byte. ``RawRepl`` drives them over any byte link: an object with
``write(data: bytes) -> None`` and ``read(n: int, timeout: float) -> bytes`` (up to ``n``
bytes, waiting at most ``timeout`` seconds for the first; ``b""`` when none came).
"""

from __future__ import annotations

import struct
import time
from typing import Protocol

from . import RemoteError, ReplError

CTRL_A = b"\x01"  # enter raw REPL
CTRL_B = b"\x02"  # exit raw REPL to the friendly REPL
CTRL_C = b"\x03"  # interrupt
CTRL_D = b"\x04"  # end of code / end of output / soft reset
CTRL_E = b"\x05"  # paste mode (friendly REPL); first byte of the raw-paste request

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
RAW_PROMPT = b">"
RAW_OK = b"OK"
SOFT_REBOOT = b"soft reboot\r\n"
EOF = CTRL_D

RAW_PASTE_REQUEST = CTRL_E + b"A" + CTRL_A
RAW_PASTE_SUPPORTED = b"R\x01"
RAW_PASTE_REFUSED = b"R\x00"
WINDOW_GRANT = CTRL_A  # the board grants one more window
PLAIN_CHUNK = 256  # plain raw REPL: bytes per write (as mpremote and pyboard.py do)


class ByteLink(Protocol):
    """What ``RawRepl`` needs from a transport."""

    def write(self, data: bytes) -> None: ...

    def read(self, n: int, timeout: float) -> bytes: ...


def parse_window(header: bytes) -> int:
    """The window size from the two bytes after ``R\\x01`` (u16 little-endian)."""
    if len(header) != 2:
        raise ReplError(f"raw-paste: expected a 2-byte window size, got {header!r}", header)
    size = int(struct.unpack("<H", header)[0])
    if size == 0:
        raise ReplError("raw-paste: the board announced a window of 0 bytes", header)
    return size


class PasteWindow:
    """Flow-control accounting of one raw-paste transfer (host side).

    The announcement of the window size grants the first window; each ``\\x01`` from the
    board grants another. ``allowed()`` is how many bytes may be sent now; ``sent(n)``
    records a send; ``feed(data)`` takes bytes from the board and returns True when the
    board asked to end the transfer early (``\\x04``).
    """

    def __init__(self, window_size: int):
        if window_size <= 0:
            raise ValueError("window size must be positive")
        self.window_size = window_size
        self.granted = window_size
        self.sent_total = 0
        self.aborted = False

    def allowed(self) -> int:
        return self.granted - self.sent_total

    def sent(self, n: int) -> None:
        if n > self.allowed():
            raise ValueError(f"{n} bytes exceed the window ({self.allowed()} allowed)")
        self.sent_total += n

    def feed(self, data: bytes) -> bool:
        for b in data:
            if b == WINDOW_GRANT[0]:
                self.granted += self.window_size
            elif b == EOF[0]:
                self.aborted = True
                return True
            else:
                raise ReplError(f"raw-paste: unexpected byte from the board: {bytes([b])!r}",
                                data)
        return False


class ResultParser:
    """Splits what the board sends after the code into (stdout, stderr).

    Framing: ``stdout \\x04 stderr \\x04`` then the ``>`` prompt. ``feed(data)`` returns
    the bytes past the second ``\\x04`` once it has come (``done`` is then True), else None.
    """

    def __init__(self) -> None:
        self._parts: list[bytearray] = [bytearray()]
        self.done = False

    def feed(self, data: bytes) -> bytes | None:
        if self.done:
            return data
        for i, b in enumerate(data):
            if b == EOF[0]:
                if len(self._parts) == 2:
                    self.done = True
                    return data[i + 1:]
                self._parts.append(bytearray())
            else:
                self._parts[-1].append(b)
        return None

    @property
    def stdout(self) -> bytes:
        return bytes(self._parts[0])

    @property
    def stderr(self) -> bytes:
        return bytes(self._parts[1]) if len(self._parts) > 1 else b""


def _fmt(seconds: float) -> str:
    return f"{seconds:g} s"


class RawRepl:
    """A raw REPL client over a byte link.

    ``enter()`` interrupts whatever runs and enters the raw REPL; ``exec(code)`` runs code
    (raw-paste when the board has it, else plain raw REPL) and returns (stdout, stderr),
    raising ``RemoteError`` when the code raised; ``exit()`` returns to the friendly REPL.
    Timeouts raise ``ReplError`` saying what was awaited and what came.
    """

    def __init__(self, link: ByteLink, *, use_raw_paste: bool = True):
        self.link = link
        self.use_raw_paste = use_raw_paste
        self.raw_paste_used = 0  # transfers sent in raw-paste mode
        self.in_raw_repl = False
        self._buf = bytearray()

    # -- byte helpers ---------------------------------------------------------------------

    def _read_some(self, n: int, deadline: float) -> bytes:
        if self._buf:
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data
        return self.link.read(n, max(0.0, deadline - time.monotonic()))

    def _read_until(self, ending: bytes, timeout: float, what: str) -> bytes:
        deadline = time.monotonic() + timeout
        data = bytearray()
        while True:
            idx = data.find(ending)
            if idx >= 0:
                end = idx + len(ending)
                self._buf[:0] = data[end:]
                return bytes(data[:end])
            if time.monotonic() >= deadline:
                raise ReplError(f"{what} within {_fmt(timeout)} (received {bytes(data)!r})",
                                bytes(data))
            data += self._read_some(4096, deadline)

    def _read_exact(self, n: int, timeout: float, what: str) -> bytes:
        deadline = time.monotonic() + timeout
        data = bytearray()
        while len(data) < n:
            if time.monotonic() >= deadline:
                raise ReplError(f"{what} within {_fmt(timeout)} (received {bytes(data)!r})",
                                bytes(data))
            data += self._read_some(n - len(data), deadline)
        return bytes(data)

    def _drain(self, quiet: float = 0.05) -> bytes:
        """Read and drop whatever the board is sending until it is quiet for ``quiet`` s."""
        got = bytearray(self._buf)
        self._buf.clear()
        while True:
            data = self.link.read(4096, quiet)
            if not data:
                return bytes(got)
            got += data

    # -- commands ---------------------------------------------------------------------------

    def interrupt(self) -> None:
        """Ctrl-C twice: stop a running program (the board is left at a prompt)."""
        self.link.write(b"\r" + CTRL_C + CTRL_C)

    def enter(self, *, soft_reset: bool = False, timeout: float = 2.0) -> None:
        """Interrupt whatever runs and enter the raw REPL (optionally soft-resetting)."""
        self.interrupt()
        self._drain()
        self.link.write(b"\r" + CTRL_A)
        try:
            self._read_until(RAW_BANNER + RAW_PROMPT, timeout, "no raw REPL banner")
        except ReplError as e:
            hint = ("no answer from the board" if not e.received
                    else f"the board answered {e.received[-80:]!r} but not with the raw REPL "
                         "banner")
            raise ReplError(
                f"{hint} within {_fmt(timeout)} after Ctrl-A: is it running MicroPython, "
                "and is another program using the port?", e.received) from e
        if soft_reset:
            self.link.write(CTRL_D)
            self._read_until(SOFT_REBOOT, timeout, "no soft reboot after Ctrl-D")
            self._read_until(RAW_BANNER + RAW_PROMPT, timeout,
                             "no raw REPL banner after the soft reboot")
        self.in_raw_repl = True

    def exit(self) -> None:
        """Back to the friendly REPL (Ctrl-B)."""
        self.link.write(b"\r" + CTRL_B)
        self.in_raw_repl = False

    def exec(self, code: str | bytes, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Run ``code`` on the board; return (stdout, stderr). Raise ``RemoteError`` if it
        raised (stderr not empty). ``timeout`` bounds each wait for the board."""
        out, err = self.exec_raw(code, timeout)
        if err:
            raise RemoteError(err.decode("utf-8", "replace"), out)
        return out, err

    def exec_raw(self, code: str | bytes, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Like ``exec`` but return stderr instead of raising."""
        self.start(code, timeout)
        return self.finish(timeout)

    # -- a conversation with running code (the upload receiver uses these) ------------------

    def start(self, code: str | bytes, timeout: float = 10.0) -> None:
        """Send ``code`` to run on the board and return while it runs: then talk to it
        with ``link.write`` and :meth:`read_line`, and end with :meth:`finish`."""
        if not self.in_raw_repl:
            self.enter(timeout=min(timeout, 2.0))
        data = code.encode("utf-8") if isinstance(code, str) else bytes(code)
        if not (self.use_raw_paste and self._try_raw_paste(data, timeout)):
            self._send_plain(data, timeout)

    def read_line(self, timeout: float, what: str = "no line from the board") -> bytes | None:
        """The next line the running code prints (ending in b"\\n"), or None when the code
        ended first (its result is then left for :meth:`finish`)."""
        line = self._read_until(b"\n", timeout, what)
        if EOF in line:  # the code ended: what follows is its error text and the prompt
            self._buf[:0] = line[line.index(EOF):]
            return None
        return line

    def read_output(self, timeout: float) -> tuple[bytes, bool]:
        """What the running code printed within ``timeout`` s (b"" if nothing; not split
        into lines), and True once the code has ended: its result is then left for
        :meth:`finish`. Nothing is lost on a timeout, unlike :meth:`read_line`."""
        data = self._read_some(4096, time.monotonic() + timeout)
        idx = data.find(EOF)
        if idx >= 0:
            self._buf[:0] = data[idx:]
            return data[:idx], True
        return data, False

    def finish(self, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Wait for the running code to end; its remaining (stdout, stderr)."""
        return self._read_result(timeout)

    def forget(self) -> None:
        """After a broken conversation: drop what was buffered, and re-enter the raw
        REPL (with an interrupt) before the next command."""
        self.in_raw_repl = False
        self._buf.clear()

    def _try_raw_paste(self, data: bytes, timeout: float) -> bool:
        self.link.write(RAW_PASTE_REQUEST)
        answer = self._read_exact(2, timeout, "no answer to the raw-paste request")
        if answer == RAW_PASTE_REFUSED:
            self.use_raw_paste = False
            return False
        if answer != RAW_PASTE_SUPPORTED:
            # Firmware without raw-paste: the Ctrl-A re-entered the raw REPL.
            self._buf[:0] = answer
            self._read_until(RAW_BANNER + RAW_PROMPT, timeout,
                             "no raw REPL banner after an unanswered raw-paste request")
            self.use_raw_paste = False
            return False
        window = PasteWindow(parse_window(self._read_exact(2, timeout, "no raw-paste window")))
        i = 0
        while i < len(data):
            # Take grants already waiting; block for one when the window is used up.
            wait = timeout if window.allowed() == 0 else 0.0
            got = self._read_some(64, time.monotonic() + wait)
            if not got and wait:
                raise ReplError(f"raw-paste: the board granted no more window within "
                                f"{_fmt(timeout)} ({i} of {len(data)} bytes sent)")
            try:
                ended = window.feed(got)
            except ReplError as e:
                raise self._not_flow_control(got) from e
            if ended:
                self.link.write(EOF)  # the board ended the transfer: acknowledge
                break
            n = min(window.allowed(), len(data) - i)
            if n:
                self.link.write(data[i:i + n])
                window.sent(n)
                i += n
        else:
            self.link.write(EOF)
            ack = self._read_until(EOF, timeout, "raw-paste: the board did not acknowledge "
                                   "the end of the code")
            stray = ack[:-1].replace(WINDOW_GRANT, b"")
            if stray:
                raise ReplError(f"raw-paste: unexpected bytes before the end: {stray!r}", ack)
        self.raw_paste_used += 1
        return True

    def _not_flow_control(self, got: bytes) -> ReplError:
        """The error for bytes that came during raw-paste and are not its flow control:
        a board that reset (a brown-out as motors start, the reset button) prints its boot
        banner and waits at its friendly prompt, so the raw REPL is gone."""
        data = got + self._drain(0.2)
        self.forget()
        banner = next((line.strip() for line in data.splitlines()
                       if line.strip().startswith(b"MicroPython ")), None)
        if banner is not None or SOFT_REBOOT in data:
            said = (f" (it printed its boot banner: {banner.decode('utf-8', 'replace')!r})"
                    if banner is not None else " (it printed 'soft reboot')")
            return ReplError(f"the board reset while robokit was sending it code{said}; "
                             "try again, and if it keeps resetting, check its power supply "
                             "and cable", data)
        return ReplError(f"raw-paste: unexpected bytes from the board: {data[:80]!r}", data)

    def _send_plain(self, data: bytes, timeout: float) -> None:
        for i in range(0, len(data), PLAIN_CHUNK):
            self.link.write(data[i:i + PLAIN_CHUNK])
        self.link.write(EOF)
        got = self._read_until(RAW_OK, timeout, "the board did not accept the code (no OK)")
        if got.lstrip(RAW_PROMPT) != RAW_OK:
            raise ReplError(f"the board did not accept the code: {got!r}", got)

    def _read_result(self, timeout: float) -> tuple[bytes, bytes]:
        parser = ResultParser()
        deadline = time.monotonic() + timeout
        rest: bytes | None = None
        while rest is None:
            data = self._read_some(4096, deadline)
            if data:
                deadline = time.monotonic() + timeout  # the timeout is between bytes
                rest = parser.feed(data)
            elif time.monotonic() >= deadline:
                raise ReplError(f"the code did not finish: no output from the board for "
                                f"{_fmt(timeout)} (received {parser.stdout[-80:]!r})",
                                parser.stdout)
        self._buf[:0] = rest
        self._read_until(RAW_PROMPT, timeout, "no raw REPL prompt after the code")
        return parser.stdout, parser.stderr
