"""`robokit run --exact` in a world with walls, the robot in MicroPython's VM: the VM's
robot asks the world's own geometry (robokit.sim.world.geometry's WallGeometry and
sonar's Cone, portable code served from the ROM) on the segments, grid and clearance field
the host built and sent in the plan, and gives the default mode's run to the bit."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from vm_helpers import assert_same_run, lay_rom, run_micropython

from robokit.sim import simulate
from robokit.sim.world import World
from robokit.sim.world.geometry import WallGeometry
from robokit.targets.micropython.exact import run_exact
from robokit.virtual import halvalue, localsim
from robokit.virtual.exact import ExactBoard, run_settings
from robokit.virtual.mpvm import micropython_path

needs_vm = pytest.mark.skipif(micropython_path() is None,
                              reason="MicroPython's unix port (micropython) is not installed")


def run(program: Path, world: World, duration: float) -> tuple[Any, ExactBoard]:
    w, seconds = run_settings(program, world, duration)
    board = ExactBoard(w, duration_s=seconds)
    try:
        return run_exact(program, board), board
    finally:
        board.close()


def walled(walls: list[dict[str, Any]], boxes: list[dict[str, Any]] | None = None,
           objects: list[dict[str, Any]] | None = None,
           lines: list[dict[str, Any]] | None = None) -> World:
    return World.from_dict({"name": "walled", "bounds": [-1200, -1200, 1200, 1200],
                            "start": {"x": 0, "y": 0, "heading": 0}, "walls": walls,
                            "boxes": boxes or [], "objects": objects or [],
                            "lines": lines or []})


#: A wall across the way 500 mm ahead, and a box to the left.
AHEAD = [{"points": [[500, -400], [500, 400]], "thickness": 20}]
BOX = [{"center": [0, 400], "size": [200, 100], "angle": 30}]


def zigzag() -> World:
    """A world of 40 wall segments (a grid indexes them: 24 or more) around the start."""
    pts = [[-900 + 45 * k, 700 + (60 if k % 2 else 0)] for k in range(41)]
    ring = [[-1000, -1000], [1000, -1000], [1000, 1000], [-1000, 1000]]
    return walled([{"points": pts, "thickness": 10},
                   {"points": ring, "closed": True, "thickness": 20}] + AHEAD, BOX)


# -- the geometry the VM restores --------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: walled(AHEAD, BOX), zigzag],
                         ids=["few walls", "a grid of walls"])
def test_restored_walls_answer_every_query_as_the_worlds_own(make: Any) -> None:
    """WallGeometry.restored, from walls_state and the clearance field as they cross to
    the VM (halvalue and raw doubles), answers as the world it came from, to the bit:
    the body's overlap and contact sides, the clearance, the ultrasonic cone."""
    world = make()
    state = world.walls_state()
    value, _ = halvalue.decode(_encoded(state), 0)
    table = world.clearance_table()
    from array import array

    clear = array("d", bytes(table))
    geo = WallGeometry.restored(value, clear)
    assert (world._grid is not None) == (geo._grid is not None)
    assert geo.walls == world.walls and geo._segs == world._segs
    rng = random.Random(7)
    hits = contacts = seen = 0
    for _ in range(3000):
        x, y = rng.uniform(-1100, 1100), rng.uniform(-1100, 1100)
        h = rng.uniform(-400, 400)
        assert geo._clearance(x, y) == world._clearance(x, y)
        hit = world.rect_hits_wall(x, y, h, 100.0, -60.0, 60.0)
        assert geo.rect_hits_wall(x, y, h, 100.0, -60.0, 60.0) == hit
        sides = world.rect_contact(x, y, h, 100.0, -60.0, 60.0, 1.0)
        assert geo.rect_contact(x, y, h, 100.0, -60.0, 60.0, 1.0) == sides
        d = world.ultrasonic(x, y, h, 20.0, 5, 2000.0)
        got = geo.ultrasonic(x, y, h, 20.0, 5, 2000.0)
        assert got == d or (math.isnan(got) and math.isnan(d))
        hits += hit
        contacts += bool(sides)
        seen += d < 2000.0
    assert hits > 50 and contacts > 50 and seen > 500  # the queries met walls


def _encoded(value: Any) -> bytes:
    out = bytearray()
    halvalue.encode(value, out)
    return bytes(out)


# -- runs in the VM ----------------------------------------------------------------------

