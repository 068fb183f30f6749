"""A simulated LEGO SPIKE / MINDSTORMS hub in USB DFU mode, below pyusb.

``LegoDfuHub`` is what a SPIKE Prime, MINDSTORMS Robot Inventor or SPIKE Essential hub
shows on USB when it is started in its update mode: an STM32 "DfuSe" device (USB DFU 1.1
with ST's extensions, AN3156) with LEGO's vendor id 0x0694 and the DFU product ids
pybricksdev knows (``pybricksdev.usb``: SPIKE Prime 0x0008, Robot Inventor 0x0011, SPIKE
Essential 0x000C). ``DfuUsbBackend`` is a pyusb backend (it extends
:class:`robokit.virtual.pybricks_usb.FakeUsbBackend`, so Pybricks hubs on USB can share the
bus) and ``installed_dfu(...)`` makes ``usb.core.find()`` use it, so that pybricksdev's
vendored ``dfu_upload`` (pydfu) and pyusb run unchanged against it.

What the device presents:

- one configuration, one interface (class 0xFE application specific, subclass 1 DFU,
  protocol 2 DFU mode, no endpoints) whose string is the DfuSe memory layout
  (``@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg``: 1 MiB; the first
  32 KiB hold LEGO's bootloader and are read-only), and the DFU functional descriptor
  (``bmAttributes`` 0x0B, ``wTransferSize`` 2048, DFU 1.1a) among the interface's extra
  descriptors;
- class requests on interface 0: DETACH (ignored), DNLOAD, UPLOAD, GETSTATUS, CLRSTATUS,
  GETSTATE, ABORT, with DFU's state machine: a DNLOAD is carried out at the GETSTATUS that
  follows it (which reports dfuDNBUSY), the next GETSTATUS reports dfuDNLOAD-IDLE, or
  dfuERROR with the error status; a zero-length DNLOAD ends the session (GETSTATUS reports
  dfuMANIFEST and the hub then leaves DFU mode: it is gone from the bus, ``booted`` set);
- DfuSe commands (DNLOAD block 0): 0x21 set address pointer, 0x41 erase (mass erase of
  the writable sectors without an address, one sector with one), 0x92 read unprotect
  (accepted); data blocks (DNLOAD/UPLOAD block n >= 2) go to or come from
  ``pointer + (n - 2) * 2048``; UPLOAD block 0 lists the commands;
- flash as NOR flash: erased bytes read 0xFF, programming clears bits only; writes or
  erases outside writable sectors fail with errTARGET/errADDRESS.

Fault options: ``unplug_after_blocks`` (the cable is pulled after that many data blocks:
every transfer then fails with ENODEV, like pyusb's libusb backend), ``corrupt_address``
(the byte stored at that address has a bit flipped, so a read-back differs),
``access_denied`` (opening fails with EACCES, as without a udev rule on Linux).
Tests look at ``flash``, ``read(address, size)``, ``requests`` (every class request as
``(name, wValue, length)``), ``mass_erased`` and ``booted``; :meth:`LegoDfuHub.replug`
puts a pulled cable back.
"""

from __future__ import annotations

import array
import contextlib
import errno
import re
import struct
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from .pybricks_usb import (
    LEGO_USB_VID,
    FakeUsbBackend,
    PybricksUsbHub,
    answer_into,
    check_open,
    installed_backend,
    string_descriptor,
    usb_error,
)

__all__ = [
    "DFU_PIDS",
    "FLASH_BASE",
    "MEMORY_LAYOUT",
    "DfuUsbBackend",
    "LegoDfuHub",
    "installed_dfu",
]

#: DFU-mode product id -> (LWP3 hub kind, product string)
DFU_PIDS: dict[int, tuple[int, str]] = {
    0x0008: (0x81, "LEGO Technic Large Hub in DFU Mode"),  # SPIKE Prime
    0x0011: (0x81, "LEGO Technic Large Hub in DFU Mode"),  # MINDSTORMS Robot Inventor
    0x000C: (0x83, "LEGO Technic Small Hub in DFU Mode"),  # SPIKE Essential
}
FLASH_BASE = 0x08000000
MEMORY_LAYOUT = "@Internal Flash  /0x08000000/02*016Ka,02*016Kg,01*064Kg,07*128Kg"
TRANSFER_SIZE = 2048

