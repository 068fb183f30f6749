"""Links: byte transports to bricks (pyserial, later bleak) and the wire protocols over them.

This layer knows nothing of robots. Its modules import their third-party libraries
(pyserial) only when used, so ``import robokit.link`` stays cheap.

- ``rawrepl``: MicroPython's raw REPL and raw-paste protocol (pure protocol pieces and a
  client, ``RawRepl``, over any byte link)
- ``serial_link``: ``SerialLink``, a byte link over pyserial (``/dev/ttyACM0``,
  ``/dev/pts/N``, ``socket://host:port``)

The errors raised here belong to the one ``RobokitError`` tree.
"""

from __future__ import annotations

from ..errors import RobokitError


class LinkError(RobokitError):
    """The byte link failed: the port cannot be opened, or it went away.

    The message names the port and what to try.
    """


class ReplError(LinkError):
    """The board did not speak the (raw) REPL protocol as expected, or did not answer in time.

    ``received`` holds the bytes that did arrive (useful to tell a silent port from a
    board that is not running MicroPython).
    """

    def __init__(self, message: str, received: bytes = b""):
        super().__init__(message)
        self.received = received


class RemoteError(RobokitError):
    """Code run on the board raised an exception; ``traceback`` is the board's text of it.

    ``stdout`` is what the code printed before it raised.
    """

    def __init__(self, traceback: str, stdout: bytes = b""):
        super().__init__(traceback)
        self.traceback = traceback
        self.stdout = stdout


__all__ = ["LinkError", "RemoteError", "ReplError"]
