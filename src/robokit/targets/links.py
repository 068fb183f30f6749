"""Opening the byte link to a MicroPython board, for the targets that talk to one.

Its own module so that ``robokit.targets`` (``connect``) and
``robokit.targets.micropython`` (``enter_bootloader``, install) both import it, and
neither imports the other for it.
"""

from __future__ import annotations

from typing import Any


def open_link(where: str, timeout: float = 5.0) -> Any:
    """A byte link to a MicroPython board: ``ble:NAME`` (Nordic UART) or a serial port."""
    if where.startswith("ble:"):
        from ..link.ble_link import NusLink

        return NusLink(where[4:], timeout=timeout)
    from ..link.serial_link import SerialLink

    return SerialLink(where)


__all__ = ["open_link"]
