"""Pybricks' Powered Up devices beyond motors and the SPIKE sensors, in the simulator
(issue 11): Remote (scripted buttons), TiltSensor, InfraredSensor, Light,
ColorLightMatrix, PFMotor; the hub's ble, charger and storage; tools' DataLog, hub_menu
and read_input_byte; the Icon constants robokit lacked.

Each program is written as the Pybricks documentation writes them and runs with no
robot.toml, on the robot fitted to it; each test asserts what the program achieves.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.errors import ProgramError
from robokit.sim import simulate
from robokit.sim.presses import check_presses, parse_press

REMOTE_CAR = """\
from pybricks.pupdevices import Motor, Remote
from pybricks.parameters import Button, Direction, Port
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
robot = DriveBase(left, right, wheel_diameter=56, axle_track=112)
remote = Remote(timeout=1000)
print("remote", remote.name(), remote.address is not None)

watch = StopWatch()
marks = [1900, 4500, 6000]
while marks:
    pressed = remote.buttons.pressed()
    if Button.LEFT_PLUS in pressed:
        robot.drive(200, 0)
    elif Button.LEFT_MINUS in pressed:
        robot.drive(-200, 0)
    else:
        robot.stop()
    if watch.time() >= marks[0]:
        print("at", marks.pop(0), robot.distance())
    wait(10)
"""


def write(tmp_path: Path, text: str, name: str = "main.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def distances(output: str) -> list[int]:
    return [int(line.split()[2]) for line in output.splitlines() if line.startswith("at ")]


def test_a_remote_driven_robot_moves_while_the_button_is_held(tmp_path: Path) -> None:
    program = write(tmp_path, REMOTE_CAR)
    r = simulate(program, press=["remote.left_plus@2s-4s"])
    assert r.status == "finished", r.error
    assert r.output.startswith("remote Handset True\n")
    before, held, after = distances(r.output)
    assert before == 0  # nothing pressed yet
    # Held 2 s at 200 mm/s: about 400 mm (less the ramps), then stopped.
    assert 330 <= held <= 420
    assert after == held
    assert r.pose[0] == pytest.approx(held, abs=5)


def test_the_hub_buttons_and_the_remote_s_are_apart(tmp_path: Path) -> None:
    # The hub's own LEFT_PLUS-less buttons do not drive the remote program, and a remote
    # press is not a hub press.
    program = write(tmp_path, REMOTE_CAR + "\nfrom pybricks.hubs import PrimeHub\n")
    r = simulate(program, press=["left@2s-4s", "right@2s-4s"])  # (centre: the stop button)
    assert r.status == "finished", r.error
    assert distances(r.output) == [0, 0, 0]
    hub_program = write(tmp_path, (
        "from pybricks.hubs import PrimeHub\nfrom pybricks.tools import wait\n"
        "hub = PrimeHub()\nwait(1500)\nprint(sorted(str(b) for b in hub.buttons.pressed()))\n"),
        "hub.py")
    r = simulate(hub_program, press=["remote.center@1s-2s", "right@1s-2s"])
    assert r.output == "['Button.RIGHT']\n"


def test_remote_presses_are_checked_with_a_clear_message() -> None:
    p = parse_press("Remote.Right_Minus@1.5s-2s")
    assert (p.button, p.start_s, p.end_s) == ("REMOTE.RIGHT_MINUS", 1.5, 2.0)
    assert check_presses([("remote.centre", 1, 2)])[0].button == "REMOTE.CENTER"
    with pytest.raises(ProgramError, match=r"press remote.up@1: the remote has no button "
                                           r"called 'up'; .*remote.left_plus@3s-4s"):
        parse_press("remote.up@1")


def test_the_command_line_takes_remote_presses(tmp_path: Path) -> None:
    program = write(tmp_path, REMOTE_CAR)
    r = invoke("run", program, "--json", "--press", "remote.left_minus@1s-2s")
    assert r.exit_code == 0, r.stderr
    d: dict[str, Any] = json.loads(r.stdout)
    assert d["pose"]["x_mm"] == pytest.approx(-180, abs=25)  # 1 s backwards at 200 mm/s
    bad = invoke("run", program, "--press", "remote.up@1s")
    assert bad.exit_code != 0
    assert "the remote has no button called 'up'" in bad.stderr
    assert "Traceback" not in bad.stderr


SENSORS = """\
from pybricks.hubs import PrimeHub
from pybricks.pupdevices import InfraredSensor, Motor, TiltSensor
from pybricks.parameters import Direction, Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub()
tilt = TiltSensor(Port.E)
eyes = InfraredSensor(Port.F)
base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
pitch, roll = tilt.tilt()
print("tilt", pitch, roll)
print("far", eyes.distance(), eyes.reflection(), eyes.count())
base.drive(150, 0)
while eyes.distance() > 40:
    wait(10)
