"""The device API (parameters, sensors, hub, robot proxy) on the simulated brick."""

from __future__ import annotations

import copy

import pytest

import robokit
import robokit.devices
from robokit.config import check_robot, standard_rover
from robokit.devices import (
    Axis,
    Button,
    Color,
    ColorSensor,
    DeviceError,
    Direction,
    ForceSensor,
    Hub,
    Icon,
    Port,
    PrimeHub,
    Side,
    Stop,
    TechnicHub,
    UltrasonicSensor,
    UsageError,
    hubs,
    multitask,
    parameters,
    robot,
    run_task,
    sensors,
    wait,
)
from robokit.sim.brick import SimBrick
from robokit.sim.world import COLORS, World, load_world

# -- pure parts -------------------------------------------------------------------------


def test_robokit_exports_every_public_device_name():
    public = {n for n in dir(robokit.devices) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(robokit.devices, n)).__name__ == "module"}
    assert set(robokit.devices.__all__) == public - modules
    assert set(robokit.__all__) == (set(robokit.devices.__all__) | {"__version__"}
                                    | set(robokit.errors.__all__))
    for name in robokit.__all__:
        assert getattr(robokit, name) is not None
    assert isinstance(robokit.__version__, str)


def test_robokit_exposes_the_tools_and_every_error_lazily():
    import subprocess
    import sys

    code = ("import sys, robokit; loaded = set(sys.modules); "
            "from robokit import *; "
            "print(sorted(m for m in set(sys.modules) - loaded "
            "if m.startswith(('robokit.targets', 'robokit.sim', 'robokit.compiler'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"  # a program's "import *" stays light
    import robokit.compiler
    import robokit.sim
    import robokit.targets

    assert robokit.connect is robokit.targets.connect
    assert robokit.simulate is robokit.sim.simulate
    assert robokit.compile_program is robokit.compiler.compile_program
    for name in robokit.errors.__all__:
        assert getattr(robokit, name) is getattr(robokit.errors, name)
        assert issubclass(getattr(robokit, name), robokit.RobokitError)


def test_constants_print_as_their_pybricks_names():
    assert repr(Port.A) == "Port.A" and str(Port.F) == "Port.F"
    assert repr(Direction.COUNTERCLOCKWISE) == "Direction.COUNTERCLOCKWISE"
    assert [str(s) for s in parameters.constants(Stop)] == [
        "Stop.COAST", "Stop.COAST_SMART", "Stop.BRAKE", "Stop.HOLD", "Stop.NONE"]
    assert Button.CENTER in {Button.CENTER, Button.LEFT}
    assert Port.A != "A" and Port.A == Port.A
    assert Side.TOP is not Side.BOTTOM


def test_axes_are_vectors_with_unary_minus():
    assert tuple(Axis.Z) == (0, 0, 1)
    assert tuple(-Axis.Z) == (0, 0, -1)
    assert repr(-Axis.X) == "-Axis.X" and repr(Axis.Y) == "Axis.Y"
    minus_y = -Axis.Y
    assert -minus_y == Axis.Y
    assert Axis.X * 2 == (2, 0, 0)


def test_color_values_and_arithmetic_follow_pybricks():
    assert Color.RED == Color(0, 100, 100)
    assert Color(h=0, s=100, v=100) == Color(360)
    assert repr(Color.ORANGE) == "Color(h=30, s=100, v=100)"
    assert (Color.BLACK.h, Color.BLACK.s, Color.BLACK.v) == (0, 0, 10)
    assert Color.BROWN == Color(30, 100, 50)
    assert Color.RED * 0.5 == Color(0, 100, 50)
    assert 0.5 * Color.RED == Color(0, 100, 50)
    assert Color.RED >> 120 == Color.GREEN
    assert Color.RED << 120 == Color.BLUE
    assert Color.WHITE * 3 == Color.WHITE  # brightness stays within 0-100
    assert len({Color.RED, Color(0, 100, 100), Color.BLUE}) == 2
    assert str(Color.RED) == "Color.RED"


def test_hsv_and_rgb_round_trip():
    for c in parameters.named_colors():
        if c.s == 0:
            continue
        assert parameters.rgb_to_hsv(*c.rgb()) == (c.h, c.s, c.v)


def test_icons_are_five_by_five():
    for name in ("HEART", "HAPPY", "SAD", "UP", "DOWN", "LEFT", "RIGHT", "CIRCLE", "SQUARE",
                 "TRUE", "FALSE", "FULL", "EMPTY"):
        icon = getattr(Icon, name)
        assert len(icon) == 5 and all(len(row) == 5 for row in icon)
        assert {v for row in icon for v in row} <= {0, 100}
    assert Icon.FULL == ((100,) * 5,) * 5


EXPECTED_SURFACE_COLOR = {
    "black": Color.BLACK, "white": Color.WHITE, "gray": Color.GRAY, "red": Color.RED,
    "orange": Color.ORANGE, "yellow": Color.YELLOW, "green": Color.GREEN, "cyan": Color.CYAN,
    "blue": Color.BLUE, "violet": Color.VIOLET, "magenta": Color.MAGENTA,
    "brown": Color.BROWN, "none": Color.NONE,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SURFACE_COLOR))
