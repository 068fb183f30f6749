"""Serial ports a brick may be on: pyserial's list, with known boards named.

Known by USB vendor (and product) id: MicroPython boards, LEGO hubs, Espressif
chips and the USB-serial bridges that robot kits use.  Plain serial ports
without USB (``/dev/ttyS0`` on a PC) are left out: no brick sits there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

#: (vid, pid or None for any) -> what it is.
KNOWN_USB: dict[tuple[int, int | None], str] = {
    (0x2E8A, 0x0005): "MicroPython board (Raspberry Pi RP2040)",
    (0x2E8A, None): "Raspberry Pi RP2040 board",
    (0x0694, None): "LEGO hub",
    (0x303A, None): "Espressif ESP32 board",
    (0x10C4, 0xEA60): "USB-serial bridge CP210x (ESP32 kits)",
    (0x1A86, 0x7523): "USB-serial bridge CH340 (ESP32 and Arduino-style kits)",
    (0x1A86, 0x55D4): "USB-serial bridge CH9102 (ESP32 kits)",
    (0x0403, 0x6001): "USB-serial bridge FTDI FT232",
    (0x0403, 0x6015): "USB-serial bridge FTDI FT231X",
    (0xF055, 0x9800): "MicroPython board (pyboard)",
}


class SerialPort(NamedTuple):
    """A serial port, and what robokit knows about the device on it."""

    device: str
    vid: int | None
    pid: int | None
    description: str
    known: str | None  # a known board or bridge, else None

    @property
    def usb_id(self) -> str:
        """``"2E8A:0005"``, or ``""`` for a port without USB ids."""
        if self.vid is None or self.pid is None:
            return ""
        return f"{self.vid:04X}:{self.pid:04X}"


def identify(vid: int | None, pid: int | None) -> str | None:
    """What a USB device with these ids is, if robokit knows it."""
    if vid is None:
        return None
    return KNOWN_USB.get((vid, pid)) or KNOWN_USB.get((vid, None))


def describe(ports: Iterable[Any]) -> list[SerialPort]:
    """pyserial ``ListPortInfo`` objects as :class:`SerialPort`, USB ports only, known
    boards first, then by device name."""
    out = []
    for p in ports:
        if p.vid is None:
            continue
        desc = p.description if p.description and p.description != "n/a" else ""
        out.append(SerialPort(p.device, p.vid, p.pid, desc, identify(p.vid, p.pid)))
    out.sort(key=lambda s: (s.known is None, s.device))
    return out


def serial_ports() -> list[SerialPort]:
    """The USB serial ports on this computer (see :func:`describe`)."""
    from serial.tools import list_ports

    return describe(list_ports.comports())
