"""svgraster: the run's SVG drawn to pixels with Pillow (the PNG of ``--plot run.png``).

Checked against resvg (resvg-py), an SVG renderer of its own, on the examples' pictures
and on a drawing of each kind of element the subset has; and pixel by pixel where the
picture must show something: the path at the telemetry's poses, the title, a translucent
box over a colour, the path clipped to the map's frame."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from plot_helpers import assert_alike, assert_sees_missing, pixels, resvg

from robokit.sim import simulate
from robokit.sim.plot_data import PATH_COLOR, scene
from robokit.sim.plot_svg import HEIGHT, WIDTH, svg_text
from robokit.sim.svgraster import SvgSubsetError, rasterize

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
#: The examples compared with resvg: a line on a mat; walls and a colour band; a ring, a
#: box and a contact; colour bands with their names; an events lane of every kind.
COMPARED = ("line_follower", "maze_solver", "sumo", "colour_sorter", "hello")


@pytest.fixture(scope="module")
def svgs() -> dict[str, tuple[Any, str]]:
    """Every example's run and its SVG picture."""
    out = {}
    for path in EXAMPLES:
        sc = scene(simulate(path))
        out[path.stem] = (sc, svg_text(sc))
    return out










def test_every_examples_picture_is_in_the_subset_and_drawn(svgs) -> None:  # type: ignore[no-untyped-def]
    assert len(svgs) >= 10
    for name, (_sc, svg) in svgs.items():
        img = rasterize(svg)
        assert (img.mode, img.size) == ("RGB", (WIDTH, HEIGHT)), name
        assert len(img.getcolors(1 << 16) or range(1 << 16)) > 20, name  # not a blank


@pytest.mark.parametrize("name", COMPARED)
def test_the_picture_is_resvgs_picture(svgs, name: str) -> None:  # type: ignore[no-untyped-def]
    _sc, svg = svgs[name]
    assert_alike(pixels(svg), resvg(svg))


def test_objects_and_other_robots_are_drawn_as_resvg_draws_them(tmp_path: Path) -> None:
    """The examples' own worlds have no objects and run one robot: a turned box, a ball
    and a can to push (rects turned by their transform, circles), and a match of two."""
    world = tmp_path / "things.toml"
    world.write_text((ROOT / "examples" / "can_push" / "can_ring.toml").read_text()
                     + '\n[[objects]]\nshape = "box"\nsize = [80, 50]\nangle = 30\n'
                       'center = [-150, 200]\ncolor = "blue"\n'
                       '\n[[objects]]\nshape = "ball"\nradius = 25\ncenter = [150, -200]\n'
                       'color = "yellow"\n')
    pushed = simulate(ROOT / "examples" / "can_push" / "push_can.py", world=world)
    match = simulate([ROOT / "examples" / "sumo_match" / "pusher.py",
                      ROOT / "examples" / "sumo_match" / "listener.py"])
    for result, drawn in ((pushed, '<rect class="object"'), (match, '<path id="path-2"')):
        svg = svg_text(scene(result))
        assert drawn in svg
        assert_alike(pixels(svg), resvg(svg))


@pytest.mark.parametrize("cut", [
    r'<path id="path" [^>]*/>',  # the robot's path
    r'<text[^>]*id="title">[^<]*</text>',  # the title
    r'<g class="panel" id="panel-0">.*?</g>\n</g>',  # a time panel
])
def test_the_comparison_sees_a_missing_part(svgs, cut: str) -> None:  # type: ignore[no-untyped-def]
    """The bounds of the comparison are not so loose that a picture without its path,
    its title or a panel passes."""
    assert_sees_missing(svgs["line_follower"][1], cut)


#: One of each kind of element and attribute the subset draws, large enough to see.
KINDS = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300"
 font-family="DejaVu Sans">
<title>kinds</title>
<rect width="400" height="300" fill="#ffffff"/>
<rect x="10" y="10" width="80" height="50" rx="8" fill="#1f77b4" fill-opacity="0.6"
 stroke="#202020" stroke-width="3"/>
<rect id="turned" x="-25" y="-15" width="50" height="30" transform="translate(150 40) rotate(30)"
 fill="#ff7f0e" stroke="#202020" stroke-width="2"/>
<circle cx="240" cy="40" r="25" fill="#2ca02c" stroke="#000000" stroke-width="4"/>
<circle cx="320" cy="40" r="20" fill="none" stroke="#9467bd" stroke-width="10"/>
<polygon points="70,85 100,150 25,110 115,110 40,150" fill="#8c564b" fill-rule="evenodd"/>
<polygon points="140,90 220,90 220,150 140,150" fill="none" stroke="#00a651" stroke-width="4"
 stroke-dasharray="12 6" stroke-linejoin="round"/>
<polyline points="240,150 270,90 300,150 330,90" fill="none" stroke="#d62728" stroke-width="12"
 stroke-linecap="round" stroke-linejoin="round"/>
