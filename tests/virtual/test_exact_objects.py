"""`robokit run --exact` in a world with objects to push, the robot in MicroPython's VM:
the robot and the objects share a floor there (robokit.sim.floor, the arena's bodies and
clock, and robokit.sim.bodies, portable code served from the ROM), and the run is the
default mode's to the bit: the pose, contacts, telemetry, events and output, and the
objects' places and track (carried back in the report, robokit.virtual.localsim.absorb)."""

from __future__ import annotations

import random
import struct
from pathlib import Path
from typing import Any

import pytest
from vm_helpers import assert_same_run, lay_rom, run_micropython

from robokit.config import standard_rover
from robokit.sim import bodies, simulate
from robokit.sim.arena import Arena
from robokit.sim.brick import SimBrick
from robokit.sim.world import World, load_world
from robokit.targets.micropython.exact import run_exact
from robokit.virtual import halvalue, localsim
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path
from robokit.virtual.rom import SIM_MODULES

ROOT = Path(__file__).resolve().parents[2]

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")


def run(program: Path, world: World | None, duration: float | None,
        **kw: Any) -> tuple[Any, ExactBoard]:
    w, seconds = run_settings(program, world, duration)
    board = ExactBoard(w, duration_s=seconds, **kw)
    try:
        return run_exact(program, board), board
    finally:
        board.close()


def _same_run(got: Any, default: Any) -> None:
    """The run of the robot in the VM is the default mode's, to the bit: its output, and
    the objects' places, verdict and track too."""
    assert_same_run(got, default)
    assert got.telemetry.output == default.telemetry.output
    assert got.objects == default.objects
    assert got.verdict == default.verdict
    mine, theirs = got.brick.arena, default.brick.arena
    assert mine.track_t == theirs.track_t and mine.track == theirs.track
    for a, b in zip(mine.things, theirs.things, strict=True):  # (the floats, unrounded)
        assert (a.x, a.y, a.vx, a.vy, a.moved_mm) == (b.x, b.y, b.vx, b.vy, b.moved_mm)


def _in_vm(board: ExactBoard) -> None:
    assert board.on_host is None and board.round_trips == 0  # no device call left the VM


# -- runs ----------------------------------------------------------------------------------

@needs_vm
def test_the_can_push_example_in_the_vm_gives_the_default_modes_run() -> None:
    """The robot sees the can, pushes it out of the ring and backs off: the can's place
    and track, the touch, the pose and telemetry as in the default mode."""
    program = ROOT / "examples" / "can_push" / "push_can.py"
    default = simulate(program)
    got, board = run(program, None, None)
    _in_vm(board)
    _same_run(got, default)
    assert default.objects[0]["moved_mm"] > 100  # it pushed the can
    assert [e["kind"] for e in default.telemetry.events] == ["touch"]
    assert len(got.brick.arena.track_t) > 100


#: Curves into a ball (off its centre: it rolls away askew), backs off, turns, and
#: pushes a can askew until a box stops the robot: contacts with an object that does not
#: yield, and a turn on the spot that pushes the box aside.
ASKEW = """\
from robokit import robot, wait
base = robot.drive_base
eyes = robot.ultrasonic_sensor
floor = robot.color_sensor
base.drive(220, 12)
for _ in range(150):
    print(eyes.distance(), floor.reflection())
    wait(10)
base.straight(-250)
base.turn(-80)
base.drive(250, -8)
for _ in range(165):
    print(eyes.distance(), floor.reflection())
    wait(10)
base.stop()
base.turn(150)
"""


def askew_world() -> World:
    ring = [[-1000, -1000], [1000, -1000], [1000, 1000], [-1000, 1000]]
    return World.from_dict({
        "name": "askew", "bounds": [-1200, -1200, 1200, 1200],
        "start": {"x": 0, "y": 0, "heading": 0},
        "walls": [{"points": ring, "closed": True}],
        "lines": [{"points": [[-200, 0], [900, 0]], "width": 20}],
        "objects": [{"shape": "ball", "center": [260, 70], "radius": 30, "color": "blue"},
                    {"shape": "box", "center": [330, 250], "size": [120, 80], "angle": 25,
                     "mass_g": 150},
                    {"shape": "cylinder", "center": [215, 420], "radius": 33,
                     "color": "#20c040"}]})


#: Pushes a box lying askew against a wall, where it blocks: the force sensor feels the
#: box, the ultrasonic sensor sees it.
INTO_THE_WALL = """\
from robokit import robot, wait
base = robot.drive_base
eyes = robot.ultrasonic_sensor
touch = robot.force_sensor
base.drive(200, 4)
for _ in range(300):
    print(eyes.distance(), touch.pressed())
    wait(10)
base.straight(-100)
"""


