"""EV3 programs (the Pybricks 2.x API) run unmodified in the simulator (issue 11).

The programs in tests/programs/ev3/ are written as the Pybricks EV3 documentation writes
them (``from pybricks.ev3devices import Motor`` ...); each runs with ``robokit run
PROGRAM --json`` and no robot.toml, on the robot fitted to it (the EV3 educator
vehicle), and each test asserts what the program achieves.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke

from robokit.compiler.fit import fit_program

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "ev3"


def run(program: Path | str, *options: str) -> dict[str, Any]:
    r = invoke("run", program, "--json", *options)
    assert r.exit_code in (0, 1), r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def test_the_educator_vehicle_drives_a_square() -> None:
    d = run(PROGRAMS / "square.py")
    assert d["status"] == "finished", d["error"]
    assert d["robot"] == "the robot square.py builds"
    # Four 300 mm sides, four right turns: back where it started, facing the same way.
    assert math.hypot(d["pose"]["x_mm"], d["pose"]["y_mm"]) < 6
    assert d["imu_heading_deg"] == pytest.approx(360, abs=2)
    assert d["distance_mm"] == pytest.approx(1200, abs=6)
    assert d["output"].startswith("driven 1200 turned 36")


def test_an_ev3_program_is_fitted_with_ev3_large_motors_and_its_drive_base() -> None:
    robot = fit_program(PROGRAMS / "bumper.py")
    assert robot["hub"] == {"type": "EV3Brick"}
    devices = robot["devices"]
    assert devices["left_motor"]["model"] == "ev3_large"
    assert devices["left_motor"]["port"] == "B"
    assert devices["touch_sensor"]["type"] == "ForceSensor"  # the bumper's plunger
    assert devices["touch_sensor"]["port"] == "S1"
    assert robot["drive_base"]["wheel_diameter"] == 55.5
    assert robot["drive_base"]["axle_track"] == 104.0


def test_a_touch_sensor_bumper_stops_the_robot_at_the_wall() -> None:
    d = run(PROGRAMS / "bumper.py", "--world", "arena", "--duration", "20")
    assert d["status"] == "finished", d["error"]  # the touch sensor ended the loop
    bumped = float(d["output"].split()[1])
    # From y = -800 to the north wall (y = 1000) less the EV3 body's front (110 mm).
    assert bumped == pytest.approx(1800 - 110, abs=15)
    assert d["pose"]["y_mm"] == pytest.approx(-800 + bumped - 100, abs=5)  # backed up
    assert d["contacts"]["count"] >= 1


def test_a_gyro_sensor_turn_reads_the_body_s_rotation() -> None:
    d = run(PROGRAMS / "gyro_turn.py")
    assert d["status"] == "finished", d["error"]
    words = d["output"].split()
    gyro, fastest = int(words[1]), int(words[3])
    assert 90 <= gyro <= 100  # it stopped once the gyro passed 90 degrees
    assert gyro == pytest.approx(d["imu_heading_deg"], abs=1)  # clockwise positive
    assert 50 <= fastest <= 70  # drive(0, 60): about 60 deg/s


def test_an_ultrasonic_sensor_stops_the_robot_before_the_wall() -> None:
    d = run(PROGRAMS / "wall_stop.py", "--world", "arena")
    assert d["status"] == "finished", d["error"]
    lines = d["output"].splitlines()
    start, stopped = int(lines[0].split()[1]), int(lines[1].split()[1])
    # The sensor is 80 mm ahead of the axle; the north wall is at y = 1000.
    assert start == pytest.approx(1000 - 80 + 800, abs=10)
    assert 120 <= stopped <= 200  # stopped after reading 200 mm, while braking
    assert 1000 - 80 - d["pose"]["y_mm"] == pytest.approx(stopped, abs=10)
    assert d["contacts"]["count"] == 0


def test_an_ultrasonic_sensor_that_sees_nothing_reads_2550() -> None:
    d = run(PROGRAMS / "wall_stop.py", "--duration", "2")
    assert d["output"].startswith("start 2550\n")  # nothing in range (the EV3's 255 cm)


def _off_the_oval(x: float, y: float) -> float:
    if abs(x) <= 500:
        return abs(abs(y) - 400)
    return abs(math.hypot(abs(x) - 500, y) - 400)


def test_an_ev3_color_sensor_follows_the_oval_and_tells_black_from_white() -> None:
    d = run(PROGRAMS / "line_follower.py", "--world", "oval")
    assert d["status"] == "finished", d["error"]
    lines = d["output"].splitlines()
    assert float(lines[0].split()[1]) > 1800  # 100 mm/s for 20 s, round the bends
    assert _off_the_oval(d["pose"]["x_mm"], d["pose"]["y_mm"]) < 60
    assert lines[1] == "black True white True kinds 2"
    assert d["contacts"]["count"] == 0


def test_the_brick_s_screen_speaker_and_light_are_events(tmp_path: Path) -> None:
    telemetry = tmp_path / "run.json"
    d = run(PROGRAMS / "brick.py", "--press", "center@3s", "--telemetry", str(telemetry))
    assert d["status"] == "finished", d["error"]  # the centre button ended the loop
    assert d["output"] == "screen 178 128\n"
    events = json.loads(telemetry.read_text())["events"]
    screen = [e for e in events if e["kind"] == "screen"]
    assert [e["op"] for e in screen] == ["clear", "text", "print", "image"]
    assert screen[1]["text"] == "Hello EV3"
    assert screen[2]["text"] == "volts True\n"
    assert screen[3]["source"].endswith("information/thumbs_up.png")
    kinds = [e["kind"] for e in events if e["kind"] != "screen"]
    assert kinds == ["light", "beep", "note", "note", "note", "say", "play_file", "button",
                     "light"]
    beep = events[5]
    assert (beep["frequency"], beep["duration"], beep["volume"]) == (440, 200, 80)
    say = [e for e in events if e["kind"] == "say"][0]
    assert say["text"] == "Hello" and say["t_ms"] >= 2200  # after the notes
    played = [e for e in events if e["kind"] == "play_file"][0]
    assert played["file"].endswith("communication/hello.wav")
    assert events[-1]["color"] is None and events[-1]["t_ms"] >= 3000


def _program(folder: Path, text: str) -> Path:
    path = folder / "main.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mailbox_sends_and_reads_nothing_with_no_other_brick(tmp_path: Path) -> None:
    telemetry = tmp_path / "run.json"
    program = _program(tmp_path, (
        "from pybricks.hubs import EV3Brick\n"
        "from pybricks.messaging import (BluetoothMailboxServer, NumericMailbox,\n"
        "                                TextMailbox)\n"
        "ev3 = EV3Brick()\n"
        "server = BluetoothMailboxServer()\n"
        "mbox = TextMailbox('greeting', server)\n"
        "number = NumericMailbox('speed', server)\n"
        "mbox.send('hello!')\n"
        "number.send(12.5)\n"
        "print('read', mbox.read(), number.read())\n"
        "mbox.wait()\n"
        "print('never')\n"))
    d = run(program, "--telemetry", str(telemetry), "--duration", "3")
    assert d["status"] == "timeout"  # wait() waits for a peer that never writes
    assert d["output"] == "read None None\n"
    sent = [e for e in json.loads(telemetry.read_text())["events"]
            if e["kind"] == "mailbox_send"]
    assert [e["name"] for e in sent] == ["greeting", "speed"]
    assert bytes(sent[0]["data"]) == b"hello!\x00"
    assert len(sent[1]["data"]) == 4  # a 32-bit float, as EV3-G's numeric mailbox


def test_a_mailbox_client_cannot_connect_with_one_robot(tmp_path: Path) -> None:
    program = _program(tmp_path, (
        "from pybricks.messaging import BluetoothMailboxClient\n"
        "client = BluetoothMailboxClient()\n"
        "try:\n"
        "    client.connect('ev3-server')\n"
        "except OSError as e:\n"
        "    print('OSError', e)\n"))
    d = run(program)
    assert d["status"] == "finished", d["error"]
    assert d["output"].startswith("OSError cannot connect to 'ev3-server': robokit "
                                  "simulates one robot per run")


def test_nxt_devices_not_simulated_are_a_clear_error_at_check_time(tmp_path: Path) -> None:
    program = _program(tmp_path, "from pybricks.nxtdevices import TemperatureSensor\n")
    r = invoke("check", program)
    assert r.exit_code == 2
    assert ("main.py:1: TemperatureSensor: a Pybricks name (pybricks.nxtdevices) that is "
            "not simulated: the simulated world has no temperature to measure") in r.stderr
    assert "Traceback" not in r.stderr


NXT = """\
#!/usr/bin/env pybricks-micropython
from pybricks.ev3devices import Motor
from pybricks.hubs import EV3Brick
from pybricks.nxtdevices import ColorSensor, LightSensor, TouchSensor, UltrasonicSensor
from pybricks.parameters import Color, Port
from pybricks.robotics import DriveBase
from pybricks.tools import wait