<path d="M350 90H390V150h-20v-30H350Z" fill="#17becf" stroke="#000000" stroke-width="2"/>
<path d="M20 180H380" stroke="#000000" stroke-opacity="0.3" stroke-width="8"/>
<clipPath id="c"><rect x="20" y="200" width="120" height="40"/></clipPath>
<g clip-path="url(#c)"><g transform="matrix(2 0 0 -2 0 225)">
<path d="M0 0L125 5" fill="none" stroke="#ff00aa" stroke-width="5"/></g></g>
<text x="200" y="230" font-size="24">Start</text>
<text x="390" y="230" font-size="24" text-anchor="end" fill="#1e88e5">End</text>
<text x="160" y="280" font-size="20" text-anchor="middle"
 transform="rotate(-90 160 280)">Up</text>
<g transform="translate(300 270)"><path d="M-10 -10L10 10M-10 10L10 -10" stroke="#e00000"
 stroke-width="4"/></g>
</svg>"""


#: The picture of KINDS has more edges per pixel than a run's: more of them differ a little.
KINDS_MOST = 0.008


def test_each_kind_of_element_is_drawn_as_resvg_draws_it() -> None:
    assert_alike(pixels(KINDS), resvg(KINDS), KINDS_MOST)  # measured: 0.37 %


@pytest.mark.parametrize("cut", [
    r'<rect x="10".*?/>', r'<rect id="turned".*?/>', r'<circle cx="240".*?/>',
    r'<circle cx="320".*?/>', r'<polygon points="70.*?/>', r'<polygon points="140.*?/>',
    r'<polyline.*?/>', r'<path d="M350.*?/>', r'<path d="M20 180.*?/>',
    r'<text x="200".*?</text>', r'<text x="390".*?</text>', r'<text x="160".*?</text>',
    r'<path d="M-10.*?/>', r' clip-path="url\(#c\)"', r' fill-opacity="0.6"',
    r' stroke-opacity="0.3"', r' stroke-dasharray="12 6"', r' rx="8"',
    r' stroke-linecap="round"',
])
def test_without_any_one_kind_the_pictures_differ(cut: str) -> None:
    """Each element and attribute of KINDS shows: the comparison fails without it."""
    missing = re.sub(cut, "", KINDS, count=1, flags=re.S)
    assert len(missing) < len(KINDS)
    with pytest.raises(AssertionError):
        assert_alike(pixels(missing), resvg(KINDS), KINDS_MOST)


def hexrgb(colour: str) -> np.ndarray:
    return np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])


def world_to_pixel(svg: str) -> tuple[float, float, float, float]:
    """The map's scale and offsets (x px = s x + tx, y px = -s y + ty), from the SVG."""
    m = re.search(r'<g id="world" transform="matrix\(([-\d.e]+) 0 0 ([-\d.e]+) ([-\d.]+) '
                  r'([-\d.]+)\)">', svg)
    assert m is not None
    s, minus_s, tx, ty = map(float, m.groups())
    assert minus_s == -s
    return s, tx, -s, ty


def test_the_path_is_drawn_at_the_telemetrys_poses(svgs) -> None:  # type: ignore[no-untyped-def]
    sc, svg = svgs["line_follower"]
    img = pixels(svg)
    sx, tx, sy, ty = world_to_pixel(svg)
    path = hexrgb(PATH_COLOR)
    marks = (sc.start[:2], sc.end[:2])  # the start and end markers are drawn over it
    poses = [(x, y) for x, y in list(zip(sc.xs, sc.ys, strict=True))[::10]
             if min(math.dist((x, y), m) for m in marks) > 120]
    assert len(poses) > 50
    for x, y in poses:
        px, py = round(sx * x + tx), round(sy * y + ty)
        near = img[py - 1:py + 2, px - 1:px + 2].reshape(-1, 3)
        assert (np.abs(near - path).max(axis=1) < 40).any(), (x, y)
    # and not where the robot never was: the mat's middle
    cx, cy = round(tx), round(ty)
    assert (np.abs(img[cy - 5:cy + 5, cx - 5:cx + 5] - path).max(axis=2) > 100).all()


def test_the_title_is_dark_text_where_the_svg_puts_it(svgs) -> None:  # type: ignore[no-untyped-def]
    _sc, svg = svgs["hello"]
    img = pixels(svg)
    m = re.search(r'<text x="([\d.]+)" y="([\d.]+)" font-size="([\d.]+)" text-anchor="middle" '
                  r'id="title">([^<]*)</text>', svg)
    assert m is not None
    x, y, size = (float(v) for v in m.groups()[:3])
    band = img[round(y - 0.7 * size):round(y), :].max(axis=2)  # above the baseline
    dark = np.nonzero(band.min(axis=0) < 80)[0]
    assert len(dark) > 100
    # centred on x, about as wide as the text
    assert abs((dark.min() + dark.max()) / 2 - x) < 0.03 * size * len(m.group(4))
    assert 0.4 * size * len(m.group(4)) < dark.max() - dark.min() < 0.7 * size * len(m.group(4))
    assert (img[:round(y - size), :] == 255).all()  # nothing above it


