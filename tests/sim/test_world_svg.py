"""A world's picture as SVG (worldplot_svg) and its PNG (that SVG drawn by svgraster):
the rover where the world starts it, every world in the subset svgraster draws, the PNG
as resvg draws the SVG, bold text in DejaVu Sans Bold."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from plot_helpers import assert_alike, assert_sees_missing, pixels, resvg

from robokit.config import standard_rover
from robokit.sim.plot_data import ROBOT_COLORS, START_COLOR, outline
from robokit.sim.svgraster import SvgSubsetError, rasterize
from robokit.sim.world import BUILTIN_WORLDS, load_world
from robokit.sim.worldplot_svg import HEIGHT, WIDTH, arrow, world_svg

ROOT = Path(__file__).resolve().parents[2]
NS = {"s": "http://www.w3.org/2000/svg"}
BODY = standard_rover()["body"]
#: The world files of the examples (objects, a ring), besides the built-in worlds.
EXAMPLE_WORLDS = sorted(ROOT.glob("examples/**/*.toml"))


def _worlds() -> list[str | Path]:
    return [*BUILTIN_WORLDS, *(p for p in EXAMPLE_WORLDS if _is_world(p))]


def _is_world(path: Path) -> bool:
    try:
        load_world(path)
    except Exception:  # robot.toml files and the like
        return False
    return True


def _points(s: str) -> list[tuple[float, float]]:
    vals = [float(v) for v in re.findall(r"-?[\d.]+", s)]
    return list(zip(vals[0::2], vals[1::2], strict=True))


def _transform(root: ET.Element) -> tuple[float, float, float, float]:
    """The world group's map: x px = a x + e, y px = d y + f."""
    group = root.find(".//s:g[@id='world']", NS)
    assert group is not None
    a, b, c, d, e, f = map(float, re.findall(r"-?[\d.e+-]+", group.get("transform", "")))
    assert b == c == 0 and d == pytest.approx(-a) and a > 0.1
    return a, e, d, f


@pytest.mark.parametrize("name", ["maze", "sumo", "arena"])
def test_the_rover_is_drawn_at_the_start_pose_with_its_heading(name: str) -> None:
    world = load_world(name)
    root = ET.fromstring(world_svg(world, BODY))
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    rover = root.find(".//s:g[@id='world']/s:polygon[@id='rover']", NS)
    assert rover is not None and rover.get("stroke") == START_COLOR
    drawn = _points(rover.get("points", ""))
    assert len(drawn) == 4
    for p, q in zip(drawn, outline(world.start, BODY), strict=True):
        assert p == pytest.approx(q, abs=0.006)
    # the arrow: a polygon from the start whose tip is ahead along the heading
    head = root.find(".//s:g[@id='world']/s:polygon[@id='heading']", NS)
    assert head is not None and head.get("fill") == START_COLOR
    tip = max(_points(head.get("points", "")),
              key=lambda p: math.dist(p, world.start[:2]))
    x, y, heading = world.start
    length = max(BODY["front"], 60.0) * 1.6
    ahead = (x + length * math.cos(math.radians(heading)),
             y + length * math.sin(math.radians(heading)))
    assert tip == pytest.approx(ahead, abs=0.006)
    # the start marker (in px) sits on the start pose (in mm)
    a, e, d, f = _transform(root)
    start = root.find(".//s:g[@id='start']", NS)
    assert start is not None
    sx, sy = map(float, re.findall(r"-?[\d.]+", start.get("transform", "")))
    assert (sx, sy) == pytest.approx((a * x + e, d * y + f), abs=0.02)
    texts = [t.text for t in root.iter(f"{{{NS['s']}}}text")]
    assert texts[:2] == [world.name, world.description]
    assert f"start x={x:.0f} y={y:.0f} heading={heading:.0f}°" in texts


def test_the_arrow_is_seven_corners_with_its_head_a_quarter_long() -> None:
    pts = arrow(100.0, 50.0, 90.0, 200.0)  # north
    assert len(pts) == 7
    assert pts[3] == pytest.approx((100.0, 250.0))  # the tip
    assert pts[2] == pytest.approx((75.0, 200.0))  # the head: 25 % long, 25 % wide
    assert pts[0] == pytest.approx((94.0, 50.0))  # the shaft: 6 % wide


