"""Several robots in one world (issue 15): one clock, bodies that meet, objects to push,
results per robot, a referee's rule."""

from __future__ import annotations

import json
import math
import textwrap
import threading
from pathlib import Path

import pytest
from cli_helpers import invoke

from robokit.config import standard_rover
from robokit.errors import ProgramError
from robokit.sim import bodies, simulate
from robokit.sim.brick import SimBrick
from robokit.sim.match import ring_out
from robokit.sim.watchdog import Watchdog
from robokit.sim.world import World, load_world
from robokit.virtual.mpvm import micropython_path


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def world(tmp_path: Path, robots: list[tuple[float, float, float]], extra: str = "",
          name: str = "duel") -> Path:
    text = f'name = "{name}"\nsize = [3000, 3000]\n' + "".join(
        f"[[robots]]\nx = {x}\ny = {y}\nheading = {h}\n" for x, y, h in robots) + extra
    return write(tmp_path / f"{name}.toml", text)


DRIVER = """\
    from robokit import robot
    robot.drive_base.straight({mm})
    print("drove", {mm})
"""

# A Pybricks program that builds a drive base and does nothing with it: its motors coast.
IDLE_PYBRICKS = """\
    from pybricks.hubs import PrimeHub
    from pybricks.pupdevices import Motor
    from pybricks.parameters import Port, Direction
    from pybricks.robotics import DriveBase
    from pybricks.tools import wait

    hub = PrimeHub()
    base = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
    {then}
    wait(8000)
    print("still here")
"""


def test_head_on_a_robot_with_coasting_wheels_is_pushed(tmp_path: Path) -> None:
    w = world(tmp_path, [(-400, 0, 0), (0, 0, 180)])
    a = write(tmp_path / "a.py", DRIVER.format(mm=500))
    b = write(tmp_path / "b.py", IDLE_PYBRICKS.format(then="pass"))
    r = simulate([a, b], world=w, duration=6)
    first, second = r.robots
    assert (first.status, second.status) == ("finished", "timeout")
    # The rover's front (90 mm) met robot 2's front (90 mm ahead of its axle, facing it)
    # after 220 mm; the rest of the 500 mm pushed robot 2 back along its wheels.
    assert second.pose[0] > 200.0
    assert abs(second.pose[1]) < 1.0
    assert first.pose[0] - second.pose[0] == pytest.approx(-180.0, abs=2.0)  # still touching
    assert second.distance_mm == 0.0  # pushed: its wheels did not turn
    assert any(e["kind"] == "touch" and e["with"] == "robot 2" for e in first.events)


def test_a_robot_holding_its_wheels_is_not_pushed_head_on(tmp_path: Path) -> None:
    w = world(tmp_path, [(-400, 0, 0), (0, 0, 180)])
    a = write(tmp_path / "a.py", DRIVER.format(mm=500))
    b = write(tmp_path / "b.py", IDLE_PYBRICKS.format(then="base.use_gyro(False)\n"
                                                     "    base.straight(0)"))
    r = simulate([a, b], world=w, duration=6)
    first, second = r.robots
    assert second.pose[0] == pytest.approx(0.0, abs=1.0)  # held: it stays
    assert first.pose[0] == pytest.approx(-180.0, abs=1.0)  # the pusher stops against it
    assert first.contacts["count"] >= 1


def test_pushed_at_an_angle_a_robot_slides_sideways_only_when_the_force_beats_its_grip(
        tmp_path: Path) -> None:
    # Robot 2 stands across robot 1's path (heading 90): pushing it sideways means sliding
    # its tyres, which a rover's motors cannot do against the same weight's grip (0.8).
    w = world(tmp_path, [(-400, 0, 0), (0, 0, 90)])
    a = write(tmp_path / "a.py", DRIVER.format(mm=500))
    b = write(tmp_path / "b.py", IDLE_PYBRICKS.format(then="pass"))
    r = simulate([a, b], world=w, duration=6)
    first, second = r.robots
    assert second.pose[:2] == pytest.approx((0.0, 0.0), abs=1.0)
    assert first.pose[0] < -150.0  # stopped against its side (75 mm half width + 90 front)
    # At 45 degrees, part of the push is along its wheels: it rolls away a little.
    w45 = world(tmp_path, [(-400, 0, 0), (0, 0, 135)], name="angled")
    r45 = simulate([a, b], world=w45, duration=6)
    assert r45.robots[1].pose[0] > 5.0