base.stop()
print("near", eyes.distance(), eyes.reflection(), eyes.count())
"""


def test_a_tilt_sensor_reads_level_and_an_infrared_sensor_sees_the_wall(
        tmp_path: Path) -> None:
    program = write(tmp_path, SENSORS)
    r = simulate(program, world="arena", duration=30)
    assert r.status == "finished", r.error
    lines = r.output.splitlines()
    assert lines[0] == "tilt 0 0"  # the arena's floor is flat
    far = [int(v) for v in lines[1].split()[1:]]
    assert far == [100, 0, 0]  # the wall is 1.8 m ahead: out of its 250 mm reach
    near = [int(v) for v in lines[2].split()[1:]]
    assert near[0] <= 40 and near[1] == 100 - near[0] and near[2] == 1
    # The robot starts at y = -800 facing the arena's north wall at y = 1000; the fitted
    # sensor sits 80 mm ahead of the axle (where an ultrasonic sensor goes): distance()
    # is that gap, in % of 250 mm.
    gap = 1000 - 80 - r.pose[1]
    assert near[0] == pytest.approx(100 * gap / 250, abs=4)


def test_lights_a_light_matrix_and_a_pf_motor_are_recorded(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.pupdevices import ColorDistanceSensor, ColorLightMatrix, Light, "
        "PFMotor\n"
        "from pybricks.parameters import Color, Port\n"
        "from pybricks.tools import wait\n"
        "lamp = Light(Port.A)\nmatrix = ColorLightMatrix(Port.B)\n"
        "sensor = ColorDistanceSensor(Port.C)\n"
        "train = PFMotor(sensor, 1, Color.RED)\n"
        "lamp.on(40)\nmatrix.on([Color.GREEN] * 8 + [Color.RED])\ntrain.dc(-60)\n"
        "wait(100)\nlamp.off()\nmatrix.off()\ntrain.stop()\n"
        "try:\n    PFMotor(sensor, 5, Color.RED)\nexcept Exception as e:\n    print(e)\n"))
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output == "PFMotor channel must be 1, 2, 3 or 4, not 5\n"
    ev = [(e["kind"], {k: v for k, v in e.items() if k not in ("kind", "t_ms")})
          for e in r.events if e["kind"] in ("port_light", "light_matrix", "pf_motor")]
    assert ev[0] == ("port_light", {"port": "A", "brightness": 40})
    assert ev[1][1]["colors"][0] == [120, 100, 100] and ev[1][1]["colors"][8] == [0, 100, 100]
    assert ev[2] == ("pf_motor", {"port": "C", "channel": 1, "color": "RED", "duty": -60})
    assert [k for k, _ in ev[3:]] == ["port_light", "light_matrix", "pf_motor"]
    assert ev[5][1]["duty"] == 0


def test_a_light_on_a_port_the_robot_uses_is_refused(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.pupdevices import Light, Motor\nfrom pybricks.parameters import Port\n"
        "m = Motor(Port.A)\nlamp = Light(Port.A)\n"))
    r = simulate(program)
    assert r.status == "error"
    assert "Light on Port.A: the robot has a Motor there" in r.error["message"]


BLE = """\
from pybricks.hubs import PrimeHub
from pybricks.parameters import Icon

hub = PrimeHub(broadcast_channel=1, observe_channels=[2])
hub.ble.broadcast((12, 3.5, "go", True))
print("observed", hub.ble.observe(2), hub.ble.signal_strength(2))
print("charger", hub.charger.connected(), hub.charger.status(), hub.charger.current())
hub.system.storage(4, write=b"\\x07\\x08")
print("storage", list(hub.system.storage(3, read=4)))
hub.display.icon(Icon.ARROW_UP)
for bad in ("x" * 26, 2 ** 40, [1.5] * 6, object()):
    try:
        hub.ble.broadcast(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__)
for bad in (3, -1):
    try:
        hub.ble.observe(bad)
    except ValueError as e:
        print("ValueError")
try:
    hub.system.storage(510, read=4)
except ValueError:
    print("ValueError")
try:
    PrimeHub().ble.broadcast(1)
except RuntimeError as e:
    print("RuntimeError")
