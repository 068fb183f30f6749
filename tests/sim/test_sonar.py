"""The ultrasonic cone of robokit.sim.world.sonar gives the very floats of the
straightforward computation: the segments whose bounding circle meets the cone, then the
ray kernel of geometry.py (``_ray_segs``) ray after ray over them.  That computation is
written out here as the reference; the fast one must equal it exactly (==, not approx) on
random worlds and poses, and the benchmark's arena run must be the same run with either.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import robokit.sim.world.sonar as sonar_mod
from robokit.sim import simulate
from robokit.sim.world import World, load_world
from robokit.sim.world.geometry import WallGeometry, _ray_segs
from robokit.sim.world.sonar import TABLE_BIN_DEG, TABLE_CELL_MM

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "programs"


def cone_segments(segs: Any, ox: float, oy: float, dx: float, dy: float, cone_deg: float,
                  max_mm: float) -> Any:
    """The segments whose bounding circle may meet the cone heading (dx, dy) +- cone."""
    if not segs or cone_deg >= 89.0 or cone_deg < 0.0:
        return segs
    t = math.radians(cone_deg)
    ct, st_ = math.cos(t), math.sin(t)
    out = []
    for seg in segs:
        ex = seg[8] - ox
        ey = seg[9] - oy
        rr = seg[10]
        e2 = ex * ex + ey * ey
        if e2 <= rr * rr:
            out.append(seg)
            continue
        e = math.sqrt(e2)
        if e - rr > max_mm:
            continue
        tc = ex * dx + ey * dy
        pp = abs(ex * dy - ey * dx)
        if tc >= 0.0 and pp * ct <= tc * st_:
            out.append(seg)  # centre inside the wedge
            continue
        dist = e if tc * ct + pp * st_ <= 0.0 else abs(pp * ct - tc * st_)
        if dist <= rr:
            out.append(seg)
    return out


def ray_dirs(heading_deg: float, cone_deg: float, rays: int) -> list[tuple[float, float]]:
    if rays <= 1:
        angles = [0.0]
    else:
        angles = [-cone_deg + 2.0 * cone_deg * i / (rays - 1) for i in range(rays)]
    offs = [(math.cos(math.radians(t)), math.sin(math.radians(t))) for t in angles]
    a = math.radians(heading_deg)
    c, s = math.cos(a), math.sin(a)
    return [(c * oc - s * os_, s * oc + c * os_) for oc, os_ in offs]


def reference(w: Any, x: float, y: float, heading_deg: float, cone_deg: float = 20.0,
              rays: int = 5, max_mm: float = 2000.0) -> float:
    """World.ultrasonic the straightforward way (a world without a wall grid)."""
    assert w._grid is None
    if w._box_polys and w._in_box(x, y):
        return 0.0
    a = math.radians(heading_deg)
    segs = cone_segments(w._segs, x, y, math.cos(a), math.sin(a), cone_deg, max_mm)
    best = max_mm
    if not segs:
        return best
    for dx, dy in ray_dirs(heading_deg, cone_deg, rays):
        d = _ray_segs(segs, x, y, dx, dy, best)
        if d < best:
            best = d
    return best


def poses(w: World, rng: random.Random, n: int) -> list[tuple[float, float, float]]:
    """Sensor poses that probe the edges: anywhere (also outside the world), on the borders
    of the table's cells and spans of heading, along and inside the walls, square to the
    axes, in the boxes and at their corners."""
    x0, y0, x1, y1 = w.bounds
    segs = w._segs
    out = []
    for _ in range(n):
        kind = rng.randrange(6)
        x = rng.uniform(x0 - 300, x1 + 300)
        y = rng.uniform(y0 - 300, y1 + 300)
        h = rng.uniform(-720.0, 720.0)
        if kind == 1:  # on a cell's border, a heading on a span's border
            x = x0 + TABLE_CELL_MM * rng.randrange(-2, 30) + rng.choice((0.0, 1e-9, -1e-9))
            y = y0 + TABLE_CELL_MM * rng.randrange(-2, 30) + rng.choice((0.0, 1e-9, -1e-9))
            h = TABLE_BIN_DEG * rng.randrange(-144, 144) + rng.choice((0.0, 1e-9, -1e-9))
        elif kind == 2 and segs:  # on a segment's line, its face or its end
            ax, ay, bx, by, ux, uy, length, r = rng.choice(segs)[:8]
            t = rng.choice((0.0, 1.0, rng.uniform(-0.2, 1.2)))
            off = rng.choice((0.0, r, -r, rng.uniform(-2 * r - 5, 2 * r + 5)))
            x = ax + t * (bx - ax) - off * uy
            y = ay + t * (by - ay) + off * ux
        elif kind == 3:  # square to the axes
            h = 90.0 * rng.randrange(-4, 5)
        elif kind == 4 and w._box_polys:  # in a box, or just by it
            corners = rng.choice(w._box_polys)
            weights = [rng.random() for _ in corners]
            x = sum(wt * cx for wt, (cx, _cy) in zip(weights, corners, strict=True)) / sum(weights)
            y = sum(wt * cy for wt, (_cx, cy) in zip(weights, corners, strict=True)) / sum(weights)
            if rng.random() < 0.5:
                x, y = rng.choice(corners)
                x += rng.uniform(-3.0, 3.0)
        out.append((x, y, h))
    return out


coord = st.floats(-900, 900, allow_nan=False)
point_st = st.tuples(coord, coord)
wall_st = st.tuples(st.one_of(st.lists(point_st, min_size=2, max_size=4),
                              point_st.map(lambda p: [p, p])),  # a post
                    st.sampled_from([1.0, 4.0, 20.0, 41.5]), st.booleans())
box_st = st.tuples(coord, coord, st.floats(5.0, 400.0), st.floats(5.0, 400.0),
                   st.sampled_from([0.0, 30.0, 45.0, 90.0, 17.3]))
cone_st = st.sampled_from([(20.0, 5, 2000.0), (20.0, 5, 300.0), (25.0, 5, 120.0),
                           (0.0, 1, 2000.0),
                           (5.0, 3, 800.0), (45.0, 7, 2000.0), (88.9, 5, 2000.0),
                           (89.0, 5, 2000.0), (120.0, 4, 1500.0), (-5.0, 5, 2000.0),
                           (20.0, 2, 5000.0)])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(walls=st.lists(wall_st, max_size=4), boxes=st.lists(box_st, max_size=3),
       cone=cone_st, seed=st.integers(0, 2**32 - 1))
def test_the_fast_cone_equals_the_straightforward_one(
        walls: list[tuple[list[tuple[float, float]], float, bool]],
        boxes: list[tuple[float, float, float, float, float]],
        cone: tuple[float, int, float], seed: int) -> None:
    d = {"size": [2400, 2400],
         "walls": [{"points": [list(p) for p in pts], "thickness": th, "closed": closed}
                   for pts, th, closed in walls],
         "boxes": [{"center": [cx, cy], "size": [bw, bh], "angle": a}
                   for cx, cy, bw, bh, a in boxes]}
    w = World.from_dict(d)
    if w._grid is not None:  # the gridded worlds go their own way, unchanged
        return
    cone_deg, rays, max_mm = cone
    for x, y, h in poses(w, random.Random(seed), 60):
        assert w.ultrasonic(x, y, h, cone_deg, rays, max_mm) == reference(
            w, x, y, h, cone_deg, rays, max_mm), (x, y, h)
        if 0.0 <= cone_deg < 89.0:
            check_entry(w, x, y, h, cone_deg, rays, max_mm)


@pytest.mark.parametrize("name", ["arena", "maze", "sumo"])
@pytest.mark.parametrize("cone", [(20.0, 5, 2000.0), (20.0, 5, 150.0), (60.0, 9, 600.0)])
def test_the_fast_cone_equals_the_straightforward_one_in_the_builtin_worlds(
        name: str, cone: tuple[float, int, float]) -> None:
    w = load_world(name)
    for x, y, h in poses(w, random.Random(name), 1500):
        assert w.ultrasonic(x, y, h, *cone) == reference(w, x, y, h, *cone), (x, y, h)
        check_entry(w, x, y, h, *cone)


def check_entry(w: Any, x: float, y: float, h: float, cone_deg: float, rays: int,
                max_mm: float) -> int:
    """Each segment that the straightforward cone keeps and that some ray hits nearer than
    the range is in the table's entry, and one marked surely in is kept by the test; a
    sensor the entry says is clear of the boxes is in none.  The entry's length."""
    cone = w._cones[(cone_deg, rays, max_mm)]
    free, entry = cone.lookup(x, y, h)
    if free:
        assert not (w._box_polys and w._in_box(x, y)), (x, y)
    listed = {(e[1], e[2], e[3], e[4], e[5]): e[0] for e in entry}
    a = math.radians(h)
    kept = cone_segments(w._segs, x, y, math.cos(a), math.sin(a), cone_deg, max_mm)
    for seg in w._segs:
        key = (seg[0], seg[1], seg[4], seg[5], seg[6])
        if listed.get(key):
            assert seg in kept, (x, y, h, seg)
        if seg in kept and any(_ray_segs([seg], x, y, dx, dy, max_mm) < max_mm
                               for dx, dy in ray_dirs(h, cone_deg, rays)):
            assert key in listed, (x, y, h, seg)
    return len(entry)