def box_world() -> World:
    return World.from_dict({
        "name": "box", "bounds": [-1200, -1200, 1200, 1200],
        "start": {"x": 0, "y": 0, "heading": 0},
        "walls": [{"points": [[560, -400], [560, 400]]}],
        "objects": [{"shape": "box", "center": [250, 30], "size": [100, 140], "angle": 20,
                     "mass_g": 120}]})


@needs_vm
def test_pushing_a_ball_and_a_can_askew_in_the_vm_gives_the_default_modes_run(
        tmp_path: Path) -> None:
    prog = tmp_path / "askew.py"
    prog.write_text(ASKEW)
    default = simulate(prog, world=askew_world(), duration=12.0)
    got, board = run(prog, askew_world(), 12.0)
    _in_vm(board)
    _same_run(got, default)
    moved = {o["shape"]: o for o in default.objects}
    assert moved["ball"]["moved_mm"] > 5 and moved["ball"]["y_mm"] != 70.0  # askew
    assert moved["cylinder"]["moved_mm"] > 50 and moved["cylinder"]["x_mm"] != 215.0
    # (wedged against the box, the last turn pushes it aside, as a robot turning on the
    # spot does: it never ended when only the drive along the heading pushed)
    assert default.status == "finished"
    kinds = [e["kind"] for e in default.telemetry.events]
    assert "touch" in kinds and "contact" in kinds


@needs_vm
def test_a_box_pushed_into_a_wall_in_the_vm_gives_the_default_modes_run(
        tmp_path: Path) -> None:
    prog = tmp_path / "box.py"
    prog.write_text(INTO_THE_WALL)
    default = simulate(prog, world=box_world(), duration=6.0)
    got, board = run(prog, box_world(), 6.0)
    _in_vm(board)
    _same_run(got, default)
    box = default.objects[0]
    assert box["moved_mm"] > 100 and box["y_mm"] > 60  # pushed, and askew
    assert any(line.endswith("True") for line in default.output.splitlines())  # felt it
    assert default.contacts["longest_s"] > 0.5  # the box against the wall stopped it


@needs_vm
def test_pushing_with_noise_in_the_vm_gives_the_default_modes_run_for_its_seed(
        tmp_path: Path) -> None:
    prog = tmp_path / "box.py"
    prog.write_text(INTO_THE_WALL)
    default = simulate(prog, world=box_world(), duration=6.0, seed=11, noise=True)
    plain = simulate(prog, world=box_world(), duration=6.0)
    got, board = run(prog, box_world(), 6.0, seed=11, noise=True)
    _in_vm(board)
    _same_run(got, default)
    assert default.objects != plain.objects  # (the noise made a difference)


@needs_vm
def test_the_replay_of_a_run_in_the_vm_has_the_objects_track() -> None:
    from robokit.sim.replay import replay_data

    program = ROOT / "examples" / "can_push" / "push_can.py"
    got, board = run(program, None, None)
    _in_vm(board)
    default = simulate(program)
    mine, theirs = replay_data(got), replay_data(default)
    assert mine["objects"] == theirs["objects"]
    can = mine["objects"][0]
    assert len(can["t"]) > 100 and can["x"][-1] > can["x"][0] + 100  # pushed, frame by frame


# -- which runs stay on the host ----------------------------------------------------------

def test_a_world_with_objects_lets_the_robot_into_the_vm_but_not_two_robots() -> None:
    world = load_world(ROOT / "examples" / "can_push" / "can_ring.toml")
    board = ExactBoard(world, duration_s=1.0)
    try:
        brick = board.new_brick(None)
        assert brick.arena is not None and brick.arena.things
        assert localsim.why_not(brick) is None
        assert board.vm_plan(brick) is not None and board.on_host is None
    finally:
        board.close()
    from robokit.config import standard_rover
    from robokit.sim.brick import SimBrick

    two = [SimBrick(world, standard_rover()), SimBrick(world, standard_rover())]
    Arena(world, two)
    assert localsim.why_not(two[0]) == "other robots share the world"
    one = SimBrick(world, standard_rover())
    Arena(world, [one]).rule = lambda arena: None
    assert localsim.why_not(one) == "a rule judges the run"


# -- the portable modules ----------------------------------------------------------------

