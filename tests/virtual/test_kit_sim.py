"""Kit boards simulated at pin level: the kit HAL (firmware_templates/micropython/
robokit_board.py) runs in MicroPython's unix port on a SimBoard(board=...), drives the
simulated motors through machine.PWM, counts encoder edges in its own Pin.irq handlers,
reads line sensors with machine.ADC and the ultrasonic with time_pulse_us. Programs are
uploaded and run through the real host path (robokit.connect over a pty)."""

from __future__ import annotations

import math
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from robokit.kits import board_support_files, load_board
from robokit.link.rawrepl import RawRepl
from robokit.link.serial_link import SerialLink
from robokit.sim.motor import KIT_MODELS, MotorSim
from robokit.targets import connect
from robokit.virtual.board import SimBoard

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX ptys"),
    pytest.mark.skipif(shutil.which("micropython") is None,
                       reason="MicroPython's unix port is not installed"),
]

KITRONIK = "kitronik_pico_robotics"
INVENTOR = "pimoroni_inventor2040w"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "kits"

KITRONIK_TOML = """\
[hub]
type = "Hub"
[devices.left_motor]
type = "DCMotor"
port = "A"
[devices.right_motor]
type = "DCMotor"
port = "B"
[devices.centre_line]
type = "ColorSensor"
port = "D"
[devices.ultrasonic_sensor]
type = "UltrasonicSensor"
port = "F"
"""

INVENTOR_TOML = """\
[hub]
type = "Hub"
[devices.left_motor]
type = "Motor"
port = "A"
[devices.right_motor]
type = "Motor"
port = "B"
"""


#: robokit.testing's robokit_board fixture: serve(**SimBoard options) -> (board, port)
Serve = Callable[..., tuple[SimBoard, str]]


@pytest.fixture
def kit(robokit_board: Serve) -> Serve:
    """robokit.testing's robokit_board: boards closed after the test."""
    return robokit_board


def serve(kit: Serve, name: str,
          world: str = "empty") -> tuple[SimBoard, str]:
    return kit(vm="micropython", board=name, files=board_support_files(name), world=world)


def project(tmp_path: Path, toml: str, main: str) -> Path:
    (tmp_path / "robot.toml").write_text(toml)
    (tmp_path / "main.py").write_text(main)
    return tmp_path / "main.py"


def test_dc_motors_drive_the_kitronik_forward_as_their_model_says(
        kit: Serve, tmp_path: Path) -> None:
    prog = project(tmp_path, KITRONIK_TOML, """\
from robokit import robot, wait
robot.left_motor.dc(60)
robot.right_motor.dc(60)
wait(1000)
robot.left_motor.stop()
robot.right_motor.stop()
wait(1500)
print("done")
""")
    board, path = serve(kit, KITRONIK)
    with connect(path) as brick:
        result = brick.run(prog)
    assert result.status == "finished" and result.output == "done\n", result
    assert board.brick is not None and board.pins is not None
    x, y, heading = board.brick.pose()
    # Reference: one wheel's motor alone, its share of the robot's mass on it, 60 % of the
    # battery for 1 s, then coasting to rest; the wheel's travel is the robot's.
    spec = load_board(KITRONIK)
    g = spec["geometry"]
    r = g["wheel_diameter"] / 2000.0
    m = MotorSim(KIT_MODELS["tt_gear_48"], extra_inertia=g["body"]["mass_g"] / 2000.0 * r * r,
                 battery_mv=spec["battery_mv"])
    m.set_voltage(0.6 * spec["battery_mv"])
    m.step(1.0)
    m.coast()
    m.step(1.5)
    expected = m.angle * math.pi * g["wheel_diameter"] / 360.0
    assert expected > 100.0
    assert x == pytest.approx(expected, rel=0.03)  # the empty world starts at (0, 0)
    assert abs(y) < 1.0 and abs(heading) < 0.5
    # The motors went through the H-bridge pins: both inputs of each motor are off now.
    assert all(board.pins.duty.get(p, 0) == 0 for p in (20, 19, 6, 7))


