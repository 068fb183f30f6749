"""A simulated LEGO hub running Pybricks firmware, on a simulated USB cable.

``PybricksUsbHub`` is the USB face of a :class:`robokit.virtual.pybricks_hub.PybricksHub`
(the same protocol core and program runner as the BLE hub); ``FakeUsbBackend`` is a
pyusb backend (``usb.backend.IBackend``) that presents it *below* pyusb, so that
``usb.core.find``, ``usb.core.Device`` and pybricksdev's own ``PybricksHubUSB`` run
unchanged; ``installed_usb(hub, ...)`` makes ``usb.core.find()`` (with no backend
given, as pybricksdev and robokit call it) use that backend.

What the device presents (as the Pybricks firmware's STM32 USB driver does):

- device descriptor: LEGO's vendor id 0x0694, a Pybricks product id (SPIKE Prime
  0x0009 by default), manufacturer "LEGO System A/S", a product string ending in
  "Pybricks" (pybricksdev's CLI matches on that), a serial number;
- one configuration with one vendor-specific interface (class 0xFF) and two bulk
  endpoints, OUT 0x01 and IN 0x81, 64-byte packets (full speed);
- interface class requests (IN, class, recipient interface): ``GATT_CHARACTERISTIC``
  (1) with the 16-bit UUID of device name, firmware revision, software revision
  (protocol version) or PnP ID; ``PYBRICKS_CHARACTERISTIC`` (2) with 0x0003 for the
  hub capabilities (max write size 63 = packet size - 1); anything else stalls;
- OUT messages: SUBSCRIBE (1, then 0/1) and COMMAND (2, then a Pybricks command),
  each answered by a RESPONSE IN message (1, then the ``uint32`` status: 0 or the
  Pybricks error number); events go out as EVENT messages (2, then the event) only
  while subscribed: a status report on subscribing, on every change and every
  0.5 s, and stdout in pieces of at most 62 bytes; responses go before events.

Not modelled: USB timing and bandwidth, control requests other than the string
descriptors and the two class requests, several configurations, remote wakeup, the
DFU bootloader, hubs with LEGO's own firmware (same ids, no Pybricks interface),
halted endpoints.  Faults: ``access_denied`` (opening the device fails with errno 13,
as without a udev rule on Linux) and :meth:`PybricksUsbHub.unplug`.  A pending IN
read ends early (as a timeout) when the host unsubscribes, so that pybricksdev's
reader thread does not hold up the host for pyusb's 1 s read timeout.
"""

from __future__ import annotations

import array
import collections
import contextlib
import errno
import struct
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, TypeVar

import usb.backend
import usb.backend.libusb1
import usb.core

from ..protocols.pybricks import (
    DEVICE_NAME_SHORT,
    EP_IN,
    EP_OUT,
    IN_EVENT,
    IN_RESPONSE,
    LEGO_USB_VID,
    MAX_PACKET_SIZE,
    OUT_COMMAND,
    OUT_SUBSCRIBE,
    REQ_GATT,
    REQ_PYBRICKS,
    SPIKE_PRIME_USB_PID,
)
from .pybricks_hub import (
    CAPABILITIES,
    EVT_STDOUT,
    FW_REV,
    PNP_ID,
    SW_REV,
    HubCommandError,
    PybricksHub,
    pack_capabilities,
    status_event,
)

__all__ = [
    "EP_IN",
    "EP_OUT",
    "LEGO_USB_VID",
    "MAX_PACKET_SIZE",
    "SPIKE_PRIME_USB_PID",
    "FakeUsbBackend",
    "PybricksUsbHub",
    "answer_into",
    "check_open",
    "installed_usb",
    "string_descriptor",
    "usb_error",
]

STATUS_PERIOD = 0.5
# libusb error codes, as pyusb's libusb1 backend passes them on.
_LIBUSB = {errno.EACCES: -3, errno.ENODEV: -4, errno.ETIMEDOUT: -7, errno.EPIPE: -9}


def _short(uuid: str) -> int:
    return int(uuid[4:8], 16)


def usb_error(code: int, text: str) -> usb.core.USBError:
    """The error pyusb's libusb1 backend raises for ``errno`` ``code`` (a timeout: a
    USBTimeoutError)."""
    cls = usb.core.USBTimeoutError if code == errno.ETIMEDOUT else usb.core.USBError
    return cls(text, _LIBUSB.get(code), code)


