"""Worlds: loading and validation, the mat raster and colour footprints, rays and the body."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from world_helpers import grid_forced

import robokit.sim.world as world_mod
from robokit.devices._errors import RobokitError
from robokit.sim.surface import render
from robokit.sim.world import (
    BUILTIN_WORLDS,
    COLORS,
    NOTHING_RGB,
    WALL_STRIDE,
    World,
    WorldError,
    color_hex,
    load_world,
    parse_world,
    reflectance,
)

# the standard rover's body (robot.toml "body"): front 90, back -60, 150 wide
FRONT, BACK, HALF_W = 90.0, -60.0, 75.0
WHITE = COLORS["white"][0]
BLACK = COLORS["black"][0]


def approx_rgb(got: tuple[float, float, float], want: tuple[float, float, float],
               tol: float = 0.01) -> bool:
    return all(abs(g - w) <= tol for g, w in zip(got, want, strict=True))


def mean_rgb(*cs: tuple[float, float, float]) -> tuple[float, float, float]:
    return (sum(c[0] for c in cs) / len(cs), sum(c[1] for c in cs) / len(cs),
            sum(c[2] for c in cs) / len(cs))


# ------------------------------------------------------------------------------------------
# built-in worlds
# ------------------------------------------------------------------------------------------


def test_builtin_names_match_the_files() -> None:
    files = {p.stem for p in (Path(world_mod.__file__).parent.parent / "worlds").glob("*.toml")}
    assert files == set(BUILTIN_WORLDS)


@pytest.mark.parametrize("name", BUILTIN_WORLDS)
def test_every_builtin_loads(name: str) -> None:
    w = load_world(name)
    assert w.name == name
    assert w.description
    xmin, ymin, xmax, ymax = w.bounds
    assert xmin <= w.start.x <= xmax and ymin <= w.start.y <= ymax
    # the standard rover fits at the start, and its colour sensor is on the mat
    assert not w.rect_hits_wall(*w.start, FRONT, BACK, HALF_W)
    x, y, h = w.start
    assert w.surface.rgb(x + 70 * math.cos(math.radians(h)),
                         y + 70 * math.sin(math.radians(h)), 4.0) != NOTHING_RGB
    # JSON-able, and it round-trips
    d = json.loads(json.dumps(w.to_dict()))
    w2 = World.from_dict(d, source=f"{name}.json")
    assert w2.to_dict() == w.to_dict()
    assert len(w.walls) % WALL_STRIDE == 0


def test_load_world_caches_builtins_and_surface() -> None:
    a = load_world("oval")
    b = load_world("oval")
    assert a is b
    assert a.surface is b.surface
    assert load_world(a) is a


def test_oval_line_and_start() -> None:
    w = load_world("oval")
    s = w.surface
    assert approx_rgb(s.rgb(0, -400, 5), BLACK)        # middle of the bottom straight
    assert approx_rgb(s.rgb(0, 400, 5), BLACK)         # top straight
    assert approx_rgb(s.rgb(900, 0, 3), BLACK)         # apex of the right semicircle
    assert approx_rgb(s.rgb(-900, 0, 3), BLACK)        # apex of the left semicircle
    assert approx_rgb(s.rgb(0, 0, 5), WHITE)           # inside
    assert approx_rgb(s.rgb(1200, 0, 5), WHITE)        # outside the oval, on the mat
    # the colour sensor (70 mm ahead) starts on the left edge of the line: half black
    x, y, h = w.start
    assert h == 0
    assert approx_rgb(s.rgb(x + 70, y, 5), mean_rgb(BLACK, WHITE))
    assert approx_rgb(s.rgb(x + 70, y + 10, 5), WHITE)  # left of it: white
    assert approx_rgb(s.rgb(x + 70, y - 10, 5), BLACK)  # right of it: black


def test_colours_of_the_other_builtins() -> None:
    mat = load_world("mat").surface
    for x, name in ((-450, "red"), (-150, "green"), (150, "blue"), (450, "yellow")):
        assert approx_rgb(mat.rgb(x, 0, 5), COLORS[name][0]), name
        assert approx_rgb(mat.rgb(x, 200, 5), WHITE)
    assert approx_rgb(mat.rgb(-300, 0, 3), BLACK)  # the path between the squares
    sumo = load_world("sumo").surface
    assert approx_rgb(sumo.rgb(0, 0, 5), WHITE)
    assert approx_rgb(sumo.rgb(360, 0, 5), BLACK)
    assert approx_rgb(sumo.rgb(0, -360, 5), BLACK)
    assert approx_rgb(sumo.rgb(500, 0, 5), COLORS["gray"][0])
    maze = load_world("maze").surface
    assert approx_rgb(maze.rgb(600, 600, 5), COLORS["green"][0])
    assert approx_rgb(maze.rgb(-600, -600, 5), WHITE)
    empty = load_world("empty")
    assert approx_rgb(empty.surface.rgb(1234, -567, 5), WHITE)
    assert not empty.walls
    assert empty.ray_distance(0, 0, 37, 1500.0) == 1500.0


def test_outside_the_bounds_is_nothing() -> None:
    s = load_world("empty").surface  # 4 m x 4 m: x, y in -2000 .. 2000
    assert s.rgb(2100, 0, 5) == NOTHING_RGB
    assert s.rgb(0, -2005.5, 5) == NOTHING_RGB
    assert approx_rgb(s.rgb(2000, 0, 5), mean_rgb(WHITE, NOTHING_RGB))       # half over
    assert approx_rgb(s.rgb(2000, 2000, 5), mean_rgb(WHITE, *[NOTHING_RGB] * 3))


def test_arena_start_sees_the_north_wall() -> None:
    w = load_world("arena")
    x, y, h = w.start
    assert (x, y, h) == (0, -800, 90)
    assert abs(w.ray_distance(x, y + 80, h) - 1720.0) < 1e-6
    assert abs(w.ultrasonic(x, y + 80, h) - 1720.0) < 1e-6


# ------------------------------------------------------------------------------------------
# surface: footprints
# ------------------------------------------------------------------------------------------


def half_plane_world() -> World:
    # black for x < 0, white for x > 0 (the edge lies on a pixel boundary)
    return World.from_dict({
        "size": [2000, 2000],
        "polygons": [{"points": [[-1000, -1000], [0, -1000], [0, 1000], [-1000, 1000]],
                      "color": "black"}],
    }, source="half.toml")


def test_footprint_mean_across_an_edge() -> None:
    s = half_plane_world().surface
    assert approx_rgb(s.rgb(0, 0, 5), mean_rgb(BLACK, WHITE))
    assert approx_rgb(s.rgb(-20, 0, 5), BLACK)
    assert approx_rgb(s.rgb(20, 0, 5), WHITE)
    # moving the footprint across the edge: the mean changes linearly, also between pixels
    for k in range(-10, 11):
        x = k * 0.37
        frac_white = (x + 5.0) / 10.0
        want = tuple(b + (w - b) * frac_white for b, w in zip(BLACK, WHITE, strict=True))
        assert approx_rgb(s.rgb(x, 3.3, 5), want), x  # type: ignore[arg-type]


def test_tiny_footprint_is_a_point_sample() -> None:
    s = half_plane_world().surface
    assert approx_rgb(s.rgb(-0.5, 0, 0), BLACK)
    assert approx_rgb(s.rgb(0.5, 0, 0), WHITE)


def test_paint_order_is_file_order(tmp_path: Path) -> None:
    p = tmp_path / "order.toml"
    p.write_text("""size = [1000, 1000]
