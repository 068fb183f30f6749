"""``pybricks.iodevices`` in the simulator (issue 11): the Xbox controller scripted with
``--press xbox....``, PUPDevice's modes on the devices the robot has, and one clear error
for the devices nothing in the simulated world speaks to (LWP3Device, ...).

Each program is written as the Pybricks documentation writes them and runs with no
robot.toml, on the robot fitted to it; each test asserts what the program achieves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.devices.pybricks import iodevices
from robokit.errors import ProgramError
from robokit.sim import presses, simulate
from robokit.sim.presses import parse_press

XBOX_CAR = """\
from pybricks.hubs import TechnicHub
from pybricks.iodevices import XboxController
from pybricks.parameters import Button, Direction, Port
from pybricks.pupdevices import Motor
from pybricks.robotics import DriveBase
from pybricks.tools import StopWatch, wait

hub = TechnicHub()
left = Motor(Port.A, Direction.COUNTERCLOCKWISE)
right = Motor(Port.B)
robot = DriveBase(left, right, wheel_diameter=56, axle_track=112)
controller = XboxController()
print("connected", controller.name())

watch = StopWatch()
marks = [900, 3000, 5000]
seen = set()
while marks:
    x, y = controller.joystick_left()
    left_trigger, right_trigger = controller.triggers()
    robot.drive(3 * y - 3 * left_trigger, 2 * x)
    for b in controller.buttons.pressed():
        seen.add(str(b))
    if watch.time() >= marks[0]:
        print("at", marks.pop(0), robot.distance(), controller.dpad())
    wait(10)
