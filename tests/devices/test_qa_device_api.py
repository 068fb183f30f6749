"""The device API used the way a hobbyist's program uses it, on the real simulated brick:
what a call does at its limits, and the message a wrong argument gets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from robokit.config import standard_rover
from robokit.devices import (
    Axis,
    Color,
    ColorSensor,
    Direction,
    DriveBase,
    ForceSensor,
    Icon,
    Motor,
    Port,
    PrimeHub,
    Side,
    Stop,
    StopWatch,
    UltrasonicSensor,
    UsageError,
    multitask,
    robot,
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


# -- run_task and multitask ---------------------------------------------------------------


async def _sleep_a_while() -> int:
    await wait(100)
    return 7


@pytest.mark.parametrize("loop_time, shown", [
    ("a", "loop_time must be a number, not 'a'"),
    (None, "loop_time must be a number, not None"),
    (float("nan"), "loop_time must be from 0 to 1000000000 ms, not nan"),
    (-1, "loop_time must be from 0 to 1000000000 ms, not -1"),
    (1e300, "loop_time must be from 0 to 1000000000 ms, not 1e+300"),
])
def test_run_task_refuses_a_loop_time_that_is_no_time(brick, loop_time, shown):
    # It was multiplied as given: "a" gave a ValueError quoting a thousand a's, None a
    # TypeError, NaN a ValueError, and 1e300 slept past the end of the run.
    coro = _sleep_a_while()
    with pytest.raises(UsageError) as e:
        run_task(coro, loop_time=loop_time)
    assert str(e.value) == shown
    assert coro.cr_frame is None  # closed: Python warns of no coroutine never awaited


def test_run_task_takes_any_loop_time_from_zero(brick):
    for loop_time in (0, 0.5, 10, 250):
        sw = StopWatch()
        assert run_task(_sleep_a_while(), loop_time=loop_time) == 7
        assert 100 <= sw.time() <= 100 + max(loop_time, 1)


def test_multitask_outside_run_task_closes_what_it_was_given(brick):
    coros = [_sleep_a_while(), _sleep_a_while()]
    with pytest.raises(UsageError, match=r"works only inside run_task"):
        multitask(*coros)
    assert all(c.cr_frame is None for c in coros)


# -- a list where a list belongs ------------------------------------------------------------


LIST_ARGUMENTS = [
    # (call, its message); each gave a Python TypeError or a message about the wrong thing
    (lambda: ColorSensor(Port.C).detectable_colors(Color.RED),  # "...not 0": RED's hue
     "the colors of detectable_colors must be a list such as [Color.RED, Color.WHITE, "
     "Color.NONE], not Color.RED"),
    (lambda: ColorSensor(Port.C).detectable_colors(5),  # TypeError: not iterable
     "the colors of detectable_colors must be a list such as [Color.RED, Color.WHITE, "
     "Color.NONE], not 5"),
    (lambda: ColorSensor(Port.C).lights.on(None),  # TypeError: not iterable
     "the brightness of lights.on must be one number 0-100 or a list such as [100, 50, 50], "
     "not None"),
    (lambda: UltrasonicSensor(Port.D).lights.on("a"),  # "needs one brightness or 4 ...not 1"
     "the brightness of lights.on must be one number 0-100 or a list such as "
     "[100, 50, 50, 50], not 'a'"),
    (lambda: PrimeHub().speaker.play_notes("C4/4"),  # "'C' is not a note"
     "the notes of play_notes must be a list such as ['C4/4', 'E4/4', 'G4/2'], not 'C4/4'"),
    (lambda: PrimeHub().speaker.play_notes(None),  # TypeError
     "the notes of play_notes must be a list such as ['C4/4', 'E4/4', 'G4/2'], not None"),
    (lambda: PrimeHub().light.blink(Color.RED, 500),  # TypeError
     "the durations of light.blink must be a list such as [500, 500] (ms on, off), not 500"),
    (lambda: PrimeHub().light.animate(Color.RED, 100),  # "color must be a Color..., not 0"
     "the colors of light.animate must be a list such as [Color.RED, Color.BLUE], "
     "not Color.RED"),
    (lambda: PrimeHub().display.animate(Icon.HEART, 100),  # "...not (0, 100, 0, 100, 0)"
     "the images of display.animate must be a list such as [Icon.HEART, Icon.EMPTY], "
     "not one image"),
    (lambda: PrimeHub().display.animate(None, 100),  # TypeError
     "the images of display.animate must be a list such as [Icon.HEART, Icon.EMPTY], "
     "not None"),
]


@pytest.mark.parametrize("call, message", LIST_ARGUMENTS)
def test_a_list_argument_given_something_else_says_what_belongs_there(brick, call, message):
    with pytest.raises(UsageError) as e:
        call()
    assert str(e.value) == message


def test_list_arguments_still_take_lists_tuples_and_other_collections(brick):
    cs = ColorSensor(Port.C)
    cs.detectable_colors((Color.BLACK, Color.WHITE))
    assert cs.detectable_colors() == (Color.BLACK, Color.WHITE)
    cs.detectable_colors(c for c in [Color.RED, Color.NONE])
    assert cs.detectable_colors() == (Color.RED, Color.NONE)
    cs.lights.on([10, 20, 30])
    hub = PrimeHub()
    sw = StopWatch()
    hub.speaker.play_notes(("C4/4", "R/4"))  # two quarter notes at 120 per minute
    assert sw.time() == 1000
    hub.light.blink(Color.RED, (100, 100))
    hub.light.animate((Color.RED, Color.BLUE), 100)
    hub.display.animate((Icon.HEART, Icon.EMPTY), 100)
    hub.display.animate([Icon.HEART], 100)  # one image in a list is a list of images


def test_force_sensor_pressed_checks_its_threshold(brick):
    fs = ForceSensor(Port.E)
    for bad in ("a", None, float("nan")):
        with pytest.raises(UsageError, match=r"^force must be"):
            fs.pressed(bad)  # was a TypeError ('>=' not supported...), NaN always False
    assert fs.pressed(0) is True and fs.pressed(3) is False


# -- DriveBase: the axes' speed limits ------------------------------------------------------


def _peak_while(db: DriveBase, command) -> tuple[int, int, int]:
    """(ms the command took, its highest |drive speed| mm/s, highest |turn rate| deg/s)."""
    peak = [0, 0]

    async def watch() -> None:
        while True:
            s = db.state()
            peak[0] = max(peak[0], abs(s[1]))
            peak[1] = max(peak[1], abs(s[3]))
            await wait(10)

    async def main() -> None:
        await multitask(command(), watch(), race=True)

    sw = StopWatch()
    run_task(main())
    return sw.time(), peak[0], peak[1]


def test_straight_and_turn_keep_to_the_axes_speed_limits(brick):
    # docs/control.md: a move's speed is never more than limits()' speed.  drive() kept to
    # distance_control.limits(speed=50), but straight(500) still peaked at 203 mm/s (the
    # settings' 195) and turn(180) at 174 deg/s under heading_control.limits(speed=30).
    db = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
    assert db.settings()[0] == 195 and db.settings()[2] == 167
    db.distance_control.limits(speed=50)
    db.heading_control.limits(speed=30)
    ms, speed, _rate = _peak_while(db, lambda: db.straight(300))
    assert speed <= 60  # measured: the reference keeps to 50, the wheels overshoot a little
    assert ms >= 300 / 50 * 1000
    assert db.distance() == pytest.approx(300, abs=1)
    ms, _speed, rate = _peak_while(db, lambda: db.turn(90))
    assert rate <= 36
    assert ms >= 90 / 30 * 1000
    assert db.angle() == pytest.approx(90, abs=1)
    # an arc: both axes within their limits, still on its circle
    ms, speed, rate = _peak_while(db, lambda: db.arc(200, angle=90))
    assert speed <= 60 and rate <= 36
    assert db.angle() == pytest.approx(180, abs=1)
    # with the limits above the settings, the settings' speeds as before
    db.distance_control.limits(speed=400)
    db.heading_control.limits(speed=400)
    ms, speed, _rate = _peak_while(db, lambda: db.straight(500))
    assert 190 <= speed <= 205


def test_drive_base_accelerations_are_the_axes_limits(brick):
    # As in Pybricks, settings()' accelerations and the axes' limits() are one setting.
    # distance_control.limits(acceleration=100) was taken, read back, and changed nothing:
    # straight(300) took 1.7 s either way (3.5 s with settings(straight_acceleration=100)).
    db = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
    assert db.settings() == (195, 977, 167, 1000)
    assert db.distance_control.limits()[1] == 977
    assert db.heading_control.limits()[1] == 1000
    sw = StopWatch()
    db.straight(300)
    quick = sw.time()
    db.distance_control.limits(acceleration=100)
    assert db.settings()[1] == 100
    sw.reset()
    db.straight(300)
    assert sw.time() > 1.8 * quick  # 300 mm at 100 mm/s² cannot reach 195 mm/s
    db.settings(straight_acceleration=(977, 200), turn_acceleration=250)
    assert db.distance_control.limits()[1] == (977, 200)
    assert db.heading_control.limits()[1] == 250
    sw.reset()
    db.turn(90)
    slow_turn = sw.time()
    db.heading_control.limits(acceleration=1000)
    sw.reset()
    db.turn(90)
    assert sw.time() < 0.8 * slow_turn
    # drive() ramps at the axes' acceleration too
    db.distance_control.limits(acceleration=100)
    db.drive(200, 0)
    wait(1000)
    assert db.state()[1] == pytest.approx(100, abs=10)


def test_resetting_a_wheel_angle_stops_the_drive_base_instead_of_swerving(brick):
    # The drive base saw the wheel jump back 78 mm worth of degrees and steered to undo it:
    # straight(500) ended 40 degrees off course.  As any command of its own, a wheel's
    # reset_angle makes the drive base let go (Pybricks stops the servo's parent too).
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    db = DriveBase(left, Motor(Port.B), 56, 112)
    db.straight(500, wait=False)
    wait(500)
    assert not db.done()
    left.reset_angle(0)
    assert db.done()
    assert brick.motor_sim("A").mode == "coast" and brick.motor_sim("B").mode == "coast"
    wait(2000)
    _x, _y, heading = brick.pose()
    assert abs(heading - brick.start_pose[2]) < 2
    assert left.angle() < 200  # read from the reset: it rolled to a stop
    db.straight(100)  # and the drive base drives again when told
    assert db.done()


def test_a_refused_motor_leaves_the_port_free(brick):
    # Motor(port, profile="a") took the port before it checked the profile: the next
    # Motor on that port (robot.arm too) failed with "AttributeError: 'Motor' object has
    # no attribute 'control'" from the half-made one.
    for bad in ({"profile": "a"}, {"profile": 0}, {"gears": [12]},
                {"positive_direction": "cw"}):
        with pytest.raises(UsageError):
            Motor(Port.F, **bad)
        arm = Motor(Port.F)
        arm.run_target(500, 45)
        assert arm.angle() == pytest.approx(45, abs=3)
    assert Motor(Port.F, profile=10).control.target_tolerances()[1] == 10


def test_two_drive_bases_on_the_same_wheels_take_turns(brick):
    # robot.drive_base and a DriveBase of one's own on the same motors: the second took the
    # wheels without the first letting go, so both drove them at once (straight(500) of
    # the first stopped at 19 mm, fighting the other's hold, and never reported done).
    left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
    right = Motor(Port.B)
    first = DriveBase(left, right, 56, 112)
    second = DriveBase(left, right, 56, 112)
    first.straight(500, wait=False)
    wait(200)
    second.turn(90)
    assert first.done()  # let go when the other took the wheels
    assert second.angle() == pytest.approx(90, abs=1)
    first.reset()
    first.straight(200)  # and takes them back when told
    assert first.distance() == pytest.approx(200, abs=2)
    assert second.done()
    wait(500)
    assert first.distance() == pytest.approx(200, abs=2)  # nobody else drives them now


def test_the_absolute_position_is_the_shafts_after_any_reset(brick):
    # A SPIKE motor's absolute position is marked on its shaft.  Here it was taken from
    # the reading, so after reset_angle(0) a new Motor(port) (reset_angle=True) or
    # reset_angle() read 0 where the shaft stood at 80 degrees.
    arm = Motor(Port.F)  # the standard rover's arm, end stops at -100 and +100
    arm.run_target(500, 80)
    arm.reset_angle(0)
    assert arm.angle() == 0
    assert Motor(Port.F).angle() == pytest.approx(80, abs=1)  # read from the shaft
    arm = Motor(Port.F)
    arm.reset_angle(500)
    arm.reset_angle()
    assert arm.angle() == pytest.approx(80, abs=1)
    arm.run_target(500, -30)
    arm.reset_angle(1000)
    assert Motor(Port.F).angle() == pytest.approx(-30, abs=1)
    # without resets, the reading as before; the other way round a motor reads the same
    back = Motor(Port.F, Direction.COUNTERCLOCKWISE)
    assert back.angle() == pytest.approx(30, abs=1)
    assert Motor(Port.F, reset_angle=False).angle() == pytest.approx(-30, abs=1)


# -- the hub's mounting ------------------------------------------------------------------


def test_robot_hub_keeps_the_mounting_the_program_gave(brick):
    # A hub standing on end (Pybricks' BLAST).  Using robot.hub afterwards made a hub of
    # the default mounting, which laid the simulated hub flat again: the program's own
    # hub then read gravity along the robot's x (acceleration (9810, 0, 0), pitched
    # 90 degrees) on a flat floor, and robot.hub said its top faced up.
    hub = PrimeHub(top_side=Axis.X, front_side=-Axis.Y)
    assert hub.imu.up() is Side.RIGHT
    assert robot.hub.imu.up() is Side.RIGHT
    for h in (hub, robot.hub):
        assert h.imu.acceleration() == pytest.approx((0, 0, 9810))
        assert h.imu.tilt() == (0, 0)


def test_every_hub_object_reads_in_the_last_mounting_given(brick):
    # As in Pybricks (one IMU, one base orientation): the hub made last says how the
    # hub is mounted, for every hub object, and the simulated hub is mounted so.
    first = robot.hub  # the default: flat
    assert first.imu.up() is Side.TOP
    PrimeHub(top_side=Axis.X, front_side=-Axis.Y)
    assert first.imu.up() is Side.RIGHT
    assert first.imu.acceleration() == pytest.approx((0, 0, 9810))
    robot.drive_base.drive(0, 90)
    wait(300)
    assert first.imu.angular_velocity(Axis.Z) == pytest.approx(-90, abs=2)


# -- Motor.load() of a motor at rest ------------------------------------------------------


def test_the_load_of_a_motor_at_rest_with_no_drive_is_nothing(brick: SimBrick) -> None:
    """The arm pushed into its end stop, then coasting at rest: load() kept reading the
    stall's 157 mNm for ever (the physics skips a motor at rest with no drive, so the
    value of its last step stayed).  Driven against the stop, it reads what it pushes
    with."""
    arm = Motor(Port.F)
    arm.run_until_stalled(300)  # then coasts
    wait(1000)
    assert arm.speed() == 0
    assert arm.load() == 0
    arm.dc(40)  # pushes into the stop it rests against
    wait(200)
    assert arm.speed() == 0
    assert arm.load() > 10