[[circles]]
center = [0, 0]
radius = 100
color = "red"
[[polygons]]
points = [[-50, -50], [50, -50], [50, 50], [-50, 50]]
color = "blue"
[[circles]]
center = [0, 0]
radius = 20
color = "#ffffff"
""")
    w = load_world(p)
    s = w.surface
    assert [sh.kind for sh in w.shapes] == ["circles", "polygons", "circles"]
    assert approx_rgb(s.rgb(0, 0, 5), reflectance("#ffffff"))
    assert approx_rgb(s.rgb(35, 0, 5), COLORS["blue"][0])
    assert approx_rgb(s.rgb(80, 0, 5), COLORS["red"][0])
    assert w.to_dict()["order"] == [["circles", 0], ["polygons", 0], ["circles", 1]]


def test_hex_colours_and_the_table() -> None:
    assert reflectance("#000000") == pytest.approx(BLACK)
    assert reflectance("#FFFFFF") == pytest.approx(WHITE)
    r, g, b = reflectance("#ff0000")
    assert r > 90 and g < 10 and b < 10
    assert color_hex("Red") == COLORS["red"][1]
    assert reflectance("grey") == reflectance("gray")
    for name, (rgb, hx) in COLORS.items():
        assert all(0 <= v <= 100 for v in rgb), name
        assert hx.startswith("#") and len(hx) == 7
    for name in ("red", "green", "blue"):
        rgb = COLORS[name][0]
        own = {"red": 0, "green": 1, "blue": 2}[name]
        assert rgb[own] == max(rgb), name
    with pytest.raises(WorldError, match="not a colour"):
        reflectance("pink")


def brute_mean(s_rgb: object, x: float, y: float, r: float, n: int = 40
               ) -> tuple[float, float, float]:
    f = s_rgb  # the surface's own point sampler: rgb(x, y, ~0)
    acc = [0.0, 0.0, 0.0]
    for i in range(n):
        for j in range(n):
            px = x - r + (i + 0.5) * 2 * r / n
            py = y - r + (j + 0.5) * 2 * r / n
            c = f(px, py, 0.0)  # type: ignore[operator]
            acc[0] += c[0]
            acc[1] += c[1]
            acc[2] += c[2]
    return (acc[0] / n / n, acc[1] / n / n, acc[2] / n / n)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-560, 560), y=st.floats(-560, 560), r=st.floats(1.0, 40.0))
def test_footprint_matches_brute_force_mean(x: float, y: float, r: float) -> None:
    # a small raster (circle) in a bigger world, near the world's edge: the footprint mixes
    # raster, background and nothing
    w = _mixed_world()
    got = w.surface.rgb(x, y, r)
    want = brute_mean(w.surface.rgb, x, y, r)
    # sampling error: at most one row/column of 40 samples per edge crossed
    assert approx_rgb(got, want, tol=100 * 4 / 40 + 0.5)


_MIXED: list[World] = []


def _mixed_world() -> World:
    if not _MIXED:
        _MIXED.append(World.from_dict({
            "bounds": [-500, -500, 500, 500],
            "background": "gray",
            "circles": [{"center": [300, 300], "radius": 150, "color": "red"}],
            "lines": [{"points": [[-480, 480], [480, -480]], "width": 30, "color": "blue"}],
        }))
    return _MIXED[0]


def test_render_is_north_up() -> None:
    w = World.from_dict({"bounds": [0, 0, 400, 200],
                         "polygons": [{"points": [[0, 100], [400, 100], [400, 200], [0, 200]],
                                       "color": "black"}]})
    img = render(w, mm_per_px=4.0)
    assert img.shape == (50, 100, 3)
    assert tuple(img[5, 50]) == (0x20, 0x20, 0x20)     # top rows: north: black
    assert tuple(img[45, 50]) == (255, 255, 255)       # bottom rows: south: white


# ------------------------------------------------------------------------------------------
# rays
# ------------------------------------------------------------------------------------------


def wall_world(**extra: object) -> World:
    d: dict[str, object] = {"size": [4000, 4000],
                            "walls": [{"points": [[-500, 0], [500, 0]], "thickness": 20}]}
    d.update(extra)
    return World.from_dict(d)


def test_ray_distance_to_known_walls() -> None:
    w = wall_world()
    assert abs(w.ray_distance(0, -300, 90) - 290.0) < 1e-9          # straight at the face
    assert abs(w.ray_distance(0, 300, -90) - 290.0) < 1e-9          # from the other side
    assert abs(w.ray_distance(100, -110, 135) - 100 * math.sqrt(2)) < 1e-9
    assert w.ray_distance(0, -300, -90) == 2000.0                    # looking away
    assert w.ray_distance(0, -300, 90, max_mm=100.0) == 100.0        # beyond the range
    assert w.ray_distance(0, 0, 90) == 0.0                           # inside the wall
    # the round ends (radius = thickness / 2)
    assert abs(w.ray_distance(-700, 0, 0) - 190.0) < 1e-9
    assert abs(w.ray_distance(-700, 5, 0) - (200 - math.sqrt(100 - 25))) < 1e-9
    # a turned box: a 200 x 100 box turned 90 degrees at (0, 1000) has faces at y = 900, 1100
    b = World.from_dict({"size": [4000, 4000],
                         "boxes": [{"center": [0, 1000], "size": [200, 100], "angle": 90}]})
    assert abs(b.ray_distance(0, 0, 90) - 900.0) < 1e-9
    assert abs(b.ray_distance(-500, 1000, 0) - 450.0) < 1e-9
    assert abs(b.ray_distance(0, 1500, 270) - 400.0) < 1e-9


def test_ultrasonic_cone() -> None:
    # a post 10 degrees off to the left of the sensor's axis, 500 mm away
    a = math.radians(10)
    px, py = 500 * math.cos(a), 500 * math.sin(a)
    w = World.from_dict({"size": [4000, 4000],
                         "walls": [{"points": [[px, py], [px, py]], "thickness": 40}]})
    assert w.ray_distance(0, 0, 0) == 2000.0
    d = w.ultrasonic(0, 0, 0, cone_deg=20.0, rays=5)  # rays at -20 -10 0 10 20 deg
    assert abs(d - 480.0) < 1e-9
    assert w.ultrasonic(0, 0, 0, cone_deg=5.0, rays=5) == 2000.0
    assert w.ultrasonic(0, 0, 0, cone_deg=20.0, rays=1) == 2000.0
    assert abs(w.ultrasonic(0, 0, 10, rays=1) - 480.0) < 1e-9


def _sdf(walls: list[tuple[tuple[float, float], tuple[float, float], float]],
         boxes: list[tuple[float, float, float, float, float]], x: float, y: float) -> float:
    """Exact signed distance to the union of capsules and turned rectangles."""
    best = math.inf
    for (ax, ay), (bx, by), r in walls:
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = 0.0 if ll == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / ll))
        best = min(best, math.hypot(ax + t * dx - x, ay + t * dy - y) - r)
    for cx, cy, w, h, ang in boxes:
        c, s = math.cos(math.radians(ang)), math.sin(math.radians(ang))
        u = (x - cx) * c + (y - cy) * s
        v = -(x - cx) * s + (y - cy) * c
        qx, qy = abs(u) - w / 2, abs(v) - h / 2
        out = math.hypot(max(qx, 0.0), max(qy, 0.0))
        best = min(best, out + min(max(qx, qy), 0.0))
    return best


def sphere_trace(walls: list[tuple[tuple[float, float], tuple[float, float], float]],
                 boxes: list[tuple[float, float, float, float, float]], x: float, y: float,
                 heading: float, max_mm: float, grow: float = 0.0) -> float:
    """Where the ray meets the shapes, each grown by ``grow`` mm (shrunk if negative)."""
    dx, dy = math.cos(math.radians(heading)), math.sin(math.radians(heading))
    t = 0.0
    for _ in range(200_000):
        d = _sdf(walls, boxes, x + t * dx, y + t * dy) - grow
        if d < 1e-7:
            return t
        t += d
        if t >= max_mm:
            return max_mm
    raise AssertionError("sphere tracing did not converge")


coord = st.floats(-500, 500, allow_nan=False)
wall_st = st.tuples(st.lists(st.tuples(coord, coord), min_size=2, max_size=3),
                    st.floats(1.0, 40.0))
box_st = st.tuples(coord, coord, st.floats(5.0, 300.0), st.floats(5.0, 300.0),
                   st.floats(0.0, 180.0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(walls=st.lists(wall_st, min_size=1, max_size=5), boxes=st.lists(box_st, max_size=3),
       x=st.floats(-700, 700), y=st.floats(-700, 700), heading=st.floats(0.0, 360.0))
def test_ray_distance_matches_brute_force(
    walls: list[tuple[list[tuple[float, float]], float]],
    boxes: list[tuple[float, float, float, float, float]],
    x: float, y: float, heading: float,
) -> None:
    d = {"size": [3000, 3000],
         "walls": [{"points": [list(p) for p in pts], "thickness": th} for pts, th in walls],
         "boxes": [{"center": [cx, cy], "size": [w, h], "angle": a}
                   for cx, cy, w, h, a in boxes]}
    world = World.from_dict(d)
    with grid_forced():
        gridded = World.from_dict(d)
    assert gridded._grid is not None and world._grid is None
    caps = [(pts[i], pts[i + 1], th / 2) for pts, th in walls for i in range(len(pts) - 1)]
    # A ray that grazes a shape may or may not hit it in floating point: the answer must lie
    # between the hits on the shapes grown and shrunk by a micrometre.
    near = sphere_trace(caps, boxes, x, y, heading, 2000.0, grow=1e-3)
    far = sphere_trace(caps, boxes, x, y, heading, 2000.0, grow=-1e-3)
    got = world.ray_distance(x, y, heading, 2000.0)
    assert near - 1.0 < got < far + 1.0
    assert abs(gridded.ray_distance(x, y, heading, 2000.0) - got) < 1e-6
    assert abs(gridded.ultrasonic(x, y, heading) - world.ultrasonic(x, y, heading)) < 1e-6


# ------------------------------------------------------------------------------------------
# the body rectangle
# ------------------------------------------------------------------------------------------


def test_rect_hits_wall_cases() -> None:
    w = wall_world()  # faces at y = -10 and y = +10, x from -500 to 500 (round ends)
    # facing the wall (north): the front is 90 mm ahead
    assert w.rect_hits_wall(0, -100, 90, FRONT, BACK, HALF_W)        # touching
    assert not w.rect_hits_wall(0, -100.5, 90, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(0, -99, 90, FRONT, BACK, HALF_W)
    # backing into it: the back is 60 mm behind
    assert not w.rect_hits_wall(0, -70.5, -90, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(0, -69.5, -90, FRONT, BACK, HALF_W)
    # side on (heading east): the left side is 75 mm away
    assert not w.rect_hits_wall(0, -85.5, 0, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(0, -84.5, 0, FRONT, BACK, HALF_W)
    # turned 45 degrees: the front-left corner reaches highest
    reach = 90 * math.sin(math.radians(135)) + 75 * math.cos(math.radians(135))
    reach = max(reach, 90 * math.sin(math.radians(135)) - 75 * math.cos(math.radians(135)))
    assert not w.rect_hits_wall(0, -10 - reach - 0.2, 135, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(0, -10 - reach + 0.2, 135, FRONT, BACK, HALF_W)
    # past the wall's end
    assert not w.rect_hits_wall(700, 0, 90, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(565, 0, 0, FRONT, BACK, HALF_W)  # the back at x = 505 < 510
    assert not w.rect_hits_wall(575, 0, 0, FRONT, BACK, HALF_W)  # the back at x = 515


def test_rect_hits_box_including_inside() -> None:
    w = World.from_dict({"size": [4000, 4000],
                         "boxes": [{"center": [0, 0], "size": [1000, 1000], "angle": 30}]})
    assert w.rect_hits_wall(0, 0, 0, FRONT, BACK, HALF_W)       # wholly inside the box
    assert not w.rect_hits_wall(1000, 0, 0, FRONT, BACK, HALF_W)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    # facing the box's +x face head on from outside, 600 mm from the centre along its axis
    x, y = 600 * c, 600 * s
    assert not w.rect_hits_wall(x + 10 * c, y + 10 * s, 210, FRONT, BACK, HALF_W)
    assert w.rect_hits_wall(x - 20 * c, y - 20 * s, 210, FRONT, BACK, HALF_W)


def _rect_seg_dist(x: float, y: float, h: float, a: tuple[float, float],
                   b: tuple[float, float]) -> float:
    """Distance from the rover's rectangle to segment a-b, by sampling the segment."""
    c, s = math.cos(math.radians(h)), math.sin(math.radians(h))
    best = math.inf
    n = max(2, int(math.hypot(b[0] - a[0], b[1] - a[1]) / 0.05))
    for k in range(n + 1):
        px = a[0] + (b[0] - a[0]) * k / n - x
        py = a[1] + (b[1] - a[1]) * k / n - y
        u, v = c * px + s * py, -s * px + c * py
        du = max(BACK - u, 0.0, u - FRONT)
        dv = max(abs(v) - HALF_W, 0.0)
        best = min(best, math.hypot(du, dv))
    return best


