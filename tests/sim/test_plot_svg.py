"""plot_run(result, "run.svg"): the run's picture as SVG, drawn without matplotlib."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from robokit.sim import simulate
from robokit.sim.plot import PATH_COLOR, plot_figure, plot_format, plot_run
from robokit.sim.plot_data import scene
from robokit.sim.plot_svg import HEIGHT, WIDTH, svg_text
from robokit.sim.svgdraw import nice_ticks

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
NS = {"s": "http://www.w3.org/2000/svg"}


def _svg(result: object, tmp_path: Path, name: str = "run.svg") -> ET.Element:
    out = tmp_path / name
    plot_run(result, out)  # type: ignore[arg-type]
    return ET.fromstring(out.read_text(encoding="utf-8"))


def _texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter(f"{{{NS['s']}}}text")]


def _points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", d)]


@pytest.fixture(scope="module")
def follow():  # type: ignore[no-untyped-def]
    return simulate(PROGRAMS / "follow_short.py")  # stopped by its duration


def test_the_svg_has_the_title_the_size_and_the_path_at_the_run_s_poses(
        follow, tmp_path: Path) -> None:
    svg = _svg(follow, tmp_path)
    assert svg.tag == f"{{{NS['s']}}}svg"
    assert (svg.get("width"), svg.get("height")) == (str(WIDTH), str(HEIGHT))
    title = svg.find(".//s:text[@id='title']", NS)
    assert title is not None
    assert title.text == (f"{follow.program} on oval: {follow.status}, "
                          f"{follow.sim_time_s:.2f} s simulated")
    # the path: the telemetry's poses and the end pose, in mm, in the world's group
    path = svg.find(".//s:g[@id='world']/s:path[@id='path']", NS)
    assert path is not None and path.get("stroke") == PATH_COLOR
    drawn = _points(path.get("d", ""))
    rec = follow.telemetry
    poses = list(zip(rec.column("x_mm"), rec.column("y_mm"), strict=True)) + [follow.pose[:2]]
    assert len(drawn) == len(poses) > 100
    for (x, y), (px, py) in zip(drawn, poses, strict=True):
        assert (x, y) == pytest.approx((px, py), abs=0.006)
    # the world's group maps mm to pixels to scale (the same factor both ways, y up) so
    # that the start marker (drawn in pixels) sits on the start pose
    world = svg.find(".//s:g[@id='world']", NS)
    assert world is not None
    a, b, c, d, e, f = map(float, re.findall(r"-?[\d.e+-]+", world.get("transform", "")))
    assert b == c == 0 and d == pytest.approx(-a) and a > 0.1
    start = svg.find(".//s:g[@id='start']", NS)
    assert start is not None
    sx, sy = map(float, re.findall(r"-?[\d.]+", start.get("transform", "")))
    x0, y0, _h = follow.start_pose
    assert (sx, sy) == pytest.approx((a * x0 + e, d * y0 + f), abs=0.02)
    assert 0 < sx < WIDTH / 2 and 0 < sy < HEIGHT  # on the left half


def test_the_svg_has_the_panels_traces_and_legends_of_the_png(follow, tmp_path: Path) -> None:
    """The same panels as the PNG figure, each trace one line with a point per row, and a
    legend naming each trace; the map's legend names the path, start and end."""
    svg = _svg(follow, tmp_path)
    titles = [t.text for t in svg.iter(f"{{{NS['s']}}}text") if t.get("class") == "panel-title"]
    fig = plot_figure(scene(follow))
    png_titles = [ax.get_title(loc="left") for ax in fig.axes[1:]]
    assert titles == png_titles == ["colour sensor", "drive motors", "events: none"]
    panels = svg.findall(".//s:g[@class='panel']", NS)
    assert len(panels) == 2
    for panel, ax in zip(panels, fig.axes[1:3], strict=True):
        traces = [p for p in panel.iter(f"{{{NS['s']}}}path") if p.get("class") == "trace"]
        labels = [p.get("data-label") for p in traces]
        assert labels == [line.get_label() for line in ax.get_lines()
                          if not line.get_label().startswith("_")]
        for p, line in zip(traces, ax.get_lines(), strict=False):
            read = [v for v in line.get_ydata() if not math.isnan(v)]  # NaN: not read yet
            pts = _points(p.get("d", ""))
            assert len(pts) == len(read) > 100
            # higher values higher up: the highest reading is the topmost point
            top = min(y for _x, y in pts)
            assert pts[read.index(max(read))][1] == pytest.approx(top, abs=0.051)
        legend = panel.find("s:g[@class='legend']", NS)
        assert legend is not None and _texts(legend) == labels
        assert ax.get_ylabel() in _texts(panel)
    map_legend = svg.find(".//s:g[@id='map']/s:g[@class='legend']", NS)
    assert map_legend is not None
    assert _texts(map_legend) == [f"path ({follow.distance_mm:.0f} mm)", "start", "end"]
    texts = _texts(svg)
    assert {"x (mm)", "y (mm)", "simulated time (s)", "world: oval"} <= set(texts)