"""


def test_broadcast_checks_its_data_and_one_robot_observes_nothing(tmp_path: Path) -> None:
    r = simulate(write(tmp_path, BLE))
    assert r.status == "finished", r.error
    assert r.output.splitlines() == [
        "observed None -128", "charger False 0 0", "storage [0, 7, 8, 0]",
        # 27 bytes of str, an int beyond 32 bits, 6 floats (30 bytes), an object
        "ValueError", "ValueError", "ValueError", "TypeError",
        "ValueError", "ValueError", "ValueError", "RuntimeError"]
    sent = [e for e in r.events if e["kind"] == "broadcast"]
    assert [(e["channel"], e["data"]) for e in sent] == [(1, [12, 3.5, "go", True])]
    shown = [e for e in r.events if e["kind"] == "display"]
    assert shown[0]["icon"][2] == [100, 0, 100, 0, 100]  # ARROW_UP's middle row


def test_a_technic_hub_has_no_charger(tmp_path: Path) -> None:
    r = simulate(write(tmp_path, "from pybricks.hubs import TechnicHub\n"
                                 "print(hasattr(TechnicHub(), 'charger'))\n"))
    assert r.output == "False\n"


TOOLS = """\
from pybricks.hubs import PrimeHub
from pybricks.pupdevices import Motor
from pybricks.parameters import Port
from pybricks.tools import DataLog, hub_menu, read_input_byte, wait

hub = PrimeHub()
motor = Motor(Port.A)
print("byte", read_input_byte())
choice = hub_menu("A", "B", "C")
print("chose", choice)
data = DataLog("time", "angle", name="run")
motor.run(360)
for t in range(0, 1000, 250):
    data.log(t, motor.angle())
    wait(250)
"""


def test_hub_menu_datalog_and_read_input_byte(tmp_path: Path) -> None:
    program = write(tmp_path, TOOLS)
    # RIGHT twice (A -> B -> C), LEFT once (-> B), CENTER chooses.
    r = simulate(program, press=["right@1s", "right@1.5s", "left@2s", "center@2.5s"])
    assert r.status == "finished", r.error
    assert r.output == "byte None\nchose B\n"
    shown = [e for e in r.events if e["kind"] == "display"]
    assert len(shown) == 4  # A, then B, C, B
    logs = [e for e in r.events if e["kind"] == "datalog"]
    assert logs[0]["headers"] == ["time", "angle"] and logs[0]["name"] == "run.csv"
    rows = [e["row"] for e in logs[1:]]
    assert [row[0] for row in rows] == [0, 250, 500, 750]
    # The motor turns at 360 deg/s: each row's angle is about 90 deg past the last.
    steps = [b[1] - a[1] for a, b in zip(rows[1:], rows[2:], strict=False)]
    assert all(abs(s - 90) < 10 for s in steps), rows
    start = min(e["t_ms"] for e in logs)
    assert start >= 2500  # logged after the menu was left


def test_hub_menu_without_a_press_waits_until_the_run_ends(tmp_path: Path) -> None:
    program = write(tmp_path, TOOLS)
    r = simulate(program, duration=3)
    assert r.status == "timeout"
    assert "chose" not in r.output


READ_BYTES = """\
from pybricks.tools import StopWatch, read_input_byte

watch = StopWatch()
got = []
while True:
    b = read_input_byte()
    if b is None:
        break
    got.append(b)
print(got, watch.time())
"""


def test_read_input_byte_reads_the_runs_input_a_byte_at_a_time_without_waiting(
        tmp_path: Path) -> None:
    r = simulate(write(tmp_path, READ_BYTES), input="hi\n\u00e9")
    assert r.status == "finished", r.error
    # every byte of the input (\u00e9 is two in UTF-8), then None at once; 5 calls and
    # the last, 50 us each: the clock moved (a loop on it is no hang), by under a ms
    assert r.output == "[104, 105, 10, 195, 169] 0\n"
    assert simulate(write(tmp_path, READ_BYTES)).output == "[] 0\n"


def test_read_input_byte_last_takes_the_newest_and_chr_gives_printable_characters(
        tmp_path: Path) -> None:
    program = write(tmp_path, "from pybricks.tools import read_input_byte as r\n"
                              "print(r(chr=True), r(chr=True), r(last=True), r(), "
                              "r(last=True, chr=True))\n")
    assert simulate(program, input="a\x01bcd").output == "a None 100 None None\n"
    assert simulate(program, input="a\x01bcd").status == "finished"


def test_a_loop_waiting_for_input_that_never_comes_runs_to_the_duration(
        tmp_path: Path) -> None:
    program = write(tmp_path, "from pybricks.tools import read_input_byte\n"
                              "while read_input_byte() is None:\n    pass\n")
    r = simulate(program, duration=2)
    assert r.status == "timeout", r.error  # not a hang: each call takes simulated time
    assert r.sim_time_s == pytest.approx(2.0)


CAR = """\
from pybricks.hubs import TechnicHub
from pybricks.pupdevices import Motor
from pybricks.parameters import Direction, Port
from pybricks.robotics import Car
from pybricks.tools import wait

