"""What every brick target offers, and what a run on a brick returns.

A ``Target`` is async: ``connect``, ``info``, ``upload(bundle, progress)``, ``start``,
``stop``, ``output`` (an async iterator of lines) and ``run`` (all of it, ending in a
``BrickResult``). ``robokit.targets.connect`` wraps one in a sync facade for scripts.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TargetError

if TYPE_CHECKING:
    from ..compiler.bundle import Bundle


@dataclass(frozen=True)
class BrickInfo:
    """What a brick says about itself before anything is sent to it."""

    family: str  # "micropython" or "pybricks" (the build target family)
    name: str  # port, BLE name, or "sim"
    firmware: str  # e.g. "MicroPython v1.24.1 on 2024-01-01" or "Pybricks 3.5.0"
    abi: str  # mpy ABI the firmware imports: "5", "6", "6.1", "6.2", "6.3"
    max_program_size: int | None  # bytes a program may take; None: no limit known
    machine: str = ""
    battery_mv: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "name": self.name, "firmware": self.firmware,
                "abi": self.abi, "max_program_size": self.max_program_size,
                "machine": self.machine, "battery_mv": self.battery_mv, **self.extra}


@dataclass
class BrickResult:
    """How a run on a brick ended.

    ``status``: "finished", "error" (the program raised: ``traceback`` and ``error``),
    "stopped" (stopped from the computer: Ctrl-C or ``stop()``).
    """

    status: str
    output: str
    traceback: str | None = None
    error: dict[str, Any] | None = None
    seconds: float = 0.0
    target: str = ""
    program: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "error"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "program": self.program, "target": self.target,
                "seconds": round(self.seconds, 3), "output": self.output,
                "error": self.error, "traceback": self.traceback}


ProgressFn = Callable[[int, int], None]


class Target:
    """One brick. Subclasses implement the async methods."""

    family = "micropython"

    async def connect(self) -> None:
        raise NotImplementedError

    async def disconnect(self) -> None:
        raise NotImplementedError

    async def info(self) -> BrickInfo:
        raise NotImplementedError

    async def upload(self, bundle: Bundle, progress: ProgressFn | None = None,
                     project_dir: Path | None = None) -> None:
        """Store ``bundle`` on the brick (all or nothing); do not start it. ``project_dir``:
        where the program's files are, to name them in tracebacks."""
        raise NotImplementedError

    async def start(self) -> None:
        """Start the stored program; read its lines with ``output()``."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop the running program; the brick is left ready for the next command."""
        raise NotImplementedError

    def output(self) -> AsyncIterator[str]:
        """The running program's output, line by line, until it ends."""
        raise NotImplementedError

    async def result(self) -> BrickResult:
        """How the program that ``start()`` started ended (after ``output()`` ran dry)."""
        raise NotImplementedError

    async def robots_made(self) -> int | None:
        """On robokit's simulated board, how many simulated robots it has made so far;
        None on any other brick (it cannot hand back what its robot did)."""
        return None

    async def sim_report(self) -> dict[str, Any] | None:
        """On robokit's simulated board, what its last simulated robot did (robot, world,
        poses, distance, contacts, telemetry; ``targets.micropython.simrun``); None on
        any other brick."""
        return None

    async def run(self, bundle: Bundle, on_output: Callable[[str], None] | None = None,
                  progress: ProgressFn | None = None) -> BrickResult:
        """Upload, start, stream the output, return how it ended."""
        await self.upload(bundle, progress)
        await self.start()
        async for line in self.output():
            if on_output is not None:
                on_output(line)
        return await self.result()


# -- tracebacks from a brick -------------------------------------------------------------

_FRAME = re.compile(r'^\s*File "([^"]*)", line (\d+)(?:, in (.*))?$')
_EXC = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
#: Where robokit's own code lives on a board it installed: the system slots (the loader,
#: the kit HAL robokit_board.py, ...), and /lib for board support put there by hand.
_ROBOKIT_ON_BOARD = ("/robokit/sys/", "/lib/robokit_board")


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def map_traceback(text: str, bundle: Bundle | None,
                  project_dir: Path | None) -> tuple[str, dict[str, Any]]:
    """A brick's traceback, with the loader's and robokit's frames left out and the
    program's files named as on this computer (with their source line when known).

    Returns ``(traceback_text, error)`` where ``error`` has type, message, file, line.
    """
    sources: dict[str, str] = {}
    if bundle is not None:
        for mod in bundle.modules:
            if mod.source is not None and not mod.path.startswith("<"):
                sources[mod.path] = mod.source.decode("utf-8", "replace")
    lines = [ln.rstrip("\r") for ln in text.strip("\r\n").splitlines()]
    out = ["Traceback (most recent call last):"]
    file: str | None = None
    line_no: int | None = None
    exc_type, message = "Exception", ""
    in_message = False  # past the frames: every line now belongs to the exception's message
    for ln in lines:
        if ln.startswith("Traceback"):
            in_message = False
            continue
        m = None if in_message else _FRAME.match(ln)
        if m:
            name, no, func = m.group(1), int(m.group(2)), m.group(3) or "<module>"
            if name.startswith("<") or name.startswith(_ROBOKIT_ON_BOARD):
                continue  # <stdin> (the loader), <robokit>/... and the board's robokit
            shown = _display(project_dir / name) if project_dir is not None else name
            out.append(f'  File "{shown}", line {no}, in {func}')
            src = sources.get(name)
            if src is None and project_dir is not None:
                try:
                    src = (project_dir / name).read_text(encoding="utf-8")
                except OSError:
                    src = None
            if src is not None:
                text_lines = src.splitlines()
                if 0 < no <= len(text_lines) and text_lines[no - 1].strip():
                    out.append(f"    {text_lines[no - 1].strip()}")
            file, line_no = shown, no
            continue
        if not ln.strip():
            continue
        e = None if in_message else _EXC.match(ln)
        if e:  # "Type: message"; lines after it continue the message ("a: b" ones too)
            exc_type, message = e.group(1), (e.group(2) or "")
            in_message = True
        else:
            message = (message + "\n" + ln) if message else ln
    out.append(f"{exc_type}: {message}" if message else exc_type)
    return "\n".join(out), {"type": exc_type, "message": message, "file": file,
                            "line": line_no}


def check_bundle_fits(bundle: Bundle, info: BrickInfo) -> None:
    """Refuse, before anything is sent, a bundle this brick cannot run."""
    if bundle.target != info.family:  # a "sim" bundle lacks the board's brick-side modules
        raise TargetError(
            f"bundle {bundle.program!r} was built for {bundle.target!r} but {info.name} is "
            f"a {info.family} brick: rebuild it with `robokit compile --target {info.family}`")
    if bundle.abi != info.abi and not _abi_compatible(bundle.abi, info.abi):
        raise TargetError(
            f"bundle {bundle.program!r} holds mpy ABI {bundle.abi} but {info.name} runs "
            f"{info.firmware}, which imports mpy ABI {info.abi}: rebuild it with "
            f"`robokit compile --target {info.family} --abi {info.abi}` (or run the .py "
            "file, which is compiled for the brick it finds)")


def _abi_compatible(bundle_abi: str, brick_abi: str) -> bool:
    """Bytecode-only .mpy (what robokit builds) loads on firmware of the same major mpy
    version; the sub-version only guards native code (MicroPython's persistentcode.c)."""
    return bundle_abi.partition(".")[0] == brick_abi.partition(".")[0]