print("buttons", sorted(seen))
"""


def write(tmp_path: Path, text: str, name: str = "main.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def marks(output: str) -> list[tuple[int, int]]:
    return [(int(line.split()[2]), int(line.split()[3])) for line in output.splitlines()
            if line.startswith("at ")]


def test_the_left_stick_drives_and_the_buttons_are_seen(tmp_path: Path) -> None:
    program = write(tmp_path, XBOX_CAR)
    r = simulate(program, press=["xbox.left_y=80@1s-3s", "xbox.a@1.5s", "xbox.up@2s-3.5s",
                                 "xbox.right@2s-3.5s"])
    assert r.status == "finished", r.error
    assert r.output.startswith("connected Xbox Wireless Controller\n")
    (before, pad0), (held, pad1), (after, pad2) = marks(r.output)
    assert before == 0 and pad0 == 0  # nothing pushed yet
    # 2 s at 240 mm/s (3 x 80 %): about 480 mm less the ramps, then stopped.
    assert 400 <= held <= 490
    assert pad1 == 2  # up and right held: up-right
    assert held <= after <= held + 60 and pad2 == 0  # slowed down and stopped
    assert r.pose[0] == pytest.approx(after, abs=10)
    assert "buttons ['Button.A', 'Button.RIGHT', 'Button.UP']" in r.output


def test_the_trigger_backs_and_the_deadzone_holds_small_pushes(tmp_path: Path) -> None:
    program = write(tmp_path, XBOX_CAR)
    # A stick push of 5 % lies in the 10 % deadzone: nothing moves until the trigger.
    r = simulate(program, press=["xbox.left_y=5@0.5s-5s", "xbox.left_x=-5@0.5s-5s",
                                 "xbox.left_trigger=50@3.2s-4.2s"])
    assert r.status == "finished", r.error
    (before, _), (held, _), (after, _) = marks(r.output)
    assert before == 0 and held == 0
    assert -150 <= after <= -100  # 1 s backwards at 150 mm/s, less the ramps


def test_state_dpad_rumble_and_a_disconnected_controller(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.iodevices import XboxController\nfrom pybricks.tools import wait\n"
        "xbox = XboxController(joystick_deadzone=0, connect=False)\n"
        "try:\n    xbox.joystick_left()\nexcept OSError as e:\n    print('error', e)\n"
        "xbox.connect()\nwait(1000)\nprint(xbox.state())\nprint(xbox.joystick_right())\n"
        "xbox.rumble(50, duration=4000, count=2)\nxbox.rumble(power=(0, 0, 100, 0))\n"
        "xbox.rumble(0)\n"))
    r = simulate(program, press=["xbox.right_x=-50@0.5s-2s", "xbox.right_trigger=100@0.5s-2s",
                                 "xbox.b@0.5s-2s", "xbox.lj@0.5s-2s", "xbox.p2@0.5s-2s",
                                 "xbox.upload@0.5s-2s", "xbox.down@0.5s-2s",
                                 "xbox.left@0.5s-2s"])
    assert r.status == "finished", r.error
    lines = r.output.splitlines()
    assert lines[0] == "error the XboxController is not connected: call connect() first"
    # right x -50 % of 32767; right trigger full (1023); down-left is 6; B is bit 1 and
    # the left stick's press bit 13; paddle 2 is bit 1 of the paddles; upload on.
    assert lines[1] == "(0, 0, -16384, 0, 0, 1023, 6, 8194, 1, 0, 0, 2)"
    assert lines[2] == "(-50, 0)"
    rumbles = [{k: v for k, v in e.items() if k not in ("t_ms", "kind")} for e in r.events
               if e["kind"] == "xbox_rumble"]
    assert rumbles == [  # the duration capped at 2500 ms; power 0 does nothing
        {"power": [50.0, 50.0, 0.0, 0.0], "duration": 2500.0, "count": 2, "delay": 100.0},
        {"power": [0.0, 0.0, 100.0, 0.0], "duration": 200.0, "count": 1, "delay": 100.0}]


def test_xbox_presses_are_checked_with_a_clear_message() -> None:
    p = parse_press("Xbox.Left_Y = -80@1s-2s")
    assert (p.button, p.start_s, p.end_s) == ("XBOX.LEFT_Y=-80", 1.0, 2.0)
    assert parse_press("xbox.rb@2").button == "XBOX.RB"
    with pytest.raises(ProgramError, match=r"press xbox.left_y@1s: left_y is a stick or "
                                           r"trigger: give its position \(-100 to 100 %\)"):
        parse_press("xbox.left_y@1s")
    with pytest.raises(ProgramError, match=r"left_trigger takes a position from 0 to 100"):
        parse_press("xbox.left_trigger=-5@1")
    with pytest.raises(ProgramError, match=r"the Xbox controller has no button called 'z'"):
        parse_press("xbox.z@1")
    with pytest.raises(ProgramError, match=r"only an Xbox stick or trigger takes a position"):
        parse_press("center=3@1")


def test_the_device_and_the_press_parser_agree_on_the_controller() -> None:
    assert iodevices.XBOX_BUTTONS == presses.XBOX_BUTTONS
    assert iodevices.XBOX_AXES == presses.XBOX_AXES
    assert iodevices.XBOX == presses.XBOX


def test_the_command_line_takes_xbox_presses(tmp_path: Path) -> None:
    program = write(tmp_path, XBOX_CAR)
    r = invoke("run", program, "--press", "xbox.left_y=80@1s-3s")
    assert r.exit_code == 0, r.stderr
    assert 400 <= marks(r.stdout)[1][0] <= 490
    bad = invoke("run", program, "--press", "xbox.left_y=120@1s")
    assert bad.exit_code == 2
    assert "--press xbox.left_y=120@1s: left_y takes a position from -100 to 100" in bad.stderr
    assert "Traceback" not in bad.stderr


PUP = """\
from pybricks.iodevices import PUPDevice
from pybricks.parameters import Port
from pybricks.pupdevices import Motor
from pybricks.tools import wait

