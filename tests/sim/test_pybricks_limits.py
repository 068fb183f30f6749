"""Units and limits as Pybricks documents them (issue 11): the setters' accepted ranges
held against the ``pybricks`` stub package's docstrings.

- ``Control.limits(torque=...)``: Pybricks takes any torque limit from 0 and caps it at
  what the motor gives (robokit refused anything above, e.g. 300 mNm on a SPIKE motor);
- ``DriveBase.settings()``: "Speed and rate values are treated as absolute; negative
  values are converted to positive automatically";
- ``DriveBase.settings()``: a speed or rate above the axis' speed limit is taken at that
  limit, as Pybricks' firmware takes it (robokit refused it), up to Pybricks' own bound;
- ``DriveBase.state() -> Tuple[int, int, int, int]`` (robokit's angle was a float);
- ``DriveBase.turn(angle, absolute=True)`` (Pybricks 4.0): turn *to* a heading;
- what already matched (acceleration tuples, ``run_target``'s speed sign) stays.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from robokit.sim import simulate

HEAD = """\
from pybricks.parameters import Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase

left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
base = DriveBase(left, right, wheel_diameter=56, axle_track=112)
"""


def run(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "main.py"
    path.write_text(HEAD + body)
    r = simulate(path)
    assert r.status == "finished", r.error
    return r.output.splitlines()


def test_a_torque_limit_above_the_motor_s_is_taken_and_capped(tmp_path: Path) -> None:
    out = run(tmp_path, "left.control.limits(torque=300)\nprint(left.control.limits()[2])\n"
                        "left.control.limits(torque=120)\nprint(left.control.limits()[2])\n"
                        "base.heading_control.limits(torque=5000)\n"
                        "print(base.heading_control.limits()[2])\n")
    # A SPIKE medium motor gives at most 200 mNm; a drive base's heading twice that.
    assert out == ["200", "120", "400"]


def test_a_negative_torque_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_text(HEAD + "left.control.limits(torque=-5)\n")
    r = simulate(path)
    assert r.status == "error"
    assert r.error is not None
    assert "torque limit must be from 0" in r.error["message"]
    assert r.error["line"] == HEAD.count("\n") + 1


def test_drive_base_speeds_are_taken_as_absolute(tmp_path: Path) -> None:
    out = run(tmp_path, "base.settings(straight_speed=-300, turn_rate=-90)\n"
                        "print(base.settings()[0], base.settings()[2])\n"
                        "base.straight(300)\nprint(round(base.distance()))\n")
    assert out == ["300 90", "300"]  # and it still drives forward


def test_turn_absolute_turns_to_a_heading(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_text(HEAD + "base.turn(30)\nbase.turn(90, absolute=True)\n"
                           "print(round(base.angle()))\nbase.turn(-45, absolute=True)\n"
                           "print(round(base.angle()))\n")
    r = simulate(path)
    assert r.status == "finished", r.error
    assert r.output.splitlines() == ["90", "-45"]
    assert r.imu_heading_deg == pytest.approx(-45, abs=1)


def test_what_already_matched_pybricks_stays(tmp_path: Path) -> None:
    out = run(tmp_path, "left.control.limits(acceleration=(1000, 2000))\n"
                        "print(left.control.limits()[1])\n"
                        "right.run_target(-300, 90)\nprint(round(right.angle() / 5) * 5)\n"
                        "right.run_angle(-300, 90)\nprint(round(right.angle() / 5) * 5)\n")
    # A tuple sets acceleration and deceleration apart; run_target's speed sign does not
    # matter (Pybricks: "It does not matter if speed is positive or negative"), while
    # run_angle's turns the other way.
    assert out == ["(1000, 2000)", "90", "0"]


def test_move_by_turns_to_the_heading_and_drives_there(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_text(HEAD + "from pybricks.tools import run_task\n"
                           "base.move_by(300, 0)\nbase.move_by(0, 200)\n"
                           "print(round(base.distance()), round(base.angle()))\n"
                           "base.turn(45)\nbase.move_by(-100, 0)\n"
                           "print(round(base.angle()))\n"
                           "async def main():\n    await base.move_by(0, -300)\n"
                           "run_task(main())\nbase.move_by(0, 0)\n"
                           "try:\n    base.move_by(30001, 0)\n"
                           "except ValueError as e:\n    print('error', e)\n")
    r = simulate(path)
    assert r.status == "finished", r.error
    # East 300, north 200 (+dy is to the left: heading -90 clockwise-positive), then from
    # 45 degrees off to west 100 (heading -180 whatever the heading was), in a task south
    # 300 (-dy: to the right); (0, 0) stays put.
    assert r.output.splitlines() == ["500 -90", "-180",
                                     "error move_by dx must be from -30000 to 30000 mm, "
                                     "not 30001"]
    assert r.pose[0] == pytest.approx(200, abs=3)
    assert r.pose[1] == pytest.approx(-100, abs=3)
    assert r.imu_heading_deg == pytest.approx(90, abs=1)


def test_drive_base_speeds_above_the_motors_are_taken_at_their_top(tmp_path: Path) -> None:
    # Pybricks' firmware checks a settings() speed against its numeric bound (2000 deg/s
    # of the motors: 977 mm/s and 1000 deg/s for 56 mm wheels 112 mm apart) and caps it
    # at the axis' speed limit; robokit refused anything above that limit, so a program
    # with settings(straight_speed=600) stopped at that line.
    out = run(tmp_path, "base.settings(straight_speed=600, turn_rate=-600)\n"
                        "print(base.settings()[0], base.settings()[2])\n"
                        "print(base.distance_control.limits()[0], "
                        "base.heading_control.limits()[0])\n"
                        "base.distance_control.limits(speed=100)\n"
                        "base.settings(straight_speed=300)\nprint(base.settings()[0])\n"
                        "base.straight(200)\nprint(round(base.distance()))\n")
    assert out == ["489 500", "489 500", "100", "200"]


@pytest.mark.parametrize("call, message", [
    ("base.settings(straight_speed=978)", "straight_speed must be from 1 to 977 mm/s"),
    ("base.settings(turn_rate=1001)", "turn_rate must be from 1 to 1000 deg/s")])
def test_drive_base_speeds_past_pybricks_bound_are_refused(tmp_path: Path, call: str,
                                                           message: str) -> None:
    path = tmp_path / "main.py"
    path.write_text(HEAD + call + "\n")
    r = simulate(path)
    assert r.status == "error"
    assert r.error is not None
    assert message in r.error["message"]
    assert r.error["line"] == HEAD.count("\n") + 1


def test_drive_base_state_is_four_ints(tmp_path: Path) -> None:
    # The stub: state() -> Tuple[int, int, int, int]; angle() -> float.  robokit's state()
    # gave the angle as a float (a program printing it showed 44.99... for Pybricks' 45).
    out = run(tmp_path, "base.turn(45)\nbase.straight(30)\ns = base.state()\n"
                        "print([type(v).__name__ for v in s], type(base.angle()).__name__)\n"
                        "print(s[0], s[2] == round(base.angle()), abs(s[2] - 45) <= 1)\n")
    assert out == ["['int', 'int', 'int', 'int'] float", "30 True True"]
