"""Pushing against a wall is cheap (issue 12): while the body is pressed against a wall or box,
a physics step costs at most one overlap test instead of a bisection of eleven, and the robot
ends where the bisection of every step puts it."""

from __future__ import annotations

import math
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest

from robokit.config import standard_rover
from robokit.sim import simulate
from robokit.sim.brick import SimBrick


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_both(prog: Path, world: Path | str, duration: float) -> tuple[Any, Any]:
    """The run with the fast path of a push, and the same run bisecting every step."""
    def bisect(brick: SimBrick) -> None:
        brick.bisect_every_step = True

    fast = simulate(prog, world=world, duration=duration)
    slow = simulate(prog, world=world, duration=duration, on_start=bisect)
    return fast, slow


def assert_same_run(fast: Any, slow: Any) -> None:
    assert fast.status == slow.status
    for a, b in zip(fast.pose[:2], slow.pose[:2], strict=True):
        assert a == pytest.approx(b, abs=0.05)
    assert fast.pose[2] == pytest.approx(slow.pose[2], abs=0.05)
    assert fast.contacts["count"] == slow.contacts["count"]
    ev_fast = [e for e in fast.events if e["kind"] == "contact"]
    ev_slow = [e for e in slow.events if e["kind"] == "contact"]
    assert len(ev_fast) == len(ev_slow)
    for a, b in zip(ev_fast, ev_slow, strict=True):
        assert a["t_ms"] == pytest.approx(b["t_ms"], abs=1.0)
    assert fast.contacts["longest_s"] == pytest.approx(slow.contacts["longest_s"], abs=1e-3)
    assert fast.distance_mm == pytest.approx(slow.distance_mm, abs=0.05)


def random_world(rng: random.Random, path: Path) -> Path:
    """A box ahead of the robot and a thick wall beside its way, turned at random."""
    heading = rng.uniform(-180, 180)
    c, s = math.cos(math.radians(heading)), math.sin(math.radians(heading))
    ahead, aside = rng.uniform(220, 400), rng.uniform(-60, 60)
    bx, by = ahead * c - aside * s, ahead * s + aside * c
    w, h = rng.uniform(40, 160), rng.uniform(40, 160)
    angle = rng.uniform(0, 90)
    side = rng.uniform(200, 280) * rng.choice((-1, 1))
    a = rng.uniform(-0.3, 0.3)  # the wall's slope across the robot's way
    wx, wy = 300 * c - side * s, 300 * s + side * c
    ux, uy = 300 * (c - a * s), 300 * (s + a * c)
    return write(path, f"""\
        name = "random"
        description = "a box and a wall"
        size = [2000, 2000]
        start = {{ x = 0, y = 0, heading = {heading:.3f} }}

        [[boxes]]
        center = [{bx:.3f}, {by:.3f}]
        size = [{w:.3f}, {h:.3f}]
        angle = {angle:.3f}

        [[walls]]
        points = [[{wx - ux:.3f}, {wy - uy:.3f}], [{wx + ux:.3f}, {wy + uy:.3f}]]
        thickness = {rng.uniform(4, 30):.3f}
    """)


