"""The REPL of the simulated MicroPython board, written like MicroPython's
``shared/runtime/pyexec.c``.

:class:`Repl` is the firmware's main loop on the board's thread: the friendly REPL (banner,
``>>> `` prompt, echo, backspace, continuation lines, Ctrl-C, Ctrl-D soft reboot, which runs
``/boot.py`` and ``/main.py`` again), the raw
REPL (Ctrl-A; Ctrl-D runs what came, framed by ``OK`` and ``\x04``) and raw-paste mode
(``\x05A\x01``: window flow control; ``R\x00`` when the board has it turned off).  It reads
one byte at a time (``board._getc``), writes with ``board._out`` and runs code with the
board's executor (``board._execute``).

Imports :mod:`robokit.virtual.transport` and :func:`robokit.virtual.executor.format_exc`.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from .executor import format_exc
from .transport import CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E

if TYPE_CHECKING:
    from .board import SimBoard

__all__ = ["FRIENDLY", "RAW", "SOFT_RESET", "Repl"]

#: The REPL's modes, and what a REPL loop returns on a soft reset.
FRIENDLY, RAW = "friendly", "raw"
SOFT_RESET = "soft-reset"


class Repl:
    """The REPL state machine of one board; ``mode`` is FRIENDLY or RAW."""

    def __init__(self, board: SimBoard):
        self._b = board
        self.mode = FRIENDLY

    def banner(self) -> bytes:
        return (f"MicroPython {self._b.version_text}; {self._b.machine}\r\n"
                'Type "help()" for more information.\r\n').encode()

    def run(self) -> None:
        """The firmware's main loop: the REPL in its mode, until the link or the board ends
        it (a transport exception); a soft reset starts a fresh interpreter."""
        if self._b._mpvm is not None:
            self._b._spawn_vm()  # it boots while the host talks to the REPL
        if self.mode == FRIENDLY:
            self._b._out(self.banner())
        while True:
            result = self._raw_repl() if self.mode == RAW else self._friendly_repl()
            if result == SOFT_RESET:
                self._b.stats["soft_reset"] += 1
                self._b._reset_vm()
                self._b._out(b"MPY: soft reboot\r\n")
                self._startup_files()
                if self.mode == FRIENDLY:
                    self._b._out(self.banner())

    def _startup_files(self) -> None:
        """After a soft reset, as MicroPython's ports do: ``/boot.py`` runs, then, when the
        REPL is the friendly one, ``/main.py`` (on a board with robokit installed, the
        boot stub: the stored program starts with autostart, or waits for the kit's
        button). An error (Ctrl-C too) is printed and the REPL comes."""
        for name in ("boot.py", "main.py"):
            if name == "main.py" and self.mode != FRIENDLY:
                return
            code = self._b.files.get("/" + name)
            if code is None:
                continue
            self._b._out(self._b._execute(code, "exec"))

    def _raw_repl(self) -> str | None:
        self._b._out(b"raw REPL; CTRL-B to exit\r\n")
        while True:
            self._b._out(b">")
            line = bytearray()
            while True:
                c = self._b._getc()
                if c == CTRL_A:
                    if len(line) == 2 and line[0] == CTRL_E:
                        if line[1] == ord("A") and self._b.raw_paste:
                            self._raw_paste()
                            break
                        self._b._out(b"R\x00")  # refused: the host goes on in raw REPL
                        line.clear()
                        continue
                    self._b._out(b"raw REPL; CTRL-B to exit\r\n>")
                    line.clear()
                elif c == CTRL_B:
                    self._b._out(b"\r\n")
                    self.mode = FRIENDLY
                    self._b._out(self.banner())
                    return None
                elif c == CTRL_C:
                    line.clear()
                elif c == CTRL_D:
                    self._b._out(b"OK")
                    if not line:
                        self._b._out(b"\r\n")
                        return SOFT_RESET
                    self._b.stats["raw_exec"] += 1
                    self._execute_framed(bytes(line))
                    break
                else:
                    line.append(c)

    def _raw_paste(self) -> None:
        self._b.stats["raw_paste"] += 1
        w = self._b.window
        # As MicroPython: the window size grants one window, the extra \x01 a second one.
        self._b._out(b"R\x01" + struct.pack("<H", w) + b"\x01")
        remain = w
        code = bytearray()
        while True:
            c = self._b._getc()
            if c in (CTRL_C, CTRL_D):
                self._b._out(b"\x04")
                if c == CTRL_C:
                    self._b._out(b"\x04" + format_exc(KeyboardInterrupt()) + b"\x04")
                    return
                break
            code.append(c)
            remain -= 1
            if remain == 0:
                self._b._out(b"\x01")
                remain = w
        self._execute_framed(bytes(code))

    def _execute_framed(self, code: bytes) -> None:
        err = self._b._execute(code, "exec")
        self._b._out(b"\x04" + err + b"\x04")

    def _friendly_repl(self) -> str | None:
        lines: list[str] = []
        while True:
            self._b._out(b"... " if lines else b">>> ")
            line = bytearray()
            while True:
                c = self._b._getc()
                if c == CTRL_A and not lines and not line:
                    self._b._out(b"\r\n")
                    self.mode = RAW
                    return None
                if c == CTRL_B and not lines and not line:
                    self._b._out(b"\r\n" + self.banner())
                    break
                if c == CTRL_C:
                    self._b._out(b"\r\n")
                    lines.clear()
                    break
                if c == CTRL_D:
                    if not lines and not line:
                        self._b._out(b"\r\n")
                        return SOFT_RESET
                    continue
                if c in (0x08, 0x7F):
                    if line:
                        line.pop()
                        self._b._out(b"\x08 \x08")
                    continue
                if c == ord("\r"):
                    self._b._out(b"\r\n")
                    self._friendly_line(line.decode("utf-8", "replace"), lines)
                    break
                if c == ord("\n") or (c < 0x20 and c != ord("\t")):
                    continue
                line.append(c)
                self._b._out(bytes([c]))

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
        self._b.stats["friendly_exec"] += 1
        err = self._b._execute(source.encode(), "single")
        self._b._out(err)