def test_the_kitronik_follows_a_line_with_its_adc_sensor(kit: Serve) -> None:
    board, path = serve(kit, KITRONIK, world="oval")
    with connect(path) as brick:
        result = brick.run(EXAMPLES / "kitronik_line_follower" / "main.py")
    assert result.status == "finished", result
    assert result.output.startswith("followed the line for")
    assert board.brick is not None
    assert board.brick.distance_mm > 1000.0  # along the straight and into the curve
    sx, sy, _ = board.brick.sensor_position("centre_line")
    # Distance of the centre sensor from the oval's centre line (straights at y = +-400,
    # half circles of 400 mm around (+-500, 0)); the line is 20 mm wide, the sensor follows
    # its left (inner) edge.
    if abs(sx) <= 500:
        off = abs(abs(sy) - 400.0)
    else:
        off = abs(math.hypot(abs(sx) - 500.0, sy) - 400.0)
    assert sx > 600.0  # it went round the bend
    assert off < 20.0


def test_a_motor_with_encoders_turns_360_degrees_at_pin_level(
        kit: Serve, tmp_path: Path) -> None:
    prog = project(tmp_path, INVENTOR_TOML, """\
from robokit import robot, wait
m = robot.left_motor
m.run_angle(360, 360)
wait(200)
print(m.angle())
""")
    board, path = serve(kit, INVENTOR)
    with connect(path) as brick:
        result = brick.run(prog)
    assert result.status == "finished", result
    hal_angle = int(result.output.strip())
    assert abs(hal_angle - 360) <= 3
    assert board.brick is not None
    physical = board.brick.motor_sim("A").angle
    assert abs(physical - 360.0) <= 3.0
    # The HAL's angle is the encoder count its IRQ handlers made: within one count (0.6 deg).
    cpr = load_board(INVENTOR)["ports"]["A"]["counts_per_rev"]
    assert abs(hal_angle - physical) <= 360.0 / cpr + 0.5
    assert abs(board.brick.motor_sim("B").angle) < 1e-9  # the other motor never moved


def test_the_encoder_kit_drives_a_square_with_its_drive_base(kit: Serve) -> None:
    board, path = serve(kit, INVENTOR)
    with connect(path) as brick:
        result = brick.run(EXAMPLES / "inventor_square" / "main.py")
    assert result.status == "finished" and result.output == "square done\n", result
    assert board.brick is not None and board.pins is not None
    x, y, heading = board.brick.pose()
    # Four 150 mm sides and four right turns (clockwise): back where it started.
    assert math.hypot(x, y) < 5.0
    assert heading == pytest.approx(-360.0, abs=2.0)
    assert board.brick.distance_mm > 4 * 150.0
    # The status light went green through the WS2812 chain, then off.
    assert board.pins.pixels[20] == [(0, 0, 0)] * 12


def test_a_motor_where_the_board_has_no_encoder_is_refused_before_the_program_runs(
        kit: Serve, tmp_path: Path) -> None:
    prog = project(tmp_path, KITRONIK_TOML.replace('"DCMotor"', '"Motor"', 1), """\
print("program started")
from robokit import robot
robot.left_motor.run(100)
""")
    board, path = serve(kit, KITRONIK)
    with connect(path) as brick:
        result = brick.run(prog)
    assert result.status == "error"
    assert "program started" not in result.output
    text = str(result.traceback or "") + str(getattr(result, "error", "") or "")
    assert ("devices.left_motor (Motor on port A): port A of Kitronik Autonomous Robotics "
            "Platform for Pico has no encoder") in text
    assert 'use type = "DCMotor"' in text


