"""Every example runs in the simulator and achieves what it says it does."""

import math
import re
from pathlib import Path

import pytest

from robokit.sim import simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name, **kw):
    return simulate(EXAMPLES / f"{name}.py", **kw)


def test_every_example_is_tested():
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    for path in EXAMPLES.glob("*.py"):
        assert path.stem in tested, f"examples/{path.name} has no test"


def test_hello():
    r = run("hello")
    assert r.status == "finished", r.traceback
    assert "Hello from robokit!" in r.output
    kinds = [e["kind"] for e in r.events]
    assert "beep" in kinds and "light" in kinds and "display" in kinds
    beep = next(e for e in r.events if e["kind"] == "beep")
    assert beep["frequency"] == 880
    # The beep takes its 200 ms, the text and the wait take time too.
    assert r.sim_time_s >= 0.5


def test_square():
    r = run("square")
    assert r.status == "finished", r.traceback
    x, y, h = r.pose
    assert math.hypot(x - r.start_pose[0], y - r.start_pose[1]) < 10
    assert abs(h - (r.start_pose[2] - 360)) < 2  # four right turns
    assert abs(r.distance_mm - 1600) < 10


def test_line_follower():
    r = run("line_follower")
    assert r.status == "finished", r.traceback
    assert r.sim_time_s < 60
    assert r.distance_mm >= 4480
    # One whole lap counterclockwise: back near the start, facing the same way.
    x, y, h = r.pose
    assert math.hypot(x - r.start_pose[0], y - r.start_pose[1]) < 100
    assert abs(h - (r.start_pose[2] + 360)) < 15
    # It never lost the line: the sensor never saw only white floor.
    refl = [v for v in r.telemetry.column("color_sensor") if not math.isnan(v)]
    assert len(refl) > 100 and max(refl) < 90
    # And it really went round: the path reaches both ends of the oval.
    xs = r.telemetry.column("x_mm")
    assert min(xs) < -800 and max(xs) > 800


def test_wall_avoider():
    r = run("wall_avoider")
    assert r.status == "timeout"
    assert r.sim_time_s == pytest.approx(60.0)
    assert not [e for e in r.events if e["kind"] == "contact"], "touched a wall"
    assert r.distance_mm > 3000  # it really wandered
    assert "turned away from a wall" in r.output


def test_gyro_turns():
    r = run("gyro_turns")
    assert r.status == "finished", r.traceback
    headings = [float(m) for m in re.findall(r"heading (-?[\d.]+)", r.output)]
    assert headings == pytest.approx([90, 180, 270, 360], abs=2)
    assert abs(r.pose[2] - r.start_pose[2]) < 2


def test_arm():
    r = run("arm")
    assert r.status == "finished", r.traceback
    # The standard rover's arm has its end stop at +100 degrees.
    stop = int(re.search(r"end stop found at (-?\d+)", r.output).group(1))
    assert abs(stop - 100) <= 3
    reached = [(int(a), int(t)) for a, t in re.findall(r"arm at (-?\d+) degrees \(target (-?\d+)",
                                                        r.output)]
    assert len(reached) == 3
    for angle, target in reached:
        assert abs(angle - target) <= 10  # Pybricks' default position tolerance


def test_multitask():
    r = run("multitask")
    assert r.status == "finished", r.traceback
    assert "results: ['drove', None]" in r.output
    blinks = re.findall(r"blink (\d+)", r.output)
    assert len(blinks) >= 5
    lights = [e for e in r.events if e["kind"] == "light"]
    assert len(lights) >= 10  # on and off, while driving
    assert abs(r.pose[2] - (r.start_pose[2] - 360)) < 2


def test_sumo():
    r = run("sumo")
    assert r.status == "timeout"
    # The robot's centre never left the white ring (770 mm across).
    xs, ys = r.telemetry.column("x_mm"), r.telemetry.column("y_mm")
    assert max(math.hypot(x, y) for x, y in zip(xs, ys, strict=True)) < 385
    # It found the opponent and pushed it with the bumper.
    assert [e for e in r.events if e["kind"] == "contact"]
    assert "pushing, force" in r.output


def test_maze_solver():
    r = run("maze_solver")
    assert r.status == "finished", r.traceback
    x, y, _ = r.pose
    assert 500 <= x <= 700 and 500 <= y <= 700  # in the green goal square
    assert "goal reached" in r.output
    assert not [e for e in r.events if e["kind"] == "contact"]


def test_colour_sorter():
    r = run("colour_sorter")
    assert r.status == "finished", r.traceback
    assert "zones in order: red, green, blue, yellow" in r.output
