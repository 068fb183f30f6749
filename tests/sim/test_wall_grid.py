"""The coarse grid of a world's walls (geometry.py, for worlds of many wall segments) holds
every segment in the cells it reaches, also one whose padded outline begins on the
grid's far edge."""

from __future__ import annotations

import math
from typing import Any

from world_helpers import grid_forced

from robokit.sim.world import World


def test_a_segment_on_the_grids_far_edge_is_in_the_last_cells() -> None:
    # the box's top edge (y = 50, no thickness) lies on the grid's top border, which is
    # a whole number of cells (100 mm) above its bottom: the edge's cell row is the last
    d: dict[str, Any] = {
        "size": [4000, 4000],
        "walls": [{"points": [[0.0, 0.0], [0.0, 0.0]], "thickness": 1.0}],
        "boxes": [{"center": [0.0, 0.0], "size": [5.0, 100.0], "angle": 0.0}]}
    plain = World.from_dict(d)
    with grid_forced():
        gridded = World.from_dict(d)
    assert gridded._grid is not None and plain._grid is None
    top = [s for s in gridded._segs if s[1] == s[3] == 50.0]
    assert top and all(any(top[0] in cell for cell in gridded._grid) for _ in top)
    assert abs(gridded.ray_distance(0.0, 500.0, -90.0) - 450.0) < 1e-9
    for heading in range(0, 360, 7):
        for x, y in ((0.0, 300.0), (1.5, -200.0), (-40.0, 52.0), (100.0, 50.0)):
            want = plain.ray_distance(x, y, heading)
            assert math.isclose(gridded.ray_distance(x, y, heading), want, abs_tol=1e-6)


def test_a_long_segment_on_the_grids_far_side_is_in_its_cells() -> None:
    # one column of 100 mm cells, six rows: the box's right edge (x = 50, no thickness)
    # lies on the column's right border and spans the rows; it was in none of them, and a
    # ray from the east went through it
    posts = [{"points": [[0.0, y], [0.0, y]], "thickness": 1.0}
             for y in (-250, -180, -150, -100, 100, 150, 180, 250)]
    d: dict[str, Any] = {
        "size": [4000, 4000], "walls": posts,
        "boxes": [{"center": [0.0, 0.0], "size": [100.0, 400.0], "angle": 0.0}]}
    plain = World.from_dict(d)
    with grid_forced():
        gridded = World.from_dict(d)
    assert gridded._grid is not None and gridded._gnx == 1 and gridded._gcell == 100.0
    assert abs(plain.ray_distance(200.0, 0.0, 180.0) - 150.0) < 1e-9
    assert abs(gridded.ray_distance(200.0, 0.0, 180.0) - 150.0) < 1e-9
    assert abs(gridded.ultrasonic(200.0, 0.0, 180.0) - 150.0) < 1e-9