hub = TechnicHub()
steering = Motor(Port.A)
rear_left = Motor(Port.B, Direction.COUNTERCLOCKWISE)
rear_right = Motor(Port.D)
car = Car(steering, (rear_left, rear_right))


def travelled():
    return (rear_left.angle() + rear_right.angle()) / 2 * 56 * 3.14159 / 360


car.drive_speed(400)
wait(2000)
print("straight", round(travelled()), round(hub.imu.heading()), steering.angle())
car.steer(100)
start, heading = travelled(), hub.imu.heading()
wait(2000)
print("arc", round(travelled() - start), round(hub.imu.heading() - heading),
      steering.angle())
car.steer(0)
car.drive_power(5)  # below 10 %: the wheels coast
wait(1000)
print("coasting", round(rear_left.speed()), steering.angle())
"""


def test_a_car_drives_straight_then_steers_on_the_arc_a_car_takes(tmp_path: Path) -> None:
    from robokit.devices.pybricks.car import MAX_STEER_DEG, STEER_RANGE_DEG, WHEELBASE_MM

    r = simulate(write(tmp_path, CAR))
    assert r.status == "finished", r.error
    straight, arc, coast = (line.split()[1:] for line in r.output.splitlines())
    # 400 deg/s of 56 mm wheels for 2 s: about 390 mm (less the start), no turn.
    assert 360 <= int(straight[0]) <= 395 and straight[1] == "0" and straight[2] == "0"
    # Full right steering: the steering motor at its range, and the robot turning
    # clockwise on the radius of a car with that wheelbase and steering angle.
    assert int(arc[2]) == pytest.approx(STEER_RANGE_DEG, abs=3)
    radius = WHEELBASE_MM / math.tan(math.radians(MAX_STEER_DEG))
    turned = int(arc[1])
    assert turned > 0  # Pybricks' heading: clockwise is positive
    assert int(arc[0]) / math.radians(turned) == pytest.approx(radius, rel=0.05)
    assert abs(int(coast[0])) < 50 and abs(int(coast[1])) <= 3
    # The fitted robot: the two drive motors are its wheels, the steering motor free.
    fitted = invoke("robot", "--from", tmp_path / "main.py")
    assert 'left = "rear_left"\nright = "rear_right"' in fitted.stdout


def test_a_color_distance_sensor_measures_how_near_the_wall_is(tmp_path: Path) -> None:
    from robokit.devices.pybricks.pupdevices import CDS_RANGE_MM

    program = write(tmp_path, (
        "from pybricks.pupdevices import ColorDistanceSensor, Motor\n"
        "from pybricks.parameters import Direction, Port\n"
        "from pybricks.robotics import DriveBase\nfrom pybricks.tools import wait\n"
        "sensor = ColorDistanceSensor(Port.C)\n"
        "base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)\n"
        "print('far', sensor.distance())\n"
        "base.drive(100, 0)\n"
        "while sensor.distance() > 50:\n    wait(10)\n"
        "base.stop()\nprint('near', sensor.distance())\n"))
    r = simulate(program, world="arena", duration=40)
    assert r.status == "finished", r.error
    far, near = (int(line.split()[1]) for line in r.output.splitlines())
    assert far == 100
    assert near in (40, 50)  # steps of 10, as the sensor reports
    # The arena's north wall is at y = 1000; the fitted colour sensor sits 70 mm ahead
    # of the axle.
    gap = 1000 - 70 - r.pose[1]
    assert near == pytest.approx(100 * gap / CDS_RANGE_MM, abs=10)


def test_a_color_is_looked_up_by_its_name(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.hubs import PrimeHub\nfrom pybricks.parameters import Color\n"
        "hub = PrimeHub()\nfor name in ('GREEN', 'BLUE'):\n    hub.light.on(Color[name])\n"
        "print(Color['RED'] == Color.RED, Color(120, 50) == Color.GREEN)\n"
        "try:\n    Color['PINK']\nexcept KeyError:\n    print('KeyError')\n"))
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output == "True False\nKeyError\n"
    lights = [e["color"] for e in r.events if e["kind"] == "light"]
    assert lights == [[120, 100, 100], [240, 100, 100]]


def test_experimental_getchar_reads_the_input_as_read_input_byte_does(
        tmp_path: Path) -> None:
    program = write(tmp_path, "from pybricks.experimental import getchar\n"
                              "print(getchar(), getchar())\n")
    assert invoke("check", program).exit_code == 0
    r = simulate(program, input="q")
    assert r.status == "finished", r.error
    assert r.output == "113 None\n"
