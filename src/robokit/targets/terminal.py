"""``robokit repl``: the board's friendly REPL on this terminal.

``interactive`` puts the terminal in raw mode and passes bytes both ways until Ctrl-] or
Ctrl-X; ``scripted`` (input from a pipe) sends lines one at a time, each after the
board's prompt, and returns once the board has answered the last.
"""

from __future__ import annotations

import os
import select
import time
from typing import Any, BinaryIO

from .base import TargetError

CTRL_B, CTRL_C = b"\x02", b"\x03"
LEAVE = (0x1D, 0x18)  # Ctrl-], Ctrl-X
PROMPTS = (b">>> ", b"... ")


class Terminal:
    def __init__(self, link: Any, where: str, *, timeout: float = 10.0):
        self.link = link
        self.where = where
        self.timeout = timeout

    @classmethod
    def open(cls, where: str, timeout: float = 10.0) -> Terminal:
        from . import open_link

        return cls(open_link(where, timeout), where, timeout=timeout)

    def close(self) -> None:
        self.link.close()

    def _wake(self) -> bytes:
        """Ctrl-B (leave the raw REPL, if a tool left the board there; at the friendly
        REPL it prints the banner): the board answers with one prompt. A running program
        keeps running (and gets the Ctrl-B as input)."""
        self.link.write(CTRL_B)
        got = self._until_prompt(self.timeout, "no REPL prompt")
        while True:  # anything else the board had to say, until it is quiet
            more = self.link.read(4096, 0.1)
            if not more:
                return got
            got += more

    def _until_prompt(self, timeout: float, what: str) -> bytes:
        got = bytearray()
        deadline = time.monotonic() + timeout
        while not got.endswith(PROMPTS):
            if time.monotonic() >= deadline:
                tail = bytes(got[-60:])
                raise TargetError(f"{what} from {self.where} within {timeout:g} s (it sent "
                                  f"{tail!r}): is a program running? `robokit stop` stops it")
            got += self.link.read(4096, 0.05)
        return bytes(got)

    def scripted(self, text: bytes, out: BinaryIO) -> None:
        """Send each line of ``text`` after a prompt; copy what the board says to ``out``."""
        out.write(self._wake().lstrip(b"\r\n"))
        out.flush()
        lines = text.replace(b"\r\n", b"\n").split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            self.link.write(line + b"\r")
            out.write(self._until_prompt(self.timeout, "no answer"))
            out.flush()
        out.write(b"\n")
        out.flush()

    def interactive(self, fd: int, out: BinaryIO) -> None:
        """Raw terminal on ``fd`` until Ctrl-] / Ctrl-X (the link closing ends it too)."""
        import termios
        import tty

        saved = termios.tcgetattr(fd)
        tty.setraw(fd)
        try:
            self.link.write(CTRL_B)
            while True:
                data = self.link.read(4096, 0.02)
                if data:
                    out.write(data)
                    out.flush()
                r, _, _ = select.select([fd], [], [], 0)
                if r:
                    keys = os.read(fd, 256)
                    if not keys or any(k in LEAVE for k in keys):
                        break
                    self.link.write(keys)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            out.write(b"\r\n")
            out.flush()
