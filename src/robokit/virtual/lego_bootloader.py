"""A simulated LEGO hub in bootloader mode, on the virtual BLE radio.

``LegoBootloader`` is a :class:`robokit.virtual.radio.Peripheral` that behaves like the
bootloader of a LEGO Powered Up hub (BOOST Move Hub, City Hub, Technic Hub) when it is
started with its button held: it advertises the LWP3 bootloader service with LEGO's
manufacturer data (bootloader version, hub kind, capabilities) and answers, on its one
characteristic, the commands pybricksdev's ``BootloaderConnection`` sends
(``pybricksdev.ble.lwp3.bootloader.BootloaderCommand``):

========  ===============  ==============================================================
command   request          reply (notification)
========  ===============  ==============================================================
0x55      get info         ``<BiIIB``: 0x55, bootloader version, first and last flash
                           address (inclusive), hub kind
0x11      erase flash      ``0x11, result`` (0 = ok); the whole firmware area reads 0xFF
0x44      init loader      ``0x44, result``; ``<I`` payload: the image size to expect
0x22      program flash    ``0x22, size + 4, <I address, data``; no reply, except after
                           the chunk that completes the announced size:
                           ``<BBI``: 0x22, checksum, bytes received
0x66      get checksum     ``0x66, checksum`` of what was received so far
0x77      get flash state  ``0x77, level`` (read protection level; 0)
0x33      start app        no reply: the hub "reboots" into the firmware (it leaves the
                           radio; :attr:`LegoBootloader.started` is set)
0x88      disconnect       no reply: the hub drops the connection
other                      ``05 00 05 <command> 05`` (unknown command)
========  ===============  ==============================================================

The checksum is one byte: 0xFF xor every byte received by program-flash commands since
init loader, as LEGO's own flashing code computes it (and pybricksdev's
``xor_bytes(data)``). Flash is modelled as NOR flash: erased bytes read 0xFF and
programming can only clear bits (``old & new``), so data written over old firmware without
an erase comes out wrong, as on the chip.

Fault options: ``disconnect_after_chunks`` (the connection drops after that many
program-flash commands, once: the next connection works), ``corrupt_offset`` (the byte at
that image offset is stored and counted with one bit flipped, as if damaged in transit,
so the checksum the hub reports differs), ``mtu`` (23 for the Move Hub, as its radio
has). Tests look at ``flash``, ``image(size)``, ``commands`` (every command byte received,
in order), ``connections``, ``erased``, ``started`` and ``received``.
"""

from __future__ import annotations

import struct
import threading

from ..protocols.pybricks import BOOTLOADER_CHAR, BOOTLOADER_SERVICE, LEGO_CID
from .radio import Peripheral, PeripheralLink

__all__ = [
    "BOOTLOADER_CHAR",
    "BOOTLOADER_SERVICE",
    "FLASH_LAYOUT",
    "LEGO_CID",
    "LegoBootloader",
    "xor_checksum",
]


CMD_ERASE, CMD_PROGRAM, CMD_START_APP, CMD_INIT, CMD_INFO = 0x11, 0x22, 0x33, 0x44, 0x55
CMD_CHECKSUM, CMD_FLASH_STATE, CMD_DISCONNECT = 0x66, 0x77, 0x88
ERROR_MESSAGE = 0x05
ERROR_UNKNOWN_COMMAND = 0x05

#: hub kind -> (name, first firmware address, last firmware address (inclusive), mtu)
#: The addresses are those of the Pybricks linker scripts (firmware after the 20 KiB
#: LEGO bootloader); never read from a real hub.
FLASH_LAYOUT: dict[int, tuple[str, int, int, int]] = {
    0x40: ("Move Hub", 0x08005000, 0x0801FFFF, 23),  # STM32F070RB, 128 KiB
    0x41: ("City Hub", 0x08005000, 0x0803FFFF, 158),  # STM32F030RC, 256 KiB
    0x80: ("Technic Hub", 0x08005000, 0x0803FFFF, 158),  # STM32L431RC, 256 KiB
}


def xor_checksum(data: bytes, init: int = 0xFF) -> int:
    """The bootloader's one-byte checksum: ``init`` xor every byte of ``data``."""
    value = init
    for b in data:
        value ^= b
    return value


