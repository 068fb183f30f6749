"""``pybricks.geometry`` (Pybricks 3.0-3.2; later in ``pybricks.parameters`` and
``pybricks.tools``): ``Axis`` and ``vector``.  Portable (MicroPython too)."""

from ..parameters import Axis, vector
from ._missing import fill
from ._table import NOT_YET

fill(globals(), "pybricks.geometry", NOT_YET["pybricks.geometry"])

__all__ = ["Axis", "vector"]