def test_every_mat_colour_is_told_apart_when_all_colours_are_detectable(name):
    rgb = COLORS[name][0]
    measured = Color(*parameters.rgb_to_hsv(*rgb))
    everything = parameters.named_colors()
    expected = EXPECTED_SURFACE_COLOR[name]
    if name != "none":
        # Black (v 4) lies nearer NONE (v 0) than BLACK (v 10): with both detectable a
        # black mat reads NONE, as docs/device-api.md says; so leave NONE out here.
        everything = tuple(c for c in everything if c != Color.NONE)
    assert sensors.nearest_color(measured, everything) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("black", Color.NONE), ("white", Color.WHITE), ("red", Color.RED), ("blue", Color.BLUE),
    ("green", Color.GREEN), ("yellow", Color.YELLOW), ("none", Color.NONE),
])
def test_default_detectable_colours_are_pybricks_six(name, expected):
    measured = Color(*parameters.rgb_to_hsv(*COLORS[name][0]))
    assert sensors.nearest_color(measured, sensors.DEFAULT_COLORS) == expected


def test_notes_parse_like_pybricks():
    f, length, dotted, legato = hubs.parse_note("A4/4")
    assert (f, length, dotted, legato) == (440.0, 4, False, False)
    assert hubs.parse_note("C4/4")[0] == pytest.approx(261.63, abs=0.01)
    assert hubs.parse_note("C#5/8.")[0] == pytest.approx(554.37, abs=0.01)
    assert hubs.parse_note("Db5/8")[0] == pytest.approx(554.37, abs=0.01)
    assert hubs.parse_note("C#5/8.")[1:] == (8, True, False)
    assert hubs.parse_note("G3/2_")[1:] == (2, False, True)
    assert hubs.parse_note("R/16") == (0, 16, False, False)
    assert hubs.note_duration_ms(4, False, 120) == 500
    assert hubs.note_duration_ms(8, True, 120) == 375


@pytest.mark.parametrize("bad", ["C4", "H4/4", "C9/4", "C4/3", "C4/4x", 5, "R4/"])
def test_bad_notes_say_the_format(bad):
    with pytest.raises(UsageError, match="is not a note.*C4/4"):
        hubs.parse_note(bad)


def test_font_covers_letters_and_digits():
    blank = [[0] * 5 for _ in range(5)]
    shapes = set()
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        g = hubs.glyph(ch)
        assert g != blank
        shapes.add(str(g))
    assert len(shapes) == 36
    assert hubs.glyph("a") == hubs.glyph("A")
    assert hubs.glyph(" ") == blank
    assert hubs.glyph("~") == hubs.glyph("?")


# -- on the simulated brick ----------------------------------------------------------------

WHITE_MAT = {"name": "white mat", "size": [2000, 2000], "start": {"x": 0, "y": 0, "heading": 0}}


def _brick(world=None, cfg=None, **kw) -> SimBrick:
    w = World.from_dict(world or WHITE_MAT)
    return SimBrick(w, cfg if cfg is not None else standard_rover(), **kw)


