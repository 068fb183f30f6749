"""Links: byte transports to bricks and the wire protocols over them.

This layer knows nothing of robots, programs or bundles. Its modules import their
third-party libraries (pyserial, bleak, pybricksdev) only when used, so
``import robokit.link`` stays cheap. The errors raised here belong to the one
``RobokitError`` tree (defined in ``robokit.errors``, named here too).

- ``rawrepl``: MicroPython's raw REPL and raw-paste protocol (pure protocol pieces and a
  client, ``RawRepl``, over any byte link)
- ``serial_link``: ``SerialLink``, a byte link over pyserial (``/dev/ttyACM0``,
  ``/dev/pts/N``, ``socket://host:port``)
- ``ble_link``: ``NusLink``, the Nordic UART over bleak, and the Bluetooth LE scan
- ``pybricks_link``: ``PybricksLink``, a Pybricks hub through pybricksdev (BLE or USB)
- ``upload``: the framed upload receiver's protocol over a raw REPL
- ``ports``: the serial ports a brick may be on
- ``loop_thread``: ``LoopThread``, an asyncio loop in a background thread for blocking
  calls into async code (``NusLink``, and ``targets.Brick``)

May import: ``robokit.protocols`` and ``robokit.errors`` (and ``robokit._extras`` to name
a missing optional package).
"""

from __future__ import annotations

from ..errors import LinkError, PybricksLinkError, RemoteError, ReplError

__all__ = ["LinkError", "PybricksLinkError", "RemoteError", "ReplError"]
