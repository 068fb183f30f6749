"""``pybricks.geometry`` (Pybricks 3.0-3.2; later in ``pybricks.parameters`` and
``pybricks.tools``): ``Axis``, ``Matrix`` and ``vector``.  Portable (MicroPython too)."""

from ..parameters import Axis
from .matrix import Matrix, vector

__all__ = ["Axis", "Matrix", "vector"]
