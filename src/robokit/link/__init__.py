"""Links: byte transports to bricks (pyserial, later bleak) and the wire protocols over them.

This layer knows nothing of robots. Its modules import their third-party libraries
(pyserial) only when used, so ``import robokit.link`` stays cheap.

- ``rawrepl``: MicroPython's raw REPL and raw-paste protocol (pure protocol pieces and a
  client, ``RawRepl``, over any byte link)
- ``serial_link``: ``SerialLink``, a byte link over pyserial (``/dev/ttyACM0``,
  ``/dev/pts/N``, ``socket://host:port``)

The errors raised here belong to the one ``RobokitError`` tree (defined in
``robokit.errors``, named here too).
"""

from __future__ import annotations

from ..errors import LinkError, PybricksLinkError, RemoteError, ReplError

__all__ = ["LinkError", "PybricksLinkError", "RemoteError", "ReplError"]
