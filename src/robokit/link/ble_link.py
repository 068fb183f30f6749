"""Bluetooth LE links (bleak): ``scan()`` for bricks around, and ``NusLink``, a byte link
over the Nordic UART service (NUS).

``NusLink`` has the interface of ``SerialLink`` (``write(data)``, ``read(n, timeout)``,
``close()``, a context manager), so ``RawRepl(NusLink("robokit-board"))`` speaks the raw
REPL to a MicroPython board running ``firmware_templates/micropython/nus_bridge.py``.
bleak is async; the link owns an asyncio loop in a background thread, and its sync
methods hand work to it. Host to board goes to the RX characteristic (6e400002, write),
board to host comes as notifications of TX (6e400003); writes are split to the
negotiated MTU (``mtu_size - 3`` bytes each).

bleak is imported only when used. Its errors become ``LinkError`` with one clear message:
device not found (naming what was searched for), out of range or disconnected, no
Bluetooth adapter.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from ..protocols.nus import NUS_RX, NUS_SERVICE, NUS_TX, payload_size
from ..protocols.pybricks import PYBRICKS_SERVICE
from . import LinkError
from .loop_thread import LoopThread

_ADDRESS = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$|^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$",
                      re.IGNORECASE)
_NO_ADAPTER = ("Bluetooth is not available{why}. Check that the computer has a "
               "Bluetooth adapter, that it is switched on (`bluetoothctl power on`; on "
               "Linux the bluetooth service must be running), and try again")

T = TypeVar("T")


@dataclass(frozen=True)
class BleDevice:
    """A device seen by a scan. ``kind``: "pybricks" (advertises the Pybricks service),
    "nus" (advertises the Nordic UART service), or "" (something else)."""

    name: str
    address: str
    rssi: int
    kind: str


def is_address(text: str) -> bool:
    """A Bluetooth address (``AA:BB:CC:DD:EE:FF``) or a macOS device UUID."""
    return bool(_ADDRESS.match(text.strip()))


def _bleak() -> Any:
    try:
        import bleak
    except ImportError as exc:
        raise LinkError("Bluetooth LE needs the bleak package: pip install bleak") from exc
    return bleak


def _adapter_problem(e: BaseException) -> str | None:
    """The reason when ``e`` says there is no usable adapter (bleak / BlueZ / D-Bus)."""
    from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError

    if isinstance(e, BleakBluetoothNotAvailableError):
        return str(e.args[0]) if e.args else type(e).__name__
    if isinstance(e, BleakDBusError) and any(
            k in e.dbus_error for k in ("NotReady", "NotAvailable", "ServiceUnknown",
                                        "NotPermitted", "AccessDenied")):
        return e.dbus_error
    text = str(e)
    if re.search(r"adapter '.*' not found|Bluetooth adapters|org\.bluez was not provided",
                 text):
        return text
    if isinstance(e, (FileNotFoundError, ConnectionRefusedError)):  # no D-Bus socket
        return f"cannot reach the system bus ({e})"
    return None


def _link_error(e: BaseException, what: str) -> LinkError:
    """A bleak (or OS) error while doing ``what``, as one clear ``LinkError`` (a LinkError
    as it is: raise that one again rather than chain it to itself)."""
    if isinstance(e, LinkError):
        return e
    reason = _adapter_problem(e)
    if reason is not None:
        return LinkError(_NO_ADAPTER.format(why=f" ({reason})") + ".")
    if isinstance(e, (TimeoutError, asyncio.TimeoutError)):
        return LinkError(f"{what}: no answer in time. Is the device switched on, in range, "
                         "and not connected to another computer?")
    return LinkError(f"{what}: {type(e).__name__}: {e}".rstrip(": "))


def _kind(service_uuids: list[str]) -> str:
    uuids = {u.lower() for u in service_uuids}
    if PYBRICKS_SERVICE in uuids:
        return "pybricks"
    if NUS_SERVICE in uuids:
        return "nus"
    return ""


async def scan_async(timeout: float = 3.0) -> list[BleDevice]:
    """Scan for ``timeout`` s; the devices heard, strongest signal first."""
    bleak = _bleak()
    try:
        found = await bleak.BleakScanner.discover(timeout, return_adv=True)
    except Exception as e:  # noqa: BLE001 - every bleak/OS failure becomes a LinkError
        raise _link_error(e, "Bluetooth scan failed") from e
    devices = [BleDevice(name=adv.local_name or dev.name or "", address=dev.address,
                         rssi=int(adv.rssi), kind=_kind(list(adv.service_uuids)))
               for dev, adv in found.values()]
    devices.sort(key=lambda d: (-d.rssi, d.name, d.address))
    return devices


def _run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end from sync code (in a helper thread if this thread
    already runs an event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())
        except BaseException as e:  # noqa: B036 - handed back to the caller
            box["error"] = e

    t = threading.Thread(target=target, name="robokit-ble-scan", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def scan(timeout: float = 3.0) -> list[BleDevice]:
    """Scan for ``timeout`` s; the devices heard, strongest signal first."""
    return _run_sync(lambda: scan_async(timeout))


class NusLink:
    """``write(bytes)``, ``read(n, timeout) -> bytes``, ``close()`` over the Nordic UART
    service of the device with that name (or address)."""

    def __init__(self, name_or_address: str, timeout: float = 10.0, *, response: bool = True):
        self.target = name_or_address
        self.timeout = timeout
        self.response = response  # write with response (acknowledged by the board)
        self.name = name_or_address
        self.address = ""
        self.mtu = 23
        self._cond = threading.Condition()
        self._rx = bytearray()
        self._lost: str | None = None
        self._closed = False
        self._client: Any = None
        self._loop = LoopThread("robokit-ble-link")
        try:
            # find (timeout) + connect (timeout) + services, with room to spare
            self._call(self._connect(), timeout=2 * timeout + 10.0)
        except BaseException:
            self._shutdown()
            raise

    # -- the loop thread --------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        fut = self._loop.submit(coro)
        try:
            return fut.result(timeout)
        except concurrent.futures.TimeoutError:
            fut.cancel()
            if fut.cancelled() or not fut.done():
                raise LinkError(f"the Bluetooth link to {self.name} did not answer within "
                                f"{timeout:g} s. Is the board still switched on and in "
                                "range?") from None
            raise

    async def _connect(self) -> None:
        bleak = _bleak()
        target = self.target
        what = f"cannot connect to {target!r} over Bluetooth"
        try:
            if is_address(target):
                device = await bleak.BleakScanner.find_device_by_address(
                    target, timeout=self.timeout)
            else:
                device = await bleak.BleakScanner.find_device_by_name(
                    target, timeout=self.timeout)
        except Exception as e:  # noqa: BLE001
            raise _link_error(e, what) from e
        if device is None:
            kind = "with address" if is_address(target) else "named"
            raise LinkError(
                f"no Bluetooth LE device {kind} {target!r} found within {self.timeout:g} s. "
                "Is the board switched on, running the Nordic UART bridge, in range, and not "
                "connected to another computer? `robokit devices` lists what is around.")
        self.address = device.address
        self.name = device.name or target
        client = bleak.BleakClient(device, disconnected_callback=self._on_disconnect,
                                   timeout=self.timeout)
        try:
            await client.connect()
        except Exception as e:  # noqa: BLE001
            raise _link_error(e, what) from e
        self._client = client
        try:
            if client.services.get_characteristic(NUS_RX) is None or \
                    client.services.get_characteristic(NUS_TX) is None:
                raise LinkError(
                    f"{self.name} ({self.address}) does not offer the Nordic UART service: "
                    "is it a MicroPython board running robokit's nus_bridge? (A LEGO hub "
                    "with Pybricks firmware is a `pybricks` target.)")
            self.mtu = int(client.mtu_size)
            await client.start_notify(NUS_TX, self._on_data)
        except BaseException as e:
            await self._disconnect()
            if isinstance(e, LinkError):
                raise
            raise _link_error(e, what) from e

    def _on_data(self, sender: Any, data: bytearray) -> None:
        with self._cond:
            self._rx += data
            self._cond.notify_all()

    def _on_disconnect(self, client: Any) -> None:
        with self._cond:
            if self._lost is None and not self._closed:
                self._lost = "the connection dropped"
            self._cond.notify_all()

    async def _write(self, data: bytes) -> None:
        client = self._client
        size = payload_size(self.mtu)
        for i in range(0, len(data), size):
            await client.write_gatt_char(NUS_RX, data[i:i + size], response=self.response)

    async def _disconnect(self) -> None:
        client = self._client
        if client is not None and client.is_connected:
            try:
                await client.disconnect()
            except Exception:  # noqa: BLE001 - going away anyway
                pass

    # -- the byte link ----------------------------------------------------------------------

    def _lost_error(self) -> LinkError:
        return LinkError(
            f"lost the Bluetooth connection to {self.name} ({self.address}): {self._lost}. "
            "Is the board still switched on and in range? Move it closer and retry.")

    def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkError(f"the Bluetooth link to {self.name} is closed")
        if self._lost is not None:
            raise self._lost_error()
        if not data:
            return
        try:
            self._call(self._write(bytes(data)), timeout=max(self.timeout, 5.0))
        except Exception as e:  # noqa: BLE001
            if self._lost is not None:
                raise self._lost_error() from e
            if isinstance(e, LinkError):
                raise
            raise _link_error(e, f"cannot send to {self.name} over Bluetooth") from e

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes: whatever is waiting, else wait up to ``timeout`` s for some."""
        with self._cond:
            if not self._rx and timeout > 0 and self._lost is None and not self._closed:
                self._cond.wait_for(lambda: bool(self._rx) or self._lost is not None
                                    or self._closed, timeout)
            if self._rx:
                data = bytes(self._rx[:n])
                del self._rx[:n]
                return data
            if self._lost is not None:
                raise self._lost_error()
            return b""

    @property
    def connected(self) -> bool:
        return self._lost is None and not self._closed

    def close(self) -> None:
        if self._closed:
            return
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._shutdown()

    def _shutdown(self) -> None:
        if self._loop.running():
            try:
                self._call(self._disconnect(), timeout=5.0)
            except Exception:  # noqa: BLE001
                pass
        self._loop.stop()

    def __enter__(self) -> NusLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["NUS_RX", "NUS_SERVICE", "NUS_TX", "PYBRICKS_SERVICE", "BleDevice", "NusLink",
           "is_address", "scan", "scan_async"]