def test_an_object_is_pushed_and_a_wall_stops_it(tmp_path: Path) -> None:
    can = textwrap.dedent("""\
        [[objects]]
        shape = "cylinder"
        center = [0, 0]
        radius = 33
        mass_g = 50

        [[walls]]
        points = [[300, -500], [300, 500]]
        thickness = 20
    """)
    w = world(tmp_path, [(-400, 0, 0)], extra=can)
    a = write(tmp_path / "a.py", DRIVER.format(mm=800))
    r = simulate(a, world=w, duration=8)
    (obj,) = r.objects
    # The can stops at the wall (face at x = 290): its centre 33 mm from it.
    assert obj["x_mm"] == pytest.approx(290 - 33, abs=1.0)
    assert obj["moved_mm"] == pytest.approx(257, abs=2.0)
    # The robot stops against the can: its front 90 mm ahead of its axle.
    assert r.pose[0] == pytest.approx(290 - 66 - 90, abs=2.0)
    assert r.status == "timeout"  # straight(800) never got there


def test_a_ball_rolls_on_after_the_push(tmp_path: Path) -> None:
    ball = '[[objects]]\nshape = "ball"\ncenter = [0, 0]\nradius = 30\n'
    w = world(tmp_path, [(-400, 0, 0)], extra=ball)
    a = write(tmp_path / "a.py", DRIVER.format(mm=500))
    r = simulate(a, world=w, duration=6)
    (obj,) = r.objects
    front = r.pose[0] + 90.0
    # A push that stopped would leave it touching (0.01 mm): it rolled on, away.
    assert obj["x_mm"] - 30.0 > front + 5.0


def test_distance_sensors_see_other_robots_and_hear_their_pings(tmp_path: Path) -> None:
    w = world(tmp_path, [(-500, 0, 0), (500, 0, 180)])
    looker = write(tmp_path / "looker.py", """\
        from robokit import robot, wait
        wait(100)
        print("distance", robot.ultrasonic_sensor.distance())
        print("presence", robot.ultrasonic_sensor.presence())
    """)
    pinger = write(tmp_path / "pinger.py", """\
        from robokit import robot, wait
        for _ in range(50):
            robot.ultrasonic_sensor.distance()
            wait(10)
    """)
    r = simulate([looker, pinger], world=w, duration=2)
    out = r.robots[0].output.split("\n")
    # Sensor 80 mm ahead of robot 1's axle, robot 2's front 90 mm ahead of its own.
    assert out[0] == f"distance {1000 - 80 - 90}"
    assert out[1] == "presence True"
    alone = simulate(looker, world=w, duration=2)
    assert alone.output.split("\n")[:2] == ["distance 2000", "presence False"]


def test_the_same_seed_gives_the_same_telemetry_for_every_robot(tmp_path: Path) -> None:
    w = world(tmp_path, [(-400, 0, 0), (0, 0, 180)])
    a = write(tmp_path / "a.py", """\
        from robokit import robot, wait
        base = robot.drive_base
        for i in range(40):
            base.drive(150 + i, 10)
            robot.ultrasonic_sensor.distance()
            robot.color_sensor.reflection()
    """)
    b = write(tmp_path / "b.py", """\
        from robokit import robot, wait
        for i in range(100):
            robot.drive_base.drive(-50, 30)
            wait(7)
            print(robot.hub.imu.heading())
    """)
    runs = [simulate([a, b], world=w, duration=3, seed=11) for _ in range(3)]
    tel = [[r.telemetry.to_csv() for r in run.robots] for run in runs]
    outs = [[r.output for r in run.robots] for run in runs]
    assert tel[0] == tel[1] == tel[2]
    assert outs[0] == outs[1] == outs[2]
    assert tel[0][0] != tel[0][1]  # two robots, two records


def test_more_programs_than_start_poses_is_one_clear_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.py", DRIVER.format(mm=10))
    with pytest.raises(ProgramError, match="sumo.* only 2 start poses"):
        simulate([a, a, a], world="sumo")
    with pytest.raises(ProgramError, match="no start poses for several robots"):
        simulate([a, a], world="oval")