def test_the_table_keeps_every_segment_a_ray_reaches() -> None:
    """check_entry in the arena, and the entries are short: a few of its 20 segments."""
    w = load_world("arena")
    w.ultrasonic(0.0, 0.0, 0.0)
    sizes = [check_entry(w, x, y, h, 20.0, 5, 2000.0)
             for x, y, h in poses(w, random.Random(7), 3000)]
    assert len(w._segs) == 20
    assert sum(sizes) / len(sizes) < 8.0


def test_a_full_table_starts_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sonar_mod, "_MAX_ENTRIES", 5)
    w = World.from_dict({"size": [2400, 2400],
                         "boxes": [{"center": [300, 200], "size": [200, 100], "angle": 30}],
                         "walls": [{"points": [[-900, -900], [900, -900], [900, 900]]}]})
    for x, y, h in poses(w, random.Random(3), 400):
        assert w.ultrasonic(x, y, h) == reference(w, x, y, h), (x, y, h)
        assert len(w._cones[(20.0, 5, 2000.0)].entries) <= 5


def test_cones_of_many_ranges_are_not_all_kept() -> None:
    w = World.from_dict({"size": [2400, 2400],
                         "walls": [{"points": [[-900, -900], [900, -900], [900, 900]]}]})
    for k, (x, y, h) in enumerate(poses(w, random.Random(5), 300)):
        max_mm = 100.0 + 7.0 * k
        assert w.ultrasonic(x, y, h, 20.0, 5, max_mm) == reference(w, x, y, h, 20.0, 5, max_mm)
    assert len(w._cones) <= 16


