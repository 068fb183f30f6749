"""``pybricks.tools``: wait, StopWatch, multitask, run_task and vector, as robokit has
them.  Portable (MicroPython too)."""

from ..parameters import vector
from ..tools import StopWatch, multitask, run_task, wait
from ._missing import fill
from ._table import NOT_YET

fill(globals(), "pybricks.tools", NOT_YET["pybricks.tools"])

__all__ = ["StopWatch", "multitask", "run_task", "vector", "wait"]