DETACH, DNLOAD, UPLOAD, GETSTATUS, CLRSTATUS, GETSTATE, ABORT = range(7)
_NAMES = ("DETACH", "DNLOAD", "UPLOAD", "GETSTATUS", "CLRSTATUS", "GETSTATE", "ABORT")
# States
APP_IDLE, APP_DETACH, DFU_IDLE, DNLOAD_SYNC, DNBUSY, DNLOAD_IDLE = 0, 1, 2, 3, 4, 5
MANIFEST_SYNC, MANIFEST, MANIFEST_WAIT_RESET, UPLOAD_IDLE, DFU_ERROR = 6, 7, 8, 9, 10
# Status codes
OK, ERR_TARGET, ERR_WRITE, ERR_ERASE, ERR_ADDRESS, ERR_STALLEDPKT = 0x00, 0x01, 0x03, \
    0x04, 0x08, 0x0F
# DfuSe commands
SET_ADDRESS, ERASE, READ_UNPROTECT = 0x21, 0x41, 0x92

def _sectors(layout: str) -> list[tuple[int, int, bool]]:
    """``(address, size, writable)`` of every sector of a DfuSe layout string."""
    parts = layout.split("/")
    out: list[tuple[int, int, bool]] = []
    addr = int(parts[1], 0)
    for seg in parts[2].split(","):
        m = re.match(r"(\d+)\*(\d+)(.)(.)", seg.strip())
        if m is None:
            raise ValueError(f"bad DfuSe segment {seg!r}")
        count, size, unit, kind = int(m[1]), int(m[2]), m[3], m[4]
        size *= {"K": 1024, "M": 1024 * 1024}.get(unit, 1)
        for _ in range(count):
            out.append((addr, size, kind in "cdefg"))
            addr += size
    return out