@settings(max_examples=80, deadline=None)
@given(ax=coord, ay=coord, bx=coord, by=coord, th=st.floats(1.0, 40.0),
       x=st.floats(-400, 400), y=st.floats(-400, 400), h=st.floats(0.0, 360.0))
def test_rect_hits_wall_matches_sampling(ax: float, ay: float, bx: float, by: float, th: float,
                                         x: float, y: float, h: float) -> None:
    assume(math.hypot(bx - ax, by - ay) < 400)
    ref = _rect_seg_dist(x, y, h, (ax, ay), (bx, by))
    assume(abs(ref - th / 2) > 0.2)
    d = {"size": [3000, 3000], "walls": [{"points": [[ax, ay], [bx, by]], "thickness": th}]}
    w = World.from_dict(d)
    with grid_forced():
        g = World.from_dict(d)
    want = ref < th / 2
    assert w.rect_hits_wall(x, y, h, FRONT, BACK, HALF_W) == want
    assert g.rect_hits_wall(x, y, h, FRONT, BACK, HALF_W) == want


def test_contact_sides() -> None:
    w = wall_world()
    m = 1.0
    assert w.rect_contact(0, -100.5, 90, FRONT, BACK, HALF_W, m) == {"front"}
    assert w.rect_contact(0, -102, 90, FRONT, BACK, HALF_W, m) == frozenset()
    assert w.rect_contact(0, -70.5, -90, FRONT, BACK, HALF_W, m) == {"back"}
    assert w.rect_contact(0, -85.5, 0, FRONT, BACK, HALF_W, m) == {"left"}
    assert w.rect_contact(0, -85.5, 180, FRONT, BACK, HALF_W, m) == {"right"}
    # facing the wall squarely, even pressed into it a little: only the front
    assert w.rect_contact(0, -100, 90, FRONT, BACK, HALF_W, m) == {"front"}
    assert w.rect_contact(0, -99.7, 90, FRONT, BACK, HALF_W, m) == {"front"}
    # a post just off the front-left corner: both of that corner's sides
    post = World.from_dict({"size": [4000, 4000],
                            "walls": [{"points": [[90.5, 75.5], [90.5, 75.5]],
                                       "thickness": 0.2}]})
    assert post.rect_contact(0, 0, 0, FRONT, BACK, HALF_W, m) == {"front", "left"}
    assert post.rect_contact_mask(0, 0, 0, FRONT, BACK, HALF_W, m) == (
        world_mod.CONTACT_FRONT | world_mod.CONTACT_LEFT)
    # in the arena, backed into the south wall
    arena = load_world("arena")
    assert arena.rect_contact(0, -939.5, 90, FRONT, BACK, HALF_W, m) == {"back"}
    assert arena.rect_contact(0, -800, 90, FRONT, BACK, HALF_W, m) == frozenset()


