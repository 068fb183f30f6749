"""A hub mounted on its side or on end (``PrimeHub(top_side=..., front_side=...)``, as
Pybricks has it: the robot's axes through the hub's top and front sides): the simulated
hub is mounted so, its IMU reads in the hub's frame, and the program reads the robot's
vectors, tilt and heading, and which side of the hub faces up, the same in the default
mode, with ``--exact`` and on a served board."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from robokit.cli import main
from robokit.config import standard_rover
from robokit.sim import simulate
from robokit.sim.brick import SimBrick
from robokit.sim.world import load_world
from robokit.virtual.mpvm import micropython_path

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")

#: Pybricks' own example: BLAST (set 51515) stands with the hub's top side facing
#: forward and its front side facing right.
BLAST = """\
    from pybricks.hubs import PrimeHub
    from pybricks.parameters import Axis, Direction, Port
    from pybricks.pupdevices import Motor
    from pybricks.robotics import DriveBase
    from pybricks.tools import wait

    hub = PrimeHub(top_side=Axis.X, front_side=-Axis.Y)
    base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
    print("tilt", hub.imu.tilt(), "up", hub.imu.up())
    print("acceleration", [round(v) for v in hub.imu.acceleration()])
    base.drive(0, 90)
    wait(500)
    print("about z", round(hub.imu.angular_velocity(Axis.Z)),
          "rotation", round(hub.imu.rotation(Axis.Z)), "heading", round(hub.imu.heading()))
"""


@pytest.fixture
def blast(tmp_path: Path) -> Path:
    p = tmp_path / "blast.py"
    p.write_text(textwrap.dedent(BLAST), encoding="utf-8")
    return p


def _readings(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines() if line}


def test_a_hub_on_end_reads_the_robots_frame_and_its_own_side_up(blast: Path) -> None:
    r = simulate(blast, duration=1)
    assert r.status == "finished", r.traceback
    got = _readings(r.output)
    # Flat on the floor: no tilt, gravity along the robot's z; the hub's right side is up.
    assert got["tilt"] == "tilt (0, 0) up Side.RIGHT"
    assert got["acceleration"] == "acceleration [0, 0, 9810]"
    # Turning right at 90°/s: -90 about the robot's z (counterclockwise positive), and
    # the rotation about z is the heading with the other sign.
    about, rate, _, rotation, _, heading = got["about"].split()[1:]
    assert (about, int(rate)) == ("z", -90)
    assert int(rotation) == -int(heading) and int(heading) > 30


def test_the_simulated_hub_reads_in_its_own_frame_as_mounted() -> None:
    from robokit.devices.pybricks.hubs import PrimeHub
    from robokit.devices.pybricks.parameters import Axis

    brick = SimBrick(load_world("empty"), standard_rover())
    with brick.attached():
        assert brick.imu_accel() == pytest.approx((0, 0, 9810))  # flat until told
        PrimeHub(top_side=Axis.X, front_side=-Axis.Y)
        # Gravity's reaction points up the robot's z: along the hub's -y (right side).
        assert brick.imu_accel() == pytest.approx((0, -9810, 0))
        PrimeHub()  # the last hub made says how it is mounted
        assert brick.imu_accel() == pytest.approx((0, 0, 9810))


@needs_vm
def test_the_same_readings_with_exact_and_on_a_served_board(blast: Path) -> None:
    default = simulate(blast, duration=1).output
    r = CliRunner().invoke(main, ["run", str(blast), "--exact", "--duration", "1"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(default)
    from robokit.virtual.board import SimBoard

    board = SimBoard(vm="micropython")
    try:
        r = CliRunner().invoke(main, ["run", str(blast), "--port", board.serve_pty()])
    finally:
        board.close()
    assert r.exit_code == 0, r.output
    assert _readings(r.output)["tilt"] == _readings(default)["tilt"]
    assert _readings(r.output)["acceleration"] == _readings(default)["acceleration"]
