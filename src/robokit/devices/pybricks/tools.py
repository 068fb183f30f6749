"""``pybricks.tools``: wait, StopWatch and run_task as robokit has them, multitask as
Pybricks has it (below), and Pybricks' Matrix, vector and cross (:mod:`.matrix`),
hub_menu, read_input_byte and DataLog (:mod:`.menu`).  Portable (MicroPython too)."""

from ..tools import StopWatch, run_task, wait
from ..tools import multitask as _multitask
from ._missing import fill
from ._table import NOT_YET
from .matrix import Matrix, cross, vector
from .menu import DataLog, hub_menu, read_input_byte


async def _together(coroutines, race):
    return tuple(await _multitask(*coroutines, race=race))


def multitask(*coroutines, race=False):
    """Run coroutines side by side, as Pybricks' ``multitask``: an awaitable made
    anywhere (``run_task(multitask(a(), b()))`` as well as ``await multitask(...)``
    in a task) whose result is a tuple of theirs; with ``race=True`` it ends when the
    first ends and cancels the others (their results ``None``)."""
    return _together(coroutines, race)


fill(globals(), "pybricks.tools", NOT_YET["pybricks.tools"])

__all__ = ["DataLog", "Matrix", "StopWatch", "cross", "hub_menu", "multitask",
           "read_input_byte", "run_task", "vector", "wait"]
