"""A LEGO hub with Pybricks firmware as a ``Target``, over ``robokit.link.pybricks_link``
(pybricksdev's own connection classes: on bleak, or on pyusb for ``pybricks:usb``).

The bundle goes to the hub in Pybricks' multi-file format (``robokit.compiler.pybricks``);
the hub's capabilities (max program size, multi-file mpy v6) are checked before anything
is sent. The program's output streams as stdout events; a traceback it ends with is
mapped to the user's files like a MicroPython board's.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from .base import BrickInfo, BrickResult, ProgressFn, Target, TargetError, map_traceback

if TYPE_CHECKING:
    from ..compiler.bundle import Bundle
    from ..link.pybricks_link import PybricksLink

_TRACEBACK = "Traceback (most recent call last):"


class PybricksTarget(Target):
    family = "pybricks"

    def __init__(self, name: str | None, *, timeout: float = 10.0):
        self.name = name
        self.timeout = timeout
        self.link: PybricksLink | None = None
        self.bundle: Bundle | None = None
        self.project_dir: Path | None = None
        self._lines: list[str] = []
        self._t0 = 0.0

    def _l(self) -> PybricksLink:
        if self.link is None:
            raise TargetError("not connected to the hub: call connect() first")
        return self.link

    @property
    def where(self) -> str:
        return f"pybricks:{self.name or ''}"

    async def connect(self) -> None:
        from ..link.pybricks_link import PybricksLink

        link = PybricksLink()
        if self.name == "usb":
            link.usb_timeout = self.timeout
            await link.connect_usb()
        else:
            await link.connect(self.name, timeout=self.timeout)
        self.link = link

    async def disconnect(self) -> None:
        if self.link is not None:
            await self.link.disconnect()
            self.link = None

    async def info(self) -> BrickInfo:
        hi = self._l().info()
        return BrickInfo(family="pybricks", name=hi.name,
                         firmware=f"Pybricks {hi.firmware_version}", abi=hi.mpy_abi,
                         max_program_size=hi.max_program_size, machine="LEGO hub",
                         extra={"protocol": hi.protocol_version,
                                "max_write_size": hi.max_write_size,
                                "multi_file_mpy6": hi.multi_file_mpy6})

    async def upload(self, bundle: Bundle, progress: ProgressFn | None = None,
                     project_dir: Path | None = None) -> None:
        from ..compiler.pybricks import export_pybricks

        if bundle.target != "pybricks":
            raise TargetError(f"bundle {bundle.program!r} was built for {bundle.target!r}, not "
                              "for a Pybricks hub: rebuild it with `robokit compile --target "
                              "pybricks`")
        await self._l().upload(export_pybricks(bundle), progress)
        self.bundle = bundle
        self.project_dir = project_dir

    async def start(self) -> None:
        self._lines = []
        self._t0 = time.monotonic()
        await self._l().start()

    async def stop(self) -> None:
        await self._l().stop()

    async def output(self) -> AsyncIterator[str]:
        in_traceback = False
        async for line in self._l().lines():
            # The hub prints a traceback as output; it is reported by result() instead.
            in_traceback = in_traceback or line.startswith(_TRACEBACK)
            if not in_traceback:
                self._lines.append(line)
                yield line

    async def result(self) -> BrickResult:
        status = await self._l().wait()
        output = "".join(line + "\n" for line in status.output)
        program = self.bundle.program if self.bundle is not None else ""
        res = BrickResult(status="finished", output=output, target=self.where,
                          program=program, seconds=time.monotonic() - self._t0)
        if status.status == "stopped":
            res.status = "stopped"
        elif status.status == "raised":
            res.status = "error"
            res.traceback, res.error = map_traceback(status.traceback or "", self.bundle,
                                                     self.project_dir)
        return res
