"""A robot set flush against a wall drives along it (touching is not hitting), and the
contacts' places are never -0.0."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from robokit.sim import simulate
from robokit.sim.world import World

ALONG = """\
from robokit import robot, wait
robot.drive_base.drive(300, 0)
wait(3000)
print(robot.drive_base.distance())
"""


def flush_world(y: float) -> World:
    # The standard rover is 150 mm wide: at y = 215 its left side touches the wall's face
    # (a wall 20 mm thick along y = 300 has its face at y = 290).
    return World.from_dict({"name": "flush", "size": [3000, 3000],
                            "start": {"x": -500, "y": y, "heading": 0},
                            "walls": [{"points": [[-1000, 300], [1000, 300]]}]})


@pytest.mark.parametrize("kernel", ["1", "0"])
def test_a_robot_flush_against_a_wall_drives_along_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: str) -> None:
    monkeypatch.setenv("ROBOKIT_SIM_KERNEL", kernel)
    prog = tmp_path / "along.py"
    prog.write_text(ALONG, encoding="utf-8")
    flush = simulate(prog, world=flush_world(215.0), duration=5)
    apart = simulate(prog, world=flush_world(214.0), duration=5)
    assert flush.status == "finished", flush.error
    # It stood still against the wall (a contact at 0 s); now it goes as one 1 mm away.
    assert int(flush.output) == int(apart.output) > 800
    assert flush.contacts["count"] == 0
    assert flush.pose[1] == pytest.approx(215.0, abs=0.01)


def test_a_contacts_place_is_never_minus_zero(tmp_path: Path) -> None:
    # Heading 270° (down the y axis): x drifts by -1e-14 mm, which rounds to -0.0.
    prog = tmp_path / "down.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.straight(600)\n",
                    encoding="utf-8")
    world = World.from_dict({"name": "down", "size": [3000, 3000],
                             "start": {"x": 0, "y": 0, "heading": 270},
                             "walls": [{"points": [[-1000, -300], [1000, -300]]}]})
    r = simulate(prog, world=world, duration=5)
    contact = next(e for e in r.telemetry.events if e["kind"] == "contact")
    assert contact["x_mm"] == 0.0 and math.copysign(1.0, contact["x_mm"]) == 1.0
    assert math.copysign(1.0, r.contacts["first_x_mm"]) == 1.0