def _cfg_without(*names):
    cfg = copy.deepcopy(standard_rover())
    for n in names:
        del cfg["devices"][n]
    return check_robot(cfg)


def test_a_sensor_on_a_motor_port_is_refused_naming_what_is_there():
    with _brick().attached():
        with pytest.raises(DeviceError) as e:
            ColorSensor(Port.A)
    assert str(e.value) == ("no ColorSensor on Port.A: the robot has a Motor (left_motor) "
                            "there")


def test_a_sensor_on_an_empty_port_is_refused():
    with _brick(cfg=_cfg_without("force_sensor")).attached():
        with pytest.raises(DeviceError, match=r"no ForceSensor on Port\.E: nothing is plugged"):
            ForceSensor(Port.E)


def test_ports_may_be_given_as_letters_but_not_as_other_things():
    with _brick().attached():
        assert repr(ColorSensor("C")) == "ColorSensor(Port.C)"
        assert repr(UltrasonicSensor("d")) == "UltrasonicSensor(Port.D)"
        with pytest.raises(UsageError, match="Port.A to Port.F, not 3"):
            ColorSensor(3)
        with pytest.raises(UsageError, match="not 'G'"):
            ColorSensor("G")


def _line_world(x_line):
    w = dict(WHITE_MAT)
    w["lines"] = [{"points": [[x_line, -200], [x_line, 200]], "width": 30, "color": "black"}]
    return w


def test_colour_sensor_over_a_black_line_and_over_white():
    sensor_x = standard_rover()["devices"]["color_sensor"]["x"]
    with _brick(_line_world(sensor_x)).attached():
        s = ColorSensor(Port.C)
        assert s.reflection() < 10
        assert s.color() == Color.NONE  # Pybricks' default colours have no BLACK
        s.detectable_colors([Color.BLACK, Color.WHITE])
        assert s.color() == Color.BLACK
        assert s.detectable_colors() == (Color.BLACK, Color.WHITE)
        assert s.hsv().v < 10
    with _brick(_line_world(500)).attached():
        s = ColorSensor(Port.C)
        assert s.reflection() > 90
        assert s.color() == Color.WHITE
        assert 0 <= s.ambient() <= 100
        with pytest.raises(UsageError, match="takes Color values"):
            s.detectable_colors(["red"])


def test_ultrasonic_and_force_sensor_in_an_empty_world():
    with _brick().attached():
        assert UltrasonicSensor(Port.D).distance() == 2000
        assert UltrasonicSensor(Port.D).presence() is False
        f = ForceSensor(Port.E)
        assert f.force() == 0.0 and f.distance() == 0.0
        assert not f.pressed() and not f.touched()


def test_sensor_lights_check_brightness():
    with _brick().attached():
        s = UltrasonicSensor(Port.D)
        s.lights.on((100, 0, 100, 0))
        s.lights.off()
        with pytest.raises(UsageError, match="light brightness must be from 0 to 100 %, not 150"):
            s.lights.on(150)
        with pytest.raises(UsageError, match="4 of them"):
            s.lights.on((1, 2))


def test_heading_is_clockwise_positive_when_the_robot_turns_right():
    brick = _brick()
    with brick.attached():
        hub = PrimeHub()
        assert hub.imu.heading() == 0
        robot.drive_base.drive(0, 90)  # turn rate > 0: turn right (clockwise)
        wait(500)
        assert hub.imu.angular_velocity(Axis.Z) < -30  # Pybricks: CCW positive about z
        assert hub.imu.angular_velocity()[2] < -30
        robot.drive_base.stop()
        wait(300)
        heading = hub.imu.heading()
        assert heading > 20
        assert brick.pose()[2] == pytest.approx(-heading, abs=0.5)
        hub.imu.reset_heading(10)
        assert hub.imu.heading() == pytest.approx(10, abs=0.5)
        assert PrimeHub().imu.heading() == pytest.approx(10, abs=0.5)  # one IMU per brick


