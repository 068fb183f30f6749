"""The fast kernel (robokit.sim.kernel) runs the very runs of the general path: every
example ends at the same pose with the same events with the kernel on and off, and the
kernel hands over to the general path where its conditions do not hold (walls, a motor
of its own, the gyro)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from robokit.config import standard_rover
from robokit.sim import simulate
from robokit.sim.brick import SimBrick
from robokit.sim.kernel import ENV
from robokit.sim.world import load_world

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUBMISSIONS = EXAMPLES / "grading" / "submissions"
#: Every program of examples/ the simulator runs, and how (the graded ones run in the
#: maze, as examples/grading/grade.toml has them; dave.py hangs on purpose; the programs
#: of a match or relay run together, each on its robot).
PROGRAMS: list[tuple[Any, dict[str, Any]]] = (
    [(p, {}) for p in sorted(EXAMPLES.glob("*.py"))]
    + [(p, {"world": "maze", "hang_budget_s": 1.0 if p.stem == "dave" else 5.0})
       for p in sorted(SUBMISSIONS.glob("*.py"))]
    + [(p, {}) for p in sorted(EXAMPLES.glob("kits/*")) if p.is_dir()]
    + [(EXAMPLES / "can_push" / "push_can.py", {}),
       ((EXAMPLES / "relay" / "first.py", EXAMPLES / "relay" / "second.py"), {}),
       ((EXAMPLES / "sumo_match" / "pusher.py", EXAMPLES / "sumo_match" / "listener.py"),
        {"world": "sumo"})]
)


def name_of(program: Any) -> str:
    return "+".join(p.name for p in program) if isinstance(program, tuple) else program.name


def run(monkeypatch: pytest.MonkeyPatch, program: Any, kernel: bool, **kw: Any) -> Any:
    monkeypatch.setenv(ENV, "1" if kernel else "0")
    return simulate(list(program) if isinstance(program, tuple) else program, **kw)


def assert_same_run(fast: Any, slow: Any) -> None:
    assert len(fast.robots) == len(slow.robots)
    for a, b in zip(fast.robots[1:], slow.robots[1:], strict=True):
        assert_same_run(a, b)
    assert fast.status == slow.status
    assert fast.sim_time_s == slow.sim_time_s
    assert fast.pose[0] == pytest.approx(slow.pose[0], abs=0.01)  # mm
    assert fast.pose[1] == pytest.approx(slow.pose[1], abs=0.01)
    assert fast.pose[2] == pytest.approx(slow.pose[2], abs=0.01)  # degrees
    assert fast.distance_mm == pytest.approx(slow.distance_mm, abs=0.01)
    assert fast.events == slow.events
    assert fast.output == slow.output


def test_the_list_holds_every_example() -> None:
    names = {name_of(p) for p, _kw in PROGRAMS}
    assert {"line_follower.py", "sumo.py", "maze_solver.py", "alice.py",
            "inventor_square", "push_can.py", "pusher.py+listener.py"} <= names
    assert len(PROGRAMS) >= len(list(EXAMPLES.glob("*.py"))) + 4
    # every folder of examples/ with programs is in the list
    listed = {p.parent for p, _kw in PROGRAMS if isinstance(p, Path)}
    listed |= {q.parent for p, _kw in PROGRAMS if isinstance(p, tuple) for q in p}
    listed |= {p for p, _kw in PROGRAMS if isinstance(p, Path) and p.is_dir()}
    for folder in EXAMPLES.rglob("*.py"):
        assert folder.parent in listed or folder.parent.parent in listed \
            or folder.stem == "referee", folder


@pytest.mark.parametrize(("program", "kw"), PROGRAMS, ids=[name_of(p) for p, _ in PROGRAMS])
def test_every_example_ends_the_same_with_the_kernel_on_and_off(
        monkeypatch: pytest.MonkeyPatch, program: Any, kw: dict[str, Any]) -> None:
    fast = run(monkeypatch, program, True, **kw)
    slow = run(monkeypatch, program, False, **kw)
    assert slow.brick.kernel is None
    assert_same_run(fast, slow)


def kernel_of(result: Any) -> Any:
    k = result.brick.kernel
    assert k is not None
    return k


@pytest.mark.parametrize("name", ["line_follower", "square", "colour_sorter"])
def test_the_kernel_takes_every_step_of_a_plain_drive(monkeypatch: pytest.MonkeyPatch,
                                                      name: str) -> None:
    k = kernel_of(run(monkeypatch, EXAMPLES / f"{name}.py", True))
    assert k.steps > 1000
    assert k.handed == 0


def test_a_push_against_a_wall_goes_to_the_general_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The physics steps of the push are the general path's (the wall tests, the push);
    # the control loop's ticks stay the kernel's all the while (every 5 ms of the run).
    r = run(monkeypatch, EXAMPLES / "sumo.py", True)
    k = kernel_of(r)
    assert r.contacts["count"] >= 1 and r.contacts["longest_s"] > 20.0
    assert k.steps > 100  # on the way to the box
    assert k.handed > 1000  # pushing it
    assert k.ticks >= int(r.sim_time_s / 0.005) - 1


def test_near_walls_the_general_path_tests_each_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # The wall avoider turns away before touching: no contact, yet the steps near the
    # walls are the general path's.
    r = run(monkeypatch, EXAMPLES / "wall_avoider.py", True)
    k = kernel_of(r)
    assert r.contacts["count"] == 0
    assert k.steps > 1000
    assert k.handed > 10


def test_other_motors_are_stepped_and_ticked_as_the_general_path_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The arm turns under its own control while the drive base stands: the kernel takes
    # the steps (the arm's as the general path takes them) and ticks the arm's control
    # (Motor._control, the motor read directly).
    k = kernel_of(run(monkeypatch, EXAMPLES / "arm.py", True))
    assert k.steps > 100
    assert k.handed == 0
    assert k.ticks == 0
    assert k.motor_ticks > 100


def test_a_drive_base_and_two_busy_motors_tick_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/programs/all_devices.py: driving while two more motors make position
    # moves, every sensor read each round; the kernel ticks the drive base and the two
    # motors' own control, in the loop's order.
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "programs"
    kw: dict[str, Any] = {"world": "arena", "robot": bench / "four_motors.toml",
                          "duration": 15}
    fast = run(monkeypatch, bench / "all_devices.py", True, **kw)
    slow = run(monkeypatch, bench / "all_devices.py", False, **kw)
    k = kernel_of(fast)
    assert k.ticks > 1000
    assert k.motor_ticks > 2000
    assert k.steps > 1000
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows


def test_the_gyro_heading_goes_to_the_general_control_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # With use_gyro(True) the control loop is the general one (the heading comes from
    # the IMU); the physics between its ticks may still be the kernel's.
    r = run(monkeypatch, EXAMPLES / "gyro_turns.py", True)
    k = kernel_of(r)
    assert k.ticks == 0


@pytest.mark.parametrize("name", ["line_follower", "wall_avoider"])
def test_noise_changes_nothing_between_the_paths(monkeypatch: pytest.MonkeyPatch,
                                                 name: str) -> None:
    prog = EXAMPLES / f"{name}.py"
    fast = run(monkeypatch, prog, True, seed=11, duration=20)
    slow = run(monkeypatch, prog, False, seed=11, duration=20)
    assert kernel_of(fast).steps > 1000
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows


def test_the_telemetry_is_the_same_row_for_row(monkeypatch: pytest.MonkeyPatch) -> None:
    prog = EXAMPLES / "line_follower.py"
    fast = run(monkeypatch, prog, True)
    slow = run(monkeypatch, prog, False)
    assert kernel_of(fast).ticks > 1000
    assert len(fast.telemetry.rows) > 1000
    assert fast.telemetry.rows == slow.telemetry.rows


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    world = load_world("empty")
    monkeypatch.setenv(ENV, "0")
    assert SimBrick(world, standard_rover()).kernel is None
    monkeypatch.setenv(ENV, "1")
    assert SimBrick(world, standard_rover()).kernel is not None
    # And per brick, before a run: brick.kernel = None.
    r = simulate(EXAMPLES / "square.py", on_start=lambda b: setattr(b, "kernel", None))
    assert r.brick.kernel is None
    assert r.status == "finished"


def test_a_robot_without_a_drive_base_has_no_kernel() -> None:
    robot = standard_rover()
    del robot["drive_base"]
    assert SimBrick(load_world("empty"), robot).kernel is None


MOVES = '''
from robokit import Stop, robot, wait

base = robot.drive_base
base.straight(150, then=Stop.BRAKE)
base.turn(-45, then=Stop.COAST)
wait(300)
base.curve(200, 60, then=Stop.COAST_SMART)
base.straight(-80, then=Stop.NONE)
base.arc(150, distance=100)
base.settings(straight_speed=300, straight_acceleration=(800, 400))
for i in range(300):
    base.drive(120 + i % 7 * 20, (i % 11 - 5) * 8)
    wait(7 + i % 5)
base.stop()
wait(500)
base.drive(-100, 30)
wait(800)
base.brake()
wait(200)
base.hold()
wait(300)
print(base.distance(), round(base.angle(), 3), base.stalled(), base.done())
'''


def test_every_way_a_drive_base_moves_and_stops(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    prog = tmp_path / "moves.py"
    prog.write_text(MOVES, encoding="utf-8")
    fast = run(monkeypatch, prog, True, world="empty", duration=30)
    slow = run(monkeypatch, prog, False, world="empty", duration=30)
    assert fast.status == "finished", fast.traceback
    assert kernel_of(fast).ticks > 1000
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows


def test_a_full_telemetry_halves_the_same_way(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    # 1 kHz for 120 s passes the telemetry's row limit: it keeps every other row and
    # samples half as often, on both paths alike.
    prog = tmp_path / "long.py"
    prog.write_text("from robokit import robot, wait\n"
                    "robot.drive_base.drive(100, 5)\nwait(200000)\n", encoding="utf-8")
    fast = run(monkeypatch, prog, True, world="empty", duration=120, telemetry_hz=1000)
    slow = run(monkeypatch, prog, False, world="empty", duration=120, telemetry_hz=1000)
    assert kernel_of(fast).ticks > 20000
    assert fast.telemetry.period_us == 2000  # halved once
    assert fast.telemetry.rows == slow.telemetry.rows
    assert_same_run(fast, slow)


def test_a_kit_robot_made_in_place_runs_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # robokit run --board: the brick takes over the state of a kit robot's brick
    # (robokit.virtual.pins.as_kit); the kernel runs for the brick it is called for.
    from robokit.kits import load_board
    from robokit.virtual.pins import as_kit

    kit = load_board("pimoroni_inventor2040w")
    prog = EXAMPLES / "kits" / "inventor_square" / "main.py"
    fast = run(monkeypatch, prog, True, on_start=lambda b: as_kit(b, kit, None))
    slow = run(monkeypatch, prog, False, on_start=lambda b: as_kit(b, kit, None))
    assert fast.status == "finished", fast.traceback
    assert kernel_of(fast).ticks > 100
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows


ARM_MOVES = '''
from robokit import Stop, robot, wait

base = robot.drive_base
arm = robot.arm
base.drive(150, 20)
arm.run_angle(300, 60, then=Stop.BRAKE)
arm.run_angle(300, -60, then=Stop.COAST)
arm.run_target(200, 30, then=Stop.COAST_SMART)
wait(300)
arm.run_time(-200, 400, then=Stop.HOLD)
arm.run(250)
wait(300)
arm.track_target(-20)
wait(200)
arm.stop()
base.straight(100)
arm.run_target(500, 80, wait=False)
base.turn(90)
arm.run_until_stalled(-300, then=Stop.BRAKE, duty_limit=50)
print(arm.angle(), base.distance(), arm.done(), arm.stalled())
'''


def test_a_motor_under_its_own_control_moves_and_stops_the_same_way(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The kernel ticks the arm's control (Motor._control) beside the drive base's, and
    # lets go of it (Motor._finish) as Motor._tick does, for every way a move ends.
    prog = tmp_path / "arm_moves.py"
    prog.write_text(ARM_MOVES, encoding="utf-8")
    fast = run(monkeypatch, prog, True, world="empty", duration=30)
    slow = run(monkeypatch, prog, False, world="empty", duration=30)
    assert fast.status == "finished", fast.traceback
    k = kernel_of(fast)
    assert k.motor_ticks > 500
    assert k.ticks > 100
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows


PYBRICKS_LAP = """\
from pybricks.hubs import PrimeHub
from pybricks.pupdevices import Motor, ColorSensor
from pybricks.parameters import Port, Direction
from pybricks.robotics import DriveBase
from pybricks.tools import wait

hub = PrimeHub()
db = DriveBase(Motor(Port.A, Direction.COUNTERCLOCKWISE), Motor(Port.B), 56, 112)
eye = ColorSensor(Port.C)
last = 0
while True:
    error = eye.reflection() - 51
    db.drive(200, 2.5 * error + 2.0 * (error - last))
    last = error
    wait(10)
"""


def test_a_pybricks_drive_base_is_ticked_by_the_kernel(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """Pybricks' DriveBase is a subclass of robokit's (move_by, reset that stops) whose
    control tick is robokit's own: the kernel ticks it too.  It ticked none, so a
    Pybricks line follower went through the HAL's plumbing on every tick (9 % more
    instructions over its lap), the largest body of robot programs the slowest."""
    prog = tmp_path / "lap.py"
    prog.write_text(PYBRICKS_LAP)
    fast = run(monkeypatch, prog, True, world="oval", duration=10)
    slow = run(monkeypatch, prog, False, world="oval", duration=10)
    assert kernel_of(fast).ticks > 1900
    assert_same_run(fast, slow)
    assert fast.telemetry.rows == slow.telemetry.rows
