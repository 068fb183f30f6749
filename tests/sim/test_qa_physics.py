"""Exploratory QA of the simulator's physics and worlds, as a teacher or a hobbyist meets
them: pushing objects backwards and forwards, small fast balls and thin walls, objects
set against walls in a world file, the bumper while pushing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from robokit.sim import simulate


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_robot_reversing_into_a_can_pushes_it_as_driving_forward_does(tmp_path: Path
                                                                        ) -> None:
    # The same can, 80 mm from the body: once ahead of the robot (its front is 90 mm ahead
    # of the axle), once behind it (its back is 60 mm behind).
    results = {}
    for way, heading, speed, can_x in (("forward", 0, 200, 90 + 33 + 80),
                                       ("backward", 180, -200, 60 + 33 + 80)):
        w = write(tmp_path / f"{way}.toml", f"""\
            name = "{way}"
            size = [2000, 2000]
            start = {{ x = 0, y = 0, heading = {heading} }}
            [[objects]]
            shape = "cylinder"
            center = [{can_x}, 0]
            radius = 33
            mass_g = 50
            """)
        p = write(tmp_path / f"{way}.py", f"""\
            from robokit import robot, wait
            robot.drive_base.drive({speed}, 0)
            wait(2000)
            """)
        results[way] = simulate(str(p), world=str(w), duration=3)
    fwd, back = results["forward"], results["backward"]
    # A 50 g can takes 0.25 N to slide; either way the wheels beat it by far.
    assert fwd.objects[0]["moved_mm"] > 250
    assert back.objects[0]["moved_mm"] > 250
    assert abs(back.objects[0]["moved_mm"] - fwd.objects[0]["moved_mm"]) < 1
    assert abs(back.pose[0] - fwd.pose[0]) < 1  # the robot went as far, x growing both ways
    assert back.contacts["count"] == fwd.contacts["count"] == 1  # a touch, never blocked


WALL_AT_300 = """\
    size = [1000, 1000]
    start = { x = -300, y = 200, heading = 0 }
    [[walls]]
    points = [[-500, 300], [500, 300]]
    [[objects]]
    shape = "cylinder"
    center = [0, CAN_Y]
    radius = 30
    """


def test_a_can_set_into_a_wall_is_refused_at_its_line_where_it_would_block_the_robot(
        tmp_path: Path) -> None:
    # The wall's face is at y = 290: a can 30 mm across at y = 265 reaches 5 mm into it.  Its
    # centre is on open floor, but the can could never move (a body is not pushed into a
    # wall), and the robot driving past it stopped against a 100 g can for the whole run.
    from robokit.errors import WorldError
    from robokit.sim.world import parse_world

    text = textwrap.dedent(WALL_AT_300)
    with pytest.raises(WorldError) as info:
        parse_world(text.replace("CAN_Y", "265"), "w.toml")
    assert str(info.value) == (
        "w.toml:7: [[objects]] #1, key 'center': the object reaches into [[walls]] #1, so it "
        "could never move (nothing is pushed into a wall); move it to open floor, or set it "
        "against the wall")
    # A fifth of a millimetre is as stuck: refused too.
    with pytest.raises(WorldError):
        parse_world(text.replace("CAN_Y", "260.2"), "w.toml")


@pytest.mark.parametrize("obj", ['shape = "cylinder"\nradius = 30\ncenter = [0, 260]',
                                 'shape = "box"\nsize = [80, 80]\ncenter = [0, 250]'])
def test_an_object_set_flush_against_a_wall_slides_along_it(tmp_path: Path, obj: str) -> None:
    # The wall's face is at y = 290, and the can's or the box's top touches it; the robot
    # drives by, just clear of the wall, and pushes it along.  (A box flush against a wall
    # was stuck: it touched the wall wherever it went, and touching counted as a hit.)
    text = textwrap.dedent(WALL_AT_300).split("[[objects]]")[0]
    w = write(tmp_path / "flush.toml", text + "[[objects]]\n" + obj + "\n")
    p = write(tmp_path / "p.py", """\
        from robokit import robot, wait
        robot.drive_base.drive(200, 0)
        wait(3000)
        """)
    result = simulate(str(p), world=str(w), duration=4)
    assert result.objects[0]["moved_mm"] > 300
    assert result.contacts["count"] == 1  # it touched the object, and was never stopped


@pytest.mark.parametrize("obj, where", [
    ('shape = "box"\ncenter = [0, 120]\nsize = [100, 100]\nangle = 45', "[[boxes]] #1"),
    ('shape = "ball"\ncenter = [0, 90]\nradius = 70', "[[boxes]] #1"),
    ('shape = "box"\ncenter = [-335, -300]\nsize = [60, 60]', "[[walls]] #1"),
    ('shape = "box"\ncenter = [-400, -300]\nsize = [60, 60]\nangle = 30', None),
    ('shape = "ball"\ncenter = [-200, -400]\nradius = 40', None),  # clear of the wall
])
def test_objects_reaching_into_boxes_and_walls(obj: str, where: str | None) -> None:
    from robokit.errors import WorldError
    from robokit.sim.world import parse_world

    text = ("size = [1000, 1000]\nstart = { x = 0, y = -100, heading = 0 }\n"
            "[[boxes]]\ncenter = [0, 200]\nsize = [100, 100]\n"
            "[[walls]]\npoints = [[-300, -450], [-300, -300], [300, -450]]\nthickness = 20\n"
            "[[objects]]\n" + obj + "\n")
    if where is None:
        assert len(parse_world(text, "w.toml").objects) == 1
        return
    with pytest.raises(WorldError) as info:
        parse_world(text, "w.toml")
    assert f"the object reaches into {where}, so it could never move" in str(info.value)


def test_a_zero_mass_says_grams_not_millimetres() -> None:
    from robokit.errors import WorldError
    from robokit.sim.world import parse_world

    with pytest.raises(WorldError) as info:
        parse_world('size = [1000, 1000]\n[[objects]]\nshape = "ball"\ncenter = [300, 0]\n'
                    'radius = 20\nmass_g = 0\n', "w.toml")
    assert str(info.value) == ("w.toml:6: [[objects]] #1, key 'mass_g': mass_g = 0 must be "
                               "greater than 0 (g); write e.g. mass_g = 100")


def test_the_bumper_pushing_a_light_box_feels_the_box_not_the_motors_friction(
        tmp_path: Path) -> None:
    # A 200 g box with friction 0.5 takes 0.98 N to slide: the bumper reads its spring's
    # 3 N and that (it read 6.25 N, adding the 2.3 N the motors spend on their own gear
    # friction); against the wall beyond, the wheels' whole thrust (up to 10 N).
    w = write(tmp_path / "box.toml", """\
        name = "box"
        size = [2000, 2000]
        start = { x = -500, y = 0, heading = 0 }
        [[walls]]
        points = [[-1000, -1000], [1000, -1000], [1000, 1000], [-1000, 1000]]
        closed = true
        [[objects]]
        shape = "box"
        center = [0, 0]
        size = [100, 100]
        mass_g = 200
        friction = 0.5
        """)
    p = write(tmp_path / "p.py", """\
        from robokit import robot, wait
        robot.drive_base.drive(200, 0)
        wait(3000)
        print("box", robot.force_sensor.force(), robot.left_motor.load())
        wait(5000)
        print("wall", robot.force_sensor.force())
        """)
    result = simulate(str(p), world=str(w), duration=9)
    box, load, wall = (float(v) for line in result.output.splitlines()
                       for v in line.split()[1:])
    assert result.objects[0]["x_mm"] == pytest.approx(940, abs=1)  # at the wall by then
    assert box == pytest.approx(3.0 + 0.2 * 9.81 * 0.5, abs=0.02)
    assert load == pytest.approx(0.2 * 9.81 * 0.5 / 2 * 28, abs=1)  # mN·m per wheel
    assert wall == 10.0


def test_a_robot_turning_on_the_spot_brushes_a_can_aside(tmp_path: Path) -> None:
    # A 50 g can just clear of the robot's left side, in the sweep of its front corner: a
    # real robot turning left knocks it away.  Only the drive along the heading pushed, and
    # a turn on the spot has none, so the robot stayed wedged at 2° and turn() never ended.
    w = write(tmp_path / "spin.toml", """\
        size = [2000, 2000]
        [[objects]]
        shape = "cylinder"
        center = [60, 110]
        radius = 33
        mass_g = 50
        """)
    p = write(tmp_path / "spin.py", """\
        from robokit import robot
        robot.drive_base.turn(-360)
        print("turned")
        """)
    result = simulate(str(p), world=str(w), duration=5)
    assert result.status == "finished" and result.output == "turned\n"
    assert result.imu_heading_deg == pytest.approx(-360, abs=1)
    assert abs(result.pose[0]) < 0.5 and abs(result.pose[1]) < 0.5  # still on the spot
    assert result.objects[0]["moved_mm"] > 10
    # never stopped, not even where its corner grazes past the can
    assert [e["kind"] for e in result.events if e["kind"] in ("touch", "contact")] == [
        "touch", "touch"]
    # A wall there instead holds the robot still: it does not yield.
    w2 = write(tmp_path / "post.toml", """\
        size = [2000, 2000]
        [[walls]]
        points = [[60, 110], [60, 110]]
        thickness = 66
        """)
    blocked = simulate(str(p), world=str(w2), duration=5)
    assert blocked.status == "timeout" and abs(blocked.imu_heading_deg) < 5


def test_a_small_fast_ball_does_not_pass_through_a_thin_wall(tmp_path: Path) -> None:
    # A robot on big wheels with Technic XL motors shoots a 1 mm ball at a 1 mm wall at
    # about 1.5 m/s: 7.5 mm per 5 ms step, more than the ball and the wall together.  The
    # ball rolled from place to place and was tested only where it landed: it passed
    # through the wall and rolled on 2.7 m beyond it.
    robot = textwrap.dedent("""\
        [devices.left_motor]
        type = "Motor"
        port = "A"
        model = "technic_xl"
        positive_direction = "counterclockwise"
        [devices.right_motor]
        type = "Motor"
        port = "B"
        model = "technic_xl"
        [drive_base]
        left = "left_motor"
        right = "right_motor"
        wheel_diameter = 120
        axle_track = 112
        """)
    r = write(tmp_path / "fast.toml", robot)
    w = write(tmp_path / "thin.toml", """\
        size = [6000, 1000]
        start = { x = -2900, y = 0, heading = 0 }
        [[walls]]
        points = [[0, -400], [0, 400]]
        thickness = 1
        [[objects]]
        shape = "ball"
        center = [-2000, 0]
        radius = 0.5
        friction = 0.01
        """)
    p = write(tmp_path / "shoot.py", """\
        from robokit import robot, wait
        robot.drive_base.settings(straight_speed=1571, straight_acceleration=20000)
        robot.drive_base.drive(1571, 0)
        wait(1300)
        robot.drive_base.stop()
        wait(3000)
        """)
    result = simulate(str(p), world=str(w), robot=str(r), duration=5)
    ball = result.objects[0]
    assert ball["moved_mm"] > 1900  # it did reach the wall...
    assert ball["x_mm"] < -1.0  # ...and stopped on this side of it (its face is at -0.5)


@pytest.mark.parametrize("key, example", [("program", 'program = "blue.py"'),
                                          ("robot", 'robot = "blue.toml"')])
def test_a_robots_program_or_robot_that_is_no_string_gets_its_own_example(
        key: str, example: str) -> None:
    from robokit.errors import WorldError
    from robokit.sim.world import parse_world

    with pytest.raises(WorldError) as info:
        parse_world(f"size = [1000, 1000]\n[[robots]]\nx = 0\ny = 0\n{key} = 5\n", "w.toml")
    # (it said: write e.g. program = "my world")
    assert str(info.value) == (f"w.toml:5: [[robots]] #1, key '{key}': 5 is not a string; "
                               f"write e.g. {example}")


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), 1e-6])
def test_rendering_a_mat_at_a_pixel_size_that_makes_no_picture_says_so(bad: float) -> None:
    # (it raised ZeroDivisionError, drew one pixel, raised "cannot convert float NaN to
    # integer", or tried for 16e12 pixels)
    from robokit.sim.surface import render
    from robokit.sim.world import load_world

    with pytest.raises(ValueError, match=r"^render: mm_per_px = .* mm_per_px=\d"):
        render(load_world("empty"), mm_per_px=bad)


def test_a_body_starting_in_a_wall_box_object_or_robot_names_which(tmp_path: Path) -> None:
    # Of three boxes and a wall, which one holds the robot?  (it said "a wall or box")
    from robokit.errors import WorldError

    w = write(tmp_path / "boxy.toml", """\
        size = [2000, 2000]
        start = { x = 0, y = 0, heading = 0 }
        [[walls]]
        points = [[-900, 500], [900, 500]]
        [[boxes]]
        center = [500, 500]
        size = [100, 100]
        [[boxes]]
        center = [130, 0]
        size = [100, 100]
        [[objects]]
        shape = "ball"
        center = [-300, 0]
        radius = 30
        """)
    p = write(tmp_path / "p.py", "from robokit import robot\n")
    with pytest.raises(WorldError, match=r"with its body in a wall or box \(\[\[boxes\]\] #2\), "
                                         "so it could not move"):
        simulate(str(p), world=str(w))
    wall = w.read_text().replace("center = [130, 0]", "center = [130, 900]").replace(
        "[[-900, 500], [900, 500]]", "[[-900, 60], [900, 60]]")
    with pytest.raises(WorldError, match=r"in a wall or box \(\[\[walls\]\] #1\)"):
        simulate(str(p), world=str(write(tmp_path / "wall.toml", wall)))
    ball = w.read_text().replace("center = [130, 0]", "center = [130, 900]").replace(
        "center = [-300, 0]", "center = [-80, 0]")
    with pytest.raises(WorldError, match=r"in another robot or an object \(\[\[objects\]\] #1\)"):
        simulate(str(p), world=str(write(tmp_path / "ball.toml", ball)))
    two = write(tmp_path / "two.toml", """\
        size = [2000, 2000]
        [[robots]]
        x = 0
        y = 0
        [[robots]]
        x = 100
        y = 0
        heading = 180
        """)
    with pytest.raises(WorldError, match=r"robot 1 starts .* in another robot or an object "
                                         r"\(robot 2\)"):
        simulate([str(p), str(p)], world=str(two))