class LegoBootloader(Peripheral):
    """A LEGO hub in bootloader mode (see the module docstring)."""

    def __init__(self, hub_kind: int = 0x80, *, name: str = "LEGO Bootloader",
                 address: str = "90:84:2B:10:00:01", version: int = 0x01000010,
                 mtu: int | None = None, disconnect_after_chunks: int | None = None,
                 corrupt_offset: int | None = None, old_firmware: bytes = b"\x00" * 64):
        if hub_kind not in FLASH_LAYOUT:
            raise ValueError(f"hub kind {hub_kind:#04x} has no BLE bootloader here "
                             f"(known: {', '.join(hex(k) for k in FLASH_LAYOUT)})")
        self.hub_kind = hub_kind
        self.hub_name, self.start_addr, self.end_addr, default_mtu = FLASH_LAYOUT[hub_kind]
        self.name = name
        self.address = address
        self.version = version
        self.mtu = mtu if mtu is not None else default_mtu
        self.advertised = [BOOTLOADER_SERVICE]
        # version (u32 LE), hub kind, capabilities (LWP3 advertisement of a bootloader)
        self.manufacturer_data = {LEGO_CID: struct.pack("<IBB", version, hub_kind, 0)}
        self.disconnect_after_chunks = disconnect_after_chunks
        self.corrupt_offset = corrupt_offset
        size = self.end_addr - self.start_addr + 1
        self.flash = bytearray(b"\xff" * size)
        self.flash[: len(old_firmware)] = old_firmware
        self.commands: list[int] = []
        self.erased = False
        self.started = False
        self.expected = 0  # bytes announced by init loader
        self.received = 0  # bytes received by program flash since init loader
        self.checksum = 0xFF
        self.chunks = 0  # program-flash commands on this connection
        self.connections = 0
        self._link: PeripheralLink | None = None
        self._lock = threading.Lock()

    # -- the radio side ----------------------------------------------------------------

    def services(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return {BOOTLOADER_SERVICE: {BOOTLOADER_CHAR: ("write-without-response", "write",
                                                       "notify")}}

    def on_connect(self, link: PeripheralLink) -> None:
        self._link = link
        self.chunks = 0
        self.connections += 1

    def on_disconnect(self) -> None:
        self._link = None

    def _reply(self, data: bytes) -> None:
        link = self._link
        if link is not None:
            link.notify(BOOTLOADER_CHAR, data)

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        if not data:
            return
        with self._lock:
            self._command(bytes(data))

    # -- the bootloader ----------------------------------------------------------------

    def image(self, size: int) -> bytes:
        """The first ``size`` bytes of the firmware area."""
        return bytes(self.flash[:size])

    def _command(self, data: bytes) -> None:
        cmd = data[0]
        self.commands.append(cmd)
        if cmd == CMD_INFO:
            self._reply(struct.pack("<BiIIB", CMD_INFO, self.version, self.start_addr,
                                    self.end_addr, self.hub_kind))
        elif cmd == CMD_ERASE:
            self.flash[:] = b"\xff" * len(self.flash)
            self.erased = True
            self._reply(bytes([CMD_ERASE, 0]))
        elif cmd == CMD_INIT:
            ok = len(data) == 5
            if ok:
                (self.expected,) = struct.unpack_from("<I", data, 1)
                ok = 0 < self.expected <= len(self.flash)
            self.received = 0
            self.checksum = 0xFF
            self._reply(bytes([CMD_INIT, 0 if ok else 0xFF]))
        elif cmd == CMD_PROGRAM:
            self._program(data)
        elif cmd == CMD_CHECKSUM:
            self._reply(bytes([CMD_CHECKSUM, self.checksum]))
        elif cmd == CMD_FLASH_STATE:
            self._reply(bytes([CMD_FLASH_STATE, 0]))
        elif cmd == CMD_START_APP:
            self.started = True
            link = self._link
            if link is not None:
                link.radio.remove(self)  # it reboots: off the air as a bootloader
        elif cmd == CMD_DISCONNECT:
            if self._link is not None:
                self._link.disconnect()
        else:
            self._reply(bytes([5, 0, ERROR_MESSAGE, cmd, ERROR_UNKNOWN_COMMAND]))

    def _program(self, data: bytes) -> None:
        if len(data) < 6 or data[1] != len(data) - 2:
            return  # malformed: a real bootloader ignores it
        (address,) = struct.unpack_from("<I", data, 2)
        payload = bytearray(data[6:])
        offset = address - self.start_addr
        if offset < 0 or offset + len(payload) > len(self.flash):
            return  # outside the firmware area: not written
        if self.corrupt_offset is not None and offset <= self.corrupt_offset < \
                offset + len(payload):
            payload[self.corrupt_offset - offset] ^= 0x10
        for i, b in enumerate(payload):
            self.flash[offset + i] &= b
        self.received += len(payload)
        self.checksum = xor_checksum(bytes(payload), self.checksum)
        self.chunks += 1
        if self.disconnect_after_chunks is not None and \
                self.chunks >= self.disconnect_after_chunks:
            self.disconnect_after_chunks = None  # once
            if self._link is not None:
                self._link.disconnect()
            return
        if self.expected and self.received >= self.expected:
            self._reply(struct.pack("<BBI", CMD_PROGRAM, self.checksum, self.received))
