"""``robokit run PROGRAM --exact``: the host's half of a bytecode-exact run.

The program is compiled for the MicroPython VM the board reports (its mpy ABI), uploaded
into a slot and started by the brick-side loader, exactly as ``robokit run --port`` does
on a kit board; the board is robokit's simulated one, in this process
(``robokit.virtual.exact.ExactBoard``, reached through its ``link()``), so what it hands
back is the simulated robot's run as a ``RunResult`` (``board.run_result``).

The board is given, not made here: the targets layer does not import the virtual
hardware (docs/architecture.md). The CLI makes the ``ExactBoard`` and calls
:func:`run_exact`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..base import TargetError
from . import MicroPythonBoard

if TYPE_CHECKING:
    from ...compiler.bundle import Bundle
    from ...sim.result import RunResult


class ExactBoardLike(Protocol):
    """What :func:`run_exact` needs of the board (``robokit.virtual.exact.ExactBoard``)."""

    def link(self) -> Any: ...

    def stalled_s(self) -> float: ...

    def run_result(self, brick_result: Any, hung: bool = False) -> RunResult: ...


#: The name the run's board goes by in messages.
NAME = "robokit's MicroPython VM"


def refuse_stdin_poll(bundle: Bundle, project_dir: Path | None) -> None:
    """Refuse (a ProgramError naming the line) a program that polls its stdin
    (``poll().register(stdin)``, Pybricks' way to talk to a computer): in the VM, stdin is
    no input of the run and poll() waits in real time, so the simulated clock stands
    still and the program looks hung; the default mode runs it (robokit.sim.stdio)."""
    from ...errors import ProgramError
    from ...sim.stdio import where_stdin_is_polled

    where = where_stdin_is_polled(bundle, project_dir)
    if where is not None:
        file, line = where
        raise ProgramError(
            f"{file}:{line}: --exact cannot run a program that polls its stdin: in "
            "MicroPython's VM stdin is not the run's input and poll() waits in real time "
            "while the simulated clock stands still; leave out --exact (the default mode "
            "polls --input on the simulated clock)", file=file, line=line)


def run_exact(program: str | Path | Bundle, board: ExactBoardLike, *,
              robot: str | Path | None = None,
              on_output: Callable[[str, float], None] | None = None,
              hang_budget_s: float = 5.0) -> RunResult:
    """Run ``program`` (a .py file, a folder with main.py, or a .rkb bundle) on
    ``board`` through the upload and the loader, and return its run. ``on_output(line,
    sim_time_s)`` gets each line the program prints. A program whose simulated clock
    stands still for ``hang_budget_s`` of wall time is stopped (status "error",
    ``ProgramHang``). Ctrl-C stops the program on the board and is raised again here, as
    ``robokit.sim.runner.RunInterrupted`` carrying the run as far as it went (none when the
    board's ``report_lost``: the robot's report did not come back from its VM)."""
    from .. import prepare_bundle

    mb = MicroPythonBoard(board.link(), NAME, timeout=10.0)
    try:
        mb.enter()
        bundle, project_dir = prepare_bundle(program, mb.info(), robot)
        refuse_stdin_poll(bundle, project_dir)
        mb.upload(bundle, None, project_dir)
        mb.start()
        collected: list[str] = []
        ended = interrupted = hung = False
        while not ended:
            try:
                lines, ended = mb.read_output(0.05)
            except KeyboardInterrupt:
                if not interrupted:
                    interrupted = True
                    mb.stop()
                continue
            except TargetError:
                if not (interrupted or hung):
                    raise
                # Stopped, it ignores Ctrl-C: the VM is robokit's, and goes with the board
                # (closed by the caller), so there is no reset button to press.
                if interrupted:
                    from ...sim.runner import RunInterrupted

                    raise RunInterrupted() from None
                raise TargetError(f"the program hung (its simulated clock stood still for "
                                  f"{hang_budget_s:g} s) and ignores Ctrl-C: robokit stopped "
                                  "its MicroPython VM") from None
            for line in lines:
                collected.append(line)
                if on_output is not None:
                    brick = getattr(board, "brick", None)
                    try:
                        on_output(line, brick.now / 1e6 if brick is not None else 0.0)
                    except KeyboardInterrupt:  # (Ctrl-C while the line is handled)
                        if not interrupted:
                            interrupted = True
                            mb.stop()
            if not ended and not getattr(board, "serving", True):
                raise TargetError("the simulated board stopped in the middle of the run")
            if not ended and not hung and not interrupted and \
                    board.stalled_s() > hang_budget_s:
                hung = True
                mb.stop()
        result = mb.result("".join(line + "\n" for line in collected))
    finally:
        mb.close()
    if interrupted:
        from ...sim.runner import RunInterrupted

        if getattr(board, "report_lost", False):  # (the VM died): no run rather than one
            raise RunInterrupted()  # whose pose and clock are the start's
        try:  # the run as far as it went, for `robokit run --exact --json`
            run = board.run_result(result)
        except Exception:  # noqa: BLE001 - no robot made yet: Ctrl-C alone is said
            raise RunInterrupted() from None
        run.status, run.error, run.traceback = "interrupted", None, None
        raise RunInterrupted(results=[run])
    return board.run_result(result, hung=hung)