def string_descriptor(strings: dict[int, str], index: int) -> bytes:
    """The answer to GET_DESCRIPTOR(STRING) ``index`` of a device with these strings: the
    language list for 0, a stall (EPIPE) for an index it does not have."""
    if index == 0:
        return bytes([4, 3, 0x09, 0x04])  # English (United States)
    if index not in strings:
        raise usb_error(errno.EPIPE, "Pipe error")
    text = strings[index].encode("utf-16-le")
    return bytes([2 + len(text), 3]) + text


def answer_into(answer: bytes, buff: array.array[int]) -> int:
    """Copy as much of ``answer`` as fits into the host's ``buff``; how many bytes."""
    n = min(len(answer), len(buff))
    buff[:n] = array.array("B", answer[:n])
    return n


def check_open(dev: Any) -> None:
    """Refuse to open a device that is unplugged (ENODEV) or not ours to open (EACCES)."""
    if not dev.plugged_in:
        raise usb_error(errno.ENODEV, "No such device (it may have been disconnected)")
    if dev.access_denied:
        raise usb_error(errno.EACCES, "Access denied (insufficient permissions)")


class PybricksUsbHub:
    """A Pybricks hub on a USB cable (see the module docstring).

    ``hub``: the :class:`PybricksHub` to present (the same object may also be on a
    virtual radio); by default a new one made with ``hub_options``, closed by
    :meth:`close`.  Attributes tests look at: ``hub`` (its ``commands``,
    ``program_writes``, ...), ``messages`` (every OUT message, in order),
    ``subscribed``, ``resets``, ``plugged_in``.
    """

    def __init__(self, hub: PybricksHub | None = None, *, product_id: int = SPIKE_PRIME_USB_PID,
                 product: str = "SPIKE Prime Hub Pybricks", serial: str = "0123456789AB",
                 bus: int = 1, address: int = 7, access_denied: bool = False,
                 **hub_options: Any):
        self._own = hub is None
        self.hub = hub if hub is not None else PybricksHub(**hub_options)
        self.product_id = product_id
        self.product = product
        self.serial = serial
        self.bus = bus
        self.address = address
        self.access_denied = access_denied
        self.plugged_in = True
        self.subscribed = False
        self.configuration = 0
        self.resets = 0
        self.messages: list[bytes] = []
        self._responses: collections.deque[bytes] = collections.deque()
        self._events: collections.deque[bytes] = collections.deque()
        self._cond = threading.Condition()
        self._last_status = 0.0
        self._hung_up = False  # the host unsubscribed: IN reads end at once
        self.hub.add_listener(self._on_event)

    # -- the device side of the cable ----------------------------------------------------

    def _on_event(self, event: bytes) -> None:
        with self._cond:
            if not self.subscribed:
                return  # the firmware sends no events to a host that did not subscribe
            if event and event[0] == EVT_STDOUT:
                step = MAX_PACKET_SIZE - 2
                data = event[1:]
                for i in range(0, len(data), step):
                    self._events.append(bytes([IN_EVENT, EVT_STDOUT]) + data[i : i + step])
            else:
                self._events.append(bytes([IN_EVENT]) + event)
                self._last_status = time.monotonic()
            self._cond.notify_all()

    def out_message(self, data: bytes) -> None:
        """A message the host wrote to the OUT endpoint."""
        self.messages.append(bytes(data))
        status = 0
        if not data:
            return
        if data[0] == OUT_COMMAND:
            try:
                self.hub.command(bytes(data[1:]))
            except HubCommandError as exc:
                status = exc.code
        elif data[0] != OUT_SUBSCRIBE:
            return  # the firmware ignores unknown messages (and sends no response)
        with self._cond:
            self._responses.append(struct.pack("<BI", IN_RESPONSE, status))
            if data[0] == OUT_SUBSCRIBE:
                self.subscribed = len(data) > 1 and data[1] != 0
                self._hung_up = not self.subscribed
                self._events.clear()
                if self.subscribed:
                    self._events.append(bytes([IN_EVENT]) + status_event(self.hub.status_flags))
                    self._last_status = time.monotonic()
            self._cond.notify_all()

    def in_message(self, timeout: float) -> bytes | None:
        """The next IN message (responses first, then events; a periodic status report
        when due), or None after ``timeout`` seconds without one."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if not self.plugged_in:
                    raise usb_error(errno.ENODEV, "No such device (it may have been disconnected)")
                if self._responses:
                    return self._responses.popleft()
                if self._events:
                    return self._events.popleft()
                now = time.monotonic()
                if self.subscribed and now - self._last_status >= STATUS_PERIOD:
                    self._last_status = now
                    return bytes([IN_EVENT]) + status_event(self.hub.status_flags)
                if now >= deadline:
                    return None
                if self._hung_up:
                    self._cond.wait(min(0.01, deadline - now))
                    return self._responses.popleft() if self._responses else None
                due = self._last_status + STATUS_PERIOD if self.subscribed else deadline
                self._cond.wait(max(0.0, min(deadline, due) - now))

    def class_request(self, request: int, value: int) -> bytes:
        """The answer to an interface class request; raises EPIPE (a stall) for one the
        firmware does not know."""
        hub = self.hub
        if request == REQ_GATT:
            if value == DEVICE_NAME_SHORT:
                return hub.name.encode()
            if value == _short(FW_REV):
                return hub.fw_version.encode()
            if value == _short(SW_REV):
                return hub.protocol_version.encode()
            if value == _short(PNP_ID):
                return hub.read(PNP_ID)
        elif request == REQ_PYBRICKS and value == _short(CAPABILITIES):
            return pack_capabilities(MAX_PACKET_SIZE - 1, hub.capability_flags,
                                     hub.max_program_size)
        raise usb_error(errno.EPIPE, "Pipe error")

    def strings(self) -> dict[int, str]:
        return {1: "LEGO System A/S", 2: self.product, 3: self.serial}

    def reset(self) -> None:
        """A USB reset: the host's subscription and any unsent messages are gone."""
        with self._cond:
            self.resets += 1
            self.subscribed = False
            self._hung_up = False
            self.configuration = 0
            self._responses.clear()
            self._events.clear()
            self._cond.notify_all()

    def unplug(self) -> None:
        """Pull the cable: every transfer now fails with ENODEV (a running program
        keeps running on the hub)."""
        with self._cond:
            self.plugged_in = False
            self.subscribed = False
            self._cond.notify_all()

    def _hang_up(self) -> None:
        with self._cond:
            self.subscribed = False
            self._hung_up = True
            self._cond.notify_all()

    def close(self) -> None:
        """Stop listening to the hub; close it too if this object made it."""
        self.hub.remove_listener(self._on_event)
        self._hang_up()
        if self._own:
            self.hub.close()


