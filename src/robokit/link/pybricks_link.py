"""A LEGO hub running Pybricks firmware, through pybricksdev's own connection classes.

::

    link = PybricksLink()
    await link.connect("Pybricks Hub", timeout=10)   # None: the first hub seen
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

Nothing here prints.  USB (pybricksdev's ``PybricksHubUSB``) is not wired in
yet: it needs pyusb and a hub on a cable.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

from . import LinkError

__all__ = ["ExitStatus", "HubInfo", "PybricksLink", "PybricksLinkError", "UploadRefusedError"]

_COMMAND_EVENT = "c5f50002-8280-46da-89f4-6d8051e4aeef"
_META, _WRITE_RAM = 3, 4
_RUNNING = 1 << 6
_MPY6 = 1 << 1
_TRACEBACK = "Traceback (most recent call last):"


class PybricksLinkError(LinkError):
    """The hub cannot be found, connected to or talked to; the message names the hub
    and what to try."""


class UploadRefusedError(PybricksLinkError):
    """The program was not sent: too large for the hub, or a format it does not take."""


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

    # -- connecting ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        if self._hub is None:
            return False
        from pybricksdev.connections import ConnectionState

        return bool(self._hub.connection_state_observable.value == ConnectionState.CONNECTED)

    async def connect(self, name: str | None = None, timeout: float = 10.0) -> None:
        """Find the hub called ``name`` (or any Pybricks hub) and connect to it."""
        from bleak.exc import BleakError
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
                from None
        self._name = device.name or name or device.address
        hub = PybricksHubBLE(device)
        try:
            await hub.connect()
        except RuntimeError as exc:  # pybricksdev: unsupported protocol version
            with contextlib.suppress(Exception):
                await hub._client.disconnect()
            raise PybricksLinkError(f"hub {self._name!r} cannot be used: {exc}; update its "
                                    "Pybricks firmware (pybricksdev flash)") from None
        except (asyncio.TimeoutError, TimeoutError, BleakError, OSError) as exc:
            with contextlib.suppress(Exception):
                await hub._client.disconnect()
            detail = str(exc) or type(exc).__name__
            raise PybricksLinkError(f"cannot connect to hub {self._name!r} ({detail}); {hint}") \
                from None
        try:
            from pybricksdev.ble.pybricks import SW_REV_UUID

            raw = await hub.read_gatt_char(SW_REV_UUID)
            self._protocol = bytes(raw).decode("ascii", "replace")
        except Exception:  # pybricksdev read it already; this copy is informational
            self._protocol = ""
        self._hub = hub
        self._subs = [hub.status_observable.subscribe(self._on_status),
                      hub.stdout_observable.subscribe(self._on_stdout),
                      hub.connection_state_observable.subscribe(lambda _s: self._changed.set())]

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
            max_program_size=int(hub._max_user_program_size),
            max_write_size=int(hub._max_write_size),
            multi_file_mpy6=bool(int(hub._capability_flags) & _MPY6),
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
                await hub.disconnect()
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
        running = bool(int(flags) & _RUNNING)
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
        """Send a Pybricks multi-file program (``robokit.build.pybricks.export_pybricks``)
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
            await hub.write_gatt_char(_COMMAND_EVENT, struct.pack("<BI", _META, 0), True)
            for offset in range(0, len(blob), payload):
                chunk = blob[offset : offset + payload]
                await hub.write_gatt_char(
                    _COMMAND_EVENT, struct.pack("<BI", _WRITE_RAM, offset) + chunk, True)
                if progress is not None:
                    progress(offset + len(chunk), len(blob))
            await hub.write_gatt_char(_COMMAND_EVENT, struct.pack("<BI", _META, len(blob)),
                                      True)
        except Exception as exc:
            raise self._lost(exc, "sending the program") from None

    def _lost(self, exc: BaseException, doing: str) -> PybricksLinkError:
        if not self.connected:
            return PybricksLinkError(f"the connection to hub {self._name!r} was lost while "
                                     f"{doing}; is it still on and in range?")
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
            await hub.start_user_program()
        except Exception as exc:
            raise self._lost(exc, "starting the program") from None
        self._monitor = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        """Stop the running program (as the hub's stop button does)."""
        hub = self._need()
        self._stop_requested = True
        try:
            await hub.stop_user_program()
        except Exception as exc:
            raise self._lost(exc, "stopping the program") from None

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
                                    "the program ran; is it still on and in range?")

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
