"""``pybricks.nxtdevices``: the NXT sensors an EV3 can use.  None is simulated yet:
each raises one clear error when made.  Portable (MicroPython too)."""

from ._missing import fill
from ._table import NOT_YET

fill(globals(), "pybricks.nxtdevices", NOT_YET["pybricks.nxtdevices"])

__all__ = []