def test_the_referee_ends_the_match_when_a_robot_leaves_the_ring(tmp_path: Path) -> None:
    a = write(tmp_path / "a.py", DRIVER.format(mm=700))
    b = write(tmp_path / "b.py", IDLE_PYBRICKS.format(then="pass"))
    r = simulate([a, b], world="sumo", duration=10, rule=ring_out(385))
    assert r.verdict is not None and r.verdict.startswith("robot 1 wins: robot 2 left")
    assert r.sim_time_s < 10
    d = r.to_dict()
    assert d["verdict"] == r.verdict
    assert [x["robot_index"] for x in d["robots"]] == [1, 2]
    assert set(d["robots"][0]) >= {"program", "start_pose", "pose", "distance_mm", "output",
                                   "error", "contacts"}


def test_robokit_run_two_programs_reports_both(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    a = write(tmp_path / "a.py", DRIVER.format(mm=100))
    b = write(tmp_path / "b.py", 'print("hello from b")\n')
    res = invoke("run", a, b, "--world", "sumo", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert [x["output"] for x in d["robots"]] == ["drove 100\n", "hello from b\n"]
    assert d["robots"][1]["start_pose"] == {"x_mm": 170.0, "y_mm": 0.0, "heading_deg": 180.0}
    res = invoke("run", a, b, "--world", "sumo", "--board", "x")
    assert res.exit_code == 2 and "--board: not for several robots" in res.stderr
    assert "Traceback" not in res.stderr
    res = invoke("run", a, b, "--world", "sumo", "--telemetry", "t.txt")
    assert res.exit_code == 2 and "--telemetry t.txt: use a .csv or .json" in res.stderr
    assert not (tmp_path / "t.txt").exists()
    res = invoke("run", a, "--robot", "x.toml", "--robot", "y.toml")
    assert res.exit_code == 2 and "2 robot files for 1 program" in res.stderr


def test_the_telemetry_of_several_robots_is_one_file_with_every_robots_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two sumo programs build their robots with other motor names: the CSV has the
    columns of both, each robot's own values under its own, empty under the other's."""
    import csv

    monkeypatch.chdir(EXAMPLES.parent)
    match = ["examples/sumo_match/pusher.py", "examples/sumo_match/listener.py"]
    res = invoke("run", *match, "--duration", "2", "--telemetry", tmp_path / "t.csv")
    assert res.exit_code == 0, res.stderr
    assert f"telemetry  {tmp_path / 't.csv'}" in res.stdout
    rows = list(csv.DictReader((tmp_path / "t.csv").read_text(encoding="utf-8")
                               .splitlines()))
    alone = simulate(match, duration=2).robots
    own = [list(csv.DictReader(r.telemetry.to_csv().splitlines())) for r in alone]
    assert set(own[0][0]) != set(own[1][0])  # what makes the union worth a test
    for i in (0, 1):
        mine = [r for r in rows if r["robot_index"] == str(i + 1)]
        assert len(mine) == len(own[i]) > 90
        others = set(own[1 - i][0]) - set(own[i][0])
        assert all({k: r[k] for k in own[i][0]} == o for r, o in zip(mine, own[i],
                                                                     strict=True))
        assert all(r[k] == "" for r in mine for k in others)
    res = invoke("run", *match, "--duration", "2", "--telemetry", tmp_path / "t.json")
    assert res.exit_code == 0, res.stderr
    robots = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["robots"]
    assert [(r["robot_index"], Path(r["program"]).name) for r in robots] == [
        (1, "pusher.py"), (2, "listener.py")]
    assert robots[1]["output"][0]["text"] == "robot 1 says 42"
    assert [r["columns"] for r in robots] == [r.telemetry.columns for r in alone]


def test_world_files_name_robots_and_objects_with_clear_errors() -> None:
    with pytest.raises(Exception, match=r"\[\[objects\]\] #1, key 'shape'.*box, cylinder, ball"):
        World.from_dict({"size": [100, 100], "objects": [{"shape": "cone", "center": [0, 0],
                                                          "radius": 3}]})
    with pytest.raises(Exception, match=r"\[\[robots\]\] #2.*needs 'y'"):
        World.from_dict({"size": [100, 100], "robots": [{"x": 0, "y": 0}, {"x": 1}]})


def test_shapes_overlap_and_rays() -> None:
    a = bodies.rect(0, 0, 0.0, 90, -60, 75)
    b = bodies.rect(190, 0, math.pi, 90, -60, 75)  # fronts 10 mm apart: no overlap
    assert bodies.overlap(a, b) is None
    c = bodies.rect(160, 0, math.pi, 90, -60, 75)  # fronts overlap by 20 mm
    depth, nx, ny = bodies.overlap(a, c)
    assert (depth, nx, ny) == pytest.approx((20.0, 1.0, 0.0))
    can = bodies.circle(100, 0, 20)
    depth, nx, ny = bodies.overlap(a, can)
    assert (depth, nx, ny) == pytest.approx((10.0, 1.0, 0.0))
    assert bodies.ray(can, 0, 0, 1.0, 0.0) == pytest.approx(80.0)
    assert bodies.ray(b, 0, 0, 1.0, 0.0) == pytest.approx(100.0)
    assert bodies.ray(b, 0, 0, -1.0, 0.0) == math.inf


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_two_unmodified_pybricks_programs_push_and_talk_in_sumo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's test: in sumo, one drives into the other and pushes it at least 5 cm;
    the other prints the number the first broadcast on channel 1; --json has both."""
    monkeypatch.chdir(EXAMPLES.parent)
    res = invoke("run", "examples/sumo_match/pusher.py", "examples/sumo_match/listener.py",
                 "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    pusher, listener = d["robots"]
    assert listener["output"] == "robot 1 says 42\n"
    moved = listener["pose"]["x_mm"] - listener["start_pose"]["x_mm"]
    assert moved >= 50.0
    assert pusher["distance_mm"] == pytest.approx(600, abs=1)
    assert listener["distance_mm"] == 0.0  # pushed, not driven


def test_the_referee_example_names_the_winner() -> None:
    import io
    import runpy
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        runpy.run_path(str(EXAMPLES / "sumo_match" / "referee.py"), run_name="__main__")
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("robot 1 wins: robot 2 left the ring at ")
    assert "robot 1 says 42" in lines[-2]


def test_the_relay_passes_go_by_radio() -> None:
    r = simulate([EXAMPLES / "relay" / "first.py", EXAMPLES / "relay" / "second.py"])
    first, second = r.robots
    assert first.output == "sent go\n"
    assert second.output.startswith("got go after ")
    waited = int(second.output.split()[3])
    # first drives 300 mm (about 1.7 s), then go arrives 100 ms after its broadcast.
    assert 1000 < waited < 2500
    assert second.pose[0] == pytest.approx(200.0, abs=1.0)


def test_the_can_goes_out_of_the_ring() -> None:
    r = simulate(EXAMPLES / "can_push" / "push_can.py")
    assert r.status == "finished"
    (can,) = r.objects
    assert math.hypot(can["x_mm"], can["y_mm"]) - 33 > 300  # wholly beyond the ring's edge


def test_the_same_run_whatever_the_host_scheduling() -> None:
    """Threads switched every microsecond, and a busy thread beside them: the same."""
    import sys
    import threading

    programs = [EXAMPLES / "sumo_match" / "pusher.py", EXAMPLES / "sumo_match" / "listener.py"]
    first = simulate(programs, world="sumo", seed=5, duration=4)
    stop = threading.Event()
    busy = threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)])
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    busy.start()
    try:
        second = simulate(programs, world="sumo", seed=5, duration=4)
    finally:
        stop.set()
        busy.join()
        sys.setswitchinterval(old)
    for a, b in zip(first.robots, second.robots, strict=True):
        # On a difference, say where: the runs' statuses (a hang seen under load ends a
        # run early) and the first telemetry rows that differ, not two whole CSVs.
        assert (a.status, a.error) == (b.status, b.error)
        rows_a, rows_b = a.telemetry.to_csv().splitlines(), b.telemetry.to_csv().splitlines()
        k = next((k for k, (x, y) in enumerate(zip(rows_a, rows_b, strict=False))
                  if x != y),
                 min(len(rows_a), len(rows_b)))
        assert rows_a == rows_b, "\n".join(
            [f"{a.program}: rows differ from row {k} ({len(rows_a)} and {len(rows_b)} rows)",
             rows_a[0], *rows_a[k:k + 3], "-- against --", *rows_b[k:k + 3]])
        assert a.output == b.output