# ------------------------------------------------------------------------------------------
# bad world files
# ------------------------------------------------------------------------------------------

GOOD_TOP = 'name = "bad"\nsize = [1000, 1000]\n'


@pytest.mark.parametrize(("body", "line", "words"), [
    # unknown key in the second wall table (line 9)
    ('[[walls]]\npoints = [[0, 0], [100, 0]]\n\n[[lines]]\npoints = [[0, 0], [1, 1]]\n\n'
     '[[walls]]\npoints = [[0, 0], [100, 0]]\nthicknes = 20\n', 11, ["thicknes", "thickness"]),
    ('[[lines]]\npoints = [[0, 0], [100, 0]]\nwidth = "20"\n', 5, ["width", "number"]),
    ('[[lines]]\npoints = [[0, 0], [100, 0]]\nwidth = -5\n', 5, ["width", "greater than 0"]),
    ('[[circles]]\ncenter = [0, 0]\nradius = 50\ncolor = "pink"\n', 6, ["color", "pink",
                                                                       "#rrggbb"]),
    ('[[polygons]]\npoints = [[0, 0], [100, 0]]\n', 4, ["points", "at least 3"]),
    ('[[walls]]\npoints = [[0, 0]]\n', 4, ["points", "at least 2"]),
    ('[[boxes]]\ncenter = [0, 0]\n', 3, ["size", "[[boxes]] #1"]),
    ('start = { x = 0, y = 0, heding = 90 }\n', 3, ["heding", "heading"]),
    ('colour = "red"\n', 3, ["colour", "background"]),
    ('[[rings]]\ncenter = [0, 0]\nradius = 50\nwidth = 80\n', 6, ["width", "radius"]),
])
def test_bad_toml_names_file_line_and_key(tmp_path: Path, body: str, line: int,
                                          words: list[str]) -> None:
    p = tmp_path / "broken.toml"
    p.write_text(GOOD_TOP + body)
    with pytest.raises(WorldError) as e:
        load_world(p)
    msg = str(e.value)
    assert f"broken.toml:{line}:" in msg, msg
    for word in words:
        assert word in msg, msg
    assert isinstance(e.value, RobokitError)


