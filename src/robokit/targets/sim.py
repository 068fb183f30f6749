"""The simulated brick as a ``Target``, in this process (``robokit.connect("sim")``).

``upload`` keeps the verified bundle, ``start`` runs it with ``robokit.sim.simulate`` in a
worker thread, ``output`` yields its lines as it prints them, ``stop`` ends the run at
the simulated brick's next device call. The ``RunResult`` of the simulator (pose,
telemetry) is kept as ``last_run``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import BrickInfo, BrickResult, ProgressFn, Target, TargetError

if TYPE_CHECKING:
    from ..compiler.bundle import Bundle
    from ..sim.brick import SimBrick
    from ..sim.runner import RunResult


class SimTarget(Target):
    """Options are those of ``robokit.sim.simulate`` (world, seed, noise, duration...)."""

    family = "micropython"

    def __init__(self, **options: Any):
        self.options = options
        self.bundle: Bundle | None = None
        self.project_dir: Path | None = None
        self.last_run: RunResult | None = None
        self._brick: SimBrick | None = None
        self._stop = threading.Event()
        self._queue: asyncio.Queue[str | None] | None = None
        self._task: asyncio.Future[RunResult] | None = None
        self._lines: list[str] = []

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        if self._task is not None and not self._task.done():
            await self.stop()
            await asyncio.wait_for(asyncio.shield(self._task), 10.0)

    async def info(self) -> BrickInfo:
        from ..compiler.checks import target_info

        t = target_info("sim")
        return BrickInfo(family="micropython", name="sim", firmware="robokit simulated brick",
                         abi=t.default_abi, max_program_size=t.max_size,
                         machine="simulated brick")

    async def upload(self, bundle: Bundle, progress: ProgressFn | None = None,
                     project_dir: Path | None = None) -> None:
        from ..compiler.bundle import Bundle as _Bundle

        # Verified as a brick would: from the bundle's bytes.
        data = bundle.to_bytes()
        self.bundle = _Bundle.from_bytes(data, bundle.program)
        self.project_dir = project_dir
        if progress is not None:
            progress(len(data), len(data))

    async def start(self) -> None:
        from ..sim import simulate

        if self.bundle is None:
            raise TargetError("nothing to start on the simulated brick: upload a program first")
        if self._task is not None and not self._task.done():
            raise TargetError("a program is already running on the simulated brick")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._queue = queue
        self._lines = []
        self._stop.clear()
        bundle = self.bundle

        def on_output(line: str, t: float) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, line)

        def on_start(brick: SimBrick) -> None:
            self._brick = brick
            if self._stop.is_set():
                brick.end_now()

        def work() -> RunResult:
            try:
                return simulate(bundle, on_output=on_output, on_start=on_start,
                                project_dir=self.project_dir, **self.options)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        self._task = asyncio.ensure_future(asyncio.to_thread(work))

    async def stop(self) -> None:
        self._stop.set()
        if self._brick is not None:
            self._brick.end_now()

    async def output(self) -> AsyncIterator[str]:
        if self._queue is None:
            return
        while True:
            line = await self._queue.get()
            if line is None:
                return
            self._lines.append(line)
            yield line

    async def result(self) -> BrickResult:
        if self._task is None:
            raise TargetError("no program was started on the simulated brick")
        run = await self._task
        self.last_run = run
        status = run.status
        if status == "timeout" and self._stop.is_set():
            status = "stopped"
        elif status == "timeout":
            status = "finished"  # ran until its duration, as `robokit run` counts it
        return BrickResult(status=status, output=run.output, traceback=run.traceback,
                           error=run.error, seconds=run.wall_time_s, target="sim",
                           program=run.program)
