"""A MicroPython kit board over a byte link: USB serial (pyserial) or Bluetooth LE (Nordic UART).

The conversation is the raw REPL (``robokit.link.rawrepl``):

- ``info``: a board script (``firmware_templates/micropython/scripts/info.py``) reports its
  firmware, mpy ABI, free RAM and free flash, and the kit installed;
- ``upload``: ``.upload`` stores the bundle's .mpy modules in the inactive slot and
  activates it, all or nothing (``.install`` puts robokit itself on the board the same
  way);
- ``start``: the loader (``firmware_templates/micropython/loader.py``) is sent and runs the
  active slot; the output streams back as the program prints it;
- ``stop``: Ctrl-C; a board that ignores it is reported, with what to do.

``MicroPythonBoard`` does this synchronously (it is what the CLI and the sync facade
drive); ``MicroPythonTarget`` is the async ``Target`` over it. The board-side code is read
from ``firmware_templates/micropython/`` (``.scripts``).
"""

from __future__ import annotations

import ast
import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...link import LinkError, RemoteError, ReplError
from ...link.rawrepl import CTRL_C, RawRepl
from ..base import BrickInfo, BrickResult, ProgressFn, Target, TargetError, map_traceback
from .scripts import board_script

if TYPE_CHECKING:
    from ...compiler.bundle import Bundle

_LOADER_MARK = "robokit loader:"
FIRST_ANSWER = 1.5  # seconds a board gets to answer Ctrl-A before robokit tries harder
STOP_WAIT = 3.0  # seconds a program gets to end after each Ctrl-C
STOP_TRIES = 3


def abi_from_mpy(value: int) -> str:
    """``sys.implementation._mpy`` → the mpy ABI string ("6.3"): version in the low
    byte, sub-version in bits 8-9 (MicroPython's py/persistentcode.h)."""
    version, sub = value & 0xFF, (value >> 8) & 3
    return f"{version}.{sub}" if sub else str(version)


def _board_script(rel: str, call: str, what: str) -> str:
    """``board_script(rel, call)``; a TargetError naming ``what`` when robokit's copy
    lacks the file."""
    try:
        return board_script(rel, call)
    except FileNotFoundError as exc:
        raise TargetError(f"robokit's {what} is missing; reinstall robokit") from exc


def loader_source() -> str:
    """The brick-side loader's source (robokit_fs inlined) plus the call that runs it."""
    return _board_script("loader.py", "run()",
                         "brick-side loader (firmware_templates/micropython/loader.py)")


def _info_script() -> str:
    return _board_script("scripts/info.py", "info()",
                         "board script firmware_templates/micropython/scripts/info.py")