class LegoDfuHub:
    """A LEGO hub in USB DFU mode (see the module docstring)."""

    def __init__(self, product_id: int = 0x0008, *, serial: str = "DFU000000001",
                 bus: int = 1, address: int = 9, access_denied: bool = False,
                 unplug_after_blocks: int | None = None, corrupt_address: int | None = None,
                 old_firmware: bytes = b"\x00" * 64):
        if product_id not in DFU_PIDS:
            raise ValueError(f"product id {product_id:#06x} is not a LEGO DFU id "
                             f"(known: {', '.join(f'{p:#06x}' for p in DFU_PIDS)})")
        self.product_id = product_id
        self.hub_kind, self.product = DFU_PIDS[product_id]
        self.serial = serial
        self.bus = bus
        self.address = address
        self.access_denied = access_denied
        self.unplug_after_blocks = unplug_after_blocks
        self.corrupt_address = corrupt_address
        self.sectors = _sectors(MEMORY_LAYOUT)
        self.size = sum(s for _a, s, _w in self.sectors)
        self.flash = bytearray(b"\xff" * self.size)
        boot = b"LEGO bootloader "
        self.flash[:0x8000] = (boot * (0x8000 // len(boot)))[:0x8000]
        self.flash[0x8000:0x8000 + len(old_firmware)] = old_firmware
        self.plugged_in = True
        self.booted = False
        self.mass_erased = False
        self.configuration = 0
        self.state = DFU_IDLE
        self.status = OK
        self.pointer = FLASH_BASE
        self.blocks = 0  # data blocks written
        self.requests: list[tuple[str, int, int]] = []
        self._pending: tuple[int, bytes] | None = None
        self._pending_error = OK

    # -- flash -------------------------------------------------------------------------

    def read(self, address: int, size: int) -> bytes:
        off = address - FLASH_BASE
        return bytes(self.flash[off:off + size])

    def _sector_of(self, address: int) -> tuple[int, int, bool] | None:
        for sector in self.sectors:
            if sector[0] <= address < sector[0] + sector[1]:
                return sector
        return None

    def _writable(self, address: int, size: int) -> bool:
        first, last = self._sector_of(address), self._sector_of(address + size - 1)
        if first is None or last is None:
            return False
        return all(w for a, s, w in self.sectors if a + s > address and a < address + size)

    def _erase(self, sector: tuple[int, int, bool]) -> None:
        off = sector[0] - FLASH_BASE
        self.flash[off:off + sector[1]] = b"\xff" * sector[1]

    # -- DFU requests ------------------------------------------------------------------

    def _execute(self, w_value: int, data: bytes) -> int:
        """Carry out a DNLOAD; the DFU status it ends with."""
        if w_value == 0:
            cmd = data[0]
            if cmd == SET_ADDRESS and len(data) == 5:
                (addr,) = struct.unpack_from("<I", data, 1)
                if self._sector_of(addr) is None:
                    return ERR_TARGET
                self.pointer = addr
                return OK
            if cmd == ERASE and len(data) == 1:
                for each in self.sectors:
                    if each[2]:
                        self._erase(each)
                self.mass_erased = True
                return OK
            if cmd == ERASE and len(data) == 5:
                (addr,) = struct.unpack_from("<I", data, 1)
                sector = self._sector_of(addr)
                if sector is None or not sector[2]:
                    return ERR_TARGET
                self._erase(sector)
                return OK
            if cmd == READ_UNPROTECT and len(data) == 1:
                return OK
            return ERR_STALLEDPKT
        if w_value == 1:
            return ERR_STALLEDPKT
        addr = self.pointer + (w_value - 2) * TRANSFER_SIZE
        if not self._writable(addr, len(data)):
            return ERR_ADDRESS
        payload = bytearray(data)
        if self.corrupt_address is not None and addr <= self.corrupt_address < \
                addr + len(payload):
            payload[self.corrupt_address - addr] ^= 0x01
        off = addr - FLASH_BASE
        for i, b in enumerate(payload):
            self.flash[off + i] &= b
        self.blocks += 1
        if self.unplug_after_blocks is not None and self.blocks >= self.unplug_after_blocks:
            self.unplug_after_blocks = None
            self.plugged_in = False
        return OK

    def _stall(self, status: int) -> Exception:
        """Enter dfuERROR with ``status``; the error the host's transfer gets (a stall)."""
        self.state, self.status = DFU_ERROR, status
        return usb_error(errno.EPIPE, "Pipe error")

    def dnload(self, w_value: int, data: bytes) -> None:
        if self.state not in (DFU_IDLE, DNLOAD_IDLE):
            raise self._stall(ERR_STALLEDPKT)
        if not data:
            self.state = MANIFEST_SYNC
            return
        self._pending = (w_value, bytes(data))
        self.state = DNLOAD_SYNC

    def get_status(self) -> bytes:
        leave = False
        if self.state == DNLOAD_SYNC and self._pending is not None:
            w_value, data = self._pending
            self._pending = None
            self._pending_error = self._execute(w_value, data)
            self.state = DNBUSY
        elif self.state == DNBUSY:
            if self._pending_error != OK:
                self.state, self.status = DFU_ERROR, self._pending_error
                self._pending_error = OK
            else:
                self.state = DNLOAD_IDLE
        elif self.state == MANIFEST_SYNC:
            self.state = MANIFEST
            leave = True
        answer = struct.pack("<B3sBB", self.status, b"\x00\x00\x00", self.state, 0)
        if leave:  # the hub resets into its firmware: the DFU device is gone
            self.booted = True
            self.plugged_in = False
        return answer

    def upload(self, w_value: int, length: int) -> bytes:
        if self.state not in (DFU_IDLE, UPLOAD_IDLE):
            raise self._stall(ERR_STALLEDPKT)
        if w_value == 0:
            self.state = UPLOAD_IDLE
            return bytes([0x00, SET_ADDRESS, ERASE, READ_UNPROTECT])[:length]
        if w_value == 1:
            raise self._stall(ERR_STALLEDPKT)
        addr = self.pointer + (w_value - 2) * TRANSFER_SIZE
        if self._sector_of(addr) is None:
            raise self._stall(ERR_ADDRESS)
        end = min(addr + length, FLASH_BASE + self.size)
        self.state = UPLOAD_IDLE
        return self.read(addr, end - addr)

    def class_request(self, request: int, w_value: int, data: array.array[int]) -> int:
        self.requests.append((_NAMES[request] if request < len(_NAMES) else str(request),
                              w_value, len(data)))
        if request == DNLOAD:
            self.dnload(w_value, bytes(data))
            return len(data)
        if request == UPLOAD:
            answer = self.upload(w_value, len(data))
        elif request == GETSTATUS:
            answer = self.get_status()
        elif request == GETSTATE:
            answer = bytes([self.state])
        elif request == CLRSTATUS:
            if self.state == DFU_ERROR:
                self.state, self.status = DFU_IDLE, OK
            return 0
        elif request == ABORT:
            if self.state != DFU_ERROR:
                self.state = DFU_IDLE
            return 0
        elif request == DETACH:
            return 0
        else:
            raise usb_error(errno.EPIPE, "Pipe error")
        return answer_into(answer, data)

    def strings(self) -> dict[int, str]:
        return {1: "LEGO System A/S", 2: self.product, 3: self.serial, 4: MEMORY_LAYOUT}

    def unplug(self) -> None:
        """Pull the cable: every transfer now fails with ENODEV."""
        self.plugged_in = False

    def replug(self) -> None:
        """Plug the cable in again with the hub in DFU mode: a fresh DFU session (what
        was written stays in flash)."""
        self.plugged_in = True
        self.booted = False
        self.state, self.status = DFU_IDLE, OK
        self._pending, self._pending_error = None, OK


# -- the pyusb backend ---------------------------------------------------------------------

_FUNCTIONAL = [9, 0x21, 0x0B, 255, 0, TRANSFER_SIZE & 0xFF, TRANSFER_SIZE >> 8, 0x1A, 0x01]


class _DfuHandle:
    def __init__(self, dev: LegoDfuHub):
        self.dev = dev
        self.claimed: set[int] = set()


def _live(handle: _DfuHandle) -> LegoDfuHub:
    if not handle.dev.plugged_in:
        raise usb_error(errno.ENODEV, "No such device (it may have been disconnected)")
    return handle.dev


class DfuUsbBackend(FakeUsbBackend):
    """A pyusb backend whose bus holds :class:`LegoDfuHub` devices (and, through
    :class:`FakeUsbBackend`, :class:`PybricksUsbHub` devices)."""

    def __init__(self, devices: list[Any]):
        super().__init__([d for d in devices if isinstance(d, PybricksUsbHub)])
        self.dfu_devices = [d for d in devices if isinstance(d, LegoDfuHub)]

    def enumerate_devices(self) -> Iterator[Any]:
        return iter([d for d in self.dfu_devices if d.plugged_in]
                    + list(super().enumerate_devices()))

    def get_device_descriptor(self, dev: Any) -> SimpleNamespace:
        if not isinstance(dev, LegoDfuHub):
            return super().get_device_descriptor(dev)
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=LEGO_USB_VID,
            idProduct=dev.product_id, bcdDevice=0x0200, iManufacturer=1, iProduct=2,
            iSerialNumber=3, bNumConfigurations=1, address=dev.address, bus=dev.bus,
            port_number=1, port_numbers=(1,), speed=2)

    def get_configuration_descriptor(self, dev: Any, config: int) -> SimpleNamespace:
        if not isinstance(dev, LegoDfuHub):
            return super().get_configuration_descriptor(dev, config)
        if config != 0:
            raise IndexError("invalid configuration index " + str(config))
        return SimpleNamespace(bLength=9, bDescriptorType=2, wTotalLength=9 + 9 + 9,
                               bNumInterfaces=1, bConfigurationValue=1, iConfiguration=0,
                               bmAttributes=0xC0, bMaxPower=50, extra_descriptors=[])

    def get_interface_descriptor(self, dev: Any, intf: int, alt: int,
                                 config: int) -> SimpleNamespace:
        if not isinstance(dev, LegoDfuHub):
            return super().get_interface_descriptor(dev, intf, alt, config)
        if (config, intf, alt) != (0, 0, 0):
            raise IndexError(f"invalid interface {intf}, alternate setting {alt}")
        return SimpleNamespace(bLength=9, bDescriptorType=4, bInterfaceNumber=0,
                               bAlternateSetting=0, bNumEndpoints=0, bInterfaceClass=0xFE,
                               bInterfaceSubClass=1, bInterfaceProtocol=2, iInterface=4,
                               extra_descriptors=list(_FUNCTIONAL))

    def get_endpoint_descriptor(self, dev: Any, ep: int, intf: int, alt: int,
                                config: int) -> SimpleNamespace:
        if not isinstance(dev, LegoDfuHub):
            return super().get_endpoint_descriptor(dev, ep, intf, alt, config)
        raise IndexError(f"invalid endpoint index {ep}")

    def open_device(self, dev: Any) -> Any:
        if not isinstance(dev, LegoDfuHub):
            return super().open_device(dev)
        check_open(dev)
        return _DfuHandle(dev)

    def close_device(self, dev_handle: Any) -> None:
        if isinstance(dev_handle, _DfuHandle):
            dev_handle.claimed.clear()
            return
        super().close_device(dev_handle)

    def set_configuration(self, dev_handle: Any, config_value: int) -> None:
        if isinstance(dev_handle, _DfuHandle):
            _live(dev_handle).configuration = config_value
            return
        super().set_configuration(dev_handle, config_value)

    def get_configuration(self, dev_handle: Any) -> int:
        if isinstance(dev_handle, _DfuHandle):
            return _live(dev_handle).configuration
        return super().get_configuration(dev_handle)

    def set_interface_altsetting(self, dev_handle: Any, intf: int, altsetting: int) -> None:
        if isinstance(dev_handle, _DfuHandle):
            _live(dev_handle)
            if (intf, altsetting) != (0, 0):
                raise usb_error(errno.EPIPE, "Pipe error")
            return
        super().set_interface_altsetting(dev_handle, intf, altsetting)

    def claim_interface(self, dev_handle: Any, intf: int) -> None:
        if isinstance(dev_handle, _DfuHandle):
            _live(dev_handle)
            dev_handle.claimed.add(intf)
            return
        super().claim_interface(dev_handle, intf)

    def release_interface(self, dev_handle: Any, intf: int) -> None:
        if isinstance(dev_handle, _DfuHandle):
            dev_handle.claimed.discard(intf)
            return
        super().release_interface(dev_handle, intf)

    def ctrl_transfer(self, dev_handle: Any, bmRequestType: int, bRequest: int,
                      wValue: int, wIndex: int, data: array.array[int], timeout: int) -> int:
        if not isinstance(dev_handle, _DfuHandle):
            return super().ctrl_transfer(dev_handle, bmRequestType, bRequest, wValue, wIndex,
                                         data, timeout)
        dev = _live(dev_handle)
        kind, recipient = (bmRequestType >> 5) & 3, bmRequestType & 0x1F
        if kind == 1 and recipient == 1 and wIndex == 0:  # DFU class request, interface 0
            return dev.class_request(bRequest, wValue, data)
        if kind == 0 and bRequest == 6 and wValue >> 8 == 3 and bmRequestType & 0x80:
            return answer_into(string_descriptor(dev.strings(), wValue & 0xFF), data)
        if not bmRequestType & 0x80:  # other standard OUT requests: accepted
            return len(data)
        raise usb_error(errno.EPIPE, "Pipe error")

    def clear_halt(self, dev_handle: Any, ep: int) -> None:
        if isinstance(dev_handle, _DfuHandle):
            _live(dev_handle)
            return
        super().clear_halt(dev_handle, ep)

    def reset_device(self, dev_handle: Any) -> None:
        if isinstance(dev_handle, _DfuHandle):
            _live(dev_handle)
            return
        super().reset_device(dev_handle)


def installed_dfu(*devices: LegoDfuHub | PybricksUsbHub
                  ) -> contextlib.AbstractContextManager[DfuUsbBackend]:
    """Make ``usb.core.find()`` without a backend argument (pybricksdev's and robokit's
    calls) see ``devices`` (DFU hubs, and Pybricks hubs on USB) and nothing else."""
    return installed_backend(DfuUsbBackend(list(devices)))
