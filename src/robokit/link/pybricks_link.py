"""A LEGO hub running Pybricks firmware, through pybricksdev's own connection classes.

::

    link = PybricksLink()
    await link.connect("Pybricks Hub", timeout=10)   # None: the first hub seen
    # or, over a USB cable: await link.connect_usb()
    print(link.info())
    await link.upload(export_pybricks(bundle), progress=lambda done, total: ...)
    await link.start()
    async for line in link.lines():                 # until the program ends
        print(line)
    result = await link.wait(timeout=60)            # ExitStatus
    await link.disconnect()

Found with ``pybricksdev.ble.find_device`` and driven by
``pybricksdev.connections.pybricks.PybricksHubBLE`` (its connect, GATT reads and
writes, status and stdout observables).  The program download follows
pybricksdev's ``download_user_program`` byte for byte (meta size 0, the chunks,
then the size) but is done here, to report progress without pybricksdev's tqdm
bar, and after two checks made *before anything is sent*: the blob fits the
hub's max program size and the hub accepts multi-file mpy v6 programs.

Over USB (:meth:`PybricksLink.connect_usb`): the hub is found with pyusb's
``usb.core.find`` (LEGO's vendor id 0x0694, the product ids of the hubs Pybricks
runs on over USB, a product string ending in "Pybricks", as pybricksdev's CLI
matches) and driven by pybricksdev's ``PybricksHubUSB``; everything after
connecting is the same as over Bluetooth.

Nothing here prints.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

from ..errors import PybricksLinkError, UploadRefusedError
from ..protocols.pybricks import (
    COMMAND_EVENT,
    FLAG_MULTI_FILE_MPY6,
    LEGO_USB_VID,
    PYBRICKS_USB_PIDS,
    STATUS_USER_PROGRAM_RUNNING,
    meta_command,
    write_ram_command,
)

__all__ = ["ExitStatus", "HubInfo", "PybricksLink", "PybricksLinkError", "UploadRefusedError",
           "UsbHub", "usb_hubs"]

_TRACEBACK = "Traceback (most recent call last):"
UDEV_HINT = ("on Linux, reading a USB device needs a udev rule, e.g. "
             "SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"0694\", MODE=\"0666\" in "
             "/etc/udev/rules.d/99-lego.rules, then unplug and plug the hub in again")
USB_HINT = ("is it plugged in, switched on and running Pybricks firmware? " + UDEV_HINT
            + "; 'robokit devices' lists what robokit can reach")


# -- what robokit reads of pybricksdev's private state: here and nowhere else -------------
# pybricksdev keeps the hub's limits (read from its capabilities characteristic) and its
# BleakClient in private attributes and offers no public accessor. These names are the
# whole of robokit's dependence on them; tests/link/test_protocols.py fails by name when a
# pybricksdev release renames one.
PRIVATE_ATTRIBUTES = ("_max_user_program_size", "_max_write_size", "_capability_flags")
PRIVATE_BLE_CLIENT = "_client"


def _limits(hub: Any) -> dict[str, Any]:
    """The connected hub's program and write size limits and its multi-file support."""
    try:
        program, write, flags = (getattr(hub, name) for name in PRIVATE_ATTRIBUTES)
    except AttributeError as exc:
        raise PybricksLinkError(f"this pybricksdev release keeps the hub's limits elsewhere "
                                f"({exc}); install the pybricksdev version robokit was tested "
                                "with (pip install \"robokit[lego]\")") from exc
    return {"max_program_size": int(program), "max_write_size": int(write),
            "multi_file_mpy6": bool(int(flags) & FLAG_MULTI_FILE_MPY6)}


async def _disconnect_ble_client(hub: Any) -> None:
    """Drop the Bluetooth connection of a hub whose ``connect()`` failed half-way (it
    leaves its BleakClient connected and has no public way to close it)."""
    client = getattr(hub, PRIVATE_BLE_CLIENT, None)
    if client is not None:
        await client.disconnect()


class HubInfo(NamedTuple):
    """What a connected hub says about itself."""

    name: str
    firmware_version: str
    protocol_version: str
    max_program_size: int
    max_write_size: int
    multi_file_mpy6: bool
    mpy_abi: str  # "6": what robokit compiles Pybricks programs for