def test_a_translucent_box_blends_with_what_is_under_it() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
           '<rect width="100" height="50" fill="#ff0000"/>'
           '<rect x="20" y="10" width="60" height="30" fill="#0000ff" fill-opacity="0.25"/>'
           '<path d="M0 45H100" stroke="#00ff00" stroke-opacity="0.5" stroke-width="6"/></svg>')
    img = pixels(svg)
    assert np.abs(img[25, 50] - [191, 0, 64]).max() <= 2  # 1/4 blue over red
    assert (img[25, 10] == [255, 0, 0]).all()  # beside the box: red
    assert np.abs(img[45, 10] - [128, 128, 0]).max() <= 2  # half green over red


def test_the_path_is_clipped_to_the_maps_frame(svgs) -> None:  # type: ignore[no-untyped-def]
    """A path that runs far out of the map stops at its frame (the map's clip)."""
    _sc, svg = svgs["line_follower"]
    sx, tx, sy, ty = world_to_pixel(svg)
    far = re.sub(r'(<path id="path" d="M[^"]*)"', r'\1M0 0L100000 0"', svg, count=1)
    assert far != svg
    img = pixels(far)
    frame = re.search(r'<clipPath id="map-clip"><rect x="([\d.]+)" y="([\d.]+)" '
                      r'width="([\d.]+)" height="([\d.]+)"/>', svg)
    assert frame is not None
    x0, y0, w, h = (float(v) for v in frame.groups())
    path = hexrgb(PATH_COLOR)
    pink = (np.abs(img - path).max(axis=2) < 40)
    row = round(ty)  # y = 0 mm: the line out to x = 100 m runs along it
    inside = pink[row - 2:row + 3, round(x0 + w) - 30:round(x0 + w) - 2]
    assert inside.any(axis=0).all()  # the line reaches the frame
    assert not pink[:, round(x0 + w) + 2:round(x0 + w) + 200].any()  # and stops there
    assert not pink[:round(y0) - 2].any() and not pink[round(y0 + h) + 2:].any()


@pytest.mark.parametrize("svg, what", [
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><ellipse rx="2"/></svg>',
     "<ellipse>"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<rect width="2" height="2" opacity="0.5"/></svg>', "opacity"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<g transform="skewX(20)"/></svg>', "skewX"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<path d="M0 0C1 1 2 2 3 3"/></svg>', "'C'"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<rect width="2" height="2" fill="red"/></svg>', "#rrggbb"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<path d="M0 0L1 1" stroke="#000000" stroke-linecap="square"/></svg>', "square"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<g clip-path="url(#nowhere)"/></svg>', "no such clipPath"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
     '<text x="1" y="1">a<tspan>b</tspan></text></svg>', "inside it"),
])
def test_what_the_subset_does_not_have_is_refused_by_name(svg: str, what: str) -> None:
    with pytest.raises(SvgSubsetError, match=re.escape(what)):
        rasterize(svg)


def test_a_png_plot_imports_neither_matplotlib_nor_numpy(tmp_path: Path) -> None:
    """The PNG's budget (issue 12: the simulation's time + 150 ms of CPU) is less than
    importing matplotlib costs: the PNG is drawn without it (and without numpy)."""
    out = tmp_path / "lap.png"
    code = textwrap.dedent(f"""\
        import sys
        import robokit.sim
        from robokit.sim.plot import plot_run
        result = robokit.sim.simulate({str(ROOT / "examples" / "line_follower.py")!r})
        before = {{"matplotlib", "numpy"}} & set(sys.modules)
        plot_run(result, {str(out)!r})
        print(sorted({{"matplotlib", "numpy"}} & set(sys.modules) - before))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlibs_fonts_the_text_is_in_pillows_own_font(tmp_path: Path) -> None:
    """A matplotlib with no mpl-data (here: an empty package first on the path): the
    text is still drawn, in Pillow's default font at the size asked for."""
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
           '<text x="150" y="40" font-size="30" text-anchor="middle">Hello</text></svg>')
    code = textwrap.dedent(f"""\
        from robokit.sim.svgraster import font_path, rasterize
        assert font_path() is None
        img = rasterize({svg!r}).convert("L")
        dark = [x for x in range(300) if min(img.getpixel((x, y)) for y in range(60)) < 80]
        rows = [y for y in range(60) if min(img.getpixel((x, y)) for x in range(300)) < 80]
        print(min(dark), max(dark), min(rows), max(rows))
    """)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    left, right, top, bottom = map(int, proc.stdout.split())
    assert 50 < right - left < 110 and abs((left + right) / 2 - 150) < 5  # ~30 px letters
    assert 12 < top < 25 and 35 < bottom <= 41  # on the baseline at y = 40


def test_ids_classes_and_data_attributes_are_no_drawing() -> None:
    plain = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
             '<rect x="2" y="2" width="10" height="5" fill="#123456"/></svg>')
    tagged = plain.replace("<rect ", '<rect id="r" class="box" data-label="x" ')
    assert np.array_equal(pixels(plain), pixels(tagged))