class MicroPythonBoard:
    """A MicroPython board behind ``link`` (anything with write/read(n, timeout)/close)."""

    def __init__(self, link: Any, name: str, *, timeout: float = 5.0):
        self.link = link
        self.name = name
        self.timeout = timeout
        self.repl = RawRepl(link)
        self.bundle: Bundle | None = None
        self.project_dir: Path | None = None
        self._running = False
        self._stopping = False
        self._out = bytearray()
        self._result: BrickResult | None = None
        self._t0 = 0.0
        self._stop_sent = 0.0
        self._stop_tries = 0
        self._info: BrickInfo | None = None
        #: Set from another thread to stop an upload before its commit (Ctrl-C on a Brick).
        self.cancel = threading.Event()

    # -- connection ------------------------------------------------------------------------

    def enter(self) -> None:
        """Stop whatever runs and enter the raw REPL; a clear TargetError if the device
        does not answer like a MicroPython board."""
        try:
            try:
                self.repl.enter(timeout=min(self.timeout, FIRST_ANSWER))
            except ReplError:
                # An upload receiver left waiting mid-frame by a host that vanished ignores
                # Ctrl-C: end its frame with zero bytes (it then gives up cleanly), retry.
                from ...protocols.upload import FLUSH

                self.link.write(FLUSH)
                self.repl.enter(timeout=self.timeout)
        except ReplError as e:
            more = self._listen() if e.received else b""
            if more:  # it goes on printing unasked: a program that does not stop
                raise TargetError(
                    f"{self.name} keeps printing and does not stop for Ctrl-C (it sent "
                    f"{more[-60:]!r}): the program on it may have turned Ctrl-C off with "
                    "micropython.kbd_intr(-1), or be stuck; press the board's reset button "
                    "(or unplug it) and try again. (Not a MicroPython board? For a LEGO hub "
                    "with Pybricks use --pybricks.)") from e
            if e.received:
                why = (f"{self.name} answered but not like a MicroPython board "
                       f"(got {e.received[-60:]!r})")
            else:
                why = f"{self.name} did not answer"
            raise TargetError(
                f"{why}. Is it a MicroPython board? For a LEGO hub with Pybricks use "
                "--pybricks. If a program on it ignores Ctrl-C, press the board's reset "
                "button (or unplug it) and try again.") from e

    def _listen(self, seconds: float = 0.5) -> bytes:
        """What the board sends within ``seconds`` while robokit sends nothing."""
        got = bytearray()
        deadline = time.monotonic() + seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                got += self.link.read(4096, left)
        except LinkError:
            pass
        return bytes(got)

    def close(self) -> None:
        try:
            if self._running:
                self.stop()
                ended = False
                while not ended:
                    _, ended = self.read_output(0.1)
                self.repl.finish(self.timeout)
        except (LinkError, TargetError):
            pass
        try:
            if self.repl.in_raw_repl:
                self.repl.exit()
        except LinkError:
            pass
        self.link.close()

    # -- bootloader ------------------------------------------------------------------------

    def bootloader(self, check: Callable[[str], None] | None = None) -> None:
        """Restart an RP2040/RP2350 board into its UF2 bootloader (``machine.bootloader()``):
        the serial port goes away and the board's boot drive appears. Refused (TargetError)
        on other boards, whose firmware is not flashed through a boot drive. ``check(chip)``
        is called first with the chip the board names (``"rp2040"``, ``"rp2350"``; in
        ``os.uname()``'s machine, e.g. "Raspberry Pi Pico with RP2040"), when it names one:
        what it raises leaves the board running MicroPython, not restarted."""
        self.enter()
        try:
            out, _ = self.repl.exec("import sys, os\nprint(sys.platform)\n"
                                    "print(os.uname()[4])", self.timeout)
        except RemoteError as e:
            raise TargetError(f"{self.name} could not say what it is: "
                              f"{e.traceback.strip().splitlines()[-1]}") from e
        platform, _, machine = out.decode("utf-8", "replace").strip().partition("\n")
        platform = platform.strip()
        if platform != "rp2":
            raise TargetError(f"{self.name} is a MicroPython board on {platform!r}, not an "
                              "RP2040/RP2350 (rp2): a .uf2 file does not fit it")
        chips = [c for c in ("rp2040", "rp2350") if c in machine.lower()]
        if check is not None and len(chips) == 1:
            check(chips[0])
        # The board resets as soon as it runs the line: the link may drop while the code is
        # still being acknowledged, and its answer, if any, is cut off.
        try:
            self.repl.start("import machine\nmachine.bootloader()\n", self.timeout)
            self.repl.finish(min(self.timeout, 1.0))
        except (LinkError, ReplError):
            pass
        self.repl.forget()

    # -- info ------------------------------------------------------------------------------

    def info(self) -> BrickInfo:
        if self._info is not None:
            return self._info
        try:
            out, _ = self.repl.exec(_info_script(), self.timeout)
            values = ast.literal_eval(out.decode("utf-8", "replace").strip().splitlines()[-1])
            impl, mpy, release, version, machine, mem_free, flash_free, kit = values
            version = str(version).partition("; ")[2] or f"v{release}"
            # An untagged build's sys.version has a git hash, no release: add it (as the
            # simulated board's banner does: robokit.virtual.board.version_label).
            words = version.partition("MicroPython ")[2] or version
            if str(release) not in words:
                version = f"MicroPython v{release} ({words})"
        except RemoteError as e:
            raise TargetError(f"{self.name} could not report its firmware: "
                              f"{e.traceback.strip().splitlines()[-1]}") from e
        except (ValueError, SyntaxError, IndexError, TypeError) as exc:
            raise TargetError(f"{self.name} answered the firmware query with something "
                              "unexpected; is it running MicroPython?") from exc
        if impl != "micropython":
            raise TargetError(f"{self.name} runs {impl}, not MicroPython")
        if not isinstance(mpy, int) or mpy < 0:
            raise TargetError(f"{self.name} runs MicroPython {release}, too old to report "
                              "its mpy ABI (sys.implementation._mpy); update its firmware "
                              "(MicroPython 1.19 or newer)")
        self._info = BrickInfo(
            family="micropython", name=self.name,
            firmware=version if version.startswith("MicroPython") else f"MicroPython {version}",
            abi=abi_from_mpy(mpy), max_program_size=flash_free if flash_free >= 0 else None,
            machine=str(machine), extra={"ram_free": mem_free, "board": kit})
        return self._info

    # -- robokit's simulated board ---------------------------------------------------------

    def robots_made(self) -> int | None:
        """How many simulated robots the board has made; None when it is not robokit's
        simulated board (``.simrun``)."""
        from .simrun import robots_made

        return robots_made(self.repl, self.timeout)

    def sim_report(self) -> dict[str, Any]:
        """The simulated board's report of its last robot's run (``.simrun``)."""
        from .simrun import fetch_report

        return fetch_report(self.repl, self.timeout)

    # -- upload ----------------------------------------------------------------------------

    def upload(self, bundle: Bundle, progress: ProgressFn | None = None,
               project_dir: Path | None = None) -> Any:
        from ..base import check_bundle_fits
        from .upload import upload_bundle

        check_bundle_fits(bundle, self.info())
        size = sum(len(m.mpy) for m in bundle.modules)
        limit = self.info().max_program_size
        if limit is not None and size > limit:
            raise TargetError(f"{bundle.program!r} needs {size:,} bytes but {self.name} has "
                              f"{limit:,} bytes of flash free: delete files from the board "
                              "or make the program smaller")
        result = upload_bundle(self.repl, bundle, progress, timeout=self.timeout,
                               cancel=self.cancel.is_set)
        self.bundle = bundle
        self.project_dir = project_dir
        return result

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        self._out.clear()
        self._result = None
        self._stopping = False
        self._t0 = time.monotonic()
        self.repl.start(loader_source(), self.timeout)
        self._running = True

    def read_output(self, timeout: float = 0.1) -> tuple[list[str], bool]:
        """Complete lines printed since the last call (waiting up to ``timeout`` s for
        some), and True when the program has ended (then call :meth:`result`)."""
        data, ended = self.repl.read_output(timeout)
        if self._stopping and not ended:
            self._check_stopping()
        self._out += data
        lines: list[str] = []
        while True:
            i = self._out.find(b"\n")
            if i < 0:
                break
            lines.append(self._out[:i].decode("utf-8", "replace").rstrip("\r"))
            del self._out[:i + 1]
        if ended and self._out:
            lines.append(self._out.decode("utf-8", "replace").rstrip("\r"))
            self._out.clear()
        return lines, ended

    def result(self, output: str = "") -> BrickResult:
        """Wait for the end of the program started by :meth:`start`; how it ended."""
        if self._result is not None:
            return self._result
        _, err = self.repl.finish(self.timeout)
        self._running = False
        text = err.decode("utf-8", "replace")
        seconds = time.monotonic() - self._t0
        program = self.bundle.program if self.bundle is not None else ""
        res = BrickResult(status="finished", output=output, seconds=seconds,
                          target=self.name, program=program)
        if _LOADER_MARK in text:
            line = next(ln for ln in text.splitlines() if _LOADER_MARK in ln)
            why = line.split(_LOADER_MARK, 1)[1].strip().rstrip(".")
            raise TargetError(f"{why} ({self.name})")
        if text.strip():
            if self._stopping and text.strip().splitlines()[-1].startswith("KeyboardInterrupt"):
                res.status = "stopped"
            else:
                res.status = "error"
                res.traceback, res.error = map_traceback(text, self.bundle, self.project_dir)
        self._result = res
        return res

    def stop(self) -> None:
        """Stop the program: Ctrl-C. While a program started here runs, this only sends
        the Ctrl-C (safe from another thread): the reader sees the end, resends Ctrl-C a
        few times if needed, and reports a program that ignores it. Otherwise it stops
        whatever runs on the board and waits until the board is ready."""
        if not self._running:
            self.enter()
            return
        self._stopping = True
        self._stop_sent = time.monotonic()
        self._stop_tries = 1
        self.link.write(CTRL_C)

    def _check_stopping(self) -> None:
        if time.monotonic() - self._stop_sent < STOP_WAIT:
            return
        if self._stop_tries >= STOP_TRIES:
            self._running = False
            self.repl.forget()
            raise TargetError(
                f"the program on {self.name} ignores Ctrl-C (it may have turned it off with "
                "micropython.kbd_intr(-1), or be stuck): press the board's reset button or "
                "unplug it")
        self._stop_tries += 1
        self._stop_sent = time.monotonic()
        self.link.write(CTRL_C)

    def run(self, bundle: Bundle, on_output: Callable[[str], None] | None = None,
            progress: ProgressFn | None = None, project_dir: Path | None = None) -> BrickResult:
        self.upload(bundle, progress, project_dir)
        self.start()
        collected: list[str] = []
        ended = False
        while not ended:
            lines, ended = self.read_output(0.1)
            for line in lines:
                collected.append(line)
                if on_output is not None:
                    on_output(line)
        return self.result("".join(line + "\n" for line in collected))