def test_several_robots_are_numbered_in_bold_at_their_start_poses() -> None:
    world = load_world("sumo")
    assert len(world.robots) == 2
    root = ET.fromstring(world_svg(world, BODY))
    a, e, d, f = _transform(root)
    numbers = [t for t in root.iter(f"{{{NS['s']}}}text") if t.get("class") == "robot-number"]
    assert [t.text for t in numbers] == ["1", "2"]
    for i, (t, r) in enumerate(zip(numbers, world.robots, strict=True)):
        assert t.get("font-weight") == "bold" and t.get("fill") == ROBOT_COLORS[i]
        assert float(t.get("x", "")) == pytest.approx(a * r.pose.x + e, abs=0.01)
        dashed = root.find(f".//s:polygon[@id='robot-{i + 1}']", NS)
        assert dashed is not None and dashed.get("stroke-dasharray")
        for p, q in zip(_points(dashed.get("points", "")), outline(r.pose, BODY), strict=True):
            assert p == pytest.approx(q, abs=0.006)


@pytest.mark.parametrize("world", _worlds(), ids=str)
def test_every_world_is_in_the_subset_and_drawn(world: str | Path) -> None:
    img = rasterize(world_svg(load_world(world), BODY))
    assert (img.mode, img.size) == ("RGB", (WIDTH, HEIGHT))
    assert len(img.getcolors(1 << 16) or range(1 << 16)) > 20  # not a blank


def test_the_examples_have_world_files_with_objects() -> None:
    """The list above is not only the built-in worlds: objects are drawn too."""
    assert any(load_world(p).objects for p in EXAMPLE_WORLDS if _is_world(p))


# -- the PNG as resvg draws the SVG ----------------------------------------------------









#: A maze (walls, a goal), a ring with two robots' numbered starts, a walled square with
#: boxes, a line, and a world with an object to push.
COMPARED = ["maze", "sumo", "arena", "oval", ROOT / "examples" / "can_push" / "can_ring.toml"]


@pytest.mark.parametrize("world", COMPARED, ids=str)
def test_the_png_is_resvgs_picture(world: str | Path) -> None:
    svg = world_svg(load_world(world), BODY)
    assert_alike(pixels(svg), resvg(svg))


@pytest.mark.parametrize("cut", [
    r'<polygon id="rover" [^>]*/>',  # the rover's outline
    r'<polygon id="heading" [^>]*/>',  # its arrow
    r'<text[^>]*id="title">[^<]*</text>',  # the title
    r'<text[^>]*id="description">[^<]*</text>',  # the description
    r'<g class="legend">.*?</text>\n</g>',  # the legend
    r'<text[^>]*class="robot-number">2</text>',  # robot 2's number
])
def test_the_comparison_sees_a_missing_part(cut: str) -> None:
    assert_sees_missing(world_svg(load_world("sumo"), BODY), cut)


BOLD = """<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80"
 font-family="DejaVu Sans">
<text x="10" y="55" font-size="40" font-weight="bold" fill="#c8a800">Bold 12</text>
</svg>"""


def test_bold_text_is_drawn_in_the_bold_face_as_resvg_draws_it() -> None:
    bold = pixels(BOLD)
    assert_alike(bold, resvg(BOLD), 0.01)
    regular = BOLD.replace(' font-weight="bold"', "")
    ink = [(np.abs(img - 255).max(axis=2) > 100).sum() for img in (bold, pixels(regular))]
    assert ink[0] > 1.3 * ink[1]  # bold strokes: more ink than the regular face's
    with pytest.raises(AssertionError):  # and the comparison tells the faces apart
        assert_alike(pixels(regular), resvg(BOLD), 0.01)
    with pytest.raises(SvgSubsetError, match="font-weight"):
        rasterize(BOLD.replace('"bold"', '"900"'))


def test_world_figure_is_still_the_same_picture_in_matplotlib() -> None:
    """world_figure (public: the picture as a matplotlib figure to change) draws the rover
    where the SVG's PNG does."""
    from robokit.sim.worldplot import world_figure

    world = load_world("maze")
    fig = world_figure(world, BODY)
    fig.canvas.draw()
    drawn = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int)
    assert drawn.shape == (HEIGHT, WIDTH, 3)
    start = np.array([int(START_COLOR[k:k + 2], 16) for k in (1, 3, 5)])
    centres = []
    for img in (drawn, pixels(world_svg(world, BODY))):
        mask = np.abs(img - start).max(axis=2) < 30
        mask[:150] = False  # not the legend
        rows, cols = np.nonzero(mask)
        assert len(rows) > 100
        centres.append((cols.mean(), rows.mean()))
    assert centres[0] == pytest.approx(centres[1], abs=5)