def run_arena(seconds: float) -> Any:
    return simulate(BENCH / "all_devices.py", world="arena",
                    robot=BENCH / "four_motors.toml", duration=seconds, telemetry_hz=50)


def test_the_benchmark_arena_run_is_the_same_run_with_the_straightforward_cone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/sim_speed.py's "four motors + all sensors in arena": the same pose,
    telemetry (the sonar's readings among it), events and output to the last bit."""
    fast = run_arena(60.0)
    reads = []

    def straightforward(self: Any, x: float, y: float, heading_deg: float,
                        cone_deg: float = 20.0, rays: int = 5, max_mm: float = 2000.0
                        ) -> float:
        reads.append(1)
        return reference(self, x, y, heading_deg, cone_deg, rays, max_mm)

    monkeypatch.setattr(WallGeometry, "ultrasonic", straightforward)
    slow = run_arena(60.0)
    assert len(reads) > 5000  # the sonar was read every round
    assert fast.pose == slow.pose
    assert fast.distance_mm == slow.distance_mm
    assert fast.events == slow.events
    assert fast.output == slow.output
    a, b = fast.telemetry, slow.telemetry
    assert a.columns == b.columns and "ultrasonic_sensor" in a.columns
    assert repr(a.rows) == repr(b.rows)  # (repr: the NaN of a sensor not read yet)
    sonar = a.columns.index("ultrasonic_sensor")
    assert len({row[sonar] for row in a.rows}) > 100  # it saw the walls come and go