def test_the_mat_is_drawn_as_vector_shapes(follow, tmp_path: Path) -> None:
    """oval's black line: a closed polygon 20 mm wide over the white background, clipped
    to the world's bounds; no raster image."""
    svg = _svg(follow, tmp_path)
    mat = svg.find(".//s:g[@id='mat-surface']", NS)
    assert mat is not None
    background, line = list(mat)
    assert background.get("fill") == "#ffffff"
    assert float(background.get("width", 0)) == 3000 and float(background.get("height", 0)) == 2000
    (shape,) = follow.world.shapes
    assert line.tag == f"{{{NS['s']}}}polygon" and float(line.get("stroke-width", 0)) == 20
    pts = [float(v) for p in line.get("points", "").split() for v in p.split(",")]
    assert pts == pytest.approx([v for p in shape.points for v in p])
    assert svg.find(".//s:image", NS) is None


def test_the_events_lane_has_each_event_at_its_time(tmp_path: Path) -> None:
    result = simulate(ROOT / "examples" / "hello.py")
    svg = _svg(result, tmp_path)
    lane = svg.find(".//s:g[@id='events']", NS)
    assert lane is not None
    marks = {g.get("data-kind"): [float(m.get("data-t", "nan")) for m in g]
             for g in lane.findall(".//s:g[@class='mark']", NS)}
    beeps = [e["t_ms"] / 1000 for e in result.events if e["kind"] == "beep"]
    assert beeps and marks["beep"] == pytest.approx(beeps)
    prints = [t / 1e6 for t, _text in result.telemetry.output]
    assert len(prints) == 2 and marks["print"] == pytest.approx(prints)
    texts = _texts(lane)
    assert "HI" in texts
    rows = ["print", "sound", "light", "display"]  # the rows, top to bottom
    assert [t for t in texts if t in rows] == rows
    (light,) = lane.findall(".//s:rect[@class='light']", NS)
    assert light.get("fill") == "#00ff00"
    # its wheels never turned: no motor panel, the events lane is the whole right side
    assert svg.findall(".//s:g[@class='panel']", NS) == []


def test_a_program_reading_color_gets_its_colour_band(tmp_path: Path) -> None:
    result = simulate(ROOT / "examples" / "maze_solver.py")
    svg = _svg(result, tmp_path)
    (band,) = svg.findall(".//s:g[@class='band']", NS)
    title = [t for t in _texts(band) if "the colour under the sensor" in t]
    assert title and "color()" in title[0]
    spans = [(float(r.get("x", 0)) + float(r.get("width", 0)), r.get("data-label"),
              r.get("fill")) for r in band.findall("s:rect[@data-label]", NS)]
    assert {label for _x, label, _c in spans} == {"WHITE", "GREEN"}
    right, label, fill = max(spans)
    assert (label, fill) == ("GREEN", "#00ff00")
    events = svg.find(".//s:g[@id='events']", NS)
    assert events is not None
    frame = events.find("s:rect", NS)
    assert frame is not None  # the band ends where the shared time axis ends
    assert right == pytest.approx(float(frame.get("x", 0)) + float(frame.get("width", 0)),
                                  abs=0.05)
    assert "reflection %" not in _texts(svg)


