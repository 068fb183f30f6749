"""``pybricks.tools``: wait, StopWatch, multitask and run_task as robokit has them, and
Pybricks' Matrix, vector and cross (:mod:`.matrix`), hub_menu, read_input_byte and
DataLog (:mod:`.menu`).  Portable (MicroPython too)."""

from ..tools import StopWatch, multitask, run_task, wait
from ._missing import fill
from ._table import NOT_YET
from .matrix import Matrix, cross, vector
from .menu import DataLog, hub_menu, read_input_byte

fill(globals(), "pybricks.tools", NOT_YET["pybricks.tools"])

__all__ = ["DataLog", "Matrix", "StopWatch", "cross", "hub_menu", "multitask",
           "read_input_byte", "run_task", "vector", "wait"]