#: Drive into the wall ahead, reading the ultrasonic sensor, and push against it.
INTO_THE_WALL = """\
from robokit import robot, wait
base = robot.drive_base
eyes = robot.ultrasonic_sensor
touch = robot.force_sensor
base.drive(250, 8)
for _ in range(300):
    print(eyes.distance(), touch.pressed(), touch.force())
    wait(10)
base.stop()
base.straight(-150)
base.turn(60)
base.drive(300, 0)
wait(1500)
print(eyes.distance(), touch.force())
"""


@needs_vm
@pytest.mark.parametrize("make", [lambda: walled(AHEAD, BOX), zigzag],
                         ids=["few walls", "a grid of walls"])
def test_a_robot_driving_into_a_wall_in_the_vm_gives_the_default_modes_run(
        make: Any, tmp_path: Path) -> None:
    """Contacts (how many, the first, the longest push), the ultrasonic and force
    readings, the pose and telemetry: the same as the default mode's."""
    prog = tmp_path / "into_wall.py"
    prog.write_text(INTO_THE_WALL)
    default = simulate(prog, world=make(), duration=20.0)
    got, board = run(prog, make(), 20.0)
    assert board.on_host is None and board.round_trips == 0  # the robot ran in the VM
    assert_same_run(got, default)
    contacts = default.contacts
    assert contacts["count"] >= 1 and contacts["first_s"] is not None
    assert contacts["longest_s"] > 0.5  # it pushed against the wall for a while
    assert got.output == default.output  # (these readings print the same in both)
    readings = [line.split() for line in default.output.splitlines()]
    assert float(readings[0][0]) < 500 < 2000  # the wall ahead, seen from the start
    assert any(r[1] == "True" for r in readings)  # the force sensor touched it


