"""Contacts of the robot's body with walls and boxes are reported (issue 13): how many,
when the first began and where, and the longest push, in RunResult and its JSON."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from robokit.config import standard_rover
from robokit.sim import simulate

BOX_WORLD = """\
name = "one_box"
description = "a box 450 mm ahead of the start"
size = [2000, 2000]
start = { x = 0, y = 0, heading = 0 }

[[boxes]]
center = [500, 0]
size = [100, 100]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_driving_into_the_arena_wall_is_one_long_push(tmp_path: Path) -> None:
    prog = write(tmp_path / "wall.py", """\
        from robokit import robot
        robot.drive_base.straight(2000)
    """)
    result = simulate(prog, world="arena", duration=20)
    assert result.status == "timeout"  # it never gets there: the wall is in the way
    c = result.contacts
    assert c["count"] == 1
    # Start at y=-800 facing north; the wall's inner face is at y=1000.
    front = standard_rover()["body"]["front"]
    assert c["first_y_mm"] == pytest.approx(1000 - front, abs=1)
    assert result.pose[1] == pytest.approx(1000 - front, abs=1)
    event = [e for e in result.events if e["kind"] == "contact"]
    assert len(event) == 1
    assert c["first_s"] == pytest.approx(event[0]["t_ms"] / 1000)
    assert 5 < c["first_s"] < 15
    # Pressed against the wall from then to the end of the run.
    assert c["longest_s"] == pytest.approx(20 - c["first_s"], abs=0.01)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["contacts"]["count"] == 1
    assert data["contacts"]["first_s"] == pytest.approx(c["first_s"], abs=1e-5)
    assert data["contacts"]["longest_s"] == pytest.approx(c["longest_s"], abs=1e-5)
    assert "contacts=1" in repr(result)


def test_two_pushes_against_a_box_are_counted_and_the_longest_measured(
        tmp_path: Path) -> None:
    world = write(tmp_path / "one_box.toml", BOX_WORLD)
    prog = write(tmp_path / "push.py", """\
        from robokit import robot, wait
        db = robot.drive_base
        db.drive(150, 0)
        wait(5000)          # reaches the box after about 2.5 s, then pushes
        db.straight(-200)   # backs off: the first push ends at 5 s
        db.drive(150, 0)
        wait(2000)          # a shorter second push
        db.stop()
        wait(1000)
    """)
    result = simulate(prog, world=world, duration=30)
    assert result.status == "finished", result.traceback
    c = result.contacts
    assert c["count"] == 2
    front = standard_rover()["body"]["front"]
    assert c["first_x_mm"] == pytest.approx(450 - front, abs=1)
    assert c["first_y_mm"] == pytest.approx(0, abs=1)
    times = [e["t_ms"] / 1000 for e in result.events if e["kind"] == "contact"]
    assert len(times) == 2 and c["first_s"] == pytest.approx(times[0])
    # The first push lasted from the contact until the back-off at 5 s.
    assert c["longest_s"] == pytest.approx(5.0 - c["first_s"], abs=0.05)
    assert c["longest_s"] > 1.0


def test_no_contact_in_an_empty_world(tmp_path: Path) -> None:
    prog = write(tmp_path / "free.py", """\
        from robokit import robot
        robot.drive_base.straight(500)
    """)
    result = simulate(prog, world="empty")
    assert result.contacts == {"count": 0, "first_s": None, "first_x_mm": None,
                               "first_y_mm": None, "longest_s": 0.0}
    assert result.to_dict()["contacts"]["count"] == 0
    assert "contacts" not in repr(result)


def test_backing_away_right_after_bumping_a_wall_finishes(tmp_path: Path) -> None:
    # The bumper is pressed while the robot still rolls into the wall; straight(-100) at
    # once starts from that speed, so its reference first runs on into the wall. It used
    # to stay paused there (blocked), pushing forever: the run timed out at the wall.
    prog = tmp_path / "bump.py"
    prog.write_text(
        "from robokit import robot, wait\n"
        "db = robot.drive_base\n"
        "db.drive(150, 0)\n"
        "while not robot.force_sensor.pressed():\n"
        "    wait(10)\n"
        "db.stop()\n"
        "bumped = db.distance()\n"
        "db.straight(-100)\n"
        "print('backed', round(bumped - db.distance()))\n", encoding="utf-8")
    r = simulate(prog, world="arena", duration=30)
    assert r.status == "finished", r.output
    assert r.output == "backed 100\n"
    assert r.contacts["count"] == 1
    assert r.sim_time_s < 14