class MicroPythonTarget(Target):
    """The async ``Target`` over a :class:`MicroPythonBoard`; the blocking link work runs
    in a worker thread."""

    family = "micropython"

    def __init__(self, open_link: Callable[[], Any], name: str, *, timeout: float = 5.0):
        self._open_link = open_link
        self.name = name
        self.timeout = timeout
        self.board: MicroPythonBoard | None = None
        self._lines: list[str] = []
        self._upload: asyncio.Future[Any] | None = None  # the upload's worker thread

    def _b(self) -> MicroPythonBoard:
        if self.board is None:
            raise TargetError(f"not connected to {self.name}: call connect() first")
        return self.board

    async def connect(self) -> None:
        def go() -> MicroPythonBoard:
            board = MicroPythonBoard(self._open_link(), self.name, timeout=self.timeout)
            try:
                board.enter()
            except BaseException:
                board.link.close()
                raise
            return board

        self.board = await asyncio.to_thread(go)

    async def disconnect(self) -> None:
        if self.board is not None:
            await self._upload_ended()
            await asyncio.to_thread(self.board.close)
            self.board = None

    async def _upload_ended(self) -> None:
        """An upload whose caller was interrupted goes on in its thread: stop it before
        its commit and wait until it has left the board as it was (its receiver ended),
        so that nothing else writes to the link meanwhile."""
        pending = self._upload
        if pending is None or pending.done() or self.board is None:
            return
        self.board.cancel.set()
        try:
            # at most one wait for the board, then the receiver's end (within close's 15 s)
            await asyncio.wait_for(asyncio.shield(pending), self.timeout + 3.0)
        except BaseException:  # noqa: BLE001 - its outcome was the interrupted caller's
            pass

    async def info(self) -> BrickInfo:
        return await asyncio.to_thread(self._b().info)

    async def upload(self, bundle: Bundle, progress: ProgressFn | None = None,
                     project_dir: Path | None = None) -> None:
        board = self._b()
        board.cancel.clear()
        work = asyncio.ensure_future(asyncio.to_thread(board.upload, bundle, progress,
                                                       project_dir))
        self._upload = work
        # Its outcome is looked at here, or (when its caller was interrupted) not at all.
        work.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:  # the caller gave up (Ctrl-C): stop before the commit
            board.cancel.set()
            raise

    async def robots_made(self) -> int | None:
        return await asyncio.to_thread(self._b().robots_made)

    async def sim_report(self) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._b().sim_report)

    async def start(self) -> None:
        self._lines = []
        await asyncio.to_thread(self._b().start)

    async def stop(self) -> None:
        await asyncio.to_thread(self._b().stop)

    async def output(self) -> AsyncIterator[str]:
        board = self._b()
        ended = False
        while not ended:
            lines, ended = await asyncio.to_thread(board.read_output, 0.1)
            for line in lines:
                self._lines.append(line)
                yield line

    async def result(self) -> BrickResult:
        text = "".join(line + "\n" for line in self._lines)
        return await asyncio.to_thread(self._b().result, text)


def enter_bootloader(port: str, timeout: float = 5.0,
                     check: Callable[[str], None] | None = None) -> None:
    """Open ``port`` (a MicroPython RP2040/RP2350 board), restart it into its UF2
    bootloader and close the port. Raises TargetError (or a LinkError subclass) with one
    clear line when that cannot be done. ``check(chip)``: see
    :meth:`MicroPythonBoard.bootloader` (a firmware file for another chip is refused
    before the board is restarted)."""
    from ..links import open_link

    board = MicroPythonBoard(open_link(port, timeout), port, timeout=timeout)
    try:
        board.bootloader(check)
    finally:
        try:
            board.link.close()
        except (LinkError, OSError):
            pass