@needs_vm
def test_without_robokits_cache_the_walls_follow_the_mats_tables_through_the_pipe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(an empty ROBOKIT_CACHE_DIR turns the cache off: the mat's tables go with the plan,
    and the clearance field after them)"""
    monkeypatch.setenv("ROBOKIT_CACHE_DIR", "")
    prog = tmp_path / "line_to_wall.py"
    prog.write_text("from robokit import robot, wait\n"
                    "eye = robot.color_sensor\nrobot.drive_base.drive(200, 0)\n"
                    "for _ in range(250):\n"
                    "    print(eye.reflection(), robot.ultrasonic_sensor.distance())\n"
                    "    wait(10)\n")

    def world() -> World:
        return walled(AHEAD, lines=[{"points": [[-100, 0], [600, 0]], "width": 20}])

    brick = ExactBoard(world(), duration_s=5.0)
    try:
        plan = localsim.plan(brick.new_brick(None))
    finally:
        brick.close()
    value, at = halvalue.decode(plan, 0)
    assert value[6][-1] == [None, None]  # the mat's tables in the plan, then the field
    # (vmbrick.make is portable: made here, its world is the one the VM gets)
    from robokit.sim import motor, vmbrick

    monkeypatch.setattr(motor, "MODELS", dict(motor.MODELS))  # (make() sets the models)
    made = vmbrick.make(value, plan, at, lambda now: None)
    host = world()
    assert list(made.world._clear) == list(host.clearance_table())
    assert made.world._segs == host._segs
    default = simulate(prog, world=world(), duration=5.0)
    got, board = run(prog, world(), 5.0)
    assert board.on_host is None
    assert_same_run(got, default)
    assert got.output == default.output and default.contacts["count"] == 1
    assert {line.split()[0] for line in default.output.splitlines()} != {"0"}  # the line


@needs_vm
def test_a_run_among_walls_with_objects_to_push_runs_in_the_vm(tmp_path: Path) -> None:
    """(the robot and the objects share a floor in the VM, robokit.sim.floor: the can,
    pushed into the wall, blocks, as in the default mode)"""
    prog = tmp_path / "push.py"
    prog.write_text("from robokit import robot\nrobot.drive_base.straight(400)\n"
                    "print(robot.ultrasonic_sensor.distance())\n")

    def world() -> World:
        return walled(AHEAD, objects=[{"shape": "cylinder", "center": [250, 0],
                                        "radius": 33}])

    w, seconds = run_settings(prog, world(), 5.0)
    board = ExactBoard(w, duration_s=seconds)
    try:
        assert localsim.why_not(board.new_brick(None)) is None
    finally:
        board.close()
    default = simulate(prog, world=world(), duration=5.0)
    got, board = run(prog, world(), 5.0)
    assert board.on_host is None and board.round_trips == 0
    assert_same_run(got, default)
    assert got.output == default.output and got.objects == default.objects
    assert default.objects[0]["x_mm"] > 400  # pushed up to the wall (at 490: 500 - 10)
    assert default.contacts["count"] >= 1  # where it stopped the robot


@needs_vm
def test_the_vms_robot_without_walls_loads_no_wall_geometry(tmp_path: Path) -> None:
    """The walls' modules load in the VM only for a world with walls (a run without
    any does not pay for their import)."""
    prog = tmp_path / "which.py"
    prog.write_text("import sys\nfrom robokit import robot, wait\nwait(10)\n"
                    "print(sorted(m for m in sys.modules if 'world' in m))\n")
    got, board = run(prog, walled([]), 1.0)
    assert board.on_host is None and got.output.strip() == "[]"
    got, board = run(prog, walled(AHEAD), 1.0)
    assert board.on_host is None
    assert "robokit.sim.world.geometry" in got.output
    assert "robokit.sim.world.sonar" in got.output


def test_the_rom_serves_the_walls_geometry_compiled(tmp_path: Path) -> None:
    """The ROM's robokit/sim/world is the geometry and the cone with an empty
    ``__init__`` (the host's imports numpy, the world files' reader, ...)."""
    from robokit.virtual.rom import sim_files

    files = sim_files()
    assert files["robokit/sim/world/__init__.py"] == b""
    assert {p for p in files if p.startswith("robokit/sim/world/")} == {
        "robokit/sim/world/__init__.py", "robokit/sim/world/geometry.py",
        "robokit/sim/world/sonar.py"}
    mpy = sim_files("6.3")
    assert mpy["robokit/sim/world/geometry.mpy"][:1] == b"M"
    assert "robokit/sim/push.mpy" in mpy


@needs_vm
def test_the_geometry_imports_in_a_bare_micropython(tmp_path: Path) -> None:
    """The world package's portable modules import in MicroPython as the ROM serves
    them, and a restored geometry answers there as on the host."""
    lay_rom(tmp_path)
    world = zigzag()
    state = world.walls_state()
    (tmp_path / "clear.bin").write_bytes(bytes(world.clearance_table()))
    (tmp_path / "state.bin").write_bytes(_encoded(state))
    queries = [(-300.0 + 37.0 * k, 640.0 - 11.0 * k, 7.0 * k) for k in range(30)]
    halvalue_py = Path(halvalue.__file__).read_text()
    (tmp_path / "halvalue.py").write_text(halvalue_py)
    out = run_micropython(tmp_path, "import sys\nsys.path[:] = ['']\n"
        "import struct\nfrom array import array\n"
        "exec(open('halvalue.py').read())\n"
        "def bits(v):\n    return list(struct.pack('<d', v))\n"
        "from robokit.sim.world.geometry import WallGeometry\n"
        "state = decode(open('state.bin', 'rb').read(), 0)[0]\n"
        "clear = array('d', open('clear.bin', 'rb').read())\n"
        "g = WallGeometry.restored(state, clear)\n"
        "for x, y, h in " + repr(queries) + ":\n"
        "    print(repr((g.rect_hits_wall(x, y, h, 100.0, -60.0, 60.0),\n"
        "                sorted(g.rect_contact(x, y, h, 100.0, -60.0, 60.0, 1.0)),\n"
        "                bits(g.ultrasonic(x, y, h, 20.0, 5, 2000.0)),\n"
        "                bits(g._clearance(x, y)))))\n")
    # (the floats as their bytes: MicroPython prints 16 significant digits)
    got = [eval(line) for line in out.splitlines()]  # noqa: S307 - our own output
    want = [(world.rect_hits_wall(x, y, h, 100.0, -60.0, 60.0),
             sorted(world.rect_contact(x, y, h, 100.0, -60.0, 60.0, 1.0)),
             list(struct.pack("<d", world.ultrasonic(x, y, h, 20.0, 5, 2000.0))),
             list(struct.pack("<d", world._clearance(x, y))))
            for x, y, h in queries]
    assert got == want
    assert any(w[0] for w in want) and any(w[1] for w in want)
    assert any(world.ultrasonic(x, y, h, 20.0, 5, 2000.0) < 2000.0 for x, y, h in queries)