def test_contacts_are_crosses_on_the_map(tmp_path: Path) -> None:
    prog = tmp_path / "ram.py"
    prog.write_text(textwrap.dedent("""\
        from robokit import robot
        robot.drive_base.turn(180)      # face the south wall, ~110 mm ahead
        robot.drive_base.straight(400)  # and push into it
    """))
    result = simulate(prog, world="arena", duration=4)
    n = len([e for e in result.events if e["kind"] == "contact"])
    assert n
    svg = _svg(result, tmp_path)
    assert len(svg.findall(".//s:g[@id='map']//s:g[@class='contact']", NS)) == n
    assert f"contact ({n})" in _texts(svg)
    assert svg.findall(".//s:polyline[@class='wall']", NS) + svg.findall(
        ".//s:polygon[@class='wall']", NS)
    calm = _svg(simulate(PROGRAMS / "still.py", world="arena"), tmp_path, "calm.svg")
    assert calm.findall(".//s:g[@class='contact']", NS) == []


def test_the_format_is_the_suffix_s() -> None:
    assert plot_format("a.svg") == "svg"
    assert plot_format("a.PNG") == "png"
    assert plot_format("/dev/stdout") == "svg"  # no suffix: SVG, text
    with pytest.raises(ValueError, match=r"a\.jpg: .*\.svg.*\.png.*a\.svg or a\.png"):
        plot_format("a.jpg")


@pytest.mark.parametrize(("lo", "hi", "nbins", "ticks", "decimals"), [
    (-1620.0, 1620.0, 9, [-1500.0, -1000.0, -500.0, 0.0, 500.0, 1000.0, 1500.0], 0),
    (-1120.0, 1120.0, 9, [-1000.0 + 250 * k for k in range(9)], 0),
    (35.4, 52.6, 7, [37.5 + 2.5 * k for k in range(7)], 1),
    (0.0, 22.507, 9, [0.0, 5.0, 10.0, 15.0, 20.0], 0),
    (-0.3, 0.31, 5, [-0.2, 0.0, 0.2], 1),
])
def test_ticks_are_at_matplotlib_s_steps(lo: float, hi: float, nbins: int, ticks: list[float],
                                         decimals: int) -> None:
    got, dec = nice_ticks(lo, hi, nbins)
    assert got == pytest.approx(ticks) and dec == decimals


