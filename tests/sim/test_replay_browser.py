"""The HTML replay in a real headless Chromium (Debian's ``chromium`` package, driven by
playwright; ROBOKIT_CHROMIUM names another binary): it loads without errors or network,
draws the robot where the telemetry puts it, and its controls work. Every example's
replay opens cleanly too. Without Chromium or playwright these tests are skipped."""

from __future__ import annotations

import io
import math
import os
import shutil
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    pytest.skip("playwright is not installed (pip install -e '.[test]')",
                allow_module_level=True)

from matplotlib.image import imread

from robokit.sim import simulate
from robokit.sim.replay import ROBOT_COLOR, replay_data, write_replay

CHROMIUM = (os.environ.get("ROBOKIT_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))
if not CHROMIUM:
    pytest.skip("no Chromium to open the replay in: install Debian's chromium package "
                "(apt-get install chromium) or set ROBOKIT_CHROMIUM", allow_module_level=True)

_EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
#: every example program, and the kit examples (project folders with their robot.toml)
EXAMPLES = sorted(_EXAMPLES_DIR.glob("*.py")) + sorted(
    p for p in (_EXAMPLES_DIR / "kits").glob("*") if (p / "main.py").is_file())
VIEWPORT = {"width": 1600, "height": 1000}

ARC = """\
from robokit import Color, robot, wait
robot.hub.light.on(Color.BLUE)
print("arc")
robot.drive_base.drive(200, 45)
wait(3000)
robot.drive_base.stop()
"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """A page of the browser that remembers console errors, page errors and requests."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport=VIEWPORT)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_function("window.robokitReplay && window.robokitReplay.ready()",
                                    timeout=10_000)

    def js(self, expr: str, *args):
        return self.page.evaluate(expr, *args)

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]


@pytest.fixture(scope="module")
def arc_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arc")
    prog = folder / "arc.py"
    prog.write_text(ARC)
    result = simulate(prog, world="empty", duration=4)
    assert result.status == "finished", result.error
    out = folder / "arc.html"
    write_replay(result, out, inputs=[prog])
    return result, out


@pytest.fixture
def arc_page(browser, arc_run):
    page = Page(browser, arc_run[1].as_uri())
    yield page
    page.page.close()


