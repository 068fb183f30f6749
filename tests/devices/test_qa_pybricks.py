"""Pybricks programs as a hobbyist writes them, against what Pybricks' firmware and its
stub package (the specification) give: found by exploratory QA, one test per finding."""

from __future__ import annotations

from pathlib import Path

from robokit.sim import simulate


def _run(tmp_path: Path, source: str):
    program = tmp_path / "main.py"
    program.write_text(source)
    return simulate(program, duration=5)


def test_move_hub_imu_is_the_stub_s_simple_accelerometer(tmp_path: Path) -> None:
    # Pybricks' MoveHub has an accelerometer, no gyro: hub.imu is a
    # SimpleAccelerometer with acceleration() (a tuple of whole mm/s², in the
    # accelerometer's steps of 158), up() and tilt(), and nothing else.  A program
    # that reads a heading must fail in the simulator as it fails on the hub.
    r = _run(tmp_path,
             "from pybricks.hubs import MoveHub\n"
             "hub = MoveHub()\n"
             "a = hub.imu.acceleration()\n"
             "print(type(a).__name__, a, [type(v).__name__ for v in a])\n"
             "print(hub.imu.up(), hub.imu.tilt())\n"
             "print([n for n in ('heading', 'reset_heading', 'angular_velocity',"
             " 'rotation', 'orientation', 'settings', 'stationary', 'ready')"
             " if hasattr(hub.imu, n)])\n"
             "hub.imu.heading()\n")
    assert r.output.splitlines() == [
        "tuple (0, 0, 9796) ['int', 'int', 'int']",
        "Side.TOP (0, 0)",
        "[]",
    ]
    assert r.status == "error"
    assert "AttributeError" in r.traceback and "heading" in r.traceback


def test_single_button_hubs_keep_the_older_hub_button_name(tmp_path: Path) -> None:
    # Pybricks 3.0-3.2 programs read the one button of these hubs as hub.button;
    # the firmware keeps that name beside hub.buttons.
    for hub in ("TechnicHub", "CityHub", "MoveHub", "EssentialHub"):
        r = _run(tmp_path,
                 f"from pybricks.hubs import {hub}\n"
                 f"hub = {hub}()\n"
                 "print(hub.button is hub.buttons, hub.button.pressed())\n")
        assert r.status == "finished", (hub, r.traceback)
        assert r.output == "True set()\n", hub


def test_multitask_given_straight_to_run_task_runs_and_gives_a_tuple(tmp_path: Path) -> None:
    # run_task(multitask(a(), b())) is how many Pybricks programs (and the code that
    # Pybricks' own block editor writes) start their tasks: Pybricks' multitask is an
    # awaitable that can be made anywhere, and its result is a tuple.  It was refused
    # ("multitask(...) works only inside run_task(...)") and gave a list.
    r = _run(tmp_path,
             "from pybricks.tools import multitask, run_task, wait, StopWatch\n"
             "watch = StopWatch()\n"
             "async def a():\n    await wait(100)\n    return 'a'\n"
             "async def b():\n    await wait(300)\n    return 'b'\n"
             "print(run_task(multitask(a(), b())), watch.time())\n"
             "watch.reset()\n"
             "print(run_task(multitask(a(), b(), race=True)), watch.time())\n"
             "async def main():\n"
             "    inner = await multitask(a(), b())\n"
             "    both = await multitask(multitask(a(), b(), race=True), wait(50))\n"
             "    return inner, both\n"
             "print(run_task(main()))\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == [
        "('a', 'b') 300",
        "('a', None) 100",
        "(('a', 'b'), (('a', None), None))",
    ]