def test_the_svg_needs_neither_matplotlib_nor_numpy(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""\
        import sys
        import robokit.sim
        from robokit.sim.plot import plot_run
        result = robokit.sim.simulate({str(ROOT / "examples" / "line_follower.py")!r})
        before = set(sys.modules)
        plot_run(result, {str(tmp_path / "x.svg")!r})
        new = set(sys.modules) - before
        heavy = sorted(m for m in new if m.split(".")[0] in ("matplotlib", "numpy", "PIL"))
        assert not heavy, heavy
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    ET.fromstring((tmp_path / "x.svg").read_text(encoding="utf-8"))


def test_a_browser_draws_the_svg(follow, tmp_path: Path) -> None:
    """Chromium renders the SVG (when it is installed): the path's colour on the left
    half only, the first trace's colour on the right half."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium to render the SVG")
    import numpy as np
    from PIL import Image

    page = tmp_path / "run.svg"
    page.write_text(svg_text(scene(follow)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}",
                    page.as_uri()], capture_output=True, timeout=60)
    if not shot.exists():
        pytest.skip("chromium made no screenshot here")
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)

    def near(hex_colour: str) -> np.ndarray:
        rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
        return np.all(np.abs(img - rgb) < 30, axis=2)

    half = img.shape[1] // 2
    assert near(PATH_COLOR)[:, :half].sum() > 100
    assert near(PATH_COLOR)[:, half:].sum() == 0
    assert near("#1f77b4")[:, half:].sum() > 300
    assert math.isclose(img.shape[1], WIDTH, rel_tol=0.01)


def test_every_robot_and_object_is_drawn_where_it_ended(tmp_path: Path) -> None:
    """A match: robot 2's path in its colour with its legend entry; a pushed can: the
    object where it ended, not where it stood."""
    from robokit.sim.plot_data import ROBOT_COLORS

    match = simulate([ROOT / "examples" / "sumo_match" / "pusher.py",
                      ROOT / "examples" / "sumo_match" / "listener.py"])
    svg = _svg(match, tmp_path, "match.svg")
    second = svg.find(".//s:g[@id='world']/s:path[@id='path-2']", NS)
    assert second is not None and second.get("stroke") == ROBOT_COLORS[1]
    rival = match.robots[1]
    assert _points(second.get("d", ""))[-1] == pytest.approx(rival.pose[:2], abs=0.006)
    assert any(t.startswith("robot 2: ") for t in _texts(svg))

    can = simulate(ROOT / "examples" / "can_push" / "push_can.py")
    (thing,) = can.brick.arena.things
    assert math.hypot(thing.x - thing.spec.center[0], thing.y - thing.spec.center[1]) > 10
    (drawn,) = _svg(can, tmp_path, "can.svg").findall(".//s:circle[@class='object']", NS)
    assert (float(drawn.get("cx", 0)), float(drawn.get("cy", 0))) == pytest.approx(
        (thing.x, thing.y), abs=0.006)
    assert float(drawn.get("r", 0)) == thing.spec.radius


def test_a_long_series_keeps_what_each_pixel_column_shows() -> None:
    """thin: per pixel column at most the first, lowest, highest and last points, in
    order; the extremes, the ends and a NaN gap are kept."""
    import random

    from robokit.sim.svgdraw import Frame, thin

    rnd = random.Random(7)
    xs = [i / 50 for i in range(30_000)]  # 10 minutes at 50 Hz
    ys = [math.sin(x) * 100 + rnd.uniform(-20, 20) for x in xs]
    ys[12_345] = math.nan
    f = Frame(0, 0, 584, 150, 0.0, xs[-1], -130, 130)
    tx, ty = thin(xs, ys, f.x0, f.sx)
    assert len(tx) <= 4 * 585 + 1 < len(xs)
    assert tx == sorted(tx) and tx[0] == xs[0] and tx[-1] == xs[-1]
    finite = [y for y in ys if not math.isnan(y)]
    assert min(y for y in ty if not math.isnan(y)) == min(finite)
    assert max(y for y in ty if not math.isnan(y)) == max(finite)
    assert sum(math.isnan(y) for y in ty) == 1
    per_column: dict[int, list[float]] = {}
    for x, y in zip(xs, ys, strict=True):
        if not math.isnan(y):
            per_column.setdefault(int(x * f.sx), []).append(y)
    for x, y in zip(tx, ty, strict=True):
        if not math.isnan(y):
            assert y in per_column[int(x * f.sx)]
    kept: dict[int, list[float]] = {}
    for x, y in zip(tx, ty, strict=True):
        if not math.isnan(y):
            kept.setdefault(int(x * f.sx), []).append(y)
    for c, values in per_column.items():  # every column's extent is drawn
        assert (min(kept[c]), max(kept[c])) == (min(values), max(values))
    # Frame.line thins a long series, and leaves a short one whole
    assert f.line(xs, ys, "#000", 1).count("L") < 4 * 585
    assert f.line(xs[:500], ys[:500], "#000", 1).count("L") == 499