def _hull_centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of the convex hull of ``points`` (the body's rectangle, whatever is drawn
    inside it: the heading arrow and the sensors' marks do not move it)."""
    pts = sorted(set(points))

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    hull = lower[:-1] + upper[:-1]
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(hull, hull[1:] + hull[:1], strict=True):
        c = x0 * y1 - x1 * y0
        area += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    return cx / (3 * area), cy / (3 * area)


def _robot_pixels(page: Page, color: str = ROBOT_COLOR) -> list[tuple[float, float]]:
    """Centres (page CSS pixels) of the world canvas's pixels in the robot's colour (or
    ``color``)."""
    rect = page.js("(() => { const r = document.getElementById('world')"
                   ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()")
    png = page.page.screenshot(clip={"x": rect[0], "y": rect[1], "width": rect[2],
                                     "height": rect[3]})
    img = (imread(io.BytesIO(png), format="png")[..., :3] * 255).round()
    want = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    near = (abs(img[..., 0] - want[0]) <= 40) & (abs(img[..., 1] - want[1]) <= 40) & (
        abs(img[..., 2] - want[2]) <= 40)
    rows, cols = near.nonzero()
    return [(rect[0] + c + 0.5, rect[1] + r + 0.5) for r, c in zip(rows.tolist(), cols.tolist(),
                                                                   strict=True)]


def test_the_robot_is_drawn_where_the_telemetry_puts_it(arc_page, arc_run):
    result, _ = arc_run
    data = replay_data(result)
    cols = data["telemetry"]["columns"]
    ix, iy, ih = cols.index("x_mm"), cols.index("y_mm"), cols.index("heading_deg")
    body = result.brick.robot["body"]
    mid = (body["front"] + body["back"]) / 2.0  # the body's centre, ahead of the pose
    poses = set()
    for k in (50, 125):  # 1.0 s and 2.5 s into the arc
        t = data["t"][k]
        row = data["telemetry"]["rows"][k]
        x, y, h = row[ix], row[iy], math.radians(row[ih])
        poses.add((round(x), round(y)))
        assert arc_page.js("t => robokitReplay.seek(t)", t) == pytest.approx(t)
        pixels = _robot_pixels(arc_page)
        assert len(pixels) > 500, "the robot's body is not on the screen"
        sx, sy = _hull_centroid(pixels)
        wx, wy = arc_page.js("([a, b]) => robokitReplay.screenToWorld(a, b)", [sx, sy])
        ex, ey = x + mid * math.cos(h), y + mid * math.sin(h)
        print("robot drawn", math.hypot(wx - ex, wy - ey), "mm from the telemetry's pose")
        assert math.hypot(wx - ex, wy - ey) < 3.0, (t, (wx, wy), (ex, ey))
    assert len(poses) == 2  # two different places
    assert arc_page.errors == []
    assert arc_page.foreign_requests() == []


def test_play_pause_speed_and_scrubbing(arc_page, arc_run):
    js = arc_page.js
    duration = js("robokitReplay.duration()")
    assert duration == pytest.approx(arc_run[0].sim_time_s)
    # play: the clock moves on by itself, then pause holds it
    arc_page.page.click("#play")
    arc_page.page.wait_for_function("robokitReplay.time() > 0.2", timeout=5000)
    arc_page.page.click("#play")
    assert js("robokitReplay.playing()") is False
    held = js("robokitReplay.time()")
    arc_page.page.wait_for_timeout(150)
    assert js("robokitReplay.time()") == held
    # speed: the select sets how much simulated time one second of playing covers
    js("robokitReplay.seek(1)")
    arc_page.page.select_option("#speed", "10")
    assert js("robokitReplay.speed()") == 10
    assert js("robokitReplay.advance(0.1)") == pytest.approx(2.0)
    arc_page.page.select_option("#speed", "0.5")
    assert js("robokitReplay.advance(0.1)") == pytest.approx(2.05)
    assert js("robokitReplay.advance(100)") == pytest.approx(duration)  # stops at the end
    assert js("robokitReplay.playing()") is False
    # scrubbing: a click a quarter of the way along the slider goes a quarter of the way
    before = js("robokitReplay.robotScreenXY()")
    box = arc_page.page.locator("#scrub").bounding_box()
    arc_page.page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)
    t = js("robokitReplay.time()")
    assert t == pytest.approx(0.25 * duration, abs=0.06 * duration)
    assert js("robokitReplay.robotScreenXY()") != before
    assert arc_page.page.inner_text("#clock").startswith(f"{t:.3f} s")
    # the event strip: a click at its start goes back to the start
    strip = arc_page.page.locator("#strip").bounding_box()
    arc_page.page.mouse.click(strip["x"] + 70, strip["y"] + 5)
    assert js("robokitReplay.time()") < 0.1 * duration
    assert arc_page.errors == []


def test_the_hub_and_the_log_show_what_happened_by_then(arc_page, arc_run):
    import colorsys

    result, _ = arc_run
    light = next(e for e in result.events if e["kind"] == "light")
    h, sat, v = light["color"]
    rgb = [round(255 * c) for c in colorsys.hsv_to_rgb(h / 360, sat / 100, v / 100)]
    background = "e => getComputedStyle(e).backgroundColor"
    arc_page.js("robokitReplay.seek(0)")
    assert arc_page.page.eval_on_selector("#light", background) == "rgb(0, 0, 0)"  # not yet
    data = replay_data(result)
    t, row = data["t"][50], data["telemetry"]["rows"][50]
    arc_page.js("t => robokitReplay.seek(t)", t)
    assert arc_page.page.eval_on_selector("#light", background) == "rgb({}, {}, {})".format(*rgb)
    # the pose as the program sees it: hub.imu.heading() is clockwise-positive, 0 at the start
    heading = -(row[3] - result.start_pose[2])
    assert heading > 10  # drive(200, 45) turns clockwise
    assert f"x={row[1]:.0f} mm, y={row[2]:.0f} mm, heading={heading:.1f}\u00b0" in (
        arc_page.page.inner_text("#sensors"))
    log = arc_page.page.inner_text("#log")
    assert "print" in log and "arc" in log and "light" in log
    assert arc_page.errors == []


def test_contacts_are_marked_from_the_moment_they_happen(browser, tmp_path):
    prog = tmp_path / "ram.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.straight(2000)\n")
    result = simulate(prog, world="arena", duration=14)
    contacts = [e for e in result.events if e["kind"] == "contact"]
    assert contacts, "the robot never touched the arena's wall"
    out = tmp_path / "ram.html"
    write_replay(result, out, inputs=[prog])
    # the cross is where the body touched (the front edge at the wall), as in the plot
    first = next(e for e in replay_data(result)["events"] if e["kind"] == "contact")
    assert first["t_ms"] == contacts[0]["t_ms"]
    assert first["y_mm"] > contacts[0]["y_mm"] + 50  # the front is ~90 mm ahead of the centre
    page = Page(browser, out.as_uri())
    try:
        def red_near_contact() -> int:
            sx, sy = page.js("([x, y]) => robokitReplay.worldToScreen(x, y)",
                             [first["x_mm"], first["y_mm"]])
            png = page.page.screenshot(clip={"x": sx - 8, "y": sy - 8, "width": 16,
                                             "height": 16})
            img = (imread(io.BytesIO(png), format="png")[..., :3] * 255).round()
            return int(((img[..., 0] > 200) & (img[..., 1] < 40) & (img[..., 2] < 40)).sum())

        page.js("t => robokitReplay.seek(t)", first["t_ms"] / 1000 - 0.05)
        assert red_near_contact() == 0
        page.js("t => robokitReplay.seek(t)", first["t_ms"] / 1000 + 0.05)
        assert red_near_contact() > 10
        assert "contact" in page.page.inner_text("#log")
        assert page.errors == []
    finally:
        page.page.close()


