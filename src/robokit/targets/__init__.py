"""Targets: the bricks a bundle runs on, behind one interface.

``connect(where)`` opens one and returns a ``Brick`` (a sync facade over the async
``Target``)::

    import robokit

    with robokit.connect("/dev/ttyACM0") as brick:     # or "sim", "ble:NAME",
        result = brick.run("line_follower.py")         # "pybricks:NAME", "socket://..."
        print(result.status, result.output)

``where``:

- ``"sim"``: the simulated brick in this process (keyword options as for
  ``robokit.sim.simulate``: world, seed, noise, duration);
- a serial port (``/dev/ttyACM0``, ``COM3``, ``/dev/pts/N``) or a pyserial URL
  (``socket://127.0.0.1:PORT``): a MicroPython board over the raw REPL;
- ``"ble:NAME"``: a MicroPython board over the Nordic UART service;
- ``"pybricks:NAME"`` (or ``"pybricks:"`` for the first hub found, ``"pybricks:usb"``):
  a LEGO hub with Pybricks firmware.

One module (or package) per brick family: ``sim``, ``micropython`` (the board, its upload
driver, ``robokit install`` and the board scripts it sends), ``pybricks``; ``links`` opens
the byte link to a board for them.

May import: compiler, link, protocols, sim, firmware, kits, config, errors (and
_extras); never the CLI.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import TargetError
from .links import open_link

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..compiler.bundle import Bundle
    from ..sim.result import RunResult
    from .base import BrickInfo, BrickResult, ProgressFn, Target, map_traceback

#: Names of ``.base``, imported when first asked for: ``robokit run`` in the simulator
#: reads only ``targets.program`` and pays for none of them.
_FROM_BASE = ("BrickInfo", "BrickResult", "ProgressFn", "Target", "map_traceback")


def __getattr__(name: str) -> Any:
    if name in _FROM_BASE:
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Brick", "BrickInfo", "BrickResult", "Target", "TargetError", "connect",
           "make_target", "map_traceback", "open_link", "prepare_bundle"]

T = TypeVar("T")

#: Seconds a brick gets to be found and to answer, when the caller names no ``timeout``.
CONNECT_TIMEOUT = 5.0


def make_target(where: str, *, timeout: float | None = None, **options: Any) -> Target:
    """The (not yet connected) ``Target`` for ``where`` (see the module docstring);
    ``timeout`` defaults to :data:`CONNECT_TIMEOUT`."""
    if timeout is None:
        timeout = CONNECT_TIMEOUT
    if not where:
        raise TargetError("no brick given: use 'sim', a serial port, 'ble:NAME' or "
                          "'pybricks:NAME'")
    if where == "sim":
        from .sim import SimTarget

        return SimTarget(**options)
    if options:
        raise TargetError(f"options {', '.join(sorted(options))} are for the simulated "
                          "brick only")
    if where.startswith("pybricks:"):
        from .pybricks import PybricksTarget

        return PybricksTarget(where[len("pybricks:"):] or None, timeout=timeout)
    if where.startswith("ble:") and not where[4:]:
        raise TargetError("ble: needs the board's name or address, e.g. ble:robokit "
                          "(`robokit devices` lists what is in range)")
    from .micropython import MicroPythonTarget

    return MicroPythonTarget(lambda: open_link(where, timeout), where, timeout=timeout)


def prepare_bundle(program: str | Path | Bundle, info: BrickInfo,
                   robot: str | Path | None = None,
                   progress: Callable[[Any], None] | None = None) -> tuple[Bundle, Path | None]:
    """The bundle to send to the brick ``info`` describes, and the folder of the
    program's files (for tracebacks): a .py file or project folder is compiled for that
    brick (its family, mpy ABI and program memory); a .rkb or a ``Bundle`` is checked
    against it."""
    from ..compiler.compile import bundle_of
    from .base import check_bundle_fits

    sim = info.name == "sim"
    max_size = info.max_program_size
    if info.family == "micropython" and not sim:
        # A MicroPython board stores the .mpy modules only (not the sources a bundle
        # carries); its free flash is weighed against them when the upload starts
        # (MicroPythonBoard.upload), with what to do.
        max_size = sys.maxsize
    bundle, project_dir = bundle_of(program, target="sim" if sim else info.family,
                                    abi=None if sim else info.abi,
                                    robot=str(robot) if robot is not None else None,
                                    max_size=max_size, progress=progress)
    if info.name != "sim":
        check_bundle_fits(bundle, info)
        _check_kit(bundle, info, program, robot)
    return bundle, project_dir


def _check_kit(bundle: Bundle, info: BrickInfo, program: str | Path | Bundle,
               robot: str | Path | None) -> None:
    """On a kit robokit installed with a board file it ships, the program's robot.toml
    must ask only for what the kit has (the kit HAL refuses it on the board too; here
    nothing is uploaded). A program with no robot.toml gets the standard rover, which no
    kit is: the message says so and how to get the kit's robot."""
    kit = info.extra.get("board")
    if not kit:
        return
    from ..config import find_robot
    from ..kits import check_robot, list_boards, load_board

    if kit not in list_boards():
        return  # the user's own board file: the board checks it
    board = load_board(kit)
    robot_data = bundle.robot or {}
    problems = check_robot(board, robot_data,
                           Path(robot).name if robot is not None else "robot.toml")
    if not problems:
        return
    if isinstance(program, (str, Path)) and Path(program).suffix != ".rkb":
        own = find_robot(program, robot) is not None
        what = f"{program} has no robot.toml"
        again = ""
    else:  # a bundle carries its robot: the standard rover unless it had a robot.toml
        own = robot is not None or robot_data.get("name") != "standard rover"
        what = f"bundle {bundle.program!r} was compiled without a robot.toml"
        again = " and compile it again"
    if not own:
        devices = robot_data.get("devices") or {}
        misfits = [f"{name} ({dev.get('type')} on port {dev.get('port')})"
                   for name, dev in sorted(devices.items(),
                                           key=lambda item: (str(item[1].get("port")), item[0]))
                   if check_robot(board, {"devices": {name: dev}})]
        raise TargetError(
            f"{what}, so it gets the standard rover, and {board['title']} cannot offer "
            f"its {', '.join(misfits)}: give it a robot file with --robot FILE, or save "
            f"the kit's robot beside the program with `robokit robot {kit} > robot.toml` "
            f"(edit it to match your robot){again}; nothing was uploaded")
    raise TargetError(problems[0] + (f" (and {len(problems) - 1} more)"
                                     if len(problems) > 1 else "")
                      + "; nothing was uploaded")