def test_a_match_stops_its_clocks_at_its_duration() -> None:
    """The listener still waits (wait(5000) from 0.1 s) when the pusher ends at 3.7 s:
    with 4 s to run, every clock stops at 4 s (it was given the listener's wake, 5.1 s)."""
    r = simulate([EXAMPLES / "sumo_match" / "pusher.py",
                  EXAMPLES / "sumo_match" / "listener.py"], world="sumo", duration=4)
    assert [x.status for x in r.robots] == ["finished", "timeout"]
    assert r.sim_time_s == 4.0
    assert [x.brick.now for x in r.robots] == [4_000_000, 4_000_000]


class _HeldWake(threading.Event):
    """A watchdog's wake-up held at the moment it woke (before it looked at the program),
    while the test lets the program's thread and the other robots go on."""

    def __init__(self) -> None:
        super().__init__()
        self.woke, self.go = threading.Event(), threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        if not self.woke.is_set():
            self.woke.set()
            self.go.wait()
            return False
        return super().wait(timeout)


def test_a_program_that_ends_just_before_its_time_runs_out_finished(tmp_path: Path) -> None:
    """CI saw it once, under load: robot 1's program ended, the other robot's turn then
    ran the clocks past the end, and robot 1's watchdog, awake since just before, called
    the run a timeout. A program that has ended gets no reason to end."""
    brick = SimBrick(load_world("sumo"), standard_rover())
    dog = Watchdog(brick, 5.0, str(tmp_path))
    dog._stop = held = _HeldWake()
    dog.start(threading.get_ident())
    assert held.woke.wait(5)
    dog.program_ended()  # the program's last line ran ...
    brick.time_up = True  # ... and the others went on to the end of time
    held.go.set()
    dog.join()
    assert dog.reason is None