motor = Motor(Port.A)
color = PUPDevice(Port.C)
sonar = PUPDevice(Port.D)
force = PUPDevice(Port.E)
raw_motor = PUPDevice(Port.A)
print(color.info()["id"], sonar.info()["id"], force.info()["id"], raw_motor.info()["id"])
print(color.info()["modes"][5], sonar.info()["modes"][0])
motor.run_angle(500, 270)
print("pos", raw_motor.read(2), "apos", raw_motor.read(3))
motor.run(1000)
wait(500)
print("speed", raw_motor.read(1))
motor.stop()
print("reflect", color.read(1), "color", color.read(0), "hsv", color.read(6))
print("rgb", color.read(5))
print("dist", sonar.read(0), sonar.read(1), "force", force.read(0), force.read(1))
color.write(3, (100, 50, 0))
sonar.write(5, (100, 100, 0, 0))
"""


def test_pup_device_reads_the_devices_of_the_robot(tmp_path: Path) -> None:
    # Plain ColorSensor/UltrasonicSensor/ForceSensor on C, D, E: a robot.toml gives them.
    (tmp_path / "robot.toml").write_text(
        'name = "pup"\n[hub]\ntype = "PrimeHub"\n'
        '[devices.m]\ntype = "Motor"\nport = "A"\nmodel = "spike_medium"\n'
        '[devices.c]\ntype = "ColorSensor"\nport = "C"\nx = 70.0\ny = 0.0\n'
        '[devices.u]\ntype = "UltrasonicSensor"\nport = "D"\nx = 80.0\ny = 0.0\n'
        '[devices.f]\ntype = "ForceSensor"\nport = "E"\nx = 90.0\ny = 0.0\n')
    program = write(tmp_path, PUP)
    r = simulate(program, world="oval")
    assert r.status == "finished", r.error
    lines = r.output.splitlines()
    # LEGO's type ids: SPIKE colour 61, distance 62, force 63, medium angular motor 48.
    assert lines[0] == "61 62 63 48"
    assert lines[1] == "('RGB_I', 4, 1) ('DISTL', 1, 1)"
    pos = lines[2].split()
    assert pos[1] == "(270,)" and pos[3] == "(-90,)"  # 270 is -90 in -180..179
    speed = int(lines[3].split("(")[1].rstrip(",)"))
    assert 85 <= speed <= 100  # 1000 deg/s of the medium motor's rated ~1100
    reflect = lines[4]
    assert reflect.startswith("reflect (") and " color (" in reflect
    dist = lines[6].split()
    assert dist[1] == "(-1,)" and dist[2] == "(-1,)"  # nothing ahead: no echo
    assert dist[4:] == ["(0,)", "(0,)"]
    lights = [{k: v for k, v in e.items() if k not in ("t_ms", "kind")} for e in r.events
              if e["kind"] == "sensor_lights"]
    assert lights == [{"port": "C", "brightness": [100, 50, 0]},
                      {"port": "D", "brightness": [100, 100, 0, 0]}]


def test_pup_device_errors_are_clear(tmp_path: Path) -> None:
    cases = {
        "PUPDevice(Port.F).read(0)": "PUPDevice(Port.F): nothing is plugged in there",
        "PUPDevice(Port.A).read(7)": "PUPDevice mode must be an int from 0 to 5 for device id 48",
        "PUPDevice(Port.A).read(5)": "PUPDevice(Port.A) mode 5 (STATS): read in this mode is "
                                     "not simulated; modes 1, 2, 3 are",
        "PUPDevice(Port.A).write(0, (50,))": "PUPDevice(Port.A) mode 0 (POWER): written in "
                                             "this mode is not simulated",
    }
    for code, message in cases.items():
        program = write(tmp_path, "from pybricks.iodevices import PUPDevice\n"
                                  "from pybricks.parameters import Port\n"
                                  "from pybricks.pupdevices import Motor\n"
                                  "Motor(Port.A)\n" + code + "\n")
        r = simulate(program)
        assert r.status == "error", code
        assert message in r.error["message"], (code, r.error)


def test_lwp3_device_is_one_clear_error_in_the_check_and_in_a_run(tmp_path: Path) -> None:
    program = write(tmp_path, "from pybricks.iodevices import LWP3Device\n"
                              "hub = LWP3Device(0x80)\n")
    r = invoke("check", program)
    assert r.exit_code == 2
    assert ("main.py:1: LWP3Device: a Pybricks name (pybricks.iodevices) that is not "
            "simulated: it connects to a hub running LEGO's firmware") in r.stderr
    assert "Traceback" not in r.stderr
    with pytest.raises(Exception, match=r"^LWP3Device \(pybricks.iodevices\) is not "
                                        r"simulated: it connects"):
        iodevices.LWP3Device(0x80)
    for name in ("AnalogSensor", "I2CDevice", "UARTDevice"):
        with pytest.raises(Exception, match=f"^{name} \\(pybricks.iodevices\\) is not "
                                            "simulated: the simulated robot has no"):
            getattr(iodevices, name)("S1")


def test_the_xbox_example_of_the_docs_runs_as_written(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pybricks-programs.md").read_text()
    code = doc.split("```python\n# xbox_drive.py\n", 1)[1].split("```", 1)[0]
    program = write(tmp_path, code, "xbox_drive.py")
    r = invoke("run", program, "--press", "xbox.left_y=80@1s-3s", "--press", "xbox.b@4s")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("stopped at ")
    assert int(r.stdout.split()[2]) == pytest.approx(481, abs=10)  # as the docs say


def test_the_stub_s_signatures_the_simulator_had_apart(tmp_path: Path) -> None:
    # ColorLightMatrix.on(color=...) as the stub's signature names it (and colors=, as
    # its docstring does); Remote.read()/write() from LWP3Device.
    program = write(tmp_path, (
        "from pybricks.parameters import Color, Port\n"
        "from pybricks.pupdevices import ColorLightMatrix, Remote\n"
        "m = ColorLightMatrix(Port.A)\nm.on(color=Color.RED)\nm.on(colors=[Color.BLUE] * 9)\n"
        "r = Remote()\nprint(r.read())\nr.write(bytes([5, 0, 1, 2, 3]))\n"
        "try:\n    r.write(bytes(21))\nexcept ValueError as e:\n    print('error', e)\n"))
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output == "None\nerror Remote.write takes at most 20 bytes, not 21\n"
    kinds = [e["kind"] for e in r.events]
    assert kinds.count("light_matrix") == 2
    assert [e["data"] for e in r.events if e["kind"] == "remote_write"] == [[5, 0, 1, 2, 3]]


def test_hubs_with_lego_firmware_are_found_and_told_as_events(tmp_path: Path) -> None:
    program = write(tmp_path, (
        "from pybricks.parameters import Color\n"
        "from pybricks.pupdevices import DuploTrain, MarioHub, TechnicMoveHub\n"
        "from pybricks.tools import wait\n"
        "car = TechnicMoveHub()\ncar.drive(50, 99)\n"
        "train = DuploTrain(name='express')\ntrain.drive(-40)\ntrain.headlights(Color.RED)\n"
        "train.sound('horn')\nprint(train.speed(), train.color(), train.name())\n"
        "mario = MarioHub(connect=False)\n"
        "try:\n    mario.color()\nexcept OSError as e:\n    print('error', e)\n"
        "mario.connect()\nprint(mario.color(), mario.hsv())\n"
        "try:\n    train.sound('whistle')\nexcept ValueError as e:\n    print('error', e)\n"))
    r = simulate(program)
    assert r.status == "finished", r.error
    assert r.output.splitlines() == [
        "-40 Color.NONE express",
        "error the MarioHub is not connected: call connect() first",
        "Color.NONE Color(h=0, s=0, v=0)",
        "error DuploTrain.sound takes one of brake, depart, water, horn, steam, not "
        "'whistle'"]
    told = [(e["hub"], e["command"]) for e in r.events if e["kind"] == "lwp3_hub"]
    assert ("TechnicMoveHub", "drive") in told and ("DuploTrain", "sound") in told
    drive = [e for e in r.events if e["kind"] == "lwp3_hub" and e["hub"] == "TechnicMoveHub"
             and e["command"] == "drive"][0]
    assert (drive["speed"], drive["steering"]) == (50, 97)  # steering clamped to 97 %
    assert r.pose == r.start_pose  # another vehicle: the robot does not move