def test_held_buttons_and_the_ultrasonic_are_read_through_pins(
        kit: Serve, tmp_path: Path) -> None:
    prog = project(tmp_path, KITRONIK_TOML, """\
from robokit import Button, robot
print(Button.CENTER in robot.hub.buttons.pressed(), robot.ultrasonic_sensor.distance())
""")
    board, path = serve(kit, KITRONIK, world="arena")
    with connect(path) as brick:
        released = brick.run(prog)
        board.hold_button("CENTER")
        held = brick.run(prog)
        board.hold_button("CENTER", held=False)
        again = brick.run(prog)
    assert [r.output.split()[0] for r in (released, held, again)] == ["False", "True", "False"]
    assert board.brick is not None
    # The echo's length is the simulated distance there and back (5.8 us per mm).
    x, y, h = board.brick.sensor_position("ultrasonic_sensor")
    want = board.brick.world.ultrasonic(x, y, h, 20.0, 5, 2000.0)
    got = float(again.output.split()[1])
    assert want < 2000.0 and got == pytest.approx(want, abs=2.0)
    with pytest.raises(ValueError, match="has no button 'LEFT'"):
        board.hold_button("LEFT")


PIN_CODE = """\
import time, robokit_board
from machine import Pin, PWM
edges = 0


def on_edge(pin):
    global edges
    edges += 1


a = Pin(19, Pin.IN, Pin.PULL_UP)
Pin(18, Pin.IN, Pin.PULL_UP)
a.irq(on_edge)
fwd = PWM(Pin(6))
rev = PWM(Pin(7))
fwd.freq(25000)
t0 = time.ticks_us()
rev.duty_u16(0)
fwd.duty_u16(65535)
time.sleep_ms(500)
fwd.duty_u16(0)
print(robokit_board.buttons_held(), edges, time.ticks_diff(time.ticks_us(), t0))
"""


def test_any_code_using_machine_drives_the_simulated_robot(kit: Serve) -> None:
    """Not only the kit HAL: code of its own on the board (here over the raw REPL, no
    program stored) sees the pins, the simulated clock and the encoder edges."""
    board, path = serve(kit, INVENTOR)
    board.hold_button("CENTER")
    link = SerialLink(path)
    try:
        out, err = RawRepl(link).exec(PIN_CODE, timeout=20)
    finally:
        link.close()
    assert err == b""
    held, rest = out.decode().split(")")
    edges, us = rest.split()
    assert held + ")" == "('CENTER',)"
    assert 500000 <= int(us) < 510000  # the simulated clock, not the wall clock
    assert board.brick is not None
    # Full voltage for 0.5 s, then coasting a little: channel A changes twice per four
    # counts (600 counts a turn), and the handler saw every change up to the last read.
    angle = board.brick.motor_sim("A").angle
    assert angle > 180.0
    assert abs(int(edges) - angle * 600 / 360 / 2) <= 2


def test_the_kit_hal_turns_millivolts_into_duty_and_stop_coasts(kit: Serve) -> None:
    board, path = serve(kit, KITRONIK)
    link = SerialLink(path)
    try:
        repl = RawRepl(link)
        out, _ = repl.exec(
            "import robokit_board\n"
            "h = robokit_board.hal({'devices': {'l': {'type': 'DCMotor', 'port': 'A'}}})\n"
            "h.motor_voltage('A', -3000)\n"
            "h.sleep_us(100000)\n", timeout=20)
        assert board.pins is not None
        assert (board.pins.duty[20], board.pins.duty[19]) == (0, 32767)  # half of 6 V, back
        assert board.brick is not None and board.brick.motor_sim("A").speed < -10.0
        # (Each piece of code run is a fresh simulated robot; the HAL object lives on.)
        repl.exec("h.motor_brake('A')\n", timeout=20)
        assert (board.pins.duty[20], board.pins.duty[19]) == (65535, 65535)
        assert board.brick.motor_sim("A").mode == "brake"
        repl.exec("h.stop()\n", timeout=20)
        assert (board.pins.duty[20], board.pins.duty[19]) == (0, 0)
    finally:
        link.close()


def test_a_kit_board_needs_the_micropython_vm() -> None:
    with pytest.raises(ValueError, match="vm='micropython'"):
        SimBoard(vm="cpython", board=KITRONIK)