@pytest.mark.parametrize("seed", range(12))
def test_pushing_boxes_and_walls_ends_where_the_bisection_of_every_step_does(
        tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    world = random_world(rng, tmp_path / "random.toml")
    # Into a box or a wall: straight or curving, then turning on the spot while pressed
    # against it (a corner scrapes along), backing off and pushing again.
    legs = [(rng.uniform(150, 300), rng.uniform(-10, 10), rng.randint(2500, 3500))]
    legs += [(rng.uniform(80, 300), rng.uniform(-60, 60), rng.randint(1500, 3500))
             for _ in range(2)]
    legs.insert(2, (0.0, rng.choice((-90.0, 90.0)), 1000))
    legs.insert(3, (-150.0, 0.0, 600))
    body = "\n".join(f"db.drive({s:.1f}, {t:.1f})\nwait({ms})" for s, t, ms in legs)
    prog = tmp_path / "push.py"
    prog.write_text("from robokit import robot, wait\ndb = robot.drive_base\n" + body + "\n",
                    encoding="utf-8")
    fast, slow = run_both(prog, world, 15)
    assert fast.status == "finished", fast.traceback
    assert fast.contacts["longest_s"] > 0.5  # it did push against something
    assert_same_run(fast, slow)


def test_the_sumo_example_pushes_as_the_bisection_does() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "sumo.py"
    fast, slow = run_both(example, "sumo", 12)
    assert fast.contacts["count"] >= 1  # it does reach the opponent and push
    assert_same_run(fast, slow)


def test_pushing_a_wall_for_10_s_stays_put_and_costs_almost_no_overlap_tests(
        tmp_path: Path) -> None:
    prog = write(tmp_path / "wall.py", """\
        from robokit import robot, wait
        db = robot.drive_base
        db.drive(200, 0)
        wait(19000)
    """)
    tests = {"overlap": 0, "steps": 0}
    poses: list[tuple[float, float, float]] = []

    def count(brick: SimBrick) -> None:
        hits = brick.world.rect_hits_wall
        physics = brick._general_physics  # (the fast kernel's ticks hand a push's steps here)

        def counted_hits(*args: Any) -> bool:
            if brick._contact:  # a step that began pressed against the wall
                tests["overlap"] += 1
            return hits(*args)

        def counted_physics(t: int, dt_us: int) -> None:
            pushing = brick._contact
            physics(t, dt_us)
            if pushing:
                tests["steps"] += 1
                poses.append((brick._x, brick._y, brick._h))

        brick.world.rect_hits_wall = counted_hits  # type: ignore[method-assign]
        brick._general_physics = counted_physics  # type: ignore[method-assign]

    r = simulate(prog, world="arena", duration=25, on_start=count)
    assert r.status == "finished", r.traceback
    front = standard_rover()["body"]["front"]
    # Start at y=-800 facing north; the wall's inner face is at y=1000, reached after
    # about 1800 mm at 200 mm/s: a push from about 9 s to the end of the wait at 19 s.
    c = r.contacts
    assert c["count"] == 1
    assert r.pose[1] == pytest.approx(1000 - front, abs=0.01)
    assert c["first_y_mm"] == pytest.approx(1000 - front, abs=0.1)
    assert 8 < c["first_s"] < 10
    assert c["longest_s"] == pytest.approx(19.0 - c["first_s"], abs=0.01)
    # Pressed against the wall, the body stays put: it creeps by less than 0.01 mm over
    # a few of the steps (where the bisection still finds a sliver of free way).
    assert len(poses) > 2000 and len(set(poses)) < 10
    assert max(p[1] for p in poses) - min(p[1] for p in poses) < 0.01
    # The bisection of every step cost eleven overlap tests a step; a step that pushes
    # costs at most one, and none when the wheels push the same way as at an earlier step
    # from this pose, at least as hard (the body would go at least as far into the wall).
    assert tests["overlap"] < 0.1 * tests["steps"]


def test_reading_the_bumper_while_pushing_looks_for_walls_once_per_pose(
        tmp_path: Path) -> None:
    prog = write(tmp_path / "bump.py", """\
        from robokit import robot, wait
        db = robot.drive_base
        db.drive(200, 0)
        presses = 0
        for _ in range(1200):
            if robot.force_sensor.pressed():
                presses += 1
            wait(10)
        print(presses, robot.force_sensor.force())
    """)
    looks: list[tuple[float, float, float]] = []

    def count(brick: SimBrick) -> None:
        sides = brick.world.rect_contact

        def counted(*args: Any) -> frozenset[str]:
            if brick._contact:
                looks.append((brick._x, brick._y, brick._h))
            return sides(*args)

        brick.world.rect_contact = counted  # type: ignore[method-assign]

    r = simulate(prog, world="arena", duration=30, on_start=count)
    assert r.status == "finished", r.traceback
    presses, force = r.output.split()
    # Pressed from the contact at about 9 s to the end at about 12 s: some 300 reads.
    assert int(presses) > 250 and float(force) > 3.0
    # Each pose the body held while pushing was looked at once (the walls do not move).
    assert 0 < len(looks) == len(set(looks)) < 20


def test_a_corner_sliding_along_a_wall_gets_free_as_with_the_bisection(tmp_path: Path) -> None:
    # Pressed against the wall, the robot turns away about one wheel (the other is held by
    # friction): the corner that touches slides along the wall.  Only the tiniest part of
    # such a step overlaps, the whole step is free: the robot must get free here, as the
    # bisection of every step lets it, not stay stuck (found by a random approach).
    world = write(tmp_path / "slide.toml", """\
        name = "slide"
        description = "a box and a wall"
        size = [2000, 2000]
        start = { x = 0, y = 0, heading = -114.745 }

        [[boxes]]
        center = [-159.951, -299.616]
        size = [63.753, 98.742]
        angle = 44.463

        [[walls]]
        points = [[153.255, -70.634], [28.589, -673.837]]
        thickness = 9.099
    """)
    prog = write(tmp_path / "slide.py", """\
        from robokit import robot, wait
        db = robot.drive_base
        db.drive(277.8, -45.8)
        wait(2569)
        db.drive(228.5, 34.5)
        wait(3273)
        db.drive(0.0, -90.0)
        wait(1000)
        db.drive(-150.0, 0.0)
        wait(600)
        db.drive(292.8, 37.3)
        wait(1846)
    """)
    fast, slow = run_both(prog, world, 15)
    assert slow.contacts["count"] == 11  # the push at 1 s ends as the turn begins
    assert_same_run(fast, slow)
