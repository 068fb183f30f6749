"""Motor, DCMotor and DriveBase on the real simulated brick (SimBrick)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from robokit.config import standard_rover
from robokit.devices import (
    DCMotor,
    DeviceError,
    Direction,
    DriveBase,
    Motor,
    Port,
    Stop,
    StopWatch,
    UsageError,
    multitask,
    run_task,
    wait,
)
from robokit.devices.control import scheduler
from robokit.devices.motors import MODELS, gear_ratio
from robokit.sim.brick import SimBrick
from robokit.sim.world import load_world

WHEEL = 56.0
TRACK = 112.0


def make_brick(world: str = "empty", robot: dict | None = None, **kw) -> SimBrick:
    return SimBrick(load_world(world), robot or standard_rover(), telemetry_hz=0, **kw)


@pytest.fixture
def brick() -> Iterator[SimBrick]:
    b = make_brick()
    with b.attached():
        yield b


def drive_base() -> DriveBase:
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    right = Motor(Port.B, Direction.CLOCKWISE)
    return DriveBase(left, right, WHEEL, TRACK)


def moved(brick: SimBrick) -> tuple[float, float, float]:
    """World pose change since the start: (dx, dy, heading change CCW, deg)."""
    x, y, h = brick.pose()
    x0, y0, h0 = brick.start_pose
    return x - x0, y - y0, h - h0


def wait_until(cond, timeout_ms: float = 10000) -> None:
    for _ in range(int(timeout_ms / 10)):
        if cond():
            return
        wait(10)
    raise AssertionError("timed out")


# -- Motor -------------------------------------------------------------------------------


def test_run_target_ends_within_the_target_tolerance(brick):
    arm = Motor(Port.F)
    sim = brick.motor_sim("F")
    t0 = brick.now
    arm.run_target(500, 90)
    tol = arm.control.target_tolerances()[1]
    assert arm.done()
    assert abs(arm.angle() - 90) <= tol
    assert abs(sim.angle - 90) <= tol
    assert abs(sim.speed) <= arm.control.target_tolerances()[0]
    # About the trajectory's duration: 0.25 s ramps plus the cruise.
    assert 0.3 < (brick.now - t0) / 1e6 < 0.6
    wait(500)  # Stop.HOLD keeps it there
    assert abs(sim.angle - 90) <= tol
    assert brick.motor_sim("F").mode == "voltage"


def test_run_target_speed_sign_does_not_matter(brick):
    arm = Motor(Port.F)
    arm.run_target(-400, 60)
    assert abs(arm.angle() - 60) <= arm.control.target_tolerances()[1]


def test_run_reaches_its_speed(brick):
    motor = Motor(Port.A)  # a wheel, free in the empty world
    motor.run(500)
    wait(1000)
    assert motor.speed() == pytest.approx(500, abs=5)
    assert brick.motor_sim("A").speed == pytest.approx(500, abs=5)
    assert not motor.done()
    assert not motor.stalled()
    motor.stop()
    assert brick.motor_sim("A").mode == "coast"


def test_run_angle_relative_and_negative_speed(brick):
    arm = Motor(Port.F)
    arm.run_angle(300, 45)
    arm.run_angle(-300, 30)  # negative speed: the other way
    assert abs(arm.angle() - 15) <= arm.control.target_tolerances()[1]


def test_run_time_lasts_its_time_and_holds(brick):
    motor = Motor(Port.A)
    t0 = brick.now
    motor.run_time(400, 1500)
    assert (brick.now - t0) / 1000 == pytest.approx(1500, abs=10)
    # 1.5 s minus one 0.2 s ramp at 400 deg/s: about 520 degrees.
    assert motor.angle() == pytest.approx(400 * (1.5 - 0.2), abs=10)
    assert abs(brick.motor_sim("A").speed) < 50


@pytest.mark.parametrize("then, mode", [(Stop.COAST, "coast"), (Stop.BRAKE, "brake"),
                                        (Stop.HOLD, "voltage")])
def test_then_decides_what_happens_on_target(brick, then, mode):
    arm = Motor(Port.F)
    arm.run_angle(300, 40, then=then)
    wait(50)
    assert brick.motor_sim("F").mode == mode


def test_wait_false_returns_at_once_then_done(brick):
    arm = Motor(Port.F)
    t0 = brick.now
    assert arm.run_target(200, 80, wait=False) is None
    assert brick.now - t0 < 5000
    assert not arm.done()
    wait_until(arm.done)
    assert abs(arm.angle() - 80) <= arm.control.target_tolerances()[1]


def test_run_until_stalled_finds_the_end_stop(brick):
    arm = Motor(Port.F)  # the standard rover's arm stops at -100 and +100 degrees
    angle = arm.run_until_stalled(300)
    assert angle == pytest.approx(100, abs=2)
    assert brick.motor_sim("F").mode == "coast"  # then=Stop.COAST
    angle = arm.run_until_stalled(-200, then=Stop.HOLD, duty_limit=30)
    assert angle == pytest.approx(-100, abs=2)
    assert brick.motor_sim("F").mode == "voltage"
    assert arm.control.limits()[2] == round(MODELS["spike_medium"]["max_voltage"]
                                            / MODELS["spike_medium"]["mv_per_mnm"])


def test_stalled_when_blocked(brick):
    arm = Motor(Port.F)
    arm.run(200)
    wait(200)
    assert not arm.stalled()
    wait(1000)  # reached the end stop at 100 deg about 0.5 s in
    assert arm.stalled()
    assert arm.angle() == pytest.approx(100, abs=1)
    assert arm.load() > 50  # pushing against the stop
    arm.run(-200)
    wait(300)
    assert not arm.stalled()


def test_hold_resists_and_track_target_follows(brick):
    arm = Motor(Port.F)
    arm.hold()
    wait(100)
    assert arm.done()
    for target in range(0, 60, 5):
        arm.track_target(target)
        wait(20)
    wait(300)
    assert abs(arm.angle() - 55) <= 2


def test_gears_scale_angles_and_speeds(brick):
    arm = Motor(Port.F, gears=[12, 36])
    assert gear_ratio([[12, 36], [20, 16, 40]]) == pytest.approx(6.0)
    arm.run_angle(100, 20)
    assert arm.angle() == pytest.approx(20, abs=1)
    assert brick.motor_sim("F").angle == pytest.approx(60, abs=3)
    assert arm.control.limits()[0] == 333  # 1000 deg/s at the motor


def test_positive_direction_flips_the_sign(brick):
    arm = Motor(Port.F, Direction.COUNTERCLOCKWISE)
    arm.run_target(300, 45)
    assert arm.angle() == pytest.approx(45, abs=3)
    assert brick.motor_sim("F").angle == pytest.approx(-45, abs=3)


def test_reset_angle(brick):
    arm = Motor(Port.F)
    arm.run_target(300, 50)
    arm.reset_angle(0)
    assert arm.angle() == 0
    wait(300)  # the hold keeps the physical position, now called 0
    assert brick.motor_sim("F").angle == pytest.approx(50, abs=3)
    assert abs(arm.angle()) <= 3
    arm.reset_angle()  # absolute: -180..179
    assert -180 <= arm.angle() < 180


def test_reset_angle_true_uses_the_absolute_position(brick):
    motor = Motor(Port.A)
    motor.run_target(1000, 400)
    again = Motor(Port.A)
    assert again.angle() == pytest.approx(40, abs=3)
    assert Motor(Port.A, reset_angle=False).angle() == pytest.approx(40, abs=3)


def test_dcmotor_duty_is_a_share_of_the_battery(brick):
    motor = DCMotor(Port.A)
    motor.dc(50)
    wait(1000)
    half = brick.motor_sim("A").speed
    assert brick.motor_sim("A").voltage_mv == pytest.approx(4000, abs=1)
    motor.dc(100)
    wait(1000)
    assert brick.motor_sim("A").speed > 1.8 * half
    motor.brake()
    assert brick.motor_sim("A").mode == "brake"
    motor.settings(3000)
    assert motor.settings() == (3000,)
    motor.dc(100)
    assert brick.motor_sim("A").voltage_mv == pytest.approx(3000, abs=1)


def test_control_settings_apply_to_the_next_command(brick):
    arm = Motor(Port.F)
    arm.control.limits(speed=200, acceleration=4000)
    t0 = brick.now
    arm.run_target(1000, 90)  # capped at 200 deg/s
    assert (brick.now - t0) / 1e6 == pytest.approx(90 / 200 + 0.05, abs=0.08)


@pytest.mark.parametrize("call, message", [
    (lambda m: m.run("fast"), "speed must be a number, not 'fast'"),
    (lambda m: m.run_target(100, None), "target_angle must be a number, not None"),
    (lambda m: m.run_angle(100, "90"), "rotation_angle must be a number"),
    (lambda m: m.run_time(100, 1000, then="later"), "then must be Stop.HOLD"),
    (lambda m: m.control.limits(speed=0), "speed limit must be from 1 to 2000 deg/s, not 0"),
])
def test_bad_arguments_are_usage_errors(brick, call, message):
    with pytest.raises(UsageError, match=message):
        call(Motor(Port.F))


def test_motor_on_a_sensor_port_is_a_device_error(brick):
    with pytest.raises(DeviceError, match="no Motor on Port.C"):
        Motor(Port.C)
    with pytest.raises(UsageError, match="positive_direction"):
        Motor(Port.F, positive_direction="sideways")
    with pytest.raises(UsageError, match="gears"):
        Motor(Port.F, gears=[12])


def test_model_info(brick):
    arm = Motor(Port.F)
    assert arm.model.id == "spike_medium"
    assert arm.model.rated_speed == 1000
    angle, speed, current, stalled = arm.model.state()
    assert (speed, stalled) == (0, False)


def test_a_new_motor_object_takes_the_port_over(brick):
    first = Motor(Port.A)
    first.run(300)
    second = Motor(Port.A)
    assert first.done()  # no longer controlling
    second.run_angle(200, 30)
    assert not first.control.active


def test_closed_motor_refuses_commands(brick):
    arm = Motor(Port.F)
    arm.close()
    with pytest.raises(UsageError, match="closed"):
        arm.run(100)


# -- awaited forms -------------------------------------------------------------------------


def test_awaited_inside_run_task_and_multitask(brick):
    db = drive_base()
    arm = Motor(Port.F)

    async def turn():
        await db.turn(90)
        return "turned"

    async def arm_down():
        await arm.run_target(300, 0)
        return "down"

    async def main():
        await db.straight(150)
        angle = await arm.run_until_stalled(300)
        results = await multitask(turn(), arm_down())
        return angle, results

    angle, results = run_task(main())
    assert angle == pytest.approx(100, abs=2)
    assert results == ["turned", "down"]
    dx, dy, dh = moved(brick)
    assert dx == pytest.approx(150, abs=2)
    assert dh == pytest.approx(-90, abs=1)
    assert abs(arm.angle()) <= 3


def test_race_cancels_the_loser_and_stops_its_motor(brick):
    arm = Motor(Port.F)

    async def slow_move():
        await arm.run_angle(50, 90)

    async def pause():
        await wait(300)

    async def main():
        await multitask(slow_move(), pause(), race=True)

    t0 = brick.now
    run_task(main())
    assert (brick.now - t0) / 1000 == pytest.approx(300, abs=20)
    assert not arm.control.active
    assert brick.motor_sim("F").mode == "coast"
    assert 0 < arm.angle() < 30


def test_awaitables_go_straight_into_multitask(brick):
    db = drive_base()
    arm = Motor(Port.F)

    async def main():
        # Pybricks style: the methods' awaitables themselves are multitask's tasks.
        return await multitask(db.turn(90), arm.run_target(300, 30), wait(100))

    assert run_task(main()) == [None, None, None]
    assert moved(brick)[2] == pytest.approx(-90, abs=1)
    assert abs(arm.angle() - 30) <= 3


def test_a_newer_command_ends_the_older_awaitable(brick):
    arm = Motor(Port.F)

    async def slow():
        await arm.run_target(50, 90)
        return "first ended"

    async def interrupt():
        await wait(200)
        await arm.run_target(300, -30)
        return "second done"

    async def main():
        return await multitask(slow(), interrupt())

    out = run_task(main())
    assert out == ["first ended", "second done"]
    assert abs(arm.angle() + 30) <= 3


# -- DriveBase --------------------------------------------------------------------------------


def test_straight_500_ends_within_2_mm(brick):
    db = drive_base()
    db.straight(500)
    dx, dy, dh = moved(brick)
    assert dx == pytest.approx(500, abs=2)
    assert dy == pytest.approx(0, abs=2)
    assert db.distance() == pytest.approx(500, abs=2)
    assert db.done()


def test_turn_90_ends_within_1_degree(brick):
    db = drive_base()
    db.turn(90)  # clockwise: the world heading (CCW) goes down
    dx, dy, dh = moved(brick)
    assert dh == pytest.approx(-90, abs=1)
    assert math.hypot(dx, dy) < 1
    assert db.angle() == pytest.approx(90, abs=1)
    db.turn(-180)
    assert moved(brick)[2] == pytest.approx(90, abs=1)


def test_straight_and_turn_with_noise_and_gyro():
    b = make_brick(noise=True, seed=3)
    with b.attached():
        db = drive_base()
        db.use_gyro(True)
        db.straight(300)
        db.turn(-90)
        dx, dy, dh = moved(b)
    assert dx == pytest.approx(300, abs=3)
    assert dh == pytest.approx(90, abs=1.5)


def test_arc_and_curve_follow_the_circle(brick):
    db = drive_base()
    db.arc(200, angle=90)  # positive radius: centre on the right, clockwise
    dx, dy, dh = moved(brick)
    assert (dx, dy, dh) == pytest.approx((200, -200, -90), abs=2)
    db.arc(-200, distance=-200 * math.pi / 2)  # centre on the left, backwards
    dx, dy, dh = moved(brick)
    assert (dx, dy, dh) == pytest.approx((400, 0, -180), abs=3)
    db.curve(100, 180)  # Pybricks 3.3: forward, right turn
    dx, dy, dh = moved(brick)
    assert (dx, dy, dh) == pytest.approx((400, 200, -360), abs=4)
    with pytest.raises(UsageError, match="either angle= or distance="):
        db.arc(100)


def test_drive_and_state(brick):
    db = drive_base()
    db.drive(150, 0)
    wait(1500)
    distance, speed, angle, rate = db.state()
    assert speed == pytest.approx(150, abs=3)
    assert rate == pytest.approx(0, abs=2)
    assert distance == pytest.approx(150 * 1.5 - 150 * 150 / (2 * 977), abs=10)
    db.drive(0, 45)
    wait(1500)
    assert db.state()[3] == pytest.approx(45, abs=2)
    db.stop()
    assert brick.motor_sim("A").mode == "coast"
    db.reset(distance=10, angle=0)
    assert db.distance() == 10
    assert db.angle() == pytest.approx(0, abs=0.01)


def test_settings_defaults_and_limits(brick):
    db = drive_base()
    # Pybricks' defaults: 40 % of the motors' 1000 deg/s, turn rate a third of it.
    assert db.settings() == (195, 977, 167, 1000)
    db.settings(straight_speed=300, turn_acceleration=(500, 1500))
    assert db.settings() == (300, 977, 167, (500, 1500))
    # Above the motors' speed it is taken at that speed, as Pybricks takes it, up to
    # what distance_control.limits() could be given (twice the motors' 1000 deg/s).
    db.settings(straight_speed=900)
    assert db.settings()[0] == 489
    with pytest.raises(UsageError, match="straight_speed must be from 1 to 977 mm/s"):
        db.settings(straight_speed=978)
    db.settings(straight_speed=300)
    t0 = brick.now
    db.straight(600)
    assert (brick.now - t0) / 1e6 == pytest.approx(600 / 300 + 300 / 977, abs=0.1)
    assert db.distance_control.limits()[0] == 489
    assert db.heading_control.limits()[0] == 500


def test_drive_base_stalls_against_a_wall():
    b = make_brick("arena")  # starts with the back 140 mm from the south wall
    with b.attached():
        db = drive_base()
        db.straight(-400, wait=False)
        wait_until(db.stalled, 5000)
        assert b.in_contact()
        assert not db.done()
        assert -160 < db.distance() < -120
        db.stop()


def test_a_motor_command_takes_the_motor_back_from_the_drive_base(brick):
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    db = DriveBase(left, Motor(Port.B), WHEEL, TRACK)
    db.drive(100, 0)
    wait(200)
    left.run(-200)  # Pybricks: the drive base stops (coasts) and lets go
    assert db.done()
    wait(500)
    assert brick.motor_sim("B").mode == "coast"
    assert left.speed() == pytest.approx(-200, abs=5)


def test_bad_drive_base_arguments(brick):
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    with pytest.raises(UsageError, match="different ports"):
        DriveBase(left, left, 56, 112)
    with pytest.raises(UsageError, match="wheel_diameter must be from 1 to 1000 mm"):
        DriveBase(left, Motor(Port.B), -56, 112)
    with pytest.raises(UsageError, match="two Motor objects"):
        DriveBase(left, "B", 56, 112)
    with pytest.raises(UsageError, match="use_gyro needs True or False"):
        DriveBase(left, Motor(Port.B), 56, 112).use_gyro("yes")


# -- the control loop ----------------------------------------------------------------------------


def test_one_loop_per_brick_and_motors_keep_their_own_brick():
    first = make_brick()
    second = make_brick()
    with first.attached():
        a = Motor(Port.A)
        Motor(Port.B)
        a.run(300)
        assert len(first._timers) == 1  # one 5 ms loop for every motor
        assert scheduler(first) is scheduler(first)
    with second.attached():
        b = Motor(Port.A)
        b.run(-300)
        wait(500)
        assert len(second._timers) == 1
        assert scheduler(second) is not scheduler(first)
    # The first brick's clock did not move while the second one ran.
    assert first.motor_sim("A").speed == pytest.approx(0, abs=1)
    with first.attached():
        wait(500)
        assert a.speed() == pytest.approx(300, abs=10)
    assert second.motor_sim("A").speed == pytest.approx(-300, abs=10)


def test_idle_motors_are_not_ticked(brick):
    arm = Motor(Port.F)
    sched = scheduler(brick)
    assert arm not in sched.active
    arm.run_angle(300, 30, then=Stop.COAST)
    wait(100)
    assert arm not in sched.active
    arm.hold()
    assert arm in sched.active


def test_run_time_ends_on_time_even_when_blocked(brick):
    # Pybricks: run_time runs for the given time, whether or not the motor could turn.
    arm = Motor(Port.F)
    watch = StopWatch()
    arm.run_time(500, 1000)  # the arm reaches its end stop (+100 deg) long before 1 s
    assert 1000 <= watch.time() <= 1020
    assert abs(arm.angle() - 100) <= 3