def test_imu_at_rest():
    with _brick().attached():
        imu = PrimeHub().imu
        assert imu.tilt() == (0, 0)
        assert imu.up() is Side.TOP
        assert imu.stationary()
        assert imu.acceleration(Axis.Z) == pytest.approx(9810, abs=1)
        assert imu.ready()
        # Mounted on its side, its top facing the robot's right: its left side faces up,
        # and the robot's vectors are still the robot's.
        sideways = Hub(top_side=-Axis.Y, front_side=Axis.X).imu
        assert sideways.up() is Side.LEFT
        assert sideways.acceleration(Axis.Z) == pytest.approx(9810, abs=1)
        assert sideways.tilt() == (0, 0)
        with pytest.raises(UsageError, match="right angles"):
            Hub(top_side=Axis.X, front_side=-Axis.X)


def test_beep_takes_its_duration_blocking_and_awaited():
    brick = _brick()
    with brick.attached():
        speaker = PrimeHub().speaker
        t0 = brick.now
        speaker.beep(440, 250)
        assert 250_000 <= brick.now - t0 < 251_000

        async def main():
            t = brick.now
            await speaker.beep(880, 100)
            return brick.now - t

        assert 100_000 <= run_task(main()) < 111_000
    beeps = [e for e in brick.recorder.events if e["kind"] == "beep"]
    assert [(e["frequency"], e["duration"]) for e in beeps] == [(440, 250), (880, 100)]


def test_speaker_values_out_of_range_say_the_range():
    with _brick().attached():
        sp = PrimeHub().speaker
        with pytest.raises(UsageError, match="frequency must be from 64 to 24000 Hz, not 10"):
            sp.beep(10)
        with pytest.raises(UsageError, match="volume must be from 0 to 100 %"):
            sp.volume(101)
        sp.volume(40)
        assert sp.volume() == 40


def test_play_notes_takes_the_notes_time():
    brick = _brick()
    with brick.attached():
        t0 = brick.now
        PrimeHub().speaker.play_notes(["C4/4", "R/4", "E4/8."], tempo=120)
        assert 1_375_000 <= brick.now - t0 < 1_376_000
    notes = [e for e in brick.recorder.events if e["kind"] == "note"]
    assert [e["note"] for e in notes] == ["C4/4", "E4/8."]
    assert notes[1]["t_ms"] - notes[0]["t_ms"] == pytest.approx(1000, abs=1)


def test_display_text_shows_one_character_at_a_time():
    brick = _brick()
    with brick.attached():
        display = PrimeHub().display
        seen = []

        async def watch():
            await wait(50)
            seen.append(brick.display_rows)
            await wait(120)
            seen.append(brick.display_rows)

        async def show():
            await display.text("HI", on=100, off=20)

        async def main():
            await multitask(show(), watch())

        t0 = brick.now
        run_task(main(), loop_time=1)
        assert 240_000 <= brick.now - t0 < 260_000
        assert seen == [hubs.glyph("H"), hubs.glyph("I")]
        assert brick.display_rows == [[0] * 5 for _ in range(5)]
        t0 = brick.now
        display.text("OK", on=200, off=0)
        assert 400_000 <= brick.now - t0 < 401_000
    texts = [e for e in brick.recorder.events if e["kind"] == "display" and "text" in e]
    assert [e["text"] for e in texts] == ["HI", "OK"]


def test_display_pixels_icons_numbers_and_orientation():
    brick = _brick()
    with brick.attached():
        d = PrimeHub().display
        d.icon(Icon.HEART)
        assert brick.display_rows == [list(r) for r in Icon.HEART]
        d.off()
        d.pixel(0, 4, 60)
        assert brick.display_rows[0][4] == 60
        d.orientation(Side.BOTTOM)
        assert brick.display_rows[4][0] == 60  # the same image, upside down
        d.orientation(Side.TOP)
        d.number(42)
        assert brick.display_rows[2][2] == 0
        d.number(-7)
        assert brick.display_rows[2][2] == 50  # the faint minus dot
        d.number(250)
        assert brick.display_rows == hubs.glyph(">")
        with pytest.raises(UsageError,
                           match=r"display row must be from 0 to 4 \(0 is the top\), not 5"):
            d.pixel(5, 0)
        with pytest.raises(UsageError, match="5 rows of 5"):
            d.icon([[100] * 5])


