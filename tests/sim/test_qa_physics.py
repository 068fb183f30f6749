"""Exploratory QA of the simulator's physics and worlds, as a teacher or a hobbyist meets
them: pushing objects backwards and forwards, small fast balls and thin walls, objects
set against walls in a world file, the bumper while pushing."""

from __future__ import annotations

import textwrap
from pathlib import Path

from robokit.sim import simulate


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_robot_reversing_into_a_can_pushes_it_as_driving_forward_does(tmp_path: Path
                                                                        ) -> None:
    # The same can, 80 mm from the body: once ahead of the robot (its front is 90 mm ahead
    # of the axle), once behind it (its back is 60 mm behind).
    results = {}
    for way, heading, speed, can_x in (("forward", 0, 200, 90 + 33 + 80),
                                       ("backward", 180, -200, 60 + 33 + 80)):
        w = write(tmp_path / f"{way}.toml", f"""\
            name = "{way}"
            size = [2000, 2000]
            start = {{ x = 0, y = 0, heading = {heading} }}
            [[objects]]
            shape = "cylinder"
            center = [{can_x}, 0]
            radius = 33
            mass_g = 50
            """)
        p = write(tmp_path / f"{way}.py", f"""\
            from robokit import robot, wait
            robot.drive_base.drive({speed}, 0)
            wait(2000)
            """)
        results[way] = simulate(str(p), world=str(w), duration=3)
    fwd, back = results["forward"], results["backward"]
    # A 50 g can takes 0.25 N to slide; either way the wheels beat it by far.
    assert fwd.objects[0]["moved_mm"] > 250
    assert back.objects[0]["moved_mm"] > 250
    assert abs(back.objects[0]["moved_mm"] - fwd.objects[0]["moved_mm"]) < 1
    assert abs(back.pose[0] - fwd.pose[0]) < 1  # the robot went as far, x growing both ways
    assert back.contacts["count"] == fwd.contacts["count"] == 1  # a touch, never blocked