def test_toml_syntax_error(tmp_path: Path) -> None:
    p = tmp_path / "syntax.toml"
    p.write_text('name = "x"\nsize = [1000, 1000]\n[[lines]\npoints = 3\n')
    with pytest.raises(WorldError, match=r"syntax\.toml:3: TOML syntax error"):
        load_world(p)


def test_bad_json(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"name": "j", "size": [1000, 1000],
                             "lines": [{"points": [[0, 0], [10, 0]]},
                                       {"points": [[0, 0], [10, 0]], "colour": "red"}]},
                            indent=2))
    with pytest.raises(WorldError) as e:
        load_world(p)
    msg = str(e.value)
    text = p.read_text().splitlines()
    want_line = next(i + 1 for i, t in enumerate(text) if '"colour"' in t)
    assert f"bad.json:{want_line}:" in msg and "colour" in msg and "[[lines]] #2" in msg, msg
    p.write_text('{"name": "j",\n "size": [1000, 1000],\n}')
    with pytest.raises(WorldError, match=r"bad\.json:3: JSON syntax error"):
        load_world(p)


def test_json_world_loads(tmp_path: Path) -> None:
    p = tmp_path / "ok.json"
    p.write_text(json.dumps({"name": "ok", "bounds": [0, 0, 1000, 500], "background": "#808080",
                             "start": {"x": 100, "y": 100, "heading": 45},
                             "rings": [{"center": [500, 250], "radius": 200, "width": 50,
                                        "color": "blue"}]}))
    w = load_world(p)
    assert w.bounds == (0, 0, 1000, 500) and w.start == (100, 100, 45)
    assert approx_rgb(w.surface.rgb(675, 250, 5), COLORS["blue"][0])
    # reflectance is stored in steps of 0.5 %
    assert approx_rgb(w.surface.rgb(500, 250, 5), reflectance("#808080"), tol=0.25)