def test_light_on_off_and_blink_in_the_background():
    brick = _brick()
    with brick.attached():
        light = PrimeHub().light
        light.on(Color.GREEN)
        assert brick.light_rgb == pytest.approx((0, 100, 0))
        light.blink(Color.RED, [100, 100])
        wait(50)
        assert brick.light_rgb == pytest.approx((100, 0, 0))
        wait(100)
        assert brick.light_rgb is None
        wait(100)
        assert brick.light_rgb == pytest.approx((100, 0, 0))
        light.off()
        wait(200)
        assert brick.light_rgb is None
        with pytest.raises(UsageError, match="pairs"):
            light.blink(Color.RED, [100])
        with pytest.raises(UsageError, match="must be a Color"):
            light.on("red")
    kinds = [e for e in brick.recorder.events if e["kind"] == "light"]
    assert len(kinds) == 3


def test_light_and_display_animate_in_the_background_and_refuse_nothing_to_show():
    brick = _brick()
    with brick.attached():
        hub = PrimeHub()
        hub.light.animate([Color.RED, Color.BLUE], 100)
        assert brick.light_rgb == pytest.approx((100, 0, 0))
        wait(150)
        assert brick.light_rgb == pytest.approx((0, 0, 100))
        wait(100)
        assert brick.light_rgb == pytest.approx((100, 0, 0))
        with pytest.raises(UsageError, match="light.animate needs at least one Color"):
            hub.light.animate([], 100)
        with pytest.raises(UsageError, match="display.animate needs at least one image"):
            hub.display.animate([], 100)
        with pytest.raises(UsageError, match="interval"):
            hub.light.animate([Color.RED], 0)
    events = [e for e in brick.recorder.events if e["kind"] == "light"]
    assert events[-1]["animate"] == [[0, 100, 100], [240, 100, 100]]
    assert events[-1]["interval"] == 100


def test_buttons_battery_and_system():
    with _brick().attached():
        hub = PrimeHub()
        assert hub.buttons.pressed() == set()
        assert 6000 < hub.battery.voltage() < 9000
        assert hub.battery.current() > 0
        assert hub.system.name() == "standard rover"
        hub.system.set_stop_button((Button.LEFT, Button.RIGHT))
        assert PrimeHub().system.stop_button() == (Button.LEFT, Button.RIGHT)
        with pytest.raises(UsageError, match="Button"):
            hub.system.set_stop_button("center")


def test_hub_class_must_match_robot_toml():
    with _brick().attached():
        assert repr(PrimeHub()) == "PrimeHub()"
        robokit.InventorHub()  # the same hardware
        with pytest.raises(DeviceError,
                           match="uses a TechnicHub, but the robot's hub is a PrimeHub"):
            TechnicHub()


def test_robot_proxy_builds_the_configured_devices_once_per_brick():
    with _brick().attached():
        assert {"left_motor", "right_motor", "color_sensor", "ultrasonic_sensor",
                "force_sensor", "arm", "hub", "drive_base"} <= set(dir(robot))
        cs = robot.color_sensor
        assert isinstance(cs, ColorSensor) and robot.color_sensor is cs
        assert isinstance(robot.hub, PrimeHub)
        assert robot.drive_base is robot.drive_base
        with pytest.raises(DeviceError, match="robot has no 'colour_sensor'.*color_sensor"):
            _ = robot.colour_sensor
    with _brick().attached():
        assert robot.color_sensor is not cs
    with _brick(cfg=_cfg_without_drive_base()).attached():
        with pytest.raises(DeviceError, match=r"no \[drive_base\]"):
            _ = robot.drive_base
        assert "drive_base" not in dir(robot)


def _cfg_without_drive_base():
    cfg = copy.deepcopy(standard_rover())
    cfg["drive_base"] = None
    return check_robot(cfg)


def test_robot_motors_get_their_configured_direction():
    brick = _brick(world=None)
    with brick.attached():
        robot.left_motor.run_angle(500, 90)
        robot.right_motor.run_angle(500, 90)
    # Both wheels turned "forward": the left one is mounted counterclockwise.
    assert brick.pose()[0] > 30


def test_builtin_world_works_with_sensors():
    brick = SimBrick(load_world("oval"), standard_rover())
    with brick.attached():
        assert 0 <= robot.color_sensor.reflection() <= 100