ev3 = EV3Brick()
light = LightSensor(Port.S3)
color = ColorSensor(Port.S2)
bumper = TouchSensor(Port.S1)
sonar = UltrasonicSensor(Port.S4)
robot = DriveBase(Motor(Port.B), Motor(Port.C), wheel_diameter=55.5, axle_track=104)
color.light.on(Color.RED)
print("floor", light.reflection() > 50, color.color(), color.hsv().v > 50,
      sonar.distance() < 2550)
robot.drive(150, 0)
while sonar.distance() > 300:
    wait(10)
print("wall", sonar.distance() <= 320)
while not bumper.pressed():
    wait(10)
robot.stop()
print("bumped")
"""


def test_nxt_sensors_on_an_ev3_run_on_the_fitted_robot(tmp_path: Path) -> None:
    d = run(_program(tmp_path, NXT), "--world", "arena", "--duration", "30")
    assert d["status"] == "finished", d["error"]
    # A white floor and the far wall in sight; then the wall near, then the bumper on it.
    assert d["output"] == "floor True Color.WHITE True True\nwall True\nbumped\n"
    assert d["pose"]["y_mm"] == pytest.approx(1000 - 110, abs=3)  # the brick's front


def test_pushing_an_ev3_program_to_a_brick_is_refused_in_one_line() -> None:
    r = invoke("run", PROGRAMS / "square.py", "--pybricks", "my-ev3")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pushing to a real EV3 is not supported" in lines[0]
    assert "square.py:3:" in lines[0]
    r = invoke("check", PROGRAMS / "square.py", "--target", "pybricks")
    assert r.exit_code == 2
    assert "pushing to a real EV3 is not supported" in r.stderr
    r = invoke("run", PROGRAMS / "square.py", "--exact")  # (the bundle of a kit board)
    assert r.exit_code == 2
    assert r.stderr.count("\n") <= 3 and "Traceback" not in r.stderr  # the line, a caret
    assert "without --port, --pybricks, --target or --exact" in r.stderr


@pytest.mark.parametrize("target", ["pybricks", "micropython"])
def test_a_hub_program_with_pybricks_4s_bleradio_is_no_ev3_program(tmp_path: Path,
                                                                     target: str) -> None:
    """BLERadio is in pybricks.messaging since Pybricks 4.0, for every hub: a program that
    imports it (and no mailbox) goes to a brick; one that imports a mailbox too is still
    an EV3 program, and so is one importing the whole module."""
    radio = _program(tmp_path, (
        "from pybricks.hubs import PrimeHub\n"
        "from pybricks.messaging import BLERadio\n"
        "radio = BLERadio(broadcast_channel=1)\n"
        "radio.broadcast((1, 2))\n"))
    r = invoke("check", radio, "--target", target)
    assert r.exit_code == 0, r.stderr
    for line in ("from pybricks.messaging import BLERadio, TextMailbox\n",
                 "import pybricks.messaging\n"):
        (tmp_path / "mixed.py").write_text(line)
        r = invoke("check", tmp_path / "mixed.py", "--target", target)
        assert r.exit_code == 2
        assert "mixed.py:1: an EV3 program" in r.stderr


def test_an_ev3_sensor_on_a_motor_port_says_where_sensors_go(tmp_path: Path) -> None:
    program = _program(tmp_path, (
        "from pybricks.hubs import EV3Brick\n"
        "from pybricks.ev3devices import GyroSensor\n"
        "from pybricks.parameters import Port\n"
        "ev3 = EV3Brick()\n"
        "gyro = GyroSensor(Port.A)\n"))
    d = run(program)
    assert d["status"] == "error"
    assert "GyroSensor on Port.A: EV3 sensors go on Port.S1 to Port.S4" in d["error"]["message"]


def test_an_ir_remote_channel_other_than_1_to_4_is_one_clear_error(tmp_path: Path) -> None:
    program = _program(tmp_path, (
        "from pybricks.hubs import EV3Brick\n"
        "from pybricks.ev3devices import InfraredSensor\n"
        "from pybricks.parameters import Port\n"
        "ev3 = EV3Brick()\n"
        "ir = InfraredSensor(Port.S4)\n"
        "print(ir.buttons(1))\n"
        "ir.beacon(5)\n"))
    d = run(program)
    assert d["status"] == "error"
    assert d["output"] == "[]\n"
    assert d["error"]["type"] == "UsageError"
    assert d["error"]["message"].startswith("channel must be 1, 2, 3 or 4")
    assert d["error"]["line"] == 7


def test_the_ir_remote_s_buttons_are_the_scripted_remote_s_on_channel_1() -> None:
    d = run(PROGRAMS / "ir_remote.py", "--world", "arena", "--press", "remote.left_plus@1s-3s",
            "--press", "remote.center@4s")
    assert d["status"] == "finished", d["error"]
    lines = d["output"].splitlines()
    assert lines[0] == "near 100 beacon (None, None)"  # the wall is 1.7 m away: far
    assert lines[1] == "heard [Button.LEFT_UP, Button.BEACON] keypad []"
    assert "channel 2" not in d["output"]
    # Held for 2 s at 150 mm/s: about 300 mm, then it stopped.
    assert d["pose"]["y_mm"] + 800 == pytest.approx(300, abs=40)