def test_unknown_names_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(WorldError) as e:
        load_world("ovall")
    msg = str(e.value)
    assert all(n in msg for n in BUILTIN_WORLDS) and ".toml" in msg and ".json" in msg
    with pytest.raises(WorldError, match="no such world file"):
        load_world(tmp_path / "nope.toml")
    with pytest.raises(WorldError, match="size"):
        parse_world('name = "nosize"\n', "nosize.toml")
    with pytest.raises(WorldError, match="outside"):
        parse_world('size = [100, 100]\nstart = { x = 500 }\n', "s.toml")
    with pytest.raises(WorldError, match=r"<dict>.*not a point"):
        World.from_dict({"size": [100, 100], "circles": [{"center": [1, 2, 3], "radius": 1}]})


# -- hostile world files (issue 16, cases 8 and 14) --------------------------------------------


def _world_error(tmp_path: Path, name: str, data: bytes | str) -> str:
    p = tmp_path / name
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    with pytest.raises(WorldError) as info:
        load_world(str(p))
    return str(info.value).replace(f"{tmp_path}/", "")


@pytest.mark.parametrize(("name", "text", "expect"), [
    ("deep.json", '{"size": ' + "[" * 100_000 + "]" * 100_000 + "}",
     r"deep\.json:1: arrays or tables nested more than 32 levels deep"),
    ("deep.toml", "size = " + "[" * 5000 + "]" * 5000 + "\n",
     r"deep\.toml:1: arrays or tables nested more than 32 levels deep"),
    ("spaced.json", '{"size": ' + "[1, " * 3000 + "]" * 3000 + "}",
     r"spaced\.json: arrays or tables nested too deeply"),
    ("bigint.toml", 'name = "w"\nsize = [1' + "0" * 5000 + ", 100]\n",
     r"bigint\.toml:2: a number of 4000 digits or more"),
    ("bigint.json", '{"size": [1' + "0" * 5000 + ", 100]}",
     r"bigint\.json:1: a number of 4000 digits or more"),
    ("dotted.toml", "a" + ".a" * 3000 + " = 1\n", r"dotted\.toml:1: a dotted key of more than"),
])
def test_deep_nesting_and_huge_numbers_in_a_world_file_give_one_clear_error(
        tmp_path: Path, name: str, text: str, expect: str):
    import re

    assert re.match(expect, _world_error(tmp_path, name, text))