def test_a_programs_error_is_on_the_timeline(browser, tmp_path):
    prog = tmp_path / "oops.py"
    prog.write_text("from robokit import wait\nwait(500)\nraise ValueError('<b>no</b>')\n")
    result = simulate(prog, duration=2)
    assert result.status == "error"
    out = tmp_path / "oops.html"
    write_replay(result, out, inputs=[prog])
    page = Page(browser, out.as_uri())
    try:
        assert "ValueError: <b>no</b> (" in page.page.inner_text("#errline")  # text, not markup
        page.js("robokitReplay.seek(0.2)")
        assert "ValueError" not in page.page.inner_text("#log")
        page.js("robokitReplay.seek(robokitReplay.duration())")
        assert f"ValueError: <b>no</b> at {prog}:3" in page.page.inner_text("#log")
        assert page.errors == []
    finally:
        page.page.close()


@pytest.mark.parametrize("example", EXAMPLES,
                         ids=[str(p.relative_to(_EXAMPLES_DIR)) for p in EXAMPLES])
def test_every_examples_replay_opens_without_errors(browser, example, tmp_path):
    result = simulate(example, duration=5)  # on the world its "# robokit:" line names
    out = tmp_path / f"{example.stem}.html"
    write_replay(result, out, inputs=[example if example.is_file() else example / "main.py"])
    page = Page(browser, out.as_uri())
    try:
        for t in (0.0, 2.5, 5.0):
            page.js("t => robokitReplay.seek(t)", t)
        assert page.js("robokitReplay.duration()") == pytest.approx(result.sim_time_s, abs=0.05)
        assert page.page.inner_text("#title").startswith(str(result.program))
        assert page.errors == []
        assert page.foreign_requests() == []
    finally:
        page.page.close()


def test_a_match_shows_every_robot_in_its_colour_and_the_objects(browser, tmp_path):
    """Several robots (issue 15): robot 2 is drawn in its own colour where its telemetry
    puts it; a pushed can moves on the page as it did in the run."""
    from robokit.sim.replay import OTHER_COLORS

    match = _EXAMPLES_DIR / "sumo_match"
    result = simulate([match / "pusher.py", match / "listener.py"], world="sumo",
                      duration=4)
    page_file = tmp_path / "match.html"
    write_replay(result, page_file)
    page = Page(browser, page_file.as_uri())
    track = replay_data(result)["others"][0]
    k = next(i for i, x in enumerate(track["x"]) if x > 300)  # pushed, still on the mat
    page.js("t => robokitReplay.seek(t)", track["t"][k])
    second = result.robots[1]
    x, y, h = track["x"][k], track["y"][k], math.radians(track["h"][k])
    body = second.brick.robot["body"]
    mid = (body["front"] + body["back"]) / 2.0
    pixels = _robot_pixels(page, OTHER_COLORS[0])
    assert len(pixels) > 300, "robot 2 is not on the screen"
    wx, wy = page.js("([a, b]) => robokitReplay.screenToWorld(a, b)", _hull_centroid(pixels))
    assert math.hypot(wx - (x + mid * math.cos(h)), wy - (y + mid * math.sin(h))) < 5.0
    assert x - second.start_pose[0] > 100  # it was pushed
    assert "robot 2: " in page.js("document.getElementById('title').textContent")
    assert page.errors == [] and page.foreign_requests() == []

    can = simulate(_EXAMPLES_DIR / "can_push" / "push_can.py")
    can_file = tmp_path / "can.html"
    write_replay(can, can_file)
    page = Page(browser, can_file.as_uri())
    start = page.js("robokitReplay.objectAt(0, 0)")
    last = page.js("t => robokitReplay.objectAt(0, t)", page.js("robokitReplay.duration()"))
    assert start[:2] == pytest.approx([120.0, 0.0], abs=0.5)
    assert last[:2] == pytest.approx([can.objects[0]["x_mm"], can.objects[0]["y_mm"]], abs=1.0)
    assert page.errors == []