# -- NaN, infinity and absurd magnitudes (issue 16, case 13) ---------------------------------

_NOT_FINITE = [float("nan"), float("inf"), -float("inf"), 1e308, 10**400]
_NUMERIC_CALLS = {
    "straight": (lambda v: robot.drive_base.straight(v), "distance"),
    "turn": (lambda v: robot.drive_base.turn(v), "angle"),
    "curve": (lambda v: robot.drive_base.curve(100, v), "angle"),
    "drive": (lambda v: robot.drive_base.drive(v, 0), "speed"),
    "drive_base.reset": (lambda v: robot.drive_base.reset(v), "distance"),
    "settings": (lambda v: robot.drive_base.settings(straight_speed=v), "straight_speed"),
    "wait": (lambda v: wait(v), "time"),
    "run": (lambda v: robot.left_motor.run(v), "speed"),
    "dc": (lambda v: robot.left_motor.dc(v), "duty"),
    "run_angle speed": (lambda v: robot.left_motor.run_angle(v, 90), "speed"),
    "run_angle angle": (lambda v: robot.left_motor.run_angle(100, v), "rotation_angle"),
    "run_target": (lambda v: robot.left_motor.run_target(100, v), "target_angle"),
    "run_time": (lambda v: robot.left_motor.run_time(100, v), "time"),
    "reset_angle": (lambda v: robot.left_motor.reset_angle(v), "angle"),
    "track_target": (lambda v: robot.left_motor.track_target(v), "target_angle"),
    "limits": (lambda v: robot.left_motor.control.limits(speed=v), "speed limit"),
    "beep frequency": (lambda v: robot.hub.speaker.beep(v, 10), "frequency"),
    "beep duration": (lambda v: robot.hub.speaker.beep(500, v), "duration"),
    "volume": (lambda v: robot.hub.speaker.volume(v), "volume"),
    "display.number": (lambda v: robot.hub.display.number(v), "number"),
    "display.pixel": (lambda v: robot.hub.display.pixel(0, 0, v), "pixel brightness"),
    "display.text": (lambda v: robot.hub.display.text("a", v, 10), "on"),
    "light.blink": (lambda v: robot.hub.light.blink(Color.RED, [v, 100]), "blink duration"),
    "reset_heading": (lambda v: robot.hub.imu.reset_heading(v), "angle"),
    "sensor lights": (lambda v: robot.color_sensor.lights.on(v), "light brightness"),
    "Color": (lambda v: Color(v), "hue"),
    "Color * k": (lambda v: Color.RED * v, "factor"),
}


@pytest.mark.parametrize("call", sorted(_NUMERIC_CALLS))
def test_every_numeric_argument_refuses_nan_infinity_and_huge_values_naming_it(call):
    fn, arg = _NUMERIC_CALLS[call]
    for value in _NOT_FINITE:
        with _brick(duration_s=5).attached():
            with pytest.raises(UsageError) as info:
                fn(value)
        msg = str(info.value)
        assert msg.startswith(f"{arg} must be from "), (value, msg)
        shown = "..." if isinstance(value, int) else repr(value) if value != 1e308 else "1e+308"
        assert shown in msg.rsplit(", not ", 1)[1], (value, msg)


def test_the_issue_s_calls_name_argument_value_and_range():
    with _brick(duration_s=5).attached():
        with pytest.raises(UsageError, match=r"^distance must be from -1000000000 to "
                                             r"1000000000 mm, not inf$"):
            robot.drive_base.straight(float("inf"))
        with pytest.raises(UsageError, match=r"^time must be from .* ms, not inf$"):
            wait(float("inf"))
        with pytest.raises(UsageError, match=r"^speed must be from .* deg/s, not 1e\+308$"):
            robot.left_motor.run_angle(1e308, 1e308)
        for fn in (robot.left_motor.run, robot.left_motor.dc, robot.drive_base.straight):
            with pytest.raises(UsageError, match=r"must be from .*, not nan$"):
                fn(float("nan"))
        # finite values within the bound still work as before
        wait(-5)
        robot.left_motor.dc(150)
        assert Color(400) == Color(40)
