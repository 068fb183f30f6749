"""The device API used the way a hobbyist's program uses it, on the real simulated brick:
what a call does at its limits, and the message a wrong argument gets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robokit.config import standard_rover
from robokit.devices import (
    Motor,
    Port,
    Stop,
    multitask,
    run_task,
    wait,
)
from robokit.sim.brick import SimBrick
from robokit.sim.world import load_world


@pytest.fixture
def brick() -> Iterator[SimBrick]:
    b = SimBrick(load_world("empty"), standard_rover(), telemetry_hz=0)
    with b.attached():
        yield b


# -- Motor.run_until_stalled(duty_limit=...) ----------------------------------------------


def _push_against_stop(duty_limit: float | None) -> tuple[int, int]:
    """The standard rover's arm (end stops at -100 and +100 deg) run into its +100 stop:
    (the angle run_until_stalled returns, the torque Motor.load() reads while it pushes
    against the stop, before stall detection lets go)."""
    arm = Motor(Port.F)
    arm.run_target(500, 50)
    pushing = []

    async def watch() -> None:
        while True:
            await wait(5)
            if arm.angle() >= 99:
                pushing.append(arm.load())

    async def main() -> int:
        result = await multitask(arm.run_until_stalled(300, duty_limit=duty_limit),
                                 watch(), race=True)
        return result[0]

    angle = run_task(main())
    assert len(pushing) >= 10  # it pushed for a while before it counted as stalled
    return angle, max(pushing)


def test_run_until_stalled_duty_limit_caps_how_hard_it_pushes(brick):
    # docs/device-api.md: duty_limit caps the motor at that duty, as dc(duty) does (a
    # share of the battery voltage), so a gripper or lever is not pushed with the motor's
    # full torque.  The voltage fed forward for the speed the motor was asked for went on
    # top of the capped torque: duty_limit=20 pushed with half the full torque (80 of 157
    # mNm), duty_limit=1 with a quarter.
    full_angle, full = _push_against_stop(None)
    assert full_angle == pytest.approx(100, abs=2)
    assert full > 100
    for duty in (20, 50):
        angle, load = _push_against_stop(duty)
        assert angle == pytest.approx(100, abs=2)  # it still reaches the stop
        assert 0 <= load <= full * duty / 100, (duty, load, full)
    # the limit is only for the command: the next one runs with the motor's own
    arm = Motor(Port.F)
    arm.run_target(500, 0)
    assert arm.angle() == pytest.approx(0, abs=3)
    arm.dc(100)
    wait(300)
    assert brick.motor_sim("F").mode == "voltage"
    arm.run_until_stalled(300)
    assert arm.control.limits()[2] == 200


def test_run_until_stalled_duty_limit_applies_until_a_new_command(brick):
    arm = Motor(Port.F)
    arm.run_target(500, -50)
    arm.run_until_stalled(300, then=Stop.HOLD, duty_limit=30)
    assert arm.angle() == pytest.approx(100, abs=2)
    wait(300)
    held = arm.load()
    arm.run(300)  # a new command pushes with the full torque again
    wait(400)
    assert arm.load() > held
    assert arm.load() > 100