def test_the_rom_serves_the_floor_and_the_bodies() -> None:
    from robokit.virtual.rom import sim_files

    assert "floor" in SIM_MODULES and "bodies" in SIM_MODULES
    mpy = sim_files("6.3")
    assert mpy["robokit/sim/floor.mpy"][:1] == b"M"
    assert mpy["robokit/sim/bodies.mpy"][:1] == b"M"


def test_the_floors_state_crosses_to_another_floor() -> None:
    """Floor.state, through halvalue, restores the objects, their track and the touches
    into the host's arena, floats to the bit."""
    from robokit.config import standard_rover
    from robokit.sim.brick import SimBrick

    world = askew_world()
    src = Arena(world, [SimBrick(world, standard_rover())])
    rng = random.Random(5)
    for k in range(7):
        src.track_t.append(20_000 * k)
        src.track.append([(rng.uniform(-1, 1) * 300, rng.uniform(-1, 1) / 3) for _ in
                          src.things])
    th = src.things[0]
    th.x, th.y, th.vx, th.vy, th.moved_mm = 0.1, -2 / 3, 1e-7, 3.5, 12.25
    th._t = 140_000  # type: ignore[attr-defined]
    src._touching = {(0, "object 1 (ball)")}
    src.moves, src._next_track, src.time_up = 41, 160_000, True
    out = bytearray()
    halvalue.encode(src.state(), out)
    dst = Arena(world, [SimBrick(world, standard_rover())])
    dst.restore(halvalue.decode(bytes(out), 0)[0])
    assert dst.track_t == src.track_t and dst.track == src.track
    assert [(t.x, t.y, t.vx, t.vy, t.moved_mm) for t in dst.things] == [
        (t.x, t.y, t.vx, t.vy, t.moved_mm) for t in src.things]
    assert dst.things[0]._t == 140_000  # type: ignore[attr-defined]
    assert not hasattr(dst.things[1], "_t")
    assert (dst._touching, dst.moves, dst._next_track, dst.time_up) == (
        src._touching, 41, 160_000, True)
    assert dst.object_states() == src.object_states()


@needs_vm
def test_the_bodies_answer_in_micropython_as_in_cpython(tmp_path: Path) -> None:
    """robokit.sim.bodies as the ROM serves it: overlaps, rays and lengths the same
    floats in MicroPython as here (its hypot is the same computation in both)."""
    import math

    lay_rom(tmp_path)
    rng = random.Random(3)
    cases = []
    for _ in range(400):
        a = bodies.rect(rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-4, 4),
                        rng.uniform(20, 90), rng.uniform(-90, -20), rng.uniform(20, 70))
        b = (bodies.circle(rng.uniform(-150, 150), rng.uniform(-150, 150),
                           rng.uniform(5, 60)) if rng.random() < 0.5 else
             bodies.box(rng.uniform(-150, 150), rng.uniform(-150, 150),
                        rng.uniform(-4, 4), rng.uniform(10, 150), rng.uniform(10, 150)))
        ox, oy = rng.uniform(-300, 300), rng.uniform(-300, 300)
        ang = math.atan2(b[2] - oy, b[1] - ox) + rng.uniform(-0.4, 0.4)  # (near the shape)
        cases.append([a, b, ox, oy, math.cos(ang), math.sin(ang)])
    out = bytearray()
    halvalue.encode(cases, out)  # (the floats as their bytes: no parsing of decimals)
    (tmp_path / "cases.bin").write_bytes(bytes(out))
    (tmp_path / "halvalue.py").write_text(Path(halvalue.__file__).read_text())
    out = run_micropython(tmp_path, "import sys, struct\nsys.path[:] = ['']\n"
        "exec(open('halvalue.py').read())\n"
        "from robokit.sim import bodies\n"
        "cases = decode(open('cases.bin', 'rb').read(), 0)[0]\n"
        "def bits(v):\n"
        "    if isinstance(v, float):\n"
        "        return list(struct.pack('<d', v))\n"
        "    if isinstance(v, (list, tuple)):\n"
        "        return [bits(x) for x in v]\n"
        "    return v\n"
        "for a, b, ox, oy, dx, dy in cases:\n"
        "    print(repr(bits([bodies.overlap(a, b), bodies.ray(b, ox, oy, dx, dy),\n"
        "                     bodies.hypot(ox, oy), bodies.contains(b, ox / 3, oy / 3)])))\n")
    got = [eval(line) for line in out.splitlines()]  # noqa: S307 - our own output

    def bits(v: Any) -> Any:
        if isinstance(v, float):
            return list(struct.pack("<d", v))
        if isinstance(v, (list, tuple)):
            return [bits(x) for x in v]
        return v

    want = [bits([bodies.overlap(a, b), bodies.ray(b, ox, oy, dx, dy), bodies.hypot(ox, oy),
                  bodies.contains(b, ox / 3, oy / 3)]) for a, b, ox, oy, dx, dy in cases]
    assert got == want
    assert sum(w[0] is not None for w in want) > 50  # (the shapes met)
    assert sum(w[1] != bits(math.inf) for w in want) > 150  # (the rays met them)