def test_numbers_beyond_the_world_s_range_are_refused_naming_the_key(tmp_path: Path):
    msg = _world_error(tmp_path, "w.toml", "size = [1" + "0" * 400 + ", 100]\n")
    assert msg.startswith("w.toml:1: key 'size': 1") and "is not a number from -1000000" in msg
    assert len(msg) < 300
    msg = _world_error(tmp_path, "c.json", '{"size": [100, 100], "circles": '
                                           '[{"center": [1e300, 0], "radius": 5}]}')
    assert "[[circles]] #1, key 'center'" in msg and "within 1000000 mm" in msg


def test_a_world_file_that_is_not_utf8_or_starts_with_a_bom_says_so(tmp_path: Path):
    msg = _world_error(tmp_path, "latin.toml", 'name = "caf\xe9"\nsize = [100, 100]\n'
                       .encode("latin-1"))
    assert msg == ("latin.toml:1: the file is not UTF-8 text (byte 0xe9 at byte offset 11); "
                   "save it as UTF-8")
    msg = _world_error(tmp_path, "bom.toml", b"\xef\xbb\xbfsize = [100, 100]\n")
    assert msg == ("bom.toml: the file starts with a UTF-8 byte-order mark; "
                   "save it without one")


def test_a_start_inside_a_box_or_on_a_wall_is_refused_with_its_line(tmp_path: Path):
    msg = _world_error(tmp_path, "box.toml", 'size = [2000, 2000]\nstart = { x = 0, y = 0 }\n'
                       '[[boxes]]\ncenter = [0, 0]\nsize = [300, 300]\n')
    assert msg == ("box.toml:2: start, key 'x': the start (0, 0) is inside [[boxes]] #1, so "
                   "the robot could not move; move the start to open floor")
    msg = _world_error(tmp_path, "wall.toml", 'size = [2000, 2000]\n\n[start]\nx = 5\ny = 0\n'
                       '[[walls]]\npoints = [[0, -500], [0, 500]]\nthickness = 20\n')
    assert msg.startswith("wall.toml:4: start, key 'x': the start (5, 0) is on [[walls]] #1")
    # no start given: the centre is the start, and the message points at the box
    msg = _world_error(tmp_path, "centre.toml", 'size = [2000, 2000]\n\n[[boxes]]\n'
                       'center = [50, 0]\nsize = [300, 300]\n')
    assert msg.startswith("centre.toml:3: [[boxes]] #1: the world's centre (0, 0)")
    # next to the box is fine, and so is every built-in world
    parse_world('size = [2000, 2000]\nstart = { x = 400, y = 0 }\n'
                '[[boxes]]\ncenter = [0, 0]\nsize = [300, 300]\n')
    for name in BUILTIN_WORLDS:
        load_world(name)