class Brick:
    """A connected brick, for scripts: every method blocks until it is done.

    Async work runs on an event loop in a background thread. Ctrl-C during ``run``
    stops the program on the brick and returns its result (status "stopped").
    """

    def __init__(self, target: Target):
        self.target = target
        from ..link.loop_thread import LoopThread  # asyncio: only when a brick is used

        self._loop = LoopThread("robokit-brick")
        self.project_dir: Path | None = None
        self._made: int | None = None  # simulated robots made before the run (sim_board)
        try:
            self._call(target.connect())
        except BaseException:
            self._shutdown()
            raise

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return self._loop.submit(coro)

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        fut = self._submit(coro)
        try:
            return fut.result()
        except KeyboardInterrupt:
            fut.cancel()
            raise

    def info(self) -> BrickInfo:
        return self._call(self.target.info())

    def upload(self, program: str | Path | Bundle, progress: ProgressFn | None = None,
               robot: str | Path | None = None) -> Bundle:
        """Compile (for this brick) and store ``program``; return the bundle sent."""
        bundle, self.project_dir = prepare_bundle(program, self.info(), robot)
        self._call(self.target.upload(bundle, progress, self.project_dir))
        return bundle

    def start(self) -> None:
        self._call(self.target.start())

    def stop(self) -> None:
        self._call(self.target.stop())

    def output(self) -> Iterator[str]:
        """The running program's lines as they come, until it ends."""
        agen = self.target.output()
        while True:
            try:
                yield self._call(agen.__anext__())  # type: ignore[arg-type]
            except StopAsyncIteration:
                return

    def result(self) -> BrickResult:
        return self._call(self.target.result())

    def run(self, program: str | Path | Bundle, on_output: Callable[[str], None] | None = None,
            progress: ProgressFn | None = None, robot: str | Path | None = None) -> BrickResult:
        """Compile for this brick, upload, start, stream the output to ``on_output``,
        and return how it ended."""
        self.upload(program, progress, robot)
        return self.run_uploaded(on_output)

    def run_uploaded(self, on_output: Callable[[str], None] | None = None) -> BrickResult:
        """Start the program stored on the brick, stream its output, return how it ended.
        Ctrl-C stops it on the brick (status "stopped")."""
        fut = self._submit(self._run_started(on_output))
        try:
            return fut.result()
        except KeyboardInterrupt:
            self._submit(self.target.stop()).result(10.0)
            return fut.result(30.0)

    async def _run_started(self, on_output: Callable[[str], None] | None) -> BrickResult:
        await self.target.start()
        async for line in self.target.output():
            if on_output is not None:
                on_output(line)
        return await self.target.result()

    def sim_board(self) -> bool:
        """True when this brick is robokit's simulated board (``robokit sim serve``, the
        MicroPython VM), which hands back what its simulated robot did: ask before the
        run, then :meth:`simulated_run` after it. False on any other brick."""
        self._made = self._call(self.target.robots_made())
        return self._made is not None

    def simulated_run(self, result: BrickResult) -> RunResult | None:
        """On robokit's simulated board: the run that gave ``result``, with the pose,
        distance, contacts and telemetry of the board's simulated robot, as the
        ``RunResult`` the simulator returns (for its summary, plot, replay and telemetry
        files). None on any other brick, or when the program made no simulated robot
        after :meth:`sim_board` was asked."""
        report = self._call(self.target.sim_report())
        if report is None or "robot" not in report:
            return None
        if self._made is not None and report.get("made") == self._made:
            return None  # the robot reported is an earlier run's
        from .micropython.simrun import run_result

        return run_result(report, result)

    def close(self) -> None:
        if not self._loop.alive():
            return
        try:
            self._submit(self.target.disconnect()).result(15.0)
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        self._loop.stop()

    def __enter__(self) -> Brick:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(where: str = "sim", *, timeout: float | None = None, **options: Any) -> Brick:
    """Connect to a brick and return a :class:`Brick` (see the module docstring)."""
    return Brick(make_target(where, timeout=timeout, **options))