def test_a_multitask_that_loses_a_race_cancels_its_own_tasks(tmp_path: Path) -> None:
    # The loser of an outer race is cancelled with everything it runs: the motor it
    # was turning stops where it was, and the task's cleanup runs.
    r = _run(tmp_path,
             "from pybricks.pupdevices import Motor\n"
             "from pybricks.parameters import Port\n"
             "from pybricks.tools import multitask, run_task, wait\n"
             "arm = Motor(Port.C)\n"
             "async def turn():\n"
             "    try:\n        await arm.run_angle(500, 3600)\n"
             "    finally:\n        print('cleanup')\n"
             "async def main():\n"
             "    print(await multitask(multitask(turn(), wait(5000)), wait(200), race=True))\n"
             "    a = arm.angle()\n    await wait(500)\n"
             "    print(a < 200, abs(arm.angle() - a) < 30)\n"
             "run_task(main())\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["cleanup", "(None, None)", "True True"]


def test_pup_device_names_the_modes_it_simulates_in_plain_words(tmp_path: Path) -> None:
    # "modes 3 are" (one mode) and "modes  are" (a device with none) read wrong.
    (tmp_path / "robot.toml").write_text(
        '[hub]\ntype = "PrimeHub"\n'
        '[devices.arm]\ntype = "Motor"\nport = "A"\nmodel = "spike_medium"\n'
        '[devices.eye]\ntype = "ColorSensor"\nport = "B"\n')
    r = _run(tmp_path,
             "from pybricks.iodevices import PUPDevice\n"
             "from pybricks.parameters import Port\n"
             "for port, mode in ((Port.B, 0), (Port.A, 0), (Port.B, 4)):\n"
             "    try:\n"
             "        if mode == 4:\n            PUPDevice(port).read(mode)\n"
             "        else:\n            PUPDevice(port).write(mode, (1,))\n"
             "    except Exception as e:\n"
             "        print(str(e).split('; ')[1])\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["mode 3 is", "no mode of this device is",
                                     "modes 0, 1, 2, 5, 6 are"]


def test_percentages_past_0_to_100_are_capped_as_pybricks_caps_them(tmp_path: Path) -> None:
    # Pybricks' firmware reads every brightness and the volume as a percentage capped
    # to 0-100 (pb_obj_get_pct): light.on(150) is full brightness there, where the
    # simulator raised "must be from 0 to 100 %" and the program stopped.
    r = _run(tmp_path,
             "from pybricks.hubs import PrimeHub\n"
             "from pybricks.pupdevices import Light, ColorSensor, UltrasonicSensor\n"
             "from pybricks.parameters import Port, Icon\n"
             "hub = PrimeHub()\n"
             "Light(Port.A).on(150)\nLight(Port.A).on(-20)\n"
             "ColorSensor(Port.C).lights.on(250)\n"
             "ColorSensor(Port.C).lights.on([120, -5, 50])\n"
             "UltrasonicSensor(Port.D).lights.on([100, 101, 0, -1])\n"
             "hub.display.pixel(0, 0, 130)\n"
             "hub.display.icon(Icon.HEART * 2)\n"
             "hub.display.icon([[150] * 5] * 5)\n"
             "hub.display.animate([Icon.HEART * 3, Icon.EMPTY], 100)\n"
             "hub.speaker.volume(140)\nprint(hub.speaker.volume())\n"
             "hub.speaker.volume(-3)\nprint(hub.speaker.volume())\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["100", "0"]
    ev = r.events
    assert [e["brightness"] for e in ev if e["kind"] == "port_light"] == [100, 0]
    assert [e["brightness"] for e in ev if e["kind"] == "sensor_lights"] == [
        [100, 100, 100], [100, 0, 50], [100, 100, 0, 0]]
    display = [e for e in ev if e["kind"] == "display"]
    assert [e["pixel"] for e in display if "pixel" in e] == [[0, 0, 100]]
    icons = [e["icon"] for e in display if "icon" in e]
    assert icons[0][1] == [100] * 5 and icons[0][0] == [0, 100, 0, 100, 0]
    assert icons[1] == [[100] * 5] * 5
    assert [e["animate"] for e in display if "animate" in e] == [2]


def test_a_brightness_that_is_no_number_is_still_refused(tmp_path: Path) -> None:
    r = _run(tmp_path,
             "from pybricks.pupdevices import Light\nfrom pybricks.parameters import Port\n"
             "Light(Port.A).on('bright')\n")
    assert r.status == "error"
    assert "brightness" in r.traceback


def test_a_drive_base_on_a_hub_without_gyro_has_no_use_gyro(tmp_path: Path) -> None:
    # The City hub and the Move hub have no gyro: Pybricks' firmware for them builds
    # DriveBase without use_gyro (an AttributeError there).  The simulator steered such
    # a robot by a gyro the hub does not have.
    for hub, gyro_ok in (("CityHub", False), ("MoveHub", False), ("TechnicHub", True)):
        r = _run(tmp_path,
                 f"from pybricks.hubs import {hub}\n"
                 "from pybricks.pupdevices import Motor\n"
                 "from pybricks.parameters import Port, Direction\n"
                 "from pybricks.robotics import DriveBase\n"
                 f"hub = {hub}()\n"
                 "base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B),"
                 " 56, 112)\n"
                 "base.use_gyro(False)\n"
                 "base.use_gyro(True)\n"
                 "print('steered by the gyro')\n")
        if gyro_ok:
            assert r.status == "finished", (hub, r.traceback)
            assert r.output == "steered by the gyro\n"
        else:
            assert r.status == "error", hub
            assert r.output == ""
            assert "AttributeError" in r.traceback and f"a {hub} has no gyro" in r.traceback


def test_a_hub_reports_only_the_buttons_it_has(tmp_path: Path) -> None:
    # A Technic hub has one button: a scripted left press is no button of its, and
    # hub.buttons.pressed() said {Button.CENTER, Button.LEFT}.
    for hub, seen in (("TechnicHub", "[Button.CENTER]"), ("CityHub", "[Button.CENTER]"),
                      ("MoveHub", "[Button.CENTER]"), ("EssentialHub", "[Button.CENTER]"),
                      ("PrimeHub", "[Button.BLUETOOTH, Button.CENTER, Button.LEFT]")):
        program = tmp_path / "main.py"
        program.write_text(
            f"from pybricks.hubs import {hub}\nfrom pybricks.tools import wait\n"
            f"hub = {hub}()\nhub.system.set_stop_button(None)\nwait(1500)\n"
            "print(sorted(hub.buttons.pressed(), key=str))\n")
        # (a press on a button the hub lacks is refused before the run: test_qa_leftovers)
        presses = ["left@1s-2s", "center@1s-2s", "bluetooth@1s-2s"]
        r = simulate(program, duration=3,
                     press=presses if hub == "PrimeHub" else ["center@1s-2s"])
        assert r.status == "finished", (hub, r.traceback)
        assert r.output == seen + "\n", hub


def test_a_remote_that_is_not_connected_raises_oserror_for_buttons_and_light(
        tmp_path: Path) -> None:
    # Pybricks' remote raises OSError for its buttons and light while not connected
    # (made with connect=False, or after disconnect()); the simulated one went on
    # reporting the scripted presses.
    program = tmp_path / "main.py"
    program.write_text(
        "from pybricks.pupdevices import Remote\n"
        "from pybricks.parameters import Color\nfrom pybricks.tools import wait\n"
        "remote = Remote(connect=False)\nwait(1500)\n"
        "def show(f):\n"
        "    try:\n        print(f())\n"
        "    except OSError as e:\n        print('OSError', e)\n"
        "show(remote.buttons.pressed)\nshow(lambda: remote.light.on(Color.RED))\n"
        "remote.connect()\nshow(remote.buttons.pressed)\n"
        "remote.disconnect()\nshow(remote.buttons.pressed)\n")
    r = simulate(program, duration=3, press=["remote.center@1s-2s"])
    assert r.status == "finished", r.traceback
    not_connected = "OSError the Remote is not connected: call connect() first"
    assert r.output.splitlines() == [not_connected, not_connected, "{Button.CENTER}",
                                     not_connected]


def test_sensor_readings_are_awaited_inside_tasks_as_in_pybricks(tmp_path: Path) -> None:
    # In Pybricks, a sensor's reading inside run_task is an awaitable
    # (`await sensor.reflection()`, as Pybricks' async examples and programs write
    # it); it was a plain int, so `await` raised TypeError.  Outside a task the
    # reading is the value, as before.
    r = _run(tmp_path,
             "from pybricks.pupdevices import (ColorSensor, UltrasonicSensor,"
             " ForceSensor, ColorDistanceSensor, InfraredSensor, TiltSensor)\n"
             "from pybricks.parameters import Port\n"
             "from pybricks.tools import run_task, multitask, wait\n"
             "eye = ColorSensor(Port.C)\nsonar = UltrasonicSensor(Port.D)\n"
             "bumper = ForceSensor(Port.E)\ncds = ColorDistanceSensor(Port.F)\n"
             "ir = InfraredSensor(Port.B)\ntilt = TiltSensor(Port.A)\n"
             "print(eye.reflection(), eye.color(), sonar.distance(), bumper.pressed(),"
             " cds.distance(), ir.count(), tilt.tilt())\n"
             "async def main():\n"
             "    print(await eye.reflection(), await eye.ambient(), await eye.color(),"
             " await eye.hsv(), await eye.color(surface=False))\n"
             "    print(await sonar.distance(), await sonar.presence())\n"
             "    print(await bumper.force(), await bumper.distance(),"
             " await bumper.pressed(), await bumper.pressed(force=1),"
             " await bumper.touched())\n"
             "    print(await cds.distance(), await cds.reflection(), await cds.color())\n"
             "    print(await ir.distance(), await ir.reflection(), await ir.count(),"
             " await tilt.tilt())\n"
             "    print(await multitask(eye.reflection(), sonar.distance(), wait(10)))\n"
             "run_task(main())\n")
    assert r.status == "finished", r.traceback
    lines = r.output.splitlines()
    first = lines[0].split()
    assert lines[1].split()[0] == first[0] and lines[1].split()[2] == first[1]
    assert lines[2] == first[2] + " False"
    assert lines[3].startswith("0.0 0.0 False False False")
    assert lines[4].split()[0] == first[4]
    assert lines[6] == f"({first[0]}, {first[2]}, None)"


def test_a_sensor_reading_not_awaited_in_a_task_is_named(tmp_path: Path) -> None:
    # As on a hub, where it is an awaitable and not a number: the simulator says
    # where, and what to write.
    r = _run(tmp_path,
             "from pybricks.pupdevices import ColorSensor\n"
             "from pybricks.parameters import Port\n"
             "from pybricks.tools import run_task, wait\n"
             "eye = ColorSensor(Port.C)\n"
             "async def main():\n"
             "    value = eye.reflection()\n"
             "    await wait(10)\n"
             "run_task(main())\n")
    assert r.status == "error"
    assert "reflection()" in r.traceback and "main.py:6" in r.traceback
    assert "await" in r.traceback


def test_a_beep_outside_64_to_24000_hz_is_capped_as_pybricks_caps_it(tmp_path: Path) -> None:
    # Pybricks' speaker plays a frequency below 64 Hz at 64 and above 24000 at 24000;
    # the simulator stopped the program ("frequency must be from 64 to 24000 Hz").
    r = _run(tmp_path,
             "from pybricks.hubs import PrimeHub\nhub = PrimeHub()\n"
             "hub.speaker.beep(20, 10)\nhub.speaker.beep(30000, 10)\n"
             "hub.speaker.beep(440, 10)\n")
    assert r.status == "finished", r.traceback
    assert [e["frequency"] for e in r.events if e["kind"] == "beep"] == [64, 24000, 440]


def test_commands_pybricks_lets_a_task_await_can_be_awaited(tmp_path: Path) -> None:
    # Pybricks' lights, Power Functions motors, the Bluetooth hubs' commands and
    # PUPDevice's read/write are awaitable inside run_task ("await light.on(...)");
    # they returned None, so awaiting one raised TypeError.  As in Pybricks, a task
    # may also leave them un-awaited: the command is given either way.
    (tmp_path / "robot.toml").write_text(
        '[hub]\ntype = "PrimeHub"\n'
        '[devices.eye]\ntype = "ColorSensor"\nport = "B"\n'
        '[devices.cds]\ntype = "ColorSensor"\nport = "C"\n')
    r = _run(tmp_path,
             "from pybricks.pupdevices import (ColorDistanceSensor, ColorLightMatrix,"
             " PFMotor, DuploTrain, TechnicMoveHub)\n"
             "from pybricks.iodevices import PUPDevice\n"
             "from pybricks.parameters import Color, Port\n"
             "from pybricks.tools import run_task\n"
             "cds = ColorDistanceSensor(Port.C)\nmatrix = ColorLightMatrix(Port.A)\n"
             "pf = PFMotor(cds, 1, Color.BLUE)\ntrain = DuploTrain()\n"
             "car = TechnicMoveHub()\neye = PUPDevice(Port.B)\n"
             "async def main():\n"
             "    await cds.light.on(Color.RED)\n    await cds.light.off()\n"
             "    await matrix.on(Color.GREEN)\n    await matrix.off()\n"
             "    await pf.dc(50)\n    await pf.stop()\n    await pf.brake()\n"
             "    await train.drive(50)\n    await train.headlights(Color.WHITE)\n"
             "    await car.drive(50, 10)\n"
             "    await eye.write(3, (100, 50, 0))\n"
             "    print(await eye.read(1) == eye_value)\n"
             "    cds.light.on(Color.BLUE)\n    pf.dc(20)\n"
             "    return 'done'\n"
             "eye_value = eye.read(1)\n"
             "print(run_task(main()))\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["True", "done"]
    kinds = [e["kind"] for e in r.events]
    assert kinds.count("pf_motor") == 4 and kinds.count("light_matrix") == 2
    assert kinds.count("sensor_light") == 3


GYRO_BASE = (
    "from pybricks.hubs import PrimeHub\n"
    "from pybricks.pupdevices import Motor\n"
    "from pybricks.parameters import Port, Direction\n"
    "from pybricks.robotics import DriveBase\n"
    "from pybricks.tools import wait\n"
    "hub = PrimeHub()\n"
    "db = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)\n"
    "db.use_gyro(True)\n")


def test_the_heading_resets_as_pybricks_resets_it_with_a_gyro_drive_base(
        tmp_path: Path) -> None:
    """Pybricks (3.6 on): hub.imu.reset_heading() is an OSError while a drive base steers
    by the gyro (driving or holding), and DriveBase.reset(angle=...) stops it and sets the
    gyro's heading too; robokit reset the heading under the drive base, whose angle()
    then drifted from heading() (90.3 against 0.0)."""
    r = _run(tmp_path, GYRO_BASE +
             "db.turn(90)\n"  # then holds
             "try:\n    hub.imu.reset_heading(0)\nexcept OSError as e:\n"
             "    print('refused', e.errno)\n"
             "db.reset(angle=10)\n"
             "print(round(hub.imu.heading()), round(db.angle()), db.done())\n"
             "hub.imu.reset_heading(0)\n"  # stopped: allowed
             "print(round(hub.imu.heading()))\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["refused 1", "10 10 True", "0"]


def test_reset_and_use_gyro_stop_the_drive_base_as_in_pybricks(tmp_path: Path) -> None:
    r = _run(tmp_path, GYRO_BASE +
             "db.drive(150, 0)\nwait(500)\ndb.reset()\nwait(1000)\n"
             "print(db.distance() < 150)\n"  # coasted to a stop, not 150 mm/s on
             "db.drive(150, 0)\nwait(500)\ndb.use_gyro(False)\nwait(1000)\n"
             "print(db.distance() < 400)\n")
    assert r.status == "finished", r.traceback
    assert r.output.splitlines() == ["True", "True"]