CAN_RING = ROOT / "examples" / "can_push" / "can_ring.toml"


def _in_vm_floor(folder: Path, body: str, heap: str) -> str:
    """Run ``body`` in MicroPython's VM with ``b``, a VMBrick made from the plan of the
    standard rover in the can's ring (its floor ``b.arena``, its 200 s run), and
    halvalue's ``encode``/``decode``; what it printed."""
    lay_rom(folder)
    board = ExactBoard(load_world(CAN_RING), duration_s=200.0, telemetry_hz=0.0)
    try:
        (folder / "plan.bin").write_bytes(localsim.plan(board.new_brick(None)))
    finally:
        board.close()
    (folder / "halvalue.py").write_text(Path(halvalue.__file__).read_text())
    script = (
        "import sys\nsys.path[:] = ['']\n"
        "exec(open('halvalue.py').read())\n"
        "from robokit.sim import vmbrick\n"
        "def read(path, offset, code, n):\n"
        "    from array import array\n"
        "    a = array(code, bytearray(n * (8 if code == 'q' else 4)))\n"
        "    with open(path, 'rb') as f:\n"
        "        f.seek(offset)\n"
        "        f.readinto(a)\n"
        "    return a\n"
        "data = open('plan.bin', 'rb').read()\n"
        "plan, at = decode(data, 0)\n"
        "b = vmbrick.make(plan, data, at, lambda now: None, read)\n") + body
    return run_micropython(folder, script, timeout=120, options=("-X", "heapsize=" + heap))


@needs_vm
def test_the_vms_floor_keeps_its_track_as_raw_numbers(tmp_path: Path) -> None:
    """A long run's track stays compact in the VM: 24 bytes a place kept (its time and
    x, y as raw numbers), not a list, a tuple and two floats apiece, whose small objects
    would fill the VM's heap over a long run (and slow each allocation among them)."""
    out = _in_vm_floor(tmp_path, (
        "import gc\n"
        "b.every(5000, lambda t: None)\n"  # (a control loop's ticks: events on the clock)
        "b.sleep_us(10_000_000)\n"
        "n0 = len(b.arena.track_t)\n"
        "gc.collect()\n"
        "m0 = gc.mem_alloc()\n"
        "b.sleep_us(60_000_000)\n"
        "n1 = len(b.arena.track_t)\n"
        "gc.collect()\n"
        "print(n1 - n0, gc.mem_alloc() - m0)\n"), "96M")
    kept, grown = (int(v) for v in out.split())
    assert kept == 3000  # a place every 20 ms
    assert grown < 32 * kept  # (a list, a tuple and two floats: over 128 bytes a place)


@needs_vm
def test_the_vms_floor_thins_a_full_track_as_the_hosts_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A track that fills up keeps every other place and goes on half as often
    (robokit.sim.floor.MAX_TRACK), in the VM's raw numbers as in the host's lists: the
    same times and places."""
    from robokit.sim import floor

    _in_vm_floor(tmp_path, (
        "from robokit.sim import floor\n"
        "floor.MAX_TRACK = 40\n"
        "b.every(5000, lambda t: None)\n"
        "b.sleep_us(7_000_000)\n"
        "out = bytearray()\n"
        "encode(b.arena.state(), out)\n"
        "open('state.bin', 'wb').write(out)\n"), "64M")
    monkeypatch.setattr(floor, "MAX_TRACK", 40)
    host = ExactBoard(load_world(CAN_RING), duration_s=200.0, telemetry_hz=0.0)
    try:
        hb = host.new_brick(None)
        hb.every(5000, lambda t: None)
        hb.sleep_us(7_000_000)
        theirs = hb.arena
    finally:
        host.close()
    mine = Arena(hb.world, [SimBrick(hb.world, standard_rover())])
    mine.restore(halvalue.decode((tmp_path / "state.bin").read_bytes(), 0)[0])
    assert 20 <= len(theirs.track_t) < 40 and theirs._track_period > floor.TRACK_PERIOD_US
    assert theirs.track_t[-1] > 6_000_000  # (not stopped where it first filled up)
    assert mine.track_t == theirs.track_t and mine.track == theirs.track
    assert mine._track_period == theirs._track_period