class ExitStatus(NamedTuple):
    """How a program ended: ``status`` is "finished", "raised" (``traceback`` holds the
    hub's text of it) or "stopped" (stop() was called, or it was interrupted)."""

    status: str
    traceback: str | None
    output: list[str]


class UsbHub(NamedTuple):
    """A LEGO hub on USB as pyusb sees it (:func:`usb_hubs`)."""

    product: str  # its product string ("" if it could not be read)
    product_id: int
    bus: int | None
    address: int | None
    pybricks: bool  # the product string ends in "Pybricks", as Pybricks firmware's does
    problem: str | None  # why it could not be read (e.g. no permission: the udev hint)
    device: Any  # the usb.core.Device


def usb_hubs() -> list[UsbHub]:
    """The LEGO hubs (of the kinds Pybricks runs on) that pyusb finds on USB.  Raises
    :class:`PybricksLinkError` if pyusb has no libusb to look with."""
    import usb.core
    import usb.util

    def kind(dev: Any) -> bool:
        return dev.idProduct in PYBRICKS_USB_PIDS

    try:
        found = list(usb.core.find(find_all=True, idVendor=LEGO_USB_VID, custom_match=kind))
    except usb.core.NoBackendError as exc:
        raise PybricksLinkError(
            "cannot look for hubs on USB: pyusb found no libusb library; install libusb "
            "1.0 (Debian/Ubuntu: apt install libusb-1.0-0, macOS: brew install libusb, "
            "Windows: pip install libusb-package)") from exc
    except usb.core.USBError as exc:
        raise PybricksLink._usb_error(exc, "the USB devices") from exc
    hubs = []
    for dev in found:
        product, problem = "", None
        try:
            product = usb.util.get_string(dev, dev.iProduct) or ""
        except usb.core.USBError as exc:
            problem = str(PybricksLink._usb_error(exc, "the LEGO hub on USB"))
        except ValueError:  # pyusb: "The device has no langid (permission issue, ...)"
            problem = ("no permission to open the LEGO hub on USB (it could not be asked its "
                       f"name); {UDEV_HINT}")
        hubs.append(UsbHub(product, int(dev.idProduct), dev.bus, dev.address,
                           product.endswith("Pybricks"), problem, dev))
    return hubs


