"""Helpers for tests of the simulator's worlds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import robokit.sim.world.geometry as geometry_mod


@contextmanager
def grid_forced() -> Iterator[None]:
    """Worlds loaded inside build their wall grid however few walls they have (a grid is
    built only from geometry._GRID_MIN_SEGMENTS segments on), so small test worlds take
    the grid's path."""
    old = geometry_mod._GRID_MIN_SEGMENTS
    geometry_mod._GRID_MIN_SEGMENTS = 1
    try:
        yield
    finally:
        geometry_mod._GRID_MIN_SEGMENTS = old