def test_a_world_names_each_robots_program_and_robot_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "match"
    folder.mkdir()
    write(folder / "a.py", DRIVER.format(mm=100))
    write(folder / "b.py", 'from robokit import robot\nprint(robot.hub.system.name())\n')
    write(folder / "small.toml", """\
        name = "small one"
        [body]
        front = 40
        back = -40
        width = 80
        mass_g = 300
    """)
    world(folder, [(-300, 0, 0), (300, 0, 180)], name="match")
    text = (folder / "match.toml").read_text()
    text = text.replace("heading = 0\n", 'heading = 0\nprogram = "a.py"\n', 1)
    text = text.replace("heading = 180\n",
                        'heading = 180\nprogram = "b.py"\nrobot = "small.toml"\n', 1)
    (folder / "match.toml").write_text(text)
    res = invoke("run", "--world", "match/match.toml", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert [r["output"] for r in d["robots"]] == ["drove 100\n", "small one\n"]
    assert d["robots"][1]["robot"] == "small one"
    res = invoke("run", "--world", "sumo")
    assert res.exit_code == 2
    assert "give the PROGRAM to run" in res.stderr and "Traceback" not in res.stderr
    (folder / "bad.toml").write_text('name = "x"\nsize = [0, 10]\n')
    res = invoke("run", "--world", "match/bad.toml", "--json")  # as with a PROGRAM
    assert res.exit_code == 2
    assert json.loads(res.stdout)["status"] == "invalid"
    assert res.stderr.startswith("robokit: run: match/bad.toml:2: key 'size'")


def test_one_program_runs_on_the_robot_file_the_worlds_first_robot_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """worlds.md: a [[robots]] robot file is the robot of a program given none, in a run
    of one as of several (by --world, by the program's world= line, with --exact); a
    robot.toml beside the program is still its own."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "match"
    folder.mkdir()
    write(folder / "small.toml", 'name = "small one"\n')
    world(folder, [(-300, 0, 0)], name="match")
    text = (folder / "match.toml").read_text()
    (folder / "match.toml").write_text(
        text.replace("heading = 0\n", 'heading = 0\nrobot = "small.toml"\n', 1))
    name = "from robokit import robot\nprint(robot.hub.system.name())\n"
    prog = write(tmp_path / "who.py", name)
    assert simulate(prog, world=folder / "match.toml").output == "small one\n"
    lined = write(tmp_path / "lined.py", "# robokit: world=match/match.toml\n" + name)
    assert simulate(lined).output == "small one\n"
    res = invoke("run", "who.py", "--world", "match/match.toml", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["robot"] == "small one"
    own = tmp_path / "own"
    own.mkdir()
    write(own / "robot.toml", 'name = "its own"\n')
    write(own / "who.py", name)
    assert simulate(own / "who.py", world=folder / "match.toml").output == "its own\n"
    if micropython_path() is not None:
        res = invoke("run", "who.py", "--world", "match/match.toml", "--exact")
        assert res.exit_code == 0, res.stderr
        assert res.stdout.startswith("small one\n")


def test_the_bumper_feels_another_robot_and_a_colour_sensor_sees_an_object(
        tmp_path: Path) -> None:
    w = world(tmp_path, [(-400, 0, 0), (0, 0, 180)])
    a = write(tmp_path / "a.py", """\
        from robokit import robot, wait
        robot.drive_base.drive(150, 0)
        while not robot.force_sensor.pressed():
            wait(10)
        wait(20)  # (touching, only the spring: 3 N; then the wheels push too)
        print("pressed", robot.force_sensor.force() > 3)
    """)
    b = write(tmp_path / "b.py", IDLE_PYBRICKS.format(then="base.straight(0)"))
    r = simulate([a, b], world=w, duration=5)
    assert r.robots[0].output == "pressed True\n"
    assert r.robots[0].pose[0] == pytest.approx(-180.0, abs=2.0)  # at the other's front

    from robokit.config import standard_rover

    rover = standard_rover()
    rover["devices"]["color_sensor"]["x"] = 110.0  # 20 mm ahead of the body's front
    box = ('[[objects]]\nshape = "box"\ncenter = [0, 0]\nsize = [100, 100]\n'
           'color = "blue"\n')
    w2 = world(tmp_path, [(-300, 0, 0)], extra=box, name="boxed")
    c = write(tmp_path / "c.py", """\
        from robokit import robot
        print(robot.color_sensor.color())
        robot.drive_base.straight(200)
        print(robot.color_sensor.color())
    """)
    r2 = simulate(c, world=w2, robot=rover, duration=5)
    assert r2.output == "Color.WHITE\nColor.BLUE\n"
    assert r2.objects[0]["moved_mm"] == pytest.approx(40.0, abs=1.0)  # front -210 -> -10


def test_the_pytest_fixture_runs_several_robots(robokit_sim) -> None:
    result = robokit_sim(["examples/relay/first.py", "examples/relay/second.py"])
    assert [r.output.split()[:2] for r in result.robots] == [["sent", "go"], ["got", "go"]]


def test_the_plot_of_a_match_draws_every_robot_in_its_colour(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    from matplotlib.image import imread

    from robokit.sim.plot import ROBOT_COLORS

    monkeypatch.chdir(EXAMPLES.parent)
    out = tmp_path / "match.png"
    res = invoke("run", "examples/sumo_match/pusher.py", "examples/sumo_match/listener.py",
                 "--plot", out)
    assert res.exit_code == 0, res.stderr
    img = np.asarray(imread(str(out)))[:, :, :3]
    want = np.array([int(ROBOT_COLORS[1][i:i + 2], 16) / 255.0 for i in (1, 3, 5)])
    second = np.all(np.abs(img - want) < 0.08, axis=2)
    second[:, img.shape[1] // 2:] = False  # the mat is on the left half
    assert second.sum() > 200  # robot 2's path and outline


def test_robot_i_is_seeded_with_the_runs_seed_plus_i(tmp_path: Path) -> None:
    a = write(tmp_path / "a.py", DRIVER.format(mm=10))
    noisy = simulate([a, a], world="sumo", noise=True, duration=1)  # noise alone: seed 0
    assert [r.brick.seed for r in noisy.robots] == [0, 1]
    seeded = simulate([a, a], world="sumo", seed=7, duration=1)
    assert [r.brick.seed for r in seeded.robots] == [7, 8]
    quiet = simulate([a, a], world="sumo", duration=1)
    assert [r.brick.seed for r in quiet.robots] == [None, None]