# -- the pyusb backend ---------------------------------------------------------------------


def _device_descriptor(dev: PybricksUsbHub) -> SimpleNamespace:
    return SimpleNamespace(
        bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
        bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=LEGO_USB_VID, idProduct=dev.product_id,
        bcdDevice=0x0100, iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
        address=dev.address, bus=dev.bus, port_number=1, port_numbers=(1,), speed=2)


class _Handle:
    def __init__(self, dev: PybricksUsbHub):
        self.dev = dev
        self.claimed: set[int] = set()


class FakeUsbBackend(usb.backend.IBackend):
    """A pyusb backend whose bus holds the given :class:`PybricksUsbHub` devices."""

    def __init__(self, devices: list[PybricksUsbHub]):
        self.devices = devices

    def enumerate_devices(self) -> Iterator[PybricksUsbHub]:
        return iter([d for d in self.devices if d.plugged_in])

    def get_device_descriptor(self, dev: PybricksUsbHub) -> SimpleNamespace:
        return _device_descriptor(dev)

    def get_configuration_descriptor(self, dev: PybricksUsbHub, config: int) -> SimpleNamespace:
        if config != 0:
            raise IndexError("invalid configuration index " + str(config))
        return SimpleNamespace(bLength=9, bDescriptorType=2, wTotalLength=9 + 9 + 7 + 7,
                               bNumInterfaces=1, bConfigurationValue=1, iConfiguration=0,
                               bmAttributes=0xC0, bMaxPower=250, extra_descriptors=[])

    def get_interface_descriptor(self, dev: PybricksUsbHub, intf: int, alt: int,
                                 config: int) -> SimpleNamespace:
        if (config, intf, alt) != (0, 0, 0):
            raise IndexError(f"invalid interface {intf}, alternate setting {alt}")
        return SimpleNamespace(bLength=9, bDescriptorType=4, bInterfaceNumber=0,
                               bAlternateSetting=0, bNumEndpoints=2, bInterfaceClass=0xFF,
                               bInterfaceSubClass=0, bInterfaceProtocol=0, iInterface=0,
                               extra_descriptors=[])

    def get_endpoint_descriptor(self, dev: PybricksUsbHub, ep: int, intf: int, alt: int,
                                config: int) -> SimpleNamespace:
        if (config, intf, alt) != (0, 0, 0) or ep not in (0, 1):
            raise IndexError(f"invalid endpoint index {ep}")
        return SimpleNamespace(bLength=7, bDescriptorType=5,
                               bEndpointAddress=(EP_OUT, EP_IN)[ep], bmAttributes=0x02,
                               wMaxPacketSize=MAX_PACKET_SIZE, bInterval=0, bRefresh=0,
                               bSynchAddress=0, extra_descriptors=[])

    @staticmethod
    def _live(handle: _Handle) -> PybricksUsbHub:
        if not handle.dev.plugged_in:
            raise usb_error(errno.ENODEV, "No such device (it may have been disconnected)")
        return handle.dev

    def open_device(self, dev: PybricksUsbHub) -> _Handle:
        check_open(dev)
        return _Handle(dev)

    def close_device(self, dev_handle: _Handle) -> None:
        dev_handle.claimed.clear()

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self._live(dev_handle).configuration = config_value

    def get_configuration(self, dev_handle: _Handle) -> int:
        return self._live(dev_handle).configuration

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._live(dev_handle)
        if (intf, altsetting) != (0, 0):
            raise usb_error(errno.EPIPE, "Pipe error")

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        self._live(dev_handle)
        dev_handle.claimed.add(intf)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        dev_handle.claimed.discard(intf)

    def bulk_write(self, dev_handle: _Handle, ep: int, intf: int, data: array.array[int],
                   timeout: int) -> int:
        dev = self._live(dev_handle)
        if ep != EP_OUT:
            raise usb_error(errno.EPIPE, "Pipe error")
        payload = bytes(data)
        # A message is one transfer of at most a packet: the firmware reads one packet.
        dev.out_message(payload[:MAX_PACKET_SIZE])
        return len(payload)

    def bulk_read(self, dev_handle: _Handle, ep: int, intf: int, buff: array.array[int],
                  timeout: int) -> int:
        dev = self._live(dev_handle)
        if ep != EP_IN:
            raise usb_error(errno.EPIPE, "Pipe error")
        msg = dev.in_message(timeout / 1000 if timeout else 3600.0)
        if msg is None:
            raise usb_error(errno.ETIMEDOUT, "Operation timed out")
        return answer_into(msg, buff)

    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int,
                      wValue: int, wIndex: int, data: array.array[int], timeout: int) -> int:
        dev = self._live(dev_handle)
        if not bmRequestType & 0x80:  # host to device: nothing to say here
            return len(data)
        kind, recipient = (bmRequestType >> 5) & 3, bmRequestType & 0x1F
        if kind == 0 and bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR(STRING)
            answer = string_descriptor(dev.strings(), wValue & 0xFF)
        elif kind == 1 and recipient == 1 and wIndex == 0:  # class request, interface 0
            answer = dev.class_request(bRequest, wValue)
        else:
            raise usb_error(errno.EPIPE, "Pipe error")
        return answer_into(answer, data)

    def clear_halt(self, dev_handle: _Handle, ep: int) -> None:
        self._live(dev_handle)

    def reset_device(self, dev_handle: _Handle) -> None:
        self._live(dev_handle).reset()

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def get_parent(self, dev: PybricksUsbHub) -> None:
        return None


B = TypeVar("B", bound=FakeUsbBackend)


@contextlib.contextmanager
def installed_backend(backend: B) -> Iterator[B]:
    """Make ``usb.core.find()`` without a backend argument (pybricksdev's and robokit's
    calls) use ``backend``, by standing in for pyusb's libusb 1.0 backend (the first one
    ``find`` tries); on the way out, its Pybricks hubs hang up."""
    mod: Any = usb.backend.libusb1
    old = mod.get_backend
    mod.get_backend = lambda *args, **kwargs: backend
    try:
        yield backend
    finally:
        mod.get_backend = old
        for dev in backend.devices:
            if isinstance(dev, PybricksUsbHub):
                dev._hang_up()


def installed_usb(*devices: PybricksUsbHub) -> contextlib.AbstractContextManager[FakeUsbBackend]:
    """Make ``usb.core.find()`` see ``devices`` and nothing else (see
    :func:`installed_backend`).  With no devices: an empty bus."""
    return installed_backend(FakeUsbBackend(list(devices)))