class PybricksLink:
    """One connection to a Pybricks hub (see the module docstring).

    ``on_line``: called with every output line (without its line end) as it arrives;
    ``drain``: seconds to keep listening for output after the hub reports the program
    stopped (the firmware may clear the running flag before its last output is sent;
    pybricksdev waits 0.3 s too).
    """

    def __init__(self, *, on_line: Callable[[str], None] | None = None, drain: float = 0.3):
        self.on_line = on_line
        self.drain = drain
        self._hub: Any = None
        self._name = ""
        self._protocol = ""
        self._subs: list[Any] = []
        self._buf = bytearray()
        self._output: list[str] = []
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._running = False
        self._status_seen = asyncio.Event()
        self._changed = asyncio.Event()
        self._stop_requested = False
        self._monitor: asyncio.Future[ExitStatus] | None = None
        self.transport = ""  # "ble" or "usb" once connected
        self.usb_timeout = 10.0  # seconds for one USB request (pybricksdev has none)

    # -- connecting ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        if self._hub is None:
            return False
        from pybricksdev.connections import ConnectionState

        if self.transport == "usb":
            # pybricksdev's USB reader task ends (with a USBError) when the cable is
            # pulled, and nothing else notices.
            reader = getattr(self._hub, "_monitor_task", None)
            if reader is None or reader.done():
                return False
        return bool(self._hub.connection_state_observable.value == ConnectionState.CONNECTED)

    async def connect(self, name: str | None = None, timeout: float = 10.0) -> None:
        """Find the hub called ``name`` (or any Pybricks hub) and connect to it."""
        from bleak.exc import BleakError

        from .._extras import require

        require("pybricksdev", "lego", "a Pybricks hub", PybricksLinkError)
        from pybricksdev.ble import find_device
        from pybricksdev.connections.pybricks import PybricksHubBLE

        what = f"Pybricks hub {name!r}" if name else "a Pybricks hub"
        hint = ("is it switched on with Pybricks firmware, in range, and not connected to "
                "another computer? 'robokit devices' lists the hubs it can see")
        try:
            device = await find_device(name, timeout=timeout)
        except (asyncio.TimeoutError, TimeoutError):
            raise PybricksLinkError(f"{what} was not found within {timeout:g} s; {hint}") \
                from None
        except BleakError as exc:
            raise PybricksLinkError(f"cannot scan for {what}: {exc}; is Bluetooth on?") \
                from exc
        self._name = device.name or name or device.address
        hub = PybricksHubBLE(device)
        try:
            await hub.connect()
        except RuntimeError as exc:  # pybricksdev: unsupported protocol version
            with contextlib.suppress(Exception):
                await _disconnect_ble_client(hub)
            raise PybricksLinkError(f"hub {self._name!r} cannot be used: {exc}; update its "
                                    "Pybricks firmware (pybricksdev flash)") from exc
        except (asyncio.TimeoutError, TimeoutError, BleakError, OSError) as exc:
            with contextlib.suppress(Exception):
                await _disconnect_ble_client(hub)
            detail = str(exc) or type(exc).__name__
            raise PybricksLinkError(f"cannot connect to hub {self._name!r} ({detail}); {hint}") \
                from exc
        try:
            from pybricksdev.ble.pybricks import SW_REV_UUID

            raw = await hub.read_gatt_char(SW_REV_UUID)
            self._protocol = bytes(raw).decode("ascii", "replace")
        except Exception:  # pybricksdev read it already; this copy is informational
            self._protocol = ""
        self.transport = "ble"
        self._attach(hub)

    def _attach(self, hub: Any) -> None:
        self._hub = hub
        self._subs = [hub.status_observable.subscribe(self._on_status),
                      hub.stdout_observable.subscribe(self._on_stdout),
                      hub.connection_state_observable.subscribe(lambda _s: self._changed.set())]

    async def connect_usb(self) -> None:
        """Find a hub running Pybricks on a USB cable (the first one, if several) and
        connect to it with pybricksdev's ``PybricksHubUSB``."""
        import usb.core

        from .._extras import require

        require("pybricksdev", "lego", "a Pybricks hub", PybricksLinkError)
        from pybricksdev.connections.pybricks import PybricksHubUSB

        hubs = usb_hubs()
        usable = [h for h in hubs if h.pybricks and h.problem is None]
        if not usable:
            for h in hubs:
                if h.problem is not None:
                    raise PybricksLinkError(h.problem)
            if hubs:
                raise PybricksLinkError(
                    f"a LEGO hub is on USB ({hubs[0].product or hex(hubs[0].product_id)}) but "
                    "it does not run Pybricks firmware; install it (https://code.pybricks.com "
                    "or pybricksdev flash)")
            raise PybricksLinkError(f"no hub with Pybricks firmware was found on USB; {USB_HINT}")
        device = usable[0].device
        hub = PybricksHubUSB(device)
        try:
            await asyncio.wait_for(hub.connect(), self.usb_timeout)
        except (asyncio.TimeoutError, TimeoutError):
            self._drop_usb(hub)
            raise PybricksLinkError(f"the hub on USB did not answer within "
                                    f"{self.usb_timeout:g} s; unplug it, switch it off and "
                                    "on, and try again") from None
        except usb.core.USBError as exc:
            self._drop_usb(hub)
            raise self._usb_error(exc, "the hub on USB") from exc
        except RuntimeError as exc:
            self._drop_usb(hub)
            raise PybricksLinkError(f"the hub on USB cannot be used: {exc}; update its "
                                    "Pybricks firmware (pybricksdev flash)") from exc
        self._name = str(getattr(hub, "_hub_name", "") or "Pybricks hub on USB")
        self._protocol = str(getattr(hub, "_protocol_version", ""))
        self.transport = "usb"
        self._attach(hub)

    @staticmethod
    def _drop_usb(hub: Any) -> None:
        reader = getattr(hub, "_monitor_task", None)
        if reader is not None:
            reader.cancel()

    @staticmethod
    def _usb_error(exc: BaseException, what: str) -> PybricksLinkError:
        import errno

        code = getattr(exc, "errno", None)
        if code == errno.EACCES:
            return PybricksLinkError(f"no permission to open {what}; {UDEV_HINT}")
        if code == errno.ENODEV:
            return PybricksLinkError(f"{what} went away (unplugged?); plug it in and try again")
        return PybricksLinkError(f"cannot talk to {what} ({exc}); unplug it, plug it in "
                                 "again and retry")

    def _need(self) -> Any:
        if self._hub is None or not self.connected:
            raise PybricksLinkError(f"not connected to hub {self._name!r}" if self._name else
                                    "not connected to a Pybricks hub; call connect() first")
        return self._hub

    def info(self) -> HubInfo:
        """The connected hub's name, versions and limits."""
        hub = self._need()
        return HubInfo(
            name=self._name,
            firmware_version=str(hub.fw_version),
            protocol_version=self._protocol,
            **_limits(hub),
            mpy_abi="6",
        )

    async def disconnect(self) -> None:
        """Disconnect (a running program keeps running on the hub)."""
        hub, self._hub = self._hub, None
        for sub in self._subs:
            sub.dispose()
        self._subs = []
        if hub is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(hub.disconnect(), 5.0)
            if self.transport == "usb":
                self._drop_usb(hub)
        monitor, self._monitor = self._monitor, None
        if monitor is not None and not monitor.done():
            monitor.cancel()
            with contextlib.suppress(BaseException):
                await monitor
        self._queue.put_nowait(None)

    async def __aenter__(self) -> PybricksLink:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    # -- events --------------------------------------------------------------------------

    def _on_status(self, flags: Any) -> None:
        running = bool(int(flags) & STATUS_USER_PROGRAM_RUNNING)
        if running != self._running or not self._status_seen.is_set():
            self._running = running
            self._status_seen.set()
            self._changed.set()

    def _on_stdout(self, data: bytes) -> None:
        self._buf.extend(data)
        while True:
            i = self._buf.find(b"\n")
            if i < 0:
                break
            line = bytes(self._buf[:i]).rstrip(b"\r").decode("utf-8", "replace")
            del self._buf[: i + 1]
            self._output.append(line)
            self._queue.put_nowait(line)
            if self.on_line is not None:
                self.on_line(line)

    # -- programs ------------------------------------------------------------------------

    async def upload(self, blob: bytes, progress: Callable[[int, int], None] | None = None
                     ) -> None:
        """Send a Pybricks multi-file program (``robokit.compiler.pybricks.export_pybricks``)
        to the hub's RAM.  Refuses, before sending anything, a blob larger than the hub's
        max program size or a hub without multi-file mpy v6 support
        (:class:`UploadRefusedError`).  ``progress(done, total)`` after each chunk."""
        hub = self._need()
        info = self.info()
        if not info.multi_file_mpy6:
            raise UploadRefusedError(
                f"hub {info.name!r} (Pybricks firmware {info.firmware_version}) does not take "
                "multi-file mpy v6 programs, the format robokit sends; update its firmware to "
                "Pybricks 3.2 or later (pybricksdev flash)")
        if len(blob) > info.max_program_size:
            raise UploadRefusedError(
                f"the program is {len(blob):,} bytes but hub {info.name!r} takes at most "
                f"{info.max_program_size:,}; make it smaller (fewer or smaller modules, "
                "drop unused imports of robokit) and compile again")
        if info.max_write_size <= 5:
            raise UploadRefusedError(f"hub {info.name!r} reports a write size of "
                                     f"{info.max_write_size} bytes, too small to send a program")
        payload = info.max_write_size - 5
        try:
            await self._io(hub.write_gatt_char(COMMAND_EVENT, meta_command(0),
                                               True))
            for offset in range(0, len(blob), payload):
                chunk = blob[offset : offset + payload]
                await self._io(hub.write_gatt_char(
                    COMMAND_EVENT, write_ram_command(offset, chunk), True))
                if progress is not None:
                    progress(offset + len(chunk), len(blob))
            await self._io(hub.write_gatt_char(
                COMMAND_EVENT, meta_command(len(blob)), True))
        except Exception as exc:
            raise self._lost(exc, "sending the program") from exc

    async def _io(self, request: Any) -> Any:
        """One request to the hub; over USB bounded by ``usb_timeout`` (pybricksdev
        waits for the hub's answer forever)."""
        if self.transport != "usb":
            return await request
        return await asyncio.wait_for(request, self.usb_timeout)

    @property
    def _still_there(self) -> str:
        return ("is it still plugged in and on?" if self.transport == "usb" else
                "is it still on and in range?")

    def _lost(self, exc: BaseException, doing: str) -> PybricksLinkError:
        if not self.connected:
            return PybricksLinkError(f"the connection to hub {self._name!r} was lost while "
                                     f"{doing}; {self._still_there}")
        detail = str(exc) or type(exc).__name__
        return PybricksLinkError(f"hub {self._name!r} refused {doing} ({detail}); is a program "
                                 "still running? stop it and try again")

    async def start(self) -> None:
        """Start the downloaded program."""
        hub = self._need()
        self._output = []
        self._buf.clear()
        self._queue = asyncio.Queue()
        self._stop_requested = False
        if self._monitor is not None and not self._monitor.done():
            self._monitor.cancel()
        self._running = False
        try:
            await self._io(hub.start_user_program())
        except Exception as exc:
            raise self._lost(exc, "starting the program") from exc
        self._monitor = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        """Stop the running program (as the hub's stop button does)."""
        hub = self._need()
        self._stop_requested = True
        try:
            await self._io(hub.stop_user_program())
        except Exception as exc:
            raise self._lost(exc, "stopping the program") from exc

    async def lines(self) -> AsyncIterator[str]:
        """The program's output lines as they arrive, until it ends (call wait() for how)
        or the link is closed."""
        while True:
            line = await self._queue.get()
            if line is None:
                return
            yield line

    async def _next_change(self, timeout: float | None) -> bool:
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            return False
        return True

    async def wait(self, timeout: float | None = None) -> ExitStatus:
        """Wait for the started program to end; its :class:`ExitStatus`.  Raises
        :class:`PybricksLinkError` if the connection drops, ``TimeoutError`` after
        ``timeout`` seconds (the program keeps running: stop() it, then wait again)."""
        if self._monitor is None:
            raise PybricksLinkError("no program was started; call start() first")
        try:
            return await asyncio.wait_for(asyncio.shield(self._monitor), timeout)
        except (asyncio.TimeoutError, TimeoutError):
            raise TimeoutError(f"the program on hub {self._name!r} is still running after "
                               f"{timeout:g} s") from None

    async def _watch(self, start_timeout: float = 1.0) -> ExitStatus:
        """Follow the status reports from start() to the program's end."""
        loop = asyncio.get_running_loop()
        try:
            # The running flag may be set already, or arrive shortly; a program that
            # ended before its status was seen counts as finished.
            start_by = loop.time() + start_timeout
            while not self._running and loop.time() < start_by:
                self._check_link()
                await self._next_change(min(0.1, max(0.0, start_by - loop.time())))
            while self._running:
                self._check_link()
                await self._next_change(0.1)
            if self.drain:
                await asyncio.sleep(self.drain)
            if self._buf:  # a last line without a line end
                self._on_stdout(b"\n")
            return self._classify()
        finally:
            self._queue.put_nowait(None)

    def _check_link(self) -> None:
        if not self.connected:
            raise PybricksLinkError(f"the connection to hub {self._name!r} was lost while "
                                    f"the program ran; {self._still_there}")

    def _classify(self) -> ExitStatus:
        out = list(self._output)
        tb_at = None
        for i, line in enumerate(out):
            if line.startswith(_TRACEBACK):
                tb_at = i
        if tb_at is None:
            return ExitStatus("stopped" if self._stop_requested else "finished", None, out)
        text = "\n".join(out[tb_at:])
        last = out[-1] if out else ""
        if self._stop_requested or last.startswith(("KeyboardInterrupt", "SystemExit")):
            return ExitStatus("stopped", text, out[:tb_at])
        return ExitStatus("raised", text, out[:tb_at])

    @property
    def output(self) -> list[str]:
        """The lines the current (or last) program printed so far."""
        return list(self._output)
