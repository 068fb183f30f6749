"""``pybricks.tools``: wait, StopWatch, multitask and run_task as robokit has them, and
Pybricks' Matrix, vector and cross (:mod:`.matrix`).  Portable (MicroPython too)."""

from ..tools import StopWatch, multitask, run_task, wait
from ._missing import fill
from ._table import NOT_YET
from .matrix import Matrix, cross, vector

fill(globals(), "pybricks.tools", NOT_YET["pybricks.tools"])

__all__ = ["Matrix", "StopWatch", "cross", "multitask", "run_task", "vector", "wait"]
