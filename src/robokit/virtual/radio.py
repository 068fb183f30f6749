"""A virtual Bluetooth LE radio, in process, as bleak backends.

Simulated peripherals (``Peripheral`` subclasses: a MicroPython board over the Nordic UART
service, a Pybricks hub) are added to a ``Radio``; ``installed(radio)`` makes bleak use the
radio for every ``BleakScanner`` and ``BleakClient`` made while it is active. Only bleak's
*backend* interface is implemented here (``BaseBleakScanner``, ``BaseBleakClient``):
everything above it is bleak's own code — ``BleakScanner.discover``,
``find_device_by_name``, ``BleakClient.connect``, ``start_notify``, ``write_gatt_char``,
``read_gatt_char``, ``disconnect`` — with services built from bleak's real
``BleakGATTServiceCollection``/``BleakGATTService``/``BleakGATTCharacteristic``. So code
written against bleak (robokit's ``NusLink``, pybricksdev) runs unchanged against it.

What a real stack does and this radio does too:

- peripherals advertise repeatedly while a scan runs (name, service UUIDs, manufacturer
  data, RSSI); a connected peripheral stops advertising (unless it says otherwise);
- writes longer than ``mtu - 3`` are refused (with response: ATT error "invalid attribute
  value length"; without response: ``BleakError``), as are writes and reads a
  characteristic's properties do not allow;
- notifications are delivered on the client's event loop, after the write that caused
  them has returned (``loop.call_soon_threadsafe``), never inside it;
- a peripheral out of range (``Radio.set_in_range(p, False)``) is not found by scans; a
  connection to it fails as bleak's do (``BleakDeviceNotFoundError`` for an address,
  ``TimeoutError`` for a ``BLEDevice``) after ``Radio.connect_wait`` seconds (a real stack
  waits for the whole connect timeout); an open connection to it drops and the client's
  disconnected callback fires;
- ``BleakClient.disconnect()`` calls the disconnected callback before it returns (BlueZ
  does).

``bleak`` imports the backend selectors by name, so ``installed`` replaces
``get_platform_client_backend_type`` and ``get_platform_scanner_backend_type`` in the
``bleak`` package namespace (patching ``bleak.backends.client`` would do nothing), and
puts the originals back afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import bleak
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from bleak.uuids import normalize_uuid_str

from ..protocols.nus import ATT_HEADER

BACKEND_ID = "robokit-virtual-radio"


def normalize_uuid(uuid: str) -> str:
    """128-bit lowercase, as bleak spells UUIDs ("1800" and "0x1800" become
    ``00001800-0000-1000-8000-00805f9b34fb``)."""
    u = str(uuid).strip().lower()
    if u.startswith("0x"):
        u = u[2:]
    return normalize_uuid_str(u)


class Peripheral:
    """A simulated BLE device. Subclasses set the attributes and override the hooks.

    ``advertised``: the service UUIDs in the advertisement; ``services()``: the GATT
    table, ``{service uuid: {characteristic uuid: properties}}`` with properties such as
    ``("write", "write-without-response", "notify", "read")``. UUIDs may be short (16-bit)
    or 128-bit, any case. Hooks run on the connected client's event loop and must not
    block; ``on_connect`` receives a ``PeripheralLink`` whose ``notify`` and
    ``disconnect`` may be called from any thread.
    """

    name: str = "peripheral"
    address: str = "00:00:00:00:00:00"
    rssi: int = -55
    advertised: list[str] = []  # noqa: RUF012 - subclasses assign their own list
    manufacturer_data: dict[int, bytes] = {}  # noqa: RUF012 - likewise
    mtu: int = 158
    tx_power: int | None = None
    advertise_when_connected: bool = False  # real peripherals usually stop advertising

    def services(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return {}

    def on_connect(self, link: PeripheralLink) -> None:
        pass

    def on_disconnect(self) -> None:
        pass

    def read(self, char_uuid: str) -> bytes:
        return b""

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        pass


class PeripheralLink:
    """One connection between a peripheral and a client, as the peripheral sees it."""

    def __init__(self, radio: Radio, peripheral: Peripheral, client: VirtualClient,
                 loop: asyncio.AbstractEventLoop):
        self.radio = radio
        self.peripheral = peripheral
        self._client = client
        self._loop = loop
        self._closed = threading.Event()

    @property
    def connected(self) -> bool:
        return not self._closed.is_set()

    @property
    def mtu(self) -> int:
        return self.peripheral.mtu

    def notify(self, char_uuid: str, data: bytes) -> bool:
        """Send a notification (any thread). Returns False when the connection is gone (the
        data is dropped, as a stack drops a notification for a closed connection). Raises
        ``ValueError`` if ``data`` is longer than ``mtu - 3``: split it first."""
        if len(data) > self.mtu - ATT_HEADER:
            raise ValueError(f"a notification carries at most mtu-3 = {self.mtu - ATT_HEADER} "
                             f"bytes, not {len(data)}")
        if self._closed.is_set():
            return False
        uuid = normalize_uuid(char_uuid)
        try:
            self._loop.call_soon_threadsafe(self._deliver, uuid, bytes(data))
        except RuntimeError:  # the client's loop is closed
            self._closed.set()
            return False
        return True

    def _deliver(self, uuid: str, data: bytes) -> None:
        if self._closed.is_set():
            return
        callback = self._client._notify.get(uuid)
        if callback is not None:
            callback(bytearray(data))

    def disconnect(self) -> None:
        """Drop the connection from the peripheral's side (any thread); the client's
        disconnected callback fires on its loop."""
        if self._closed.is_set():
            return
        try:
            self._loop.call_soon_threadsafe(self._drop)
        except RuntimeError:
            self._drop()

    def _drop(self) -> None:
        """Close the link (on the client's loop): the peripheral's hook, then the client's
        callback."""
        if self._closed.is_set():
            return
        self._closed.set()
        self.radio._forget(self)
        try:
            self.peripheral.on_disconnect()
        finally:
            self._client._dropped()


class Radio:
    """The air: peripherals, whether they are in range, and the open connections."""

    def __init__(self, *, advertise_interval: float = 0.02, connect_wait: float = 1.0):
        self.advertise_interval = advertise_interval
        self.connect_wait = connect_wait
        self._lock = threading.RLock()
        self._peripherals: dict[str, Peripheral] = {}
        self._out_of_range: set[str] = set()
        self._links: list[PeripheralLink] = []

    @staticmethod
    def _key(address: str) -> str:
        return address.upper()

    def add(self, p: Peripheral) -> None:
        key = self._key(p.address)
        with self._lock:
            other = self._peripherals.get(key)
            if other is not None and other is not p:
                raise ValueError(f"a peripheral with address {p.address} is already on the radio")
            self._peripherals[key] = p

    def remove(self, p: Peripheral) -> None:
        """Take a peripheral off the air (powered off): its connections drop."""
        with self._lock:
            self._peripherals.pop(self._key(p.address), None)
            self._out_of_range.discard(self._key(p.address))
            links = [lk for lk in self._links if lk.peripheral is p]
        for lk in links:
            lk.disconnect()

    def set_in_range(self, p: Peripheral, in_range: bool) -> None:
        key = self._key(p.address)
        with self._lock:
            if in_range:
                self._out_of_range.discard(key)
                return
            self._out_of_range.add(key)
            links = [lk for lk in self._links if lk.peripheral is p]
        for lk in links:
            lk.disconnect()

    @property
    def peripherals(self) -> list[Peripheral]:
        with self._lock:
            return list(self._peripherals.values())

    def links(self, p: Peripheral | None = None) -> list[PeripheralLink]:
        """The open connections (to ``p``, or all)."""
        with self._lock:
            return [lk for lk in self._links if p is None or lk.peripheral is p]

    def reachable(self, address: str) -> Peripheral | None:
        """The peripheral at ``address`` if it is on the air and in range."""
        key = self._key(address)
        with self._lock:
            if key in self._out_of_range:
                return None
            return self._peripherals.get(key)

    def _advertising(self) -> list[Peripheral]:
        with self._lock:
            busy = {id(lk.peripheral) for lk in self._links}
            return [p for k, p in self._peripherals.items()
                    if k not in self._out_of_range
                    and (p.advertise_when_connected or id(p) not in busy)]

    def _open(self, p: Peripheral, client: VirtualClient,
              loop: asyncio.AbstractEventLoop) -> PeripheralLink | None:
        with self._lock:
            if self.reachable(p.address) is not p:
                return None
            if not p.advertise_when_connected and any(lk.peripheral is p for lk in self._links):
                return None  # connected elsewhere: not connectable
            link = PeripheralLink(self, p, client, loop)
            self._links.append(link)
            return link

    def _forget(self, link: PeripheralLink) -> None:
        with self._lock:
            if link in self._links:
                self._links.remove(link)


# --------------------------------------------------------------------------------------------
# the bleak backends


def _advertisement(p: Peripheral) -> AdvertisementData:
    return AdvertisementData(
        local_name=p.name,
        manufacturer_data=dict(getattr(p, "manufacturer_data", {}) or {}),
        service_data={},
        service_uuids=[normalize_uuid(u) for u in getattr(p, "advertised", [])],
        tx_power=getattr(p, "tx_power", None),
        rssi=p.rssi,
        platform_data=(p,),
    )


class VirtualScanner(BaseBleakScanner):
    """``BaseBleakScanner`` on a ``Radio`` (set as the class attribute ``radio``)."""

    radio: Radio

    def __init__(self, detection_callback: Any, service_uuids: list[str] | None,
                 scanning_mode: str = "active", **kwargs: Any):
        super().__init__(detection_callback,
                         [normalize_uuid(u) for u in service_uuids] if service_uuids else None)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._advertise())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _advertise(self) -> None:
        # Callbacks are registered after start() (bleak's own helpers do that): so the
        # first round goes out after a yield, and then one every advertise_interval.
        while True:
            await asyncio.sleep(0)
            for p in self.radio._advertising():
                adv = _advertisement(p)
                if not self.is_allowed_uuid(adv.service_uuids):
                    continue
                device = self.create_or_update_device(p.address, p.address, p.name, p, adv)
                self.call_detection_callbacks(device, adv)
            await asyncio.sleep(self.radio.advertise_interval)


class VirtualClient(BaseBleakClient):
    """``BaseBleakClient`` on a ``Radio`` (set as the class attribute ``radio``)."""

    radio: Radio

    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Callable[[], None] | None = None,
                 timeout: float = 10.0, **kwargs: Any):
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback,
                         timeout=timeout)
        self._device = (address_or_ble_device if isinstance(address_or_ble_device, BLEDevice)
                        else None)
        self._link: PeripheralLink | None = None
        self._peripheral: Peripheral | None = None
        self._notify: dict[str, NotifyCallback] = {}

    # -- connection -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        if self._peripheral is not None:
            return self._peripheral.name
        if self._device is not None and self._device.name:
            return self._device.name
        return self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return self._peripheral.mtu if self._peripheral is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._link is not None and self._link.connected

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        if self.is_connected:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(self._timeout, self.radio.connect_wait)
        while True:
            p = self.radio.reachable(self.address)
            link = self.radio._open(p, self, loop) if p is not None else None
            if link is not None:
                break
            if loop.time() >= deadline:
                if self._device is None:
                    raise BleakDeviceNotFoundError(
                        self.address, f"Device with address {self.address} was not found.")
                raise asyncio.TimeoutError  # as bleak's backends (builtin on 3.11+)
            await asyncio.sleep(0.01)
        self._peripheral = link.peripheral
        self._notify = {}
        self.services = self._build_services(link.peripheral)
        self._link = link
        link.peripheral.on_connect(link)
        await asyncio.sleep(0)

    def _build_services(self, p: Peripheral) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        handle = 0x10

        def max_write() -> int:
            return p.mtu - ATT_HEADER

        for s_uuid, chars in p.services().items():
            service = BleakGATTService(None, handle, normalize_uuid(s_uuid))
            collection.add_service(service)
            handle += 1
            for c_uuid, props in chars.items():
                char = BleakGATTCharacteristic(None, handle + 1, normalize_uuid(c_uuid),
                                               list(props), max_write,  # type: ignore[arg-type]
                                               service)
                collection.add_characteristic(char)
                handle += 3  # declaration, value, client configuration
            handle = (handle + 0xF) & ~0xF
        return collection

    async def disconnect(self) -> None:
        link = self._link
        if link is not None and link.connected:
            link._drop()  # on this loop: hooks and the callback run before returning
        await asyncio.sleep(0)

    def _dropped(self) -> None:
        self._notify = {}
        callback = self._disconnected_callback
        if callback is not None:
            callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def unpair(self) -> None:
        pass

    # -- I/O --------------------------------------------------------------------------------

    def _live(self) -> PeripheralLink:
        link = self._link
        if link is None or not link.connected:
            raise BleakError("Not connected")
        return link

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, *,
                             use_cached: bool = False, **kwargs: Any) -> bytearray:
        link = self._live()
        if "read" not in characteristic.properties:
            raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.READ_NOT_PERMITTED)
        await asyncio.sleep(0)
        return bytearray(link.peripheral.read(characteristic.uuid))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any,
                              response: bool) -> None:
        link = self._live()
        payload = bytes(data)
        limit = link.mtu - ATT_HEADER
        props = characteristic.properties
        if response:
            if "write" not in props:
                raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)
            if len(payload) > limit:
                raise BleakGATTProtocolError(
                    BleakGATTProtocolErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH)
        else:
            if "write-without-response" not in props:
                raise BleakError(f"characteristic {characteristic.uuid} does not support "
                                 "write without response")
            if len(payload) > limit:
                raise BleakError(f"{len(payload)} bytes exceed the maximum write without "
                                 f"response size ({limit})")
        link.peripheral.write(characteristic.uuid, payload, response)
        await asyncio.sleep(0)

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, *,
                                   use_cached: bool = False, **kwargs: Any) -> bytearray:
        raise BleakError("the virtual radio has no descriptors")

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakError("the virtual radio has no descriptors")

    async def start_notify(self, characteristic: BleakGATTCharacteristic,
                           callback: NotifyCallback, **kwargs: Any) -> None:
        self._live()
        props = characteristic.properties
        if "notify" not in props and "indicate" not in props:
            raise BleakError(f"characteristic {characteristic.uuid} does not support "
                             "notifications")
        self._notify[characteristic.uuid] = callback
        await asyncio.sleep(0)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._notify.pop(characteristic.uuid, None)
        await asyncio.sleep(0)


# --------------------------------------------------------------------------------------------
# installing


def backends(radio: Radio) -> tuple[type[VirtualClient], type[VirtualScanner]]:
    """Backend classes bound to ``radio`` (for ``BleakClient(..., backend=)`` too)."""
    client = type("VirtualClient", (VirtualClient,), {"radio": radio})
    scanner = type("VirtualScanner", (VirtualScanner,), {"radio": radio})
    return client, scanner


@contextlib.contextmanager
def installed(radio: Radio) -> Iterator[Radio]:
    """Make every ``BleakScanner``/``BleakClient`` created inside use ``radio``."""
    client, scanner = backends(radio)
    old_client = bleak.get_platform_client_backend_type
    old_scanner = bleak.get_platform_scanner_backend_type
    b: Any = bleak
    b.get_platform_client_backend_type = lambda: (client, BACKEND_ID)
    b.get_platform_scanner_backend_type = lambda: (scanner, BACKEND_ID)
    try:
        yield radio
    finally:
        b.get_platform_client_backend_type = old_client
        b.get_platform_scanner_backend_type = old_scanner
        for link in radio.links():
            link.disconnect()


__all__ = ["BACKEND_ID", "Peripheral", "PeripheralLink", "Radio", "VirtualClient",
           "VirtualScanner", "backends", "installed", "normalize_uuid"]
